"""containerd v2 for the real node: every path (root, state, sockets, runc's state,
network namespaces) inside the cluster's own directory."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

BINARIES = ["containerd", "containerd-shim-runc-v2", "ctr"]
NAMESPACE = "k8s.io"  # the CRI plugin's containerd namespace


@dataclass(frozen=True)
class Paths:
    base: Path

    @property
    def root(self) -> Path:
        return self.base / "root"

    @property
    def state(self) -> Path:
        return self.base / "state"

    @property
    def socket(self) -> Path:
        return self.base / "containerd.sock"

    @property
    def config(self) -> Path:
        return self.base / "config.toml"

    @property
    def runc_root(self) -> Path:
        return self.base / "runc"


def toml_str(s: str | Path) -> str:
    return json.dumps(str(s))  # a JSON string is a TOML basic string


def config(
    paths: Paths, pause_image: str, runc: Path, cni_bin_dirs: list[str], cni_conf: Path
) -> str:
    bins = ", ".join(toml_str(d) for d in cni_bin_dirs)
    return f"""\
# Written by berth-cluster for the real node. containerd config version 3.
version = 3
root = {toml_str(paths.root)}
state = {toml_str(paths.state)}
temp = {toml_str(paths.base / "tmp")}

[grpc]
  address = {toml_str(paths.socket)}

[ttrpc]
  address = {toml_str(str(paths.socket) + ".ttrpc")}

[plugins.'io.containerd.cri.v1.images']
  [plugins.'io.containerd.cri.v1.images'.pinned_images]
    # Built here (toolchain/images), imported at start: never pulled from a registry.
    sandbox = {toml_str(pause_image)}

[plugins.'io.containerd.cri.v1.runtime']
  # Root here lacks CAP_SYS_RESOURCE: runc may not lower oom_score_adj below ours.
  restrict_oom_score_adj = true
  # Network namespaces in our state dir, not the machine's /var/run/netns.
  netns_mounts_under_state_dir = true
  [plugins.'io.containerd.cri.v1.runtime'.containerd]
    default_runtime_name = "runc"
    [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
        BinaryName = {toml_str(runc)}
        # runc's container state in our directory, not /run/containerd/runc.
        Root = {toml_str(paths.runc_root)}
        SystemdCgroup = false
  [plugins.'io.containerd.cri.v1.runtime'.cni]
    bin_dirs = [{bins}]
    conf_dir = {toml_str(cni_conf)}
    max_conf_num = 1

[plugins.'io.containerd.grpc.v1.cri']
  # exec/attach/port-forward streams: loopback only.
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
"""


def argv(bindir: Path, paths: Paths) -> list[str]:
    return [str(bindir / "containerd"), f"--config={paths.config}", "--log-level=warn"]


def ctr(bindir: Path, paths: Paths, *args: str) -> list[str]:
    return [str(bindir / "ctr"), f"--address={paths.socket}", f"--namespace={NAMESPACE}", *args]
