"""Volumes of the pod and where containers mount them; files given as literal content.

One class per kind of volume (cdk8s-plus style), and only the kinds Pod Security
'restricted' admits (configMap, secret, projected, emptyDir, persistentVolumeClaim,
ephemeral): a hostPath or any other volume the namespace would refuse cannot be written.

From stack config a volume (and a projected source) is a mapping with a ``type`` key
naming the class: ``{type: empty_dir, name: cache, size_limit: 1Gi}``.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final, Literal, TypeAlias

from components.errors import Problem, stand_in
from components.inputs import rules
from components.inputs.app import annotation_rules
from components.inputs.base import (
    Spec,
    Unbuilt,
    each,
    field,
    from_mapping,
    instance_of,
    rule,
    spec,
    to_tuple,
)
from components.labels import FILES_HASH as FILES_HASH_KEY

if TYPE_CHECKING:
    import pulumi

    from components.inputs.container import Container

# The most a file mode may be (the API server's 0..0777).
MAX_MODE: Final = 0o777
# The volume Berth mounts `files` from, and the prefix of its emptyDirs for writable_paths.
FILES_VOLUME: Final = "berth-files"
_WRITABLE_VOLUME = re.compile(r"writable-([si][0-9]+-)?[0-9]+")
# A projected serviceAccountToken lives at least 10 minutes and at most 2^32 seconds.
MIN_TOKEN_SECONDS: Final = 600
MAX_TOKEN_SECONDS: Final = 2**32
ACCESS_MODES: Final = ("ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod")
# What a downwardAPI file may hold (the API server's validVolumeDownwardAPIFieldPathExpressions).
_DOWNWARD_FIELDS: Final = (
    "metadata.name",
    "metadata.namespace",
    "metadata.uid",
    "metadata.labels",
    "metadata.annotations",
)
_DOWNWARD_SUBSCRIPTED = re.compile(r"metadata\.(labels|annotations)\['([^'\]]+)'\]")
_DOWNWARD_RESOURCES: Final = (
    "limits.cpu",
    "limits.memory",
    "limits.ephemeral-storage",
    "requests.cpu",
    "requests.memory",
    "requests.ephemeral-storage",
)


def writable_volume_name(index: int, slot: str = "") -> str:
    """The emptyDir Berth mounts at ``Security.writable_paths[index]``; ``slot`` tells a
    sidecar's (``s<i>-``) or init container's (``i<i>-``) from the app container's, whose
    names stay ``writable-<n>`` (a rename would roll every existing pod)."""
    return f"writable-{slot}{index}"


def file_mode(value: object) -> str | None:
    if rules.is_int(value) and 0 <= value <= MAX_MODE:  # type: ignore[operator]
        return None
    return "is not a file mode within 0..0o777 (0..511; write it in octal: 0o644)"


_OCTAL = re.compile(r"0o?([0-7]{1,4})")


def to_mode(value: Any) -> Any:
    """A file mode; from config also as octal text ('0644', '0o644'), since YAML parsers
    disagree on what an unquoted 0644 is."""
    if isinstance(value, str):
        match = _OCTAL.fullmatch(value.strip())
        if match:
            return int(match[1], 8)
    return value


def _mode_field() -> Any:
    return field(default=None, converter=to_mode, checks=[rules.optional(file_mode)])


def mount_path(value: object) -> str | None:
    """An absolute path other than '/', without '.' or '..' segments."""
    if (
        not isinstance(value, str)
        or not value.startswith("/")
        or value.strip("/") == ""
        or "\x00" in value
        or any(part in (".", "..") for part in value.split("/"))
    ):
        return "is not an absolute path below '/' (without '.' or '..' segments)"
    return None


def relative_path(value: object) -> str | None:
    """A path inside a volume (the API server's validateLocalNonReservedPath): relative,
    without '..' segments, not starting with '..'."""
    if (
        not isinstance(value, str)
        or not value
        or value.startswith("/")
        or value.startswith("..")
        or ".." in value.split("/")
    ):
        return (
            "is not a relative path inside the volume (non-empty, not starting with '/' "
            "or '..', without '..' segments)"
        )
    return None


def file_path(value: object) -> str | None:
    """Where a file of ``files`` is mounted: an absolute, normalised path of a file."""
    allowed = mount_path(value)
    if allowed is None and isinstance(value, str) and posixpath.normpath(value) != value:
        return "is not a normalised absolute file path (no '//', no trailing '/')"
    return allowed


def normalised(path: str) -> str:
    # '/data' and '/data/' are one mount point for the runtime.
    return posixpath.normpath(path)


def _positive_size(value: object) -> str | None:
    allowed = rules.memory_quantity(value)
    if allowed is None and rules.parse_quantity(value) == 0:
        return "must be more than 0 (a size of 0 holds nothing)"
    return allowed


def _bool(value: object) -> str | None:
    return None if isinstance(value, bool) else "is not a boolean"


def _what(types: Mapping[str, type[Spec]]) -> str:
    return "one of " + ", ".join(t.__name__ for t in types.values())


def _tuple_from(cls: type[Spec], value: Any) -> Any:
    if not isinstance(value, list | tuple):
        return value
    make = from_mapping(cls)
    return tuple(make(item) for item in value)


def _typed(types: Mapping[str, type[Spec]]) -> Callable[[Any], Any]:
    """Converter of one config mapping with a ``type`` key to the class it names."""

    def convert(value: Any) -> Any:
        if not isinstance(value, Mapping):
            return value
        kind = value.get("type")
        if not isinstance(kind, str) or kind not in types:
            cls = next(iter(types.values()))
            allowed = "is not one of " + ", ".join(repr(t) for t in types)
            shown = kind if isinstance(kind, str) else None
            what = "is required: " if "type" not in value else ""
            return Unbuilt(
                cls, [Problem("type", shown, f"{what}{allowed} (the kind of volume or source)")]
            )
        return from_mapping(types[kind])({k: v for k, v in value.items() if k != "type"})

    return convert


def _typed_tuple(types: Mapping[str, type[Spec]], value: Any) -> Any:
    if not isinstance(value, list | tuple):
        return value
    convert = _typed(types)
    return tuple(convert(item) for item in value)


@spec
class KeyToPath(Spec):
    """One key of a ConfigMap or Secret, as the file ``path`` inside the volume."""

    key: str = field(checks=[rules.config_key])
    path: str = field(checks=[relative_path])
    mode: int | None = _mode_field()


def _to_items(value: Any) -> Any:
    """``items`` as a list of KeyToPath, or (the short way) a mapping of key to path."""
    if isinstance(value, Mapping) and all(isinstance(v, str) for v in value.values()):
        return tuple(KeyToPath(key=k, path=v) for k, v in value.items())
    if isinstance(value, list | tuple):
        make = from_mapping(KeyToPath)
        return tuple(make(item) for item in value)
    return value


def _items_field() -> Any:
    return field(
        default=(), converter=_to_items, checks=[each(instance_of(KeyToPath, what="a KeyToPath"))]
    )


def _item_paths(items: Sequence[KeyToPath], path: str = "items") -> Iterator[Problem]:
    for item in rules.duplicates(normalised(i.path) for i in items):
        yield Problem(path, item, "is the path of more than one item")


@spec
class EmptyDirVolume(Spec):
    """Scratch space that lives as long as the pod; ``medium='Memory'`` is a tmpfs (it
    counts against the container's memory limit). ``size_limit`` None is unbounded."""

    name: str = field(checks=[rules.dns1123_label])
    medium: Literal["", "Memory"] = field(default="", checks=[rules.one_of("", "Memory")])
    size_limit: str | None = field(default=None, checks=[rules.optional(_positive_size)])


@spec
class ConfigMapVolume(Spec):
    """An existing ConfigMap's keys as files (all of them, or only ``items``).

    The kubelet updates the files when the ConfigMap changes, except where a mount
    uses ``sub_path``. ``optional`` lets the pod start without the ConfigMap.
    """

    name: str = field(checks=[rules.dns1123_label])
    config_map_name: pulumi.Input[str] = field(
        checks=[rules.known(rules.dns1123_subdomain)], takes_output=True
    )
    items: Sequence[KeyToPath] = _items_field()
    default_mode: int | None = _mode_field()
    optional: bool = field(default=False, checks=[_bool])

    @rule("items")
    def _paths(self) -> Iterator[Problem]:
        return _item_paths(self.items)


@spec
class SecretVolume(Spec):
    """An existing Secret's keys as files (all of them, or only ``items``)."""

    name: str = field(checks=[rules.dns1123_label])
    secret_name: pulumi.Input[str] = field(
        checks=[rules.known(rules.dns1123_subdomain)], takes_output=True
    )
    items: Sequence[KeyToPath] = _items_field()
    default_mode: int | None = _mode_field()
    optional: bool = field(default=False, checks=[_bool])

    @rule("items")
    def _paths(self) -> Iterator[Problem]:
        return _item_paths(self.items)


@spec
class ConfigMapProjection(Spec):
    """A ConfigMap's keys in a projected volume."""

    config_map_name: pulumi.Input[str] = field(
        checks=[rules.known(rules.dns1123_subdomain)], takes_output=True
    )
    items: Sequence[KeyToPath] = _items_field()
    optional: bool = field(default=False, checks=[_bool])


@spec
class SecretProjection(Spec):
    """A Secret's keys in a projected volume."""

    secret_name: pulumi.Input[str] = field(
        checks=[rules.known(rules.dns1123_subdomain)], takes_output=True
    )
    items: Sequence[KeyToPath] = _items_field()
    optional: bool = field(default=False, checks=[_bool])


def _downward_field(value: object) -> str | None:
    if value in _DOWNWARD_FIELDS:
        return None
    if isinstance(value, str):
        match = _DOWNWARD_SUBSCRIPTED.fullmatch(value)
        if match and rules.label_key(match[2]) is None:
            return None
    return (
        "is not a pod field a volume file can hold (one of "
        + ", ".join(_DOWNWARD_FIELDS)
        + ", or metadata.labels['<key>'] / metadata.annotations['<key>'])"
    )


@spec
class DownwardAPIFile(Spec):
    """A file holding one pod field (``field_path``) or a container's resource
    (``resource`` of ``container_name``, in units of ``divisor``)."""

    path: str = field(checks=[relative_path])
    field_path: str | None = field(default=None, checks=[rules.optional(_downward_field)])
    resource: str | None = field(
        default=None, checks=[rules.optional(rules.one_of(*_DOWNWARD_RESOURCES))]
    )
    container_name: str | None = field(default=None, checks=[rules.optional(rules.dns1123_label)])
    divisor: str | None = field(default=None, checks=[rules.optional(rules.positive_quantity)])
    mode: int | None = _mode_field()

    @rule("field_path", "resource", "container_name", "divisor")
    def _one_source(self) -> Iterator[Problem]:
        if (self.field_path is None) == (self.resource is None):
            yield Problem("field_path", self.field_path, "or resource must be set, and not both")
        if self.resource is None:
            for name in ("container_name", "divisor"):
                if getattr(self, name) is not None:
                    yield Problem(name, getattr(self, name), "applies only with resource")
        elif self.container_name is None:
            yield Problem(
                "container_name", None, "must be set with resource (the container it reads)"
            )


@spec
class DownwardAPIProjection(Spec):
    """Pod fields and container resources as files in a projected volume."""

    items: Sequence[DownwardAPIFile] = field(
        converter=lambda v: _tuple_from(DownwardAPIFile, v),
        checks=[each(instance_of(DownwardAPIFile, what="a DownwardAPIFile"))],
    )

    @rule("items")
    def _some(self) -> Iterator[Problem]:
        if not self.items:
            yield Problem("items", (), "must list at least one file")
        for path in rules.duplicates(normalised(i.path) for i in self.items):
            yield Problem("items", path, "is the path of more than one item")


@spec
class ServiceAccountTokenProjection(Spec):
    """A token of the pod's ServiceAccount for ``audience``, rotated by the kubelet
    (the way to hand a pod a token without automounting the API token)."""

    path: str = field(checks=[relative_path])
    audience: str | None = field(default=None, checks=[rules.optional(rules.non_empty_text)])
    expiration_seconds: int = field(
        default=3600, checks=[rules.within(MIN_TOKEN_SECONDS, MAX_TOKEN_SECONDS)]
    )


Projection: TypeAlias = (
    "ConfigMapProjection | SecretProjection | DownwardAPIProjection | ServiceAccountTokenProjection"
)
_PROJECTIONS: dict[str, type[Spec]] = {
    "config_map": ConfigMapProjection,
    "secret": SecretProjection,
    "downward_api": DownwardAPIProjection,
    "service_account_token": ServiceAccountTokenProjection,
}


def _projection_paths(source: Spec) -> list[str]:
    """The file paths a source is known to write (a whole ConfigMap's keys are not)."""
    if isinstance(source, ConfigMapProjection | SecretProjection | DownwardAPIProjection):
        return [normalised(i.path) for i in source.items]
    if isinstance(source, ServiceAccountTokenProjection):
        return [normalised(source.path)]
    return []


@spec
class ProjectedVolume(Spec):
    """Several sources (ConfigMaps, Secrets, pod fields, a ServiceAccount token) in one
    directory."""

    name: str = field(checks=[rules.dns1123_label])
    sources: Sequence[Projection] = field(
        converter=lambda v: _typed_tuple(_PROJECTIONS, v),
        checks=[each(instance_of(*_PROJECTIONS.values(), what=_what(_PROJECTIONS)))],
    )
    default_mode: int | None = _mode_field()

    @rule("sources")
    def _sources(self) -> Iterator[Problem]:
        if not self.sources:
            yield Problem("sources", (), "must list at least one source")
        paths = [p for s in self.sources for p in _projection_paths(s)]
        for path in rules.duplicates(paths):
            yield Problem("sources", path, "is written by more than one source")


@spec
class PersistentVolumeClaimVolume(Spec):
    """An existing PersistentVolumeClaim, by name (it outlives the pods)."""

    name: str = field(checks=[rules.dns1123_label])
    claim_name: pulumi.Input[str] = field(
        checks=[rules.known(rules.dns1123_subdomain)], takes_output=True
    )
    read_only: bool = field(default=False, checks=[_bool])


@spec
class EphemeralVolume(Spec):
    """A PersistentVolumeClaim per pod, created and deleted with it (a generic ephemeral
    volume): scratch space larger than a node's disk allows, from ``storage_class``."""

    name: str = field(checks=[rules.dns1123_label])
    size: str = field(checks=[_positive_size])
    storage_class: str | None = field(
        default=None, checks=[rules.optional(rules.dns1123_subdomain)]
    )
    access_modes: Sequence[str] = field(
        default=("ReadWriteOnce",),
        converter=to_tuple,
        checks=[each(rules.one_of(*ACCESS_MODES))],
    )

    @rule("access_modes")
    def _modes(self) -> Iterator[Problem]:
        modes = self.access_modes
        if not modes:
            yield Problem("access_modes", (), "must name at least one access mode")
        for mode in rules.duplicates(modes):
            yield Problem("access_modes", mode, "is listed more than once")
        if "ReadWriteOncePod" in modes and len(set(modes)) > 1:
            yield Problem(
                "access_modes", modes, "may not combine ReadWriteOncePod with another mode"
            )


Volume: TypeAlias = (
    "EmptyDirVolume | ConfigMapVolume | SecretVolume | ProjectedVolume | "
    "PersistentVolumeClaimVolume | EphemeralVolume"
)
VOLUME_TYPES: dict[str, type[Spec]] = {
    "empty_dir": EmptyDirVolume,
    "config_map": ConfigMapVolume,
    "secret": SecretVolume,
    "projected": ProjectedVolume,
    "persistent_volume_claim": PersistentVolumeClaimVolume,
    "ephemeral": EphemeralVolume,
}
# Volumes whose files the kubelet always mounts read-only.
READ_ONLY_VOLUMES: Final = (ConfigMapVolume, SecretVolume, ProjectedVolume)


def to_volumes(value: Any) -> Any:
    """Converter of ``volumes``: volume objects, or config mappings with a ``type`` key."""
    return _typed_tuple(VOLUME_TYPES, value)


is_volume = instance_of(*VOLUME_TYPES.values(), what=_what(VOLUME_TYPES))


@spec
class Mount(Spec):
    """Where a container sees a volume: ``path`` in the container, ``sub_path`` inside
    the volume (a sub_path mount does not receive ConfigMap or Secret updates)."""

    volume: str = field(checks=[rules.dns1123_label])
    path: str = field(checks=[mount_path])
    sub_path: str | None = field(default=None, checks=[rules.optional(relative_path)])
    read_only: bool = field(default=False, checks=[_bool])


def to_mounts(value: Any) -> Any:
    return _tuple_from(Mount, value)


def volume_rules(
    volumes: Sequence[Volume],
    files: Mapping[str, str],
    containers: Mapping[str, Container],
    files_in: str | None = None,
) -> Iterator[Problem]:
    """The pod's volumes against the containers that mount them (keyed by their field
    path, 'container'); ``files`` are mounted in the container at ``files_in``."""
    names = [v.name for v in volumes]
    for i, name in enumerate(names):
        if name == FILES_VOLUME or _WRITABLE_VOLUME.fullmatch(name):
            yield Problem(
                f"volumes[{i}].name",
                name,
                f"is a name Berth gives its own volumes ('{FILES_VOLUME}', 'writable-<n>')",
            )
    for twice in rules.duplicates(names):
        yield Problem("volumes", twice, "is the name of more than one volume")
    declared = set(names)
    mounted: set[str] = set()
    for where, container in containers.items():
        taken: dict[str, str] = {}
        for i, path in enumerate(container.security.writable_paths):
            taken.setdefault(normalised(path), f"{where}.security.writable_paths[{i}]")
        for i, mount in enumerate(container.mounts):
            at = f"{where}.mounts[{i}]"
            mounted.add(mount.volume)
            if mount.volume not in declared:
                yield Problem(
                    f"{at}.volume",
                    mount.volume,
                    f"is not the name of a volume in volumes ({_listed(names)})",
                )
            path = normalised(mount.path)
            if path in taken:
                yield Problem(f"{at}.path", mount.path, _collides(taken[path]))
            else:
                taken[path] = f"{at}.path"
        if where == files_in:
            for path in files:
                if path in taken:
                    yield Problem(f"files[{path!r}]", CONTENT, _collides(taken[path]))
    for i, name in enumerate(names):
        if name not in mounted:
            yield Problem(
                f"volumes[{i}].name",
                name,
                "is not mounted by any container (add a Mount to a container's mounts, "
                "or remove the volume)",
            )


def _collides(other: str) -> str:
    if ".security.writable_paths[" in other:
        return (
            f"is also mounted by {other} (an emptyDir Berth adds; remove the path from "
            "writable_paths to mount something else there)"
        )
    return f"is also mounted by {other}"


def _listed(names: Sequence[str]) -> str:
    unique = dict.fromkeys(names)
    return "declared: " + ", ".join(repr(n) for n in unique) if unique else "none is declared"


def file_keys(files: Mapping[str, str]) -> dict[str, str]:
    """The key of each file (by path) in the ConfigMap Berth makes of ``files``: its name,
    made a valid key, with a short hash of its path where two names would meet."""

    def base(path: str) -> str:
        name = _NOT_KEY.sub("_", posixpath.basename(path))[:200]
        return name if rules.config_key(name) is None else f"file-{name}"

    counts: dict[str, int] = {}
    for path in files:
        counts[base(path)] = counts.get(base(path), 0) + 1
    keys: dict[str, str] = {}
    for path in files:
        key = base(path)
        if counts[key] > 1:
            key = f"{key}-{hashlib.sha256(rules.utf8(path)).hexdigest()[:8]}"
        keys[path] = key
    return keys


_NOT_KEY = re.compile(r"[^-._a-zA-Z0-9]")
CONTENT: Final = stand_in("<content>")


def files_rules(files: Mapping[str, str]) -> Iterator[Problem]:
    """Files must not be directories of each other, and must fit one ConfigMap."""
    paths = set(files)
    for path in sorted(files):
        parent = posixpath.dirname(path)
        while parent != "/":
            if parent in paths:
                yield Problem(
                    f"files[{path!r}]", CONTENT, f"is inside {parent!r}, which is a file too"
                )
                break
            parent = posixpath.dirname(parent)
    keys = file_keys(files)
    size = rules.byte_size({keys[path]: content for path, content in files.items()})
    if size > rules.DATA_SIZE_LIMIT:
        yield Problem("files", size, rules.CONFIG_MAP_SIZE_TEXT)


def files_annotation_rules(
    annotations: Mapping[str, str], files: Mapping[str, str]
) -> Iterator[Problem]:
    """With files, the pod template carries the component's annotations and the content
    hash (reported once: not when the annotations alone are already too many)."""
    if files and not any(annotation_rules(annotations)):
        size = rules.byte_size({**annotations, FILES_HASH_KEY: "0" * 64})
        if size > rules.ANNOTATIONS_SIZE_LIMIT:
            yield Problem(
                "annotations",
                size,
                f"{rules.ANNOTATIONS_SIZE_TEXT} with the hash of files on the pod template",
            )


def file_content(value: object) -> str | None:
    return None if isinstance(value, str) else "is not text (a string)"
