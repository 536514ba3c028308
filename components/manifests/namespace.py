"""NamespaceArgs → a Namespace, and its ResourceQuota and LimitRange when asked for."""

from __future__ import annotations

import attrs

from components import defaults, labels
from components.errors import Problem, SpecError
from components.inputs import rules
from components.inputs.namespace import NamespaceArgs
from components.manifests.meta import Manifest

QUOTA_SUFFIX = "-quota"
LIMITS_SUFFIX = "-limits"


def namespace_name(logical: str, args: NamespaceArgs) -> str:
    """The namespace's name: ``args.name``, else the component's (which must then be one)."""
    if args.name is not None:
        return args.name
    allowed = rules.dns1123_label(logical)
    if allowed is not None:
        raise SpecError(
            [Problem("name", logical, f"{allowed}; the component name names the namespace "
                     "unless args.name is given (give args.name)")],
            "component name",
        )  # fmt: skip
    return logical


def _meta(name: str, args: NamespaceArgs, namespace: str | None = None) -> Manifest:
    meta: Manifest = {
        "name": name,
        "labels": {**args.labels, labels.MANAGED_BY: defaults.MANAGED_BY},
        "annotations": {**args.annotations, labels.PATCH_FORCE: "true"},
    }
    if namespace is not None:
        meta["namespace"] = namespace
    return meta


def build_namespace(logical: str, args: NamespaceArgs) -> Manifest:
    meta = _meta(namespace_name(logical, args), args)
    meta["labels"].update(args.pod_security.labels())
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": meta}


def build_quota(logical: str, args: NamespaceArgs) -> Manifest | None:
    if args.quota is None:
        return None
    name = namespace_name(logical, args)
    return {
        "apiVersion": "v1",
        "kind": "ResourceQuota",
        "metadata": _meta(name + QUOTA_SUFFIX, args, name),
        "spec": {"hard": dict(args.quota.hard)},
    }


def build_limit_range(logical: str, args: NamespaceArgs) -> Manifest | None:
    if args.limits is None:
        return None
    name = namespace_name(logical, args)
    limit: Manifest = {"type": "Container"}
    limit.update({key: dict(value) for key, value in args.limits.items()})
    return {
        "apiVersion": "v1",
        "kind": "LimitRange",
        "metadata": _meta(name + LIMITS_SUFFIX, args, name),
        "spec": {"limits": [limit]},
    }


@attrs.frozen
class NamespaceObjects:
    namespace: Manifest
    quota: Manifest | None
    limits: Manifest | None

    def all(self) -> list[Manifest]:
        return [o for o in (self.namespace, self.quota, self.limits) if o is not None]


def build_namespace_objects(logical: str, args: NamespaceArgs) -> NamespaceObjects:
    return NamespaceObjects(
        namespace=build_namespace(logical, args),
        quota=build_quota(logical, args),
        limits=build_limit_range(logical, args),
    )
