"""CanaryService as Pulumi sees it: children, their order, outputs and warnings.

Every test runs twice, in preview and in update mode (the ``pulumi_harness`` fixture).
"""

from __future__ import annotations

from typing import Any

import pytest

from components import (
    CanaryService,
    CanaryServiceArgs,
    CanaryTrack,
    Container,
    ContainerPort,
    DeploymentSpec,
    DisruptionBudget,
    HttpRouteSpec,
    NginxCanarySpec,
    Security,
    ServiceSpec,
    SpecError,
)
from components.testing import PulumiHarness

TYPE = "berth:index:CanaryService"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
SERVICE = "kubernetes:core/v1:Service"
PDB = "kubernetes:policy/v1:PodDisruptionBudget"
ROUTE = "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute"
INGRESS = "kubernetes:networking.k8s.io/v1:Ingress"
WEB = Container(image="shop:1.0", ports=[ContainerPort(port=8080, name="http")])
# With a UID, so that only the warnings a test is about are left.
WEB_UID = WEB.evolve(security=Security(run_as_user=10001))


def canary_args(**overrides: Any) -> CanaryServiceArgs:
    given: dict[str, Any] = {
        "container": WEB,
        "canary": CanaryTrack(image="shop:2.0"),
        "replicas": 10,
        "canary_weight": 10,
    }
    given.update(overrides)
    return CanaryServiceArgs(**given)


def test_every_object_is_a_child_of_the_component(pulumi_harness: PulumiHarness) -> None:
    def program() -> CanaryService:
        return CanaryService(
            "shop",
            canary_args(
                deployment=DeploymentSpec(disruption_budget=DisruptionBudget()),
                http_route=HttpRouteSpec(gateway="gw"),
                nginx_canary=NginxCanarySpec(host="shop.example.com"),
            ),
        )

    pulumi_harness.run(program)
    registry = pulumi_harness.registry
    component = registry.one(TYPE, name="shop")
    children = registry.children_of(component)
    assert sorted((r.kind, r.name) for r in children) == [
        ("Deployment", "shop-canary"),
        ("Deployment", "shop-stable"),
        ("HTTPRoute", "shop"),
        ("Ingress", "shop"),
        ("Ingress", "shop-canary"),
        ("PodDisruptionBudget", "shop-canary"),
        ("PodDisruptionBudget", "shop-stable"),
        ("Service", "shop"),
        ("Service", "shop-canary"),
        ("Service", "shop-stable"),
        # One ServiceAccount for the app: both tracks run as it.
        ("ServiceAccount", "shop"),
    ]
    assert len(registry) == len(children) + 1
    assert registry.has_outputs(component)
    assert len(pulumi_harness.validate_manifests()) == len(children)


def test_outputs_give_the_split_and_the_services(pulumi_harness: PulumiHarness) -> None:
    service = pulumi_harness.run(
        lambda: CanaryService("shop", canary_args(replicas=4, namespace="store"))
    )
    resolve = pulumi_harness.resolve
    assert resolve(service.stable_replicas) == 3
    assert resolve(service.canary_replicas) == 1
    assert resolve(service.effective_canary_weight) == 25.0
    assert resolve(service.selector) == {
        "app.kubernetes.io/name": "shop",
        "app.kubernetes.io/instance": "shop",
    }
    assert resolve(service.namespace) == "store"
    # Services carry the component's name (stable DNS); Deployments are autonamed.
    assert resolve(service.service_name) == "shop"
    assert resolve(service.dns_name) == "shop.store.svc.cluster.local"
    assert resolve(service.stable_service_name) == "shop-stable"
    assert resolve(service.canary_service_name) == "shop-canary"
    assert resolve(service.stable_deployment_name).startswith("shop-stable-")
    assert resolve(service.canary_deployment_name).startswith("shop-canary-")


def test_an_explicit_name_fixes_every_service_name(pulumi_harness: PulumiHarness) -> None:
    service = pulumi_harness.run(lambda: CanaryService("shop", canary_args(name="storefront")))
    resolve = pulumi_harness.resolve
    assert resolve(service.service_name) == "storefront"
    assert resolve(service.stable_service_name) == "storefront-stable"
    assert resolve(service.canary_service_name) == "storefront-canary"
    assert resolve(service.dns_name) == "storefront.default.svc.cluster.local"


def test_routers_point_at_the_real_names_of_the_track_services(
    pulumi_harness: PulumiHarness,
) -> None:
    service = pulumi_harness.run(
        lambda: CanaryService(
            "shop",
            canary_args(
                http_route=HttpRouteSpec(gateway="gw", header="X-Canary"),
                nginx_canary=NginxCanarySpec(host="shop.example.com"),
            ),
        )
    )
    registry = pulumi_harness.registry
    stable = pulumi_harness.resolve(service.stable_service_name)
    canary = pulumi_harness.resolve(service.canary_service_name)
    rules = registry.one(ROUTE).inputs["spec"]["rules"]
    assert rules[0]["backendRefs"] == [{"name": canary, "port": 8080}]
    assert rules[1]["backendRefs"] == [
        {"name": stable, "port": 8080, "weight": 90},
        {"name": canary, "port": 8080, "weight": 10},
    ]

    def backend(name: str) -> Any:
        ingress = registry.one(INGRESS, name=name).inputs
        return ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"]

    assert (backend("shop"), backend("shop-canary")) == (stable, canary)
    route = registry.one(ROUTE)
    assert registry.depends_on(route, registry.one(SERVICE, name="shop-canary"))


