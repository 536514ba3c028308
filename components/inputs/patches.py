"""Patch: the escape hatch for a field Berth does not model, on any object a component makes.

A patch selects objects by ``kind`` (and optionally by ``name``, the object's Pulumi resource
name, such as ``"shop"`` or ``"checkout-canary"``) and changes them after Berth built them:
with a JSON merge patch (RFC 7386; from stack config too) or a function from manifest to
manifest (Python only). Berth's own checks run again on the patched objects
(``components/manifests/patches.py``), so a patch cannot quietly break what Berth promises.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from components.errors import Problem, stand_in
from components.inputs import rules
from components.inputs.base import Spec, field, rule, spec, to_tuple, tuple_of

# Fields that make an object what it is to Berth and to Pulumi: a patch that changed them
# would break the references between objects or the fixed-name checks.
PROTECTED: Mapping[str, tuple[str, ...]] = {
    "apiVersion": (),
    "kind": (),
    "metadata": ("name", "namespace"),
}


def _json_like(value: object) -> str | None:
    if value is None or isinstance(value, bool | int | float | str):
        return None
    if type(value).__name__ == "Output":
        return None
    if isinstance(value, list | tuple):
        return next((found for v in value if (found := _json_like(v)) is not None), None)
    if isinstance(value, Mapping):
        if not all(isinstance(k, str) for k in value):
            return "has a key that is not a string (a manifest's keys are strings)"
        return next((found for v in value.values() if (found := _json_like(v)) is not None), None)
    return f"holds a {type(value).__name__}, which no manifest field takes"


def merge_patch(value: object) -> str | None:
    if not isinstance(value, Mapping):
        return "is not a mapping (a JSON merge patch of the object's fields)"
    return _json_like(value)


def _callable(value: object) -> str | None:
    return None if callable(value) else "is not a function (manifest -> manifest)"


Manifest = dict[str, Any]
# How a message shows a patch's function (its repr says nothing a user wrote).
FUNCTION = stand_in("<function>")


@spec
class Patch(Spec):
    """Change the objects of ``kind`` (and ``name``, their Pulumi resource name, when given)
    with ``merge`` (a JSON merge patch: mappings merge, a value replaces, None deletes a
    field, lists are replaced whole) or ``apply`` (a function given a copy of the manifest,
    returning the new one). Give exactly one of ``merge`` and ``apply``."""

    kind: str = field(checks=[rules.non_empty_text])
    name: str | None = field(default=None, checks=[rules.optional(rules.non_empty_text)])
    merge: Mapping[str, Any] | None = field(
        default=None, checks=[rules.optional(merge_patch)], takes_output=True
    )
    apply: Callable[[Manifest], Manifest] | None = field(
        default=None, checks=[rules.optional(_callable)]
    )

    @rule("merge", "apply")
    def _one_change(self) -> Iterator[Problem]:
        if self.merge is None and self.apply is None:
            yield Problem("merge", None, "or apply must be set (how the objects change)")
        elif self.merge is not None and self.apply is not None:
            yield Problem("apply", FUNCTION, "cannot be set together with merge (give one)")

    @rule("merge")
    def _protected(self) -> Iterator[Problem]:
        for key, inner in PROTECTED.items():
            if self.merge is None or key not in self.merge:
                continue
            if not inner:
                yield Problem(f"merge[{key!r}]", self.merge[key], "is set by Berth; not patchable")
                continue
            given = self.merge[key]
            if not isinstance(given, Mapping):
                yield Problem(f"merge[{key!r}]", given, "must be a mapping (its fields merge)")
                continue
            for name in inner:
                if name in given:
                    yield Problem(
                        f"merge[{key!r}][{name!r}]",
                        given[name],
                        "is set by Berth; not patchable (use the component's name and "
                        "namespace settings)",
                    )

    def selects(self, kind: str, logical: str) -> bool:
        return self.kind == kind and (self.name is None or self.name == logical)


def to_patches(value: Any) -> Any:
    return tuple_of(Patch)(to_tuple(value))
