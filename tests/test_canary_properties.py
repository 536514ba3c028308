"""Properties of CanaryService: any input builds valid objects or names its bad field,
and no input can move a selector."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, event, given, settings, strategies as st

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
    ServicePort,
    ServiceSpec,
    SpecError,
)
from components.manifests.canary import build_canary, split_replicas
from components.testing.schema import validate_manifest

FAST = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def mostly(valid: list[Any], invalid: list[Any]) -> st.SearchStrategy[Any]:
    """Valid values far likelier than invalid ones: with a dozen fields, an example
    is then valid often enough to exercise the build, and invalid often enough too."""
    return st.sampled_from(valid * 10 + invalid)


# Values on both sides of each rule, so both outcomes are explored.
weights = mostly([0, 1, 10, 33, 50, 99, 100], [-1, 101, True])
totals = mostly([2, 3, 4, 7, 10, 100], [0, 1])
hosts = mostly(["shop.example.com", "*.example.com"], ["10.0.0.1", "Shop", "*"])
paths = mostly(["/", "/shop"], ["shop", "/a//b", "/a/../b"])
headers = mostly([None, "X-Canary"], ["X Canary", ""])
cookies = mostly([None, "canary"], ["canary;x", ""])
ports = mostly([None, 8080], [80, 0])
http = ContainerPort(port=8080, name="http")

containers = st.builds(
    Container,
    image=mostly(["shop:1.0", "shop@sha256:" + "a" * 64], ["a b"]),
    ports=mostly([(http,), (ContainerPort(port=8080),)], [()]),
    env=st.dictionaries(mostly(["MODE"], ["X=1"]), st.just("a"), max_size=1),
    secret_env=st.dictionaries(st.sampled_from(["TOKEN"]), st.just("s"), max_size=1),
)
tracks = mostly([None], []) | st.builds(
    CanaryTrack,
    image=mostly([None, "shop:2.0"], ["shop 2"]),
    env=st.dictionaries(mostly(["MODE", "NEW"], ["TOKEN", "X=1"]), st.just("b"), max_size=2),
    version=mostly([None, "2.0"], ["not valid"]),
)
services = st.builds(
    ServiceSpec,
    type=st.sampled_from(["ClusterIP", "NodePort", "LoadBalancer"]),
    headless=mostly([False], [True]),
    ports=mostly([()], [(ServicePort(port=80, target_port="http"),)]),
    session_affinity=st.sampled_from(["None", "ClientIP"]),
    internal_traffic_policy=st.sampled_from([None, "Local"]),
)
deployments = st.builds(
    DeploymentSpec,
    replicas=mostly([2], [5]),
    autoscaling=mostly([None], [Autoscaling()]),
    disruption_budget=st.none()
    | st.builds(DisruptionBudget, max_unavailable=st.sampled_from([None, 1, "50%"]),
                min_available=mostly([None], [1])),
)  # fmt: skip
routes = st.none() | st.builds(
    HttpRouteSpec,
    gateway=mostly(["gw"], ["Bad GW"]),
    gateway_namespace=mostly([None, "infra"], ["a.b"]),
    hostnames=st.lists(hosts, max_size=2, unique=True),
    path=paths,
    port=ports,
    header=headers,
    cookie=cookies,
)
nginx = st.none() | st.builds(
    NginxCanarySpec,
    host=hosts,
    path=paths,
    path_type=mostly(["Prefix", "Exact"], ["Regex"]),
    port=ports,
    header=headers,
    cookie=cookies,
    tls_secret_name=st.sampled_from([None, "tls"]),
)


@FAST
@given(
    config=st.fixed_dictionaries(
        {
            "container": containers,
            "canary": tracks,
            "replicas": totals,
            "canary_weight": weights,
            "promote": mostly([False], [True]),
            "deployment": deployments,
            "service": services,
            "http_route": routes,
            "nginx_canary": nginx,
        }
    ),
    track=mostly(
        [("track", "stable", "canary"), ("example.com/lane", "blue", "green")],
        [("lane", "a", "a"), ("x y", "s", "c")],
    ),
)
def test_any_input_builds_schema_valid_objects_or_names_the_bad_field(
    config: dict[str, Any], track: tuple[str, str, str]
) -> None:
    label, stable_value, canary_value = track
    try:
        args = CanaryServiceArgs(
            track_label=label, stable_value=stable_value, canary_value=canary_value, **config
        )
    except SpecError as error:
        assert error.problems
        for problem in error.problems:
            assert problem.path and problem.allowed
        event("rejected")
        return
    event("built")
    objects = build_canary("shop", args)
    for manifest in objects.all():
        validate_manifest({**manifest, "metadata": {"name": "shop-1", **manifest["metadata"]}})
    # Whatever was asked for, selectors are the identity labels plus the track label.
    identity = {"app.kubernetes.io/name": "shop", "app.kubernetes.io/instance": "shop"}
    assert objects.service["spec"]["selector"] == identity
    assert objects.stable_deployment["spec"]["selector"]["matchLabels"] == {
        **identity,
        label: stable_value,
    }
    assert objects.canary_deployment["spec"]["selector"]["matchLabels"] == {
        **identity,
        label: canary_value,
    }
    total = (
        objects.stable_deployment["spec"]["replicas"]
        + objects.canary_deployment["spec"]["replicas"]
    )
    assert total == config["replicas"]


@FAST
@given(total=st.integers(1, 500), weight=st.integers(0, 100), promote=st.booleans())
def test_the_split_always_adds_up_and_honours_zero_and_full_weights(
    total: int, weight: int, promote: bool
) -> None:
    split = split_replicas(total, weight, promote=promote)
    assert split.stable + split.canary == total
    assert 0 <= split.effective <= 100
    if promote or weight == 0:
        assert split.canary == 0
    elif weight == 100:
        assert split.stable == 0
    elif total >= 2:
        assert split.canary >= 1 and split.stable >= 1
    assert split.exact == (split.canary * 100 == split.requested * total)


@FAST
@given(
    configs=st.lists(
        st.fixed_dictionaries(
            {
                "canary_weight": st.integers(0, 100),
                "promote": st.booleans(),
                "replicas": st.integers(2, 30),
                "canary": st.sampled_from(
                    [CanaryTrack(image="shop:2.0"), CanaryTrack(image="shop:3.0", version="3")]
                ),
            }
        ),
        min_size=2,
        max_size=4,
    )
)
def test_no_sequence_of_weights_promotions_and_rollbacks_moves_a_selector(
    configs: list[dict[str, Any]],
) -> None:
    container = Container(image="shop:1.0", ports=[ContainerPort(port=8080)])

    def selectors(config: dict[str, Any]) -> list[Any]:
        objects = build_canary("shop", CanaryServiceArgs(container=container, **config))
        return [
            objects.stable_deployment["spec"]["selector"],
            objects.canary_deployment["spec"]["selector"],
            objects.service["spec"]["selector"],
            objects.stable_service["spec"]["selector"],
            objects.canary_service["spec"]["selector"],
        ]

    first = selectors(configs[0])
    assert all(selectors(config) == first for config in configs[1:])
