"""What every spec class shares: checks declared beside each field, collected in one pass.

attrs validators stop at the first failure; a user fixing a stack config wants every
problem at once. So a field carries its checks in ``metadata`` (declared with
:func:`field`), :meth:`Spec.problems` runs them all, walks nested specs with their
path, then runs the class's cross-field rules (methods marked with :func:`rule`).
Top-level ``*Args`` classes call :func:`validate` when constructed, so no invalid
spec ever reaches a component.

A rule names the fields it reads, runs only when each of them (and everything inside
it) is valid, and is handed a view of the spec that has only those fields: it cannot
see a value that failed its own checks, so no rule meets a type it was not written for.
"""

from __future__ import annotations

import inspect
import math
import types
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import (
    TYPE_CHECKING,
    Any,
    ClassVar,
    Final,
    Self,
    TypeVar,
    cast,
    dataclass_transform,
    overload,
)

import attrs

from components.errors import HIDDEN, MISSING, SECRET, Problem, SpecError, key_path, show, stand_in
from components.inputs.rules import Check, Found, allowing, describe, is_int, optional

_CHECKS = "berth_checks"
_SECRET = "berth_secret"
_TAKES_OUTPUT = "berth_takes_output"
_READS = "berth_reads"

# Deeper than any Kubernetes field nests; a deeper value is a mistake (or an attack on
# recursion limits) and is refused before anything walks it recursively.
MAX_DEPTH: Final = 32
# Kubernetes numbers are at most 64-bit; Pulumi sends them as doubles.
_INT_LIMIT: Final = 2**63 - 1

_T = TypeVar("_T")
_C = TypeVar("_C", bound=type)
_F = TypeVar("_F", bound=Callable[..., Iterable[Problem]])


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


# The run-time default of a required field: a missing setting (from config or a direct
# call) is reported with every other problem instead of as a TypeError from __init__.
REQUIRED: Final[Any] = _Required()


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
    secret: bool = False,
    takes_output: bool = False,
) -> _T: ...
@overload
def field(
    *,
    factory: Callable[[], _T],
    checks: Sequence[Check] = (),
    converter: Callable[[Any], Any] | None = None,
    secret: bool = False,
    takes_output: bool = False,
) -> _T: ...
@overload
def field(
    *,
    checks: Sequence[Check] = (),
    converter: Callable[[Any], Any] | None = None,
    secret: bool = False,
    takes_output: bool = False,
) -> Any: ...
def field(
    *,
    default: Any = REQUIRED,
    factory: Callable[[], Any] | None = None,
    checks: Sequence[Check] = (),
    converter: Callable[[Any], Any] | None = None,
    secret: bool = False,
    takes_output: bool = False,
) -> Any:
    """An attrs field whose ``checks`` run when the spec is validated.

    ``secret`` values (or a mapping's values) never appear in a message or ``repr``;
    ``takes_output`` lets the field hold a ``pulumi.Output`` (anywhere in its value).
    """
    return attrs.field(
        default=attrs.Factory(factory) if factory is not None else default,
        converter=converter,
        repr=_secret_repr if secret else True,
        metadata={_CHECKS: tuple(checks), _SECRET: secret, _TAKES_OUTPUT: takes_output},
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
    default: Any = REQUIRED,
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
    """Class decorator of every input class: frozen, keyword-only attrs, typed for checkers.

    A misspelt keyword or a positional argument is a :class:`SpecError` that lists the
    settings, as a misspelt config key is, rather than Python's ``TypeError``.
    """
    made: Any = attrs.frozen(kw_only=True)(cls)
    generated = made.__init__
    known = frozenset(a.alias for a in attrs.fields(made))

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        if args or not known.issuperset(kwargs):
            raise SpecError(_call_problems(made, args, kwargs, known), made.__name__)
        generated(self, **kwargs)

    init.__name__ = init.__qualname__ = "__init__"
    init.__doc__ = generated.__doc__
    init.__signature__ = inspect.signature(generated)  # type: ignore[attr-defined]
    made.__init__ = init
    return cast(_C, made)


def _call_problems(
    cls: type, args: tuple[Any, ...], kwargs: Mapping[str, Any], known: frozenset[str]
) -> list[Problem]:
    settings = ", ".join(sorted(known))
    found = [
        Problem(str(name), HIDDEN, f"is not a setting of {cls.__name__} (known: {settings})")
        for name in kwargs
        if name not in known
    ]
    if args:
        found.append(
            Problem(
                "positional arguments",
                stand_in(f"{len(args)} given,"),
                f"but {cls.__name__} takes each setting by name (known: {settings})",
            )
        )
    return found


def rule(*reads: str) -> Callable[[_F], _F]:
    """Mark a method of a spec class as a rule between the fields it ``reads``.

    The method yields :class:`Problem`\\ s. It runs only when every field it reads is
    valid (its checks pass and nothing nested in it has a problem), and its ``self``
    then has only those fields: reading any other raises :class:`UndeclaredReadError`.
    """

    def mark(method: _F) -> _F:
        setattr(method, _READS, tuple(reads))
        return method

    return mark


class UndeclaredReadError(AssertionError):
    """A rule read a field it does not name in ``@rule(...)``: a bug in Berth, not in input."""


def _secret_repr(value: object) -> str:
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{show(k)}: {SECRET!r}" for k in value) + "}"
    return "None" if value is None else repr(SECRET)


