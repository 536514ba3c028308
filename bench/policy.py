"""What the policy pack adds to ``pulumi preview``, side by side in one run.

``python -m bench.policy [--repeats R] [--sizes 100,500,1000]`` (the toolchain built, the
local cluster up: ``make cluster``). Writes ``bench/results/policy.md`` and ``policy.json``.

1. The prod stack's config (in a throwaway stack and namespace): ``pulumi preview`` without
   and with ``--policy-pack policy``, interleaved, R times each; medians and the difference.
2. N raw ``pulumi_kubernetes`` Deployments (each with a PDB-less, pack-clean pod template):
   the same pair of previews for each N, and the added time per resource.

Wall time on a shared machine: read the load average the report records.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from bench.deploy import ROOT, _config_file, _toolchain_env

PACK = ROOT / "policy"
RESULTS = ROOT / "bench" / "results"

RAW_PROGRAM = """
import os
from pulumi_kubernetes.apps import v1 as apps

N = int(os.environ["BENCH_N"])
for i in range(N):
    labels = {"app": f"app-{i}"}
    apps.Deployment(f"app-{i}", metadata={"name": f"app-{i}", "namespace": "bench-policy"}, spec={
        "replicas": 1,
        "selector": {"matchLabels": labels},
        "template": {"metadata": {"labels": labels}, "spec": {
            "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [{
                "name": "app", "image": "registry.example.com/app:1.0.0",
                "ports": [{"containerPort": 8080, "name": "http"}],
                "readinessProbe": {"httpGet": {"path": "/", "port": "http"}},
                "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}},
                "securityContext": {"allowPrivilegeEscalation": False,
                                    "readOnlyRootFilesystem": True,
                                    "capabilities": {"drop": ["ALL"]}},
            }],
        }},
    })
"""


def _preview(project: Path, stack: str, env: dict[str, str], pack: bool) -> float:
    args = ["pulumi", "--non-interactive", "-C", str(project), "preview", "--stack", stack]
    if pack:
        args += ["--policy-pack", str(PACK)]
    start = time.perf_counter()
    proc = subprocess.run(args, env=env, capture_output=True, text=True, check=False, timeout=1800)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(
            f"{' '.join(args)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-2000:]}"
        )
    return elapsed


def _pair(project: Path, stack: str, env: dict[str, str], repeats: int) -> dict[str, Any]:
    without: list[float] = []
    with_pack: list[float] = []
    _preview(project, stack, env, pack=False)  # warm caches (plugins, bytecode)
    for _ in range(repeats):
        without.append(_preview(project, stack, env, pack=False))
        with_pack.append(_preview(project, stack, env, pack=True))
    a, b = statistics.median(without), statistics.median(with_pack)
    return {"without_s": without, "with_s": with_pack, "median_without": a,
            "median_with": b, "added": b - a}  # fmt: skip


def _project(directory: Path, name: str, main: str, env: dict[str, str], stack: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "__main__.py").write_text(main)
    (directory / "Pulumi.yaml").write_text(yaml.safe_dump({
        "name": name,
        "runtime": {"name": "python", "options": {"virtualenv": str(ROOT / ".venv")}},
    }))  # fmt: skip
    subprocess.run(
        ["pulumi", "--non-interactive", "-C", str(directory), "stack", "select", "--create", stack],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return directory


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.policy", description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--sizes", default="100,500,1000")
    opts = parser.parse_args()
    env_or_reason = _toolchain_env()
    if isinstance(env_or_reason, str):
        raise SystemExit(f"bench.policy: {env_or_reason}")
    work = Path(tempfile.mkdtemp(prefix="berth-bench-policy-"))
    env = {
        **env_or_reason,
        "PULUMI_BACKEND_URL": f"file://{work / 'state'}",
        "PULUMI_CONFIG_PASSPHRASE": env_or_reason.get(
            "PULUMI_CONFIG_PASSPHRASE", "berth-local-dev"
        ),
    }
    (work / "state").mkdir()
    results: dict[str, Any] = {"load_before": os.getloadavg(), "repeats": opts.repeats}
    try:
        shop = work / "shop"
        shop.mkdir()
        shutil.copy(ROOT / "__main__.py", shop / "__main__.py")
        project = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
        project["runtime"]["options"]["virtualenv"] = str(ROOT / ".venv")
        (shop / "Pulumi.yaml").write_text(yaml.safe_dump(project))
        config = _config_file("bench-policy-prod", work)
        (shop / "stacks").mkdir()
        shutil.copy(config, shop / "stacks" / "Pulumi.bench-policy-prod.yaml")
        subprocess.run(
            ["pulumi", "--non-interactive", "-C", str(shop), "stack", "select", "--create",
             "bench-policy-prod"], env=env, capture_output=True, text=True, check=True,
        )  # fmt: skip
        results["prod"] = _pair(shop, "bench-policy-prod", env, opts.repeats)
        results["raw"] = []
        for n in [int(s) for s in opts.sizes.split(",")]:
            raw = _project(work / f"raw-{n}", "raw", RAW_PROGRAM, env, "bench")
            pair = _pair(raw, "bench", {**env, "BENCH_N": str(n)}, max(1, opts.repeats // 2))
            pair["n"] = n
            pair["added_per_resource_ms"] = 1000 * pair["added"] / n
            results["raw"].append(pair)
    finally:
        results["load_after"] = os.getloadavg()
        shutil.rmtree(work, ignore_errors=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "policy.json").write_text(json.dumps(results, indent=2))
    lines = [
        "# What the policy pack adds to `pulumi preview`",
        "",
        f"Load average before/after: {results['load_before']} / {results['load_after']}; "
        f"{opts.repeats} interleaved runs each (raw: {max(1, opts.repeats // 2)}), medians.",
        "",
        "| program | preview | with `--policy-pack policy` | added | per resource |",
        "|---|---|---|---|---|",
    ]
    p = results["prod"]
    lines.append(
        f"| prod stack | {p['median_without']:.2f} s | {p['median_with']:.2f} s | "
        f"{p['added']:+.2f} s | |"
    )
    for r in results["raw"]:
        lines.append(
            f"| {r['n']} raw Deployments | {r['median_without']:.2f} s | {r['median_with']:.2f} s "
            f"| {r['added']:+.2f} s | {r['added_per_resource_ms']:+.1f} ms |"
        )
    (RESULTS / "policy.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
