"""CanaryService without Pulumi: the split, both tracks, their Services and routers, the rules."""

from __future__ import annotations

import re
from typing import Any

import pytest

from components import (
    Autoscaling,
    CanaryServiceArgs,
    CanaryTrack,
    Container,
    ContainerPort,
    DeploymentSpec,
    DisruptionBudget,
    HttpRouteSpec,
    NginxCanarySpec,
    SecretKeyRef,
    Security,
    ServicePort,
    ServiceSpec,
    SpecError,
)
from components.manifests.canary import (
    NGINX_CANARY,
    NGINX_CANARY_BY_COOKIE,
    NGINX_CANARY_BY_HEADER,
    NGINX_CANARY_BY_HEADER_VALUE,
    NGINX_CANARY_WEIGHT,
    CanaryObjects,
    CanaryPlan,
    build_canary,
    canary_warnings,
    cookie_pattern,
    split_replicas,
)
from components.testing.schema import validate_manifest

WEB = Container(image="shop:1.0", ports=[ContainerPort(port=8080, name="http")])
V2 = CanaryTrack(image="shop:2.0")
IDENTITY = {"app.kubernetes.io/name": "shop", "app.kubernetes.io/instance": "shop"}
STABLE = {**IDENTITY, "track": "stable"}
CANARY = {**IDENTITY, "track": "canary"}


def args(**overrides: Any) -> CanaryServiceArgs:
    given: dict[str, Any] = {"container": WEB, "canary": V2, "replicas": 10, "canary_weight": 10}
    given.update(overrides)
    return CanaryServiceArgs(**given)


def build(**overrides: Any) -> CanaryObjects:
    return build_canary("shop", args(**overrides))


# With a UID, so that only the warnings a test is about are left.
WEB_UID = WEB.evolve(security=Security(run_as_user=10001))


def warnings(**overrides: Any) -> list[str]:
    return canary_warnings(CanaryPlan.of("shop", args(**{"container": WEB_UID, **overrides})))


def pod_spec(deployment: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = deployment["spec"]["template"]["spec"]
    return spec


def container_of(deployment: dict[str, Any]) -> dict[str, Any]:
    container: dict[str, Any] = pod_spec(deployment)["containers"][0]
    return container


def problems(error: pytest.ExceptionInfo[SpecError]) -> dict[str, str]:
    return {p.path: str(p) for p in error.value.problems}


# -- the split ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("asked", "expected"),
    [
        ((total, weight, promote), (stable, canary, effective, exact))
        for total, weight, promote, stable, canary, effective, exact in [
            (10, 0, False, 10, 0, 0.0, True),
            (10, 10, False, 9, 1, 10.0, True),
            (10, 14, False, 9, 1, 10.0, False),  # 1.4 pods rounds down
            (10, 15, False, 8, 2, 20.0, False),  # 1.5 pods: halves round up
            (10, 95, False, 1, 9, 90.0, False),  # 9.5 would leave no stable pod
            (10, 100, False, 0, 10, 100.0, True),
            (4, 10, False, 3, 1, 25.0, False),  # 0.4 pods: a weight above 0 gets one pod
            (4, 50, False, 2, 2, 50.0, True),
            (3, 10, False, 2, 1, 33.33, False),
            (3, 50, False, 1, 2, 66.67, False),
            (7, 50, False, 3, 4, 57.14, False),
            (200, 1, False, 198, 2, 1.0, True),
            (1, 0, False, 1, 0, 0.0, True),
            (1, 100, False, 0, 1, 100.0, True),
            (10, 10, True, 10, 0, 0.0, True),  # promoting: the canary goes to zero
        ]
    ],
)
def test_split_rounds_to_the_nearest_pod_and_keeps_both_tracks_running(
    asked: tuple[int, int, bool], expected: tuple[int, int, float, bool]
) -> None:
    """(total, weight, promote) → (stable, canary, effective %, exact)."""
    total, weight, promote = asked
    split = split_replicas(total, weight, promote=promote)
    assert (split.stable, split.canary, split.effective, split.exact) == expected


