"""WebApp as Pulumi sees it: what is registered, under which parent, with which outputs.

Every test runs twice, in preview and in update mode (the ``pulumi_harness`` fixture).
"""

from __future__ import annotations

import pulumi
import pytest

from components import (
    Autoscaling,
    Container,
    ContainerPort,
    DeploymentSpec,
    DisruptionBudget,
    NoServiceError,
    Security,
    ServiceSpec,
    SpecError,
    WebApp,
    WebAppArgs,
)
from components.testing import PulumiHarness

DEPLOYMENT = "kubernetes:apps/v1:Deployment"
SERVICE = "kubernetes:core/v1:Service"
SECRET = "kubernetes:core/v1:Secret"
PDB = "kubernetes:policy/v1:PodDisruptionBudget"
HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"
WEB = Container(image="shop:1.0", ports=[ContainerPort(port=8080, name="http")])


def test_webapp_registers_a_deployment_and_a_service_under_the_component(
    pulumi_harness: PulumiHarness,
) -> None:
    app = pulumi_harness.run(lambda: WebApp("shop", WebAppArgs(container=WEB)))
    registry = pulumi_harness.registry
    component = registry.one("berth:index:WebApp", name="shop")
    deployment = registry.one(DEPLOYMENT, name="shop")
    service = registry.one(SERVICE, name="shop")
    assert deployment.parent == component.urn
    assert service.parent == component.urn
    # The Deployment waits for its ServiceAccount's name, so the order is not fixed.
    assert sorted(r.type for r in registry.children_of(component)) == [
        DEPLOYMENT,
        SERVICE,
        "kubernetes:core/v1:ServiceAccount",
    ]
    assert deployment.inputs["spec"]["selector"]["matchLabels"] == {
        "app.kubernetes.io/name": "shop",
        "app.kubernetes.io/instance": "shop",
    }
    # Finished (register_outputs called), but outputs stay Python attributes, off the state.
    assert registry.has_outputs(component) and registry.outputs_of(component) == {}
    assert (
        pulumi_harness.resolve(app.selector) == deployment.inputs["spec"]["selector"]["matchLabels"]
    )


def test_outputs_give_the_service_named_by_the_app_and_its_cluster_dns_name(
    pulumi_harness: PulumiHarness,
) -> None:
    app = pulumi_harness.run(lambda: WebApp("shop", WebAppArgs(container=WEB, namespace="store")))
    assert pulumi_harness.resolve(app.service_name) == "shop"
    assert pulumi_harness.resolve(app.namespace) == "store"
    assert pulumi_harness.resolve(app.dns_name) == "shop.store.svc.cluster.local"
    deployment = pulumi_harness.resolve(app.deployment_name)
    assert deployment.startswith("shop-") and len(deployment) == len("shop-") + 8


def test_explicit_name_and_cluster_domain_shape_the_dns_name(pulumi_harness: PulumiHarness) -> None:
    app = pulumi_harness.run(
        lambda: WebApp(
            "shop", WebAppArgs(container=WEB, name="shop", cluster_domain="corp.internal")
        )
    )
    assert pulumi_harness.resolve(app.dns_name) == "shop.default.svc.corp.internal"


def test_secret_env_is_stored_in_a_secret_the_deployment_references(
    pulumi_harness: PulumiHarness,
) -> None:
    def program() -> WebApp:
        container = Container(
            image="shop:1.0",
            ports=[ContainerPort(port=8080)],
            secret_env={"DB_PASSWORD": pulumi.Output.secret("hunter2")},
        )
        return WebApp("shop", WebAppArgs(container=container))

    pulumi_harness.run(program)
    registry = pulumi_harness.registry
    secret = registry.one(SECRET, name="shop-env")
    deployment = registry.one(DEPLOYMENT, name="shop")
    assert secret.parent == registry.one("berth:index:WebApp").urn
    env = deployment.inputs["spec"]["template"]["spec"]["containers"][0]["env"]
    secret_name = secret.outputs["metadata"]["name"]
    assert env == [
        {
            "name": "DB_PASSWORD",
            "valueFrom": {"secretKeyRef": {"name": secret_name, "key": "DB_PASSWORD"}},
        }
    ]
    assert "hunter2" not in repr(deployment.inputs)
    assert registry.depends_on(deployment, secret)


def test_high_availability_objects_are_children_too(pulumi_harness: PulumiHarness) -> None:
    pulumi_harness.run(
        lambda: WebApp(
            "shop",
            WebAppArgs(
                container=WEB,
                deployment=DeploymentSpec(
                    autoscaling=Autoscaling(min_replicas=3, max_replicas=6),
                    disruption_budget=DisruptionBudget(),
                ),
            ),
        )
    )
    registry = pulumi_harness.registry
    component = registry.one("berth:index:WebApp")
    hpa = registry.one(HPA)
    assert registry.one(PDB).parent == component.urn
    assert hpa.parent == component.urn
    deployment = registry.one(DEPLOYMENT)
    # Created at the minimum; after that the count is the autoscaler's.
    assert deployment.inputs["spec"]["replicas"] == 3
    assert deployment.options.ignore_changes == ("spec.replicas",)
    assert hpa.inputs["spec"]["scaleTargetRef"]["name"] == deployment.outputs["metadata"]["name"]


