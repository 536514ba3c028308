"""An autoscaled WebApp on the live cluster: it starts at min_replicas, and later `up`s
leave the replica count to the autoscaler.

The local cluster has no metrics API, so the HPA controller never scales on CPU here;
it does enforce minReplicas and maxReplicas, which needs no metrics (the controller
clamps the count before it computes any). The tests use that, and `kubectl scale`, to
change the count the way an autoscaler would. The tests run in order on one stack.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from tests.e2e.tools import Cluster, Kube, Project, wait_for

pytestmark = pytest.mark.e2e

NAMESPACE = "autoscale-e2e"
STACK = "e2e"
CONFIG = "berth-autoscale"
PROGRAM = textwrap.dedent(
    f"""
    import pulumi
    import pulumi_kubernetes as k8s

    from components import (
        Autoscaling, Container, ContainerPort, DeploymentSpec, Security, WebApp, WebAppArgs,
    )

    config = pulumi.Config()
    namespace = k8s.core.v1.Namespace(
        "namespace",
        metadata={{
            "name": "{NAMESPACE}",
            "labels": {{"pod-security.kubernetes.io/enforce": "restricted"}},
        }},
    )
    app = WebApp(
        "web",
        WebAppArgs(
            name="web",
            namespace="{NAMESPACE}",
            container=Container(
                image=config.require("image"),
                ports=[ContainerPort(port=8080, name="http")],
                security=Security(run_as_user=10001),
            ),
            deployment=DeploymentSpec(
                autoscaling=Autoscaling(
                    min_replicas=config.require_int("minReplicas"),
                    max_replicas=config.require_int("maxReplicas"),
                ),
            ),
        ),
        opts=pulumi.ResourceOptions(depends_on=[namespace]),
    )
    pulumi.export("deployment_name", app.deployment_name)
    """
)


@pytest.fixture(scope="module")
def app(
    cluster: Cluster, tool_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Project]:
    source = tmp_path_factory.mktemp("autoscale-source")
    (source / "__main__.py").write_text(PROGRAM)
    (source / "Pulumi.yaml").write_text(
        yaml.safe_dump(
            {
                "name": CONFIG,
                "runtime": {"name": "python", "options": {"toolchain": "pip", "virtualenv": "x"}},
            }
        )
    )
    project = Project.copy(
        tmp_path_factory.mktemp("autoscale") / "app", tool_env, cluster.kubeconfig, source=source
    )
    project.select(STACK)
    configure(project, image="registry.example.com/web:1.0", min_replicas=3, max_replicas=10)
    yield project
    project.destroy(STACK)


def configure(project: Project, **settings: Any) -> None:
    keys = {"image": "image", "min_replicas": "minReplicas", "max_replicas": "maxReplicas"}
    for name, value in settings.items():
        project.set_config(STACK, f"{CONFIG}:{keys[name]}", str(value))


def deployment(kube: Kube) -> dict[str, Any]:
    return kube.get_one("deployment", NAMESPACE, "web")


def replicas(kube: Kube) -> int:
    count: int = deployment(kube)["spec"]["replicas"]
    return count


def ready(kube: Kube) -> int:
    count: int = deployment(kube)["status"].get("readyReplicas", 0)
    return count


def replica_owners(kube: Kube) -> list[str]:
    """The field managers that own spec.replicas (server-side apply bookkeeping)."""
    live = json.loads(
        kube.run("get", "deployment", "web", "-n", NAMESPACE, "-o", "json", "--show-managed-fields")
    )
    return sorted(
        entry["manager"]
        for entry in live["metadata"]["managedFields"]
        if "f:replicas" in (entry.get("fieldsV1", {}).get("f:spec") or {})
    )


def not_pulumi(owners: list[str]) -> bool:
    return bool(owners) and not any("pulumi" in owner for owner in owners)


def hpa_minimum(kube: Kube) -> int:
    minimum: int = kube.get_one("hpa", NAMESPACE, "web")["spec"]["minReplicas"]
    return minimum


def test_a_new_app_starts_at_min_replicas_and_up_waits_for_all_of_them(
    app: Project, kube: Kube
) -> None:
    app.up(STACK)
    # Read right after `up` returned: the provider waited for every pod of the count.
    assert replicas(kube) == 3
    assert ready(kube) == 3
    assert hpa_minimum(kube) == 3


def test_a_count_changed_outside_pulumi_survives_an_up_that_updates_the_deployment(
    app: Project, kube: Kube
) -> None:
    # Stand-in for an autoscaler's scale-up (no metrics API here to make the HPA do it).
    kube.run("scale", "deployment", "web", "-n", NAMESPACE, "--replicas=5")
    wait_for("5 ready pods", lambda: ready(kube) == 5)
    assert not_pulumi(replica_owners(kube))
    # With the live count read back, Pulumi still sees nothing to change.
    app.preview(STACK, "--refresh", "--expect-no-changes")

    configure(app, image="registry.example.com/web:1.1")
    app.up(STACK)
    spec = deployment(kube)["spec"]
    assert spec["template"]["spec"]["containers"][0]["image"] == "registry.example.com/web:1.1"
    assert spec["replicas"] == 5
    assert ready(kube) == 5


def test_a_raised_min_replicas_is_applied_by_the_autoscaler_and_kept_by_later_ups(
    app: Project, kube: Kube
) -> None:
    configure(app, min_replicas=6)
    app.up(STACK)
    assert hpa_minimum(kube) == 6
    # The HPA controller raises the count to its new minimum, metrics or not; `up` did
    # not set it (the field would be Pulumi's again).
    wait_for("the HPA to scale to 6", lambda: replicas(kube) == 6)
    assert not_pulumi(replica_owners(kube))

    configure(app, image="registry.example.com/web:1.2")
    app.up(STACK)
    assert replicas(kube) == 6
    assert ready(kube) == 6
    app.preview(STACK, "--refresh", "--expect-no-changes")


def test_a_lowered_min_replicas_leaves_the_count_to_the_autoscaler(
    app: Project, kube: Kube
) -> None:
    configure(app, min_replicas=2)
    app.up(STACK)
    assert hpa_minimum(kube) == 2
    # Scaling down is the HPA's call, on metrics (none here): `up` does not cut pods.
    assert replicas(kube) == 6


def test_a_lowered_max_replicas_is_enforced_by_the_autoscaler(app: Project, kube: Kube) -> None:
    configure(app, max_replicas=4)
    app.up(STACK)
    wait_for("the HPA to scale down to 4", lambda: replicas(kube) == 4)
    configure(app, image="registry.example.com/web:1.3")
    app.up(STACK)
    assert replicas(kube) == 4
    assert ready(kube) == 4
