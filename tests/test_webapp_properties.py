"""Property: any input either builds schema-valid objects or raises SpecError naming a field."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings, strategies as st

from components import (
    Autoscaling,
    Container,
    ContainerPort,
    DeploymentSpec,
    DisruptionBudget,
    IngressSpec,
    Metric,
    MetricObject,
    Probe,
    Resources,
    RouteSpec,
    RouteTimeouts,
    ScalingBehavior,
    ScalingPolicy,
    ScalingRules,
    Security,
    ServicePort,
    ServiceSpec,
    SpecError,
    Spread,
    WebAppArgs,
)
from components.manifests.webapp import build_webapp
from components.testing.schema import validate_manifest


def edge(valid: list[Any], invalid: list[Any], wild: bool) -> st.SearchStrategy[Any]:
    """Valid values only, or valid and invalid ones near the edges of each rule."""
    return st.sampled_from(valid + invalid if wild else valid)


def webapp_inputs(wild: bool) -> st.SearchStrategy[dict[str, Any]]:
    def e(valid: list[Any], invalid: list[Any]) -> st.SearchStrategy[Any]:
        return edge(valid, invalid, wild)

    port_numbers = e([1, 80, 8080, 65535], [0, 65536, -1])
    port_names = e(["http", "metrics", "grpc", None], ["a" * 16, "we--b", "8080", "-x"])
    int_or_pct = e([None, 1, 3, "25%", "100%"], [0, "0%", "150%", "x", -1])
    small = e([0, 1, 2, 5, 30, 600], [-1, 86400, 90000])
    positive = e([1, 2, 5, 30, 600], [0, -1, 90000])
    container_ports = st.builds(
        ContainerPort, port=port_numbers, name=port_names, protocol=e(["TCP", "UDP"], ["HTTP"])
    )
    probes = st.builds(
        Probe,
        kind=e(["http", "tcp", "exec", "grpc"], ["ping"]),
        path=e(["/", "/healthz"], ["healthz"]),
        port=e([None, 8080, "http"], ["nope", 0]),
        command=e([("true",)], [()]),
        period_seconds=positive,
        success_threshold=e([1], [0, 2]),
    )
    containers = st.builds(
        Container,
        image=e(["shop:1.0", "registry.example.com/a/b@sha256:" + "a" * 64], ["", "a b"]),
        name=e(["app", "web-1"], ["App"]),
        ports=st.lists(
            container_ports,
            max_size=3,
            # In range, ports are distinct; the wild run also sends clashing ones.
            unique_by=None if wild else (lambda p: p.port, lambda p: p.name),
        ),
        env=st.dictionaries(e(["A", "LOG_LEVEL"], ["X=1"]), st.sampled_from(["x", ""]), max_size=2),
        secret_env=st.dictionaries(e(["PW", "TOKEN"], ["A"]), st.just("s"), max_size=1),
        resources=st.builds(
            Resources,
            cpu_request=e([None, "100m", "250m"], ["lots", "2"]),
            cpu_limit=e([None, "1", "2"], ["-1", "10m"]),
            memory_request=e([None, "64Mi", "128Mi"], ["1Gi"]),
            memory_limit=e([None, "256Mi", "1Gi"], ["lots", "1Mi"]),
        ),
        readiness_probe=st.none() | probes,
        liveness_probe=st.none() | probes,
        security=st.builds(
            Security,
            pod_security=st.sampled_from(["restricted", "baseline", "privileged"]),
            run_as_non_root=e([True], [False]),
            run_as_user=e([None, 1000, 0], [-1]),
            add_capabilities=e([(), ("NET_BIND_SERVICE",), ("SYS_ADMIN",)], [("",)]),
            writable_paths=e([(), ("/tmp",)], [("tmp",)]),
            sysctls=e(
                [{}, {"net.ipv4.tcp_keepalive_time": "600"}],
                [{"kernel.msgmax": "1"}, {"net.ipv4.ip_unprivileged_port_start": "99999"}],
            ),
            bind_low_ports=e([None, True, False], ["yes"]),
        ),
    )
    metrics = st.builds(
        Metric,
        type=e(["Pods", "Object", "External"], ["Resource"]),
        name=e(["rps", "queue_depth"], ["a/b", ""]),
        value=e([None, "10", "500m"], ["0", "lots"]),
        average_value=e([None, "2k"], ["-1"]),
        selector=e([{}, {"queue": "orders"}], [{"q": "a b"}]),
        described_object=st.none()
        | st.builds(
            MetricObject,
            kind=e(["Ingress", "Service"], ["a/b"]),
            name=e(["main"], ["."]),
            api_version=e(["v1", "networking.k8s.io/v1"], ["a/b/c"]),
        ),
    )
    rules = st.builds(
        ScalingRules,
        policies=st.lists(
            st.builds(
                ScalingPolicy,
                type=e(["Pods", "Percent"], ["Replicas"]),
                value=positive,
                period_seconds=e([1, 15, 1800], [0, 1801]),
            ),
            max_size=2,
        ),
        select_policy=e([None, "Max", "Min", "Disabled"], ["max"]),
        stabilization_window_seconds=e([None, 0, 300, 3600], [-1, 3601]),
    )
    behaviors = st.builds(ScalingBehavior, scale_up=st.none() | rules, scale_down=st.none() | rules)
    service_ports = st.builds(
        ServicePort,
        port=port_numbers,
        target_port=e([None, 8080, "http", "metrics"], ["bad name", 0]),
        name=port_names,
        protocol=st.sampled_from(["TCP", "UDP"]),
        node_port=e([None, 30080, 32767], [8080]),
    )
    one_service = st.builds(
        ServiceSpec,
        type=e(["ClusterIP", "NodePort", "LoadBalancer"], ["ExternalName"]),
        headless=st.booleans(),
        ports=st.lists(service_ports, max_size=2),
        session_affinity=st.sampled_from(["None", "ClientIP"]),
        session_affinity_timeout=e([None, 60, 86400], [0, 90000]),
        external_traffic_policy=st.sampled_from([None, "Cluster", "Local"]),
        health_check_node_port=e([None], [31000]),
        internal_traffic_policy=st.sampled_from([None, "Cluster", "Local"]),
        traffic_distribution=e([None, "PreferClose", "PreferSameZone"], ["Nearest"]),
        topology_mode=st.sampled_from([None, "Auto"]),
        publish_not_ready_addresses=st.booleans(),
        load_balancer_source_ranges=e([()], [("10.0.0.0/8",), ("office",)]),
        ip_family_policy=e([None, "SingleStack", "PreferDualStack", "RequireDualStack"], ["Dual"]),
        ip_families=e([(), ("IPv4",), ("IPv6", "IPv4")], [("IPv4", "IPv4"), ("IPv5",)]),
        allocate_load_balancer_node_ports=st.sampled_from([None, False, True]),
    )
    services = st.none() | one_service
    routes = st.none() | st.builds(
        RouteSpec,
        gateway=e(["gw"], ["Gw"]),
        hostnames=e([(), ("shop.example.com",)], [("10.0.0.1",)]),
        paths=e([("/",), ("/", "/api")], [(), ("api",)]),
        port=e([None, 8080], [9999]),
        service=e([None, "public"], ["nope"]),
        timeouts=st.none()
        | st.builds(
            RouteTimeouts, request=e([None, "10s"], ["10"]), backend_request=e([None, "5s"], ["1m"])
        ),
    )
    ingresses = st.none() | st.builds(
        IngressSpec,
        ingress_class=st.sampled_from([None, "nginx"]),
        hosts=e([(), ("shop.example.com",)], [("*",)]),
        tls_secret_name=e([None], ["tls"]),
        port=e([None, 8080], [9999]),
        service=e([None, "public"], ["nope"]),
    )
    deployments = st.builds(
        DeploymentSpec,
        replicas=small,
        strategy=e(["RollingUpdate"], ["Recreate"]),
        max_surge=int_or_pct,
        max_unavailable=int_or_pct,
        min_ready_seconds=e([0, 5, 30], [-1, 600]),
        progress_deadline_seconds=e([60, 600], [0, 5]),
        autoscaling=st.none()
        | st.builds(
            Autoscaling,
            min_replicas=positive,
            max_replicas=positive,
            cpu_utilization=e([80, None], [0]),
            metrics=st.lists(metrics, max_size=2),
            behavior=st.none() | behaviors,
        ),
        disruption_budget=st.none()
        | st.builds(
            DisruptionBudget, max_unavailable=int_or_pct, min_available=e([None], [1, "50%"])
        ),
        spread=st.none() | st.builds(Spread, max_skew=positive),
    )
    return st.fixed_dictionaries(
        {
            "container": containers,
            "deployment": deployments,
            "service": services,
            "services": st.dictionaries(
                e(["public", "admin"], ["Public"]), one_service, max_size=2
            ),
            "http_route": routes,
            "ingress": ingresses,
            "name": e([None, "shop"], ["Shop"]),
            "labels": st.dictionaries(
                e(["team"], ["bad key", "app.kubernetes.io/name"]), st.just("x"), max_size=1
            ),
        }
    )


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inputs=webapp_inputs(wild=False))
def test_any_input_in_range_builds_schema_valid_objects_or_names_a_rule(
    inputs: dict[str, Any],
) -> None:
    # Values are each in range; combinations may still break a rule between fields.
    builds_valid_objects_or_names_fields(inputs)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inputs=webapp_inputs(wild=True))
def test_any_input_at_all_fails_only_with_a_spec_error_naming_fields(
    inputs: dict[str, Any],
) -> None:
    builds_valid_objects_or_names_fields(inputs)


def builds_valid_objects_or_names_fields(inputs: dict[str, Any]) -> None:
    try:
        args = WebAppArgs(**inputs)
    except SpecError as error:
        assert error.problems, "a SpecError must name at least one problem"
        for problem in error.problems:
            assert problem.path and problem.allowed, problem
        return
    for manifest in build_webapp("shop", args).all():
        validate_manifest(_with_name(manifest))


def _with_name(manifest: dict[str, Any]) -> dict[str, Any]:
    # Autonamed objects get their name from Pulumi; give the schema one to check.
    meta = {"name": "shop-1234567", **manifest["metadata"]}
    return {**manifest, "metadata": meta}
