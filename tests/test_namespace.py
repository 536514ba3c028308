"""Namespace: Pod Security labels, a quota and limits, as built and as registered."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from components import (
    Container,
    ContainerPort,
    LimitRangeSpec,
    Namespace,
    NamespaceArgs,
    PodSecuritySpec,
    ResourceQuotaSpec,
    SpecError,
    WebApp,
    WebAppArgs,
)
from components.config import args_from_config
from components.manifests.namespace import build_namespace, build_namespace_objects
from components.testing import PulumiHarness
from components.testing.schema import SUPPORTED_K8S_VERSIONS, validate_manifest

NAMESPACE = "kubernetes:core/v1:Namespace"
QUOTA = "kubernetes:core/v1:ResourceQuota"
LIMITS = "kubernetes:core/v1:LimitRange"


def error_of(make: Any) -> str:
    with pytest.raises(SpecError) as caught:
        make()
    return str(caught.value)


def test_a_namespace_enforces_audits_and_warns_restricted_by_default() -> None:
    manifest = build_namespace("shop", NamespaceArgs())
    assert manifest["metadata"]["name"] == "shop"
    assert {k: v for k, v in manifest["metadata"]["labels"].items() if "pod-security" in k} == {
        "pod-security.kubernetes.io/enforce": "restricted",
        "pod-security.kubernetes.io/enforce-version": "latest",
        "pod-security.kubernetes.io/audit": "restricted",
        "pod-security.kubernetes.io/audit-version": "latest",
        "pod-security.kubernetes.io/warn": "restricted",
        "pod-security.kubernetes.io/warn-version": "latest",
    }


def test_levels_and_version_can_be_chosen_and_a_mode_left_out() -> None:
    args = NamespaceArgs(
        name="legacy",
        pod_security=PodSecuritySpec(enforce="baseline", audit=None, version="v1.36"),
    )
    found = build_namespace("ns", args)["metadata"]["labels"]
    assert found["pod-security.kubernetes.io/enforce"] == "baseline"
    assert found["pod-security.kubernetes.io/enforce-version"] == "v1.36"
    assert "pod-security.kubernetes.io/audit" not in found
    assert found["pod-security.kubernetes.io/warn"] == "restricted"


def test_quota_and_limits_are_built_inside_the_namespace() -> None:
    args = NamespaceArgs(
        quota=ResourceQuotaSpec(hard={"requests.cpu": "4", "pods": "40", "count/secrets": "20"}),
        limits=LimitRangeSpec(
            default_request={"cpu": "100m", "memory": "128Mi"},
            default_limit={"memory": "256Mi"},
            max={"memory": "2Gi"},
        ),
    )
    objects = build_namespace_objects("shop", args)
    assert objects.quota is not None and objects.limits is not None
    assert objects.quota["metadata"]["namespace"] == "shop"
    assert objects.quota["spec"] == {
        "hard": {"requests.cpu": "4", "pods": "40", "count/secrets": "20"}
    }
    assert objects.limits["spec"]["limits"] == [
        {
            "type": "Container",
            "defaultRequest": {"cpu": "100m", "memory": "128Mi"},
            "default": {"memory": "256Mi"},
            "max": {"memory": "2Gi"},
        }
    ]


@pytest.mark.parametrize("version", SUPPORTED_K8S_VERSIONS)
def test_every_namespace_object_passes_the_schema(version: str) -> None:
    args = NamespaceArgs(
        quota=ResourceQuotaSpec(hard={"requests.memory": "8Gi"}),
        limits=LimitRangeSpec(min={"cpu": "10m"}, max={"cpu": "2"}),
    )
    for manifest in build_namespace_objects("shop", args).all():
        validate_manifest(manifest, version)


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda: NamespaceArgs(name="Shop"), "name: 'Shop' is not a valid DNS-1123 label"),
        (
            lambda: NamespaceArgs(pod_security={"enforce": "strict"}),  # type: ignore[arg-type]
            "pod_security.enforce: 'strict' is not one of 'privileged', 'baseline', 'restricted'",
        ),
        (
            lambda: NamespaceArgs(pod_security={"version": "1.36"}),  # type: ignore[arg-type]
            "pod_security.version: '1.36' is not a Pod Security version",
        ),
        (
            lambda: NamespaceArgs(labels={"pod-security.kubernetes.io/enforce": "baseline"}),
            "labels['pod-security.kubernetes.io/enforce']: 'baseline' is set by pod_security",
        ),
        (
            lambda: NamespaceArgs(labels={"kubernetes.io/metadata.name": "x"}),
            "is set by the API server (the name)",
        ),
        (lambda: NamespaceArgs(quota={"hard": {}}), "quota.hard: {} is empty"),  # type: ignore[arg-type]
        (
            lambda: NamespaceArgs(quota={"hard": {"pods": "many"}}),  # type: ignore[arg-type]
            "quota.hard['pods']: 'many' is not a resource quantity",
        ),
        (
            lambda: NamespaceArgs(limits={"default_request": {"gpu": "1"}}),  # type: ignore[arg-type]
            "limits.default_request['gpu']: 'gpu' is not one of 'cpu', 'memory'",
        ),
        (
            lambda: NamespaceArgs(
                limits={"default_request": {"memory": "1Gi"}, "max": {"memory": "512Mi"}}  # type: ignore[arg-type]
            ),
            "limits.max['memory']: '512Mi' is less than default_request['memory'] (1Gi)",
        ),
        (lambda: NamespaceArgs(limits={}), "limits.default_request: {} is empty"),  # type: ignore[arg-type]
    ],
)
def test_each_bad_setting_is_a_spec_error_naming_it(make: Any, expected: str) -> None:
    assert expected in error_of(make)


def test_the_component_registers_the_namespace_and_what_is_inside_it(
    pulumi_harness: PulumiHarness,
) -> None:
    def program() -> Namespace:
        ns = Namespace(
            "shop",
            NamespaceArgs(
                quota=ResourceQuotaSpec(hard={"pods": "40"}),
                limits=LimitRangeSpec(default_request={"cpu": "100m"}),
            ),
        )
        WebApp(
            "web",
            WebAppArgs(
                namespace="shop",
                container=Container(image="web:1.0", ports=[ContainerPort(port=8080)]),
            ),
            opts=pulumi.ResourceOptions(depends_on=[ns]),
        )
        return ns

    ns = pulumi_harness.run(program)
    registry = pulumi_harness.registry
    component = registry.one("berth:index:Namespace", name="shop")
    namespace = registry.one(NAMESPACE, name="shop")
    quota = registry.one(QUOTA, name="shop-quota")
    limits = registry.one(LIMITS, name="shop-limits")
    for child in (namespace, quota, limits):
        assert child.parent == component.urn
    assert registry.depends_on(quota, namespace)
    assert registry.depends_on(limits, namespace)
    assert pulumi_harness.resolve(ns.name) == "shop"
    pulumi_harness.validate_manifests()


def test_a_component_name_that_cannot_name_a_namespace_needs_args_name(
    pulumi_harness: PulumiHarness,
) -> None:
    with pytest.raises(SpecError) as caught:
        pulumi_harness.run(lambda: Namespace("Shop NS"))
    assert "name: 'Shop NS' is not a valid DNS-1123 label" in str(caught.value)
    assert "give args.name" in str(caught.value)
    assert pulumi_harness.registry.of_type(NAMESPACE) == ()


def test_two_namespaces_of_one_name_are_refused(pulumi_harness: PulumiHarness) -> None:
    def program() -> None:
        Namespace("a", NamespaceArgs(name="shop"))
        Namespace("b", NamespaceArgs(name="shop"))

    with pytest.raises(SpecError) as caught:
        pulumi_harness.run(program)
    assert "would create a second Namespace 'shop' in the cluster" in str(caught.value)


def test_a_namespace_loads_from_stack_config() -> None:
    data = {
        "name": "shop-dev",
        "pod_security": {"enforce": "restricted", "version": "v1.37"},
        "quota": {"hard": {"pods": "20"}},
        "patches": [{"kind": "Namespace", "merge": {"metadata": {"annotations": {"a": "b"}}}}],
    }
    args = args_from_config(NamespaceArgs, data, key="berth:namespace", stack="dev")
    assert args.pod_security.version == "v1.37"
    assert args.quota == ResourceQuotaSpec(hard={"pods": "20"})
    assert len(args.patches) == 1
