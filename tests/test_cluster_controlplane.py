"""The local control plane's generated command lines: loopback only, proper certificates."""

from __future__ import annotations

from pathlib import Path

from cluster import controlplane, kwok
from cluster.layout import Layout

BIN = Path("/toolchain/bin")
LAYOUT = Layout(Path("/state"), Path("/state/kubeconfig"))
PORTS = {name: 40000 + i for i, name in enumerate(controlplane.PORT_NAMES)}


def flags(argv: list[str]) -> dict[str, str]:
    return dict(a.removeprefix("--").split("=", 1) for a in argv[1:] if "=" in a)


def test_etcd_serves_clients_and_peers_on_loopback_only() -> None:
    f = flags(controlplane.etcd_argv(BIN, LAYOUT, PORTS))
    urls = [f[k] for k in f if k.endswith("-urls") or k == "initial-advertise-peer-urls"]
    assert urls and all(u.startswith("http://127.0.0.1:") for u in urls)
    assert f["data-dir"] == "/state/cluster/etcd"


def test_apiserver_listens_on_loopback_with_its_own_port() -> None:
    f = flags(controlplane.apiserver_argv(BIN, LAYOUT, PORTS))
    assert f["bind-address"] == "127.0.0.1"
    assert f["secure-port"] == str(PORTS["apiserver"])
    assert f["etcd-servers"] == f"http://127.0.0.1:{PORTS['etcd']}"


def test_apiserver_talks_to_kubelets_with_a_client_certificate_and_checks_theirs() -> None:
    f = flags(controlplane.apiserver_argv(BIN, LAYOUT, PORTS))
    assert f["kubelet-client-certificate"] == "/state/cluster/pki/apiserver-kubelet-client.crt"
    assert f["kubelet-client-key"] == "/state/cluster/pki/apiserver-kubelet-client.key"
    assert f["kubelet-certificate-authority"] == "/state/cluster/pki/ca.crt"
    # The node's name does not resolve on this machine: exec/logs must go by address.
    assert f["kubelet-preferred-address-types"].split(",")[0] == "InternalIP"


def test_apiserver_enforces_pod_security_and_node_authorization() -> None:
    f = flags(controlplane.apiserver_argv(BIN, LAYOUT, PORTS))
    assert "PodSecurity" in f["enable-admission-plugins"].split(",")
    assert "NodeRestriction" in f["enable-admission-plugins"].split(",")
    assert f["authorization-mode"].split(",") == ["Node", "RBAC"]


def test_controller_manager_and_scheduler_bind_loopback_with_their_own_kubeconfigs() -> None:
    for argv, user in (
        (controlplane.controller_manager_argv(BIN, LAYOUT, PORTS), "controller-manager"),
        (controlplane.scheduler_argv(BIN, LAYOUT, PORTS), "scheduler"),
    ):
        f = flags(argv)
        assert f["bind-address"] == "127.0.0.1"
        assert f["kubeconfig"] == f"/state/cluster/{user}.kubeconfig"


def test_kwok_manages_only_the_nodes_annotated_as_fake() -> None:
    f = flags(kwok.argv(BIN, LAYOUT, PORTS))
    assert f["manage-all-nodes"] == "false"
    key, value = f["manage-nodes-with-annotation-selector"].split("=")
    for zone in kwok.ZONES:
        node = kwok.node_manifest(zone)
        assert node["metadata"]["annotations"][key] == value
    assert f["server-address"] == f"127.0.0.1:{PORTS['kwok']}"


def test_kwok_nodes_are_one_per_zone_with_distinct_names() -> None:
    nodes = [kwok.node_manifest(z) for z in kwok.ZONES]
    assert [n["metadata"]["labels"]["topology.kubernetes.io/zone"] for n in nodes] == [
        "zone-a",
        "zone-b",
        "zone-c",
    ]
    assert len({n["metadata"]["name"] for n in nodes}) == 3


def test_a_node_with_the_not_ready_taint_is_not_counted_ready() -> None:
    ready = {"type": "Ready", "status": "True"}
    assert kwok.ready({"status": {"conditions": [ready]}, "spec": {}})
    tainted = {"taints": [{"key": "node.kubernetes.io/not-ready", "effect": "NoSchedule"}]}
    assert not kwok.ready({"status": {"conditions": [ready]}, "spec": tainted})
    assert not kwok.ready({"status": {"conditions": []}, "spec": {}})
