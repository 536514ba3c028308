"""Values given as Outputs are checked when Pulumi knows them, with the rule a plain value meets.

The inputs layer checks plain values at construction; an Output's value exists only once
Pulumi resolves it (at preview for a config value, after a resource is created for a
resource output). So the component attaches a check to each such Output: an ``apply`` of
its own (not part of any resource's inputs, whose error text would print them) that
raises a :class:`SpecError` naming the field, and the program fails with it. The value
is never shown: it may be a secret.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi

from components.errors import HIDDEN, Problem, SpecError
from components.inputs import rules
from components.inputs.container import ConfigMapKeyRef, Container, SecretKeyRef
from components.inputs.rules import Check
from components.inputs.volumes import ProjectedVolume, Volume


def check_when_known(value: Any, check: Check, path: str, context: str) -> None:
    """If ``value`` is an Output, fail the program with a SpecError when its value fails."""
    if not isinstance(value, pulumi.Output):
        return

    def verify(known: Any) -> None:
        found = check(known)
        if found:
            allowed = found if isinstance(found, str) else "; ".join(p.allowed for p in found)
            raise SpecError(
                [Problem(path, HIDDEN, f"(the value of a pulumi.Output) {allowed}")], context
            )

    value.apply(verify)


def _text(value: object) -> str | None:
    return None if isinstance(value, str) else "is not a string"


def _credential(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        return "is not a string"
    return None if value else "is empty"


def check_container(container: Container, path: str, context: str) -> None:
    """Attach checks to the Outputs among ``container``'s env and secret_env values."""
    check_env(container.env, f"{path}.env", context)
    for name, value in container.secret_env.items():
        check_when_known(value, _text, f"{path}.secret_env[{name!r}]", context)
    for i, source in enumerate(container.env_from):
        for key in ("config_map_name", "secret_name"):
            name = getattr(source, key)
            check_when_known(name, rules.dns1123_subdomain, f"{path}.env_from[{i}].{key}", context)


def check_pod(
    container: Container,
    init_containers: Sequence[Container],
    sidecars: Sequence[Container],
    context: str,
) -> None:
    """:func:`check_container` on every container of the pod."""
    check_container(container, "container", context)
    for field, group in (("init_containers", init_containers), ("sidecars", sidecars)):
        for i, extra in enumerate(group):
            check_container(extra, f"{field}[{i}]", context)


def check_env(env: Mapping[str, Any], path: str, context: str) -> None:
    """Attach checks to the Outputs among env values (and SecretKeyRef/ConfigMapKeyRef names)."""
    for name, value in env.items():
        at = f"{path}[{name!r}]"
        if isinstance(value, SecretKeyRef):
            check_when_known(
                value.secret_name, rules.dns1123_subdomain, f"{at}.secret_name", context
            )
        elif isinstance(value, ConfigMapKeyRef):
            check_when_known(
                value.config_map_name, rules.dns1123_subdomain, f"{at}.config_map_name", context
            )
        else:
            check_when_known(value, _text, at, context)


def check_credentials(values: dict[str, Any], context: str) -> None:
    for path, value in values.items():
        check_when_known(value, _credential, path, context)


def check_volumes(volumes: Sequence[Volume], path: str, context: str) -> None:
    """Attach checks to the object names among ``volumes`` given as Outputs."""
    for i, volume in enumerate(volumes):
        at = f"{path}[{i}]"
        named: list[tuple[str, object]] = [
            (field, getattr(volume, field))
            for field in ("config_map_name", "secret_name", "claim_name")
            if hasattr(volume, field)
        ]
        if isinstance(volume, ProjectedVolume):
            named += [
                (f"sources[{j}].{field}", getattr(source, field))
                for j, source in enumerate(volume.sources)
                for field in ("config_map_name", "secret_name")
                if hasattr(source, field)
            ]
        for field, value in named:
            check_when_known(value, rules.dns1123_subdomain, f"{at}.{field}", context)
