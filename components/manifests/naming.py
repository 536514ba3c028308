"""What names the objects Berth leaves unnamed will get: Pulumi's ``pulumi:autonaming``.

Berth names every Service itself, by its logical name (DNS discovery by a name known in
advance is what a Service is for), and leaves other objects to Pulumi's autonaming. The
project's ``pulumi:autonaming`` config decides what autonaming does; Berth reads it to
check the names before anything is registered and to see which of them are fixed (and so
may clash):

- ``default`` (or none configured): ``<logical>-<8 random chars>``;
- ``verbatim``: the logical name as it is; ``disabled``: the provider refuses an object
  without a name, so Berth names it by its logical name (both are fixed names);
- ``pattern``: the pattern expanded (``${name}``, ``${project}``, ``${stack}``,
  ``${organization}``, ``${config.<key>}``; random ``${hex(n)}``, ``${alphanum(n)}``,
  ``${string(n)}``, ``${num(n)}``, ``${uuid}``); without a random part it is a fixed name,
  which Berth sets itself.

``providers.kubernetes`` overrides the top level, and its ``resources`` entry for a type
token (``kubernetes:apps/v1:Deployment``) overrides that. An entry for
``kubernetes:core/v1:Service`` is the one way to hand Services back to autonaming.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, Final, Literal

import attrs

from components import defaults
from components.errors import HIDDEN, Problem, SpecError

Mode = Literal["default", "verbatim", "disabled", "pattern"]
MODES: Final = ("default", "verbatim", "disabled")
CONFIG_KEY: Final = "pulumi:autonaming"
SERVICE_TOKEN: Final = "kubernetes:core/v1:Service"
_TOKENS: Final = {
    "Service": SERVICE_TOKEN,
    "Secret": "kubernetes:core/v1:Secret",
    "Deployment": "kubernetes:apps/v1:Deployment",
    "PodDisruptionBudget": "kubernetes:policy/v1:PodDisruptionBudget",
    "HorizontalPodAutoscaler": "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
    "Ingress": "kubernetes:networking.k8s.io/v1:Ingress",
    "HTTPRoute": "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute",
    "EndpointSlice": "kubernetes:discovery.k8s.io/v1:EndpointSlice",
}
_EXPRESSION = re.compile(r"\$\{([^}]*)\}")
_RANDOM = re.compile(r"(hex|alphanum|string|num)\((\d+)\)|uuid")
_UUID_LENGTH = 36


@attrs.frozen
class Rule:
    """What autonaming does to one kind of object."""

    mode: Mode = "default"
    pattern: str = ""

    @property
    def fixed(self) -> bool:
        """The name is known before the object is created (and so may clash)."""
        if self.mode == "pattern":
            return not any(_RANDOM.fullmatch(e) for e in _EXPRESSION.findall(self.pattern))
        return self.mode in ("verbatim", "disabled")


@attrs.frozen
class Naming:
    """The project's autonaming (``pulumi:autonaming``), resolved for Berth's objects."""

    # The rule for the Kubernetes provider (the top level's unless it has its own).
    default: Rule = Rule()
    by_token: Mapping[str, Rule] = attrs.field(factory=dict)
    values: Mapping[str, str] = attrs.field(factory=dict)
    config: Callable[[str], str | None] = attrs.field(default=lambda _key: None, eq=False)

    def rule(self, kind: str) -> Rule:
        return self.by_token.get(_TOKENS.get(kind, kind), self.default)

    @property
    def services_autonamed(self) -> bool:
        """Services follow autonaming only when the project configures them by type."""
        return SERVICE_TOKEN in self.by_token

    def name(self, logical: str, kind: str) -> str | None:
        """The ``metadata.name`` Berth sets for an object without an explicit name: None
        when autonaming picks a random one."""
        if kind == "Service" and not self.services_autonamed:
            return logical
        rule = self.rule(kind)
        if not rule.fixed:
            return None
        if rule.mode == "pattern":
            return self.expand(rule.pattern, logical)
        return logical

    def added_length(self, kind: str, logical: str) -> int:
        """How much longer than ``logical`` the object's name is at most."""
        if kind == "Service" and not self.services_autonamed:
            return 0
        rule = self.rule(kind)
        if rule.mode == "default":
            return defaults.AUTONAME_SUFFIX_LENGTH
        if rule.mode == "pattern":
            return len(self.expand(rule.pattern, logical, stand_in=True)) - len(logical)
        return 0

    def expand(self, pattern: str, logical: str, stand_in: bool = False) -> str:
        """The pattern with ``logical`` as ``${name}``; random parts (only with
        ``stand_in``) become as many 'a's as they are long."""

        def one(match: re.Match[str]) -> str:
            expression = match.group(1)
            if expression == "name":
                return logical
            if expression in self.values:
                return self.values[expression]
            if expression.startswith("config."):
                return self.config(expression.removeprefix("config.")) or ""
            random = _RANDOM.fullmatch(expression)
            if random is not None and stand_in:
                return "a" * (int(random.group(2)) if random.group(2) else _UUID_LENGTH)
            return match.group(0)

        return _EXPRESSION.sub(one, pattern)