def test_split_is_never_more_than_half_a_pod_off_unless_a_track_would_be_empty() -> None:
    for total in range(2, 41):
        for weight in range(1, 100):
            split = split_replicas(total, weight)
            assert split.canary >= 1 and split.stable >= 1
            assert split.stable + split.canary == total
            ideal = total * weight / 100
            if 1 <= round(ideal + 1e-9) <= total - 1:
                assert abs(split.canary - ideal) <= 0.5


def test_exact_step_names_the_pod_totals_that_split_exactly() -> None:
    assert split_replicas(10, 15).exact_step == 20
    assert split_replicas(20, 15).exact
    assert split_replicas(3, 10).exact_step == 10


# -- the two tracks ----------------------------------------------------------


def test_each_deployment_selects_its_own_track_and_shares_the_identity_labels() -> None:
    objects = build()
    stable, canary = objects.stable_deployment, objects.canary_deployment
    assert stable["spec"]["selector"]["matchLabels"] == STABLE
    assert canary["spec"]["selector"]["matchLabels"] == CANARY
    for deployment, selector in ((stable, STABLE), (canary, CANARY)):
        pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert selector.items() <= pod_labels.items()
        assert selector.items() <= deployment["metadata"]["labels"].items()


def test_replicas_follow_the_split() -> None:
    objects = build(replicas=10, canary_weight=30)
    assert objects.stable_deployment["spec"]["replicas"] == 7
    assert objects.canary_deployment["spec"]["replicas"] == 3


def test_canary_overrides_image_env_and_args_on_the_shared_template() -> None:
    base = WEB.evolve(env={"LOG": "info", "MODE": "a"}, args=("serve",))
    track = CanaryTrack(image="shop:2.0", env={"MODE": "b", "NEW": "1"}, args=("serve", "-v"))
    objects = build(container=base, canary=track)
    stable, canary = (
        container_of(objects.stable_deployment),
        container_of(objects.canary_deployment),
    )
    assert stable["image"] == "shop:1.0"
    assert canary["image"] == "shop:2.0"
    assert stable["env"] == [{"name": "LOG", "value": "info"}, {"name": "MODE", "value": "a"}]
    assert canary["env"] == [
        {"name": "LOG", "value": "info"},
        {"name": "MODE", "value": "b"},
        {"name": "NEW", "value": "1"},
    ]
    assert (stable["args"], canary["args"]) == (["serve"], ["serve", "-v"])
    # Everything not overridden is the same template.
    for key in ("ports", "resources", "securityContext", "volumeMounts"):
        assert stable[key] == canary[key]
    assert (
        pod_spec(objects.stable_deployment)["securityContext"]
        == pod_spec(objects.canary_deployment)["securityContext"]
    )


def test_the_track_label_key_and_values_are_configurable() -> None:
    objects = build(track_label="example.com/lane", stable_value="blue", canary_value="green")
    assert objects.stable_deployment["spec"]["selector"]["matchLabels"] == {
        **IDENTITY,
        "example.com/lane": "blue",
    }
    assert objects.canary_service["spec"]["selector"] == {**IDENTITY, "example.com/lane": "green"}


def test_each_track_is_labelled_with_its_own_version() -> None:
    objects = build(canary=CanaryTrack(image="registry.example.com/shop:2.1"))
    version = "app.kubernetes.io/version"
    assert objects.stable_deployment["metadata"]["labels"][version] == "1.0"
    assert objects.canary_deployment["metadata"]["labels"][version] == "2.1"
    explicit = build(version="1.0.3", canary=CanaryTrack(image="shop:2.1", version="2.1.0-rc1"))
    assert explicit.stable_deployment["metadata"]["labels"][version] == "1.0.3"
    assert explicit.canary_deployment["metadata"]["labels"][version] == "2.1.0-rc1"
    digest = build(canary=CanaryTrack(image="shop@sha256:" + "a" * 64))
    assert version not in digest.canary_deployment["metadata"]["labels"]
    assert version not in digest.canary_deployment["spec"]["template"]["metadata"]["labels"]


def test_without_a_canary_track_the_canary_deployment_runs_the_stable_template_at_zero() -> None:
    objects = build(canary=None, canary_weight=0)
    assert objects.canary_deployment["spec"]["replicas"] == 0
    assert container_of(objects.canary_deployment) == container_of(objects.stable_deployment)
    assert objects.stable_deployment["spec"]["replicas"] == 10


