"""Fixtures of the traffic tests: the real node, a stack per module, client namespaces, the report."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.e2e.tools import Kube
from tests.e2e.traffic.node import REAL_NODE_LABEL, ClientNetns, RealNode, find_real_node
from tests.e2e.traffic.report import Report
from tests.e2e.traffic.stage import Stage


@pytest.fixture(scope="session")
def real_node(kube: Kube) -> RealNode:
    node = find_real_node(kube)
    if node is None:
        pytest.fail(
            f"the cluster has no real node (no node labelled {REAL_NODE_LABEL}): the traffic "
            "tests need the real node that cluster/ starts (docs/local-cluster.md)"
        )
    if not node.echo_image:
        pytest.fail(f"no berth.local/echo image on node {node.name}: cluster/ imports it at start")
    return node


@pytest.fixture(scope="session")
def report(real_node: RealNode) -> Report:
    return Report(context={"kubelet": real_node.kubelet_version, "runtime": real_node.runtime})


@pytest.fixture(scope="module")
def stage(
    request: pytest.FixtureRequest,
    tool_env: dict[str, str],
    kube: Kube,
    real_node: RealNode,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Stage]:
    name = request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_").replace("_", "-")
    into = tmp_path_factory.mktemp("traffic") / name
    created = Stage.create(into, tool_env, stack=name, node=real_node, kube=kube)
    try:
        yield created
    finally:
        created.destroy()


@pytest.fixture
def client_netns() -> Iterator[Callable[[], ClientNetns]]:
    made: list[ClientNetns] = []

    def make() -> ClientNetns:
        ns = ClientNetns.create()
        made.append(ns)
        return ns

    try:
        yield make
    finally:
        for ns in made:
            ns.remove()
        left = [ns.name for ns in made if ns.exists()]
        assert not left, f"client namespaces left behind: {left}"
