"""The inputs and manifests layers load and work without the Pulumi SDK (DEVELOPERS.md).

YAML rendering, manifest-only tests and the benchmark's build section rely on it: importing
pulumi alone takes longer than building a thousand apps.
"""

from __future__ import annotations

import subprocess
import sys

PROGRAM = """
import sys
import components.manifests.canary, components.manifests.database, components.manifests.webapp
import components.inputs
from components import WebAppArgs, Container, ContainerPort
from components.manifests.webapp import build_webapp
container = Container(image="shop:1.0", ports=[ContainerPort(port=8080, name="http")])
assert build_webapp("shop", WebAppArgs(container=container)).all()
loaded = sorted(m for m in sys.modules if m == "pulumi" or m.startswith("pulumi."))
print(",".join(loaded))
"""


def test_building_manifests_never_imports_pulumi() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROGRAM], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
