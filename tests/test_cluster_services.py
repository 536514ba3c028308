"""The cluster DNS and the Gateway: CoreDNS's Corefile, kube-dns, Traefik, Gateway API objects."""

from __future__ import annotations

from pathlib import Path

from cluster import dns, gateway, network

NET = network.plan(Path("/state/one"), "10.96.0.0/16")
PORTS = {"coredns_health": 41010, "coredns_ready": 41011}


def test_coredns_answers_on_the_node_address_for_the_cluster_domain() -> None:
    text = dns.corefile(NET, Path("/kc"), PORTS)
    assert f"bind {NET.node_ip}" in text
    assert "kubernetes cluster.local in-addr.arpa ip6.arpa {" in text
    assert "kubeconfig /kc berth-local" in text
    assert "health 127.0.0.1:41010" in text and "ready 127.0.0.1:41011" in text


def test_coredns_never_forwards_names_off_the_machine() -> None:
    assert "forward" not in dns.corefile(NET, Path("/kc"), PORTS)


def test_kube_dns_has_the_fixed_cluster_ip_the_kubelet_hands_to_pods() -> None:
    svc = dns.service(NET)
    assert svc["metadata"] == {
        "name": "kube-dns",
        "namespace": "kube-system",
        "labels": {"k8s-app": "kube-dns", "kubernetes.io/name": "CoreDNS"},
    }
    assert svc["spec"]["clusterIP"] == NET.cluster_dns == "10.96.0.10"
    assert {(p["port"], p["protocol"]) for p in svc["spec"]["ports"]} == {(53, "UDP"), (53, "TCP")}
    assert "selector" not in svc["spec"]


def test_kube_dns_endpoint_is_coredns_on_the_node_and_not_the_controllers_to_manage() -> None:
    eps = dns.endpoint_slice(NET)
    assert eps["endpoints"] == [{"addresses": [NET.node_ip], "conditions": {"ready": True}}]
    labels = eps["metadata"]["labels"]
    assert labels["kubernetes.io/service-name"] == "kube-dns"
    assert labels["endpointslice.kubernetes.io/managed-by"] != "endpointslice-controller.k8s.io"


def test_coredns_may_only_read_what_its_kubernetes_plugin_needs() -> None:
    (_, role), (_, binding) = dns.rbac()
    verbs = {v for rule in role["rules"] for v in rule["verbs"]}
    assert verbs == {"list", "watch"}
    assert binding["subjects"][0]["name"] == dns.USER == "berth-coredns"


def test_traefik_listens_on_loopback_at_the_gateway_listeners_port() -> None:
    argv = gateway.argv(Path("/bin"), 38080)
    assert "--entryPoints.web.address=127.0.0.1:38080" in argv
    assert "--providers.kubernetesGateway=true" in argv
    assert gateway.gateway(38080)["spec"]["listeners"][0]["port"] == 38080


def test_traefik_stays_offline() -> None:
    argv = gateway.argv(Path("/bin"), 1)
    assert "--global.checkNewVersion=false" in argv
    assert "--global.sendAnonymousUsage=false" in argv


def test_the_gateway_class_is_traefiks_and_routes_of_every_namespace_may_attach() -> None:
    assert gateway.gateway_class()["spec"]["controllerName"] == "traefik.io/gateway-controller"
    gw = gateway.gateway(1)
    assert gw["metadata"] == {"name": "berth-gateway", "namespace": "berth-system"}
    assert gw["spec"]["gatewayClassName"] == gateway.gateway_class()["metadata"]["name"]
    assert gw["spec"]["listeners"][0]["allowedRoutes"] == {"namespaces": {"from": "All"}}


def test_a_gateway_is_programmed_only_when_its_condition_says_true() -> None:
    assert gateway.programmed(
        {"status": {"conditions": [{"type": "Programmed", "status": "True"}]}}
    )
    assert not gateway.programmed(
        {"status": {"conditions": [{"type": "Programmed", "status": "Unknown"}]}}
    )
    assert not gateway.programmed({})


def test_traefik_may_write_status_but_never_gateway_api_objects_themselves() -> None:
    (_, role), _ = gateway.rbac()
    writes = [r for r in role["rules"] if {"update", "patch"} & set(r["verbs"])]
    assert writes and all(res.endswith("/status") for r in writes for res in r["resources"])
