"""NetworkPolicySpec: what the policy lets in and out, the rules on it, and the component."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from components import (
    AppPeer,
    CanaryService,
    CanaryServiceArgs,
    CidrPeer,
    Container,
    ContainerPort,
    EgressRule,
    ExternalDatabase,
    ExternalDatabaseArgs,
    IngressRule,
    NamespacePeer,
    NetworkPolicySpec,
    PolicyPort,
    SpecError,
    WebApp,
    WebAppArgs,
)
from components.config import args_from_config
from components.inputs.base import validate
from components.manifests.canary import build_canary
from components.manifests.policy_rules import StackObject, network_isolation
from components.manifests.webapp import build_webapp
from components.testing import PulumiHarness
from components.testing.schema import SUPPORTED_K8S_VERSIONS, validate_manifest

POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
WEB = Container(image="shop:1.0", ports=[ContainerPort(port=8080, name="http")])
SHOP_PODS = {"app.kubernetes.io/name": "shop", "app.kubernetes.io/instance": "shop"}
DNS_RULE = {
    "to": [
        {
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
            "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
        }
    ],
    "ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}],
}


def policy_of(policy: NetworkPolicySpec, namespace: str | None = "shop") -> dict[str, Any]:
    built = build_webapp(
        "shop", WebAppArgs(container=WEB, namespace=namespace, network_policy=policy)
    ).network_policy
    assert built is not None
    return built


def error_of(make: Any) -> str:
    with pytest.raises(SpecError) as caught:
        make()
    return str(caught.value)


def test_an_empty_policy_denies_everything_but_dns_lookups() -> None:
    spec = policy_of(NetworkPolicySpec())["spec"]
    assert spec == {
        "podSelector": {"matchLabels": SHOP_PODS},
        "policyTypes": ["Ingress", "Egress"],
        "ingress": [],
        "egress": [DNS_RULE],
    }


def test_no_policy_is_built_unless_asked_for() -> None:
    assert build_webapp("shop", WebAppArgs(container=WEB)).network_policy is None


def test_traffic_from_an_app_in_the_same_namespace_defaults_to_the_containers_ports() -> None:
    front = AppPeer(selector={"app.kubernetes.io/name": "front"})
    spec = policy_of(NetworkPolicySpec(allow_from=[IngressRule(apps=[front])]))["spec"]
    assert spec["ingress"] == [
        {
            "from": [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "front"}}}],
            "ports": [{"port": "http", "protocol": "TCP"}],
        }
    ]


def test_an_app_in_another_namespace_is_selected_in_that_namespace_only() -> None:
    peer = AppPeer(selector={"app.kubernetes.io/name": "gateway"}, namespace="edge")
    spec = policy_of(NetworkPolicySpec(allow_from=[IngressRule(apps=[peer], ports=[8080])]))
    assert spec["spec"]["ingress"][0]["from"] == [
        {
            "podSelector": {"matchLabels": {"app.kubernetes.io/name": "gateway"}},
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "edge"}},
        }
    ]
    assert spec["spec"]["ingress"][0]["ports"] == [{"port": 8080, "protocol": "TCP"}]


def test_namespaces_by_name_or_labels_and_cidrs_with_exceptions() -> None:
    rule = IngressRule(
        namespaces=["monitoring", NamespacePeer(labels={"team": "edge"})],
        cidrs=[CidrPeer(cidr="10.0.0.0/8", excluding=["10.1.0.0/16"]), "192.0.2.0/24"],
    )
    peers = policy_of(NetworkPolicySpec(allow_from=[rule]))["spec"]["ingress"][0]["from"]
    assert peers == [
        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}},
        {"namespaceSelector": {"matchLabels": {"team": "edge"}}},
        {"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}},
        {"ipBlock": {"cidr": "192.0.2.0/24"}},
    ]


def test_egress_to_a_database_by_address_allows_its_addresses_on_its_port() -> None:
    db = ExternalDatabaseArgs(engine="postgresql", addresses=["10.20.0.5", "10.20.0.6"], port=6432)
    egress = policy_of(NetworkPolicySpec(databases=[db]))["spec"]["egress"]
    assert egress == [
        {
            "ports": [{"port": 6432, "protocol": "TCP"}],
            "to": [{"ipBlock": {"cidr": "10.20.0.5/32"}}, {"ipBlock": {"cidr": "10.20.0.6/32"}}],
        },
        DNS_RULE,
    ]


def test_egress_to_a_database_by_dns_name_can_only_allow_its_port() -> None:
    db = ExternalDatabaseArgs(engine="mysql", host="db.example.com")
    egress = policy_of(NetworkPolicySpec(databases=[db]))["spec"]["egress"]
    assert egress[0] == {"ports": [{"port": 3306, "protocol": "TCP"}]}


def test_dns_can_be_left_out_and_egress_left_open() -> None:
    assert policy_of(NetworkPolicySpec(dns=False))["spec"]["egress"] == []
    spec = policy_of(NetworkPolicySpec(restrict_egress=False))["spec"]
    assert spec["policyTypes"] == ["Ingress"]
    assert "egress" not in spec


def test_egress_to_apps_defaults_to_the_ports_they_receive_on() -> None:
    cart = AppPeer(
        selector={"app.kubernetes.io/name": "cart"}, ports=[PolicyPort(port=7070, protocol="TCP")]
    )
    egress = policy_of(NetworkPolicySpec(allow_to=[EgressRule(apps=[cart])]))["spec"]["egress"]
    assert egress[0]["ports"] == [{"port": 7070, "protocol": "TCP"}]
    # Without known ports, every port of those pods.
    anywhere = AppPeer(selector={"app.kubernetes.io/name": "cart"})
    egress = policy_of(NetworkPolicySpec(allow_to=[EgressRule(apps=[anywhere])]))["spec"]["egress"]
    assert "ports" not in egress[0]


def test_one_policy_covers_both_tracks_of_a_canary() -> None:
    args = CanaryServiceArgs(container=WEB, namespace="shop", network_policy=NetworkPolicySpec())
    objects = build_canary("checkout", args)
    assert objects.network_policy is not None
    selector = objects.network_policy["spec"]["podSelector"]["matchLabels"]
    for deployment in (objects.stable_deployment, objects.canary_deployment):
        pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert selector.items() <= pod_labels.items()


def test_ports_the_container_does_not_expose_are_refused() -> None:
    front = AppPeer(selector={"app.kubernetes.io/name": "front"})
    message = error_of(
        lambda: policy_of(NetworkPolicySpec(allow_from=[IngressRule(apps=[front], ports=[9090])]))
    )
    assert (
        "network_policy.allow_from[0].ports[0]: 9090 is not a port the container exposes over "
        "TCP (container exposes: http/TCP)" in message
    )


def test_egress_ports_must_be_ports_the_peer_receives_on() -> None:
    cart = AppPeer(selector={"app.kubernetes.io/name": "cart"}, ports=[PolicyPort(port=7070)])
    message = error_of(
        lambda: policy_of(NetworkPolicySpec(allow_to=[EgressRule(apps=[cart], ports=[80])]))
    )
    assert (
        "network_policy.allow_to[0].ports[0]: 80 is not a port apps[0] receives on "
        "(it exposes: 7070/TCP)" in message
    )


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (
            lambda: AppPeer(selector={}),
            "selector: {} is empty: it would select every pod (give the app's labels)",
        ),
        (IngressRule, "apps: () is empty, as are namespaces and cidrs"),
        (NamespacePeer, "name: None or labels must be set (which namespaces)"),
        (
            lambda: NamespacePeer(name="a", labels={"b": "c"}),
            "labels: {'b': 'c'} cannot be set together with name (give one)",
        ),
        (
            lambda: CidrPeer(cidr="10.0.0.0/8", excluding=["192.168.0.0/16"]),
            "excluding[0]: '192.168.0.0/16' is not a range inside cidr (10.0.0.0/8)",
        ),
        (lambda: CidrPeer(cidr="10.0.0.1/8"), "cidr: '10.0.0.1/8' has bits set beyond"),
        (lambda: PolicyPort(port=90, end_port=80), "end_port: 80 is less than port (90)"),
        (lambda: PolicyPort(port="http", end_port=80), "end_port: 80 needs a port number"),
        (lambda: PolicyPort(port="HTTP"), "port: 'HTTP'"),
        (
            lambda: NetworkPolicySpec(restrict_egress=False, databases=[{"port": 5432}]),  # type: ignore[list-item]
            "databases: 1 database(s) have no effect with restrict_egress False",
        ),
    ],
)
def test_each_bad_setting_is_a_spec_error_naming_it(make: Any, expected: str) -> None:
    # Nested specs are checked by the args that hold them; validate stands in for those.
    assert expected in error_of(lambda: validate(make()))


def test_a_component_peer_in_another_namespace_must_say_which(
    pulumi_harness: PulumiHarness,
) -> None:
    def program() -> None:
        front = WebApp("front", WebAppArgs(container=WEB))  # no namespace given
        WebApp(
            "shop",
            WebAppArgs(
                container=WEB,
                namespace="shop",
                network_policy=NetworkPolicySpec(allow_from=[IngressRule(apps=[front])]),
            ),
        )

    with pytest.raises(SpecError) as caught:
        pulumi_harness.run(program)
    assert "network_policy.allow_from[0].apps[0].namespace: None must be set" in str(caught.value)


def test_components_are_peers_with_their_selector_namespace_and_ports(
    pulumi_harness: PulumiHarness,
) -> None:
    def program() -> None:
        cart = WebApp(
            "cart",
            WebAppArgs(
                namespace="shop",
                container=Container(image="cart:1.0", ports=[ContainerPort(port=7070)]),
            ),
        )
        checkout = CanaryService("checkout", CanaryServiceArgs(namespace="pay", container=WEB))
        orders = ExternalDatabase(
            "orders",
            ExternalDatabaseArgs(engine="postgresql", addresses=["10.20.0.5"], namespace="shop"),
        )
        WebApp(
            "front",
            WebAppArgs(
                container=WEB,
                namespace="shop",
                network_policy=NetworkPolicySpec(
                    allow_from=[IngressRule(namespaces=["ingress-nginx"])],
                    allow_to=[EgressRule(apps=[cart]), EgressRule(apps=[checkout])],
                    databases=[orders],
                ),
            ),
        )

    pulumi_harness.run(program)
    registry = pulumi_harness.registry
    policy = registry.one(POLICY, name="front")
    assert policy.parent == registry.one("berth:index:WebApp", name="front").urn
    egress = policy.inputs["spec"]["egress"]
    assert egress[0] == {
        "to": [
            {
                "podSelector": {
                    "matchLabels": {
                        "app.kubernetes.io/name": "cart",
                        "app.kubernetes.io/instance": "cart",
                    }
                }
            }
        ],
        "ports": [{"port": 7070, "protocol": "TCP"}],
    }
    assert egress[1]["to"][0]["namespaceSelector"] == {
        "matchLabels": {"kubernetes.io/metadata.name": "pay"}
    }
    assert egress[1]["ports"] == [{"port": "http", "protocol": "TCP"}]
    assert egress[2]["to"] == [{"ipBlock": {"cidr": "10.20.0.5/32"}}]
    pulumi_harness.validate_manifests()


def test_a_canary_service_registers_one_policy(pulumi_harness: PulumiHarness) -> None:
    pulumi_harness.run(
        lambda: CanaryService(
            "checkout",
            CanaryServiceArgs(container=WEB, namespace="pay", network_policy=NetworkPolicySpec()),
        )
    )
    assert len(pulumi_harness.registry.of_type(POLICY)) == 1
    pulumi_harness.validate_manifests()


def test_a_policy_loads_from_stack_config() -> None:
    data = {
        "container": {"image": "shop:1.0", "ports": [{"port": 8080, "name": "http"}]},
        "network_policy": {
            "allow_from": [
                {"apps": ["front", {"selector": {"team": "edge"}, "namespace": "edge"}]}
            ],
            "allow_to": [{"cidrs": ["203.0.113.0/24"], "ports": [443]}],
            "databases": [{"port": 5432, "addresses": ["10.20.0.5"]}],
        },
    }
    args = args_from_config(WebAppArgs, data, key="berth:shop", stack="dev", logical="shop")
    assert args.network_policy is not None
    assert args.network_policy.allow_from[0].app_peers[0].selector == {
        "app.kubernetes.io/name": "front"
    }
    assert args.network_policy.allow_to[0].ports == (PolicyPort(port=443),)


def test_a_bad_policy_in_config_names_its_key_path() -> None:
    data = {
        "container": {"image": "shop:1.0", "ports": [8080]},
        "network_policy": {"allow_from": [{"apps": ["front"], "ports": [9]}]},
    }
    with pytest.raises(SpecError) as caught:
        args_from_config(WebAppArgs, data, key="berth:shop", stack="dev", logical="shop")
    assert "berth:shop.network_policy.allow_from[0].ports[0]: 9 is not a port" in str(caught.value)


def test_the_pack_sees_an_app_policy_does_not_isolate_the_whole_namespace() -> None:
    # Berth's policy covers one app's pods; the pack's rule wants one for all pods.
    manifest = policy_of(NetworkPolicySpec())
    found = network_isolation(
        [StackObject("NetworkPolicy shop/shop", manifest)], {"namespaces": ["shop"]}
    )
    assert len(found) == 1


FULL = NetworkPolicySpec(
    allow_from=[
        IngressRule(
            apps=[AppPeer(selector={"a": "b"}, namespace="other")],
            namespaces=["monitoring"],
            cidrs=[CidrPeer(cidr="2001:db8::/32", excluding=["2001:db8:1::/48"])],
        ),
        IngressRule(
            apps=[AppPeer(selector={"a": "c"})], ports=[PolicyPort(port=8000, end_port=8100)]
        ),
    ],
    allow_to=[
        EgressRule(
            cidrs=["0.0.0.0/0"], ports=[PolicyPort(port=443), PolicyPort(port=53, protocol="UDP")]
        )
    ],
    databases=[{"port": 5432, "addresses": ["10.0.0.1"]}, {"port": 6379}],  # type: ignore[list-item]
)


@pytest.mark.parametrize("version", SUPPORTED_K8S_VERSIONS)
def test_every_kind_of_rule_passes_the_schema(version: str) -> None:
    container = Container(image="shop:1.0", ports=[ContainerPort(port=8050, name="http")])
    manifest = build_webapp(
        "shop", WebAppArgs(container=container, namespace="shop", network_policy=FULL)
    ).network_policy
    assert manifest is not None
    validate_manifest({**manifest, "metadata": {"name": "shop-1", **manifest["metadata"]}}, version)


NAMES = st.sampled_from(["front", "cart", "a.b", "", "UPPER", "x" * 64])
NAMESPACES = st.sampled_from([None, "shop", "edge", "Bad_NS"])
PORTS = st.sampled_from([80, 8080, 0, 70000, "http", "grpc", "BAD"])
CIDRS = st.sampled_from(["10.0.0.0/8", "2001:db8::/32", "10.0.0.1/8", "nope"])


@st.composite
def policies(draw: st.DrawFn) -> dict[str, Any]:
    def rule() -> dict[str, Any]:
        found: dict[str, Any] = {}
        if draw(st.booleans()):
            found["apps"] = [
                {"selector": {"app.kubernetes.io/name": draw(NAMES)}, "namespace": draw(NAMESPACES)}
            ]
        if draw(st.booleans()):
            found["namespaces"] = [draw(NAMES)]
        if draw(st.booleans()):
            found["cidrs"] = [draw(CIDRS)]
        if draw(st.booleans()):
            found["ports"] = draw(st.lists(PORTS, max_size=2))
        return found

    return {
        "allow_from": [rule() for _ in range(draw(st.integers(0, 2)))],
        "allow_to": [rule() for _ in range(draw(st.integers(0, 2)))],
        "dns": draw(st.booleans()),
    }


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(policy=policies(), namespace=NAMESPACES)
def test_any_policy_builds_schema_valid_or_is_a_spec_error(
    policy: dict[str, Any], namespace: str | None
) -> None:
    try:
        args = WebAppArgs(container=WEB, namespace=namespace, network_policy=policy)  # type: ignore[arg-type]
    except SpecError as error:
        assert all(p.path.split(".")[0] in ("network_policy", "namespace") for p in error.problems)
        return
    manifest = build_webapp("shop", args).network_policy
    assert manifest is not None
    validate_manifest({**manifest, "metadata": {"name": "shop-1", **manifest["metadata"]}})


def test_a_sidecar_proxys_port_is_let_in_by_default_beside_the_apps() -> None:
    # A TLS-terminating sidecar is what the Service targets: blocking it would block the app.
    proxy = Container(name="tls", image="proxy:1.0", ports=[ContainerPort(port=8443, name="https")])
    front = AppPeer(selector={"app.kubernetes.io/name": "front"})
    built = build_webapp(
        "shop",
        WebAppArgs(
            container=WEB,
            sidecars=[proxy],
            namespace="shop",
            network_policy=NetworkPolicySpec(allow_from=[IngressRule(apps=[front])]),
        ),
    ).network_policy
    assert built is not None
    assert built["spec"]["ingress"][0]["ports"] == [
        {"port": "http", "protocol": "TCP"},
        {"port": "https", "protocol": "TCP"},
    ]
