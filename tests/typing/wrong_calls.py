"""Mistakes type checkers must catch (tests/test_typing.py runs mypy here).

Each line carries the error code mypy must report on it. mypy runs with
``warn_unused_ignores``, so a line mypy stops flagging makes the check fail.
"""

from __future__ import annotations

import pulumi

from components import (
    CanaryServiceArgs,
    Container,
    ContainerPort,
    DeploymentSpec,
    ExternalDatabaseArgs,
    Probe,
    ServicePort,
    WebApp,
    WebAppArgs,
)

Container()  # type: ignore[call-arg]
WebAppArgs()  # type: ignore[call-arg]
CanaryServiceArgs()  # type: ignore[call-arg]
ExternalDatabaseArgs()  # type: ignore[call-arg]
ContainerPort()  # type: ignore[call-arg]
ServicePort(name="http")  # type: ignore[call-arg]
Container(imag="shop:1")  # type: ignore[call-arg]
Container(image="shop:1", port=[8080])  # type: ignore[call-arg]
Container(image=1)  # type: ignore[arg-type]
Container("shop:1")  # type: ignore[call-arg]
DeploymentSpec(replicas="3")  # type: ignore[arg-type]
DeploymentSpec(strategy="BlueGreen")  # type: ignore[arg-type]
Probe.http("/ready", periodSecond=5)  # type: ignore[call-arg]
Probe.tcp(8080, timeout_seconds="1")  # type: ignore[arg-type]
WebAppArgs(container=Container(image="shop:1"), deployment=3)  # type: ignore[arg-type]


def program(app: WebApp) -> None:
    optional: pulumi.Output[int] = app.dns_name  # type: ignore[assignment]
    pulumi.export("x", optional)
