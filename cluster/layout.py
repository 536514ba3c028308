"""Where a cluster keeps its files: everything derives from one state directory."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
ROOT = PACKAGE.parent
CLUSTER_NAME = "berth-local"


@dataclass(frozen=True)
class Layout:
    state: Path
    kubeconfig: Path

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Layout:
        state = Path(environ.get("BERTH_STATE") or ROOT / ".berth").resolve()
        kubeconfig = Path(environ.get("BERTH_KUBECONFIG") or state / "kubeconfig").resolve()
        return cls(state, kubeconfig)

    @property
    def cluster(self) -> Path:
        return self.state / "cluster"

    @property
    def procs(self) -> Path:
        return self.cluster / "processes.json"

    @property
    def ports(self) -> Path:
        return self.cluster / "ports.json"

    @property
    def pki(self) -> Path:
        return self.cluster / "pki"

    @property
    def logs(self) -> Path:
        return self.cluster / "logs"

    @property
    def node(self) -> Path:
        """The real node's files (containerd root and state, kubelet, CNI, DNS, gateway)."""
        return self.cluster / "node"

    @property
    def stages(self) -> Path:
        return PACKAGE / "stages.yaml"

    @property
    def lock(self) -> Path:
        return self.state / ".cluster.lock"
