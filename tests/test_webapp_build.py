"""What a WebApp builds: the Kubernetes objects a user would inspect with kubectl."""

from __future__ import annotations

from typing import Any

import pytest

from components import (
    Autoscaling,
    Container,
    ContainerPort,
    DeploymentSpec,
    Probe,
    ScalingBehavior,
    ScalingRules,
    SecretKeyRef,
    Security,
    ServicePort,
    ServiceSpec,
    SpecError,
    WebAppArgs,
)
from components.manifests.pod import security_warnings
from components.manifests.webapp import WebAppObjects, build_webapp
from components.manifests.workload import autoscaler_owned_fields
from tests.catalogue import CATALOGUE, TWO_PORTS, WEB

IDENTITY = {"app.kubernetes.io/name": "shop", "app.kubernetes.io/instance": "shop"}
# Every object lets `pulumi up` take back fields changed by hand.
FORCE = {"pulumi.com/patchForce": "true"}
# A WebApp's Service is not awaited for endpoints: the Deployment's rollout is (docs/performance.md).
SERVICE_AWAIT = {"pulumi.com/skipAwait": "true"}


def build(args: WebAppArgs, name: str = "shop") -> WebAppObjects:
    return build_webapp(name, args)


def pod_spec(objects: WebAppObjects) -> dict[str, Any]:
    spec: dict[str, Any] = objects.deployment["spec"]["template"]["spec"]
    return spec


def container_of(objects: WebAppObjects) -> dict[str, Any]:
    container: dict[str, Any] = pod_spec(objects)["containers"][0]
    return container


def service_spec(objects: WebAppObjects) -> dict[str, Any]:
    assert objects.service is not None
    spec: dict[str, Any] = objects.service["spec"]
    return spec


# --- selectors -------------------------------------------------------------------------


def test_selector_uses_only_the_identity_labels() -> None:
    objects = build(CATALOGUE["everything-in-the-pod"])
    assert objects.deployment["spec"]["selector"] == {"matchLabels": IDENTITY}
    assert service_spec(objects)["selector"] == IDENTITY


@pytest.mark.parametrize(
    "change",
    [
        {"container": WEB.evolve(image="registry.example.com/shop:9.9.9")},
        {"version": "2.0.0"},
        {"deployment": DeploymentSpec(replicas=7)},
        {"labels": {"team": "payments", "cost-center": "42"}},
        {"annotations": {"example.com/note": "changed"}},
        {"component": "backend", "part_of": "another"},
        {"name": "fixed-name", "namespace": "elsewhere"},
    ],
    ids=["image", "version", "replicas", "user-labels", "annotations", "component", "names"],
)
def test_selectors_never_change_when_anything_but_identity_changes(change: dict[str, Any]) -> None:
    before = build(WebAppArgs(container=WEB))
    after = build(WebAppArgs(container=WEB).evolve(**change))
    assert after.deployment["spec"]["selector"] == before.deployment["spec"]["selector"]
    assert service_spec(after)["selector"] == service_spec(before)["selector"]


def test_pod_template_carries_recommended_and_user_labels() -> None:
    labels = build(CATALOGUE["everything-in-the-pod"]).deployment["spec"]["template"]["metadata"][
        "labels"
    ]
    assert labels == {
        **IDENTITY,
        "app.kubernetes.io/version": "1.4.2",
        "app.kubernetes.io/component": "frontend",
        "app.kubernetes.io/part-of": "shop",
        "app.kubernetes.io/managed-by": "berth",
        "team": "checkout",
    }


def test_version_label_is_the_image_tag_even_beside_a_digest() -> None:
    tagged = build(WebAppArgs(container=WEB)).deployment["metadata"]["labels"]
    assert tagged["app.kubernetes.io/version"] == "1.4.2"
    pinned = build(
        WebAppArgs(
            container=Container(image="shop@sha256:" + "a" * 64, ports=[ContainerPort(port=8080)])
        )
    ).deployment["metadata"]["labels"]
    assert "app.kubernetes.io/version" not in pinned
    both = build(
        WebAppArgs(
            container=Container(
                image="registry.example.com:5000/shop:1.4.2@sha256:" + "a" * 64,
                ports=[ContainerPort(port=8080)],
            )
        )
    ).deployment["metadata"]["labels"]
    assert both["app.kubernetes.io/version"] == "1.4.2"