def test_both_tracks_read_secret_env_from_one_secret() -> None:
    container = WEB.evolve(secret_env={"API_KEY": "s3cret"})
    objects = build(container=container)
    assert objects.secret is not None
    assert objects.secret["stringData"] == {"API_KEY": "s3cret"}
    for deployment in (objects.stable_deployment, objects.canary_deployment):
        env = container_of(deployment)["env"]
        assert env == [
            {
                "name": "API_KEY",
                "valueFrom": {"secretKeyRef": {"name": "shop-env", "key": "API_KEY"}},
            }
        ]


# -- Services ----------------------------------------------------------------


def test_the_main_service_selects_only_the_shared_labels_so_traffic_follows_ready_pods() -> None:
    objects = build()
    assert objects.service["spec"]["selector"] == IDENTITY
    # Services are named by the component's name (stable DNS), Deployments autonamed.
    assert objects.service["metadata"]["name"] == "shop"
    assert objects.stable_service["metadata"]["name"] == "shop-stable"
    assert "name" not in objects.stable_deployment["metadata"]


def test_per_track_services_let_testers_reach_one_track() -> None:
    objects = build(name="shop")
    assert objects.service["metadata"]["name"] == "shop"
    assert objects.stable_service["metadata"]["name"] == "shop-stable"
    assert objects.canary_service["metadata"]["name"] == "shop-canary"
    assert objects.stable_service["spec"]["selector"] == STABLE
    assert objects.canary_service["spec"]["selector"] == CANARY
    assert objects.stable_service["spec"]["ports"] == objects.service["spec"]["ports"]


def test_per_track_services_are_cluster_ip_even_when_the_main_one_is_exposed() -> None:
    exposed = ServiceSpec(
        type="NodePort", ports=[ServicePort(port=80, target_port="http", node_port=30080)]
    )
    objects = build(service=exposed)
    assert objects.service["spec"]["ports"][0]["nodePort"] == 30080
    for track in (objects.stable_service, objects.canary_service):
        assert track["spec"]["type"] == "ClusterIP"
        assert track["spec"]["ports"] == [{"port": 80, "protocol": "TCP", "targetPort": "http"}]


# -- lifecycle ---------------------------------------------------------------


def test_weight_zero_scales_canary_to_zero_and_stable_to_full_size() -> None:
    objects = build(canary_weight=0)
    assert objects.canary_deployment["spec"]["replicas"] == 0
    assert objects.stable_deployment["spec"]["replicas"] == 10
    # The canary's template is kept, so raising the weight again rolls nothing new out.
    assert container_of(objects.canary_deployment)["image"] == "shop:2.0"


def test_weight_hundred_moves_every_pod_to_the_canary() -> None:
    objects = build(canary_weight=100)
    assert objects.stable_deployment["spec"]["replicas"] == 0
    assert objects.canary_deployment["spec"]["replicas"] == 10


def test_promote_gives_stable_the_canary_template_and_scales_the_canary_to_zero() -> None:
    track = CanaryTrack(image="shop:2.0", env={"FEATURE": "on"})
    objects = build(canary=track, promote=True, canary_weight=25)
    stable = objects.stable_deployment
    assert container_of(stable)["image"] == "shop:2.0"
    assert container_of(stable)["env"] == [{"name": "FEATURE", "value": "on"}]
    assert container_of(stable) == container_of(objects.canary_deployment)
    assert stable["spec"]["replicas"] == 10
    assert objects.canary_deployment["spec"]["replicas"] == 0
    assert stable["metadata"]["labels"]["app.kubernetes.io/version"] == "2.0"


def test_folding_a_promoted_canary_into_the_container_changes_no_template() -> None:
    promoted = build(canary=V2, promote=True)
    folded = build(container=WEB.evolve(image="shop:2.0"), canary=None, canary_weight=0)
    assert promoted.stable_deployment == folded.stable_deployment
    assert promoted.canary_deployment == folded.canary_deployment


