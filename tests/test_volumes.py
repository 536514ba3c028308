"""Volumes, mounts and files: what they build, what is refused, and how config reads them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import yaml

from components import (
    ConfigMapVolume,
    Container,
    ContainerPort,
    DownwardAPIFile,
    DownwardAPIProjection,
    EmptyDirVolume,
    EphemeralVolume,
    KeyToPath,
    Mount,
    PersistentVolumeClaimVolume,
    ProjectedVolume,
    SecretVolume,
    Security,
    ServiceAccountTokenProjection,
    SpecError,
    WebAppArgs,
)
from components.config import args_from_config
from components.inputs import rules
from components.inputs.canary import CanaryServiceArgs, CanaryTrack
from components.manifests.canary import build_canary
from components.manifests.meta import Manifest
from components.manifests.webapp import WebAppObjects, build_webapp
from components.testing.schema import SUPPORTED_K8S_VERSIONS, validate_manifest
from tests.catalogue import CATALOGUE

WEB = Container(image="shop:1.0", ports=[ContainerPort(port=8080, name="http")])


def with_mounts(*mounts: Mount, **security: Any) -> Container:
    return WEB.evolve(mounts=mounts, security=Security(**security))


def build(args: WebAppArgs) -> WebAppObjects:
    return build_webapp("shop", args)


def pod(objects: WebAppObjects) -> Manifest:
    spec: Manifest = objects.deployment["spec"]["template"]["spec"]
    return spec


def problems_of(make: Callable[[], Any]) -> list[str]:
    with pytest.raises(SpecError) as caught:
        make()
    return [str(p) for p in caught.value.problems]


# --- what is built ----------------------------------------------------------------------------


def test_each_kind_of_volume_becomes_its_pod_volume() -> None:
    objects = build(CATALOGUE["volumes-and-files"])
    volumes = {v["name"]: v for v in pod(objects)["volumes"]}
    assert volumes["cache"] == {"name": "cache", "emptyDir": {"sizeLimit": "512Mi"}}
    assert volumes["scratch"]["emptyDir"] == {"medium": "Memory", "sizeLimit": "64Mi"}
    assert volumes["settings"]["configMap"] == {
        "name": "shop-settings",
        "items": [{"key": "flags", "path": "flags", "mode": 0o440}],
        "defaultMode": 0o444,
    }
    assert volumes["tls"]["secret"] == {"secretName": "shop-tls", "optional": True}
    assert volumes["identity"]["projected"]["sources"] == [
        {"serviceAccountToken": {"path": "token", "expirationSeconds": 3600, "audience": "vault"}},
        {
            "downwardAPI": {
                "items": [
                    {
                        "path": "labels",
                        "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.labels"},
                    },
                    {
                        "path": "memory",
                        "resourceFieldRef": {"containerName": "app", "resource": "limits.memory"},
                    },
                ]
            }
        },
        {"configMap": {"name": "shop-ca", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
        {"secret": {"name": "shop-key", "items": [{"key": "key", "path": "key.pem"}]}},
    ]
    assert volumes["uploads"]["persistentVolumeClaim"] == {"claimName": "shop-uploads"}
    assert volumes["work"]["ephemeral"] == {
        "volumeClaimTemplate": {
            "spec": {
                "accessModes": ["ReadWriteOnce"],
                "resources": {"requests": {"storage": "10Gi"}},
                "storageClassName": "fast",
            }
        }
    }
    # Berth's own emptyDir for writable_paths stays, first.
    assert pod(objects)["volumes"][0] == {"name": "writable-0", "emptyDir": {}}


def test_mounts_follow_berths_writable_paths_with_sub_path_and_read_only() -> None:
    mounts = pod(build(CATALOGUE["volumes-and-files"]))["containers"][0]["volumeMounts"]
    assert mounts[0] == {"name": "writable-0", "mountPath": "/tmp"}
    assert {"name": "cache", "mountPath": "/var/cache/shop"} in mounts
    assert {"name": "tls", "mountPath": "/etc/shop/tls", "readOnly": True} in mounts
    assert {
        "name": "settings",
        "mountPath": "/etc/shop/feature.flags",
        "subPath": "flags",
    } in mounts


def test_the_root_filesystem_stays_read_only_with_volumes() -> None:
    container = pod(build(CATALOGUE["volumes-and-files"]))["containers"][0]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True


def test_files_become_an_immutable_config_map_mounted_file_by_file() -> None:
    files = {"/etc/app/config.yaml": "a: 1\n", "/etc/nginx/conf.d/app.conf": "server {}\n"}
    objects = build(WebAppArgs(container=WEB, files=files))
    config_map = objects.files
    assert config_map is not None and config_map["immutable"] is True
    assert config_map["data"] == {"config.yaml": "a: 1\n", "app.conf": "server {}\n"}
    assert "name" not in config_map["metadata"]  # autonamed, as Secrets are
    spec = pod(objects)
    assert {"name": "berth-files", "configMap": {"name": "shop-files"}} in spec["volumes"]
    mounts = spec["containers"][0]["volumeMounts"]
    assert {
        "name": "berth-files",
        "mountPath": "/etc/app/config.yaml",
        "subPath": "config.yaml",
        "readOnly": True,
    } in mounts
    assert {
        "name": "berth-files",
        "mountPath": "/etc/nginx/conf.d/app.conf",
        "subPath": "app.conf",
        "readOnly": True,
    } in mounts


def test_files_of_the_same_name_in_two_directories_get_two_keys() -> None:
    files = {"/etc/a/config.yaml": "a", "/etc/b/config.yaml": "b"}
    config_map = build(WebAppArgs(container=WEB, files=files)).files
    assert config_map is not None
    data = config_map["data"]
    assert sorted(data.values()) == ["a", "b"] and len(data) == 2
    mounts = pod(build(WebAppArgs(container=WEB, files=files)))["containers"][0]["volumeMounts"]
    sub_paths = {m["mountPath"]: m["subPath"] for m in mounts if m["name"] == "berth-files"}
    assert data[sub_paths["/etc/a/config.yaml"]] == "a"
    assert data[sub_paths["/etc/b/config.yaml"]] == "b"


def annotations_of(objects: WebAppObjects) -> dict[str, str]:
    return dict(objects.deployment["spec"]["template"]["metadata"].get("annotations", {}))


def test_a_change_of_content_changes_the_pod_template_so_the_pods_roll() -> None:
    before = build(WebAppArgs(container=WEB, files={"/etc/app/config.yaml": "a: 1"}))
    after = build(WebAppArgs(container=WEB, files={"/etc/app/config.yaml": "a: 2"}))
    same = build(WebAppArgs(container=WEB, files={"/etc/app/config.yaml": "a: 1"}))
    key = "berth.dev/files-sha256"
    assert annotations_of(before)[key] != annotations_of(after)[key]
    assert annotations_of(before) == annotations_of(same)
    assert key not in annotations_of(build(WebAppArgs(container=WEB)))


def test_with_a_fixed_name_the_config_map_is_named_by_its_content() -> None:
    def objects(content: str) -> WebAppObjects:
        return build(WebAppArgs(container=WEB, name="shop", files={"/etc/app/c.yaml": content}))

    first, second = objects("a"), objects("b")
    assert first.files is not None and second.files is not None
    name = first.files["metadata"]["name"]
    assert name.startswith("shop-files-") and len(name) == len("shop-files-") + 10
    assert name != second.files["metadata"]["name"]
    volume = next(v for v in pod(first)["volumes"] if v["name"] == "berth-files")
    assert volume["configMap"]["name"] == name


def test_both_canary_tracks_mount_the_one_files_config_map() -> None:
    objects = build_canary(
        "shop",
        CanaryServiceArgs(
            container=WEB.evolve(mounts=[Mount(volume="cache", path="/cache")]),
            canary=CanaryTrack(image="shop:1.1"),
            canary_weight=20,
            replicas=5,
            volumes=[EmptyDirVolume(name="cache")],
            files={"/etc/app/config.yaml": "a: 1"},
        ),
    )
    assert [o["kind"] for o in objects.all()].count("ConfigMap") == 1
    for deployment in (objects.stable_deployment, objects.canary_deployment):
        spec = deployment["spec"]["template"]["spec"]
        names = [v["name"] for v in spec["volumes"]]
        assert names == ["writable-0", "cache", "berth-files"]
        assert spec["volumes"][-1]["configMap"]["name"] == "shop-files"
        assert "berth.dev/files-sha256" in deployment["spec"]["template"]["metadata"]["annotations"]


@pytest.mark.parametrize("version", SUPPORTED_K8S_VERSIONS)
def test_every_canary_object_with_volumes_and_files_passes_the_schema(version: str) -> None:
    args = CATALOGUE["volumes-and-files"]
    canary = CanaryServiceArgs(container=args.container, volumes=args.volumes, files=args.files)
    for manifest in build_canary("shop", canary).all():
        named = {**manifest, "metadata": {"name": "shop-1234567", **manifest["metadata"]}}
        validate_manifest(named, version)


# --- what is refused --------------------------------------------------------------------------

CACHE = EmptyDirVolume(name="cache")
AT_CACHE = Mount(volume="cache", path="/cache")


def volume(make: Callable[[], Any]) -> Callable[[], WebAppArgs]:
    """Args with the volume ``make`` builds, mounted (nested specs are checked by the args)."""

    def args() -> WebAppArgs:
        built = make()
        name = built.name if isinstance(built.name, str) else "v"
        return WebAppArgs(container=with_mounts(Mount(volume=name, path="/v")), volumes=[built])

    return args


def mount(make: Callable[[], Mount]) -> Callable[[], WebAppArgs]:
    return lambda: WebAppArgs(container=with_mounts(make()), volumes=[CACHE])


def source(make: Callable[[], Any]) -> Callable[[], WebAppArgs]:
    return volume(lambda: ProjectedVolume(name="p", sources=[make()]))


BAD: list[tuple[str, Callable[[], Any], str]] = [
    (
        "a mount of no declared volume",
        lambda: WebAppArgs(
            container=with_mounts(Mount(volume="cahce", path="/c")), volumes=[CACHE]
        ),
        "container.mounts[0].volume: 'cahce' is not the name of a volume in volumes "
        "(declared: 'cache')",
    ),
    (
        "a volume no container mounts",
        lambda: WebAppArgs(container=WEB, volumes=[CACHE]),
        "volumes[0].name: 'cache' is not mounted by any container (add a Mount to a "
        "container's mounts, or remove the volume)",
    ),
    (
        "two volumes of one name",
        lambda: WebAppArgs(container=with_mounts(AT_CACHE), volumes=[CACHE, CACHE]),
        "volumes: 'cache' is the name of more than one volume",
    ),
    (
        "a volume name that is not a DNS label",
        lambda: WebAppArgs(container=WEB, volumes=[EmptyDirVolume(name="Cache")]),
        "volumes[0].name: 'Cache' is not a valid DNS-1123 label",
    ),
    (
        "a volume named as Berth's own",
        lambda: WebAppArgs(
            container=with_mounts(Mount(volume="writable-0", path="/c")),
            volumes=[EmptyDirVolume(name="writable-0")],
        ),
        "volumes[0].name: 'writable-0' is a name Berth gives its own volumes "
        "('berth-files', 'writable-<n>')",
    ),
    (
        "two mounts at one path",
        lambda: WebAppArgs(
            container=with_mounts(AT_CACHE, Mount(volume="cache", path="/cache/")),
            volumes=[CACHE],
        ),
        "container.mounts[1].path: '/cache/' is also mounted by container.mounts[0].path",
    ),
    (
        "a mount over a writable path",
        lambda: WebAppArgs(
            container=with_mounts(Mount(volume="cache", path="/tmp")), volumes=[CACHE]
        ),
        "container.mounts[0].path: '/tmp' is also mounted by "
        "container.security.writable_paths[0] (an emptyDir Berth adds; remove the path "
        "from writable_paths to mount something else there)",
    ),
    (
        "a file at a mount's path",
        lambda: WebAppArgs(container=with_mounts(AT_CACHE), volumes=[CACHE], files={"/cache": ""}),
        "files['/cache']: <content> is also mounted by container.mounts[0].path",
    ),
    (
        "a relative mount path",
        mount(lambda: Mount(volume="cache", path="cache")),
        "container.mounts[0].path: 'cache' is not an absolute path below '/'",
    ),
    (
        "a sub_path leaving the volume",
        mount(lambda: Mount(volume="cache", path="/c", sub_path="../etc")),
        "container.mounts[0].sub_path: '../etc' is not a relative path inside the volume",
    ),
    (
        "a default_mode beyond 0777",
        volume(lambda: ConfigMapVolume(name="c", config_map_name="c", default_mode=0o1777)),
        "volumes[0].default_mode: 1023 is not a file mode within 0..0o777",
    ),
    (
        "a negative item mode",
        volume(
            lambda: ConfigMapVolume(
                name="c", config_map_name="c", items=[KeyToPath(key="a", path="a", mode=-1)]
            )
        ),
        "volumes[0].items[0].mode: -1 is not a file mode within 0..0o777",
    ),
    (
        "an item path outside the volume",
        volume(
            lambda: SecretVolume(
                name="s", secret_name="s", items=[KeyToPath(key="key", path="/etc/key")]
            )
        ),
        "volumes[0].items[0].path: '/etc/key' is not a relative path inside the volume",
    ),
    (
        "two items at one path",
        volume(
            lambda: SecretVolume(
                name="s",
                secret_name="s",
                items=[KeyToPath(key="a", path="x"), KeyToPath(key="b", path="x")],
            )
        ),
        "volumes[0].items: 'x' is the path of more than one item",
    ),
    (
        "a secret name that is no object name",
        volume(lambda: SecretVolume(name="s", secret_name="Shop_TLS")),
        "volumes[0].secret_name: 'Shop_TLS' is not a valid DNS-1123 subdomain",
    ),
    (
        "a claim name that is no object name",
        volume(lambda: PersistentVolumeClaimVolume(name="data", claim_name="data/1")),
        "volumes[0].claim_name: 'data/1' is not a valid DNS-1123 subdomain",
    ),
    (
        "a size of 0",
        volume(lambda: EmptyDirVolume(name="c", size_limit="0")),
        "volumes[0].size_limit: '0' must be more than 0",
    ),
    (
        "a size in millibytes",
        volume(lambda: EphemeralVolume(name="w", size="10m")),
        "volumes[0].size: '10m' is not a whole number of bytes",
    ),
    (
        "an unknown medium",
        volume(lambda: EmptyDirVolume(name="c", medium="HugePages")),  # type: ignore[arg-type]
        "volumes[0].medium: 'HugePages' is not one of '', 'Memory'",
    ),
    (
        "an unknown access mode",
        volume(lambda: EphemeralVolume(name="w", size="1Gi", access_modes=["ReadWriteAll"])),
        "volumes[0].access_modes[0]: 'ReadWriteAll' is not one of 'ReadWriteOnce'",
    ),
    (
        "ReadWriteOncePod with another mode",
        volume(
            lambda: EphemeralVolume(
                name="w", size="1Gi", access_modes=["ReadWriteOncePod", "ReadWriteOnce"]
            )
        ),
        "volumes[0].access_modes: ('ReadWriteOncePod', 'ReadWriteOnce') may not combine ReadWriteOncePod "
        "with another mode",
    ),
    (
        "no access mode",
        volume(lambda: EphemeralVolume(name="w", size="1Gi", access_modes=[])),
        "volumes[0].access_modes: () must name at least one access mode",
    ),
    (
        "a token that expires within 10 minutes",
        source(lambda: ServiceAccountTokenProjection(path="t", expiration_seconds=599)),
        "volumes[0].sources[0].expiration_seconds: 599 is not within 600..4294967296",
    ),
    (
        "a downward file of a field volumes cannot hold",
        source(
            lambda: DownwardAPIProjection(
                items=[DownwardAPIFile(path="ip", field_path="status.podIP")]
            )
        ),
        "volumes[0].sources[0].items[0].field_path: 'status.podIP' is not a pod field a volume file can hold",
    ),
    (
        "a downward file with a resource but no container",
        source(
            lambda: DownwardAPIProjection(
                items=[DownwardAPIFile(path="m", resource="limits.memory")]
            )
        ),
        "volumes[0].sources[0].items[0].container_name: None must be set with resource",
    ),
    (
        "a downward file of nothing",
        source(lambda: DownwardAPIProjection(items=[DownwardAPIFile(path="x")])),
        "volumes[0].sources[0].items[0].field_path: None or resource must be set, and not both",
    ),
    (
        "two sources writing one path",
        volume(
            lambda: ProjectedVolume(
                name="p",
                sources=[
                    ServiceAccountTokenProjection(path="token"),
                    DownwardAPIProjection(
                        items=[DownwardAPIFile(path="token", field_path="metadata.uid")]
                    ),
                ],
            )
        ),
        "volumes[0].sources: 'token' is written by more than one source",
    ),
    (
        "a projected volume of nothing",
        volume(lambda: ProjectedVolume(name="p", sources=[])),
        "volumes[0].sources: () must list at least one source",
    ),
    (
        "a relative file path",
        lambda: WebAppArgs(container=WEB, files={"etc/app.yaml": ""}),
        "files['etc/app.yaml']: 'etc/app.yaml' is not an absolute path below '/'",
    ),
    (
        "a file path with a trailing slash",
        lambda: WebAppArgs(container=WEB, files={"/etc/app/": ""}),
        "files['/etc/app/']: '/etc/app/' is not a normalised absolute file path",
    ),
    (
        "a file inside another file",
        lambda: WebAppArgs(container=WEB, files={"/etc/app": "", "/etc/app/x.yaml": ""}),
        "files['/etc/app/x.yaml']: <content> is inside '/etc/app', which is a file too",
    ),
    (
        "file content that is not text",
        lambda: WebAppArgs(container=WEB, files={"/etc/app.bin": b"\x00"}),  # type: ignore[dict-item]
        "files['/etc/app.bin']: b'\\x00' is not text (a string)",
    ),
    (
        "files beyond what a ConfigMap holds",
        lambda: WebAppArgs(container=WEB, files={"/srv/big.json": "x" * (1024 * 1024)}),
        "files: 1048584 bytes (keys and values) is more than a ConfigMap's data may hold "
        "(1048576 bytes, 1 MiB)",
    ),
    (
        "a hostPath volume (Pod Security 'restricted' refuses it)",
        lambda: WebAppArgs(container=WEB, volumes=[{"type": "host_path", "name": "h"}]),  # type: ignore[list-item]
        "volumes[0].type: 'host_path' is not one of 'empty_dir', 'config_map', 'secret', "
        "'projected', 'persistent_volume_claim', 'ephemeral'",
    ),
    (
        "a volume that is no volume",
        lambda: WebAppArgs(container=WEB, volumes=[Mount(volume="a", path="/a")]),  # type: ignore[list-item]
        "volumes[0]: Mount(volume='a', path='/a', sub_path=None, read_only=False) is not one of "
        "EmptyDirVolume, ConfigMapVolume",
    ),
]


@pytest.mark.parametrize(
    ("make", "expected"), [(make, line) for _, make, line in BAD], ids=[what for what, *_ in BAD]
)
def test_bad_volume_input_is_refused_naming_field_value_and_rule(
    make: Callable[[], Any], expected: str
) -> None:
    problems = problems_of(make)
    assert any(p.startswith(expected) for p in problems), problems


def test_canary_service_args_check_volumes_as_webapp_args_do() -> None:
    problems = problems_of(lambda: CanaryServiceArgs(container=WEB, volumes=[CACHE]))
    assert problems == [
        "volumes[0].name: 'cache' is not mounted by any container (add a Mount to a "
        "container's mounts, or remove the volume)"
    ]


# --- from stack config ------------------------------------------------------------------------

STACK = """
container:
  image: shop:1.0
  ports: [8080]
  mounts:
    - {volume: cache, path: /var/cache}
    - {volume: identity, path: /var/run/identity, read_only: true}
    - {volume: settings, path: /etc/shop/flags, sub_path: flags}
