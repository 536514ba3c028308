"""The real node's generated configuration: network, containerd, kubelet, kube-proxy."""

from __future__ import annotations

import ipaddress
import tomllib
from pathlib import Path

import pytest

from cluster import containerd, kubelet, kubeproxy, network, realnode
from cluster.common import ClusterError

NET = network.plan(Path("/state/one"), "10.96.0.0/16")
PORTS = {
    "kubelet": 10250,
    "kubelet_healthz": 41001,
    "kube_proxy_healthz": 41002,
    "kube_proxy_metrics": 41003,
}


def test_two_state_dirs_get_different_bridges_and_pod_subnets() -> None:
    other = network.plan(Path("/state/two"), "10.96.0.0/16")
    assert other.bridge != NET.bridge
    assert other.subnet != NET.subnet
    assert network.plan(Path("/state/one"), "10.96.0.0/16") == NET


def test_the_bridge_name_fits_in_a_linux_interface_name() -> None:
    assert len(NET.bridge) <= 15


def test_the_pod_subnet_stays_clear_of_kwok_pods_services_and_networks_in_use() -> None:
    subnet = ipaddress.IPv4Network(NET.subnet)
    for taken in ("10.244.0.0/16", "10.96.0.0/16"):
        assert not subnet.overlaps(ipaddress.IPv4Network(taken))
    moved = network.plan(Path("/state/one"), "10.96.0.0/16", taken=[NET.subnet])
    assert moved.subnet != NET.subnet
    assert ipaddress.IPv4Address(NET.node_ip) in subnet


def test_when_every_subnet_is_taken_the_error_says_so() -> None:
    with pytest.raises(ClusterError, match=r"no free /24 left in 10\.88\.0\.0/16"):
        network.plan(Path("/state/one"), "10.96.0.0/16", taken=["10.88.0.0/16"])


def test_cni_gives_pods_the_node_as_gateway_and_never_masquerades() -> None:
    conf = network.conflist(NET, Path("/state/ipam"))
    bridge = conf["plugins"][0]
    assert bridge["type"] == "bridge" and bridge["bridge"] == NET.bridge
    assert bridge["ipMasq"] is False
    assert bridge["ipam"]["ranges"] == [[{"subnet": NET.subnet, "gateway": NET.node_ip}]]
    assert bridge["ipam"]["dataDir"] == "/state/ipam"
    assert [p["type"] for p in conf["plugins"]] == ["bridge", "portmap"]


def test_service_traffic_is_routed_to_the_bridge_and_the_route_is_removed_on_down() -> None:
    route = ["ip", "route", "replace", "10.96.0.0/16", "dev", NET.bridge, "src", NET.node_ip]
    assert route in network.setup_commands(NET)
    assert ["ip", "route", "del", "10.96.0.0/16", "dev", NET.bridge] in network.teardown_commands(
        NET
    )
    assert ["ip", "link", "del", NET.bridge] in network.teardown_commands(NET)


def test_containerd_keeps_all_its_state_in_the_cluster_directory() -> None:
    paths = containerd.Paths(Path("/state/node/containerd"))
    conf = tomllib.loads(
        containerd.config(
            paths, "berth.local/pause:1", Path("/usr/sbin/runc"), ["/usr/lib/cni"], Path("/n")
        )
    )
    assert conf["version"] == 3
    for key in ("root", "state", "temp"):
        assert conf[key].startswith("/state/node/containerd/")
    assert conf["grpc"]["address"] == "/state/node/containerd/containerd.sock"
    runtime = conf["plugins"]["io.containerd.cri.v1.runtime"]
    assert runtime["netns_mounts_under_state_dir"] is True
    runc = runtime["containerd"]["runtimes"]["runc"]["options"]
    assert runc["Root"] == "/state/node/containerd/runc"
    assert runc["SystemdCgroup"] is False
    assert runtime["cni"]["conf_dir"] == "/n"


def test_containerd_works_without_cap_sys_resource_and_uses_the_local_pause_image() -> None:
    paths = containerd.Paths(Path("/s"))
    conf = tomllib.loads(
        containerd.config(paths, "berth.local/pause:1", Path("/r"), [], Path("/n"))
    )
    assert conf["plugins"]["io.containerd.cri.v1.runtime"]["restrict_oom_score_adj"] is True
    pinned = conf["plugins"]["io.containerd.cri.v1.images"]["pinned_images"]
    assert pinned["sandbox"] == "berth.local/pause:1"
    assert conf["plugins"]["io.containerd.grpc.v1.cri"]["stream_server_address"] == "127.0.0.1"


def kubelet_config() -> dict[str, object]:
    return kubelet.config(
        net=NET,
        pki=Path("/pki"),
        base=Path("/k"),
        runtime_socket=Path("/c.sock"),
        cgroup_root="/berth-x",
        ports=PORTS,
    )


