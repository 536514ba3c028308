"""A stack knows its cluster: never "unchanged" over another, empty or stopped cluster.

Three local clusters at most at a time: the suite's (A), and ones started here. Each test
leaves every cluster it started stopped and nothing of its own on the suite's cluster.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.tools import PASSPHRASE, ROOT, Cluster, Kube, Project, wait_for

pytestmark = pytest.mark.e2e
NS = "shop-dev"
APPS = {"storefront", "cart", "checkout"}


def stack_sh(
    op: str,
    env: dict[str, str],
    project: Project,
    state: Path,
    kubeconfig: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """toolchain/stack.sh (what `make up/preview/destroy/move` run) for the project copy."""
    run_env = {
        **{k: v for k, v in env.items() if not k.startswith("KUBE")},
        "BERTH_STATE": str(state),
        "BERTH_KUBECONFIG": str(state / "kubeconfig"),
        "PULUMI_CWD": str(project.path),
        "PULUMI_BACKEND_URL": project.env["PULUMI_BACKEND_URL"],
        "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
        "KUBECONFIG_PATH": str(kubeconfig or ""),
        # An inherited KUBECONFIG is never used: this one points nowhere useful.
        "KUBECONFIG": "/nonexistent/inherited-kubeconfig",
    }
    return subprocess.run(
        [str(ROOT / "toolchain" / "stack.sh"), op, "dev"],
        env=run_env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


def said(result: subprocess.CompletedProcess[str]) -> str:
    return result.stdout + result.stderr


def deployments(kube: Kube) -> dict[str, tuple[str, bool]]:
    """app name -> (uid, Available) of the shop's Deployments on one cluster."""
    found: dict[str, tuple[str, bool]] = {}
    for d in kube.get("deployments", NS):
        conditions = {c["type"]: c["status"] for c in d["status"].get("conditions", [])}
        app = d["metadata"]["labels"]["app.kubernetes.io/name"]
        found[app] = (d["metadata"]["uid"], conditions.get("Available") == "True")
    return found


def has_namespace(kube: Kube) -> bool:
    return f"namespace/{NS}" in kube.run("get", "namespaces", "-o", "name").split()


SECRET_SIG = "4dabf18193072939515e22adb298388d"  # Pulumi's marker of a secret value


