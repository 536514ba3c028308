"""The live API server and Pod Security admission agree with Berth's rules for several
containers: sidecars and init containers are admitted under 'restricted', and what Berth
refuses before registering anything the server refuses too (each built by hand here).

Pods are sent as Pods (a Deployment's template) in a server-side dry run: Pod Security is
enforced on Pods, not on Deployments.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from components.manifests.webapp import build_webapp
from tests.catalogue import CATALOGUE
from tests.e2e.tools import Kube, pod_of

pytestmark = pytest.mark.e2e

NAMESPACE = "pod-containers-e2e"


@pytest.fixture(scope="module")
def restricted(kube: Kube) -> Iterator[str]:
    kube.run("create", "namespace", NAMESPACE)
    kube.run("label", "namespace", NAMESPACE, "pod-security.kubernetes.io/enforce=restricted")
    yield NAMESPACE
    kube.run("delete", "namespace", NAMESPACE, "--wait=false")


def pod(example: str, name: str) -> dict[str, Any]:
    return pod_of(build_webapp("web", CATALOGUE[example]).deployment["spec"]["template"], name)


def refusal(kube: Kube, manifest: dict[str, Any], namespace: str) -> str:
    with pytest.raises(AssertionError) as refused:
        kube.dry_run([manifest], namespace)
    return str(refused.value)


def test_a_pod_with_a_sidecar_an_init_container_hooks_and_env_refs_is_admitted(
    kube: Kube, restricted: str
) -> None:
    manifest = pod("sidecar-and-init", "full")
    init = manifest["spec"]["initContainers"]
    assert [(c["name"], c.get("restartPolicy")) for c in init] == [
        ("proxy", "Always"),
        ("migrate", None),
    ]
    kube.dry_run([manifest], restricted)


def test_the_default_pre_stop_sleep_is_admitted(kube: Kube, restricted: str) -> None:
    manifest = pod("minimal", "sleepy")
    assert manifest["spec"]["containers"][0]["lifecycle"] == {"preStop": {"sleep": {"seconds": 5}}}
    kube.dry_run([manifest], restricted)


def test_pod_security_checks_sidecars_too(kube: Kube, restricted: str) -> None:
    # Berth refuses Security(allow_privilege_escalation=True) on a sidecar under 'restricted'.
    manifest = pod("sidecar-and-init", "escalating")
    manifest["spec"]["initContainers"][0]["securityContext"]["allowPrivilegeEscalation"] = True
    assert 'violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false' in (
        refusal(kube, manifest, restricted)
    )


def test_the_server_refuses_a_probe_on_an_init_container(kube: Kube, restricted: str) -> None:
    manifest = pod("sidecar-and-init", "probed")
    manifest["spec"]["initContainers"][1]["readinessProbe"] = {"exec": {"command": ["true"]}}
    message = refusal(kube, manifest, restricted)
    assert "spec.initContainers[1].readinessProbe: Forbidden" in message


def test_the_server_refuses_a_sleep_longer_than_the_grace_period(
    kube: Kube, restricted: str
) -> None:
    manifest = pod("minimal", "too-sleepy")
    manifest["spec"]["containers"][0]["lifecycle"] = {"preStop": {"sleep": {"seconds": 31}}}
    message = refusal(kube, manifest, restricted)
    # The server accepts up to the grace period itself (30 here); Berth wants time left for the
    # app's own shutdown, so it asks for less.
    assert "spec.containers[0].lifecycle.preStop.sleep: Invalid value: 31" in message


def test_the_server_refuses_an_env_field_berth_refuses(kube: Kube, restricted: str) -> None:
    manifest = pod("minimal", "labels")
    manifest["spec"]["containers"][0]["env"] = [
        {"name": "LABELS", "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels"}}}
    ]
    message = refusal(kube, manifest, restricted)
    assert "spec.containers[0].env[0].valueFrom.fieldRef.fieldPath: Unsupported value" in message
