"""One measurement in a fresh interpreter: ``python -m bench.measure <what> [options]``.

Prints one line ``BENCH-RESULT {json}`` for the orchestrator. Everything heavy is
imported inside the command that needs it, so the import section measures only what
it names. Memory is the process's peak resident set (``getrusage`` ``ru_maxrss``),
which includes the interpreter and its imports; ``rss_after_import_mib`` says how much
of it was there before the measured work began.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

MARK = "BENCH-RESULT "


def _rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _children_peak_mib() -> float:
    """Peak RSS of this process's live children (the jsii Node.js runtime)."""
    total = 0.0
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        for pid in (task / "children").read_text().split():
            status = Path(f"/proc/{pid}/status")
            if not status.exists():
                continue
            for line in status.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1]) / 1024
    return total


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _emit(result: dict[str, Any]) -> None:
    sys.stdout.write(MARK + json.dumps(result) + "\n")
    sys.stdout.flush()


def cmd_eval(opts: argparse.Namespace) -> dict[str, Any]:
    start = time.perf_counter()
    from bench import programs
    from bench.runtime import BenchMocks, evaluate

    program: Callable[[], None]
    if opts.program == "raw":
        program = programs.raw_webapps(opts.n)
    elif opts.program == "typed":
        program = programs.typed_webapps(opts.n)
    elif opts.program == "floor":
        program = programs.floor_webapps(opts.n)
    elif opts.program == "webapps":
        program = programs.webapps(opts.n)
    elif opts.program == "mix":
        program = programs.mix(opts.n)
    elif opts.program == "replay":
        program = programs.replay(programs.load_replay(Path(opts.replay)))
    else:
        raise SystemExit(f"unknown program {opts.program!r}")
    # Every program gets the same pulumi_kubernetes modules before the clock starts,
    # so an import that register.py defers to the first registration of a kind is not
    # timed as evaluation (section 3 measures imports).
    import pulumi_kubernetes.apiextensions
    import pulumi_kubernetes.apps.v1
    import pulumi_kubernetes.core.v1
    import pulumi_kubernetes.policy.v1  # noqa: F401

    imported = time.perf_counter() - start
    rss_after_import = _rss_mib()
    mocks = BenchMocks(record=opts.record is not None)
    cpu_before = _cpu_seconds()
    seconds = evaluate(program, mocks, preview=opts.preview)
    cpu = _cpu_seconds() - cpu_before
    if opts.record is not None:
        Path(opts.record).write_text(json.dumps(mocks.records, sort_keys=True))
    return {
        "program": opts.program,
        "n": opts.n,
        "preview": opts.preview,
        "seconds": seconds,
        # All threads' CPU time: less sensitive than wall time to other load on the machine.
        "cpu_seconds": cpu,
        "import_seconds": imported,
        "kubernetes_objects": mocks.kubernetes_objects,
        "components": mocks.components,
        "peak_rss_mib": _peak_mib(),
        "rss_after_import_mib": rss_after_import,
    }


def cmd_build(opts: argparse.Namespace) -> dict[str, Any]:
    from bench import workload as w
    from components.manifests.webapp import build_webapp

    mix = opts.mix
    build_canary: Any = None
    if mix:
        from components.manifests.canary import build_canary

    rss_after_import = _rss_mib()
    start = time.perf_counter()
    specs = [
        (
            mix and w.is_canary(i),
            w.app_name(i),
            w.canary_args(i) if mix and w.is_canary(i) else w.webapp_args(i),
        )
        for i in range(opts.n)
    ]
    specced = time.perf_counter()
    objects = 0
    for canary, name, args in specs:
        built = build_canary(name, args) if canary else build_webapp(name, args)
        objects += len(built.all())
    built_at = time.perf_counter()
    return {
        "n": opts.n,
        "mix": mix,
        "spec_seconds": specced - start,
        "build_seconds": built_at - specced,
        "kubernetes_objects": objects,
        "peak_rss_mib": _peak_mib(),
        "rss_after_import_mib": rss_after_import,
    }


# What each import variant brings in, as a program would write it.
IMPORTS: dict[str, str] = {
    "pulumi": "import pulumi",
    "pulumi_kubernetes (package)": "import pulumi, pulumi_kubernetes",
    "pulumi + apps/v1 + core/v1": (
        "import pulumi, pulumi_kubernetes.apps.v1, pulumi_kubernetes.core.v1"
    ),
    "components (WebApp, WebAppArgs)": "from components import WebApp, WebAppArgs",
    "components + what WebApp registers with": (
        "from components import WebApp, WebAppArgs\n"
        "import pulumi_kubernetes.apps.v1, pulumi_kubernetes.core.v1"
    ),
    "components (WebAppArgs only: spec)": "from components import WebAppArgs",
    "components.manifests.webapp (inputs + manifests)": "import components.manifests.webapp",
}
# One process imports what WebApp registers with, then components: the added time is
# measured against the base in the same process, which cancels most of the run-to-run
# noise (±15 %) that separate processes show on a shared machine.
PAIRED = "components after pulumi + apps/v1 + core/v1 (paired)"
PAIRED_BASE = IMPORTS["pulumi + apps/v1 + core/v1"]
PAIRED_ADDED = IMPORTS["components (WebApp, WebAppArgs)"]
IMPORTS[PAIRED] = f"{PAIRED_BASE}\n{PAIRED_ADDED}"


