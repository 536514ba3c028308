"""What every spec class shares: checks declared beside each field, collected in one pass.

attrs validators stop at the first failure; a user fixing a stack config wants every
problem at once. So a field carries its checks in ``metadata`` (declared with
:func:`field`), :meth:`Spec.problems` runs them all, walks nested specs with their
path, then asks the class for its cross-field rules (:meth:`Spec._relations`).
Top-level ``*Args`` classes call :func:`validate` when constructed, so no invalid
spec ever reaches a component.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, cast

import attrs

from components.errors import Problem, SpecError
from components.inputs.rules import Check, allowing, describe, is_int, optional

_CHECKS = "berth_checks"


def field(
    *,
    default: Any = attrs.NOTHING,
    factory: Callable[[], Any] | None = None,
    checks: Sequence[Check] = (),
    converter: Callable[[Any], Any] | None = None,
) -> Any:
    """An attrs field whose ``checks`` run when the spec is validated."""
    return attrs.field(
        default=attrs.Factory(factory) if factory is not None else default,
        converter=_located(converter) if converter is not None else None,
        metadata={_CHECKS: tuple(checks)},
    )


def _located(converter: Callable[[Any], Any]) -> attrs.Converter[Any, Any]:
    """A converter whose config errors (unknown or missing keys) carry this field's path."""

    def convert(value: Any, at: attrs.Attribute[Any]) -> Any:
        try:
            return converter(value)
        except SpecError as error:
            raise error.under(at.name) from None

    return attrs.Converter(convert, takes_field=True)


def to_tuple(value: Any) -> Any:
    """Accept lists from users and config, store tuples so specs stay immutable."""
    if isinstance(value, list | tuple):
        return tuple(value)
    return value


def to_dict(value: Any) -> Any:
    if value is None:
        return {}
    if isinstance(value, Mapping):
        return dict(value)
    return value


class Spec:
    """Base of every spec class: collects problems instead of raising on the first."""

    def problems(self) -> list[Problem]:
        found: list[Problem] = []
        bad: set[str] = set()
        for a in attrs.fields(cast(Any, type(self))):
            value = getattr(self, a.name)
            for check in a.metadata.get(_CHECKS, ()):
                allowed = check(value)
                if allowed is not None:
                    found.append(Problem(a.name, value, allowed))
                    bad.add(a.name)
                    break
            else:
                found.extend(p.under(a.name) for p in _nested_problems(value))
        found.extend(self._relations(lambda *names: not bad.intersection(names)))
        return found

    def _relations(self, ok: Callable[..., bool]) -> Iterator[Problem]:
        """Rules between fields; ``ok(*names)`` is False when one of them already failed."""
        return iter(())


def _nested_problems(value: object) -> list[Problem]:
    if isinstance(value, Spec):
        return value.problems()
    found: list[Problem] = []
    if isinstance(value, tuple):
        for i, item in enumerate(value):
            if isinstance(item, Spec):
                found.extend(p.under(f"[{i}]") for p in item.problems())
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, Spec):
                found.extend(p.under(f"[{key!r}]") for p in item.problems())
    return found


def validate(spec: Spec, context: str | None = None) -> None:
    problems = spec.problems()
    if problems:
        raise SpecError(problems, context or type(spec).__name__)


def each(check: Check) -> Check:
    """Apply ``check`` to every item of a tuple (and require a tuple)."""

    def check_items(value: object) -> str | None:
        if not isinstance(value, tuple):
            return "is not a list"
        for item in value:
            allowed = check(item)
            if allowed is not None:
                return f"has an item {item!r} that {allowed}"
        return None

    return allowing(lambda: f"a list, each item {describe(check)}", check_items)


def mapping_of(key: Check, value: Check | None = None) -> Check:
    def check_mapping(mapping: object) -> str | None:
        if not isinstance(mapping, dict):
            return "is not a mapping"
        for k, v in mapping.items():
            allowed = key(k)
            if allowed is not None:
                return f"has a key {k!r} that {allowed}"
            if value is not None and (allowed := value(v)) is not None:
                return f"has a value {v!r} for {k!r} that {allowed}"
        return None

    def allows() -> str:
        keys = f"a mapping: keys {describe(key)}"
        return keys if value is None else f"{keys}, values {describe(value)}"

    return allowing(allows, check_mapping)


def nested(cls: type[Any], *, default: str = "factory") -> Any:
    """A field holding a nested spec, given as the class or (from config) a mapping.

    ``default``: "factory" builds ``cls()`` when absent, "none" makes the field optional,
    "required" makes it required.
    """
    article = "an" if cls.__name__[0] in "AEIOU" else "a"
    check = instance_of(cls, what=f"{article} {cls.__name__}")
    if default == "none":
        return field(default=None, converter=from_mapping(cls), checks=[optional(check)])
    if default == "required":
        return field(converter=from_mapping(cls), checks=[check])
    return field(factory=cls, converter=from_mapping(cls), checks=[check])


def instance_of(*types: type, what: str) -> Check:
    def check(value: object) -> str | None:
        return None if isinstance(value, types) else f"is not {what}"

    return check


def from_mapping(cls: type[Any]) -> Callable[[Any], Any]:
    """Converter: let stack config give a nested spec as a plain mapping of its fields."""

    def convert(value: Any) -> Any:
        if not isinstance(value, Mapping):
            return value
        known = {a.name for a in attrs.fields(cls)}
        unknown = [k for k in value if k not in known]
        if unknown:
            raise SpecError(
                [
                    Problem(str(k), value[k], f"is not a setting of {cls.__name__} "
                            f"(known: {', '.join(sorted(known))})")
                    for k in unknown
                ],
                cls.__name__,
            )  # fmt: skip
        try:
            return cls(**value)
        except TypeError as error:
            missing = [a.name for a in attrs.fields(cls) if a.name in str(error)]
            if not missing:
                raise
            raise SpecError(
                [Problem(name, None, "is required") for name in missing], cls.__name__
            ) from None

    return convert


def tuple_of(cls: type[Any], port: str | None = None) -> Callable[[Any], Any]:
    """Converter for a list of nested specs from config; ``port`` names the field a bare
    number stands for (``ports: [8080]`` means ``[ContainerPort(port=8080)]``)."""
    make = from_mapping(cls)

    def convert(value: Any) -> Any:
        if not isinstance(value, list | tuple):
            return value
        items = []
        for i, item in enumerate(value):
            try:
                items.append(cls(**{port: item}) if port and is_int(item) else make(item))
            except SpecError as error:
                raise error.under(f"[{i}]") from None
        return tuple(items)

    return convert
