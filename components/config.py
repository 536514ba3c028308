"""Stack config → specs: structured config becomes the same attrs classes users write.

``pulumi.Config.require_object`` returns plain dicts and lists; these functions turn
them into validated args, so a bad stack file fails before anything is registered,
with an error that names the stack, the config key path, the value and the rule.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from components.errors import Problem, SpecError
from components.inputs.base import from_mapping

A = TypeVar("A")


def args_from_config(
    cls: type[A], data: object, *, key: str, stack: str, defaults: Mapping[str, Any] | None = None
) -> A:
    """Build ``cls`` from the config value at ``key``; ``defaults`` fill absent top-level keys."""
    context = f"stack {stack!r}"
    if not isinstance(data, Mapping):
        raise SpecError([Problem(key, data, "is not a mapping of settings")], context)
    merged = {**(defaults or {}), **data}
    try:
        result: A = from_mapping(cls)(merged)
    except SpecError as error:
        raise error.under(key, context=context) from None
    return result


def load_all(loaders: Mapping[str, Callable[[], Any]], stack: str) -> dict[str, Any]:
    """Run every loader and report all their problems together, or return every result."""
    results: dict[str, Any] = {}
    problems: list[Problem] = []
    for name, load in loaders.items():
        try:
            results[name] = load()
        except SpecError as error:
            problems.extend(error.problems)
    if problems:
        raise SpecError(problems, f"stack {stack!r}")
    return results
