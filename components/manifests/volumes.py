"""Volumes, volume mounts and the ConfigMap of ``files``, as manifests.

``files`` become one ConfigMap the component owns, each file mounted at its own path
with ``subPath``, so a file lands in a directory of the image (``/etc/nginx/nginx.conf``)
without hiding the directory's other files. A subPath mount never sees a change to the
ConfigMap, so a change must roll the pods instead, and it does twice over: the pod
template carries the content's hash (:data:`components.labels.FILES_HASH`), and the
ConfigMap is immutable, so pulumi-kubernetes replaces it on a change: a new autoname, or
with a fixed name a new ``<name>-files-<hash>``. The new ConfigMap is created before the
Deployment moves to it, and the old one deleted after the rollout, so no pod (old or new,
restarted or not) ever refers to a ConfigMap that is gone or holds other content.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import attrs

from components import labels
from components.inputs import rules
from components.inputs.volumes import (
    FILES_VOLUME,
    READ_ONLY_VOLUMES,
    ConfigMapProjection,
    ConfigMapVolume,
    DownwardAPIProjection,
    EmptyDirVolume,
    EphemeralVolume,
    KeyToPath,
    Mount,
    PersistentVolumeClaimVolume,
    ProjectedVolume,
    Projection,
    SecretProjection,
    SecretVolume,
    ServiceAccountTokenProjection,
    Volume,
    file_keys,
)
from components.manifests.meta import Manifest

if TYPE_CHECKING:
    import pulumi

    from components.inputs.container import Container

FILES_SUFFIX = "-files"
# Hex digits of the content hash in a fixed ConfigMap name (kustomize uses 10 too).
_NAME_HASH_LENGTH = 10


def files_hash(files: Mapping[str, str]) -> str:
    """The SHA-256 of every path and its content, independent of their order."""
    digest = hashlib.sha256()
    for path in sorted(files):
        for part in (path, files[path]):
            data = rules.utf8(part)
            digest.update(len(data).to_bytes(8, "big"))
            digest.update(data)
    return digest.hexdigest()


def files_name_suffix(files: Mapping[str, str]) -> str:
    """The suffix of the ConfigMap's fixed name: its content decides it."""
    return f"{FILES_SUFFIX}-{files_hash(files)[:_NAME_HASH_LENGTH]}"


def files_annotations(files: Mapping[str, str]) -> dict[str, str]:
    """What the pod template carries so that a change of ``files`` rolls the pods."""
    return {labels.FILES_HASH: files_hash(files)} if files else {}


def build_files_config_map(metadata: Manifest, files: Mapping[str, str]) -> Manifest | None:
    """The ConfigMap holding ``files`` (keyed by :func:`file_keys`); None without files."""
    if not files:
        return None
    keys = file_keys(files)
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": metadata,
        # Immutable: the kubelet stops watching it, and the provider replaces it on change.
        "immutable": True,
        "data": {keys[path]: files[path] for path in sorted(files)},
    }


def _items(items: Sequence[KeyToPath]) -> list[Manifest]:
    built: list[Manifest] = []
    for item in items:
        entry: Manifest = {"key": item.key, "path": item.path}
        if item.mode is not None:
            entry["mode"] = item.mode
        built.append(entry)
    return built


def _object_source(
    name_key: str,
    name: pulumi.Input[str],
    items: Sequence[KeyToPath],
    optional: bool,
    default_mode: int | None = None,
) -> Manifest:
    source: Manifest = {name_key: name}
    if items:
        source["items"] = _items(items)
    if default_mode is not None:
        source["defaultMode"] = default_mode
    if optional:
        source["optional"] = True
    return source


def build_projection(source: Projection) -> Manifest:
    if isinstance(source, ConfigMapProjection):
        built = _object_source("name", source.config_map_name, source.items, source.optional)
        return {"configMap": built}
    if isinstance(source, SecretProjection):
        return {"secret": _object_source("name", source.secret_name, source.items, source.optional)}
    if isinstance(source, DownwardAPIProjection):
        files: list[Manifest] = []
        for item in source.items:
            entry: Manifest = {"path": item.path}
            if item.field_path is not None:
                entry["fieldRef"] = {"apiVersion": "v1", "fieldPath": item.field_path}
            else:
                ref: Manifest = {"containerName": item.container_name, "resource": item.resource}
                if item.divisor is not None:
                    ref["divisor"] = item.divisor
                entry["resourceFieldRef"] = ref
            if item.mode is not None:
                entry["mode"] = item.mode
            files.append(entry)
        return {"downwardAPI": {"items": files}}
    if isinstance(source, ServiceAccountTokenProjection):
        token: Manifest = {"path": source.path, "expirationSeconds": source.expiration_seconds}
        if source.audience is not None:
            token["audience"] = source.audience
        return {"serviceAccountToken": token}
    raise TypeError(f"not a projection source: {type(source).__name__}")


