"""Several Services per app, dual stack, stable Service names and pulumi:autonaming,
and a plain WebApp's HTTPRoute and Ingress."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components import (
    CanaryService,
    CanaryServiceArgs,
    Container,
    ContainerPort,
    IngressSpec,
    RouteSpec,
    RouteTimeouts,
    ServicePort,
    ServiceSpec,
    SpecError,
    WebApp,
    WebAppArgs,
)
from components.config import args_from_config, check_fixed_names
from components.manifests.naming import naming_from_config
from components.manifests.webapp import build_webapp
from components.testing import PulumiHarness, autoname
from components.testing.schema import SUPPORTED_K8S_VERSIONS, validate_manifest
from tests.catalogue import WEB

PUBLIC = ServiceSpec(type="LoadBalancer", ports=[ServicePort(port=80, target_port="http")])


def problems(make: Any) -> list[str]:
    """The problems of a spec: raised by a top-level Args, listed by a nested spec."""
    try:
        made = make()
    except SpecError as error:
        return [p.strip() for p in str(error).splitlines()[1:]]
    return [str(p) for p in made.problems()]


# --- several Services ----------------------------------------------------------------------


def test_each_extra_service_selects_the_same_pods_under_its_own_name() -> None:
    objects = build_webapp("shop", WebAppArgs(container=WEB, services={"public": PUBLIC}))
    assert objects.service is not None
    public = objects.services["public"]
    assert public["metadata"]["name"] == "shop-public"
    assert public["spec"]["type"] == "LoadBalancer"
    assert public["spec"]["selector"] == objects.service["spec"]["selector"]
    assert public["spec"]["ports"] == [{"port": 80, "protocol": "TCP", "targetPort": "http"}]
    # A LoadBalancer is awaited for its address; the internal one is not awaited.
    assert public["metadata"]["annotations"]["pulumi.com/waitFor"]
    assert objects.service["metadata"]["annotations"]["pulumi.com/skipAwait"] == "true"


def test_an_explicit_name_prefixes_every_extra_service() -> None:
    objects = build_webapp(
        "shop", WebAppArgs(container=WEB, name="store", services={"public": PUBLIC})
    )
    assert objects.services["public"]["metadata"]["name"] == "store-public"


def test_port_rules_apply_to_each_extra_service_at_its_key() -> None:
    bad = ServiceSpec(ports=[ServicePort(port=80, target_port="web")])
    assert problems(lambda: WebAppArgs(container=WEB, services={"public": bad})) == [
        "services['public'].ports[0].target_port: 'web' is not the name of a container port "
        "(container exposes: http/TCP)"
    ]


def test_an_extra_service_key_must_be_a_dns_label_and_needs_a_primary() -> None:
    assert problems(lambda: WebAppArgs(container=WEB, services={"Public": PUBLIC})) == [
        "services['Public']: 'Public' is not a valid DNS-1123 label (at most 63 lowercase "
        "letters, digits or '-', starting and ending with a letter or digit)"
    ]
    assert problems(
        lambda: WebAppArgs(container=WEB, service=None, services={"public": PUBLIC})
    ) == ["services: ('public',) needs the primary service (service=None runs no Service at all)"]


def test_a_service_name_too_long_with_its_key_is_refused_before_anything_is_built() -> None:
    long_key = "p" * 60
    with pytest.raises(SpecError) as caught:
        build_webapp("shop", WebAppArgs(container=WEB, services={long_key: PUBLIC}))
    assert f"name: 'shop-{long_key}'" in str(caught.value)


def test_extra_services_load_from_config_with_errors_at_their_key() -> None:
    data: dict[str, Any] = {
        "container": {"image": "shop:1.0", "ports": [{"port": 8080, "name": "http"}]},
        "services": {"public": {"type": "LoadBalancer", "ports": [{"port": 80, "target": 1}]}},
    }
    assert problems(lambda: args_from_config(WebAppArgs, data, key="berth:shop", stack="dev"))[
        0
    ].startswith("berth:shop.services['public'].ports[0].target: is not a setting")
    data["services"] = {"public": {"type": "LoadBalancer", "ip_families": ["IPv4", "IPv6"]}}
    assert problems(lambda: args_from_config(WebAppArgs, data, key="berth:shop", stack="dev")) == [
        "berth:shop.services['public'].ip_family_policy: None must be 'RequireDualStack' or "
        "'PreferDualStack' when two ip_families are given"
    ]
    data["services"]["public"]["ip_family_policy"] = "RequireDualStack"
    args = args_from_config(WebAppArgs, data, key="berth:shop", stack="dev", logical="shop")
    assert args.services["public"].ip_families == ("IPv4", "IPv6")


def test_the_component_registers_each_service_and_outputs_their_names(
    pulumi_harness: PulumiHarness,
) -> None:
    app = pulumi_harness.run(
        lambda: WebApp(
            "shop", WebAppArgs(container=WEB, namespace="store", services={"public": PUBLIC})
        )
    )
    public = pulumi_harness.registry.one("kubernetes:core/v1:Service", name="shop-public")
    assert public.parent == pulumi_harness.registry.one("berth:index:WebApp").urn
    assert pulumi_harness.resolve(app.service_names) == {"public": "shop-public"}
    assert pulumi_harness.resolve(app.dns_names) == {
        "public": "shop-public.store.svc.cluster.local"
    }
    assert pulumi_harness.resolve(app.dns_name) == "shop.store.svc.cluster.local"
    pulumi_harness.validate_manifests()


# --- dual stack ----------------------------------------------------------------------------


def test_dual_stack_settings_reach_the_service() -> None:
    spec = ServiceSpec(
        type="LoadBalancer",
        ip_family_policy="RequireDualStack",
        ip_families=["IPv6", "IPv4"],
        allocate_load_balancer_node_ports=False,
    )
    service = build_webapp("shop", WebAppArgs(container=WEB, service=spec)).service
    assert service is not None
    assert service["spec"]["ipFamilyPolicy"] == "RequireDualStack"
    # The order is kept: the first family is the primary one (clusterIP's).
    assert service["spec"]["ipFamilies"] == ["IPv6", "IPv4"]
    assert service["spec"]["allocateLoadBalancerNodePorts"] is False


def test_without_dual_stack_settings_the_cluster_decides() -> None:
    service = build_webapp("shop", WebAppArgs(container=WEB)).service
    assert service is not None
    assert not {"ipFamilyPolicy", "ipFamilies", "allocateLoadBalancerNodePorts"} & set(
        service["spec"]
    )


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        (
            {"ip_family_policy": "DualStack"},
            "ip_family_policy: 'DualStack' is not one of 'SingleStack', 'PreferDualStack', "
            "'RequireDualStack'",
        ),
        ({"ip_families": ["IPv5"]}, "ip_families[0]: 'IPv5' is not one of 'IPv4', 'IPv6'"),
        (
            {"ip_families": ["IPv4", "IPv4"], "ip_family_policy": "PreferDualStack"},
            "ip_families: 'IPv4' is listed more than once",
        ),
        (
            {"ip_families": ["IPv4", "IPv6"], "ip_family_policy": "SingleStack"},
            "ip_family_policy: 'SingleStack' must be 'RequireDualStack' or 'PreferDualStack' "
            "when two ip_families are given",
        ),
        (
            {"allocate_load_balancer_node_ports": False},
            "allocate_load_balancer_node_ports: False applies only to type 'LoadBalancer'",
        ),
    ],
)
def test_dual_stack_rules_are_the_api_servers(settings: dict[str, Any], expected: str) -> None:
    assert problems(lambda: ServiceSpec(**settings)) == [expected]


def test_require_dual_stack_with_one_family_is_valid_as_on_the_server() -> None:
    # The server adds the other family.
    assert ServiceSpec(ip_family_policy="RequireDualStack", ip_families=["IPv6"]).problems() == []


def test_more_than_two_families_are_refused() -> None:
    assert problems(
        lambda: ServiceSpec(
            ip_family_policy="PreferDualStack", ip_families=["IPv4", "IPv6", "IPv4"]
        )
    ) == [
        "ip_families: 'IPv4' is listed more than once",
        "ip_families: ('IPv4', 'IPv6', 'IPv4') lists more than two IP families",
    ]


# --- names and pulumi:autonaming -----------------------------------------------------------


def autonaming(value: object) -> dict[str, str]:
    return {"pulumi:autonaming": json.dumps(value)}


def two_apps() -> None:
    WebApp("cart", WebAppArgs(container=WEB, services={"public": PUBLIC}))
    WebApp("orders", WebAppArgs(container=WEB))


def test_by_default_services_are_named_by_their_app_and_deployments_autonamed(
    pulumi_harness: PulumiHarness,
) -> None:
    pulumi_harness.run(two_apps)
    services = pulumi_harness.registry.of_type("kubernetes:core/v1:Service")
    assert sorted(r.inputs["metadata"]["name"] for r in services) == [
        "cart",
        "cart-public",
        "orders",
    ]
    deployments = pulumi_harness.registry.of_type("kubernetes:apps/v1:Deployment")
    assert all("name" not in r.inputs["metadata"] for r in deployments)


def test_verbatim_autonaming_fixes_every_name_to_the_logical_one(
    pulumi_harness: PulumiHarness,
) -> None:
    pulumi_harness.run(two_apps, config=autonaming({"mode": "verbatim"}))
    deployments = pulumi_harness.registry.of_type("kubernetes:apps/v1:Deployment")
    assert sorted(r.inputs["metadata"]["name"] for r in deployments) == ["cart", "orders"]


def test_verbatim_autonaming_reaches_a_canary_services_deployments(
    pulumi_harness: PulumiHarness,
) -> None:
    def program() -> None:
        CanaryService("checkout", CanaryServiceArgs(container=WEB))

    pulumi_harness.run(program, config=autonaming({"mode": "verbatim"}))
    deployments = pulumi_harness.registry.of_type("kubernetes:apps/v1:Deployment")
    assert sorted(r.inputs["metadata"]["name"] for r in deployments) == [
        "checkout-canary",
        "checkout-stable",
    ]


def test_a_pattern_without_random_parts_is_expanded_by_berth(
    pulumi_harness: PulumiHarness,
) -> None:
    config = autonaming({"providers": {"kubernetes": {"pattern": "${stack}-${name}"}}})
    pulumi_harness.run(two_apps, config=config, stack="dev")
    deployments = pulumi_harness.registry.of_type("kubernetes:apps/v1:Deployment")
    assert sorted(r.inputs["metadata"]["name"] for r in deployments) == ["dev-cart", "dev-orders"]
    # Services keep their own name: clients know it in advance.
    service = pulumi_harness.registry.one("kubernetes:core/v1:Service", name="cart")
    assert service.inputs["metadata"]["name"] == "cart"


def test_a_service_entry_in_autonaming_hands_services_back_to_it(
    pulumi_harness: PulumiHarness,
) -> None:
    config = autonaming(
        {
            "providers": {
                "kubernetes": {"resources": {"kubernetes:core/v1:Service": {"mode": "default"}}}
            }
        }
    )
    app = pulumi_harness.run(lambda: WebApp("cart", WebAppArgs(container=WEB)), config=config)
    service = pulumi_harness.registry.one("kubernetes:core/v1:Service", name="cart")
    assert "name" not in service.inputs["metadata"]
    assert pulumi_harness.resolve(app.service_name) == autoname("cart")


def test_a_random_pattern_leaves_less_room_for_the_name(pulumi_harness: PulumiHarness) -> None:
    config = autonaming({"pattern": "${project}-${stack}-${name}-${hex(20)}"})
    # 'berth-test-' and '-' and 20 random characters: 32 of the 63.
    logical = "a" * 40

    with pytest.raises(SpecError) as caught:
        pulumi_harness.run(lambda: WebApp(logical, WebAppArgs(container=WEB)), config=config)
    assert "autonaming (pulumi:autonaming) adds up to" in str(caught.value)


def test_a_bad_autonaming_mode_is_reported_at_its_config_key() -> None:
    with pytest.raises(SpecError) as caught:
        naming_from_config({"mode": "random"})
    assert "pulumi:autonaming.mode: 'random' is not one of 'default', 'verbatim', 'disabled'" in (
        str(caught.value)
    )


def test_disabled_autonaming_makes_berth_name_every_object() -> None:
    naming = naming_from_config({"mode": "disabled"})
    objects = build_webapp("shop", WebAppArgs(container=WEB), naming)
    assert objects.deployment["metadata"]["name"] == "shop"


def test_two_apps_whose_services_share_a_name_clash_before_anything_is_registered(
    pulumi_harness: PulumiHarness,
) -> None:
    def program() -> None:
        WebApp("cart", WebAppArgs(container=WEB, namespace="shop"))
        WebApp("basket", WebAppArgs(container=WEB, name="cart", namespace="shop"))

    with pytest.raises(SpecError) as caught:
        pulumi_harness.run(program)
    assert (
        "name: 'cart' would create a second Service 'cart' in 'shop': WebApp 'cart' creates it"
        in str(caught.value)
    )


def test_the_stack_config_path_finds_clashes_before_the_first_registration() -> None:
    cart = WebAppArgs(container=WEB, namespace="shop", services={"public": PUBLIC})
    public = WebAppArgs(container=WEB, namespace="shop")
    with pytest.raises(SpecError) as caught:
        check_fixed_names(
            [
                ("berth:cart", "WebApp", "cart", cart),
                ("berth:cartPublic", "WebApp", "cart-public", public),
            ],
            "dev",
        )
    assert str(caught.value).splitlines() == [
        "stack 'dev': 1 invalid setting:",
        "  berth:cartPublic: 'cart-public' would create a second Service 'cart-public' in "
        "'shop': WebApp 'cart' creates it already (give one of them another name)",
    ]


# --- HTTPRoute and Ingress -----------------------------------------------------------------

ROUTE = RouteSpec(
    gateway="public",
    gateway_namespace="gateways",
    section_name="https",
    hostnames=["shop.example.com"],
    paths=["/", "/api"],
    timeouts=RouteTimeouts(request="10s", backend_request="2s"),
)


def test_a_route_sends_every_path_to_the_apps_service_and_port() -> None:
    route = build_webapp("shop", WebAppArgs(container=WEB, http_route=ROUTE)).http_route
    assert route is not None
    assert route["spec"] == {
        "parentRefs": [{"name": "public", "namespace": "gateways", "sectionName": "https"}],
        "hostnames": ["shop.example.com"],
        "rules": [
            {
                "matches": [
                    {"path": {"type": "PathPrefix", "value": "/"}},
                    {"path": {"type": "PathPrefix", "value": "/api"}},
                ],
                "backendRefs": [{"name": "shop", "port": 8080}],
                "timeouts": {"request": "10s", "backendRequest": "2s"},
            }
        ],
    }


def test_a_route_and_an_ingress_can_target_an_extra_service() -> None:
    args = WebAppArgs(
        container=WEB,
        services={"public": PUBLIC},
        http_route=RouteSpec(gateway="gw", service="public"),
        ingress=IngressSpec(service="public", port=80),
    )
    objects = build_webapp("shop", args)
    assert objects.http_route is not None and objects.ingress is not None
    assert objects.http_route["spec"]["rules"][0]["backendRefs"] == [
        {"name": "shop-public", "port": 80}
    ]
    assert objects.ingress["spec"]["rules"] == [
        {
            "http": {
                "paths": [
                    {
                        "path": "/",
                        "pathType": "Prefix",
                        "backend": {"service": {"name": "shop-public", "port": {"number": 80}}},
                    }
                ]
            }
        }
    ]


def test_an_ingress_has_a_rule_per_host_and_tls_for_them() -> None:
    spec = IngressSpec(
        ingress_class="nginx",
        hosts=["shop.example.com", "www.shop.example.com"],
        tls_secret_name="shop-tls",
        annotations={"nginx.ingress.kubernetes.io/proxy-body-size": "8m"},
    )
    ingress = build_webapp("shop", WebAppArgs(container=WEB, ingress=spec)).ingress
    assert ingress is not None
    assert ingress["spec"]["ingressClassName"] == "nginx"
    assert [r["host"] for r in ingress["spec"]["rules"]] == [
        "shop.example.com",
        "www.shop.example.com",
    ]
    assert ingress["spec"]["tls"] == [
        {"hosts": ["shop.example.com", "www.shop.example.com"], "secretName": "shop-tls"}
    ]
    assert ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-body-size"] == "8m"


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (
            lambda: WebAppArgs(container=WEB, http_route=RouteSpec(gateway="gw", port=9090)),
            "http_route.port: 9090 is not a port of the Service (8080)",
        ),
        (
            lambda: WebAppArgs(container=WEB, ingress=IngressSpec(service="public")),
            "ingress.service: 'public' is not a key of services (known: none; None is the "
            "primary Service)",
        ),
        (
            lambda: WebAppArgs(container=WEB, service=None, ingress=IngressSpec()),
            "ingress: IngressSpec(...) needs a Service to send requests to (service is None)",
        ),
        (
            lambda: IngressSpec(tls_secret_name="tls"),
            "tls_secret_name: 'tls' needs hosts (a TLS certificate is chosen by host name)",
        ),
        (lambda: RouteSpec(gateway="gw", paths=[]), "paths: () must list at least one path"),
        (
            lambda: RouteSpec(gateway="gw", paths=["/a", "/a"]),
            "paths: '/a' is listed more than once",
        ),
        (
            lambda: RouteTimeouts(request="1s", backend_request="2s"),
            "backend_request: '2s' is longer than the request timeout (1s)",
        ),
        (
            lambda: RouteTimeouts(request="10 seconds"),
            "request: '10 seconds' is not a Gateway API duration (such as '10s', '500ms' or "
            "'1m30s')",
        ),
    ],
)
def test_router_rules(make: Any, expected: str) -> None:
    found = problems(make)
    assert len(found) == 1
    # The value of a whole nested spec is shown by its repr; compare up to it.
    if expected.startswith("ingress: IngressSpec(...)"):
        assert found[0].startswith("ingress: IngressSpec(") and found[0].endswith(
            "needs a Service to send requests to (service is None)"
        )
    else:
        assert found == [expected]


def test_routes_load_from_config() -> None:
    data = {
        "container": {"image": "shop:1.0", "ports": [{"port": 8080, "name": "http"}]},
        "http_route": {
            "gateway": "gw",
            "hostnames": ["shop.example.com"],
            "timeouts": {"request": "30s"},
        },
        "ingress": {"hosts": ["shop.example.com"], "paths": ["/"]},
    }
    args = args_from_config(WebAppArgs, data, key="berth:shop", stack="dev", logical="shop")
    assert args.http_route is not None and args.http_route.timeouts is not None
    assert args.http_route.timeouts.request == "30s"
    assert args.ingress is not None and args.ingress.hosts == ("shop.example.com",)


@pytest.mark.parametrize("version", SUPPORTED_K8S_VERSIONS)
def test_routes_and_services_pass_the_strict_schema(version: str) -> None:
    args = WebAppArgs(
        container=WEB,
        services={"public": PUBLIC},
        http_route=ROUTE,
        ingress=IngressSpec(hosts=["shop.example.com"], tls_secret_name="shop-tls"),
    )
    for manifest in build_webapp("shop", args).all():
        named = {**manifest, "metadata": {"name": "shop-1234567", **manifest["metadata"]}}
        validate_manifest(named, version)


def test_the_component_registers_route_and_ingress_to_the_real_service_name(
    pulumi_harness: PulumiHarness,
) -> None:
    args = WebAppArgs(container=WEB, http_route=ROUTE, ingress=IngressSpec())
    app = pulumi_harness.run(lambda: WebApp("shop", args))
    route = pulumi_harness.registry.one(
        "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute", name="shop"
    )
    assert route.inputs["spec"]["rules"][0]["backendRefs"] == [{"name": "shop", "port": 8080}]
    ingress = pulumi_harness.registry.one("kubernetes:networking.k8s.io/v1:Ingress", name="shop")
    assert ingress.inputs["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"] == {
        "name": "shop",
        "port": {"number": 8080},
    }
    assert app.http_route is not None and app.ingress is not None
    pulumi_harness.validate_manifests()


def test_a_container_with_two_ports_routes_to_the_first_unless_told() -> None:
    container = Container(
        image="shop:1.0",
        ports=[ContainerPort(port=8080, name="http"), ContainerPort(port=9090, name="admin")],
    )
    args = WebAppArgs(container=container, http_route=RouteSpec(gateway="gw"))
    route = build_webapp("shop", args).http_route
    assert route is not None
    assert route["spec"]["rules"][0]["backendRefs"][0]["port"] == 8080


def test_ingress_annotations_count_towards_the_objects_limit() -> None:
    big = {"example.com/blob": "x" * (256 * 1024)}
    found = problems(lambda: WebAppArgs(container=WEB, ingress=IngressSpec(annotations=big)))
    assert len(found) == 1 and found[0].startswith("ingress.annotations: ")
