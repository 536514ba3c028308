"""Applying :class:`~components.inputs.patches.Patch`\\ es to built manifests, and checking
the result again.

Components apply the patches to each object as they register it (:func:`patched`); before
anything is registered they build every object purely, apply the patches and check them
(:func:`patch_problems`): a patch that selects nothing, fails, or makes an object break a
rule Berth guarantees (the API server's rules, Pod Security 'restricted') is a SpecError
naming the patch by its index.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import attrs

from components.errors import Problem
from components.inputs.patches import FUNCTION, Patch
from components.manifests.meta import Manifest
from components.manifests.policy_rules import api_server_rules, pod_security_restricted

# (Pulumi resource name, manifest) of each object a component creates.
Named = tuple[str, Manifest]

# What Berth guarantees of every object it builds, checked again after a patch: the API
# server would reject the object otherwise, or the namespace would refuse its pods.
CHECKS: tuple[Callable[[Mapping[str, Any]], list[Problem]], ...] = (
    api_server_rules,
    pod_security_restricted,
)


def _copy(value: Any) -> Any:
    # Only the structure is copied: leaves (pulumi Outputs among them) are shared.
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def merge(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch: mappings merge key by key, None deletes a key, any other
    value (lists too) replaces what was there."""
    if not isinstance(patch, Mapping):
        return _copy(list(patch)) if isinstance(patch, tuple) else _copy(patch)
    result = dict(target) if isinstance(target, Mapping) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge(result.get(key), value)
    return result


def _identity(manifest: Mapping[str, Any]) -> tuple[object, object, object, object]:
    meta = manifest.get("metadata")
    meta = meta if isinstance(meta, Mapping) else {}
    return (
        manifest.get("apiVersion"),
        manifest.get("kind"),
        meta.get("name"),
        meta.get("namespace"),
    )


class PatchFailedError(Exception):
    """A patch's function raised, or returned something that is not the same object."""

    def __init__(self, allowed: str) -> None:
        super().__init__(allowed)
        self.allowed = allowed


def apply_patch(patch: Patch, manifest: Manifest) -> Manifest:
    if patch.merge is not None:
        result: Manifest = merge(manifest, patch.merge)
        return result
    assert patch.apply is not None  # Patch's rule: one of merge and apply
    try:
        changed = patch.apply(_copy(manifest))
    except Exception as error:
        # Only the type: the message may quote the manifest, and a Secret's values with it.
        raise PatchFailedError(f"raised {type(error).__name__}") from None
    if not isinstance(changed, dict):
        raise PatchFailedError(f"returned a {type(changed).__name__}, not the manifest (a dict)")
    if _identity(changed) != _identity(manifest):
        raise PatchFailedError(
            "changed the object's apiVersion, kind, metadata.name or metadata.namespace "
            "(set by Berth; not patchable)"
        )
    return changed


def patched(patches: Sequence[Patch], logical: str, manifest: Manifest) -> Manifest:
    """``manifest`` (the object registered as ``logical``) with every patch that selects it
    applied, in order."""
    for patch in patches:
        if patch.selects(str(manifest.get("kind")), logical):
            manifest = apply_patch(patch, manifest)
    return manifest


def _found(manifest: Mapping[str, Any]) -> set[str]:
    return {str(p) for check in CHECKS for p in check(manifest)}


def patch_problems(patches: Sequence[Patch], objects: Iterable[Named]) -> list[Problem]:
    """Every problem of ``patches`` over a component's ``objects``, each at ``patches[i]``."""
    objects = list(objects)
    out: list[Problem] = []
    for i, patch in enumerate(patches):
        if not any(patch.selects(str(m.get("kind")), logical) for logical, m in objects):
            made = ", ".join(f"{m.get('kind')} {logical!r}" for logical, m in objects)
            shown = patch.kind if patch.name is None else f"{patch.kind} {patch.name!r}"
            out.append(Problem(f"patches[{i}]", shown, f"selects no object (made: {made})"))
    for logical, built in objects:
        kind = str(built.get("kind"))
        manifest = built
        for i, patch in enumerate(patches):
            if not patch.selects(kind, logical):
                continue
            before = _found(manifest)
            try:
                after = apply_patch(patch, manifest)
            except PatchFailedError as failed:
                out.append(Problem(f"patches[{i}].apply", FUNCTION, failed.allowed))
                break
            for problem in (p for check in CHECKS for p in check(after)):
                if str(problem) not in before:
                    out.append(
                        Problem(
                            f"patches[{i}]: {kind} {logical!r} {problem.path}",
                            problem.value,
                            f"{problem.allowed} (after this patch)",
                        )
                    )
            manifest = after
    return out