class Unbuilt:
    """What a nested spec given as a mapping becomes when it cannot be built (unknown keys).

    A converter must not raise (attrs would stop at the first field), so the problems
    ride along in the field and :meth:`Spec.problems` reports them with the rest.
    """

    def __init__(self, cls: type[Any], problems: Sequence[Problem]) -> None:
        self.cls = cls
        self.problems = tuple(problems)

    def __repr__(self) -> str:
        return f"<{self.cls.__name__} settings that could not be read>"


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
        cls = type(self)
        found: list[Problem] = []
        for declared in _declared(cls):
            own = _field_problems(cls, declared, getattr(self, declared.name))
            found.extend(p.under(declared.name) for p in own)
        invalid = {_top(p.path) for p in found}
        for method, reads in _rules_of(cls):
            if invalid.isdisjoint(reads):
                found.extend(method(_View(self, reads)))
        return found


def _top(path: str) -> str:
    """The field a problem's path starts with: ``ports`` of ``ports[1].name``."""
    end = len(path)
    for sep in ".[":
        at = path.find(sep)
        if at != -1:
            end = min(end, at)
    return path[:end]


_Rules = tuple[tuple[Callable[..., Iterable[Problem]], tuple[str, ...]], ...]
_RULES: dict[type, _Rules] = {}


def _rules_of(cls: type) -> _Rules:
    """The class's rules, base classes' first, each in the order it is defined."""
    if cls in _RULES:
        return _RULES[cls]
    found: dict[str, Callable[..., Iterable[Problem]]] = {}
    for klass in reversed(cls.__mro__):
        for name, member in vars(klass).items():
            if callable(member) and hasattr(member, _READS):
                found[name] = member
    names = {a.name for a in attrs.fields(cls)}
    for method in found.values():
        unknown = set(getattr(method, _READS)) - names
        if unknown:
            raise UndeclaredReadError(f"{cls.__name__} has no field {sorted(unknown)} to read")
    rules = _RULES[cls] = tuple((m, getattr(m, _READS)) for m in found.values())
    return rules


class _View:
    """A spec as one rule sees it: the fields the rule reads, and methods bound to this view."""

    __slots__ = ("_reads", "_spec")

    def __init__(self, spec: Spec, reads: tuple[str, ...]) -> None:
        self._spec = spec
        self._reads = reads

    def __getattr__(self, name: str) -> Any:
        spec = self._spec
        if name in _field_names(type(spec)):
            if name not in self._reads:
                raise UndeclaredReadError(
                    f"a rule of {type(spec).__name__} reads {name!r} but declares only "
                    f"{self._reads!r}"
                )
            return getattr(spec, name)
        member = inspect.getattr_static(spec, name)
        if isinstance(member, property) and member.fget is not None:
            return member.fget(self)
        if isinstance(member, types.FunctionType):
            return types.MethodType(member, self)
        return getattr(spec, name)


def _field_names(cls: type) -> frozenset[str]:
    names = _NAMES.get(cls)
    if names is None:
        names = _NAMES[cls] = frozenset(a.name for a in attrs.fields(cls))
    return names


_NAMES: dict[type, frozenset[str]] = {}


@attrs.frozen
class _Declared:
    """What problems() needs of one field, read from its metadata once per class."""

    name: str
    checks: tuple[Check, ...]
    secret: bool
    takes_output: bool


_DECLARED: dict[type, tuple[_Declared, ...]] = {}


def _declared(cls: type) -> tuple[_Declared, ...]:
    found = _DECLARED.get(cls)
    if found is None:
        found = _DECLARED[cls] = tuple(
            _Declared(
                a.name,
                a.metadata.get(_CHECKS, ()),
                a.metadata.get(_SECRET, False),
                a.metadata.get(_TAKES_OUTPUT, False),
            )
            for a in attrs.fields(cls)
        )
    return found


