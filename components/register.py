"""Turn a built manifest into the matching pulumi_kubernetes resource.

The manifests layer speaks plain Kubernetes (camelCase manifests); this is the one
place that knows which Pulumi class registers which kind, so components stay thin.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

import pulumi

from components.manifests.meta import Manifest

# (apiVersion, kind) → (module of pulumi_kubernetes, class name)
_CLASSES: dict[tuple[str, str], tuple[str, str]] = {
    ("v1", "Secret"): ("pulumi_kubernetes.core.v1", "Secret"),
    ("v1", "Service"): ("pulumi_kubernetes.core.v1", "Service"),
    ("apps/v1", "Deployment"): ("pulumi_kubernetes.apps.v1", "Deployment"),
    ("policy/v1", "PodDisruptionBudget"): ("pulumi_kubernetes.policy.v1", "PodDisruptionBudget"),
    ("autoscaling/v2", "HorizontalPodAutoscaler"): (
        "pulumi_kubernetes.autoscaling.v2",
        "HorizontalPodAutoscaler",
    ),
    ("discovery.k8s.io/v1", "EndpointSlice"): ("pulumi_kubernetes.discovery.v1", "EndpointSlice"),
    ("networking.k8s.io/v1", "Ingress"): ("pulumi_kubernetes.networking.v1", "Ingress"),
}
_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


def _snake(key: str) -> str:
    return _CAMEL.sub("_", key).lower()


def rollout_options(
    parent: pulumi.Resource, timeout_seconds: int, **more: Any
) -> pulumi.ResourceOptions:
    """Options for a Deployment: `pulumi up` fails once the rollout is past its deadline."""
    timeout = f"{timeout_seconds}s"
    return pulumi.ResourceOptions(
        parent=parent,
        custom_timeouts=pulumi.CustomTimeouts(create=timeout, update=timeout),
        **more,
    )


def register(
    logical: str, manifest: Manifest, opts: pulumi.ResourceOptions
) -> pulumi.CustomResource:
    """Register ``manifest`` as a child resource named ``logical``."""
    api_version, kind = manifest["apiVersion"], manifest["kind"]
    found = _CLASSES.get((api_version, kind))
    if found is None:
        # Custom resources (Gateway API routes) have no generated class.
        from pulumi_kubernetes.apiextensions import CustomResource

        extra = {k: v for k, v in manifest.items() if k not in ("apiVersion", "kind", "metadata")}
        return CustomResource(
            logical,
            api_version=api_version,
            kind=kind,
            metadata=manifest.get("metadata"),
            opts=opts,
            **extra,
        )
    module, name = found
    cls: Any = getattr(importlib.import_module(module), name)
    kwargs = {_snake(k): v for k, v in manifest.items() if k not in ("apiVersion", "kind")}
    resource: pulumi.CustomResource = cls(logical, opts=opts, **kwargs)
    return resource