SELECTOR_STORY: dict[str, dict[str, Any]] = {
    "no canary yet": {"canary": None, "canary_weight": 0},
    "canary at 10%": {"canary_weight": 10},
    "canary at 50%": {"canary_weight": 50},
    "all on canary": {"canary_weight": 100},
    "rollback": {"canary_weight": 0},
    "new canary image": {"canary": CanaryTrack(image="shop:3.0", version="3"), "canary_weight": 5},
    "promotion": {"promote": True},
    "after promotion": {"container": WEB.evolve(image="shop:3.0"), "canary": None,
                        "canary_weight": 0},
    "fewer pods": {"replicas": 3},
    "with routers": {
        "http_route": HttpRouteSpec(gateway="gw", header="X-Canary"),
        "nginx_canary": NginxCanarySpec(host="shop.example.com", cookie="canary"),
    },
    "with HA": {"deployment": DeploymentSpec(disruption_budget=DisruptionBudget())},
}  # fmt: skip


def selectors(objects: CanaryObjects) -> dict[str, Any]:
    return {
        "stable deployment": objects.stable_deployment["spec"]["selector"],
        "canary deployment": objects.canary_deployment["spec"]["selector"],
        "service": objects.service["spec"]["selector"],
        "stable service": objects.stable_service["spec"]["selector"],
        "canary service": objects.canary_service["spec"]["selector"],
    }


def test_no_selector_changes_across_weights_promotion_or_rollback() -> None:
    seen = {step: selectors(build(**config)) for step, config in SELECTOR_STORY.items()}
    first = seen["no canary yet"]
    assert first["stable deployment"] == {"matchLabels": STABLE}
    for step, found in seen.items():
        assert found == first, f"a selector changed at {step!r}"


def test_disruption_budgets_cover_each_track_when_ha_is_on() -> None:
    objects = build(deployment=DeploymentSpec(disruption_budget=DisruptionBudget()))
    assert objects.stable_budget is not None and objects.canary_budget is not None
    assert objects.stable_budget["spec"]["selector"]["matchLabels"] == STABLE
    assert objects.canary_budget["spec"]["selector"]["matchLabels"] == CANARY
    assert objects.stable_budget["spec"]["maxUnavailable"] == 1
    plain = build()
    assert plain.stable_budget is None and plain.canary_budget is None


# -- HTTPRoute ---------------------------------------------------------------


def route(**spec: Any) -> dict[str, Any]:
    overrides = {key: spec.pop(key) for key in list(spec) if key in ("canary_weight", "promote")}
    manifest = build(http_route=HttpRouteSpec(gateway="public", **spec), **overrides).http_route
    assert manifest is not None
    return manifest


def test_http_route_splits_by_the_exact_requested_weight() -> None:
    manifest = route(canary_weight=7)
    assert manifest["apiVersion"] == "gateway.networking.k8s.io/v1"
    assert manifest["kind"] == "HTTPRoute"
    assert manifest["spec"]["parentRefs"] == [{"name": "public"}]
    assert manifest["spec"]["rules"] == [
        {
            "matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
            "backendRefs": [
                {"name": "shop-stable", "port": 8080, "weight": 93},
                {"name": "shop-canary", "port": 8080, "weight": 7},
            ],
        }
    ]


def test_http_route_sends_chosen_users_to_the_canary_by_header_or_cookie() -> None:
    manifest = route(
        header="X-Canary", cookie="canary", path="/shop", hostnames=["shop.example.com"]
    )
    chosen, everyone = manifest["spec"]["rules"]
    path = {"type": "PathPrefix", "value": "/shop"}
    assert chosen == {
        "matches": [
            {"path": path, "headers": [{"type": "Exact", "name": "X-Canary", "value": "always"}]},
            {
                "path": path,
                "headers": [
                    {
                        "type": "RegularExpression",
                        "name": "Cookie",
                        "value": cookie_pattern("canary"),
                    }
                ],
            },
        ],
        "backendRefs": [{"name": "shop-canary", "port": 8080}],
    }
    assert everyone["matches"] == [{"path": path}]
    assert manifest["spec"]["hostnames"] == ["shop.example.com"]


