"""Fixtures of the traffic tests: the real node, a stack per module, client namespaces, the report."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.e2e.tools import Cluster, Kube
from tests.e2e.traffic.node import ClientNetns, RealNode, real_node_from
from tests.e2e.traffic.report import Report
from tests.e2e.traffic.stage import Stage


@pytest.fixture(scope="session")
def real_node(cluster: Cluster, kube: Kube) -> RealNode:
    facts = cluster.real_node()
    if facts.get("off") == "BERTH_REAL_NODE=0":
        pytest.skip("the real node is turned off (BERTH_REAL_NODE=0)")
    if "off" in facts:
        pytest.fail(f"the cluster started no real node ({facts['off']}): the traffic tests need it")
    return real_node_from(facts, kube)


@pytest.fixture(scope="session")
def report(real_node: RealNode) -> Report:
    return Report(
        context={
            "kubelet": real_node.kubelet_version,
            "runtime": real_node.runtime,
            "kube-proxy": real_node.kube_proxy_mode,
        }
    )


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
