"""Section 5: ``pulumi up`` of the prod stack against ``kubectl apply`` of the same objects.

Runs only when the toolchain is built (toolchain/env.sh resolves to a directory with
pulumi and kubectl) and the local cluster answers; otherwise the report says
``skipped: <reason>``. Every side deploys into throwaway namespaces of its own, so the
real prod stack and namespace are never touched, and all are torn down afterwards.

What is compared, in interleaved rounds (medians reported):
- ``pulumi up --yes --skip-preview`` (which waits for every rollout), then a second
  ``pulumi up`` with nothing to change, then ``pulumi preview``;
- ``kubectl apply -f`` of the manifests the same program registers, followed by
  ``kubectl rollout status`` of every Deployment, one after the other as a script would;
- the floor: ``kubectl apply --server-side`` with no wait (the API server accepting the
  objects), then the same ``rollout status`` (the pods ready).
Every pulumi run writes the CLI's gRPC log (``PULUMI_DEBUG_GRPC``), which
``bench/trace.py`` cuts into phases: where the time goes. Then N = 20/50/100 WebApps
(``bench/workload.py``'s apps, through the same cluster binding) the same way, once each.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import yaml

from bench import trace

ROOT = Path(__file__).resolve().parent.parent
PROD = ROOT / "stacks" / "Pulumi.prod.yaml"
STACK = "bench-up"
PULUMI_NS = "berth-bench-pulumi"
KUBECTL_NS = "berth-bench-kubectl"
TIMEOUT = 600
ROUNDS = 3
SIZES = (20, 50, 100)
# The namespace the Berth stacks use: Pod Security 'restricted' (as __main__.py).
POD_SECURITY = {
    "pod-security.kubernetes.io/enforce": "restricted",
    "pod-security.kubernetes.io/enforce-version": "latest",
}
# The N-WebApp program: the bench's apps behind the same cluster binding as the stacks.
WEBAPPS_PROGRAM = """
import os

import pulumi
import pulumi_kubernetes as k8s

from bench import workload as w
from components import WebApp
from components.cluster import cluster_provider

namespace = os.environ["BENCH_NAMESPACE"]
target = pulumi.ResourceOptions(provider=cluster_provider())
ns = k8s.core.v1.Namespace(
    "namespace", metadata={"name": namespace, "labels": %r}, opts=target
)
opts = pulumi.ResourceOptions.merge(target, pulumi.ResourceOptions(depends_on=[ns]))
for i in range(int(os.environ["BENCH_N"])):
    WebApp(w.app_name(i), w.webapp_args(i).evolve(namespace=namespace), opts=opts)