def test_app_and_instance_override_the_identity() -> None:
    objects = build(WebAppArgs(container=WEB, app="storefront", instance="storefront-eu"))
    assert objects.deployment["spec"]["selector"]["matchLabels"] == {
        "app.kubernetes.io/name": "storefront",
        "app.kubernetes.io/instance": "storefront-eu",
    }


# --- naming -------------------------------------------------------------------------------


def test_services_are_named_by_the_component_and_the_rest_autonamed_by_default() -> None:
    objects = build(WebAppArgs(container=WEB))
    assert "name" not in objects.deployment["metadata"]
    assert objects.service is not None and objects.service["metadata"]["name"] == "shop"


def test_an_explicit_name_fixes_every_object_name() -> None:
    objects = build(CATALOGUE["explicit-name"])
    assert objects.deployment["metadata"]["name"] == "shop"
    assert objects.service is not None
    assert objects.service["metadata"] == {
        **objects.service["metadata"],
        "name": "shop",
        "namespace": "shop",
    }


def test_a_logical_name_too_long_for_autonaming_is_rejected() -> None:
    with pytest.raises(SpecError, match=r"name: 'a{55}' .*at most 54 .*random suffix"):
        build(WebAppArgs(container=WEB), name="a" * 55)
    assert build(WebAppArgs(container=WEB), name="a" * 54).deployment


def test_a_secret_leaves_room_for_its_suffix_in_the_name() -> None:
    secret = WEB.evolve(secret_env={"PW": "x"})
    with pytest.raises(SpecError, match=r"at most 50 "):
        build(WebAppArgs(container=secret), name="a" * 51)
    with pytest.raises(SpecError, match=r"name: 'b{60}' .*at most 59 "):
        build(WebAppArgs(container=secret, name="b" * 60))


def test_a_logical_name_that_is_not_a_dns_label_is_rejected_when_autonamed() -> None:
    with pytest.raises(SpecError, match="name: 'Shop' is not a valid DNS-1035 label"):
        build(WebAppArgs(container=WEB), name="Shop")


def test_any_logical_name_works_with_an_explicit_name() -> None:
    objects = build(WebAppArgs(container=WEB, name="shop"), name="Shop_Frontend")
    assert objects.deployment["metadata"]["name"] == "shop"


# --- the pod ------------------------------------------------------------------------------


