"""Fixtures for the end-to-end suite: a real control plane and the real Pulumi CLI.

Run with `make e2e` (or `pytest -m e2e`). The cluster gets its own state directory,
so a cluster started with `make cluster` is left alone.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.tools import Cluster, Kube, Project, toolchain_env


def running(pid: int) -> bool:
    """True while pid exists and is not a zombie waiting for init to reap it."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def wait_for_exit(pids: list[int], timeout: float) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        left = [pid for pid in pids if running(pid)]
        if not left:
            return []
        time.sleep(0.2)
    return [pid for pid in pids if running(pid)]


@pytest.fixture(scope="session")
def tool_env() -> dict[str, str]:
    return toolchain_env()


@pytest.fixture(scope="session")
def cluster(tool_env: dict[str, str]) -> Iterator[Cluster]:
    state = Path(tempfile.mkdtemp(prefix="berth-e2e-"))
    local = Cluster(state, tool_env)
    local.up()
    pids = local.pids()
    node = local.real_node()
    try:
        yield local
    finally:
        local.down()
        left = wait_for_exit(pids, timeout=20)
        assert not left, f"cluster processes left behind: {left}"
        mounts = [
            m for m in Path("/proc/self/mountinfo").read_text().splitlines() if str(state) in m
        ]
        assert not mounts, f"mounts left behind: {mounts}"
        if "bridge" in node:
            assert not Path(f"/sys/class/net/{node['bridge']}").exists(), "bridge left behind"


@pytest.fixture(scope="session")
def kube(cluster: Cluster, tool_env: dict[str, str]) -> Kube:
    return Kube(cluster.kubeconfig, tool_env)


@pytest.fixture(scope="module")
def project(
    cluster: Cluster, tool_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Project:
    return Project.copy(tmp_path_factory.mktemp("project") / "shop", tool_env, cluster.kubeconfig)
