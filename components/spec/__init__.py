"""Spec layer: attrs classes that hold and validate what the user asks for.

Names are imported lazily, as in :mod:`components`: a program that uses only
WebAppArgs does not pay for defining the canary and database spec classes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from components._lazy import lazy_getattr

_EXPORTS: dict[str, str] = {
    "AppArgs": "components.spec.app",
    "Autoscaling": "components.spec.deployment",
    "CanaryServiceArgs": "components.spec.canary",
    "CanaryTrack": "components.spec.canary",
    "ConfigMapKeyRef": "components.spec.container",
    "Container": "components.spec.container",
    "ContainerPort": "components.spec.container",
    "DeploymentSpec": "components.spec.deployment",
    "DisruptionBudget": "components.spec.deployment",
    "ExternalDatabaseArgs": "components.spec.database",
    "HttpRouteSpec": "components.spec.canary",
    "NginxCanarySpec": "components.spec.canary",
    "Probe": "components.spec.container",
    "Resources": "components.spec.container",
    "SecretKeyRef": "components.spec.container",
    "Security": "components.spec.container",
    "ServicePort": "components.spec.service",
    "ServiceSpec": "components.spec.service",
    "Spread": "components.spec.deployment",
    "WebAppArgs": "components.spec.webapp",
}

__all__ = list(_EXPORTS)

__getattr__ = lazy_getattr(__name__, _EXPORTS)


if TYPE_CHECKING:
    from components.spec.app import AppArgs as AppArgs
    from components.spec.canary import (
        CanaryServiceArgs as CanaryServiceArgs,
        CanaryTrack as CanaryTrack,
        HttpRouteSpec as HttpRouteSpec,
        NginxCanarySpec as NginxCanarySpec,
    )
    from components.spec.container import (
        ConfigMapKeyRef as ConfigMapKeyRef,
        Container as Container,
        ContainerPort as ContainerPort,
        Probe as Probe,
        Resources as Resources,
        SecretKeyRef as SecretKeyRef,
        Security as Security,
    )
    from components.spec.database import ExternalDatabaseArgs as ExternalDatabaseArgs
    from components.spec.deployment import (
        Autoscaling as Autoscaling,
        DeploymentSpec as DeploymentSpec,
        DisruptionBudget as DisruptionBudget,
        Spread as Spread,
    )
    from components.spec.service import ServicePort as ServicePort, ServiceSpec as ServiceSpec
    from components.spec.webapp import WebAppArgs as WebAppArgs