DEFAULT_NAMING: Final = Naming()


def naming_from_config(
    value: object,
    *,
    project: str = "",
    stack: str = "",
    organization: str = "",
    config: Callable[[str], str | None] | None = None,
) -> Naming:
    """The :class:`Naming` of a ``pulumi:autonaming`` config value (None: not configured)."""
    if value is None:
        return DEFAULT_NAMING
    problems: list[Problem] = []
    if not isinstance(value, Mapping):
        raise SpecError([Problem(CONFIG_KEY, HIDDEN, "is not a mapping")], "autonaming")
    top = _rule(value, CONFIG_KEY, problems, Rule())
    by_token: dict[str, Rule] = {}
    providers = value.get("providers", {})
    kubernetes: Mapping[str, Any] = {}
    if not isinstance(providers, Mapping):
        problems.append(Problem(f"{CONFIG_KEY}.providers", HIDDEN, "is not a mapping"))
    else:
        found = providers.get("kubernetes", {})
        if isinstance(found, Mapping):
            kubernetes = found
        else:
            path = f"{CONFIG_KEY}.providers.kubernetes"
            problems.append(Problem(path, HIDDEN, "is not a mapping"))
    provider = _rule(kubernetes, f"{CONFIG_KEY}.providers.kubernetes", problems, top)
    resources = kubernetes.get("resources", {})
    if isinstance(resources, Mapping):
        for token, entry in resources.items():
            path = f"{CONFIG_KEY}.providers.kubernetes.resources[{token!r}]"
            if isinstance(entry, Mapping):
                by_token[str(token)] = _rule(entry, path, problems, provider)
            else:
                problems.append(Problem(path, HIDDEN, "is not a mapping"))
    if problems:
        raise SpecError(problems, "autonaming")
    values = {"project": project, "stack": stack, "organization": organization}
    return Naming(provider, by_token, values, config or (lambda _key: None))


def _rule(entry: Mapping[str, Any], path: str, problems: list[Problem], inherited: Rule) -> Rule:
    mode, pattern = entry.get("mode"), entry.get("pattern")
    if mode is not None and pattern is not None:
        problems.append(Problem(f"{path}.mode", mode, "cannot be combined with pattern"))
        return inherited
    if pattern is not None:
        if not isinstance(pattern, str) or not pattern:
            problems.append(
                Problem(f"{path}.pattern", pattern, "is not a pattern such as '${name}-${hex(8)}'")
            )
            return inherited
        return Rule("pattern", pattern)
    if mode is not None:
        if mode not in MODES:
            allowed = "is not one of " + ", ".join(repr(m) for m in MODES)
            problems.append(Problem(f"{path}.mode", mode, allowed))
            return inherited
        return Rule(mode)
    return inherited
