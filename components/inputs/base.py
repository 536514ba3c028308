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
from typing import TYPE_CHECKING, Any, ClassVar, Self, TypeVar, cast, dataclass_transform, overload

import attrs

from components.errors import Problem, SpecError
from components.inputs.rules import Check, allowing, describe, is_int, optional

_CHECKS = "berth_checks"


_T = TypeVar("_T")
_C = TypeVar("_C", bound=type)


# The overloads tell type checkers which fields have a default: with `default=` or
# `factory=` a field is optional in __init__, without either it is required. The class
# decorator below names `field` and `nested` as field specifiers (PEP 681), so mypy and
# pyright read the generated __init__ (required fields, defaults, keyword-only, no typos).
@overload
def field(
    *,
    default: _T,
    checks: Sequence[Check] = (),
    converter: Callable[[Any], Any] | None = None,
) -> _T: ...
@overload
def field(
    *,
    factory: Callable[[], _T],
    checks: Sequence[Check] = (),
    converter: Callable[[Any], Any] | None = None,
) -> _T: ...
@overload
def field(
    *,
    checks: Sequence[Check] = (),
    converter: Callable[[Any], Any] | None = None,
) -> Any: ...
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


@overload
def nested(*, factory: type[_T]) -> _T: ...
@overload
def nested(cls: type[_T], *, default: None) -> _T | None: ...
@overload
def nested(cls: type[_T]) -> _T: ...
def nested(
    cls: type[Any] | None = None,
    *,
    factory: type[Any] | None = None,
    default: Any = attrs.NOTHING,
) -> Any:
    """A field holding a nested spec, given as the class or (from config) a mapping.

    ``nested(factory=Resources)`` builds ``Resources()`` when absent,
    ``nested(Probe, default=None)`` is optional, ``nested(Container)`` is required.
    """
    kind: type[Any] = factory or cls  # type: ignore[assignment]
    article = "an" if kind.__name__[0] in "AEIOU" else "a"
    check = instance_of(kind, what=f"{article} {kind.__name__}")
    convert = from_mapping(kind)
    if factory is not None:
        return field(factory=factory, converter=convert, checks=[check])
    if default is None:
        return field(default=None, converter=convert, checks=[optional(check)])
    return field(converter=convert, checks=[check])


@dataclass_transform(
    frozen_default=True, kw_only_default=True, field_specifiers=(field, nested, attrs.field)
)
def spec(cls: _C) -> _C:
    """Class decorator of every input class: frozen, keyword-only attrs, typed for checkers."""
    return attrs.frozen(kw_only=True)(cls)


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

    if TYPE_CHECKING:
        # What attrs sets on each subclass; declared so that mypy's attrs plugin types
        # `attrs.evolve(spec, ...)` from the __init__ that `@spec` describes.
        __attrs_attrs__: ClassVar[tuple[attrs.Attribute[Any], ...]]

    def evolve(self, **changes: Any) -> Self:
        """A copy with ``changes`` applied (``attrs.evolve``; a top-level ``*Args`` validates
        the copy). Type checkers read ``@spec`` classes as dataclass-like, not as attrs
        classes, so they reject ``attrs.evolve(spec, ...)``: call this instead."""
        return attrs.evolve(cast(Any, self), **changes)  # type: ignore[no-any-return]

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
