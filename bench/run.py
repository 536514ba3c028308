"""Orchestrate every section, each measurement in a fresh interpreter, then report.

``python -m bench`` (``make bench``) runs the full sizes; ``--quick`` (``make
bench-quick``) runs tiny ones to check the machinery. Results land in bench/results/.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench.measure import IMPORTS, MARK, PAIRED

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
FULL_SIZES = (100, 500, 1000, 2000)
QUICK_SIZES = (10, 40)
PEER_TARGET_N = 1000
IMPORT_REPEATS = 11


def repeats_for(n: int, scale: float) -> int:
    """Small N is cheap and noisy, so it is repeated more; the median is reported."""
    base = 5 if n <= 100 else 3 if n <= 1000 else 1
    return max(1, round(base * scale))


def load() -> tuple[float, float, float]:
    return os.getloadavg()


def log(message: str) -> None:
    print(message, flush=True)


def measure(*args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``python -m bench.measure ARGS`` and return its result plus the process's wall."""
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "bench.measure", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
    )
    wall = time.perf_counter() - start
    lines = [line for line in proc.stdout.splitlines() if line.startswith(MARK)]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(
            f"bench.measure {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr[-3000:]}"
        )
    result: dict[str, Any] = json.loads(lines[-1][len(MARK) :])
    result["process_seconds"] = wall
    return result


def median_of(runs: Sequence[dict[str, Any]], key: str) -> float:
    return statistics.median(float(run[key]) for run in runs)


def summarise(runs: Sequence[dict[str, Any]], keys: Sequence[str]) -> dict[str, Any]:
    summary: dict[str, Any] = {key: median_of(runs, key) for key in keys}
    summary["runs"] = len(runs)
    summary["all_seconds"] = [run.get("seconds") for run in runs]
    for key in ("n", "kubernetes_objects", "components", "program", "tool", "yaml_bytes"):
        if key in runs[0]:
            summary[key] = runs[0][key]
    summary["peak_rss_mib"] = max(float(run["peak_rss_mib"]) for run in runs)
    return summary


# -- 1. evaluation under mocks -------------------------------------------------------


def same_objects(a: Path, b: Path) -> tuple[bool, int]:
    def key(record: list[Any]) -> tuple[str, str]:
        return (record[0], record[1])

    left = sorted(json.loads(a.read_text()), key=key)
    right = sorted(json.loads(b.read_text()), key=key)
    return left == right, len(left)


def section_eval(sizes: Sequence[int], scale: float, work: Path, mix: bool) -> dict[str, Any]:
    # (scenario, baselines (the first is the one targets are judged against), ours)
    scenarios: list[tuple[str, tuple[str, ...], str]] = [
        ("webapps", ("raw", "typed", "floor"), "webapps")
    ]
    if mix:
        scenarios.append(("mix", ("replay",), "mix"))
    # Every baseline must register exactly the objects ours does, or a ratio means nothing.
    check_n = 12
    checks: dict[str, tuple[bool, int]] = {}
    for _, baselines, ours in scenarios:
        ours_rec = work / f"check-{ours}.json"
        measure("eval", "--program", ours, "--n", str(check_n), "--record", str(ours_rec))
        for baseline in baselines:
            base_rec = work / f"check-{baseline}.json"
            extra = ["--replay", str(ours_rec)] if baseline == "replay" else []
            measure(
                "eval",
                "--program",
                baseline,
                "--n",
                str(check_n),
                "--record",
                str(base_rec),
                *extra,
            )
            checks[f"{baseline} vs {ours}"] = same_objects(base_rec, ours_rec)
    for name, (same, count) in checks.items():
        log(f"  same objects registered ({name}, N={check_n}, {count} objects): {same}")
        if not same:
            raise SystemExit(f"baseline and components register different objects ({name})")

    rows: list[dict[str, Any]] = []
    keys = ("seconds", "cpu_seconds", "import_seconds", "rss_after_import_mib")
    for scenario, baselines, ours in scenarios:
        for n in sizes:
            commands = {
                name: ["eval", "--program", name, "--n", str(n)] for name in (*baselines, ours)
            }
            if "replay" in baselines:
                recorded = work / f"replay-{n}.json"
                measure("eval", "--program", ours, "--n", str(n), "--record", str(recorded))
                commands["replay"] += ["--replay", str(recorded)]
            runs: dict[str, list[dict[str, Any]]] = {name: [] for name in commands}
            load_before = load()[0]
            # Interleaved, so that a change of machine load hits every program alike.
            for _ in range(repeats_for(n, scale)):
                for name, command in commands.items():
                    runs[name].append(measure(*command))
            summary = {name: summarise(program_runs, keys) for name, program_runs in runs.items()}
            counts = {s["kubernetes_objects"] for s in summary.values()}
            if len(counts) != 1:
                raise SystemExit(f"{scenario} N={n}: object counts differ: {summary}")
            base, mine = summary[baselines[0]], summary[ours]
            objects = int(mine["kubernetes_objects"])
            row = {
                "scenario": scenario,
                "n": n,
                "objects": objects,
                "components": mine["components"],
                "baseline_name": baselines[0],
                "baseline": base,
                "ours": mine,
                "others": {name: summary[name] for name in baselines[1:]},
                "ratio": mine["seconds"] / base["seconds"],
                "cpu_ratio": mine["cpu_seconds"] / base["cpu_seconds"],
                "other_ratios": {
                    name: mine["seconds"] / summary[name]["seconds"] for name in baselines[1:]
                },
                "baseline_ms_per_object": 1000 * base["seconds"] / objects,
                "ours_ms_per_object": 1000 * mine["seconds"] / objects,
                "load": (load_before + load()[0]) / 2,
            }
            rows.append(row)
            others = "".join(
                f", vs {name} {ratio:.3f}" for name, ratio in row["other_ratios"].items()
            )
            log(
                f"  {scenario:8} N={n:5} objects={objects:6}  "
                f"{baselines[0]} {base['seconds']:7.2f} s  ours {mine['seconds']:7.2f} s  "
                f"ratio {row['ratio']:.3f} (CPU {row['cpu_ratio']:.3f}{others})  "
                f"{row['ours_ms_per_object']:.2f} ms/object, "
                f"{base['runs']} runs, load {row['load']:.1f}"
            )
    return {"check_n": check_n, "checks": {k: list(v) for k, v in checks.items()}, "rows": rows}


