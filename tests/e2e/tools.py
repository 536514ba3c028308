"""Drive the real toolchain: the Pulumi CLI, kubectl and the local control plane.

Nothing here falls back to a default kubeconfig: every kubectl call and every Pulumi
run gets the local cluster's kubeconfig explicitly, and the cluster fixture refuses
to start tests unless that kubeconfig points at 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import attrs
import yaml

ROOT = Path(__file__).resolve().parents[2]
CLUSTER_SCRIPT = ROOT / "cluster" / "berth-cluster"
PASSPHRASE = "berth-local-dev"


def toolchain_env() -> dict[str, str]:
    """The environment toolchain/env.sh sets up (PATH, PULUMI_HOME, offline settings)."""
    check = subprocess.run(
        [str(ROOT / "toolchain" / "build.sh"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    if check.returncode != 0:
        raise RuntimeError(
            "the toolchain is not built: run `make toolchain` first\n" + check.stdout + check.stderr
        )
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("KUBE", "PULUMI_"))}
    dump = subprocess.run(
        ["bash", "-c", f"source {ROOT / 'toolchain' / 'env.sh'} && env -0"],
        capture_output=True,
        check=True,
        env=clean,
    ).stdout.decode()
    env = dict(item.split("=", 1) for item in dump.split("\0") if "=" in item)
    env.pop("KUBECONFIG", None)
    return env


@attrs.define
class Cluster:
    """A local control plane started for the tests, in its own state directory."""

    state: Path
    env: dict[str, str]

    @property
    def kubeconfig(self) -> Path:
        return self.state / "kubeconfig"

    def script(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        env = {**self.env, "BERTH_STATE": str(self.state), "BERTH_KUBECONFIG": str(self.kubeconfig)}
        return subprocess.run(
            [str(CLUSTER_SCRIPT), *args], env=env, capture_output=True, text=True, check=check
        )

    def up(self) -> None:
        result = self.script("up", check=False)
        if result.returncode != 0:
            raise RuntimeError(f"cluster did not start:\n{result.stdout}\n{result.stderr}")
        # Refuse to go on unless the API server is ours, on loopback.
        self.script("check-kubeconfig", str(self.kubeconfig))

    def down(self) -> None:
        self.script("down")

    def pids(self) -> list[int]:
        procs = self.state / "cluster" / "processes.json"
        if not procs.exists():
            return []
        return [int(p["pid"]) for p in json.loads(procs.read_text())]

    def real_node(self) -> dict[str, Any]:
        """What the cluster wrote about its real node (cluster/real-node.json): its name,
        address, pod subnet, bridge, taint/toleration, image refs, DNS and gateway; or
        {"off": why} when it did not start one."""
        path = self.state / "cluster" / "real-node.json"
        facts: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {"off": "?"}
        return facts


@attrs.define
class Kube:
    """kubectl from the toolchain, always with the local cluster's kubeconfig."""

    kubeconfig: Path
    env: dict[str, str]

    def run(self, *args: str, input: str | None = None, check: bool = True) -> str:
        result = subprocess.run(
            ["kubectl", f"--kubeconfig={self.kubeconfig}", *args],
            check=False,
            env=self.env,
            input=input,
            capture_output=True,
            text=True,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed:\n{result.stderr}")
        return result.stdout

    def get(self, kind: str, namespace: str, *args: str) -> list[dict[str, Any]]:
        out = self.run("get", kind, "-n", namespace, "-o", "json", *args)
        items: list[dict[str, Any]] = json.loads(out)["items"]
        return items

    def get_one(self, kind: str, namespace: str, name: str) -> dict[str, Any]:
        obj: dict[str, Any] = json.loads(self.run("get", kind, name, "-n", namespace, "-o", "json"))
        return obj

    def ready_endpoints(self, namespace: str, service: str) -> list[str]:
        """Pod names behind a Service's EndpointSlices that are ready."""
        slices = self.get(
            "endpointslices", namespace, "-l", f"kubernetes.io/service-name={service}"
        )
        return sorted(
            (ep.get("targetRef") or {}).get("name", ",".join(ep["addresses"]))
            for s in slices
            for ep in s.get("endpoints") or []
            if (ep.get("conditions") or {}).get("ready")
        )

    def dry_run(self, manifests: list[dict[str, Any]], namespace: str) -> str:
        """Server-side dry run: the API server validates and admits but stores nothing."""
        docs = yaml.safe_dump_all(manifests)
        return self.run("apply", "--dry-run=server", "-n", namespace, "-f", "-", input=docs)


def wait_for(what: str, check: Callable[[], Any], timeout: float = 120, every: float = 1) -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")


@attrs.define
class Project:
    """A copy of the Pulumi project with its own file backend, driven by the real CLI."""

    path: Path
    env: dict[str, str]

    @classmethod
    def copy(
        cls,
        into: Path,
        env: Mapping[str, str],
        kubeconfig: Path,
        source: Path = ROOT,
        state: Path | None = None,
    ) -> Project:
        """Copy the project at ``source`` (default: the shop) to run it with its own state."""
        into.mkdir(parents=True, exist_ok=True)
        for item in source.iterdir():
            if item.name in ("__main__.py", "stacks") or item.name.startswith("Pulumi."):
                if item.is_dir():
                    shutil.copytree(item, into / item.name)
                else:
                    shutil.copy(item, into / item.name)
        project = yaml.safe_load((source / "Pulumi.yaml").read_text())
        # The project venv has Berth installed with pip (editable), like a consumer's would.
        project["runtime"]["options"]["virtualenv"] = str(ROOT / ".venv")
        (into / "Pulumi.yaml").write_text(yaml.safe_dump(project))
        state = state or into / ".state"
        state.mkdir(exist_ok=True)
        run_env = {
            **env,
            "PULUMI_BACKEND_URL": f"file://{state}",
            "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
            "KUBECONFIG": str(kubeconfig),
        }
        return cls(into, run_env)

    def pulumi(
        self, *args: str, check: bool = True, timeout: float = 900
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            ["pulumi", "--non-interactive", "-C", str(self.path), *args],
            check=False,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"pulumi {' '.join(args)} failed ({result.returncode}):\n"
                f"{result.stdout[-6000:]}\n{result.stderr[-3000:]}"
            )
        return result

    def select(self, stack: str) -> None:
        self.pulumi("stack", "select", "--create", stack)

    def up(self, stack: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.pulumi("up", "--yes", "--skip-preview", "--stack", stack, check=check)

    def preview(
        self, stack: str, *args: str, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        return self.pulumi("preview", "--stack", stack, *args, check=check)

    def destroy(self, stack: str) -> None:
        self.pulumi("destroy", "--yes", "--skip-preview", "--stack", stack)

    def refresh(self, stack: str, *args: str) -> subprocess.CompletedProcess[str]:
        return self.pulumi("refresh", "--yes", "--skip-preview", "--stack", stack, *args)

    def set_config(self, stack: str, path: str, value: str) -> None:
        self.pulumi("config", "set", "--stack", stack, "--path", path, value)

    def outputs(self, stack: str, show_secrets: bool = False) -> dict[str, Any]:
        args = ["stack", "output", "--json", "--stack", stack]
        if show_secrets:
            args.append("--show-secrets")
        result: dict[str, Any] = json.loads(self.pulumi(*args).stdout)
        return result

    @property
    def state(self) -> Path:
        return Path(self.env["PULUMI_BACKEND_URL"].removeprefix("file://"))

    def state_text(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in self.state.rglob("*.json"))