def test_secure_defaults_pass_pod_security_restricted() -> None:
    objects = build(WebAppArgs(container=WEB))
    pod = pod_spec(objects)
    container = container_of(objects)
    assert pod["automountServiceAccountToken"] is False
    assert pod["securityContext"] == {
        "runAsNonRoot": True,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    assert container["securityContext"] == {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "runAsNonRoot": True,
        "capabilities": {"drop": ["ALL"]},
    }
    assert container["volumeMounts"] == [{"name": "writable-0", "mountPath": "/tmp"}]
    assert pod["volumes"] == [{"name": "writable-0", "emptyDir": {}}]


def test_every_secure_default_can_be_overridden() -> None:
    security = Security(
        pod_security="privileged",
        run_as_non_root=False,
        read_only_root_filesystem=False,
        allow_privilege_escalation=True,
        drop_capabilities=[],
        add_capabilities=["SYS_ADMIN"],
        seccomp_profile="Unconfined",
        automount_service_account_token=True,
        writable_paths=[],
    )
    objects = build(WebAppArgs(container=WEB.evolve(security=security)))
    pod = pod_spec(objects)
    container = container_of(objects)
    assert pod["automountServiceAccountToken"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "Unconfined"}
    assert container["securityContext"]["allowPrivilegeEscalation"] is True
    assert container["securityContext"]["readOnlyRootFilesystem"] is False
    assert container["securityContext"]["capabilities"] == {"drop": [], "add": ["SYS_ADMIN"]}
    assert "volumes" not in pod and "volumeMounts" not in container


def test_user_group_and_volume_group_are_set_once_for_the_whole_pod() -> None:
    security = Security(run_as_user=10001, run_as_group=10002, fs_group=10003)
    objects = build(WebAppArgs(container=WEB.evolve(security=security)))
    assert pod_spec(objects)["securityContext"] == {
        "runAsNonRoot": True,
        "seccompProfile": {"type": "RuntimeDefault"},
        "runAsUser": 10001,
        "runAsGroup": 10002,
        "fsGroup": 10003,
    }


def low_port_sysctl(container: Container) -> str | None:
    """The pod's net.ipv4.ip_unprivileged_port_start, or None when it sets none."""
    context = pod_spec(build(WebAppArgs(container=container)))["securityContext"]
    found = [s["value"] for s in context.get("sysctls", []) if s["name"] == UNPRIVILEGED]
    return found[0] if found else None


UNPRIVILEGED = "net.ipv4.ip_unprivileged_port_start"


def test_a_non_root_app_on_a_low_port_may_bind_it_and_no_lower_one() -> None:
    web = Container(image="nginx:1", ports=[ContainerPort(port=443, name="https"),
                                            ContainerPort(port=80, name="http")])  # fmt: skip
    assert low_port_sysctl(web) == "80"
    assert low_port_sysctl(web.evolve(security=Security(run_as_user=101))) == "80"


def test_no_sysctl_without_a_low_port_or_for_a_root_process() -> None:
    assert low_port_sysctl(WEB) is None
    maybe_root = Security(pod_security="baseline", run_as_non_root=False)
    assert (
        low_port_sysctl(Container(image="a:1", ports=[ContainerPort(port=80)], security=maybe_root))
        is None
    )


def test_bind_low_ports_turns_the_sysctl_on_or_off_and_an_explicit_sysctl_wins() -> None:
    low = Container(image="a:1", ports=[ContainerPort(port=80)])
    assert low_port_sysctl(low.evolve(security=Security(bind_low_ports=False))) is None
    # An app that binds a low port it does not declare: every port becomes bindable.
    assert low_port_sysctl(WEB.evolve(security=Security(bind_low_ports=True))) == "0"
    explicit = Security(bind_low_ports=True, sysctls={UNPRIVILEGED: 53})
    assert low_port_sysctl(low.evolve(security=explicit)) == "53"


def test_sysctls_are_pod_wide_in_name_order_with_string_values() -> None:
    context = pod_spec(build(CATALOGUE["safe-sysctls"]))["securityContext"]
    assert context["sysctls"] == [
        {"name": "net.ipv4.ip_unprivileged_port_start", "value": "0"},
        {"name": "net.ipv4.tcp_keepalive_time", "value": "600"},
        {"name": "net.ipv4.tcp_syncookies", "value": "1"},
    ]
    assert "sysctls" not in container_of(build(CATALOGUE["safe-sysctls"]))["securityContext"]


def test_a_non_root_container_without_a_uid_gets_advice_about_its_image() -> None:
    (warning,) = security_warnings(WEB)
    assert warning.startswith("container.security.run_as_user: None with run_as_non_root=True")
    assert "numeric USER" in warning and "set run_as_user" in warning
    assert security_warnings(WEB.evolve(security=Security(run_as_user=10001))) == []
    root_ok = Security(pod_security="baseline", run_as_non_root=False)
    assert security_warnings(WEB.evolve(security=root_ok)) == []


def test_command_args_env_and_resources_reach_the_container() -> None:
    container = container_of(build(CATALOGUE["everything-in-the-pod"]))
    assert container["command"] == ["/app/server"]
    assert container["args"] == ["--port", "8080"]
    assert container["workingDir"] == "/app"
    assert container["resources"] == {
        "requests": {"cpu": "250m", "memory": "256Mi"},
        "limits": {"cpu": "1", "memory": "512Mi"},
    }
    env = {e["name"]: e for e in container["env"]}
    assert env["LOG_LEVEL"] == {"name": "LOG_LEVEL", "value": "info"}
    assert env["API_KEY"]["valueFrom"] == {"secretKeyRef": {"name": "vendor", "key": "api-key"}}
    assert env["FEATURES"]["valueFrom"] == {
        "configMapKeyRef": {"name": "flags", "key": "features", "optional": True}
    }


def test_secret_env_goes_into_a_secret_and_is_referenced_never_inlined() -> None:
    objects = build(CATALOGUE["everything-in-the-pod"])
    assert objects.secret is not None
    assert objects.secret["stringData"] == {"SESSION_KEY": "not-really-secret-in-tests"}
    env = {e["name"]: e for e in container_of(objects)["env"]}
    assert env["SESSION_KEY"] == {
        "name": "SESSION_KEY",
        "valueFrom": {"secretKeyRef": {"name": "shop-env", "key": "SESSION_KEY"}},
    }
    assert "not-really-secret-in-tests" not in repr(objects.deployment)


def test_a_secret_is_only_created_when_there_are_secret_values() -> None:
    assert build(WebAppArgs(container=WEB)).secret is None


def test_probes_of_each_kind() -> None:
    container = container_of(build(CATALOGUE["everything-in-the-pod"]))
    timing = {"initialDelaySeconds": 0, "timeoutSeconds": 1, "successThreshold": 1}
    assert container["readinessProbe"] == {
        **timing,
        "periodSeconds": 5,
        "failureThreshold": 3,
        "httpGet": {"path": "/ready", "port": "http", "scheme": "HTTP"},
    }
    # A probe without a port checks the container's first port, by name when it has one.
    assert container["livenessProbe"] == {
        **timing,
        "periodSeconds": 10,
        "failureThreshold": 6,
        "tcpSocket": {"port": "http"},
    }
    assert container["startupProbe"]["exec"] == {"command": ["cat", "/tmp/started"]}
    grpc = container_of(build(CATALOGUE["grpc-probe"]))["readinessProbe"]
    assert grpc["grpc"] == {"port": 9000}


def test_an_unnamed_port_is_probed_by_number() -> None:
    args = WebAppArgs(
        container=Container(
            image="a", ports=[ContainerPort(port=8080)], readiness_probe=Probe.http("/")
        )
    )
    assert container_of(build(args))["readinessProbe"]["httpGet"]["port"] == 8080


# --- the Deployment -------------------------------------------------------------------------


def test_default_rollout_never_drops_below_the_replica_count() -> None:
    spec = build(WebAppArgs(container=WEB)).deployment["spec"]
    assert spec["replicas"] == 2
    assert spec["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0},
    }
    assert spec["progressDeadlineSeconds"] == 600
    assert spec["revisionHistoryLimit"] == 5


def test_rolling_update_settings_and_recreate() -> None:
    rolling = build(
        WebAppArgs(
            container=WEB,
            deployment=DeploymentSpec(
                replicas=3, max_surge=1, max_unavailable="10%", min_ready_seconds=10,
                progress_deadline_seconds=90, revision_history_limit=2,
            ),
        )
    ).deployment["spec"]  # fmt: skip
    assert rolling["replicas"] == 3
    assert rolling["strategy"]["rollingUpdate"] == {"maxSurge": 1, "maxUnavailable": "10%"}
    assert (rolling["minReadySeconds"], rolling["progressDeadlineSeconds"]) == (10, 90)
    assert rolling["revisionHistoryLimit"] == 2
    recreate = build(CATALOGUE["recreate"]).deployment["spec"]
    assert recreate["strategy"] == {"type": "Recreate"}


def test_high_availability_adds_a_budget_and_spreads_pods_over_zones_and_nodes() -> None:
    objects = build(CATALOGUE["high-availability"])
    assert objects.disruption_budget is not None
    assert objects.disruption_budget["spec"] == {
        "selector": {"matchLabels": IDENTITY},
        "maxUnavailable": 1,
        "unhealthyPodEvictionPolicy": "AlwaysAllow",
    }
    spread = pod_spec(objects)["topologySpreadConstraints"]
    assert [c["topologyKey"] for c in spread] == [
        "topology.kubernetes.io/zone",
        "kubernetes.io/hostname",
    ]
    assert all(c["whenUnsatisfiable"] == "DoNotSchedule" for c in spread)
    assert all(c["labelSelector"] == {"matchLabels": IDENTITY} for c in spread)


def test_an_autoscaled_deployment_starts_at_the_autoscalers_minimum() -> None:
    objects = build(CATALOGUE["autoscaled"])
    assert objects.deployment["spec"]["replicas"] == 3
    assert objects.autoscaler is not None
    spec = objects.autoscaler["spec"]
    assert spec["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "shop"}
    assert (spec["minReplicas"], spec["maxReplicas"]) == (3, 12)
    assert [m["resource"]["name"] for m in spec["metrics"]] == ["cpu", "memory"]
    assert objects.disruption_budget is not None
    assert objects.disruption_budget["spec"]["minAvailable"] == "50%"


def test_an_autoscaled_start_ignores_the_fixed_replica_count() -> None:
    deployment = DeploymentSpec(replicas=7, autoscaling=Autoscaling(min_replicas=4))
    objects = build(WebAppArgs(container=WEB, deployment=deployment))
    assert objects.deployment["spec"]["replicas"] == 4


def test_only_an_autoscaled_deployment_hands_its_replica_count_over_after_creation() -> None:
    assert autoscaler_owned_fields(DeploymentSpec(autoscaling=Autoscaling())) == ["spec.replicas"]
    assert autoscaler_owned_fields(DeploymentSpec()) == []


def test_custom_and_external_metrics_and_scaling_behavior_reach_the_autoscaler() -> None:
    objects = build(CATALOGUE["autoscaled-custom-metrics"])
    assert objects.autoscaler is not None
    spec = objects.autoscaler["spec"]
    assert spec["metrics"] == [
        {
            "type": "Pods",
            "pods": {
                "metric": {"name": "http_requests_per_second"},
                "target": {"type": "AverageValue", "averageValue": "100"},
            },
        },
        {
            "type": "Object",
            "object": {
                "metric": {"name": "requests-per-second"},
                "target": {"type": "Value", "value": "2k"},
                "describedObject": {
                    "apiVersion": "networking.k8s.io/v1",
                    "kind": "Ingress",
                    "name": "main",
                },
            },
        },
        {
            "type": "External",
            "external": {
                "metric": {
                    "name": "queue_messages_ready",
                    "selector": {"matchLabels": {"queue": "orders"}},
                },
                "target": {"type": "AverageValue", "averageValue": "30"},
            },
        },
    ]
    assert spec["behavior"] == {
        "scaleUp": {
            "selectPolicy": "Max",
            "policies": [
                {"type": "Percent", "value": 100, "periodSeconds": 60},
                {"type": "Pods", "value": 4, "periodSeconds": 60},
            ],
        },
        "scaleDown": {
            "stabilizationWindowSeconds": 600,
            "selectPolicy": "Min",
            "policies": [{"type": "Pods", "value": 1, "periodSeconds": 120}],
        },
    }


def test_behavior_left_out_keeps_the_kubernetes_defaults() -> None:
    def behavior(scaling: Autoscaling) -> Any:
        autoscaler = build(
            WebAppArgs(container=WEB, deployment=DeploymentSpec(autoscaling=scaling))
        ).autoscaler
        assert autoscaler is not None
        return autoscaler["spec"].get("behavior")

    assert behavior(Autoscaling()) is None
    # Only the window: Kubernetes fills in its default policies for that direction.
    slow_down = ScalingBehavior(scale_down=ScalingRules(stabilization_window_seconds=60))
    assert behavior(Autoscaling(behavior=slow_down)) == {
        "scaleDown": {"stabilizationWindowSeconds": 60}
    }


# --- the Service ----------------------------------------------------------------------------


def test_service_ports_default_to_the_container_ports_by_name() -> None:
    ports = service_spec(build(WebAppArgs(container=TWO_PORTS)))["ports"]
    assert ports == [
        {"port": 8080, "protocol": "TCP", "targetPort": "http", "name": "http"},
        {"port": 9090, "protocol": "TCP", "targetPort": "metrics", "name": "metrics"},
        {"port": 5353, "protocol": "UDP", "targetPort": "dns", "name": "dns"},
    ]


def test_a_single_unnamed_container_port_is_targeted_by_number() -> None:
    ports = service_spec(
        build(WebAppArgs(container=Container(image="a", ports=[ContainerPort(port=8080)])))
    )["ports"]
    assert ports == [{"port": 8080, "protocol": "TCP", "targetPort": 8080}]


def test_explicit_service_ports_map_to_container_ports() -> None:
    ports = service_spec(build(CATALOGUE["explicit-ports"]))["ports"]
    assert ports == [{"port": 80, "protocol": "TCP", "targetPort": "http", "name": "web"}]


def test_cluster_ip_is_the_default_type() -> None:
    spec = service_spec(build(WebAppArgs(container=WEB)))
    assert spec["type"] == "ClusterIP"
    assert spec["sessionAffinity"] == "None"
    assert "clusterIP" not in spec and "externalTrafficPolicy" not in spec


def test_node_port_with_a_fixed_port() -> None:
    spec = service_spec(build(CATALOGUE["node-port"]))
    assert spec["type"] == "NodePort"
    assert spec["ports"] == [{"port": 80, "protocol": "TCP", "targetPort": 8080, "nodePort": 31080}]


def test_load_balancer_keeps_the_client_ip() -> None:
    objects = build(CATALOGUE["load-balancer-local"])
    spec = service_spec(objects)
    assert spec["type"] == "LoadBalancer"
    assert spec["externalTrafficPolicy"] == "Local"
    assert spec["healthCheckNodePort"] == 32000
    assert spec["loadBalancerSourceRanges"] == ["203.0.113.0/24", "2001:db8::/32"]
    assert spec["loadBalancerClass"] == "example.com/lb"
    assert objects.service is not None
    assert objects.service["metadata"]["annotations"] == {
        "service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
        "pulumi.com/waitFor": "jsonpath={.status.loadBalancer.ingress[0]}",
        **FORCE,
    }


def test_headless_service_for_peer_discovery() -> None:
    spec = service_spec(build(CATALOGUE["headless-peers"]))
    assert spec["clusterIP"] == "None"
    assert spec["publishNotReadyAddresses"] is True


def test_headless_service_may_have_no_ports() -> None:
    spec = service_spec(build(CATALOGUE["headless-no-ports"]))
    assert spec["clusterIP"] == "None" and "ports" not in spec


def test_client_ip_session_affinity_with_timeout_and_default() -> None:
    spec = service_spec(build(CATALOGUE["sticky"]))
    assert spec["sessionAffinity"] == "ClientIP"
    assert spec["sessionAffinityConfig"] == {"clientIP": {"timeoutSeconds": 600}}
    default = service_spec(
        build(WebAppArgs(container=WEB, service=ServiceSpec(session_affinity="ClientIP")))
    )
    assert default["sessionAffinityConfig"] == {"clientIP": {"timeoutSeconds": 10800}}


def test_topology_aware_routing_by_traffic_distribution_or_annotation() -> None:
    spec = service_spec(build(CATALOGUE["topology"]))
    assert spec["trafficDistribution"] == "PreferSameZone"
    assert spec["internalTrafficPolicy"] == "Cluster"
    objects = build(CATALOGUE["topology-mode"])
    assert objects.service is not None
    assert objects.service["metadata"]["annotations"] == {
        "service.kubernetes.io/topology-mode": "Auto",
        **SERVICE_AWAIT,
        **FORCE,
    }


def test_internal_traffic_policy_local() -> None:
    spec = service_spec(
        build(WebAppArgs(container=WEB, service=ServiceSpec(internal_traffic_policy="Local")))
    )
    assert spec["internalTrafficPolicy"] == "Local"


def test_service_labels_and_annotations_add_to_the_common_ones() -> None:
    objects = build(
        WebAppArgs(
            container=WEB,
            annotations={"example.com/all": "yes"},
            service=ServiceSpec(labels={"exposed": "true"}, annotations={"example.com/svc": "yes"}),
        )
    )
    assert objects.service is not None
    meta = objects.service["metadata"]
    assert (
        meta["labels"]["exposed"] == "true" and meta["labels"]["app.kubernetes.io/name"] == "shop"
    )
    assert meta["annotations"] == {
        "example.com/all": "yes",
        "example.com/svc": "yes",
        **SERVICE_AWAIT,
        **FORCE,
    }


def test_a_worker_has_no_service() -> None:
    objects = build(CATALOGUE["worker-no-service"])
    assert objects.service is None
    assert [o["kind"] for o in objects.all()] == ["ServiceAccount", "Deployment"]


def test_service_port_may_target_a_port_by_number() -> None:
    args = WebAppArgs(
        container=Container(image="a", ports=[ContainerPort(port=8080, name="http")]),
        service=ServiceSpec(ports=[ServicePort(port=80, target_port=8080)]),
    )
    assert service_spec(build(args))["ports"] == [
        {"port": 80, "protocol": "TCP", "targetPort": 8080}
    ]


def test_secret_key_refs_accept_another_resources_name() -> None:
    ref = SecretKeyRef(secret_name="db-credentials", key="password")
    args = WebAppArgs(container=WEB.evolve(env={"DB_PASSWORD": ref}))
    env = container_of(build(args))["env"]
    assert env == [
        {
            "name": "DB_PASSWORD",
            "valueFrom": {"secretKeyRef": {"name": "db-credentials", "key": "password"}},
        }
    ]


def test_a_new_release_changes_only_the_deployment() -> None:
    # Services, budgets and Secrets do not carry the version, so a release never
    # updates them (and never waits on them).
    args = CATALOGUE["high-availability"]
    before = build(args)
    after = build(args.evolve(container=WEB.evolve(image="registry.example.com/shop:2.0.0")))
    assert after.service == before.service
    assert after.disruption_budget == before.disruption_budget
    assert after.deployment != before.deployment
    assert after.deployment["metadata"]["labels"]["app.kubernetes.io/version"] == "2.0.0"
    template = after.deployment["spec"]["template"]["metadata"]["labels"]
    assert template["app.kubernetes.io/version"] == "2.0.0"


def test_every_object_lets_pulumi_take_back_fields_changed_by_hand() -> None:
    for manifest in build(CATALOGUE["everything-in-the-pod"]).all():
        assert manifest["metadata"]["annotations"]["pulumi.com/patchForce"] == "true"


# --- awaits (docs/performance.md, "Awaits") ------------------------------------------------


def test_the_service_is_not_awaited_for_endpoints_because_the_rollout_is() -> None:
    objects = build(WebAppArgs(container=WEB))
    assert objects.service is not None
    assert objects.service["metadata"]["annotations"]["pulumi.com/skipAwait"] == "true"
    # The rollout await is what `pulumi up` waits for (and fails on past its deadline).
    deployment_annotations = objects.deployment["metadata"].get("annotations", {})
    assert "pulumi.com/skipAwait" not in deployment_annotations
    assert "pulumi.com/waitFor" not in deployment_annotations


def test_a_load_balancer_is_still_awaited_for_its_address() -> None:
    objects = build(WebAppArgs(container=WEB, service=ServiceSpec(type="LoadBalancer")))
    assert objects.service is not None
    annotations = objects.service["metadata"]["annotations"]
    assert annotations["pulumi.com/waitFor"] == "jsonpath={.status.loadBalancer.ingress[0]}"
    assert "pulumi.com/skipAwait" not in annotations


def test_an_await_annotation_of_the_users_own_wins() -> None:
    objects = build(
        WebAppArgs(
            container=WEB,
            service=ServiceSpec(annotations={"pulumi.com/skipAwait": "false"}),
        )
    )
    assert objects.service is not None
    assert objects.service["metadata"]["annotations"]["pulumi.com/skipAwait"] == "false"