@pytest.mark.parametrize(
    ("cookie_header", "matches"),
    [
        ("canary=always", True),
        ("session=abc; canary=always", True),
        ("session=abc;canary=always; theme=dark", True),
        ("canary=never", False),
        ("mycanary=always", False),
        ("canary=alwaysish", False),
        ("session=canary=always", False),
    ],
)
def test_the_cookie_pattern_matches_only_the_canary_cookie(
    cookie_header: str, matches: bool
) -> None:
    assert bool(re.fullmatch(cookie_pattern("canary"), cookie_header)) is matches
    assert bool(re.search(cookie_pattern("canary"), cookie_header)) is matches


def test_http_route_targets_the_gateway_section_namespace_and_port_asked_for() -> None:
    two_ports = ServiceSpec(
        ports=[ServicePort(port=80, target_port="http", name="web"),
               ServicePort(port=9090, target_port=8080, name="alt")]
    )  # fmt: skip
    manifest = build(
        service=two_ports,
        http_route=HttpRouteSpec(
            gateway="public", gateway_namespace="infra", section_name="https", port=9090
        ),
    ).http_route
    assert manifest is not None
    assert manifest["spec"]["parentRefs"] == [
        {"name": "public", "namespace": "infra", "sectionName": "https"}
    ]
    assert {ref["port"] for ref in manifest["spec"]["rules"][0]["backendRefs"]} == {9090}
    default = build(service=two_ports, http_route=HttpRouteSpec(gateway="public")).http_route
    assert default is not None
    assert {ref["port"] for ref in default["spec"]["rules"][0]["backendRefs"]} == {80}


@pytest.mark.parametrize("config", [{"canary_weight": 0}, {"promote": True}])
def test_without_canary_pods_chosen_users_go_to_stable_like_everyone(
    config: dict[str, Any],
) -> None:
    manifest = route(header="X-Canary", cookie="canary", **config)
    assert len(manifest["spec"]["rules"]) == 1
    assert [ref["weight"] for ref in manifest["spec"]["rules"][0]["backendRefs"]] == [100, 0]


# -- ingress-nginx -----------------------------------------------------------


def test_nginx_canary_pairs_a_main_ingress_to_stable_with_an_annotated_canary_ingress() -> None:
    objects = build(
        canary_weight=20,
        nginx_canary=NginxCanarySpec(
            host="shop.example.com", path="/api", header="X-Canary", cookie="canary"
        ),
    )
    assert objects.ingresses is not None
    main, canary = objects.ingresses.main, objects.ingresses.canary

    def backend(ingress: dict[str, Any]) -> Any:
        return ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]

    assert backend(main) == {"name": "shop-stable", "port": {"number": 8080}}
    assert backend(canary) == {"name": "shop-canary", "port": {"number": 8080}}
    for ingress in (main, canary):
        assert ingress["spec"]["ingressClassName"] == "nginx"
        rule = ingress["spec"]["rules"][0]
        assert rule["host"] == "shop.example.com"
        assert rule["http"]["paths"][0]["path"] == "/api"
        assert rule["http"]["paths"][0]["pathType"] == "Prefix"
    assert main["metadata"]["annotations"] == {"pulumi.com/patchForce": "true"}
    assert canary["metadata"]["annotations"] == {
        NGINX_CANARY: "true",
        NGINX_CANARY_WEIGHT: "20",
        NGINX_CANARY_BY_HEADER: "X-Canary",
        NGINX_CANARY_BY_HEADER_VALUE: "always",
        NGINX_CANARY_BY_COOKIE: "canary",
        "pulumi.com/patchForce": "true",
    }


def test_nginx_tls_goes_on_the_main_ingress_which_the_canary_shares() -> None:
    spec = NginxCanarySpec(
        host="shop.example.com", tls_secret_name="shop-tls", ingress_class="public"
    )
    ingresses = build(nginx_canary=spec).ingresses
    assert ingresses is not None
    assert ingresses.main["spec"]["tls"] == [
        {"hosts": ["shop.example.com"], "secretName": "shop-tls"}
    ]
    assert "tls" not in ingresses.canary["spec"]
    assert ingresses.canary["spec"]["ingressClassName"] == "public"


def test_nginx_rollback_keeps_the_canary_ingress_at_weight_zero_without_user_matches() -> None:
    spec = NginxCanarySpec(host="shop.example.com", header="X-Canary", cookie="canary")
    ingresses = build(nginx_canary=spec, canary_weight=0).ingresses
    assert ingresses is not None
    assert ingresses.canary["metadata"]["annotations"] == {
        NGINX_CANARY: "true",
        NGINX_CANARY_WEIGHT: "0",
        "pulumi.com/patchForce": "true",
    }


