"""The one error every bad input raises: all problems of a spec, each naming its field."""

from __future__ import annotations

from collections.abc import Iterable

import attrs


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
        return f"{self.path}: {_show(self.value)} {self.allowed}"


def _show(value: object) -> str:
    # Outputs and other lazy values have no useful repr; say what they are instead.
    if type(value).__name__ == "Output":
        return "<pulumi.Output>"
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


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
