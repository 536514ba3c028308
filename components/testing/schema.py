"""Validate Kubernetes manifests against the API's JSON schemas, offline.

Uses the strict schemas bundled with `kubernetes-validate` (unknown fields are
errors). `kubernetes_validate.validate()` re-reads the 1.6 MB definitions file
on every call; here each file is read once per process and each compiled
validator is reused.

The bundled schemas refer to shared definitions as
``/api/_definitions.json#/$defs/...``, relative to their ``$id``
(``https://kubernetes.io/api/<kind>/...``). Registering the definitions file
under its own ``$id`` lets every reference resolve locally; nothing is
fetched over the network.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator, Mapping
from importlib import resources
from typing import Any, Final

import attrs
import jsonschema
from referencing import Registry, Resource

__all__ = [
    "DEFAULT_VALIDATOR",
    "SUPPORTED_K8S_VERSIONS",
    "SchemaError",
    "SchemaNotFoundError",
    "SchemaValidator",
    "Violation",
    "register_schema",
    "validate_manifest",
]

SUPPORTED_K8S_VERSIONS: Final = ("1.36.0", "1.37.0")
"""Kubernetes versions whose schemas can be validated against."""

_DEFINITIONS_ID: Final = "https://kubernetes.io/api/_definitions.json"


@attrs.frozen
class Violation:
    """One schema violation: where (a JSONPath such as ``$.spec.replicas``) and what."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class SchemaError(AssertionError):
    """A manifest does not match its schema; ``violations`` lists every problem."""

    def __init__(self, message: str, violations: tuple[Violation, ...] = ()) -> None:
        super().__init__(message)
        self.violations = violations


class SchemaNotFoundError(SchemaError):
    """There is no schema for the manifest's apiVersion and kind."""


@functools.cache
def _go_regex(pattern: str) -> re.Pattern[str]:
    """``pattern`` as the API server's Go regexp reads it.

    Kubernetes checks an OpenAPI ``pattern`` with Go's regexp (an unanchored search, as in
    JSON Schema), where ``$`` matches only at the end of the text; Python's ``$`` also
    matches before a trailing newline, so ``"shop\\n"`` would pass ``^[a-z]+$``. Each ``$``
    outside a character class becomes ``\\Z``.
    """
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            in_class = char != "]" or out[-1] in ("[", "[^")
        elif char == "[":
            in_class = True
            if pattern.startswith("[^", i):
                out.append("[^")
                i += 2
                continue
        elif char == "$":
            char = r"\Z"
        out.append(char)
        i += 1
    # Go's \d, \w and \s are ASCII classes.
    return re.compile("".join(out), re.ASCII)


def _go_pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[Any]:
    if validator.is_type(instance, "string") and not _go_regex(pattern).search(instance):
        yield jsonschema.ValidationError(f"{instance!r} does not match {pattern!r}")


# Draft 2020-12 with the API server's reading of `pattern`.
_Validator: Any = jsonschema.validators.extend(
    jsonschema.Draft202012Validator, {"pattern": _go_pattern}
)


def _normalise_version(k8s_version: str) -> str:
    version = k8s_version.removeprefix("v")
    if version.count(".") == 1:
        version += ".0"
    if version not in SUPPORTED_K8S_VERSIONS:
        raise ValueError(
            f"unsupported Kubernetes version {k8s_version!r}; "
            f"supported: {', '.join(SUPPORTED_K8S_VERSIONS)}"
        )
    return version


def _schema_file(k8s_version: str, name: str) -> Any:
    return (
        resources.files("kubernetes_validate")
        / "kubernetes-json-schema"
        / f"v{k8s_version}-local-strict"
        / name
    )


def _file_name(kind: str, api_version: str) -> str:
    # kubernetes-validate's naming: "apps/v1" -> "apps-v1",
    # "networking.k8s.io/v1" -> "networking-v1", "v1" -> "v1".
    group, _, version = api_version.rpartition("/")
    group_prefix = group.split(".", 1)[0]
    return f"{kind.lower()}-{group_prefix + '-' if group_prefix else ''}{version}.json"


@functools.cache
def _definitions(k8s_version: str) -> Any:
    contents = json.loads(_schema_file(k8s_version, "_definitions.json").read_text())
    registry: Any = Registry()
    return registry.with_resource(_DEFINITIONS_ID, Resource.from_contents(contents))


@functools.cache
def _bundled_validator(k8s_version: str, kind: str, api_version: str) -> Any:
    """The compiled validator for a built-in kind, or None when there is no schema."""
    path = _schema_file(k8s_version, _file_name(kind, api_version))
    if not path.is_file():
        return None
    schema = json.loads(path.read_text())
    # File names drop all but the first label of the API group, so check the
    # file really is for this apiVersion.
    allowed = schema.get("properties", {}).get("apiVersion", {}).get("enum")
    if allowed is not None and api_version not in allowed:
        return None
    return _Validator(schema, registry=_definitions(k8s_version))