def test_the_growing_track_rolls_out_before_the_other_shrinks(
    pulumi_harness: PulumiHarness,
) -> None:
    pulumi_harness.run(lambda: CanaryService("shop", canary_args(canary_weight=10)))
    registry = pulumi_harness.registry
    stable = registry.one(DEPLOYMENT, name="shop-stable")
    canary = registry.one(DEPLOYMENT, name="shop-canary")
    assert registry.depends_on(stable, canary) and not registry.depends_on(canary, stable)

    pulumi_harness.run(lambda: CanaryService("shop", canary_args(canary_weight=0)))
    registry = pulumi_harness.registry
    stable = registry.one(DEPLOYMENT, name="shop-stable")
    canary = registry.one(DEPLOYMENT, name="shop-canary")
    assert registry.depends_on(canary, stable) and not registry.depends_on(stable, canary)


def test_an_inexact_split_is_warned_about_in_the_pulumi_log(pulumi_harness: PulumiHarness) -> None:
    pulumi_harness.run(lambda: CanaryService("shop", canary_args(container=WEB_UID, replicas=3)))
    (warning,) = pulumi_harness.registry.warnings
    assert "canary_weight 10% cannot be met with 3 pods" in warning
    assert "33.33%" in warning


def test_affinity_skew_is_warned_about_and_an_exact_split_is_quiet(
    pulumi_harness: PulumiHarness,
) -> None:
    pulumi_harness.run(
        lambda: CanaryService(
            "shop",
            canary_args(container=WEB_UID, service=ServiceSpec(session_affinity="ClientIP")),
        )
    )
    (warning,) = pulumi_harness.registry.warnings
    assert "session_affinity 'ClientIP'" in warning
    pulumi_harness.run(lambda: CanaryService("shop", canary_args(container=WEB_UID)))
    assert pulumi_harness.registry.warnings == ()


def test_no_selector_changes_across_a_whole_release(pulumi_harness: PulumiHarness) -> None:
    story: list[dict[str, Any]] = [
        {"canary": None, "canary_weight": 0},
        {"canary_weight": 10},
        {"canary_weight": 50},
        {"canary_weight": 0},
        {"promote": True},
        {"container": Container(image="shop:2.0", ports=[ContainerPort(port=8080, name="http")]),
         "canary": None, "canary_weight": 0},
    ]  # fmt: skip
    seen = []
    for config in story:

        def program(config: dict[str, Any] = config) -> CanaryService:
            return CanaryService("shop", canary_args(**config))

        pulumi_harness.run(program)
        registry = pulumi_harness.registry
        seen.append(
            {
                **{
                    r.name: r.inputs["spec"]["selector"]["matchLabels"]
                    for r in registry.of_type(DEPLOYMENT)
                },
                **{r.name: r.inputs["spec"]["selector"] for r in registry.of_type(SERVICE)},
            }
        )
    assert all(found == seen[0] for found in seen), seen
    assert set(seen[0]) == {"shop-stable", "shop-canary", "shop"}


def test_bad_args_register_nothing(pulumi_harness: PulumiHarness) -> None:
    with pytest.raises(TypeError, match="must be a CanaryServiceArgs"):
        pulumi_harness.run(lambda: CanaryService("shop", {"container": WEB}))  # type: ignore[arg-type]
    assert len(pulumi_harness.registry) == 0
    with pytest.raises(SpecError, match="at most 47"):
        pulumi_harness.run(lambda: CanaryService("s" * 48, canary_args()))
    assert len(pulumi_harness.registry) == 0


def test_a_canary_without_a_uid_is_warned_about_once(pulumi_harness: PulumiHarness) -> None:
    pulumi_harness.run(lambda: CanaryService("shop", canary_args()))
    (warning,) = pulumi_harness.registry.warnings
    assert warning.startswith("container.security.run_as_user: None with run_as_non_root=True")


def test_a_low_port_lets_both_tracks_bind_it(pulumi_harness: PulumiHarness) -> None:
    web = Container(image="shop:1.0", ports=[ContainerPort(port=80, name="http")])
    pulumi_harness.run(lambda: CanaryService("shop", canary_args(container=web)))
    for name in ("shop-stable", "shop-canary"):
        pod = pulumi_harness.registry.one(DEPLOYMENT, name=name).inputs["spec"]["template"]
        assert pod["spec"]["securityContext"]["sysctls"] == [
            {"name": "net.ipv4.ip_unprivileged_port_start", "value": "80"}
        ]