# -- 2. the build layer alone ------------------------------------------------------------


def section_build(sizes: Sequence[int], scale: float, mix: bool) -> list[dict[str, Any]]:
    rows = []
    for scenario in ("webapps", "mix") if mix else ("webapps",):
        for n in sizes:
            args = ["build", "--n", str(n)] + (["--mix"] if scenario == "mix" else [])
            runs = [measure(*args) for _ in range(max(3, repeats_for(n, scale)))]
            row = summarise(runs, ("spec_seconds", "build_seconds"))
            row["scenario"] = scenario
            rows.append(row)
            log(
                f"  {scenario:8} N={n:5} spec {1000 * row['spec_seconds']:8.1f} ms  "
                f"build {1000 * row['build_seconds']:8.1f} ms  "
                f"({row['kubernetes_objects']} objects)"
            )
    return rows


# -- 3. import time ----------------------------------------------------------------------


def section_imports(repeats: int) -> list[dict[str, Any]]:
    rows = []
    runs: dict[str, list[dict[str, Any]]] = {variant: [] for variant in IMPORTS}
    # Interleaved, as in section 1: a change of load between variants would otherwise
    # show up as a difference in import time (the compared figures are ~10 % apart).
    for _ in range(repeats):
        for variant in IMPORTS:
            runs[variant].append(measure("import", "--variant", variant))
    for variant in IMPORTS:
        keys = ["seconds", "process_seconds", "modules"]
        if variant == PAIRED:
            keys += ["base_seconds", "added_seconds", "overhead"]
        row = summarise(runs[variant], keys)
        row["variant"] = variant
        rows.append(row)
        log(f"  {variant:48} {1000 * row['seconds']:7.1f} ms  ({int(row['modules'])} modules)")
    return rows


# -- 4. the peer: YAML rendering ---------------------------------------------------------


def section_peer(sizes: Sequence[int], scale: float, work: Path) -> dict[str, Any]:
    # find_spec, not import: importing cdk8s starts its Node.js runtime in this process.
    if importlib.util.find_spec("cdk8s_plus_36") is None:
        return {"skipped": "cdk8s-plus-36 is not installed", "rows": []}
    if shutil.which("node") is None:
        return {"skipped": "Node.js (node) is not on PATH; cdk8s-plus needs it", "rows": []}
    rows = []
    keys = (
        "work_seconds",
        "import_seconds",
        "construct_seconds",
        "synth_seconds",
        "process_seconds",
    )
    for n in sizes:
        reps = max(1, min(3, repeats_for(n, scale)))
        ours = [
            measure("yaml", "--n", str(n), "--out", str(work / "berth.yaml")) for _ in range(reps)
        ]
        peer = [
            measure("cdk8s", "--n", str(n), "--out", str(work / "cdk8s.yaml")) for _ in range(reps)
        ]
        a, b = summarise(ours, keys), summarise(peer, keys)
        b["node_peak_rss_mib"] = max(float(run["node_peak_rss_mib"]) for run in peer)
        row = {"n": n, "berth": a, "cdk8s": b, "load": load()[0]}
        rows.append(row)
        log(
            f"  N={n:5}  berth {a['work_seconds']:6.2f} s (process {a['process_seconds']:5.2f} s)"
            f"  cdk8s-plus {b['work_seconds']:6.2f} s (process {b['process_seconds']:5.2f} s)"
            f"  → {b['work_seconds'] / a['work_seconds']:.0f}x / "
            f"{b['process_seconds'] / a['process_seconds']:.1f}x (process)"
        )
    return {"rows": rows}


