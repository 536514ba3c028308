"""`make render`: manifests for GitOps through the provider's render mode, no cluster."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from tests.e2e.tools import ROOT

pytestmark = pytest.mark.e2e


def test_render_writes_every_prod_object_without_a_cluster(
    tool_env: dict[str, str], tmp_path: Path
) -> None:
    env = {k: v for k, v in tool_env.items() if not k.startswith("KUBE")}
    subprocess.run(
        [str(ROOT / "toolchain" / "render.sh"), "prod", str(tmp_path)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    kinds = sorted(yaml.safe_load(path.read_text())["kind"] for path in tmp_path.rglob("*.yaml"))
    assert kinds == sorted(
        ["Namespace", "Service", "EndpointSlice", "Secret"]
        + ["Deployment", "Service", "PodDisruptionBudget", "HorizontalPodAutoscaler"]
        + ["Deployment", "Service", "PodDisruptionBudget"]
        + ["Deployment"] * 2
        + ["Service"] * 3
        + ["PodDisruptionBudget"] * 2
        # One ServiceAccount per app: storefront, cart and checkout (both tracks).
        + ["ServiceAccount"] * 3
    )
