"""Berth's rules as a Pulumi policy pack (CrossGuard), for every object of a stack: raw
``pulumi_kubernetes`` code, Helm charts and Berth's components alike.

The rules are those of :mod:`components.manifests.policy_rules`, the same functions the
manifests Berth builds are tested against; this module only adapts them to
``pulumi-policy`` (``pip install "berth-components[policy]"``). A pack directory holds
``PulumiPolicy.yaml`` (``runtime: python``) and a ``__main__.py`` calling :func:`serve`;
see docs/policy-pack.md.

Per-policy config (``pulumi preview --policy-pack DIR --policy-pack-config FILE``)::

    {"all": "mandatory",
     "berth-no-node-port": {"enforcementLevel": "advisory", "exceptions": ["shop-dev/storefront"]}}

An exception names an object as ``Kind namespace/name``, ``namespace/name``, ``name`` or its
Pulumi resource name; that policy then passes it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from typing import Any, Final, cast

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyPack,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from components.errors import Problem
from components.manifests import policy_rules as pr

PACK_NAME: Final = "berth"

_LEVELS: Final = {"advisory": EnforcementLevel.ADVISORY, "mandatory": EnforcementLevel.MANDATORY}

_EXCEPTIONS: Final = {
    "type": "array",
    "items": {"type": "string"},
    "description": "Objects this policy allows: 'Kind namespace/name', "
    "'namespace/name', 'name' or the Pulumi resource name.",
}
CONFIG_SCHEMA: Final = PolicyConfigSchema(properties={"exceptions": _EXCEPTIONS})


def kind_of(resource_type: str) -> str:
    """``kubernetes:apps/v1:Deployment`` -> ``Deployment``."""
    return resource_type.rsplit(":", 1)[-1]


def is_kubernetes(resource_type: str) -> bool:
    return resource_type.startswith("kubernetes:") and not resource_type.startswith(
        ("kubernetes:helm.sh/", "kubernetes:yaml", "kubernetes:kustomize")
    )


def plain(value: object) -> Any:
    """pulumi-policy's proxies (which raise on unknown values) as plain dicts and lists,
    unknown values kept as the engine's sentinels for the rules to skip, whole numbers as
    ints."""
    if isinstance(value, Mapping):
        target: Any = value
        with contextlib.suppress(KeyError):
            target = value["__target"]  # the proxy's own escape hatch
        return {str(k): plain(v) for k, v in target.items()}
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        items: Any = value
        with contextlib.suppress(TypeError, KeyError, IndexError):
            items = cast(Any, value)["__target"]
        return [plain(v) for v in items]
    if isinstance(value, float) and value.is_integer():
        # Props travel as a protobuf Struct, where every number is a double: 3 arrives as
        # 3.0. A whole number was an integer in the program (a fraction stays a float).
        return int(value)
    return value


def manifest_of(resource_type: str, props: object) -> dict[str, Any]:
    manifest: dict[str, Any] = plain(props) if isinstance(props, Mapping) else {}
    manifest.setdefault("kind", kind_of(resource_type))
    return manifest


def _names(kind: str, manifest: Mapping[str, Any], logical: str) -> set[str]:
    """What an exception may call an object, including how messages name it."""
    meta = manifest.get("metadata") or {}
    name, ns = meta.get("name"), meta.get("namespace")
    ns = "default" if ns is None or pr.is_unknown(ns) else ns
    out = {logical, f"{ns}/{logical}", f"{kind} {ns}/{logical}"}
    if isinstance(name, str) and not pr.is_unknown(name):
        out |= {name, f"{ns}/{name}", f"{kind} {ns}/{name}"}
    return out


def _exceptions(config: Mapping[str, Any]) -> set[str]:
    return {str(e) for e in config.get("exceptions") or ()}


def message(label: str, problem: Problem, skipped: Sequence[Problem] = ()) -> str:
    """``<object>: <path>: <value> <what is allowed>``, as SpecError prints a problem."""
    text = f"{label}: {problem}"
    if skipped:
        text += f" (also skipped, unknown in this preview: {', '.join(p.path for p in skipped)})"
    return text


def _skip_reason(label: str, skipped: Sequence[Problem]) -> str:
    return f"{label}: skipped, unknown in this preview: " + "; ".join(str(p) for p in skipped)


def resource_policy(rule: pr.ResourceRule) -> ResourceValidationPolicy:
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if not is_kubernetes(args.resource_type) or kind_of(args.resource_type) not in rule.kinds:
            return
        kind = kind_of(args.resource_type)
        manifest = manifest_of(args.resource_type, args.props)
        if _names(kind, manifest, args.name) & _exceptions(args.get_config()):
            return
        problems = rule.check(manifest)
        skipped = [p for p in problems if pr.is_skipped(p)]
        label = pr.describe_object(kind, manifest, args.name)
        for problem in problems:
            if not pr.is_skipped(problem):
                report_violation(message(label, problem, skipped), None)
        if skipped and len(skipped) == len(problems):
            args.not_applicable(_skip_reason(label, skipped))

    return ResourceValidationPolicy(
        name=rule.name,
        description=rule.description,
        validate=validate,
        enforcement_level=_LEVELS[rule.level],
        config_schema=CONFIG_SCHEMA,
    )


def stack_objects(args: StackValidationArgs) -> tuple[list[pr.StackObject], dict[int, Any]]:
    objects: list[pr.StackObject] = []
    resources: dict[int, Any] = {}
    for r in args.resources:
        if not is_kubernetes(r.resource_type):
            continue
        manifest = manifest_of(r.resource_type, r.props)
        o = pr.StackObject(pr.describe_object(kind_of(r.resource_type), manifest, r.name), manifest)
        resources[id(o)] = r
        objects.append(o)
    return objects, resources


def stack_policy(rule: pr.StackRule) -> StackValidationPolicy:
    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        objects, resources = stack_objects(args)
        config = args.get_config()
        allowed = _exceptions(config)
        skipped: list[str] = []
        for o, problem in rule.check(objects, config):
            r = resources.get(id(o))  # None: an object the stack lacks (a namespace)
            logical = r.name if r is not None else o.label
            if _names(o.kind, o.manifest, logical) & allowed:
                continue
            if pr.is_skipped(problem):
                skipped.append(_skip_reason(o.label, [problem]))
            else:
                report_violation(message(o.label, problem), None if r is None else r.urn)
        if skipped:
            args.not_applicable("; ".join(skipped))

    return StackValidationPolicy(
        name=rule.name,
        description=rule.description,
        validate=validate,
        enforcement_level=_LEVELS[rule.level],
        config_schema=PolicyConfigSchema(properties={"exceptions": _EXCEPTIONS, **rule.settings}),
    )


def policies() -> list[ResourceValidationPolicy | StackValidationPolicy]:
    out: list[ResourceValidationPolicy | StackValidationPolicy] = [
        resource_policy(r) for r in pr.RESOURCE_RULES
    ]
    out += [stack_policy(s) for s in pr.STACK_RULES]
    return out


def serve(name: str = PACK_NAME) -> PolicyPack:
    """Start the pack (call it from the pack's ``__main__.py``)."""
    return PolicyPack(name=name, policies=list(policies()))
