"""Section 5: ``pulumi up`` of the prod stack against ``kubectl apply`` of the same objects.

Runs only when the toolchain is built (toolchain/env.sh resolves to a directory with
pulumi and kubectl) and the local cluster answers; otherwise the report says
``skipped: <reason>``. Both sides deploy into throwaway namespaces of their own, so the
real prod stack and namespace are never touched, and both are torn down afterwards.

What is compared: ``pulumi up --yes --skip-preview`` (which waits for every rollout)
against ``kubectl apply -f`` of the manifests the same program registers, followed by
``kubectl rollout status`` of every Deployment, one after the other as a script would.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
PROD = ROOT / "stacks" / "Pulumi.prod.yaml"
STACK = "bench-up"
PULUMI_NS = "berth-bench-pulumi"
KUBECTL_NS = "berth-bench-kubectl"
TIMEOUT = 600


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


def section(log: Callable[[str], None]) -> dict[str, Any]:
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
    seconds: dict[str, float] = {}
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
        records = work / "records.json"
        start = time.perf_counter()
        _run(
            [
                os.environ.get("BENCH_PYTHON", str(ROOT / ".venv" / "bin" / "python")),
                "-m",
                "bench.measure",
                "stack",
                "--config",
                str(config_json),
                "--record",
                str(records),
            ],
            env,
        )
        seconds["render manifests (program under mocks)"] = time.perf_counter() - start
        manifests = _manifests(json.loads(records.read_text()))
        rendered = work / "manifests.yaml"
        rendered.write_text(yaml.safe_dump_all(manifests, sort_keys=False))
        deployments = [
            (m["metadata"]["name"], m["metadata"].get("namespace", "default"))
            for m in manifests
            if m.get("kind") == "Deployment"
        ]
        pulumi_config = _config_file(PULUMI_NS, work)
        stack_args = ["--stack", STACK, "--cwd", str(ROOT), "--non-interactive"]
        try:
            start = time.perf_counter()
            _run([kubectl, "apply", "-f", str(rendered)], env)
            seconds["kubectl apply"] = time.perf_counter() - start
            for name, namespace in deployments:
                _run(
                    [kubectl, "rollout", "status", f"deployment/{name}", "-n", namespace,
                     f"--timeout={TIMEOUT}s"],
                    env,
                )  # fmt: skip
            seconds["kubectl apply + rollout status"] = time.perf_counter() - start
            seconds["pulumi up (create)"] = _run(
                [pulumi, "up", "--yes", "--skip-preview", "--config-file", str(pulumi_config),
                 *stack_args],
                env,
            )  # fmt: skip
            seconds["pulumi up (no changes)"] = _run(
                [pulumi, "up", "--yes", "--skip-preview", "--config-file", str(pulumi_config),
                 *stack_args],
                env,
            )  # fmt: skip
            seconds["pulumi preview (no changes)"] = _run(
                [pulumi, "preview", "--config-file", str(pulumi_config), *stack_args], env
            )
        finally:
            subprocess.run(
                [pulumi, "destroy", "--yes", "--skip-preview", "--config-file",
                 str(pulumi_config), *stack_args],
                env=env, capture_output=True, check=False, cwd=ROOT, timeout=TIMEOUT,
            )  # fmt: skip
            subprocess.run(
                [pulumi, "stack", "rm", "--yes", "--force", *stack_args],
                env=env, capture_output=True, check=False, cwd=ROOT,
            )  # fmt: skip
            for namespace in {ns for _, ns in deployments} | {KUBECTL_NS}:
                subprocess.run(
                    [kubectl, "delete", "namespace", namespace, "--wait=false",
                     "--ignore-not-found"],
                    env=env, capture_output=True, check=False,
                )  # fmt: skip
    for step, value in seconds.items():
        log(f"  {step:42} {value:7.2f} s")
    return {
        "seconds": seconds,
        "objects": len(manifests),
        "deployments": len(deployments),
        "note": (
            f"{len(manifests)} objects, {len(deployments)} Deployments, prod stack config in "
            f"throwaway namespaces ({PULUMI_NS}, {KUBECTL_NS}); both sides wait for every rollout."
        ),
    }