# -- 6. the unit suite -------------------------------------------------------------------


def section_tests() -> dict[str, Any]:
    pytest = ROOT / ".venv" / "bin" / "pytest"
    if not pytest.exists():
        return {"skipped": f"{pytest} not found"}
    load_before = load()[0]
    start = time.perf_counter()
    proc = subprocess.run(
        [str(pytest), "-q", "-p", "no:cacheprovider"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - start
    tail = [line for line in proc.stdout.strip().splitlines() if line.strip()][-1:]
    summary = tail[0] if tail else ""
    log(f"  pytest -q: {wall:.1f} s, exit {proc.returncode}: {summary}")
    return {
        "seconds": wall,
        "returncode": proc.returncode,
        "summary": summary,
        "load": (load_before + load()[0]) / 2,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes, one run each")
    parser.add_argument("--sizes", help="comma-separated N (default 100,500,1000,2000)")
    parser.add_argument("--repeat-scale", type=float, default=1.0, help="scale the repeat counts")
    parser.add_argument(
        "--only", help="comma-separated sections: eval,build,imports,peer,deploy,tests"
    )
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument(
        "--merge",
        action="store_true",
        help="keep the other sections of an earlier results.json (re-run some on a quiet machine)",
    )
    opts = parser.parse_args(argv)

    from bench import deploy, report, workload

    sizes: tuple[int, ...] = QUICK_SIZES if opts.quick else FULL_SIZES
    if opts.sizes:
        sizes = tuple(int(s) for s in opts.sizes.split(","))
    scale = 0.2 if opts.quick else opts.repeat_scale
    sections = set((opts.only or "eval,build,imports,peer,deploy,tests").split(","))
    mix = workload.canary_available()
    opts.out.mkdir(parents=True, exist_ok=True)
    previous = opts.out / "results.json"
    results: dict[str, Any] = {}
    if opts.merge and previous.exists():
        results = json.loads(previous.read_text())
    results |= {
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
        "quick": opts.quick,
        "sizes": list(sizes),
        "machine": report.machine(),
        "load_at_start": load(),
        "mix": None if mix else "skipped: components.canary is not importable yet",
    }
    log(f"bench: sizes {list(sizes)}, load {results['load_at_start']}")
    steps: list[tuple[str, str, Callable[[Path], Any]]] = [
        ("eval", "1. evaluation under mocks", lambda w: section_eval(sizes, scale, w, mix)),
        ("build", "2. build layer alone", lambda w: section_build(sizes, scale, mix)),
        (
            "imports",
            "3. import time",
            lambda w: section_imports(3 if opts.quick else IMPORT_REPEATS),
        ),
        ("peer", "4. YAML: Berth vs cdk8s-plus", lambda w: section_peer(sizes, scale, w)),
        (
            "deploy",
            "5. pulumi up vs kubectl apply",
            lambda w: deploy.section(
                log,
                rounds=1 if opts.quick else deploy.ROUNDS,
                sizes=(5,) if opts.quick else deploy.SIZES,
            ),
        ),
        ("tests", "6. unit suite", lambda w: section_tests()),
    ]
    with tempfile.TemporaryDirectory(prefix="berth-bench-") as tmp:
        for key, title, run in steps:
            if key not in sections:
                continue
            log(f"\n{title} (load {load()[0]:.2f})")
            started = time.perf_counter()
            load_before = load()
            try:
                results[key] = run(Path(tmp))
            except (RuntimeError, subprocess.SubprocessError, OSError) as error:
                # One broken section must not cost the numbers of all the others.
                log(f"  failed: {error}")
                results[key] = {"skipped": f"failed: {str(error)[:500]}"}
            results[f"{key}_seconds"] = time.perf_counter() - started
            results[f"{key}_when"] = time.strftime("%H:%M:%S")
            results[f"{key}_load"] = [load_before, load()]
    results["load_at_end"] = load()
    (opts.out / "results.json").write_text(json.dumps(results, indent=1))
    text = report.write(results, opts.out)
    log("\n" + text)


if __name__ == "__main__":
    main()
