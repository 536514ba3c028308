"""The real node's images (toolchain/images: echo test server, pause), built here as
OCI archives and imported into containerd; never pulled from a registry."""

from __future__ import annotations

import subprocess

from cluster.common import ClusterError
from cluster.layout import ROOT

BUILD = ROOT / "toolchain" / "images" / "build.sh"
# Shared by every cluster of this checkout (build.sh locks it and skips an unchanged tree).
OUTDIR = ROOT / ".berth" / "images"
KEYS = ("ECHO_IMAGE", "PAUSE_IMAGE", "ECHO_ARCHIVE", "PAUSE_ARCHIVE")


def parse_env(text: str) -> dict[str, str]:
    out = dict(line.split("=", 1) for line in text.splitlines() if "=" in line)
    missing = [k for k in KEYS if not out.get(k)]
    if missing:
        raise ClusterError(f"{BUILD} printed no {', '.join(missing)}:\n{text}")
    return out


def build() -> dict[str, str]:
    r = subprocess.run([str(BUILD), str(OUTDIR)], capture_output=True, text=True, check=False)
    if r.returncode != 0:
        raise ClusterError(f"building the node's images failed:\n{r.stdout}{r.stderr}")
    return parse_env(r.stdout)