def cmd_import(opts: argparse.Namespace) -> dict[str, Any]:
    code = IMPORTS[opts.variant]
    before = set(sys.modules)
    paired: dict[str, float] = {}
    start = time.perf_counter()
    if opts.variant == PAIRED:
        exec(compile(PAIRED_BASE, "<import>", "exec"), {})
        base = time.perf_counter() - start
        exec(compile(PAIRED_ADDED, "<import>", "exec"), {})
        added = time.perf_counter() - start - base
        paired = {"base_seconds": base, "added_seconds": added, "overhead": added / base}
    else:
        exec(compile(code, "<import>", "exec"), {})
    seconds = time.perf_counter() - start
    return {
        **paired,
        "variant": opts.variant,
        "seconds": seconds,
        "modules": len(set(sys.modules) - before),
        "peak_rss_mib": _peak_mib(),
    }


def cmd_yaml(opts: argparse.Namespace) -> dict[str, Any]:
    """Our side of the peer comparison: N specs → objects → one multi-document YAML file."""
    start = time.perf_counter()
    import yaml

    from bench import workload as w
    from components.manifests.webapp import build_webapp

    dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    imported = time.perf_counter()
    manifests = []
    for i in range(opts.n):
        manifests.extend(build_webapp(w.app_name(i), w.webapp_args(i)).all())
    built = time.perf_counter()
    text = yaml.dump_all(manifests, Dumper=dumper, sort_keys=False)
    Path(opts.out).write_text(text)
    done = time.perf_counter()
    return {
        "tool": "berth",
        "n": opts.n,
        "import_seconds": imported - start,
        "construct_seconds": built - imported,
        "synth_seconds": done - built,
        "work_seconds": done - imported,
        "kubernetes_objects": len(manifests),
        "yaml_bytes": len(text),
        "libyaml": dumper is not yaml.SafeDumper,
        "peak_rss_mib": _peak_mib(),
    }


def cmd_cdk8s(opts: argparse.Namespace) -> dict[str, Any]:
    from bench import peer

    return peer.cdk8s_yaml(opts.n, Path(opts.out), peak_mib=_peak_mib, child_mib=_children_peak_mib)


def cmd_stack(opts: argparse.Namespace) -> dict[str, Any]:
    """Run the project's own program (__main__.py) under mocks with a stack's config.

    ``--config`` is a JSON object of full keys to string values, as
    ``pulumi config --json --show-secrets`` gives them (objects as JSON text).
    """
    import runpy

    import pulumi
    import yaml

    from bench.runtime import BenchMocks, evaluate

    config = {str(k): str(v) for k, v in json.loads(Path(opts.config).read_text()).items()}
    root = Path(__file__).resolve().parent.parent
    mocks = BenchMocks(record=True)

    def program() -> None:
        pulumi.runtime.set_all_config(config)
        runpy.run_path(str(root / "__main__.py"), run_name="__main__")

    project = yaml.safe_load((root / "Pulumi.yaml").read_text())["name"]
    seconds = evaluate(program, mocks, preview=False, project=project)
    Path(opts.record).write_text(json.dumps(mocks.records))
    return {"seconds": seconds, "kubernetes_objects": mocks.kubernetes_objects}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.measure")
    sub = parser.add_subparsers(dest="what", required=True)
    ev = sub.add_parser("eval")
    ev.add_argument("--program", required=True)
    ev.add_argument("--n", type=int, default=0)
    ev.add_argument("--replay")
    ev.add_argument("--record")
    ev.add_argument("--preview", action="store_true")
    bu = sub.add_parser("build")
    bu.add_argument("--n", type=int, required=True)
    bu.add_argument("--mix", action="store_true")
    im = sub.add_parser("import")
    im.add_argument("--variant", required=True, choices=list(IMPORTS))
    for name in ("yaml", "cdk8s"):
        p = sub.add_parser(name)
        p.add_argument("--n", type=int, required=True)
        p.add_argument("--out", required=True)
    st = sub.add_parser("stack")
    st.add_argument("--config", required=True)
    st.add_argument("--record", required=True)
    opts = parser.parse_args(argv)
    commands: dict[str, Callable[[argparse.Namespace], dict[str, Any]]] = {
        "eval": cmd_eval,
        "build": cmd_build,
        "import": cmd_import,
        "yaml": cmd_yaml,
        "cdk8s": cmd_cdk8s,
        "stack": cmd_stack,
    }
    _emit(commands[opts.what](opts))


if __name__ == "__main__":
    main()