# -- warnings ----------------------------------------------------------------


def test_an_inexact_split_is_warned_about_with_the_effective_share() -> None:
    (warning,) = warnings(replicas=3, canary_weight=10)
    assert "canary_weight 10%" in warning
    assert "1 of them" in warning and "33.33%" in warning
    assert "multiple of 10 pods" in warning


def test_an_exact_split_gives_no_warning() -> None:
    assert warnings(replicas=10, canary_weight=10) == []
    assert warnings(replicas=3, canary_weight=0) == []


def test_the_warning_says_routed_requests_still_split_exactly() -> None:
    (warning,) = warnings(replicas=4, canary_weight=10, http_route=HttpRouteSpec(gateway="gw"))
    assert "through the HTTPRoute split exactly 10%" in warning


@pytest.mark.parametrize(
    ("service", "words"),
    [
        (ServiceSpec(session_affinity="ClientIP"), "session_affinity 'ClientIP'"),
        (ServiceSpec(internal_traffic_policy="Local"), "internal_traffic_policy 'Local'"),
        (ServiceSpec(type="NodePort", external_traffic_policy="Local"), "external_traffic_policy"),
        (ServiceSpec(topology_mode="Auto"), "topology_mode 'Auto'"),
        (ServiceSpec(traffic_distribution="PreferSameZone"), "traffic_distribution"),
    ],
)
def test_settings_that_skew_the_split_are_warned_about(service: ServiceSpec, words: str) -> None:
    (warning,) = warnings(service=service)
    assert words in warning
    # Nothing is split with one track empty, so nothing is skewed.
    assert warnings(service=service, canary_weight=0) == []


# -- every object is valid Kubernetes ----------------------------------------

CATALOGUE: dict[str, dict[str, Any]] = {
    "minimal": {},
    "explicit-name": {"name": "shop", "namespace": "store"},
    "everything": {
        "container": WEB.evolve(secret_env={"API_KEY": "s"}),
        "canary": CanaryTrack(
            image="shop:2.0", env={"X": SecretKeyRef(secret_name="other", key="x")}, args=("-v",)
        ),
        "deployment": DeploymentSpec(disruption_budget=DisruptionBudget(max_unavailable="50%")),
        "service": ServiceSpec(type="LoadBalancer", session_affinity="ClientIP"),
        "http_route": HttpRouteSpec(
            gateway="gw",
            gateway_namespace="infra",
            section_name="https",
            hostnames=["shop.example.com", "*.shop.example.com"],
            path="/store",
            header="X-Canary",
            header_value="yes please",
            cookie="canary_user",
        ),
        "nginx_canary": NginxCanarySpec(
            host="shop.example.com",
            path="/store",
            path_type="Exact",
            header="X-Canary",
            cookie="canary",
            tls_secret_name="tls",
        ),
    },
    "rollback": {"canary_weight": 0, "http_route": HttpRouteSpec(gateway="gw")},
    "promotion": {"promote": True, "nginx_canary": NginxCanarySpec()},
    "all-canary": {"canary_weight": 100, "http_route": HttpRouteSpec(gateway="gw")},
}


@pytest.mark.parametrize("k8s_version", ["1.36.0", "1.37.0"])
@pytest.mark.parametrize("case", sorted(CATALOGUE))
def test_every_object_built_passes_the_kubernetes_schema(case: str, k8s_version: str) -> None:
    objects = build(**CATALOGUE[case])
    kinds = [m["kind"] for m in objects.all()]
    assert kinds.count("Deployment") == 2 and kinds.count("Service") == 3
    for manifest in objects.all():
        meta = {"name": "shop-abcd1234", **manifest["metadata"]}
        validate_manifest({**manifest, "metadata": meta}, k8s_version)


