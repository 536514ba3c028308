"""Bad input: every rule fails before anything is registered, naming field, value and rule."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytest

from components import (
    Autoscaling,
    Container,
    ContainerPort,
    DeploymentSpec,
    DisruptionBudget,
    Metric,
    MetricObject,
    Probe,
    Resources,
    ScalingBehavior,
    ScalingPolicy,
    ScalingRules,
    Security,
    ServicePort,
    ServiceSpec,
    SpecError,
    WebAppArgs,
)

WEB = Container(image="shop:1", ports=[ContainerPort(port=8080, name="http")])


def problems_of(make: Callable[[], Any]) -> str:
    with pytest.raises(SpecError) as caught:
        make()
    return str(caught.value)


# (what is wrong, how to make it, the line the user must see)
BAD_INPUT: list[tuple[str, Callable[[], Any], str]] = [
    ("empty image", lambda: WebAppArgs(container=Container(image="")), "container.image: ''"),
    (
        "image with a space",
        lambda: WebAppArgs(container=Container(image="shop 1")),
        "container.image: 'shop 1' is not a container image reference",
    ),
    (
        "container name not a DNS label",
        lambda: WebAppArgs(container=Container(image="a", name="App")),
        "container.name: 'App' is not a valid DNS-1123 label",
    ),
    (
        "port out of range",
        lambda: WebAppArgs(container=Container(image="a", ports=[ContainerPort(port=70000)])),
        "container.ports[0].port: 70000 is not a port number (1..65535)",
    ),
    (
        "port name too long",
        lambda: WebAppArgs(
            container=Container(
                image="a", ports=[ContainerPort(port=80, name="a-very-long-port-name")]
            )
        ),
        "container.ports[0].name: 'a-very-long-port-name' is not a valid port name",
    ),
    (
        "port name with double hyphen",
        lambda: WebAppArgs(
            container=Container(image="a", ports=[ContainerPort(port=80, name="we--b")])
        ),
        "container.ports[0].name: 'we--b' is not a valid port name",
    ),
    (
        "port name without letters",
        lambda: WebAppArgs(
            container=Container(image="a", ports=[ContainerPort(port=80, name="8080")])
        ),
        "container.ports[0].name: '8080' is not a valid port name",
    ),
    (
        "duplicate port names",
        lambda: WebAppArgs(
            container=Container(
                image="a",
                ports=[ContainerPort(port=80, name="web"), ContainerPort(port=81, name="web")],
            )
        ),
        "container.ports: 'web' is used as the name of more than one port",
    ),
    (
        "several unnamed ports",
        lambda: WebAppArgs(
            container=Container(image="a", ports=[ContainerPort(port=80), ContainerPort(port=81)])
        ),
        "container.ports[1].name: None must be set when the container has several ports",
    ),
    (
        "bad protocol",
        lambda: WebAppArgs(
            container=Container(
                image="a",
                ports=[ContainerPort(port=80, protocol="HTTP")],  # type: ignore[arg-type]
            )
        ),
        "container.ports[0].protocol: 'HTTP' is not one of 'TCP', 'UDP', 'SCTP'",
    ),
    (
        "env name invalid",
        lambda: WebAppArgs(container=Container(image="a", env={"A=B": "x"})),
        "container.env['A=B']: 'A=B' is not a valid environment variable name "
        "(one or more printable ASCII characters other than '=')",
    ),
    (
        "env value a number",
        lambda: WebAppArgs(container=Container(image="a", env={"PORT": 8080})),  # type: ignore[dict-item]
        "container.env['PORT']: 8080 is not a string, a pulumi.Output, a SecretKeyRef, "
        "a ConfigMapKeyRef, a FieldRef or a ResourceFieldRef",
    ),
    (
        "env set twice",
        lambda: WebAppArgs(container=Container(image="a", env={"PW": "x"}, secret_env={"PW": "y"})),
        "container.secret_env['PW']: [secret] is also set in env",
    ),
    (
        "request above limit",
        lambda: WebAppArgs(
            container=Container(
                image="a", resources=Resources(memory_request="1Gi", memory_limit="512Mi")
            )
        ),
        "container.resources.memory_request: '1Gi' must be less than or equal to memory_limit ('512Mi')",
    ),
    (
        "bad quantity",
        lambda: WebAppArgs(container=Container(image="a", resources=Resources(cpu_request="lots"))),
        "container.resources.cpu_request: 'lots' is not a resource quantity",
    ),
    (
        "probe without a port to default to",
        lambda: WebAppArgs(
            container=Container(image="a", readiness_probe=Probe.http("/")), service=None
        ),
        "container.readiness_probe.port: None must be set: the container exposes no port",
    ),
    (
        "probe names an unknown port",
        lambda: WebAppArgs(
            container=Container(
                image="a", ports=[ContainerPort(port=80)], liveness_probe=Probe.tcp(port="web")
            )
        ),
        "container.liveness_probe.port: 'web' is not the name of a container port",
    ),
    (
        "liveness success threshold",
        lambda: WebAppArgs(
            container=Container(
                image="a",
                ports=[ContainerPort(port=80)],
                liveness_probe=Probe.http(success_threshold=3),
            )
        ),
        "container.liveness_probe.success_threshold: 3 must be 1",
    ),
    (
        "probe period zero",
        lambda: WebAppArgs(
            container=Container(
                image="a",
                ports=[ContainerPort(port=80)],
                readiness_probe=Probe.http(period_seconds=0),
            )
        ),
        "container.readiness_probe.period_seconds: 0 is less than 1",
    ),
    (
        "exec probe without command",
        lambda: WebAppArgs(
            container=Container(image="a", readiness_probe=Probe(kind="exec")), service=None
        ),
        "container.readiness_probe.command: () must name a command for an exec probe",
    ),
    (
        "root under restricted",
        lambda: WebAppArgs(
            container=Container(
                image="a", ports=[ContainerPort(port=80)], security=Security(run_as_user=0)
            )
        ),
        "container.security.run_as_user: 0 is forbidden by Pod Security 'restricted'",
    ),
    (
        "privilege escalation under restricted",
        lambda: WebAppArgs(
            container=Container(
                image="a",
                ports=[ContainerPort(port=80)],
                security=Security(allow_privilege_escalation=True),
            )
        ),
        "container.security.allow_privilege_escalation: True is forbidden by Pod Security 'restricted'",
    ),
    (
        "capability under restricted",
        lambda: WebAppArgs(
            container=Container(
                image="a",
                ports=[ContainerPort(port=80)],
                security=Security(add_capabilities=["SYS_ADMIN"]),
            )
        ),
        "container.security.add_capabilities: ('SYS_ADMIN',) may only add 'NET_BIND_SERVICE'",
    ),
    (
        "capability beyond baseline",
        lambda: WebAppArgs(
            container=Container(
                image="a",
                ports=[ContainerPort(port=80)],
                security=Security(pod_security="baseline", add_capabilities=["SYS_ADMIN"]),
            )
        ),
        "adds ['SYS_ADMIN'], which Pod Security 'baseline' forbids",
    ),
    (
        "negative replicas",
        lambda: WebAppArgs(container=WEB, deployment=DeploymentSpec(replicas=-1)),
        "deployment.replicas: -1 is less than 0",
    ),
    (
        "replicas as text",
        lambda: WebAppArgs(container=WEB, deployment=DeploymentSpec(replicas="3")),  # type: ignore[arg-type]
        "deployment.replicas: '3' is not an integer",
    ),
    (
        "progress deadline not above min ready",
        lambda: WebAppArgs(
            container=WEB,
            deployment=DeploymentSpec(min_ready_seconds=60, progress_deadline_seconds=30),
        ),
        "deployment.progress_deadline_seconds: 30 must be greater than min_ready_seconds (60)",
    ),
    (
        "surge and unavailable both zero",
        lambda: WebAppArgs(
            container=WEB, deployment=DeploymentSpec(max_surge=0, max_unavailable="0%")
        ),
        "deployment.max_unavailable: '0%' cannot be 0 when max_surge is 0 too",
    ),
    (
        "unavailable above 100 percent",
        lambda: WebAppArgs(container=WEB, deployment=DeploymentSpec(max_unavailable="150%")),
        "deployment.max_unavailable: '150%' must not be more than '100%'",
    ),
    (
        "surge not int or percent",
        lambda: WebAppArgs(container=WEB, deployment=DeploymentSpec(max_surge="a lot")),
        "deployment.max_surge: 'a lot' is not a non-negative integer or a percentage",
    ),
    (
        "rolling settings with Recreate",
        lambda: WebAppArgs(
            container=WEB, deployment=DeploymentSpec(strategy="Recreate", max_surge=1)
        ),
        "deployment.max_surge: 1 applies only to strategy 'RollingUpdate'",
    ),
    (
        "negative revision history",
        lambda: WebAppArgs(container=WEB, deployment=DeploymentSpec(revision_history_limit=-2)),
        "deployment.revision_history_limit: -2 is less than 0",
    ),
    (
        "autoscaler max below min",
        lambda: WebAppArgs(
            container=WEB,
            deployment=DeploymentSpec(autoscaling=Autoscaling(min_replicas=5, max_replicas=2)),
        ),
        "deployment.autoscaling.max_replicas: 2 must be greater than or equal to min_replicas (5)",
    ),
    (
        "cpu autoscaling without cpu request",
        lambda: WebAppArgs(
            container=Container(
                image="a", ports=[ContainerPort(port=80)], resources=Resources(cpu_request=None)
            ),
            deployment=DeploymentSpec(autoscaling=Autoscaling()),
        ),
        "container.resources.cpu_request: None must be set when deployment.autoscaling.cpu_utilization is",
    ),
    (
        "budget blocking every eviction",
        lambda: WebAppArgs(
            container=WEB,
            deployment=DeploymentSpec(
                replicas=2, disruption_budget=DisruptionBudget(min_available=2)
            ),
        ),
        "deployment.disruption_budget.min_available: 2 must be less than the replica count (2)",
    ),
    (
        "budget of zero",
        lambda: WebAppArgs(
            container=WEB,
            deployment=DeploymentSpec(disruption_budget=DisruptionBudget(max_unavailable=0)),
        ),
        "deployment.disruption_budget.max_unavailable: 0 would block every voluntary eviction",
    ),
    (
        "budget with both bounds",
        lambda: WebAppArgs(
            container=WEB,
            deployment=DeploymentSpec(
                disruption_budget=DisruptionBudget(max_unavailable=1, min_available=1)
            ),
        ),
        "deployment.disruption_budget.min_available: 1 cannot be set together with max_unavailable",
    ),
    (
        "service type unknown",
        lambda: WebAppArgs(container=WEB, service=ServiceSpec(type="ExternalName")),  # type: ignore[arg-type]
        "service.type: 'ExternalName' is not one of 'ClusterIP', 'NodePort', 'LoadBalancer'",
    ),
    (
        "affinity timeout above a day",
        lambda: WebAppArgs(
            container=WEB,
            service=ServiceSpec(session_affinity="ClientIP", session_affinity_timeout=90000),
        ),
        "service.session_affinity_timeout: 90000 is not within 1..86400",
    ),
    (
        "affinity timeout without ClientIP",
        lambda: WebAppArgs(container=WEB, service=ServiceSpec(session_affinity_timeout=60)),
        "service.session_affinity_timeout: 60 applies only to session_affinity 'ClientIP'",
    ),
    (
        "external traffic policy on ClusterIP",
        lambda: WebAppArgs(container=WEB, service=ServiceSpec(external_traffic_policy="Local")),
        "service.external_traffic_policy: 'Local' applies only to NodePort and LoadBalancer Services",
    ),
    (
        "health check node port without Local",
        lambda: WebAppArgs(
            container=WEB, service=ServiceSpec(type="LoadBalancer", health_check_node_port=31000)
        ),
        "service.health_check_node_port: 31000 applies only to a LoadBalancer with external_traffic_policy 'Local'",
    ),
    (
        "node port on ClusterIP",
        lambda: WebAppArgs(
            container=WEB, service=ServiceSpec(ports=[ServicePort(port=8080, node_port=30080)])
        ),
        "service.ports[0].node_port: 30080 applies only to NodePort and LoadBalancer Services",
    ),
    (
        "node port outside the range",
        lambda: WebAppArgs(
            container=WEB,
            service=ServiceSpec(type="NodePort", ports=[ServicePort(port=8080, node_port=8080)]),
        ),
        "service.ports[0].node_port: 8080 is not within the cluster's node port range 30000..32767",
    ),
    (
        "headless NodePort",
        lambda: WebAppArgs(container=WEB, service=ServiceSpec(type="NodePort", headless=True)),
        "service.headless: True cannot be combined with type 'NodePort'",
    ),
    (
        "source ranges on ClusterIP",
        lambda: WebAppArgs(
            container=WEB, service=ServiceSpec(load_balancer_source_ranges=["10.0.0.0/8"])
        ),
        "service.load_balancer_source_ranges: ('10.0.0.0/8',) applies only to type 'LoadBalancer'",
    ),
    (
        "source range not a CIDR",
        lambda: WebAppArgs(
            container=WEB,
            service=ServiceSpec(type="LoadBalancer", load_balancer_source_ranges=["office"]),
        ),
        "service.load_balancer_source_ranges[0]: 'office' is not a CIDR range such as "
        "'203.0.113.0/24' or '2001:db8::/64' (no leading zeros, no IPv4-mapped IPv6 address)",
    ),
    (
        "unknown traffic distribution",
        lambda: WebAppArgs(container=WEB, service=ServiceSpec(traffic_distribution="Nearest")),  # type: ignore[arg-type]
        "service.traffic_distribution: 'Nearest' is not one of 'PreferClose', 'PreferSameZone', 'PreferSameNode'",
    ),
    (
        "topology hints disagree",
        lambda: WebAppArgs(
            container=WEB,
            service=ServiceSpec(
                topology_mode="Auto",
                annotations={"service.kubernetes.io/topology-aware-hints": "Disabled"},
            ),
        ),
        "service.annotations['service.kubernetes.io/topology-aware-hints']: 'Disabled' disagrees with topology_mode ('Auto')",
    ),
    (
        "publish not ready on a normal Service",
        lambda: WebAppArgs(container=WEB, service=ServiceSpec(publish_not_ready_addresses=True)),
        "service.publish_not_ready_addresses: True is meant for headless Services",
    ),
    (
        "service port the container does not expose",
        lambda: WebAppArgs(container=WEB, service=ServiceSpec(ports=[ServicePort(port=80)])),
        "service.ports[0].target_port: 80 is not a port the container exposes over TCP (container exposes: http/TCP)",
    ),
    (
        "service target port name unknown",
        lambda: WebAppArgs(
            container=WEB, service=ServiceSpec(ports=[ServicePort(port=80, target_port="web")])
        ),
        "service.ports[0].target_port: 'web' is not the name of a container port",
    ),
    (
        "service protocol differs from the container's",
        lambda: WebAppArgs(
            container=WEB,
            service=ServiceSpec(ports=[ServicePort(port=80, target_port="http", protocol="UDP")]),
        ),
        "service.ports[0].protocol: 'UDP' differs from container port 'http' (TCP)",
    ),
    (
        "several service ports unnamed",
        lambda: WebAppArgs(
            container=Container(
                image="a",
                ports=[ContainerPort(port=80, name="a"), ContainerPort(port=81, name="b")],
            ),
            service=ServiceSpec(
                ports=[ServicePort(port=1, target_port="a"), ServicePort(port=2, target_port="b")]
            ),
        ),
        "service.ports[0].name: None must be set when the Service has several ports",
    ),
    (
        "duplicate service ports",
        lambda: WebAppArgs(
            container=WEB,
            service=ServiceSpec(
                ports=[
                    ServicePort(port=80, target_port="http", name="a"),
                    ServicePort(port=80, target_port="http", name="b"),
                ]
            ),
        ),
        "service.ports: (80, 'TCP') is used by more than one port",
    ),
    (
        "service without any port",
        lambda: WebAppArgs(container=Container(image="a")),
        "service.ports: () must not be empty",
    ),
    (
        "explicit name not DNS-1035",
        lambda: WebAppArgs(container=WEB, name="1shop"),
        "name: '1shop' is not a valid DNS-1035 label",
    ),
    (
        "namespace invalid",
        lambda: WebAppArgs(container=WEB, namespace="Shop_NS"),
        "namespace: 'Shop_NS' is not a valid DNS-1123 label",
    ),
    (
        "label value invalid",
        lambda: WebAppArgs(container=WEB, labels={"team": "-x"}),
        "labels['team']: '-x' is not a valid label value",
    ),
    (
        "label key invalid",
        lambda: WebAppArgs(container=WEB, labels={"bad key": "x"}),
        "labels['bad key']: 'bad key' is not a valid label key",
    ),
    (
        "reserved label",
        lambda: WebAppArgs(container=WEB, labels={"app.kubernetes.io/version": "2"}),
        "labels['app.kubernetes.io/version']: '2' is set by Berth",
    ),
    (
        "unknown setting from config",
        lambda: WebAppArgs(container={"image": "a", "replicas": 2}),  # type: ignore[arg-type]
        "container.replicas: is not a setting of Container (known: ",
    ),
    (
        "missing setting from config",
        lambda: WebAppArgs(container={"ports": [80]}),  # type: ignore[arg-type]
        "container.image: (not given) is required",
    ),
]


@pytest.mark.parametrize(
    ("make", "expected"), [(m, e) for _, m, e in BAD_INPUT], ids=[n for n, _, _ in BAD_INPUT]
)
def test_bad_input_is_rejected_with_field_value_and_rule(
    make: Callable[[], Any], expected: str
) -> None:
    assert expected in problems_of(make)


def test_every_problem_is_reported_at_once_one_per_line() -> None:
    message = problems_of(
        lambda: WebAppArgs(
            container=Container(image="", ports=[ContainerPort(port=70000)]),
            deployment=DeploymentSpec(replicas=-1),
            service=ServiceSpec(session_affinity="ClientIP", session_affinity_timeout=0),
        )
    )
    lines = message.splitlines()
    assert lines[0] == "WebAppArgs: 4 invalid settings:"
    assert {line.split(":")[0].strip() for line in lines[1:]} == {
        "container.image",
        "container.ports[0].port",
        "deployment.replicas",
        "service.session_affinity_timeout",
    }


def test_spec_error_is_a_value_error_and_carries_the_problems() -> None:
    with pytest.raises(ValueError, match="replicas") as caught:
        WebAppArgs(container=WEB, deployment=DeploymentSpec(replicas=-1))
    assert isinstance(caught.value, SpecError)
    (problem,) = caught.value.problems
    assert (problem.path, problem.value) == ("deployment.replicas", -1)


def test_baseline_level_allows_what_restricted_forbids() -> None:
    args = WebAppArgs(
        container=Container(
            image="a",
            ports=[ContainerPort(port=80)],
            security=Security(pod_security="baseline", run_as_non_root=False, run_as_user=0),
        )
    )
    assert args.container.security.run_as_user == 0


def test_nested_specs_are_plain_data_until_the_args_check_them() -> None:
    # Components accept only *Args, which check everything they hold at construction.
    service = ServiceSpec(session_affinity_timeout=0)
    # A rule between fields waits until the fields it reads are valid.
    assert [str(p) for p in service.problems()] == [
        "session_affinity_timeout: 0 is not within 1..86400",
    ]


# --- autoscaling behavior and metrics, UIDs, sysctls and low ports -------------------------


def scaled(**settings: Any) -> WebAppArgs:
    return WebAppArgs(container=WEB, deployment=DeploymentSpec(autoscaling=Autoscaling(**settings)))


def scale_up(*policies: ScalingPolicy, **settings: Any) -> WebAppArgs:
    rules = ScalingRules(policies=policies, **settings)
    return scaled(behavior=ScalingBehavior(scale_up=rules))


def secured(ports: Sequence[int] = (8080,), **settings: Any) -> WebAppArgs:
    container = Container(
        image="a:1", ports=[ContainerPort(port=p) for p in ports], security=Security(**settings)
    )
    return WebAppArgs(container=container)


SAFE = (
    "kernel.shm_rmid_forced, net.ipv4.ip_local_port_range, net.ipv4.ip_local_reserved_ports, "
    "net.ipv4.ip_unprivileged_port_start, net.ipv4.ping_group_range, net.ipv4.tcp_fin_timeout, "
    "net.ipv4.tcp_keepalive_intvl, net.ipv4.tcp_keepalive_probes, net.ipv4.tcp_keepalive_time, "
    "net.ipv4.tcp_rmem, net.ipv4.tcp_syncookies, net.ipv4.tcp_wmem"
)
AUTOSCALING = "deployment.autoscaling"
START = "container.security.sysctls['net.ipv4.ip_unprivileged_port_start']"

# (what is wrong, how to make it, the whole line the user must see)
SCALING_AND_SECURITY_INPUT: list[tuple[str, Callable[[], Any], str]] = [
    (
        "nothing to scale on",
        lambda: scaled(cpu_utilization=None),
        f"{AUTOSCALING}.cpu_utilization: None or memory_utilization or metrics must be set "
        "(a target to scale on)",
    ),
    (
        "pods metric with a value",
        lambda: scaled(metrics=[Metric(type="Pods", name="rps", value="10")]),
        f"{AUTOSCALING}.metrics[0].value: '10' does not apply to a Pods metric (averaged over "
        "the pods): use average_value",
    ),
    (
        "pods metric without a target",
        lambda: scaled(metrics=[Metric(type="Pods", name="rps")]),
        f"{AUTOSCALING}.metrics[0].average_value: None must be set for a Pods metric",
    ),
    (
        "external metric with both targets",
        lambda: scaled(metrics=[Metric.external("queue", value="5", average_value="1")]),
        f"{AUTOSCALING}.metrics[0].average_value: '1' cannot be set together with value",
    ),
    (
        "external metric without a target",
        lambda: scaled(metrics=[Metric.external("queue")]),
        f"{AUTOSCALING}.metrics[0].value: None or average_value must be set for an External metric",
    ),
    (
        "object metric without its object",
        lambda: scaled(metrics=[Metric(type="Object", name="rps", value="5")]),
        f"{AUTOSCALING}.metrics[0].described_object: None must be set for an Object metric "
        "(the object measured)",
    ),
    (
        "described object on an external metric",
        lambda: scaled(
            metrics=[
                Metric(
                    type="External",
                    name="q",
                    value="5",
                    described_object=MetricObject(kind="Service", name="q"),
                )
            ]
        ),
        f"{AUTOSCALING}.metrics[0].described_object: MetricObject(kind='Service', name='q', "
        "api_version='v1') applies only to an Object metric",
    ),
    (
        "unknown metric type",
        lambda: scaled(metrics=[Metric(type="Resource", name="cpu", value="1")]),  # type: ignore[arg-type]
        f"{AUTOSCALING}.metrics[0].type: 'Resource' is not one of 'Pods', 'Object', 'External'",
    ),
    (
        "metric name with a slash",
        lambda: scaled(metrics=[Metric.pods("http/requests", "10")]),
        f"{AUTOSCALING}.metrics[0].name: 'http/requests' is not a name usable in a URL path "
        "(non-empty, no '/' or '%', not '.' or '..')",
    ),
    (
        "target not positive",
        lambda: scaled(metrics=[Metric.pods("rps", "0")]),
        f"{AUTOSCALING}.metrics[0].average_value: '0' is not a positive quantity such as '100', "
        "'500m' or '2k'",
    ),
    (
        "target not a quantity",
        lambda: scaled(metrics=[Metric.external("queue", value="lots")]),
        f"{AUTOSCALING}.metrics[0].value: 'lots' is not a positive quantity such as '100', "
        "'500m' or '2k'",
    ),
    (
        "metric selector with a bad label",
        lambda: scaled(metrics=[Metric.external("q", value="1", selector={"queue": "a b"})]),
        f"{AUTOSCALING}.metrics[0].selector['queue']: 'a b' "
        "is not a valid label value (empty, or at most 63 letters, digits, '-', '_' or "
        "'.', starting and ending with a letter or digit)",
    ),
    (
        "described object with a bad API version",
        lambda: scaled(
            metrics=[
                Metric.object(
                    "rps",
                    MetricObject(kind="Ingress", name="main", api_version="a/b/v1"),
                    value="1",
                )
            ]
        ),
        f"{AUTOSCALING}.metrics[0].described_object.api_version: 'a/b/v1' is not an API version "
        "such as 'v1' or 'networking.k8s.io/v1'",
    ),
    (
        "described object name with a slash",
        lambda: scaled(
            metrics=[Metric.object("rps", MetricObject(kind="Ingress", name="a/b"), value="1")]
        ),
        f"{AUTOSCALING}.metrics[0].described_object.name: 'a/b' is not a name usable in a URL "
        "path (non-empty, no '/' or '%', not '.' or '..')",
    ),
    (
        "unknown policy type",
        lambda: scale_up(ScalingPolicy(type="Replicas", value=2)),  # type: ignore[arg-type]
        f"{AUTOSCALING}.behavior.scale_up.policies[0].type: 'Replicas' is not one of 'Pods', "
        "'Percent'",
    ),
    (
        "policy value zero",
        lambda: scale_up(ScalingPolicy(type="Pods", value=0)),
        f"{AUTOSCALING}.behavior.scale_up.policies[0].value: 0 is less than 1",
    ),
    (
        "policy period too long",
        lambda: scale_up(ScalingPolicy(type="Percent", value=50, period_seconds=1801)),
        f"{AUTOSCALING}.behavior.scale_up.policies[0].period_seconds: 1801 is not within 1..1800",
    ),
    (
        "policy period zero",
        lambda: scale_up(ScalingPolicy(type="Percent", value=50, period_seconds=0)),
        f"{AUTOSCALING}.behavior.scale_up.policies[0].period_seconds: 0 is not within 1..1800",
    ),
    (
        "unknown select policy",
        lambda: scale_up(select_policy="Fastest"),
        f"{AUTOSCALING}.behavior.scale_up.select_policy: 'Fastest' is not one of 'Max', 'Min', "
        "'Disabled'",
    ),
    (
        "stabilization window too long",
        lambda: scale_up(stabilization_window_seconds=3601),
        f"{AUTOSCALING}.behavior.scale_up.stabilization_window_seconds: 3601 is not within 0..3600",
    ),
    (
        "negative stabilization window",
        lambda: scaled(
            behavior=ScalingBehavior(scale_down=ScalingRules(stabilization_window_seconds=-1))
        ),
        f"{AUTOSCALING}.behavior.scale_down.stabilization_window_seconds: -1 is not within 0..3600",
    ),
    (
        "behavior setting misspelt in config",
        lambda: WebAppArgs(
            container=WEB,
            deployment={"autoscaling": {"behavior": {"scale_up": {"policy": []}}}},  # type: ignore[arg-type]
        ),
        "deployment.autoscaling.behavior.scale_up.policy: is not a setting of ScalingRules "
        "(known: policies, select_policy, stabilization_window_seconds)",
    ),
    (
        "uid beyond int32",
        lambda: secured(run_as_user=2**31),
        "container.security.run_as_user: 2147483648 is more than 2147483647, the largest user or group ID",
    ),
    (
        "negative fs group",
        lambda: secured(fs_group=-1),
        "container.security.fs_group: -1 is less than 0",
    ),
    (
        "unsafe sysctl under restricted",
        lambda: secured(sysctls={"kernel.msgmax": "65536"}),
        f"container.security.sysctls['kernel.msgmax']: '65536' is not one of the sysctls Pod "
        f"Security 'restricted' allows ({SAFE}); others need pod_security 'privileged' and the "
        "kubelet's --allowed-unsafe-sysctls",
    ),
    (
        "unsafe sysctl under baseline",
        lambda: secured(pod_security="baseline", sysctls={"net.core.somaxconn": "1024"}),
        f"container.security.sysctls['net.core.somaxconn']: '1024' is not one of the sysctls "
        f"Pod Security 'baseline' allows ({SAFE}); others need pod_security 'privileged' and "
        "the kubelet's --allowed-unsafe-sysctls",
    ),
    (
        "sysctl name with capitals",
        lambda: secured(sysctls={"Net.IPv4.tcp_syncookies": "1"}),
        "container.security.sysctls['Net.IPv4.tcp_syncookies']: "
        "'Net.IPv4.tcp_syncookies' is not a sysctl name (at most 253 characters: segments "
        "of lowercase letters, digits, '-' or '_', separated by '.' or '/')",
    ),
    (
        "sysctl without a value",
        lambda: secured(sysctls={"net.ipv4.tcp_syncookies": ""}),
        "container.security.sysctls['net.ipv4.tcp_syncookies']: '' "
        "is not a sysctl value (a non-empty string or an integer)",
    ),
    (
        "unprivileged port start not a port",
        lambda: secured(sysctls={"net.ipv4.ip_unprivileged_port_start": "low"}),
        f"{START}: 'low' is not a port number (0..65535)",
    ),
    (
        "unprivileged port start above the low port",
        lambda: secured(ports=[80], sysctls={"net.ipv4.ip_unprivileged_port_start": 1024}),
        f"{START}: 1024 is above container port 80, which the non-root process could then not "
        "bind; use at most 80",
    ),
    (
        "bind_low_ports not a boolean",
        lambda: secured(bind_low_ports="yes"),
        "container.security.bind_low_ports: 'yes' is not a boolean",
    ),
]


@pytest.mark.parametrize(
    ("make", "expected"),
    [(m, e) for _, m, e in SCALING_AND_SECURITY_INPUT],
    ids=[n for n, _, _ in SCALING_AND_SECURITY_INPUT],
)
def test_scaling_and_security_input_is_rejected_with_the_whole_message(
    make: Callable[[], Any], expected: str
) -> None:
    lines = [line.strip() for line in problems_of(make).splitlines()[1:]]
    assert expected in lines, "\n".join(lines)


def test_custom_metrics_alone_are_a_target_and_need_no_cpu_request() -> None:
    args = WebAppArgs(
        container=Container(
            image="a:1", ports=[ContainerPort(port=80)], resources=Resources(cpu_request=None)
        ),
        deployment=DeploymentSpec(
            autoscaling=Autoscaling(cpu_utilization=None, metrics=[Metric.pods("rps", "10")])
        ),
    )
    assert args.deployment.autoscaling is not None


def test_privileged_pods_may_set_any_valid_sysctl() -> None:
    args = secured(pod_security="privileged", sysctls={"kernel.msgmax": 65536})
    assert dict(args.container.security.sysctls) == {"kernel.msgmax": 65536}


def test_scaling_behavior_and_metrics_come_from_stack_config() -> None:
    args = WebAppArgs(
        container=WEB,
        deployment={  # type: ignore[arg-type]
            "autoscaling": {
                "cpu_utilization": None,
                "metrics": [
                    {"type": "External", "name": "queue", "average_value": "30"},
                    {
                        "type": "Object",
                        "name": "rps",
                        "value": "1k",
                        "described_object": {"kind": "Service", "name": "web"},
                    },
                ],
                "behavior": {"scale_down": {"policies": [{"type": "Pods", "value": 1}]}},
            }
        },
    )
    scaling = args.deployment.autoscaling
    assert scaling is not None and scaling.behavior is not None
    assert scaling.metrics == (
        Metric.external("queue", average_value="30"),
        Metric.object("rps", MetricObject(kind="Service", name="web"), value="1k"),
    )
    assert scaling.behavior.scale_down == ScalingRules(
        policies=[ScalingPolicy(type="Pods", value=1, period_seconds=15)]
    )
