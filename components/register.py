"""Turn a built manifest into the matching pulumi_kubernetes resource.

The manifests layer speaks plain Kubernetes (camelCase manifests); this is the one
place that knows which Pulumi class registers which kind, so components stay thin.
"""

from __future__ import annotations

import importlib
import re
import weakref
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import pulumi

from components.errors import HIDDEN, Problem, SpecError
from components.inputs.patches import Patch
from components.manifests.meta import Manifest, ObjectKey
from components.manifests.naming import CONFIG_KEY, DEFAULT_NAMING, Naming, naming_from_config

# (apiVersion, kind) → (module of pulumi_kubernetes, class name)
_CLASSES: dict[tuple[str, str], tuple[str, str]] = {
    ("v1", "Secret"): ("pulumi_kubernetes.core.v1", "Secret"),
    ("v1", "ConfigMap"): ("pulumi_kubernetes.core.v1", "ConfigMap"),
    ("v1", "Service"): ("pulumi_kubernetes.core.v1", "Service"),
    ("v1", "ServiceAccount"): ("pulumi_kubernetes.core.v1", "ServiceAccount"),
    ("apps/v1", "Deployment"): ("pulumi_kubernetes.apps.v1", "Deployment"),
    ("policy/v1", "PodDisruptionBudget"): ("pulumi_kubernetes.policy.v1", "PodDisruptionBudget"),
    ("autoscaling/v2", "HorizontalPodAutoscaler"): (
        "pulumi_kubernetes.autoscaling.v2",
        "HorizontalPodAutoscaler",
    ),
    ("discovery.k8s.io/v1", "EndpointSlice"): ("pulumi_kubernetes.discovery.v1", "EndpointSlice"),
    ("networking.k8s.io/v1", "Ingress"): ("pulumi_kubernetes.networking.v1", "Ingress"),
    ("networking.k8s.io/v1", "NetworkPolicy"): ("pulumi_kubernetes.networking.v1", "NetworkPolicy"),
    ("v1", "Namespace"): ("pulumi_kubernetes.core.v1", "Namespace"),
    ("v1", "ResourceQuota"): ("pulumi_kubernetes.core.v1", "ResourceQuota"),
    ("v1", "LimitRange"): ("pulumi_kubernetes.core.v1", "LimitRange"),
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


# The fixed names claimed in each program run, keyed by the run's root Stack resource:
# a new run (each `pulumi up`, each PulumiHarness.run) has a new root and so starts
# empty, and two stacks run in one process (Automation API) never see each other's.
_CLAIMED: weakref.WeakKeyDictionary[Any, dict[ObjectKey, str]] = weakref.WeakKeyDictionary()


def _scope(kind: str, namespace: str | None) -> str:
    if kind in _CLUSTER_SCOPED:
        return "the cluster"
    return "the default namespace" if namespace is None else repr(namespace)


# Kinds whose names are unique in the whole cluster, not per namespace.
_CLUSTER_SCOPED = frozenset({"Namespace"})


def claim_names(owner: str, keys: Iterable[ObjectKey]) -> None:
    """Claim ``keys`` for ``owner`` (``"WebApp 'shop'"``) in this program run.

    Two components that create an object of the same kind under the same fixed name in
    one namespace would fight over it (the second one's apply overwrites the first's):
    the second is a SpecError naming both, before it registers anything.
    """
    root = pulumi.runtime.get_root_resource()
    if root is None:
        # Outside a stack (no program run) there is nothing to clash with.
        return
    claimed = _CLAIMED.setdefault(root, {})
    wanted = list(dict.fromkeys(keys))
    problems = [
        Problem(
            "name",
            name,
            f"would create a second {kind} {name!r} in {_scope(kind, namespace)}: "
            f"{claimed[(kind, namespace, name)]} creates it already "
            "(give one of them another name)",
        )
        for kind, namespace, name in wanted
        if (kind, namespace, name) in claimed
    ]
    if problems:
        raise SpecError(problems, owner)
    for key in wanted:
        claimed[key] = owner


_NAMING: weakref.WeakKeyDictionary[Any, Naming] = weakref.WeakKeyDictionary()


def current_naming() -> Naming:
    """The project's ``pulumi:autonaming``, read once per program run (docs/webapp.md,
    "Naming policy"); the default outside a stack."""
    root = pulumi.runtime.get_root_resource()
    if root is not None and root in _NAMING:
        return _NAMING[root]
    naming = _read_naming() if root is not None or _in_program() else DEFAULT_NAMING
    if root is not None:
        _NAMING[root] = naming
    return naming


def _in_program() -> bool:
    try:
        pulumi.get_stack()
    except Exception:
        return False
    return True


def _read_naming() -> Naming:
    config = pulumi.Config("pulumi")
    try:
        value = config.get_object("autonaming")
    except Exception:
        raise SpecError([Problem(CONFIG_KEY, HIDDEN, "is not a JSON object")]) from None

    def lookup(key: str) -> str | None:
        namespace, _, name = key.rpartition(":")
        return pulumi.Config(namespace or None).get(name)

    return naming_from_config(
        value,
        project=pulumi.get_project(),
        stack=pulumi.get_stack(),
        organization=pulumi.get_organization() or "",
        config=lookup,
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


Register = Callable[[str, Manifest, pulumi.ResourceOptions], pulumi.CustomResource]


def check_patches(owner: str, logical: str, args: object) -> None:
    """The component's patches (``args.patches``) over its objects, checked before anything
    is registered: a SpecError naming each bad patch by its index."""
    if not getattr(args, "patches", ()):
        return
    # Imported here: the rules it re-runs are a large module that programs without patches
    # never need.
    from components.manifests.patches import component_patch_problems

    problems = component_patch_problems(logical, args)
    if problems:
        raise SpecError(problems, owner)


def patching(patches: Sequence[Patch]) -> Register:
    """:func:`register` with ``patches`` applied to each manifest first."""
    if not patches:
        return register
    from components.manifests.patches import patched

    def register_patched(
        logical: str, manifest: Manifest, opts: pulumi.ResourceOptions
    ) -> pulumi.CustomResource:
        return register(logical, patched(patches, logical, manifest), opts)

    return register_patched