def _bundled_crd_schemas() -> dict[tuple[str, str], Mapping[str, Any]]:
    text = (
        resources.files(__package__ or "components.testing")
        .joinpath("schemas", "httproute-v1.json")
        .read_text()
    )
    return {("gateway.networking.k8s.io/v1", "HTTPRoute"): json.loads(text)}


class SchemaValidator:
    """Validates manifests against Kubernetes schemas plus schemas registered for CRDs.

    Validators are compiled on first use and cached. A schema registered with
    :meth:`register_schema` takes precedence over a built-in one and may
    ``$ref`` the Kubernetes definitions as
    ``https://kubernetes.io/api/_definitions.json#/$defs/<name>``
    (e.g. ``io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta``).
    """

    def __init__(self, *, bundled_crds: bool = True) -> None:
        """:param bundled_crds: register the CRD schemas shipped with Berth (Gateway API
        ``HTTPRoute``).
        """
        self._schemas: dict[tuple[str, str], Mapping[str, Any]] = {}
        self._compiled: dict[tuple[str, str, str], Any] = {}
        if bundled_crds:
            for (api_version, kind), schema in _bundled_crd_schemas().items():
                self.register_schema(api_version, kind, schema)

    def register_schema(self, api_version: str, kind: str, schema: Mapping[str, Any]) -> None:
        """Validate objects of ``apiVersion``/``kind`` against ``schema`` (JSON Schema 2020-12).

        :raises jsonschema.exceptions.SchemaError: when ``schema`` is not a valid schema.
        """
        jsonschema.Draft202012Validator.check_schema(schema)
        self._schemas[(api_version, kind)] = schema
        self._compiled = {
            key: value for key, value in self._compiled.items() if key[1:] != (kind, api_version)
        }

    def _validator(self, k8s_version: str, kind: str, api_version: str) -> Any:
        key = (k8s_version, kind, api_version)
        if key in self._compiled:
            return self._compiled[key]
        schema = self._schemas.get((api_version, kind))
        if schema is None:
            return _bundled_validator(k8s_version, kind, api_version)
        validator = _Validator(schema, registry=_definitions(k8s_version))
        self._compiled[key] = validator
        return validator

    def violations(
        self, obj: Mapping[str, Any], k8s_version: str = "1.36.0"
    ) -> tuple[Violation, ...]:
        """Every way ``obj`` breaks its schema, sorted by path; empty when it is valid.

        :raises SchemaNotFoundError: when there is no schema for its apiVersion and kind.
        :raises ValueError: for a Kubernetes version not in ``SUPPORTED_K8S_VERSIONS``.
        """
        version = _normalise_version(k8s_version)
        api_version, kind = obj.get("apiVersion"), obj.get("kind")
        if not isinstance(api_version, str) or not isinstance(kind, str):
            raise SchemaNotFoundError(
                "a manifest needs string apiVersion and kind fields to pick a schema, "
                f"got apiVersion={api_version!r} kind={kind!r}"
            )
        validator = self._validator(version, kind, api_version)
        if validator is None:
            raise SchemaNotFoundError(
                f"no schema for {kind} {api_version} in Kubernetes {version}; "
                "register one with register_schema()"
            )
        found = [Violation(error.json_path, error.message) for error in validator.iter_errors(obj)]
        return tuple(sorted(found, key=lambda violation: (violation.path, violation.message)))

    def validate_manifest(self, obj: Mapping[str, Any], k8s_version: str = "1.36.0") -> None:
        """Check ``obj`` (a camelCase manifest dict) against its schema.

        :raises SchemaError: listing every violation with its JSONPath.
        :raises SchemaNotFoundError: when there is no schema for its apiVersion and kind.
        :raises ValueError: for a Kubernetes version not in ``SUPPORTED_K8S_VERSIONS``.
        """
        found = self.violations(obj, k8s_version)
        if not found:
            return
        metadata = obj.get("metadata")
        name = metadata.get("name") if isinstance(metadata, Mapping) else None
        subject = f"{obj['kind']} {name!r}" if name else str(obj["kind"])
        listing = "\n".join(f"  {violation}" for violation in found)
        raise SchemaError(
            f"{subject} ({obj['apiVersion']}) breaks the Kubernetes "
            f"{_normalise_version(k8s_version)} schema in {len(found)} place(s):\n{listing}",
            found,
        )


DEFAULT_VALIDATOR: Final = SchemaValidator()
"""The validator behind :func:`validate_manifest` and :func:`register_schema`."""


def validate_manifest(obj: Mapping[str, Any], k8s_version: str = "1.36.0") -> None:
    """Check ``obj`` with :data:`DEFAULT_VALIDATOR`; see SchemaValidator.validate_manifest."""
    DEFAULT_VALIDATOR.validate_manifest(obj, k8s_version)


def register_schema(api_version: str, kind: str, schema: Mapping[str, Any]) -> None:
    """Add a CRD schema to :data:`DEFAULT_VALIDATOR`; see SchemaValidator.register_schema."""
    DEFAULT_VALIDATOR.register_schema(api_version, kind, schema)