def _field_problems(cls: type, declared: _Declared, value: object) -> list[Problem]:
    """Problems of one field's value, paths relative to the field."""
    if value is REQUIRED:
        return [Problem("", MISSING, "is required")]
    if isinstance(value, Unbuilt):
        return list(value.problems)
    found = _odd(value, takes_output=declared.takes_output, owner=cls)
    if not found:
        for check in declared.checks:
            allowed = check(value)
            if allowed:
                found = _at("", _shape_of(value) if isinstance(allowed, str) else value, allowed)
                break
        else:
            if isinstance(value, Spec | tuple | dict):
                found = _nested_problems(value)
    if declared.secret:
        found = [_redacted(p, value) for p in found]
    return found


def _shape_of(value: object) -> object:
    """A wrong value as a message shows it: a structure holding structures by its shape only.

    It may hold anything, secrets of a setting it was meant for among them (a Container's
    secret_env given inside a list), and the field's check cannot know which part is what.
    """
    if isinstance(value, Mapping | list | tuple):
        items = value.values() if isinstance(value, Mapping) else value
        if any(isinstance(item, Mapping | list | tuple | Spec) for item in items):
            kind = "mapping" if isinstance(value, Mapping) else "list"
            count = len(value)
            return stand_in(f"<a {kind} of {count} item{'s' if count != 1 else ''}>")
    return value


def _redacted(problem: Problem, value: object) -> Problem:
    # A mapping's key is no secret (the path shows it anyway), its values are.
    if isinstance(value, Mapping) and _is_key(problem.value, value):
        return problem
    return Problem(problem.path, SECRET, problem.allowed)


def _is_key(candidate: object, mapping: Mapping[Any, Any]) -> bool:
    try:
        return any(
            candidate is k or (type(candidate) is type(k) and candidate == k) for k in mapping
        )
    except Exception:
        return False


def _at(path: str, value: object, allowed: Found) -> list[Problem]:
    """A check's result as problems at ``path``."""
    if not allowed:
        return []
    if isinstance(allowed, str):
        return [Problem(path, value, allowed)]
    return [p.under(path) if path else p for p in allowed]


def _odd(value: object, *, takes_output: bool, owner: type) -> list[Problem]:
    """Values no field takes, found before any check (or Pulumi's serializer) meets them:
    nesting deeper than MAX_DEPTH, text that is not Unicode, numbers beyond 64 bits,
    non-finite floats, and Outputs where the field needs a plain value."""
    kind = type(value)
    # The common cases, without the walk.
    if value is None or kind is bool or (kind is str and value.isascii()):  # type: ignore[attr-defined]
        return []
    if kind is int and -_INT_LIMIT - 1 <= value <= _INT_LIMIT:  # type: ignore[operator]
        return []
    stack: list[tuple[str, object, int]] = [("", value, 0)]
    while stack:
        path, item, depth = stack.pop()
        if isinstance(item, str):
            if not _is_unicode(item):
                return [Problem(path, item, "is not valid Unicode text (a lone surrogate)")]
        elif isinstance(item, bool) or item is None:
            continue
        elif isinstance(item, int):
            if not -_INT_LIMIT - 1 <= item <= _INT_LIMIT:
                return [Problem(path, item, "is out of range (more than a 64-bit integer)")]
        elif isinstance(item, float):
            if not math.isfinite(item):
                return [Problem(path, item, "is not a finite number")]
        elif type(item).__name__ == "Output":
            if not takes_output:
                return [Problem(path, item, _no_output(owner))]
        elif isinstance(item, list | tuple | set | frozenset | Mapping):
            if depth >= MAX_DEPTH:
                return [Problem(path, HIDDEN, f"is nested more than {MAX_DEPTH} levels deep")]
            if isinstance(item, Mapping):
                for k, v in item.items():
                    stack.append((path + key_path(k), k, depth + 1))
                    stack.append((path + key_path(k), v, depth + 1))
            else:
                stack.extend((f"{path}[{i}]", v, depth + 1) for i, v in enumerate(item))
    return []


def _is_unicode(text: str) -> bool:
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _no_output(owner: type) -> str:
    taking = _taking_outputs(owner)
    where = (
        f"of {owner.__name__}, only {', '.join(taking)} take one"
        if taking
        else ("the settings that take one are " + ", ".join(_all_taking_outputs()))
    )
    return (
        "is a pulumi.Output, but this setting needs a plain value (it shapes the objects "
        f"before Pulumi knows the Output's value); {where}"
    )


