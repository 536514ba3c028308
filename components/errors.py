"""The one error every bad input raises: all problems of a spec, each naming its field."""

from __future__ import annotations

import reprlib
from collections.abc import Iterable
from typing import Final

import attrs


class _Shown:
    """A stand-in value that prints as fixed text, never as what it replaced."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


def stand_in(text: str) -> object:
    """A value for a :class:`Problem` that prints as ``text``, never as what it replaced."""
    return _Shown(text)


# What a secret field's value, or anything given as a Pulumi secret, prints as.
SECRET: Final = _Shown("[secret]")
# The value of a required setting that was not given.
MISSING: Final = _Shown("(not given)")
# A value that is not printed at all (unknown config keys: a misspelt `pasword:`).
HIDDEN: Final = _Shown("")


@attrs.frozen
class Problem:
    """One rule broken by one value: ``path: value what-is-allowed``."""

    path: str
    value: object
    allowed: str

    def under(self, prefix: str) -> Problem:
        """The same problem seen from the spec that holds this one under ``prefix``."""
        sep = "" if not self.path or self.path.startswith("[") else "."
        return Problem(
            f"{prefix}{sep}{self.path}" if self.path else prefix, self.value, self.allowed
        )

    def __str__(self) -> str:
        if self.value is HIDDEN:
            return f"{self.path}: {self.allowed}"
        return f"{self.path}: {show(self.value)} {self.allowed}"


_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxstring, _REPR.maxother = 3, 100, 100
_REPR.maxlist = _REPR.maxtuple = _REPR.maxdict = _REPR.maxset = 6


def show(value: object) -> str:
    """``value`` as a message shows it: short, printable, never a secret or an exception."""
    if isinstance(value, _Shown):
        return value.text
    # Outputs and other lazy values have no useful repr (and may hold secrets).
    if type(value).__name__ == "Output":
        return "<pulumi.Output>"
    if isinstance(value, int) and value.bit_length() > 64:
        return f"<an integer of {value.bit_length()} bits>"
    try:
        text = _REPR.repr(value)
    except (RecursionError, ValueError, TypeError, AttributeError, RuntimeError):
        # A user object whose repr fails must not hide the problem it is part of.
        text = f"<{type(value).__name__}>"
    return text if len(text) <= 120 else text[:117] + "..."


def key_path(key: object) -> str:
    """The path step of a mapping key: ``['app name']``."""
    return f"[{show(key)}]"


class SpecError(ValueError):
    """Raised before anything is registered; lists every problem found, one per line."""

    def __init__(self, problems: Iterable[Problem], context: str = "") -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        self.context = context
        head = f"{context}: " if context else ""
        count = len(self.problems)
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"{head}{count} invalid setting{'s' if count != 1 else ''}:\n{lines}")

    def under(self, prefix: str, context: str | None = None) -> SpecError:
        return SpecError(
            (p.under(prefix) for p in self.problems),
            self.context if context is None else context,
        )
