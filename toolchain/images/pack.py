#!/usr/bin/env python3
"""Pack one static binary as an OCI image archive that `ctr images import` takes.

The archive is an OCI image layout in a tar (oci-layout, index.json, blobs/sha256/...)
with one gzip layer: the binary, an /etc/passwd and /etc/group naming the numeric
non-root user, and a /tmp. Every timestamp is fixed, so the same binary gives the
same digests. No registry and no container tool are involved.

    pack.py --binary out/echo --ref berth.local/echo:TAG --out echo.oci.tar [--port 8080]
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import os
import platform
import tarfile
from pathlib import Path
from typing import Any

USER = "65532:65532"
PASSWD = "root:x:0:0:root:/:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/:/sbin/nologin\n"
GROUP = "root:x:0:\nnonroot:x:65532:\n"
EPOCH = "1970-01-01T00:00:00Z"
ARCHES = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}
OCI = "application/vnd.oci.image"


def _member(tar: tarfile.TarFile, name: str, data: bytes | None = None, mode: int = 0o644) -> None:
    info = tarfile.TarInfo(name)
    info.mtime = 0
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    if data is None:
        info.type = tarfile.DIRTYPE
        info.mode = mode
        tar.addfile(info)
        return
    info.size = len(data)
    info.mode = mode
    tar.addfile(info, io.BytesIO(data))


def layer_tar(binary: bytes, entrypoint: str) -> bytes:
    """The uncompressed root filesystem layer."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        _member(tar, "etc", mode=0o755)
        _member(tar, "etc/passwd", PASSWD.encode())
        _member(tar, "etc/group", GROUP.encode())
        _member(tar, "tmp", mode=0o1777)
        _member(tar, entrypoint.lstrip("/"), binary, mode=0o755)
    return buf.getvalue()


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


def image_archive(binary: bytes, ref: str, entrypoint: str, port: int | None, arch: str) -> bytes:
    """The whole OCI archive as bytes."""
    layer = layer_tar(binary, entrypoint)
    layer_gz = gzip.compress(layer, mtime=0)
    config: dict[str, Any] = {
        "User": USER,
        "Entrypoint": [entrypoint],
        "Env": ["PATH=/"],
        "WorkingDir": "/",
        "Labels": {"org.opencontainers.image.ref.name": ref},
    }
    if port is not None:
        config["ExposedPorts"] = {f"{port}/tcp": {}}
    config_blob = _json(
        {
            "architecture": arch,
            "os": "linux",
            "created": EPOCH,
            "config": config,
            "rootfs": {"type": "layers", "diff_ids": [_digest(layer)]},
            "history": [{"created": EPOCH, "created_by": f"toolchain/images/pack.py {ref}"}],
        }
    )
    manifest_blob = _json(
        {
            "schemaVersion": 2,
            "mediaType": f"{OCI}.manifest.v1+json",
            "config": {
                "mediaType": f"{OCI}.config.v1+json",
                "digest": _digest(config_blob),
                "size": len(config_blob),
            },
            "layers": [
                {
                    "mediaType": f"{OCI}.layer.v1.tar+gzip",
                    "digest": _digest(layer_gz),
                    "size": len(layer_gz),
                }
            ],
        }
    )
    index = _json(
        {
            "schemaVersion": 2,
            "mediaType": f"{OCI}.index.v1+json",
            "manifests": [
                {
                    "mediaType": f"{OCI}.manifest.v1+json",
                    "digest": _digest(manifest_blob),
                    "size": len(manifest_blob),
                    "platform": {"architecture": arch, "os": "linux"},
                    # ctr takes io.containerd.image.name verbatim; ref.name alone would be
                    # dropped unless --base-name matched it.
                    "annotations": {
                        "org.opencontainers.image.ref.name": ref,
                        "io.containerd.image.name": ref,
                    },
                }
            ],
        }
    )
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        _member(tar, "oci-layout", _json({"imageLayoutVersion": "1.0.0"}))
        _member(tar, "index.json", index)
        _member(tar, "blobs", mode=0o755)
        _member(tar, "blobs/sha256", mode=0o755)
        for blob in (layer_gz, config_blob, manifest_blob):
            _member(tar, "blobs/sha256/" + _digest(blob).removeprefix("sha256:"), blob)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--binary", type=Path, required=True)
    parser.add_argument("--ref", required=True, help="image reference, e.g. berth.local/echo:TAG")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--entrypoint", help="path inside the image (default: /<binary name>)")
    parser.add_argument("--port", type=int, help="the TCP port the image exposes")
    parser.add_argument("--arch", default=ARCHES.get(platform.machine(), platform.machine()))
    args = parser.parse_args(argv)
    entrypoint = args.entrypoint or "/" + args.binary.name
    data = image_archive(args.binary.read_bytes(), args.ref, entrypoint, args.port, args.arch)
    partial = args.out.with_name(args.out.name + ".partial")
    partial.write_bytes(data)
    os.replace(partial, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