volumes:
  - {type: empty_dir, name: cache, size_limit: 1Gi}
  - type: config_map
    name: settings
    config_map_name: shop-settings
    items: {flags: flags}
    default_mode: '0444'
  - type: projected
    name: identity
    sources:
      - {type: service_account_token, path: token, audience: vault}
      - type: downward_api
        items:
          - {path: name, field_path: metadata.name}
files:
  /etc/shop/config.yaml: |
    listen: 8080
"""


def test_volumes_mounts_and_files_load_from_stack_config() -> None:
    args = args_from_config(
        WebAppArgs, yaml.safe_load(STACK), key="berth:shop", stack="dev", logical="shop"
    )
    assert args.volumes[0] == EmptyDirVolume(name="cache", size_limit="1Gi")
    assert args.volumes[1] == ConfigMapVolume(
        name="settings",
        config_map_name="shop-settings",
        items=[KeyToPath(key="flags", path="flags")],
        default_mode=0o444,
    )
    projected = args.volumes[2]
    assert isinstance(projected, ProjectedVolume)
    assert projected.sources[0] == ServiceAccountTokenProjection(path="token", audience="vault")
    assert args.container.mounts[2] == Mount(
        volume="settings", path="/etc/shop/flags", sub_path="flags"
    )
    assert args.files == {"/etc/shop/config.yaml": "listen: 8080\n"}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda d: d["volumes"][0].pop("type"),
            "berth:shop.volumes[0].type: None is required: is not one of 'empty_dir'",
        ),
        (
            lambda d: d["volumes"][0].update(sizelimit="1Gi"),
            "berth:shop.volumes[0].sizelimit: is not a setting of EmptyDirVolume",
        ),
        (
            lambda d: d["volumes"][2]["sources"][0].update(type="token"),
            "berth:shop.volumes[2].sources[0].type: 'token' is not one of 'config_map', "
            "'secret', 'downward_api', 'service_account_token'",
        ),
        (
            lambda d: d["container"]["mounts"][0].update(volume="cahce"),
            "berth:shop.container.mounts[0].volume: 'cahce' is not the name of a volume",
        ),
        (
            lambda d: d["container"]["mounts"][0].update(readonly=True),
            "berth:shop.container.mounts[0].readonly: is not a setting of Mount",
        ),
    ],
    ids=["no type", "unknown key", "unknown source", "unknown volume", "misspelt mount key"],
)
def test_bad_volume_config_is_reported_at_its_key_path(
    change: Callable[[dict[str, Any]], object], expected: str
) -> None:
    data = yaml.safe_load(STACK)
    change(data)
    with pytest.raises(SpecError) as caught:
        args_from_config(WebAppArgs, data, key="berth:shop", stack="dev")
    assert expected in str(caught.value), str(caught.value)


def test_the_files_hash_never_takes_the_pod_templates_annotations_over_the_limit() -> None:
    def args(size: int) -> WebAppArgs:
        return WebAppArgs(
            container=WEB, annotations={"note": "x" * size}, files={"/etc/a.yaml": "a"}
        )

    low, high = 0, rules.ANNOTATIONS_SIZE_LIMIT
    while low < high:  # the largest annotation the rule lets through
        middle = (low + high + 1) // 2
        try:
            args(middle)
        except SpecError:
            high = middle - 1
        else:
            low = middle
    annotations = annotations_of(build(args(low)))
    assert "berth.dev/files-sha256" in annotations
    assert rules.byte_size(annotations) <= rules.ANNOTATIONS_SIZE_LIMIT
    problems = problems_of(lambda: args(low + 1))
    assert problems == [
        f"annotations: {rules.ANNOTATIONS_SIZE_LIMIT + 1} bytes (keys and values) is more than "
        "an object's annotations may total (262144 bytes, 256 KiB) with the hash of files on "
        "the pod template"
    ]
    # Without files the same annotations are no problem: the limit is not lowered for all.
    WebAppArgs(container=WEB, annotations={"note": "x" * (low + 1)})


# --- volumes across the pod's containers ------------------------------------------------------


def test_sidecars_and_init_containers_mount_volumes_beside_their_own_writable_paths() -> None:
    args = WebAppArgs(
        container=WEB,
        sidecars=[
            Container(
                name="proxy", image="proxy:1.0", mounts=[Mount(volume="cache", path="/cache")]
            )
        ],
        init_containers=[
            Container(name="seed", image="seed:1.0", mounts=[Mount(volume="cache", path="/c")])
        ],
        volumes=[EmptyDirVolume(name="cache")],
    )
    spec = pod(build(args))
    names = [v["name"] for v in spec["volumes"]]
    assert len(names) == len(set(names)), names
    mounts = {
        c["name"]: [m["name"] for m in c["volumeMounts"]]
        for c in spec["containers"] + spec["initContainers"]
    }
    assert mounts == {
        "app": ["writable-0"],
        "proxy": ["writable-s0-0", "cache"],
        "seed": ["writable-i0-0", "cache"],
    }


def test_a_sidecar_mounting_an_undeclared_volume_is_reported_at_its_path() -> None:
    assert problems_of(
        lambda: WebAppArgs(
            container=WEB,
            sidecars=[
                Container(name="proxy", image="proxy:1.0", mounts=[Mount(volume="nope", path="/x")])
            ],
        )
    ) == [
        "sidecars[0].mounts[0].volume: 'nope' is not the name of a volume in volumes (none is declared)"
    ]