# -- bad input ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "path", "text"),
    [
        ({"canary_weight": -1}, "canary_weight", "canary_weight: -1 is not within 0..100"),
        ({"canary_weight": 101}, "canary_weight", "canary_weight: 101 is not within 0..100"),
        ({"canary_weight": True}, "canary_weight", "canary_weight: True is not an integer"),
        ({"canary_weight": "10%"}, "canary_weight", "canary_weight: '10%' is not an integer"),
        ({"replicas": 0}, "replicas", "replicas: 0 is less than 1"),
        ({"replicas": 1, "canary_weight": 50}, "replicas", "replicas: 1 is too few to split"),
        ({"canary": None}, "canary_weight", "canary_weight: 10 needs a canary track"),
        ({"canary": None, "canary_weight": 0, "promote": True}, "promote", "promote: True needs"),
        ({"promote": "yes"}, "promote", "promote: 'yes' is not a boolean"),
        ({"track_label": "app.kubernetes.io/track"}, "track_label", "is in the 'app.kubernetes.io/'"),
        ({"track_label": "bad key!"}, "track_label", "is not a valid label key"),
        ({"labels": {"track": "x"}}, "labels['track']", "is the track label"),
        ({"canary_value": "stable"}, "canary_value", "canary_value: 'stable' must differ"),
        ({"stable_value": ""}, "stable_value", "stable_value: '' is not a non-empty string"),
        ({"canary_value": "no way"}, "canary_value", "is not a valid label value"),
        (
            {"deployment": DeploymentSpec(replicas=5)},
            "deployment.replicas",
            "deployment.replicas: 5 does not apply to a CanaryService: set replicas",
        ),
        (
            {"deployment": DeploymentSpec(autoscaling=Autoscaling())},
            "deployment.autoscaling",
            "would change the ratio of pods",
        ),
        (
            {"deployment": DeploymentSpec(disruption_budget=DisruptionBudget(min_available="50%"))},
            "deployment.disruption_budget.min_available",
            "min_available: '50%' would block node drains",
        ),
        ({"service": ServiceSpec(headless=True)}, "service.headless", "cannot split traffic"),
        (
            {"service": ServiceSpec(ports=[ServicePort(port=80, target_port=9999)])},
            "service.ports[0].target_port",
            "is not a port the container exposes",
        ),
        (
            {"http_route": HttpRouteSpec(gateway="gw", port=81)},
            "http_route.port",
            "http_route.port: 81 is not a port of the Service (8080)",
        ),
        (
            {"nginx_canary": NginxCanarySpec(port=81)},
            "nginx_canary.port",
            "nginx_canary.port: 81 is not a port of the Service (8080)",
        ),
        (
            {"container": WEB.evolve(secret_env={"TOKEN": "s"}),
             "canary": CanaryTrack(env={"TOKEN": "plain"})},
            "canary.env['TOKEN']",
            "is set in container.secret_env",
        ),
        ({"canary": CanaryTrack(image="shop 2")}, "canary.image", "is not a container image"),
        ({"canary": CanaryTrack(env={"X=1": "a"})}, "canary.env['X=1']", "is not a valid environment"),
        ({"canary": CanaryTrack(version="v 2")}, "canary.version", "is not a valid label value"),
        ({"canary": CanaryTrack(args=("a", 1))}, "canary.args[1]", "1 is not a string"),  # type: ignore[arg-type]
    ],
)  # fmt: skip
def test_bad_settings_are_rejected_naming_the_field_and_value(
    overrides: dict[str, Any], path: str, text: str
) -> None:
    with pytest.raises(SpecError) as error:
        args(**overrides)
    found = problems(error)
    assert path in found, found
    assert text in found[path]


@pytest.mark.parametrize(
    ("route", "path", "text"),
    [
        ({"gateway": "Public GW"}, "http_route.gateway", "is not a valid DNS-1123 subdomain"),
        ({"gateway_namespace": "a.b"}, "http_route.gateway_namespace", "DNS-1123 label"),
        ({"hostnames": ["10.0.0.1"]}, "http_route.hostnames[0]", "not an IP address"),
        ({"hostnames": ["Shop.example.com"]}, "http_route.hostnames[0]", "is not a hostname"),
        ({"hostnames": ["a.example.com"] * 2}, "http_route.hostnames", "is listed more than once"),
        (
            {"hostnames": [f"h{i}.example.com" for i in range(17)]},
            "http_route.hostnames",
            "has 17 items; an HTTPRoute takes at most 16",
        ),
        ({"path": "shop"}, "http_route.path", "http_route.path: 'shop' is not an absolute URL"),
        ({"path": "/a/../b"}, "http_route.path", "is not an absolute URL path"),
        ({"header": "X Canary"}, "http_route.header", "is not an HTTP header name"),
        ({"header_value": " yes"}, "http_route.header_value", "is not an HTTP header value"),
        ({"cookie": "canary;x"}, "http_route.cookie", "is not a cookie name"),
        ({"port": 0}, "http_route.port", "is not a port number"),
    ],
)
def test_bad_http_route_settings_are_rejected(route: dict[str, Any], path: str, text: str) -> None:
    with pytest.raises(SpecError) as error:
        args(http_route=HttpRouteSpec(**{"gateway": "gw", **route}))
    assert text in problems(error)[path]