def opaque_secrets(value: Any) -> Any:
    """Secrets as one marker: their ciphertext changes each time a checkpoint is written."""
    if isinstance(value, dict):
        if value.get(SECRET_SIG) is not None:
            return "[secret]"
        return {k: opaque_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [opaque_secrets(v) for v in value]
    return value


def resources(project: Project) -> list[dict[str, Any]]:
    """What the state records, without the manifest (its timestamp changes on every run)."""
    export = json.loads(project.pulumi("stack", "export", "--stack", "dev").stdout)
    found: list[dict[str, Any]] = opaque_secrets(export["deployment"].get("resources") or [])
    return found


def server_of(kubeconfig: Path) -> str:
    for line in kubeconfig.read_text().splitlines():
        if line.strip().startswith("server:"):
            return line.split(":", 1)[1].strip()
    raise AssertionError(f"no server in {kubeconfig}")


@pytest.fixture
def own_state() -> Iterator[Path]:
    """A state directory for clusters this test starts; they are stopped afterwards."""
    state = Path(tempfile.mkdtemp(prefix="berth-e2e-bind-"))
    yield state
    shutil.rmtree(state, ignore_errors=True)


def test_up_after_cluster_down_stops_or_moves_never_green_over_an_empty_cluster(
    tool_env: dict[str, str],
    own_state: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    # The README's flow, as `make up STACK=dev`, `make cluster-down`, `make up STACK=dev`.
    local = Cluster(own_state, tool_env)
    project = Project.copy(tmp_path_factory.mktemp("readme") / "shop", tool_env, local.kubeconfig)
    try:
        first = stack_sh("up", tool_env, project, own_state)
        assert first.returncode == 0, said(first)[-4000:]
        first_kube = Kube(local.kubeconfig, tool_env)
        assert set(deployments(first_kube)) == APPS
        old_kubeconfig = own_state / "kubeconfig-of-the-first-cluster"
        shutil.copy(local.kubeconfig, old_kubeconfig)
        old_server = server_of(old_kubeconfig)
        before = resources(project)
        local.down()

        # A stopped cluster: every operation fails, naming it, and the state is unchanged.
        stopped_project = Project(project.path, {**project.env, "KUBECONFIG": str(old_kubeconfig)})
        for direct in (
            stopped_project.up("dev", check=False),
            stopped_project.preview("dev", check=False),
        ):
            assert direct.returncode != 0
            assert f"cannot reach the cluster's API server at {old_server}" in said(direct), said(
                direct
            )[-3000:]
        for op in ("up", "preview", "destroy"):
            stopped = stack_sh(op, tool_env, project, own_state, kubeconfig=old_kubeconfig)
            assert stopped.returncode != 0, (op, said(stopped)[-3000:])
            assert f"cannot reach the cluster at {old_server}" in said(stopped), said(stopped)
        assert resources(project) == before

        # The second `make up` starts a new, empty cluster: it stops, naming both and the move.
        again = stack_sh("up", tool_env, project, own_state)
        assert again.returncode == 1, said(again)[-4000:]
        new_server = server_of(local.kubeconfig)
        message = said(again)
        assert f"stack 'dev' was deployed to the cluster at {old_server}" in message, message
        assert f"now points at {new_server}" in message
        assert "make move STACK=dev" in message
        new_kube = Kube(local.kubeconfig, tool_env)
        assert not has_namespace(new_kube), "the refusal created something"
        assert resources(project) == before

        # The one command it names: everything is re-created on the new cluster.
        moved = stack_sh("move", tool_env, project, own_state)
        assert moved.returncode == 0, said(moved)[-4000:]
        found = deployments(new_kube)
        assert set(found) == APPS and all(ok for _, ok in found.values()), found
        assert list((own_state / "moved").glob("dev-*.json")), "the old state was not kept"
        assert project.outputs("dev")["cluster"]["server"] == new_server
        project.preview("dev", "--expect-no-changes")
    finally:
        local.down()


def test_a_stack_pointed_at_another_cluster_stops_and_moves_only_on_purpose(
    cluster: Cluster,
    kube: Kube,
    tool_env: dict[str, str],
    own_state: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    project = Project.copy(tmp_path_factory.mktemp("two") / "shop", tool_env, cluster.kubeconfig)
    project.select("dev")
    project.up("dev")  # deployed to A, the suite's cluster
    on_a = deployments(kube)
    assert set(on_a) == APPS
    other = Cluster(own_state, tool_env)
    other.up()
    b = Kube(other.kubeconfig, tool_env)
    try:
        # `pulumi` itself, pointed at B without make: the program refuses before any change.
        at_b = Project(project.path, {**project.env, "KUBECONFIG": str(other.kubeconfig)})
        for result in (
            at_b.preview("dev", check=False),
            at_b.up("dev", check=False),
        ):
            assert result.returncode != 0
            message = said(result)
            assert (
                f"stack 'dev' was deployed to the cluster at {server_of(cluster.kubeconfig)}"
                in message
            )
            assert server_of(other.kubeconfig) in message, message[-3000:]
            assert "make move STACK=dev" in message
        # make's path refuses the same way, destroy included (which runs no program).
        for op in ("preview", "up", "destroy"):
            refused = stack_sh(op, tool_env, project, own_state, kubeconfig=other.kubeconfig)
            assert refused.returncode == 1, (op, said(refused)[-3000:])
            assert "another cluster. Nothing was changed." in said(refused)
        assert not has_namespace(b), "cluster B got something"
        assert deployments(kube) == on_a

        # Moving on purpose: everything is created on B and nothing on A is deleted.
        moved = stack_sh("move", tool_env, project, own_state, kubeconfig=other.kubeconfig)
        assert moved.returncode == 0, said(moved)[-4000:]
        on_b = deployments(b)
        assert set(on_b) == APPS and all(ok for _, ok in on_b.values()), on_b
        assert deployments(kube) == on_a, "something on A was deleted or replaced"

        # The stack now belongs to B: destroying it there leaves A alone.
        gone = stack_sh("destroy", tool_env, project, own_state, kubeconfig=other.kubeconfig)
        assert gone.returncode == 0, said(gone)[-4000:]
        assert deployments(kube) == on_a
    finally:
        other.down()
        # What the move left on A, removed by hand as the docs say.
        kube.run("delete", "namespace", NS, "--ignore-not-found", "--wait=false")
        wait_for("shop-dev to be gone from A", lambda: not has_namespace(kube), timeout=180)