def build_volume(volume: Volume) -> Manifest:
    """One entry of the pod's ``volumes``."""
    result: Manifest = {"name": volume.name}
    if isinstance(volume, EmptyDirVolume):
        empty: Manifest = {}
        if volume.medium:
            empty["medium"] = volume.medium
        if volume.size_limit is not None:
            empty["sizeLimit"] = volume.size_limit
        result["emptyDir"] = empty
    elif isinstance(volume, ConfigMapVolume):
        result["configMap"] = _object_source(
            "name", volume.config_map_name, volume.items, volume.optional, volume.default_mode
        )
    elif isinstance(volume, SecretVolume):
        result["secret"] = _object_source(
            "secretName", volume.secret_name, volume.items, volume.optional, volume.default_mode
        )
    elif isinstance(volume, ProjectedVolume):
        projected: Manifest = {"sources": [build_projection(s) for s in volume.sources]}
        if volume.default_mode is not None:
            projected["defaultMode"] = volume.default_mode
        result["projected"] = projected
    elif isinstance(volume, PersistentVolumeClaimVolume):
        claim: Manifest = {"claimName": volume.claim_name}
        if volume.read_only:
            claim["readOnly"] = True
        result["persistentVolumeClaim"] = claim
    elif isinstance(volume, EphemeralVolume):
        claim_spec: Manifest = {
            "accessModes": list(volume.access_modes),
            "resources": {"requests": {"storage": volume.size}},
        }
        if volume.storage_class is not None:
            claim_spec["storageClassName"] = volume.storage_class
        result["ephemeral"] = {"volumeClaimTemplate": {"spec": claim_spec}}
    else:
        raise TypeError(f"not a volume: {type(volume).__name__}")
    return result


def build_mount(mount: Mount) -> Manifest:
    result: Manifest = {"name": mount.volume, "mountPath": mount.path}
    if mount.sub_path is not None:
        result["subPath"] = mount.sub_path
    if mount.read_only:
        result["readOnly"] = True
    return result


@attrs.frozen
class PodVolumes:
    """The pod's own volumes and files: what the pod template adds to Berth's emptyDirs.

    ``files_config_map`` is the name of the ConfigMap of ``files`` (an Output once the
    component registered it, a stand-in in pure builds).
    """

    volumes: Sequence[Volume] = ()
    files: Mapping[str, str] = attrs.field(factory=dict)
    files_config_map: pulumi.Input[str] | None = None

    def pod_volumes(self) -> list[Manifest]:
        built = [build_volume(v) for v in self.volumes]
        if self.files:
            if self.files_config_map is None:
                raise ValueError("files_config_map is required when there are files")
            built.append({"name": FILES_VOLUME, "configMap": {"name": self.files_config_map}})
        return built

    def file_mounts(self) -> list[Manifest]:
        """The mounts of ``files`` in the container that gets them: one file each."""
        keys = file_keys(self.files)
        return [
            {"name": FILES_VOLUME, "mountPath": path, "subPath": keys[path], "readOnly": True}
            for path in sorted(self.files)
        ]


def files_suffix(fixed: bool, files: Mapping[str, str]) -> str:
    """The suffix of the files ConfigMap's name: with a fixed name the content's hash (a
    change is a new name), autonamed the plain suffix (Pulumi's random suffix follows)."""
    return files_name_suffix(files) if fixed else FILES_SUFFIX


def _read_only(volume: Volume | None, mount: Mount) -> bool:
    if mount.read_only or isinstance(volume, READ_ONLY_VOLUMES):
        return True
    return isinstance(volume, PersistentVolumeClaimVolume) and volume.read_only


def _under(path: str, parent: str) -> bool:
    return path.startswith(parent.rstrip("/") + "/")


def volume_warnings(
    volumes: Sequence[Volume], files: Mapping[str, str], container: Container, path: str
) -> list[str]:
    """Advice the spec cannot check: a mount point inside a read-only mount.

    The runtime creates each mount point before it mounts there; inside a read-only mount
    (a ConfigMap, Secret or projected volume, or ``read_only=True``) it cannot, and the
    container does not start, unless the volume happens to hold that path already.
    """
    by_name = {v.name: v for v in volumes}
    read_only = [
        (f"{path}.mounts[{i}]", m.path)
        for i, m in enumerate(container.mounts)
        if _read_only(by_name.get(m.volume), m)
    ]
    inner = [(f"{path}.mounts[{i}].path", m.path) for i, m in enumerate(container.mounts)]
    inner += [(f"files[{p!r}]", p) for p in sorted(files)]
    return [
        f"{where}: {target!r} is inside the read-only mount {outer} ({parent!r}): the runtime "
        "cannot create a mount point there, so the container fails to start unless the volume "
        "holds that path already; mount it elsewhere, or mount the volume read-write"
        for where, target in inner
        for outer, parent in read_only
        if _under(target, parent)
    ]
