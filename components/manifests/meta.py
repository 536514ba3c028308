"""Names and labels of the objects a component builds, decided once for all of them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs

from components import defaults, labels
from components.errors import Problem, SpecError
from components.inputs import rules
from components.inputs.app import AppArgs
from components.manifests.naming import DEFAULT_NAMING, Naming

if TYPE_CHECKING:
    import pulumi

Manifest = dict[str, Any]


@attrs.frozen
class Names:
    """How each object is named: fixed (``explicit``), or from ``logical`` as ``naming``
    says (Services by their logical name, other objects by Pulumi's autonaming).

    ``metadata(suffix, kind)`` is what goes into ``metadata.name`` (None lets Pulumi
    autoname); ``reference(suffix)`` is a stand-in for places that must name the
    object when the real name is not known yet (pure builds, YAML rendering).
    """

    logical: str
    explicit: str | None = None
    naming: Naming = DEFAULT_NAMING

    def metadata(self, suffix: str = "", kind: str = "") -> str | None:
        if self.explicit is not None:
            return self.explicit + suffix
        return self.naming.name(self.logical + suffix, kind)

    def reference(self, suffix: str = "", kind: str = "") -> str:
        return self.metadata(suffix, kind) or self.logical + suffix


# The kinds every component may create with a generated name (the longest suffix each).
_AUTONAMED_KINDS = ("Deployment", "Secret", "PodDisruptionBudget", "HorizontalPodAutoscaler")


def names_for(
    logical: str,
    args: AppArgs,
    longest_suffix: str = "",
    *,
    service_suffixes: tuple[str, ...] = ("",),
    naming: Naming = DEFAULT_NAMING,
) -> Names:
    """Check the names the objects will get, before anything is registered.

    ``service_suffixes`` are those of the component's Services (``-public``); the
    other objects' longest is ``longest_suffix``.
    """
    longest_service = max(service_suffixes, key=len, default="")
    if args.name is None:
        problems: list[Problem] = []
        added = max(naming.added_length(kind, logical) for kind in _AUTONAMED_KINDS)
        room = 63 - added - len(longest_suffix)
        allowed = rules.dns1035_label(logical, max_length=room)
        if allowed is not None:
            how = (
                "it is autonamed with a random suffix"
                if added == defaults.AUTONAME_SUFFIX_LENGTH
                else f"autonaming (pulumi:autonaming) adds up to {added} characters"
            )
            problems.append(
                Problem("name", logical, f"{allowed}; {how} (give args.name to fix a shorter one)")
            )
        else:
            room = 63 - naming.added_length("Service", logical) - len(longest_service)
            allowed = rules.dns1035_label(logical, max_length=room)
            if allowed is not None:
                problems.append(
                    Problem(
                        "name",
                        logical + longest_service,
                        f"{allowed}: a Service is named by the component's name"
                        + (f" and its key ({longest_service!r})" if longest_service else "")
                        + " (give args.name to fix a shorter one)",
                    )
                )
        if problems:
            raise SpecError(problems, "component name")
    else:
        longest = max(longest_suffix, longest_service, key=len)
        allowed = rules.dns1035_label(args.name, max_length=63 - len(longest))
        if allowed is not None:
            raise SpecError([Problem("name", args.name, allowed)], type(args).__name__)
    return Names(logical, args.name, naming)


# (kind, namespace, name) of an object with a fixed name; namespace None is the
# provider's default namespace.
ObjectKey = tuple[str, str | None, str]


def fixed_keys(manifests: list[Manifest]) -> list[ObjectKey]:
    """The objects among ``manifests`` that have a fixed name (autonamed ones never clash)."""
    keys: list[ObjectKey] = []
    for manifest in manifests:
        meta = manifest.get("metadata", {})
        if isinstance(meta.get("name"), str):
            keys.append((manifest["kind"], meta.get("namespace"), meta["name"]))
    return keys


@attrs.frozen
class Identity:
    """The labels that identify an app's pods: the only ones a selector may use."""

    app: str
    instance: str

    @classmethod
    def of(cls, logical: str, args: AppArgs) -> Identity:
        """The identity labels; the component name stands in for app and instance when
        they are not given, so it must then be a valid label value."""
        allowed = rules.label_value(logical)
        missing = [name for name in ("app", "instance") if not getattr(args, name)]
        if allowed is not None and missing:
            raise SpecError(
                [
                    Problem(name, logical, f"{allowed}: the component name becomes the "
                            f"'{label}' label unless {name} is given")
                    for name, label in (("app", labels.NAME), ("instance", labels.INSTANCE))
                    if name in missing
                ],
                "component name",
            )  # fmt: skip
        return cls(app=args.app or logical, instance=args.instance or logical)

    def selector(self) -> dict[str, str]:
        return {labels.NAME: self.app, labels.INSTANCE: self.instance}


def version_of(image: str) -> str | None:
    """The image tag as a version label, when it is a valid label value.

    A digest does not hide the tag: ``shop:1.4.2@sha256:…`` is version ``1.4.2``.
    """
    reference = rules.parse_image(image)
    tag = None if reference is None else reference.tag
    return tag if tag is not None and rules.label_value(tag) is None else None


def image_warnings(images: dict[str, str]) -> list[str]:
    """Advice for each image (keyed by its field path) that is not pinned to a version."""
    return [
        f"{path}: {image!r} {advice}"
        for path, image in images.items()
        if (advice := rules.image_pinned(image)) is not None
    ]


def plain_secret_warnings(credentials: dict[str, object]) -> list[str]:
    """Advice for each credential (keyed by its field path) given as a plain string.

    Pulumi encrypts a value in the state and hides it in its output only when it knows
    the value is a secret; a plain string in a program or a stack file is not one.
    """
    return [
        f"{path}: a plain string is given where a secret belongs; read it with "
        "config.require_secret(...) or wrap it in pulumi.Output.secret(...) so that Pulumi "
        "encrypts it in the state and never prints it"
        for path, value in credentials.items()
        if isinstance(value, str)
    ]


def secret_env_warnings(secret_env: Mapping[str, object], path: str) -> list[str]:
    return plain_secret_warnings({f"{path}[{name!r}]": v for name, v in secret_env.items()})


def common_labels(identity: Identity, args: AppArgs) -> dict[str, str]:
    """Recommended labels plus the user's own, on every object of the component.

    The version is not among them: only what runs a version (Deployments and their
    pods) carries it, so a release does not update Services, budgets and Secrets.
    """
    result = dict(args.labels)
    result.update(identity.selector())
    result[labels.MANAGED_BY] = defaults.MANAGED_BY
    for key, value in ((labels.COMPONENT, args.component), (labels.PART_OF, args.part_of)):
        if value:
            result[key] = value
    return result


def with_version(object_labels: dict[str, str], version: str | None) -> dict[str, str]:
    """The labels of a Deployment and its pods: the common ones plus the version."""
    return {**object_labels, labels.VERSION: version} if version else dict(object_labels)


def object_meta(
    name: pulumi.Input[str] | None,
    args: AppArgs,
    object_labels: dict[str, str],
    annotations: dict[str, str] | None = None,
) -> Manifest:
    meta: Manifest = {"labels": dict(object_labels)}
    if name is not None:
        meta["name"] = name
    if args.namespace is not None:
        meta["namespace"] = args.namespace
    meta["annotations"] = {
        **args.annotations,
        **(annotations or {}),
        labels.PATCH_FORCE: "true",
    }
    return meta


class ObjectMeta:
    """What every component's plan shares: metadata for each object it builds.

    Subclasses are attrs classes with ``names``, ``args`` and ``labels`` fields.
    """

    names: Names
    args: AppArgs
    labels: dict[str, str]

    def meta(
        self,
        suffix: str = "",
        object_labels: dict[str, str] | None = None,
        annotations: dict[str, str] | None = None,
        kind: str = "",
    ) -> Manifest:
        return object_meta(
            self.names.metadata(suffix, kind),
            self.args,
            self.labels if object_labels is None else object_labels,
            annotations,
        )


def dns_name(service: str, namespace: str, cluster_domain: str) -> str:
    return f"{service}.{namespace}.svc.{cluster_domain}"