@pytest.mark.parametrize(
    ("nginx", "path", "text"),
    [
        ({"host": "*"}, "nginx_canary.host", "is not a hostname"),
        ({"path_type": "Regex"}, "nginx_canary.path_type", "is not one of 'Prefix', 'Exact'"),
        ({"ingress_class": "Nginx"}, "nginx_canary.ingress_class", "DNS-1123 subdomain"),
        ({"tls_secret_name": "tls"}, "nginx_canary.tls_secret_name", "needs host"),
        ({"cookie": ""}, "nginx_canary.cookie", "is not a cookie name"),
    ],
)
def test_bad_nginx_settings_are_rejected(nginx: dict[str, Any], path: str, text: str) -> None:
    with pytest.raises(SpecError) as error:
        args(nginx_canary=NginxCanarySpec(**nginx))
    assert text in problems(error)[path]


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(SpecError) as error:
        args(
            canary_weight=150, replicas=0, canary_value="stable", service=ServiceSpec(headless=True)
        )
    assert set(problems(error)) == {"canary_weight", "replicas", "canary_value", "service.headless"}


def test_stack_config_can_give_every_nested_spec_as_a_mapping() -> None:
    from_config: dict[str, Any] = {
        "container": {"image": "shop:1.0", "ports": [8080]},
        "canary": {"image": "shop:2.0", "env": {"MODE": "b"}},
        "replicas": 10,
        "canary_weight": 20,
        "http_route": {"gateway": "gw", "header": "X-Canary"},
        "nginx_canary": {"host": "shop.example.com"},
    }
    config = CanaryServiceArgs(**from_config)
    assert config.canary == CanaryTrack(image="shop:2.0", env={"MODE": "b"})
    assert config.http_route == HttpRouteSpec(gateway="gw", header="X-Canary")
    with pytest.raises(SpecError, match=r"canary.weight: is not a setting of CanaryTrack"):
        CanaryServiceArgs(**{**from_config, "canary": {"image": "shop:2.0", "weight": 20}})


def test_a_logical_name_leaves_room_for_the_track_suffix_and_autonaming() -> None:
    with pytest.raises(SpecError, match=r"name: 'a{48}' .*at most 47 .*random suffix"):
        build_canary("a" * 48, args())
    assert build_canary("a" * 47, args()).stable_service
    with pytest.raises(SpecError, match=r"name: 'b{57}' .*at most 56"):
        build_canary("shop", args(name="b" * 57))


def test_no_service_is_awaited_for_endpoints_because_both_rollouts_are() -> None:
    objects = build()
    for service in (objects.service, objects.stable_service, objects.canary_service):
        assert service["metadata"]["annotations"]["pulumi.com/skipAwait"] == "true"
    for deployment in (objects.stable_deployment, objects.canary_deployment):
        assert "pulumi.com/skipAwait" not in deployment["metadata"].get("annotations", {})


def test_a_load_balancer_main_service_is_awaited_for_its_address_only() -> None:
    objects = build(service=ServiceSpec(type="LoadBalancer"))
    annotations = objects.service["metadata"]["annotations"]
    assert annotations["pulumi.com/waitFor"] == "jsonpath={.status.loadBalancer.ingress[0]}"
    assert "pulumi.com/skipAwait" not in annotations
    # The track Services are ClusterIP: nothing of theirs to wait for.
    assert objects.stable_service["metadata"]["annotations"]["pulumi.com/skipAwait"] == "true"
