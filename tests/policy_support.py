"""Run Berth's policy pack (the real pulumi-policy objects) over what a harness recorded.

The CLI hands a pack each resource's inputs with unknown values as the engine's sentinel
strings and every number as a float (a protobuf Struct), behind pulumi-policy's proxy that
raises on reading an unknown value; this does the same.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, cast

import attrs
from pulumi_policy import (
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.policy import _NotApplicableError
from pulumi_policy.proxy import unknown_checking_proxy

from components.policy_pack import policies
from components.testing import UNKNOWN, ResourceRecord

ROOT = Path(__file__).resolve().parents[1]
PACK = ROOT / "policy"
UNKNOWN_WIRE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


@attrs.frozen
class Finding:
    policy: str
    level: str
    message: str


@attrs.frozen
class Evaluation:
    violations: tuple[Finding, ...]
    skipped: tuple[Finding, ...]  # not_applicable reasons

    def of(self, policy: str) -> list[str]:
        return [v.message for v in self.violations if v.policy == policy]

    @property
    def mandatory(self) -> list[Finding]:
        return [v for v in self.violations if v.level == "mandatory"]


def wire(value: Any) -> Any:
    if value is UNKNOWN:
        return UNKNOWN_WIRE
    if isinstance(value, Mapping):
        return {k: wire(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [wire(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)  # a protobuf Struct holds every number as a double
    return value


def stack_config(stack: str) -> dict[str, Any]:
    """The pack config a stack of this repository runs with (policy/config/<stack>.json)."""
    loaded: dict[str, Any] = json.loads((PACK / "config" / f"{stack}.json").read_text())
    return loaded


def _level(name: str, default: str, config: Mapping[str, Any]) -> tuple[str, Mapping[str, Any]]:
    # As the CLI reconciles a pack's config: the policy's own entry, then "all", then its default.
    entry = config.get(name)
    level = config.get("all", default)
    props: Mapping[str, Any] = {}
    if isinstance(entry, str):
        level = entry
    elif isinstance(entry, Mapping):
        level = entry.get("enforcementLevel", level)
        props = {k: v for k, v in entry.items() if k != "enforcementLevel"}
    return str(level), props


def evaluate(
    records: Iterable[ResourceRecord], config: Mapping[str, Any] | None = None
) -> Evaluation:
    config = config or {}
    custom = [r for r in records if r.custom]
    violations: list[Finding] = []
    skipped: list[Finding] = []
    for policy in policies():
        default = policy.enforcement_level.value if policy.enforcement_level else "advisory"
        level, props = _level(policy.name, default, config)
        if level == "disabled":
            continue

        def report(
            message: str, urn: str | None = None, name: str = policy.name, level: str = level
        ) -> None:
            violations.append(Finding(name, level, message))

        try:
            if isinstance(policy, ResourceValidationPolicy):
                for r in custom:
                    args = ResourceValidationArgs(
                        r.type,
                        unknown_checking_proxy(wire(dict(r.inputs))),
                        r.urn,
                        r.name,
                        cast(PolicyResourceOptions, None),
                        None,
                        config=props,
                    )
                    try:
                        policy.validate(args, report)
                    except _NotApplicableError as e:
                        skipped.append(Finding(policy.name, level, str(e.reason)))
            else:
                assert isinstance(policy, StackValidationPolicy)
                resources = [
                    PolicyResource(
                        r.type,
                        unknown_checking_proxy(wire(dict(r.inputs))),
                        r.urn,
                        r.name,
                        cast(PolicyResourceOptions, None),
                        None,
                        None,
                        [],
                        {},
                    )
                    for r in custom
                ]
                policy.validate(StackValidationArgs(resources, config=props), report)
        except _NotApplicableError as e:
            skipped.append(Finding(policy.name, level, str(e.reason)))
    return Evaluation(tuple(violations), tuple(skipped))