def named(logical: str, objects: object, suffixes: Mapping[str, str]) -> list[Named]:
    """The manifests of a component's build result (an attrs class of manifests, None, or
    nested such classes) with their resource names: ``logical`` plus the suffix its field
    has in ``suffixes`` (none when absent)."""
    out: list[Named] = []
    for attribute in attrs.fields(type(objects)):  # type: ignore[arg-type]
        value = getattr(objects, attribute.name)
        suffix = suffixes.get(attribute.name, "")
        if isinstance(value, dict) and attribute.name == "services":
            # Extra Services by key, each registered as <logical>-<key>.
            out += [(f"{logical}-{key}", m) for key, m in value.items()]
        elif isinstance(value, dict):
            out.append((logical + suffix, value))
        elif value is not None and attrs.has(type(value)):
            out += [(name, m) for name, m in named(logical + suffix, value, suffixes)]
    return out


def component_objects(logical: str, args: object) -> list[Named]:
    """Every object the component taking ``args`` would create, with its resource name, as
    the component registers it (names stand in for autonamed references)."""
    # Imported here: a program that builds only one kind of component loads only its module.
    from components.inputs.canary import CanaryServiceArgs
    from components.inputs.database import ExternalDatabaseArgs
    from components.inputs.webapp import WebAppArgs

    if isinstance(args, WebAppArgs):
        from components.manifests.volumes import FILES_SUFFIX
        from components.manifests.webapp import SECRET_SUFFIX, build_webapp

        suffixes = {"secret": SECRET_SUFFIX, "files": FILES_SUFFIX}
        return named(logical, build_webapp(logical, args), suffixes)
    if isinstance(args, CanaryServiceArgs):
        from components.manifests.canary import CANARY_SUFFIX, STABLE_SUFFIX, build_canary
        from components.manifests.volumes import FILES_SUFFIX
        from components.manifests.webapp import SECRET_SUFFIX

        suffixes = {"secret": SECRET_SUFFIX, "canary": CANARY_SUFFIX, "files": FILES_SUFFIX}
        for kind in ("deployment", "service", "budget"):
            suffixes[f"stable_{kind}"] = STABLE_SUFFIX
            suffixes[f"canary_{kind}"] = CANARY_SUFFIX
        return named(logical, build_canary(logical, args), suffixes)
    if isinstance(args, ExternalDatabaseArgs):
        from components.manifests.database import (
            CREDENTIALS_SUFFIX,
            SLICE_SUFFIX,
            build_database,
            credentials,
        )

        # The pure build takes plain credentials; stand-ins do for what patches see.
        plain = {key: "[secret]" for key in credentials(args)}
        stand_in = args.evolve(**plain)
        suffixes = {"secret": CREDENTIALS_SUFFIX, "endpoint_slice": SLICE_SUFFIX}
        return named(logical, build_database(logical, stand_in), suffixes)
    from components.inputs.namespace import NamespaceArgs

    if isinstance(args, NamespaceArgs):
        from components.manifests.namespace import (
            LIMITS_SUFFIX,
            QUOTA_SUFFIX,
            build_namespace_objects,
        )

        suffixes = {"quota": QUOTA_SUFFIX, "limits": LIMITS_SUFFIX}
        return named(logical, build_namespace_objects(logical, args), suffixes)
    raise TypeError(f"no component takes {type(args).__name__}")


def component_patch_problems(logical: str, args: object) -> list[Problem]:
    """The problems of ``args.patches`` over the objects of the component taking ``args``."""
    patches: Sequence[Patch] = getattr(args, "patches", ())
    return patch_problems(patches, component_objects(logical, args)) if patches else []
