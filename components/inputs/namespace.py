"""NamespaceArgs: a namespace with Pod Security labels, and optionally a quota and limits."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Literal

from components import defaults, labels
from components.errors import Problem
from components.inputs import rules
from components.inputs.base import (
    Spec,
    each,
    field,
    instance_of,
    mapping_of,
    nested,
    rule,
    spec,
    to_dict,
    validate,
)
from components.inputs.patches import Patch, to_patches

Level = Literal["privileged", "baseline", "restricted"]
LEVELS = ("privileged", "baseline", "restricted")
_VERSION = re.compile(r"latest|v1\.(0|[1-9][0-9]*)")


def pod_security_version(value: object) -> str | None:
    if isinstance(value, str) and _VERSION.fullmatch(value):
        return None
    return "is not a Pod Security version ('latest' or 'v1.<minor>', such as 'v1.36')"


@spec
class PodSecuritySpec(Spec):
    """The namespace's Pod Security admission levels: pods that break ``enforce`` are
    refused, ``audit`` ones are recorded in the audit log, ``warn`` ones are admitted with a
    warning to the client; ``version`` pins the rules of one Kubernetes release ('latest':
    the control plane's own). None leaves a mode unset (the cluster's default applies)."""

    enforce: Level | None = field(
        default=defaults.POD_SECURITY_LEVEL, checks=[rules.optional(rules.one_of(*LEVELS))]
    )
    audit: Level | None = field(
        default=defaults.POD_SECURITY_LEVEL, checks=[rules.optional(rules.one_of(*LEVELS))]
    )
    warn: Level | None = field(
        default=defaults.POD_SECURITY_LEVEL, checks=[rules.optional(rules.one_of(*LEVELS))]
    )
    version: str = field(default=defaults.POD_SECURITY_VERSION, checks=[pod_security_version])

    def labels(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for mode in ("enforce", "audit", "warn"):
            level = getattr(self, mode)
            if level is not None:
                out[f"{labels.POD_SECURITY_PREFIX}{mode}"] = level
                out[f"{labels.POD_SECURITY_PREFIX}{mode}-version"] = self.version
        return out


def _resource_name(value: object) -> str | None:
    # Resource names are qualified names: 'cpu', 'requests.memory', 'count/deployments.apps'.
    if rules.label_key(value) is None:
        return None
    return "is not a resource name such as 'cpu', 'requests.memory', 'pods' or 'count/secrets'"


_QUANTITIES = mapping_of(_resource_name, rules.quantity)


@spec
class ResourceQuotaSpec(Spec):
    """A ResourceQuota: the most the namespace may hold in total, such as
    ``{"requests.cpu": "4", "requests.memory": "8Gi", "pods": "40"}``."""

    hard: Mapping[str, str] = field(converter=to_dict, checks=[_QUANTITIES])

    @rule("hard")
    def _not_empty(self) -> Iterator[Problem]:
        if not self.hard:
            yield Problem("hard", {}, "is empty (a quota limits at least one resource)")


_CONTAINER_RESOURCES = ("cpu", "memory", "ephemeral-storage")
_LIMITS = mapping_of(rules.one_of(*_CONTAINER_RESOURCES), rules.quantity)


@spec
class LimitRangeSpec(Spec):
    """A LimitRange for containers: the requests and limits a container gets when it sets
    none (``default_request``, ``default_limit``), and the least and most it may ask for
    (``min``, ``max``), each keyed by cpu, memory or ephemeral-storage."""

    default_request: Mapping[str, str] = field(factory=dict, converter=to_dict, checks=[_LIMITS])
    default_limit: Mapping[str, str] = field(factory=dict, converter=to_dict, checks=[_LIMITS])
    min: Mapping[str, str] = field(factory=dict, converter=to_dict, checks=[_LIMITS])
    max: Mapping[str, str] = field(factory=dict, converter=to_dict, checks=[_LIMITS])

    @rule("default_request", "default_limit", "min", "max")
    def _ordered(self) -> Iterator[Problem]:
        if not (self.default_request or self.default_limit or self.min or self.max):
            yield Problem("default_request", {}, "is empty, as are default_limit, min and max")
            return
        # The API server's order: min <= default request <= default limit <= max.
        order = (
            ("min", self.min),
            ("default_request", self.default_request),
            ("default_limit", self.default_limit),
            ("max", self.max),
        )
        for resource in _CONTAINER_RESOURCES:
            given = [(name, m[resource]) for name, m in order if resource in m]
            for (low_name, low), (high_name, high) in itertools.pairwise(given):
                if _quantity(low) > _quantity(high):
                    yield Problem(
                        f"{high_name}[{resource!r}]",
                        high,
                        f"is less than {low_name}[{resource!r}] ({low})",
                    )

    def items(self) -> list[tuple[str, Mapping[str, str]]]:
        return [
            (key, value)
            for key, value in (
                ("defaultRequest", self.default_request),
                ("default", self.default_limit),
                ("min", self.min),
                ("max", self.max),
            )
            if value
        ]


def _quantity(text: str) -> Decimal:
    found = rules.parse_quantity(text)
    assert found is not None  # checked by the field
    return found


@spec
class NamespaceArgs(Spec):
    """A namespace: its ``name`` (default: the component's name; namespaces are never
    autonamed, everything in them refers to them by name), Pod Security levels (default:
    'restricted' enforced, audited and warned about), its own labels and annotations, and
    an optional ``quota`` and ``limits``."""

    name: str | None = field(default=None, checks=[rules.optional(rules.dns1123_label)])
    pod_security: PodSecuritySpec = nested(factory=PodSecuritySpec)
    labels: Mapping[str, str] = field(
        factory=dict, converter=to_dict, checks=[mapping_of(rules.label_key, rules.label_value)]
    )
    annotations: Mapping[str, str] = field(
        factory=dict,
        converter=to_dict,
        checks=[mapping_of(rules.label_key, instance_of(str, what="a string"))],
    )
    quota: ResourceQuotaSpec | None = nested(ResourceQuotaSpec, default=None)
    limits: LimitRangeSpec | None = nested(LimitRangeSpec, default=None)
    patches: Sequence[Patch] = field(
        default=(),
        converter=to_patches,
        checks=[each(instance_of(Patch, what="a Patch"))],
    )

    def __attrs_post_init__(self) -> None:
        validate(self)

    @rule("labels")
    def _own_labels(self) -> Iterator[Problem]:
        for key in sorted(self.labels):
            if key.startswith(labels.POD_SECURITY_PREFIX):
                yield Problem(
                    f"labels[{key!r}]", self.labels[key], "is set by pod_security; use that"
                )
            elif key == labels.NAMESPACE_NAME:
                yield Problem(
                    f"labels[{key!r}]", self.labels[key], "is set by the API server (the name)"
                )