def _taking_outputs(cls: type) -> list[str]:
    return [a.name for a in attrs.fields(cls) if a.metadata.get(_TAKES_OUTPUT, False)]


def _all_taking_outputs() -> list[str]:
    found: list[str] = []
    stack: list[type] = [Spec]
    seen: set[type] = set()
    while stack:
        cls = stack.pop()
        subclasses: list[type] = cls.__subclasses__()
        for sub in subclasses:
            if sub not in seen:
                seen.add(sub)
                stack.append(sub)
                if attrs.has(sub):
                    own = {a.name for a in attrs.fields(sub) if a.inherited is False}
                    found += [f"{sub.__name__}.{n}" for n in _taking_outputs(sub) if n in own]
    return sorted(found)


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
                found.extend(p.under(key_path(key)) for p in item.problems())
    return found


def validate(spec: Spec, context: str | None = None) -> None:
    problems = spec.problems()
    if problems:
        raise SpecError(problems, context or type(spec).__name__)


def each(check: Check) -> Check:
    """Apply ``check`` to every item of a tuple (and require a tuple); each bad item is
    reported at its index."""

    def check_items(value: object) -> Found:
        if not isinstance(value, tuple):
            return "is not a list"
        found: list[Problem] = []
        for i, item in enumerate(value):
            if isinstance(item, Unbuilt):
                found.extend(p.under(f"[{i}]") for p in item.problems)
            else:
                found.extend(_at(f"[{i}]", item, check(item)))
        return found or None

    return allowing(lambda: f"a list, each item {describe(check)}", check_items)


def mapping_of(key: Check, value: Check | None = None) -> Check:
    """Check every key and value of a dict (and require a dict), each at its key."""

    def check_mapping(mapping: object) -> Found:
        if not isinstance(mapping, dict):
            return "is not a mapping"
        found: list[Problem] = []
        for k, v in mapping.items():
            at = key_path(k)
            allowed = key(k)
            if allowed:
                found.extend(_at(at, k, allowed))
            elif isinstance(v, Unbuilt):
                # A nested spec from config that could not be built: its own problems.
                found.extend(p.under(at) for p in v.problems)
            elif value is not None:
                found.extend(_at(at, v, value(v)))
        return found or None

    def allows() -> str:
        keys = f"a mapping: keys {describe(key)}"
        return keys if value is None else f"{keys}, values {describe(value)}"

    return allowing(allows, check_mapping)


def instance_of(*types: type, what: str) -> Check:
    def check(value: object) -> str | None:
        return None if isinstance(value, types) else f"is not {what}"

    return check


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


def unknown_keys(cls: type[Any], value: Mapping[Any, Any]) -> list[Problem]:
    """Keys of a config mapping that are not settings of ``cls``; their values are never
    shown (a misspelt ``pasword:`` holds a password)."""
    known = _field_names(cls)
    listed = ", ".join(sorted(known))
    return [
        Problem(
            k if isinstance(k, str) and k.isidentifier() else key_path(k),
            HIDDEN,
            f"is not a setting of {cls.__name__} (known: {listed})",
        )
        for k in value
        if not isinstance(k, str) or k not in known
    ]


def from_mapping(cls: type[Any]) -> Callable[[Any], Any]:
    """Converter: let stack config give a nested spec as a plain mapping of its fields.

    Never raises: keys that are not settings make an :class:`Unbuilt`, reported when the
    spec is validated; missing ones are reported as required by the spec itself.
    """

    def convert(value: Any) -> Any:
        if not isinstance(value, Mapping):
            return value
        unknown = unknown_keys(cls, value)
        if not unknown:
            return cls(**value)
        # The known settings are still read, so that all their problems come at once.
        names = _field_names(cls)
        try:
            partial = cls(**{k: v for k, v in value.items() if isinstance(k, str) and k in names})
        except SpecError as error:
            more = list(error.problems)
        else:
            more = partial.problems()
        return Unbuilt(cls, [*unknown, *more])

    return convert


def tuple_of(cls: type[Any], port: str | None = None) -> Callable[[Any], Any]:
    """Converter for a list of nested specs from config; ``port`` names the field a bare
    number stands for (``ports: [8080]`` means ``[ContainerPort(port=8080)]``)."""
    make = from_mapping(cls)

    def convert(value: Any) -> Any:
        if not isinstance(value, list | tuple):
            return value
        return tuple(cls(**{port: item}) if port and is_int(item) else make(item) for item in value)

    return convert