def test_a_worker_without_service_has_no_dns_name(pulumi_harness: PulumiHarness) -> None:
    app = pulumi_harness.run(
        lambda: WebApp("worker", WebAppArgs(container=Container(image="w:1"), service=None))
    )
    with pytest.raises(
        NoServiceError,
        match=r"WebApp 'worker' has no Service \(service=None\), so it has no dns_name",
    ):
        app.dns_name  # noqa: B018
    with pytest.raises(AttributeError, match="no service_name"):
        app.service_name  # noqa: B018
    assert not hasattr(app, "dns_name")
    assert pulumi_harness.registry.of_type(SERVICE) == ()


@pytest.mark.parametrize(
    ("image", "warned"),
    [
        ("registry.example.com/shop", "has no tag (it means ':latest')"),
        ("registry.example.com:5000/shop:latest", "is tagged ':latest'"),
        ("registry.example.com/shop:1.4.2", None),
        ("registry.example.com:5000/shop@sha256:" + "a" * 64, None),
    ],
)
@pytest.mark.parametrize("pulumi_harness", ["update"], indirect=True)
def test_an_image_not_pinned_to_a_version_gets_a_warning(
    pulumi_harness: PulumiHarness, image: str, warned: str | None
) -> None:
    pulumi_harness.run(
        lambda: WebApp(
            "shop",
            WebAppArgs(
                container=Container(image=image, security=Security(run_as_user=10001)),
                service=None,
            ),
        )
    )
    warnings = list(pulumi_harness.registry.warnings)
    if warned is None:
        assert warnings == []
    else:
        assert warnings == [
            f"container.image: {image!r} {warned}: it changes without a change to the stack, nodes may run different builds, and the version label is unknown; pin a version tag (and ideally a digest)"
        ]


def test_invalid_input_registers_nothing(pulumi_harness: PulumiHarness) -> None:
    def program() -> None:
        WebApp(
            "shop",
            WebAppArgs(container=WEB, service=ServiceSpec(external_traffic_policy="Local")),
        )

    with pytest.raises(SpecError, match=r"service\.external_traffic_policy"):
        pulumi_harness.run(program)
    assert [r for r in pulumi_harness.registry if r.type != "pulumi:pulumi:Stack"] == []


def test_a_name_too_long_for_autonaming_registers_nothing(pulumi_harness: PulumiHarness) -> None:
    with pytest.raises(SpecError, match="random suffix"):
        pulumi_harness.run(lambda: WebApp("s" * 60, WebAppArgs(container=WEB)))
    assert [r for r in pulumi_harness.registry if r.type != "pulumi:pulumi:Stack"] == []


def test_wrong_args_type_is_a_type_error(pulumi_harness: PulumiHarness) -> None:
    with pytest.raises(TypeError, match="must be a WebAppArgs"):
        pulumi_harness.run(lambda: WebApp("shop", {"container": WEB}))  # type: ignore[arg-type]


def test_component_options_reach_the_component(pulumi_harness: PulumiHarness) -> None:
    def program() -> None:
        first = WebApp("db-proxy", WebAppArgs(container=WEB))
        WebApp("shop", WebAppArgs(container=WEB), opts=pulumi.ResourceOptions(depends_on=[first]))

    pulumi_harness.run(program)
    registry = pulumi_harness.registry
    shop = registry.one("berth:index:WebApp", name="shop")
    proxy = registry.one("berth:index:WebApp", name="db-proxy")
    assert registry.depends_on(shop, proxy)


def test_pulumi_up_gives_up_on_a_rollout_soon_after_kubernetes_does(
    pulumi_harness: PulumiHarness,
) -> None:
    pulumi_harness.run(
        lambda: WebApp(
            "shop",
            WebAppArgs(container=WEB, deployment=DeploymentSpec(progress_deadline_seconds=30)),
        )
    )
    timeouts = pulumi_harness.registry.one(DEPLOYMENT).options.custom_timeouts
    assert timeouts is not None
    assert (timeouts.create, timeouts.update) == ("90s", "90s")


def test_a_fixed_replica_count_stays_pulumis_to_set(pulumi_harness: PulumiHarness) -> None:
    pulumi_harness.run(lambda: WebApp("shop", WebAppArgs(container=WEB)))
    deployment = pulumi_harness.registry.one(DEPLOYMENT)
    assert deployment.inputs["spec"]["replicas"] == 2
    assert deployment.options.ignore_changes == ()


def test_a_non_root_container_without_a_uid_is_warned_about_in_the_pulumi_log(
    pulumi_harness: PulumiHarness,
) -> None:
    pulumi_harness.run(lambda: WebApp("shop", WebAppArgs(container=WEB)))
    (warning,) = pulumi_harness.registry.warnings
    assert warning.startswith("container.security.run_as_user: None with run_as_non_root=True")
    assert "numeric USER" in warning


def test_a_low_port_and_a_uid_reach_the_registered_pod(pulumi_harness: PulumiHarness) -> None:
    container = Container(
        image="nginx-unprivileged:1.27",
        ports=[ContainerPort(port=80, name="http")],
        security=Security(run_as_user=101, fs_group=101),
    )
    pulumi_harness.run(lambda: WebApp("shop", WebAppArgs(container=container)))
    pod = pulumi_harness.registry.one(DEPLOYMENT).inputs["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsUser"] == 101
    assert pod["securityContext"]["fsGroup"] == 101
    assert pod["securityContext"]["sysctls"] == [
        {"name": "net.ipv4.ip_unprivileged_port_start", "value": "80"}
    ]
    assert pulumi_harness.registry.warnings == ()
