"""Properties: merge patches behave as RFC 7386 says for any document, and any Namespace
input builds schema-valid objects or is a SpecError naming its field."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings, strategies as st

from components import NamespaceArgs, SpecError
from components.manifests.namespace import build_namespace_objects
from components.manifests.patches import merge
from components.testing.schema import validate_manifest

KEYS = st.sampled_from(["a", "b", "spec", "metadata", "x-y"])
LEAVES = st.none() | st.booleans() | st.integers(-5, 5) | st.text(max_size=3)
DOCUMENTS = st.recursive(
    LEAVES,
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(KEYS, inner, max_size=3),
    max_leaves=12,
)
OBJECTS = st.dictionaries(KEYS, DOCUMENTS, max_size=4)


@settings(max_examples=80, deadline=None)
@given(target=OBJECTS, patch=OBJECTS)
def test_a_merge_patch_sets_deletes_and_keeps_as_rfc_7386_says(
    target: dict[str, Any], patch: dict[str, Any]
) -> None:
    result = merge(target, patch)
    for key, value in patch.items():
        if value is None:
            assert key not in result
        elif not isinstance(value, dict):
            assert result[key] == value
        else:
            assert isinstance(result[key], dict)
    for key in target.keys() - patch.keys():
        assert result[key] == target[key]
    assert merge(result, patch) == result  # applying it again changes nothing


QUANTITIES = st.sampled_from(["1", "100m", "2Gi", "512Mi", "0", "-1", "lots", ""])
RESOURCES = st.sampled_from(["cpu", "memory", "ephemeral-storage", "gpu", "requests.cpu", "pods"])
LIMITS = st.dictionaries(RESOURCES, QUANTITIES, max_size=3)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    hard=st.none() | st.dictionaries(RESOURCES, QUANTITIES, max_size=3),
    limits=st.none()
    | st.fixed_dictionaries(
        {},
        optional={"default_request": LIMITS, "default_limit": LIMITS, "min": LIMITS, "max": LIMITS},
    ),
    level=st.sampled_from(["privileged", "baseline", "restricted", None, "strict"]),
    version=st.sampled_from(["latest", "v1.36", "v1.037", "1.36"]),
)
def test_any_namespace_builds_schema_valid_objects_or_is_a_spec_error(
    hard: dict[str, str] | None, limits: dict[str, Any] | None, level: str | None, version: str
) -> None:
    try:
        args = NamespaceArgs(
            quota=None if hard is None else {"hard": hard},  # type: ignore[arg-type]
            limits=limits,  # type: ignore[arg-type]
            pod_security={"enforce": level, "version": version},  # type: ignore[arg-type]
        )
    except SpecError as error:
        assert all(
            p.path.split(".")[0] in ("quota", "limits", "pod_security") for p in error.problems
        )
        return
    for manifest in build_namespace_objects("shop", args).all():
        validate_manifest(manifest)
