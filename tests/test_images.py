"""The test image packer: what `ctr images import` and kubelet rely on in each archive."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.tools import ROOT

PACK = ROOT / "toolchain" / "images" / "pack.py"
REF = "berth.local/echo:0123456789ab"


def pack(tmp_path: Path, *extra: str) -> dict[str, bytes]:
    binary = tmp_path / "echo"
    binary.write_bytes(b"\x7fELF pretend static binary")
    out = tmp_path / "echo.oci.tar"
    subprocess.run(
        [
            sys.executable,
            str(PACK),
            "--binary",
            str(binary),
            "--ref",
            REF,
            "--out",
            str(out),
            *extra,
        ],
        check=True,
    )
    with tarfile.open(out) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}  # type: ignore[union-attr]


def blob(files: dict[str, bytes], descriptor: dict[str, Any]) -> bytes:
    data = files["blobs/sha256/" + descriptor["digest"].removeprefix("sha256:")]
    assert len(data) == descriptor["size"]
    assert "sha256:" + hashlib.sha256(data).hexdigest() == descriptor["digest"]
    return data


@pytest.fixture
def archive(tmp_path: Path) -> dict[str, bytes]:
    return pack(tmp_path, "--port", "8080", "--arch", "amd64")


def test_the_archive_is_an_oci_layout_whose_blobs_match_their_digests(
    archive: dict[str, bytes],
) -> None:
    assert json.loads(archive["oci-layout"]) == {"imageLayoutVersion": "1.0.0"}
    index = json.loads(archive["index.json"])
    assert index["schemaVersion"] == 2
    (entry,) = index["manifests"]
    assert entry["mediaType"] == "application/vnd.oci.image.manifest.v1+json"
    assert entry["platform"] == {"architecture": "amd64", "os": "linux"}
    manifest = json.loads(blob(archive, entry))
    blob(archive, manifest["config"])
    (layer,) = manifest["layers"]
    assert layer["mediaType"] == "application/vnd.oci.image.layer.v1.tar+gzip"
    blob(archive, layer)


def test_the_manifest_is_named_so_ctr_import_tags_it(archive: dict[str, bytes]) -> None:
    (entry,) = json.loads(archive["index.json"])["manifests"]
    assert entry["annotations"]["org.opencontainers.image.ref.name"] == REF
    assert entry["annotations"]["io.containerd.image.name"] == REF


def config_and_layer(archive: dict[str, bytes]) -> tuple[dict[str, Any], bytes]:
    (entry,) = json.loads(archive["index.json"])["manifests"]
    manifest = json.loads(blob(archive, entry))
    config = json.loads(blob(archive, manifest["config"]))
    return config, gzip.decompress(blob(archive, manifest["layers"][0]))


def test_the_image_runs_the_binary_as_a_numeric_non_root_user(archive: dict[str, bytes]) -> None:
    config, layer = config_and_layer(archive)
    assert config["os"] == "linux" and config["architecture"] == "amd64"
    user, group = config["config"]["User"].split(":")
    assert user.isdigit() and int(user) != 0 and group.isdigit()
    assert config["config"]["Entrypoint"] == ["/echo"]
    assert config["config"]["ExposedPorts"] == {"8080/tcp": {}}
    assert config["rootfs"]["diff_ids"] == ["sha256:" + hashlib.sha256(layer).hexdigest()]
    with tarfile.open(fileobj=io.BytesIO(layer)) as tar:
        entry = tar.getmember("echo")
        assert entry.mode & 0o111 and entry.uid == 0
        assert tar.extractfile(entry).read() == b"\x7fELF pretend static binary"  # type: ignore[union-attr]
        passwd = tar.extractfile("etc/passwd").read().decode()  # type: ignore[union-attr]
    assert f":{user}:{group}:" in passwd


def test_the_same_binary_packs_to_the_same_digests(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert pack(tmp_path / "a")["index.json"] == pack(tmp_path / "b")["index.json"]
