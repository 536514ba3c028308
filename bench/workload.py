"""The apps every section builds: one realistic shape, N names.

Each app is a Deployment plus a Service (the pair the issue measures), with a probe,
an env var and the recommended labels, so that the manifests are as big as a real
service's rather than a toy's. The same function feeds the Pulumi programs, the build
layer and the YAML renderer, so every section compares like with like.
"""

from __future__ import annotations

import importlib.util
from typing import Any

from components.inputs.container import Container, ContainerPort, Probe
from components.inputs.pod import PodSpec, ServiceAccountSpec
from components.inputs.webapp import WebAppArgs

NAMESPACE = "shop"
PART_OF = "shop"
PORT = 8080
PORT_NAME = "http"
HEALTH_PATH = "/healthz"
ENV = {"LOG_LEVEL": "info"}
# Every fourth app of the mix is a CanaryService (when that component exists).
CANARY_EVERY = 4


def app_name(i: int) -> str:
    return f"app-{i:04d}"


def version(i: int) -> str:
    return f"1.{i % 10}.0"


def image(i: int) -> str:
    return f"registry.example.com/{app_name(i)}:{version(i)}"


def webapp_args(i: int) -> WebAppArgs:
    return WebAppArgs(
        container=Container(
            image=image(i),
            ports=[ContainerPort(port=PORT, name=PORT_NAME)],
            readiness_probe=Probe.http(HEALTH_PATH),
            env=dict(ENV),
        ),
        namespace=NAMESPACE,
        part_of=PART_OF,
        # The figures in docs/performance.md measure a Deployment and a Service per app;
        # the ServiceAccount WebApp creates by default since 0.2.0 is left out so they stay
        # comparable (the baselines in programs.py build the same two objects).
        pod=PodSpec(service_account=ServiceAccountSpec(create=False)),
    )


def canary_available() -> bool:
    """Whether the CanaryService component has landed (it is written concurrently)."""
    try:
        return importlib.util.find_spec("components.canary") is not None
    except ModuleNotFoundError:
        return False


def is_canary(i: int) -> bool:
    return i % CANARY_EVERY == CANARY_EVERY - 1


def canary_args(i: int) -> Any:
    """App ``i`` as a CanaryService: a quarter of its pods on the next tag, behind an HTTPRoute."""
    from components.inputs.canary import CanaryServiceArgs, CanaryTrack, HttpRouteSpec

    web = webapp_args(i)
    return CanaryServiceArgs(
        container=web.container,
        canary=CanaryTrack(image=f"registry.example.com/{app_name(i)}:{version(i + 1)}"),
        canary_weight=25,
        http_route=HttpRouteSpec(gateway="shop-gateway", gateway_namespace="gateways"),
        namespace=NAMESPACE,
        part_of=PART_OF,
    )
