"""Calls a user writes that type checkers must accept (tests/test_typing.py runs mypy here)."""

from __future__ import annotations

import pulumi

from components import (
    CanaryServiceArgs,
    CanaryTrack,
    Container,
    ContainerPort,
    DeploymentSpec,
    ExternalDatabaseArgs,
    Probe,
    ServiceSpec,
    WebApp,
    WebAppArgs,
)

container = Container(
    image="registry.example.com/shop:1.4.2",
    ports=[ContainerPort(port=8080, name="http")],
    env={"LOG_LEVEL": "info"},
    readiness_probe=Probe.http("/ready", period_seconds=5, scheme="HTTPS"),
    liveness_probe=Probe.tcp("http", failure_threshold=5),
    startup_probe=Probe.exec("true", initial_delay_seconds=2),
)
args = WebAppArgs(
    container=container,
    deployment=DeploymentSpec(replicas=3),
    service=ServiceSpec(type="LoadBalancer"),
)
worker = WebAppArgs(container=container, service=None)
newer: WebAppArgs = args.evolve(container=container.evolve(image="shop:1.4.3"))
canary = CanaryServiceArgs(container=container, canary=CanaryTrack(image="shop:1.5.0"))
database = ExternalDatabaseArgs(engine="postgresql", host="db.example.com")


def program() -> None:
    shop = WebApp("shop", args)
    dns: pulumi.Output[str] = shop.dns_name  # not Optional: a WebApp with a Service has one
    name: pulumi.Output[str] = shop.service_name
    pulumi.export("dns", dns)
    pulumi.export("name", name)