def test_kubelet_refuses_anonymous_requests_and_serves_a_certificate_of_the_cluster_ca() -> None:
    conf = kubelet_config()
    assert conf["authentication"] == {
        "anonymous": {"enabled": False},
        "webhook": {"enabled": True},
        "x509": {"clientCAFile": "/pki/ca.crt"},
    }
    assert conf["authorization"] == {"mode": "Webhook"}
    assert conf["tlsCertFile"] == "/pki/kubelet-serving.crt"
    assert conf["readOnlyPort"] == 0


def test_kubelet_listens_on_the_node_address_and_health_on_loopback() -> None:
    conf = kubelet_config()
    assert conf["address"] == NET.node_ip
    assert conf["healthzBindAddress"] == "127.0.0.1"


def test_kubelet_registers_tainted_so_only_pods_meant_for_it_land_there() -> None:
    conf = kubelet_config()
    assert conf["registerWithTaints"] == [
        {"key": "berth.dev/real-node", "value": "true", "effect": "NoSchedule"}
    ]
    argv = kubelet.argv(Path("/bin"), Path("/k"), NET, Path("/kc"))
    assert "--node-labels=berth.dev/real-node=true,topology.kubernetes.io/zone=zone-a" in argv


def test_kubelet_uses_cluster_dns_and_its_own_cgroup_subtree_on_cgroup_v1() -> None:
    conf = kubelet_config()
    assert conf["clusterDNS"] == ["10.96.0.10"]
    assert conf["cgroupRoot"] == "/berth-x"
    assert conf["cgroupDriver"] == "cgroupfs"
    assert conf["failCgroupV1"] is False
    assert kubelet.resolv_conf(NET) == f"nameserver {NET.node_ip}\n"


def test_the_kubelet_certificates_name_the_node_for_the_node_authorizer() -> None:
    client, serving = kubelet.leaves(NET)
    assert client.subject == "/O=system:nodes/CN=system:node:berth-node-real"
    assert not client.server
    assert serving.server and f"IP:{NET.node_ip}" in serving.sans


def test_kube_proxy_opens_node_ports_on_the_node_address_only() -> None:
    conf = kubeproxy.config(NET, Path("/kc"), PORTS)
    assert conf["nodePortAddresses"] == [f"{NET.node_ip}/32"]
    assert conf["healthzBindAddress"].startswith("127.0.0.1:")
    assert conf["metricsBindAddress"].startswith("127.0.0.1:")
    assert conf["clusterCIDR"] == NET.subnet
    assert conf["hostnameOverride"] == "berth-node-real"


def test_kube_proxy_leaves_the_machines_conntrack_settings_alone() -> None:
    conf = kubeproxy.config(NET, Path("/kc"), PORTS)
    assert conf["conntrack"]["maxPerCore"] == 0
    assert conf["conntrack"]["tcpEstablishedTimeout"] == "0s"


def test_real_node_mode_is_on_unless_turned_off_and_required_when_asked() -> None:
    assert realnode.mode({}) == "auto"
    assert realnode.mode({"BERTH_REAL_NODE": "0"}) == "off"
    assert realnode.mode({"BERTH_REAL_NODE": "1"}) == "required"


def test_mount_points_with_spaces_are_read_back_from_mountinfo() -> None:
    assert realnode.unescape("/a\\040b/c") == "/a b/c"


def test_shim_sockets_named_by_our_tasks_are_removed_and_no_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sockets = tmp_path / "run" / "containerd" / "s"
    sockets.mkdir(parents=True)
    monkeypatch.setattr(realnode, "SHIM_SOCKETS", sockets)
    ours, theirs = sockets / "aaa", sockets / "bbb"
    ours.touch()
    theirs.touch()
    paths = containerd.Paths(tmp_path / "containerd")
    bundle = paths.state / "io.containerd.runtime.v2.task" / "k8s.io" / "abc123"
    bundle.mkdir(parents=True)
    (bundle / "address").write_text(f"unix://{ours}")
    realnode.remove_shim_sockets(paths)
    assert not ours.exists()
    assert theirs.exists()


def test_the_bridge_gets_a_fixed_local_mac_so_pods_gateway_arp_entries_stay_valid() -> None:
    # A bridge left to pick its address takes the lowest MAC of its ports, which changes as
    # pods come and go (requests then fail with "No route to host" until ARP catches up).
    [add] = [c for c in network.setup_commands(NET) if c[:3] == ["ip", "link", "add"]]
    assert add[add.index("address") + 1] == NET.mac
    first = int(NET.mac.split(":")[0], 16)
    assert first & 0b10 and not first & 0b1  # locally administered, unicast
    other = network.plan(Path("/state/two"), "10.96.0.0/16")
    assert other.mac != NET.mac