"""


def _toolchain_env() -> dict[str, str] | str:
    env_sh = ROOT / "toolchain" / "env.sh"
    if not env_sh.exists():
        return "toolchain/env.sh not found (the toolchain is not set up in this tree)"
    proc = subprocess.run(
        ["bash", "-c", f"source {env_sh} >/dev/null 2>&1 && env -0"],
        capture_output=True,
        check=False,
        cwd=ROOT,
    )
    if proc.returncode != 0:
        return f"sourcing toolchain/env.sh failed: {proc.stderr.decode()[-300:]}"
    env = dict(item.split("=", 1) for item in proc.stdout.decode().split("\0") if "=" in item)
    bin_dir = Path(env.get("BERTH_TOOLCHAIN_BIN", "/nonexistent"))
    missing = [tool for tool in ("pulumi", "kubectl") if not (bin_dir / tool).exists()]
    if missing:
        return (
            f"toolchain not built ({', '.join(missing)} missing in {bin_dir}; run make toolchain)"
        )
    kubeconfig = env.get("BERTH_KUBECONFIG", "")
    if not kubeconfig or not Path(kubeconfig).exists():
        return f"no local cluster (kubeconfig {kubeconfig or 'unset'} does not exist)"
    env["KUBECONFIG"] = kubeconfig
    # Never deploy a benchmark anywhere but the local control plane.
    checker = ROOT / "cluster" / "berth-cluster"
    if checker.exists():
        check = subprocess.run(
            [str(checker), "check-kubeconfig", kubeconfig],
            capture_output=True, text=True, env=env, check=False, cwd=ROOT,
        )  # fmt: skip
        if check.returncode != 0:
            return f"kubeconfig is not the local cluster's: {check.stderr.strip()[-200:]}"
    ready = subprocess.run(
        [str(bin_dir / "kubectl"), "get", "--raw", "/readyz"],
        capture_output=True,
        text=True,
        env=env,
        timeout=20,
        check=False,
    )
    if ready.returncode != 0:
        return f"local cluster not reachable: {(ready.stderr or ready.stdout).strip()[-200:]}"
    return env


def _run(cmd: Sequence[str], env: dict[str, str], timeout: int = TIMEOUT) -> float:
    start = time.perf_counter()
    proc = subprocess.run(
        list(cmd), cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return time.perf_counter() - start


def _config_file(namespace: str, directory: Path) -> Path:
    """The prod stack's config with the namespace moved to a throwaway one.

    The file keeps prod's ``encryptionsalt``, so its secrets still decrypt with the
    same passphrase under the bench's stack name.
    """
    data = yaml.safe_load(PROD.read_text()) or {}
    config = dict(data.get("config") or {})
    config["berth:namespace"] = namespace
    path = directory / f"Pulumi.{namespace}.yaml"
    path.write_text(yaml.safe_dump({**data, "config": config}, sort_keys=False))
    return path


def _plain_config(pulumi: str, config_file: Path, env: dict[str, str]) -> dict[str, str]:
    """Decrypted config values as the program would receive them (objects as JSON)."""
    proc = subprocess.run(
        [pulumi, "config", "--json", "--show-secrets", "--config-file", str(config_file),
         "--stack", STACK, "--cwd", str(ROOT), "--non-interactive"],
        env=env, capture_output=True, text=True, check=True, cwd=ROOT,
    )  # fmt: skip
    values: dict[str, dict[str, Any]] = json.loads(proc.stdout)
    return {key: str(entry.get("value", "")) for key, entry in values.items()}


# How the Pulumi wire format marks a secret value, which the mocks receive as is.
SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"


def _integral(value: Any) -> Any:
    """Plain manifest values: protobuf Structs carry every number as a double (the API
    server wants 8080, not 8080.0) and secrets wrapped in the wire format's marker."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        if value.get(SECRET_SIG_KEY) == SECRET_SIG:
            return _integral(value.get("value"))
        return {key: _integral(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_integral(item) for item in value]
    return value


def _manifests(records: list[list[Any]]) -> list[dict[str, Any]]:
    """Recorded registrations as applyable manifests (autonamed objects get a fixed suffix)."""
    manifests = []
    for _, name, inputs in records:
        manifest = _integral(inputs)
        meta = dict(manifest.get("metadata") or {})
        meta.setdefault("name", f"{name}-bench00")
        manifest["metadata"] = meta
        manifests.append(manifest)
    return manifests


def _traced(cmd: Sequence[str], env: dict[str, str], log_file: Path) -> dict[str, Any]:
    """Run a pulumi command with its gRPC log on; its seconds and where they went."""
    log_file.unlink(missing_ok=True)
    started = time.time()
    seconds = _run(cmd, {**env, "PULUMI_DEBUG_GRPC": str(log_file)})
    return {"seconds": seconds, **trace.breakdown(trace.read(log_file), started, seconds)}


def _in_namespace(manifests: list[dict[str, Any]], namespace: str) -> list[dict[str, Any]]:
    """The same objects in another namespace (the Namespace object renamed with it)."""
    moved = []
    for manifest in manifests:
        meta = dict(manifest["metadata"])
        if manifest.get("kind") == "Namespace":
            meta["name"] = namespace
        elif "namespace" in meta:
            meta["namespace"] = namespace
        moved.append({**manifest, "metadata": meta})
    if not any(m.get("kind") == "Namespace" for m in moved):
        namespace_object = {"name": namespace, "labels": POD_SECURITY}
        moved.insert(0, {"apiVersion": "v1", "kind": "Namespace", "metadata": namespace_object})
    return moved


def _kubectl_round(
    kubectl: str, manifests: list[dict[str, Any]], namespace: str, *, work: Path,
    env: dict[str, str], server_side: bool,
) -> dict[str, float]:  # fmt: skip
    """Apply the objects into ``namespace``, then wait for every rollout as a script would."""
    objects = _in_namespace(manifests, namespace)
    rendered = work / f"manifests-{namespace}.yaml"
    rendered.write_text(yaml.safe_dump_all(objects, sort_keys=False))
    deployments = [m["metadata"]["name"] for m in objects if m.get("kind") == "Deployment"]
    apply = [kubectl, "apply", "-f", str(rendered)]
    if server_side:
        apply += ["--server-side", "--field-manager=berth-bench"]
    start = time.perf_counter()
    _run(apply, env)
    applied = time.perf_counter() - start
    for name in deployments:
        _run(
            [kubectl, "rollout", "status", f"deployment/{name}", "-n", namespace,
             f"--timeout={TIMEOUT}s"],
            env,
        )  # fmt: skip
    return {"apply": applied, "apply + rollout status": time.perf_counter() - start}


def _delete_namespaces(kubectl: str, namespaces: Sequence[str], env: dict[str, str]) -> None:
    for namespace in namespaces:
        subprocess.run(
            [kubectl, "delete", "namespace", namespace, "--wait=false", "--ignore-not-found"],
            env=env, capture_output=True, check=False,
        )  # fmt: skip


def _pulumi_rounds(
    pulumi: str, stack_args: list[str], config_for: Callable[[int], list[str]], *,
    env: dict[str, str], work: Path, rounds: int, label: str,
) -> list[dict[str, dict[str, Any]]]:  # fmt: skip
    """Per round: create, no-change up, preview, each traced; destroyed after each."""
    results = []
    for number in range(rounds):
        config = config_for(number)
        up = [pulumi, "up", "--yes", "--skip-preview", *config, *stack_args]
        try:
            results.append(
                {
                    "create": _traced(up, env, work / f"grpc-{label}-{number}-create.json"),
                    "no-change up": _traced(up, env, work / f"grpc-{label}-{number}-up.json"),
                    "preview": _traced(
                        [pulumi, "preview", *config, *stack_args],
                        env,
                        work / f"grpc-{label}-{number}-preview.json",
                    ),
                }
            )
        finally:
            subprocess.run(
                [pulumi, "destroy", "--yes", "--skip-preview", *config, *stack_args],
                env=env, capture_output=True, check=False, cwd=ROOT, timeout=TIMEOUT,
            )  # fmt: skip
    return results


def _median_runs(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The median run (by wall time) with every run's seconds beside it."""
    ordered = sorted(runs, key=lambda r: float(r["seconds"]))
    median = dict(ordered[len(ordered) // 2])
    median["all_seconds"] = [round(float(r["seconds"]), 2) for r in runs]
    median["seconds"] = statistics.median(float(r["seconds"]) for r in runs)
    return median


def _record(python: str, args: list[str], env: dict[str, str]) -> list[dict[str, Any]]:
    """The objects a program registers, as applyable manifests (run under mocks)."""
    with tempfile.TemporaryDirectory(prefix="berth-bench-record-") as tmp:
        records = Path(tmp) / "records.json"
        _run([python, "-m", "bench.measure", *args, "--record", str(records)], env)
        return _manifests(json.loads(records.read_text()))


def _webapps_project(directory: Path, python: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    project = {
        "name": "berth-bench-webapps",
        "runtime": {
            "name": "python",
            "options": {
                "toolchain": "pip",
                "virtualenv": os.path.dirname(os.path.dirname(os.path.abspath(python))),
            },
        },
    }
    (directory / "Pulumi.yaml").write_text(yaml.safe_dump(project, sort_keys=False))
    (directory / "__main__.py").write_text(WEBAPPS_PROGRAM % (POD_SECURITY,))
    return directory


def section(
    log: Callable[[str], None], rounds: int = ROUNDS, sizes: Sequence[int] = SIZES
) -> dict[str, Any]:
    env = _toolchain_env()
    if isinstance(env, str):
        log(f"  skipped: {env}")
        return {"skipped": env}
    if not PROD.exists():
        reason = f"{PROD.relative_to(ROOT)} does not exist yet"
        log(f"  skipped: {reason}")
        return {"skipped": reason}
    bin_dir = env["BERTH_TOOLCHAIN_BIN"]
    pulumi, kubectl = f"{bin_dir}/pulumi", f"{bin_dir}/kubectl"
    python = os.environ.get("BENCH_PYTHON", str(ROOT / ".venv" / "bin" / "python"))
    namespaces: list[str] = []
    result: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="berth-bench-deploy-") as tmp:
        work = Path(tmp)
        backend = env.get("PULUMI_BACKEND_URL", "")
        if backend.startswith("file://"):
            Path(backend.removeprefix("file://")).mkdir(parents=True, exist_ok=True)
        _run([pulumi, "login", "--non-interactive", backend], env)
        _run([pulumi, "stack", "select", "--create", STACK, "--cwd", str(ROOT),
              "--non-interactive"], env)  # fmt: skip
        # The kubectl side: the very objects the program registers, rendered by running
        # it under mocks (in its own interpreter, as every other measurement).
        config_json = work / "config.json"
        config_json.write_text(
            json.dumps(_plain_config(pulumi, _config_file(KUBECTL_NS, work), env))
        )
        start = time.perf_counter()
        manifests = _record(python, ["stack", "--config", str(config_json)], env)
        render_seconds = time.perf_counter() - start
        stack_args = ["--stack", STACK, "--cwd", str(ROOT), "--non-interactive"]
        kubectl_runs: dict[str, list[dict[str, float]]] = {"client": [], "server-side": []}
        try:
            for number in range(rounds):
                for mode in ("client", "server-side"):
                    namespace = f"{KUBECTL_NS}-{mode[:3]}-{number}"
                    namespaces.append(namespace)
                    kubectl_runs[mode].append(
                        _kubectl_round(
                            kubectl,
                            manifests,
                            namespace,
                            work=work,
                            env=env,
                            server_side=mode == "server-side",
                        )
                    )
            pulumi_runs = _pulumi_rounds(
                pulumi,
                stack_args,
                lambda n: ["--config-file", str(_config_file(f"{PULUMI_NS}-{n}", work))],
                env=env,
                work=work,
                rounds=rounds,
                label="prod",
            )
        finally:
            subprocess.run(
                [pulumi, "stack", "rm", "--yes", "--force", *stack_args],
                env=env, capture_output=True, check=False, cwd=ROOT,
            )  # fmt: skip
            _delete_namespaces(kubectl, namespaces, env)
        med = statistics.median
        seconds = {
            "render manifests (program under mocks)": render_seconds,
            "kubectl apply --server-side (no wait: the API server accepts them)": med(
                r["apply"] for r in kubectl_runs["server-side"]
            ),
            "kubectl apply --server-side + rollout status (pods ready)": med(
                r["apply + rollout status"] for r in kubectl_runs["server-side"]
            ),
            "kubectl apply": med(r["apply"] for r in kubectl_runs["client"]),
            "kubectl apply + rollout status": med(
                r["apply + rollout status"] for r in kubectl_runs["client"]
            ),
        }
        operations = {
            op: _median_runs([run[op] for run in pulumi_runs])
            for op in ("create", "no-change up", "preview")
        }
        seconds |= {
            "pulumi up (create)": operations["create"]["seconds"],
            "pulumi up (no changes)": operations["no-change up"]["seconds"],
            "pulumi preview (no changes)": operations["preview"]["seconds"],
        }
        result = {
            "seconds": seconds,
            "kubectl_all": {
                mode: [{k: round(v, 2) for k, v in r.items()} for r in runs]
                for mode, runs in kubectl_runs.items()
            },
            "operations": operations,
            "rounds": rounds,
            "objects": len(manifests),
            "deployments": sum(1 for m in manifests if m.get("kind") == "Deployment"),
        }
        for step, value in seconds.items():
            log(f"  {step:70} {value:7.2f} s")
        result["sizes"] = _sizes(
            sizes, pulumi=pulumi, kubectl=kubectl, python=python, env=env, work=work, log=log
        )
    result["note"] = (
        f"{result['objects']} objects, {result['deployments']} Deployments, prod stack config in "
        f"throwaway namespaces; medians of {rounds} interleaved rounds; every pulumi run "
        "writes its gRPC log (PULUMI_DEBUG_GRPC) for the breakdown."
    )
    return result


def _sizes(
    sizes: Sequence[int], *, pulumi: str, kubectl: str, python: str, env: dict[str, str],
    work: Path, log: Callable[[str], None],
) -> list[dict[str, Any]]:  # fmt: skip
    """N WebApps: pulumi up (create, no-change, preview) against kubectl, once each."""
    project = _webapps_project(work / "webapps", python)
    rows = []
    for n in sizes:
        stack = f"bench-webapps-{n}"
        stack_args = ["--stack", stack, "--cwd", str(project), "--non-interactive"]
        run_env = {
            **env,
            "BENCH_N": str(n),
            "BENCH_NAMESPACE": f"berth-bench-webapps-{n}",
            "PYTHONPATH": str(ROOT),
        }
        manifests = _record(python, ["eval", "--program", "webapps", "--n", str(n)], env)
        namespace = f"{KUBECTL_NS}-webapps-{n}"
        try:
            kubectl_run = _kubectl_round(
                kubectl, manifests, namespace, work=work, env=env, server_side=True
            )
            _run([pulumi, "stack", "select", "--create", *stack_args], run_env)
            runs = _pulumi_rounds(
                pulumi, stack_args, lambda _: [], env=run_env, work=work, rounds=1, label=f"n{n}"
            )
        finally:
            subprocess.run(
                [pulumi, "stack", "rm", "--yes", "--force", *stack_args],
                env=run_env, capture_output=True, check=False,
            )  # fmt: skip
            _delete_namespaces(kubectl, [namespace], env)
        row: dict[str, Any] = {
            "n": n,
            "objects": len(manifests) + 1,
            "kubectl": kubectl_run,
            **{op: _median_runs([r[op] for r in runs]) for op in runs[0]},
        }
        log(
            f"  N={n:4}: pulumi up {row['create']['seconds']:6.2f} s, no-change "
            f"{row['no-change up']['seconds']:5.2f} s, preview {row['preview']['seconds']:5.2f} s;"
            f" kubectl apply --server-side {kubectl_run['apply']:5.2f} s, + rollout status "
            f"{kubectl_run['apply + rollout status']:6.2f} s"
        )
        rows.append(row)
    return rows
