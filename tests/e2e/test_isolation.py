"""The live API server accepts what the isolation settings build: NetworkPolicies, a
Namespace with its quota and limits, and enforces the Namespace's Pod Security labels
(a pod a patch made privileged is refused there, as Berth refuses the patch)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from components import (
    AppPeer,
    CanaryServiceArgs,
    CidrPeer,
    Container,
    ContainerPort,
    EgressRule,
    ExternalDatabaseArgs,
    IngressRule,
    LimitRangeSpec,
    NamespaceArgs,
    NetworkPolicySpec,
    PolicyPort,
    ResourceQuotaSpec,
    Security,
    WebAppArgs,
)
from components.manifests.canary import build_canary
from components.manifests.namespace import build_namespace_objects
from components.manifests.patches import merge
from components.manifests.webapp import build_webapp
from tests.e2e.tools import Kube, pod_of

pytestmark = pytest.mark.e2e

NAMESPACE = "isolation-e2e"
WEB = Container(
    image="registry.example.com/web:1.0.0",
    ports=[ContainerPort(port=8080, name="http")],
    security=Security(run_as_user=10001, run_as_group=10001),
)


@pytest.fixture(scope="module")
def namespace(kube: Kube) -> Iterator[str]:
    args = NamespaceArgs(
        name=NAMESPACE,
        quota=ResourceQuotaSpec(hard={"requests.cpu": "4", "pods": "40", "count/secrets": "20"}),
        limits=LimitRangeSpec(
            default_request={"cpu": "100m", "memory": "128Mi"},
            default_limit={"memory": "256Mi"},
            min={"cpu": "10m"},
            max={"cpu": "2", "memory": "2Gi"},
        ),
    )
    docs = yaml.safe_dump_all(build_namespace_objects("ns", args).all())
    kube.run("apply", "--server-side", "-f", "-", input=docs)
    yield NAMESPACE
    kube.run("delete", "namespace", NAMESPACE, "--wait=false")


def named(manifest: dict[str, Any], name: str) -> dict[str, Any]:
    return {**manifest, "metadata": {**manifest["metadata"], "name": name}}


def test_the_namespace_holds_its_pod_security_labels_quota_and_limits(
    kube: Kube, namespace: str
) -> None:
    got = json.loads(kube.run("get", "namespace", namespace, "-o", "json"))
    assert got["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    assert got["metadata"]["labels"]["pod-security.kubernetes.io/warn"] == "restricted"
    quota = kube.get_one("resourcequota", namespace, f"{namespace}-quota")
    assert quota["spec"]["hard"]["pods"] == "40"
    limits = kube.get_one("limitrange", namespace, f"{namespace}-limits")
    assert limits["spec"]["limits"][0]["defaultRequest"]["cpu"] == "100m"


def test_every_kind_of_policy_rule_is_accepted(kube: Kube, namespace: str) -> None:
    policy = NetworkPolicySpec(
        allow_from=[
            IngressRule(
                apps=[AppPeer(selector={"app.kubernetes.io/name": "front"}, namespace="edge")],
                namespaces=["monitoring"],
                cidrs=[CidrPeer(cidr="10.0.0.0/8", excluding=["10.1.0.0/16"])],
            ),
            IngressRule(apps=[AppPeer(selector={"a": "b"})], ports=[PolicyPort(port=8080)]),
        ],
        allow_to=[
            EgressRule(
                apps=[
                    AppPeer(
                        selector={"app.kubernetes.io/name": "cart"}, ports=[PolicyPort(port=7070)]
                    )
                ]
            ),
            EgressRule(cidrs=["203.0.113.0/24"], ports=[PolicyPort(port=8000, end_port=8100)]),
        ],
        databases=[
            ExternalDatabaseArgs(engine="postgresql", addresses=["10.20.0.5"]),
            ExternalDatabaseArgs(engine="redis", host="cache.example.com"),
        ],
    )
    web = build_webapp("web", WebAppArgs(container=WEB, namespace=namespace, network_policy=policy))
    canary = build_canary(
        "checkout",
        CanaryServiceArgs(container=WEB, namespace=namespace, network_policy=NetworkPolicySpec()),
    )
    assert web.network_policy is not None and canary.network_policy is not None
    out = kube.dry_run(
        [named(web.network_policy, "web"), named(canary.network_policy, "checkout")], namespace
    )
    assert "networkpolicy.networking.k8s.io/web" in out
    assert "networkpolicy.networking.k8s.io/checkout" in out


def test_the_pod_a_refused_patch_would_make_is_refused_by_the_namespace_too(
    kube: Kube, namespace: str
) -> None:
    template = build_webapp("web", WebAppArgs(container=WEB)).deployment["spec"]["template"]
    pod = pod_of(template, "web")
    kube.dry_run([pod], namespace)  # Berth's own pod is admitted
    patched = merge(pod, {"spec": {"hostNetwork": True}})
    command = ["kubectl", f"--kubeconfig={kube.kubeconfig}", "apply", "--dry-run=server"]
    refused = subprocess.run(
        [*command, "-n", namespace, "-f", "-"],
        input=yaml.safe_dump_all([patched]),
        env=kube.env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert refused.returncode != 0
    assert 'violates PodSecurity "restricted:latest"' in refused.stderr
    assert "hostNetwork" in refused.stderr
