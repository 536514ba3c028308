"""Several containers per pod (sidecars, init containers), env from the pod, probe requests,
lifecycle hooks and the default preStop sleep: what is built, and every bad input."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pulumi
import pytest

from components import (
    Autoscaling,
    CanaryService,
    CanaryServiceArgs,
    Container,
    ContainerPort,
    DeploymentSpec,
    EnvFrom,
    FieldRef,
    Lifecycle,
    LifecycleHandler,
    Probe,
    ResourceFieldRef,
    Resources,
    SecretKeyRef,
    Security,
    ServicePort,
    ServiceSpec,
    SpecError,
    WebApp,
    WebAppArgs,
    defaults,
)
from components.config import args_from_config
from components.manifests.canary import build_canary
from components.manifests.policy_rules import api_server_rules, probes_set
from components.manifests.webapp import build_webapp
from components.testing import PulumiHarness
from components.testing.schema import SUPPORTED_K8S_VERSIONS, validate_manifest

WEB = Container(image="shop:1.0", ports=[ContainerPort(port=8080, name="http")])
PROXY = Container(
    name="proxy",
    image="envoy:1.30",
    ports=[ContainerPort(port=9901, name="admin")],
    readiness_probe=Probe.http("/ready", port="admin"),
)
# Without a probe, so its ports can change freely.
PLAIN_PROXY = PROXY.evolve(readiness_probe=None)
MIGRATE = Container(name="migrate", image="shop-migrate:1.0", command=["/migrate", "up"])


def pod_of(args: WebAppArgs) -> dict[str, Any]:
    spec: dict[str, Any] = build_webapp("shop", args).deployment["spec"]["template"]["spec"]
    return spec


def problems_of(make: Callable[[], Any]) -> str:
    with pytest.raises(SpecError) as caught:
        make()
    return str(caught.value)


# --- what is built ---------------------------------------------------------------------------


def test_sidecars_start_first_as_init_containers_that_keep_running() -> None:
    pod = pod_of(WebAppArgs(container=WEB, sidecars=[PROXY], init_containers=[MIGRATE]))
    assert [c["name"] for c in pod["containers"]] == ["app"]
    proxy, migrate = pod["initContainers"]
    assert (proxy["name"], proxy["restartPolicy"]) == ("proxy", "Always")
    assert proxy["readinessProbe"]["httpGet"]["port"] == "admin"
    assert migrate["name"] == "migrate" and "restartPolicy" not in migrate
    assert migrate["command"] == ["/migrate", "up"]


def test_every_container_gets_the_secure_defaults_and_its_own_writable_tmp() -> None:
    pod = pod_of(WebAppArgs(container=WEB, sidecars=[PROXY], init_containers=[MIGRATE]))
    everyone = [*pod["initContainers"], *pod["containers"]]
    for c in everyone:
        assert c["securityContext"] == {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "runAsNonRoot": True,
            "capabilities": {"drop": ["ALL"]},
        }
        assert c["resources"]["requests"] == {"cpu": "100m", "memory": "128Mi"}
    mounts = [m["name"] for c in everyone for m in c["volumeMounts"]]
    assert mounts == ["writable-s0-0", "writable-i0-0", "writable-0"]
    assert sorted(v["name"] for v in pod["volumes"]) == sorted(mounts)


def test_the_single_container_form_builds_no_init_containers() -> None:
    assert "initContainers" not in pod_of(WebAppArgs(container=WEB))


def test_the_app_container_sleeps_before_sigterm_by_default() -> None:
    (app,) = pod_of(WebAppArgs(container=WEB))["containers"]
    assert app["lifecycle"] == {"preStop": {"sleep": {"seconds": defaults.PRE_STOP_SLEEP_SECONDS}}}


def test_sidecars_and_init_containers_get_no_hook_by_default() -> None:
    pod = pod_of(WebAppArgs(container=WEB, sidecars=[PROXY], init_containers=[MIGRATE]))
    assert all("lifecycle" not in c for c in pod["initContainers"])


def test_the_default_sleep_can_be_removed_changed_or_kept_beside_a_post_start_hook() -> None:
    def hooks(lifecycle: Lifecycle) -> Any:
        (app,) = pod_of(WebAppArgs(container=WEB.evolve(lifecycle=lifecycle)))["containers"]
        return app.get("lifecycle")

    assert hooks(Lifecycle(pre_stop=None)) is None
    assert hooks(Lifecycle(pre_stop=LifecycleHandler.sleep(12))) == {
        "preStop": {"sleep": {"seconds": 12}}
    }
    assert hooks(Lifecycle(post_start=LifecycleHandler.exec("/warm-cache"))) == {
        "postStart": {"exec": {"command": ["/warm-cache"]}},
        "preStop": {"sleep": {"seconds": defaults.PRE_STOP_SLEEP_SECONDS}},
    }
    assert hooks(
        Lifecycle(
            pre_stop=LifecycleHandler.http(
                "/drain", headers={"X-Reason": "shutdown"}, host="127.0.0.1"
            )
        )
    ) == {
        "preStop": {
            "httpGet": {
                "path": "/drain",
                "port": "http",
                "scheme": "HTTP",
                "host": "127.0.0.1",
                "httpHeaders": [{"name": "X-Reason", "value": "shutdown"}],
            }
        }
    }


def test_env_reads_the_pod_its_resources_and_whole_config_maps_and_secrets() -> None:
    container = WEB.evolve(
        env={
            "POD_IP": FieldRef(field_path="status.podIP"),
            "TEAM": FieldRef(field_path="metadata.labels['team']"),
            "MEMORY_MB": ResourceFieldRef(resource="limits.memory", divisor="1Mi"),
            "PROXY_CPU": ResourceFieldRef(resource="requests.cpu", container_name="proxy"),
        },
        env_from=[
            EnvFrom(config_map_name="shop-settings"),
            EnvFrom(secret_name="shop-keys", prefix="KEY_", optional=True),
        ],
    )
    (app,) = pod_of(WebAppArgs(container=container, sidecars=[PROXY]))["containers"]
    assert app["env"] == [
        {"name": "POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}},
        {"name": "TEAM", "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels['team']"}}},
        {
            "name": "MEMORY_MB",
            "valueFrom": {"resourceFieldRef": {"resource": "limits.memory", "divisor": "1Mi"}},
        },
        {
            "name": "PROXY_CPU",
            "valueFrom": {
                "resourceFieldRef": {"resource": "requests.cpu", "containerName": "proxy"}
            },
        },
    ]
    assert app["envFrom"] == [
        {"configMapRef": {"name": "shop-settings"}},
        {"secretRef": {"name": "shop-keys", "optional": True}, "prefix": "KEY_"},
    ]


def test_probes_send_headers_to_a_host_and_name_a_grpc_service() -> None:
    container = Container(
        image="api:2.0",
        ports=[ContainerPort(port=8080, name="http"), ContainerPort(port=9000, name="grpc")],
        readiness_probe=Probe.http(
            "/healthz", headers={"Host": "api.example.com"}, host="10.0.0.7"
        ),
        liveness_probe=Probe.grpc("grpc", service="shop.Health"),
    )
    (app,) = pod_of(WebAppArgs(container=container))["containers"]
    assert app["readinessProbe"]["httpGet"] == {
        "path": "/healthz",
        "port": "http",
        "scheme": "HTTP",
        "host": "10.0.0.7",
        "httpHeaders": [{"name": "Host", "value": "api.example.com"}],
    }
    assert app["livenessProbe"]["grpc"] == {"port": 9000, "service": "shop.Health"}


def test_a_service_can_target_a_sidecars_port() -> None:
    args = WebAppArgs(
        container=WEB,
        sidecars=[PROXY],
        service=ServiceSpec(
            ports=[
                ServicePort(port=80, target_port="http", name="web"),
                ServicePort(port=9901, target_port="admin", name="admin"),
            ]
        ),
    )
    service = build_webapp("shop", args).service
    assert service is not None
    assert [p["targetPort"] for p in service["spec"]["ports"]] == ["http", "admin"]


def test_a_non_root_sidecars_low_port_lowers_the_pods_unprivileged_port_start() -> None:
    sidecar = Container(name="edge", image="edge:1", ports=[ContainerPort(port=443, name="https")])
    pod = pod_of(WebAppArgs(container=WEB, sidecars=[sidecar]))
    assert pod["securityContext"]["sysctls"] == [
        {"name": "net.ipv4.ip_unprivileged_port_start", "value": "443"}
    ]


def test_a_sidecar_with_its_own_seccomp_profile_sets_it_on_itself() -> None:
    sidecar = PROXY.evolve(
        security=Security(seccomp_profile="Localhost", seccomp_localhost_profile="envoy.json")
    )
    pod = pod_of(WebAppArgs(container=WEB, sidecars=[sidecar]))
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["initContainers"][0]["securityContext"]["seccompProfile"] == {
        "type": "Localhost",
        "localhostProfile": "envoy.json",
    }


def test_both_canary_tracks_run_the_same_sidecars_and_init_containers() -> None:
    objects = build_canary(
        "pay",
        CanaryServiceArgs(container=WEB, sidecars=[PROXY], init_containers=[MIGRATE]),
    )
    for deployment in (objects.stable_deployment, objects.canary_deployment):
        pod = deployment["spec"]["template"]["spec"]
        assert [c["name"] for c in pod["initContainers"]] == ["proxy", "migrate"]
        assert pod["containers"][0]["lifecycle"]["preStop"] == {
            "sleep": {"seconds": defaults.PRE_STOP_SLEEP_SECONDS}
        }


FULL_POD = WebAppArgs(
    container=WEB.evolve(
        env={
            "POD_NAME": FieldRef(field_path="metadata.name"),
            "CPU": ResourceFieldRef(resource="limits.cpu", container_name="proxy", divisor="1m"),
        },
        env_from=[EnvFrom(secret_name="keys", prefix="K_")],
        readiness_probe=Probe.http("/ready", headers={"Host": "shop"}),
        liveness_probe=Probe.grpc(8080, service="health"),
        lifecycle=Lifecycle(
            post_start=LifecycleHandler.http("/warm", port="http"),
            pre_stop=LifecycleHandler.exec("/bin/drain"),
        ),
        resources=Resources(cpu_limit="1"),
    ),
    sidecars=[PROXY.evolve(lifecycle=Lifecycle(pre_stop=LifecycleHandler.sleep(2)))],
    init_containers=[MIGRATE.evolve(env_from=[EnvFrom(config_map_name="db", optional=True)])],
    deployment=DeploymentSpec(termination_grace_period_seconds=45),
)


@pytest.mark.parametrize("version", SUPPORTED_K8S_VERSIONS)
def test_every_object_of_a_full_pod_passes_the_strict_schema(version: str) -> None:
    for manifest in build_webapp("shop", FULL_POD).all():
        named = {**manifest, "metadata": {"name": "shop-1234567", **manifest["metadata"]}}
        validate_manifest(named, version)
    for manifest in build_canary("pay", CanaryServiceArgs(container=WEB, sidecars=[PROXY])).all():
        named = {**manifest, "metadata": {"name": "pay-1234567", **manifest["metadata"]}}
        validate_manifest(named, version)


# --- from stack config ---------------------------------------------------------------------


def test_sidecars_init_containers_env_refs_and_hooks_load_from_stack_config() -> None:
    data = {
        "container": {
            "image": "shop:1.0",
            "ports": [8080],
            "env": {
                "POD_IP": {"field_path": "status.podIP"},
                "MEMORY": {"resource": "limits.memory", "divisor": "1Mi"},
                "DB_PASSWORD": {"secret_name": "db", "key": "password"},
            },
            "env_from": [{"config_map_name": "settings", "prefix": "APP_"}],
            "lifecycle": {"pre_stop": {"kind": "sleep", "seconds": 10}},
            "readiness_probe": {"path": "/ready", "headers": {"Host": "shop"}},
        },
        "sidecars": [{"name": "proxy", "image": "envoy:1.30", "ports": [9901]}],
        "init_containers": [{"name": "migrate", "image": "shop-migrate:1.0"}],
    }
    args = args_from_config(WebAppArgs, data, key="berth:shop", stack="dev")
    assert args == WebAppArgs(
        container=Container(
            image="shop:1.0",
            ports=[ContainerPort(port=8080)],
            env={
                "POD_IP": FieldRef(field_path="status.podIP"),
                "MEMORY": ResourceFieldRef(resource="limits.memory", divisor="1Mi"),
                "DB_PASSWORD": SecretKeyRef(secret_name="db", key="password"),
            },
            env_from=[EnvFrom(config_map_name="settings", prefix="APP_")],
            lifecycle=Lifecycle(pre_stop=LifecycleHandler.sleep(10)),
            readiness_probe=Probe.http("/ready", headers={"Host": "shop"}),
        ),
        sidecars=[Container(name="proxy", image="envoy:1.30", ports=[ContainerPort(port=9901)])],
        init_containers=[Container(name="migrate", image="shop-migrate:1.0")],
    )


def test_a_bad_sidecar_in_stack_config_is_reported_at_its_config_path() -> None:
    data = {
        "container": {"image": "shop:1.0", "ports": [8080]},
        "sidecars": [{"name": "proxy", "image": "envoy:1.30", "prots": [9901]}],
        "init_containers": [{"name": "app", "image": "m:1", "env": {"X": {"field_path": "x"}}}],
    }
    message = problems_of(lambda: args_from_config(WebAppArgs, data, key="berth:shop", stack="dev"))
    assert "berth:shop.sidecars[0].prots: is not a setting of Container" in message
    assert "berth:shop.init_containers[0].env['X'].field_path: 'x' is not a pod field" in message


# --- every bad input -----------------------------------------------------------------------


def web(**changes: Any) -> Callable[[], Any]:
    return lambda: WebAppArgs(container=WEB.evolve(**changes))


def pod(**fields: Any) -> Callable[[], Any]:
    return lambda: WebAppArgs(**{"container": WEB, **fields})


BAD_INPUT: list[tuple[str, Callable[[], Any], str]] = [
    (
        "a sidecar named like the app container",
        pod(sidecars=[PROXY.evolve(name="app")]),
        "sidecars[0].name: 'app' is also the name of container (container names are unique "
        "in a pod)",
    ),
    (
        "two init containers of one name",
        pod(init_containers=[MIGRATE, MIGRATE.evolve(image="other:1")]),
        "init_containers[1].name: 'migrate' is also the name of init_containers[0]",
    ),
    (
        "a sidecar port the app exposes too",
        pod(sidecars=[PLAIN_PROXY.evolve(ports=[ContainerPort(port=8080, name="proxy")])]),
        "sidecars[0].ports[0].port: 8080 is also exposed over TCP by container.ports[0] (the "
        "containers of a pod share one network namespace)",
    ),
    (
        "a port name used by two containers",
        pod(sidecars=[PLAIN_PROXY.evolve(ports=[ContainerPort(port=9901, name="http")])]),
        "sidecars[0].ports[0].name: 'http' is also the name of container.ports[0] (port names "
        "are unique in a pod, so a Service's named target_port means one port)",
    ),
    (
        "an init container with a readiness probe",
        pod(init_containers=[MIGRATE.evolve(readiness_probe=Probe.exec("true"))]),
        "init_containers[0].readiness_probe: ",
    ),
    (
        "an init container with a hook",
        pod(init_containers=[MIGRATE.evolve(lifecycle=Lifecycle())]),
        "init_containers[0].lifecycle: ",
    ),
    (
        "an init container with ports",
        pod(init_containers=[MIGRATE.evolve(ports=[9000])]),
        "init_containers[0].ports: (9000,) is not allowed on an init container (it has exited "
        "before any traffic arrives); make it a sidecar to serve ports",
    ),
    (
        "secret_env on a sidecar",
        pod(sidecars=[PROXY.evolve(secret_env={"TOKEN": "hunter2"})]),
        "sidecars[0].secret_env: [secret] is supported on the app container only",
    ),
    (
        "a resource ref to a container the pod lacks",
        web(env={"CPU": ResourceFieldRef(resource="limits.cpu", container_name="db")}),
        "container.env['CPU'].container_name: 'db' is not a container of this pod ('app')",
    ),
    (
        "a sidecar in another Pod Security level",
        pod(sidecars=[PROXY.evolve(security=Security(pod_security="baseline"))]),
        "sidecars[0].security.pod_security: 'baseline' differs from "
        "container.security.pod_security ('restricted'): the namespace enforces one level on "
        "the whole pod",
    ),
    (
        "a pod-wide setting on an init container",
        pod(init_containers=[MIGRATE.evolve(security=Security(fs_group=2000))]),
        "init_containers[0].security.fs_group: 2000 applies to the whole pod: set it on "
        "container.security (now None)",
    ),
    (
        "a grace period shorter than the default preStop sleep",
        pod(deployment=DeploymentSpec(termination_grace_period_seconds=5)),
        "deployment.termination_grace_period_seconds: 5 must be more than the app container's "
        "preStop sleep (5 s, Berth's default for zero-downtime termination)",
    ),
    (
        "a preStop sleep as long as the default grace period",
        web(lifecycle=Lifecycle(pre_stop=LifecycleHandler.sleep(30))),
        "container.lifecycle.pre_stop.seconds: 30 must be less than 30, the default "
        "deployment.termination_grace_period_seconds",
    ),
    (
        "a sidecar sleeping past the grace period",
        pod(
            sidecars=[PROXY.evolve(lifecycle=Lifecycle(pre_stop=LifecycleHandler.sleep(20)))],
            deployment=DeploymentSpec(termination_grace_period_seconds=20),
        ),
        "sidecars[0].lifecycle.pre_stop.seconds: 20 must be less than "
        "deployment.termination_grace_period_seconds (20)",
    ),
    (
        "a sidecar without a cpu request under cpu autoscaling",
        pod(
            sidecars=[PROXY.evolve(resources=Resources(cpu_request=None))],
            deployment=DeploymentSpec(
                autoscaling=Autoscaling(min_replicas=2, max_replicas=4, cpu_utilization=70)
            ),
        ),
        "sidecars[0].resources.cpu_request: None must be set when "
        "deployment.autoscaling.cpu_utilization is",
    ),
    (
        "a Service port no container of the pod exposes",
        pod(sidecars=[PROXY], service=ServiceSpec(ports=[ServicePort(port=80, target_port=81)])),
        "service.ports[0].target_port: 81 is not a port the containers expose over TCP "
        "(containers expose: http/TCP, admin/TCP)",
    ),
    (
        "a sidecar's low port above the app's unprivileged port start",
        pod(
            container=WEB.evolve(
                security=Security(sysctls={"net.ipv4.ip_unprivileged_port_start": 1000})
            ),
            sidecars=[PLAIN_PROXY.evolve(ports=[ContainerPort(port=443, name="https")])],
        ),
        "container.security.sysctls['net.ipv4.ip_unprivileged_port_start']: 1000 is above port "
        "443 of sidecars[0]",
    ),
    (
        "a field an env var cannot read",
        web(env={"LABELS": FieldRef(field_path="metadata.labels")}),
        "container.env['LABELS'].field_path: 'metadata.labels' is not a pod field an env var "
        "can read",
    ),
    (
        "a label key that is no label key",
        web(env={"L": FieldRef(field_path="metadata.labels['a b']")}),
        "container.env['L'].field_path: \"metadata.labels['a b']\" is not a pod field",
    ),
    (
        "a resource that is not a request or limit",
        web(env={"R": ResourceFieldRef(resource="limits.gpu")}),
        "container.env['R'].resource: 'limits.gpu' is not a container resource",
    ),
    (
        "a memory divisor for cpu",
        web(env={"R": ResourceFieldRef(resource="requests.cpu", divisor="1Mi")}),
        "container.env['R'].divisor: '1Mi' is not a divisor of requests.cpu (one of '1m', '1')",
    ),
    (
        "an env_from without a source",
        web(env_from=[EnvFrom(prefix="X_")]),
        "container.env_from[0].config_map_name: None must be set, or secret_name",
    ),
    (
        "an env_from with two sources",
        web(env_from=[EnvFrom(config_map_name="a", secret_name="b")]),
        "container.env_from[0].secret_name: 'b' cannot be set with config_map_name",
    ),
    (
        "an env_from prefix with '='",
        web(env_from=[EnvFrom(config_map_name="a", prefix="A=")]),
        "container.env_from[0].prefix: 'A=' is not a valid environment variable name",
    ),
    (
        "an env_from name that is no DNS subdomain",
        web(env_from=[EnvFrom(secret_name="Keys")]),
        "container.env_from[0].secret_name: 'Keys' is not a valid DNS-1123 subdomain",
    ),
    (
        "a probe header name with a space",
        web(readiness_probe=Probe.http("/", headers={"X Trace": "1"})),
        "container.readiness_probe.headers['X Trace']: 'X Trace' is not an HTTP header name",
    ),
    (
        "a probe header value with a newline",
        web(readiness_probe=Probe.http("/", headers={"X-Trace": "1\r\nEvil: 1"})),
        "container.readiness_probe.headers['X-Trace']: '1\\r\\nEvil: 1' is not an HTTP header "
        "value",
    ),
    (
        "a probe host that is no host",
        web(readiness_probe=Probe.http("/", host="http://x")),
        "container.readiness_probe.host: 'http://x' is not a host",
    ),
    (
        "headers on a tcp probe",
        web(readiness_probe=Probe(kind="tcp", headers={"Host": "x"})),
        "container.readiness_probe.headers: {'Host': 'x'} applies only to an 'http' probe or hook",
    ),
    (
        "a gRPC service on an http probe",
        web(readiness_probe=Probe(kind="http", grpc_service="health")),
        "container.readiness_probe.grpc_service: 'health' applies only to a 'grpc' probe",
    ),
    (
        "an exec hook without a command",
        web(lifecycle=Lifecycle(post_start=LifecycleHandler(kind="exec"))),
        "container.lifecycle.post_start.command: () must name a command for an exec hook",
    ),
    (
        "a sleep hook without seconds",
        web(lifecycle=Lifecycle(pre_stop=LifecycleHandler(kind="sleep"))),
        "container.lifecycle.pre_stop.seconds: None must be set for a sleep hook",
    ),
    (
        "a negative sleep",
        web(lifecycle=Lifecycle(pre_stop=LifecycleHandler.sleep(-1))),
        "container.lifecycle.pre_stop.seconds: -1 is less than 0",
    ),
    (
        "seconds on an exec hook",
        web(lifecycle=Lifecycle(pre_stop=LifecycleHandler(kind="exec", command=["x"], seconds=3))),
        "container.lifecycle.pre_stop.seconds: 3 applies only to a 'sleep' hook",
    ),
    (
        "an http hook on a port name the container lacks",
        web(lifecycle=Lifecycle(pre_stop=LifecycleHandler.http("/drain", port="admin"))),
        "container.lifecycle.pre_stop.port: 'admin' is not the name of a container port "
        "(named: 'http')",
    ),
    (
        "an http hook with no port to default to",
        lambda: WebAppArgs(
            container=Container(
                image="a:1", lifecycle=Lifecycle(pre_stop=LifecycleHandler.http("/drain"))
            ),
            service=None,
        ),
        "container.lifecycle.pre_stop.port: None must be set: the container exposes no port",
    ),
    (
        "a lifecycle hook of an unknown kind",
        web(lifecycle=Lifecycle(pre_stop=LifecycleHandler(kind="tcp"))),  # type: ignore[arg-type]
        "container.lifecycle.pre_stop.kind: 'tcp' is not one of 'exec', 'http', 'sleep'",
    ),
    (
        "init containers not a list",
        pod(init_containers=MIGRATE),
        "init_containers: ",
    ),
    (
        "the canary's sidecar named like its app",
        lambda: CanaryServiceArgs(container=WEB, sidecars=[PROXY.evolve(name="app")]),
        "sidecars[0].name: 'app' is also the name of container",
    ),
]


@pytest.mark.parametrize(
    ("make", "expected"), [(m, e) for _, m, e in BAD_INPUT], ids=[n for n, _, _ in BAD_INPUT]
)
def test_bad_input_is_rejected_with_field_value_and_rule(
    make: Callable[[], Any], expected: str
) -> None:
    assert expected in problems_of(make)


def test_a_valid_full_pod_has_no_problem() -> None:
    assert FULL_POD.problems() == []


# --- the policy pack sees every container ---------------------------------------------------


def test_the_policy_pack_wants_a_readiness_probe_on_a_serving_sidecar_not_an_init_container() -> (
    None
):
    deployment = build_webapp(
        "shop",
        WebAppArgs(
            container=WEB.evolve(readiness_probe=Probe.http("/")),
            sidecars=[PROXY.evolve(readiness_probe=None)],
        ),
    ).deployment
    (problem,) = probes_set(deployment)
    assert problem.path == "spec.template.spec.initContainers[0].readinessProbe"


def test_the_policy_pack_refuses_a_probe_on_an_init_container_as_the_api_server_does() -> None:
    deployment = build_webapp(
        "shop", WebAppArgs(container=WEB, init_containers=[MIGRATE])
    ).deployment
    init = deployment["spec"]["template"]["spec"]["initContainers"][0]
    init["livenessProbe"] = {"exec": {"command": ["true"]}}
    assert [str(p) for p in api_server_rules(deployment)] == [
        "spec.template.spec.initContainers[0].livenessProbe: must not be set on an init "
        "container without restartPolicy 'Always' (it runs to completion)"
    ]


# --- under the Pulumi harness (preview and update) ------------------------------------------


def test_webapp_registers_one_deployment_with_every_container(
    pulumi_harness: PulumiHarness,
) -> None:
    pulumi_harness.run(
        lambda: WebApp(
            "shop", WebAppArgs(container=WEB, sidecars=[PROXY], init_containers=[MIGRATE])
        )
    )
    deployment = pulumi_harness.registry.one("kubernetes:apps/v1:Deployment", name="shop")
    pod = deployment.inputs["spec"]["template"]["spec"]
    assert [c["name"] for c in pod["initContainers"]] == ["proxy", "migrate"]
    assert pod["initContainers"][0]["restartPolicy"] == "Always"
    assert pod["containers"][0]["lifecycle"]["preStop"]["sleep"]["seconds"] == 5


def test_a_sidecar_image_without_a_tag_is_warned_about(pulumi_harness: PulumiHarness) -> None:
    sidecar = PROXY.evolve(image="envoy", security=Security(run_as_user=101))
    app = WEB.evolve(security=Security(run_as_user=1000))
    pulumi_harness.run(lambda: WebApp("shop", WebAppArgs(container=app, sidecars=[sidecar])))
    (warning,) = pulumi_harness.registry.warnings
    assert warning.startswith("sidecars[0].image: 'envoy' has no tag")


def test_an_env_from_secret_name_output_is_checked_when_known(
    pulumi_harness: PulumiHarness,
) -> None:
    sidecar = PROXY.evolve(env_from=[EnvFrom(secret_name=pulumi.Output.from_input("Bad_Name"))])
    with pytest.raises(SpecError) as caught:
        pulumi_harness.run(lambda: WebApp("shop", WebAppArgs(container=WEB, sidecars=[sidecar])))
    assert "sidecars[0].env_from[0].secret_name: (the value of a pulumi.Output)" in str(
        caught.value
    )


def test_canary_service_registers_the_sidecars_in_both_tracks(
    pulumi_harness: PulumiHarness,
) -> None:
    pulumi_harness.run(
        lambda: CanaryService("pay", CanaryServiceArgs(container=WEB, sidecars=[PROXY]))
    )
    deployments = pulumi_harness.registry.of_type("kubernetes:apps/v1:Deployment")
    assert len(deployments) == 2
    for d in deployments:
        assert d.inputs["spec"]["template"]["spec"]["initContainers"][0]["name"] == "proxy"


def test_the_policy_pack_refuses_a_sleep_hook_longer_than_the_grace_period() -> None:
    deployment = build_webapp("shop", WebAppArgs(container=WEB, sidecars=[PROXY])).deployment
    pod = deployment["spec"]["template"]["spec"]
    pod["initContainers"][0]["lifecycle"] = {"preStop": {"sleep": {"seconds": 31}}}
    assert [str(p) for p in api_server_rules(deployment)] == [
        "spec.template.spec.initContainers[0].lifecycle.preStop.sleep.seconds: 31 must be "
        "within 0..30 (terminationGracePeriodSeconds)"
    ]
    pod["terminationGracePeriodSeconds"] = 60
    assert api_server_rules(deployment) == []
