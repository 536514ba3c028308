"""Property: any mix of sidecars, init containers, hooks and env refs either builds a pod the
API server and Pod Security 'restricted' accept, or raises SpecError naming fields."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, event, given, settings, strategies as st

from components import (
    Container,
    ContainerPort,
    DeploymentSpec,
    EnvFrom,
    FieldRef,
    Lifecycle,
    LifecycleHandler,
    Probe,
    ResourceFieldRef,
    SpecError,
    WebAppArgs,
)
from components.manifests.policy_rules import api_server_rules, pod_security_restricted
from components.manifests.webapp import build_webapp
from components.testing.schema import validate_manifest

NAMES = ["app", "proxy", "migrate", "agent"]

handlers = st.one_of(
    st.builds(LifecycleHandler.sleep, st.sampled_from([0, 3, 5, 29, 30, 60])),
    st.builds(LifecycleHandler.exec, st.just("/bin/drain")),
    st.builds(LifecycleHandler.http, st.just("/drain")),
)
lifecycles = st.none() | st.builds(
    Lifecycle, post_start=st.none() | handlers, pre_stop=st.none() | handlers
)
env_values = st.one_of(
    st.just("plain"),
    st.builds(FieldRef, field_path=st.sampled_from(["status.podIP", "metadata.labels['team']"])),
    st.builds(
        ResourceFieldRef,
        resource=st.sampled_from(["limits.memory", "requests.cpu"]),
        container_name=st.none() | st.sampled_from(NAMES),
    ),
)
containers = st.builds(
    Container,
    image=st.just("registry.example.com/img:1.0"),
    name=st.sampled_from(NAMES),
    ports=st.lists(
        st.builds(
            ContainerPort,
            port=st.sampled_from([80, 8080, 9090]),
            name=st.sampled_from(["http", "admin", "metrics"]),
        ),
        max_size=1,
    ),
    env=st.dictionaries(st.sampled_from(["A", "B"]), env_values, max_size=2),
    env_from=st.lists(st.builds(EnvFrom, config_map_name=st.just("settings")), max_size=1),
    readiness_probe=st.none() | st.just(Probe.exec("true")),
    lifecycle=lifecycles,
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    app=containers,
    sidecars=st.lists(containers, max_size=2),
    init_containers=st.lists(containers, max_size=2),
    grace=st.none() | st.sampled_from([0, 5, 30, 60]),
)
def test_any_pod_builds_an_admissible_pod_or_names_the_rule(
    app: Container,
    sidecars: list[Container],
    init_containers: list[Container],
    grace: int | None,
) -> None:
    try:
        args = WebAppArgs(
            container=app,
            sidecars=sidecars,
            init_containers=init_containers,
            deployment=DeploymentSpec(termination_grace_period_seconds=grace),
            service=None,
        )
    except SpecError as error:
        event("refused")
        assert error.problems
        for problem in error.problems:
            assert problem.path and problem.allowed, problem
        return
    event("built")
    deployment = build_webapp("shop", args).deployment
    validate_manifest({**deployment, "metadata": {"name": "shop-1", **deployment["metadata"]}})
    assert api_server_rules(deployment) == []
    assert pod_security_restricted(deployment) == []
    pod: dict[str, Any] = deployment["spec"]["template"]["spec"]
    everyone = [*pod.get("initContainers", []), *pod["containers"]]
    assert len({c["name"] for c in everyone}) == len(everyone)
    ports = [(p["containerPort"], p["protocol"]) for c in everyone for p in c.get("ports", [])]
    assert len(set(ports)) == len(ports)
    limit = 30 if grace is None else grace
    for c in everyone:
        for hook in c.get("lifecycle", {}).values():
            if "sleep" in hook:
                assert hook["sleep"]["seconds"] < limit
    for c in pod.get("initContainers", [])[len(sidecars) :]:
        assert "restartPolicy" not in c and "lifecycle" not in c and "readinessProbe" not in c
    assert all(
        c["restartPolicy"] == "Always" for c in pod.get("initContainers", [])[: len(sidecars)]
    )
