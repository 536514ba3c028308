"""Inputs layer: attrs classes that hold and validate what the user asks for.

Names are imported lazily, as in :mod:`components`: a program that uses only
WebAppArgs does not pay for defining the canary and database spec classes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from components._lazy import lazy_getattr

_EXPORTS: dict[str, str] = {
    "AppArgs": "components.inputs.app",
    "Autoscaling": "components.inputs.deployment",
    "Metric": "components.inputs.deployment",
    "MetricObject": "components.inputs.deployment",
    "ScalingBehavior": "components.inputs.deployment",
    "ScalingPolicy": "components.inputs.deployment",
    "ScalingRules": "components.inputs.deployment",
    "CanaryServiceArgs": "components.inputs.canary",
    "CanaryTrack": "components.inputs.canary",
    "ConfigMapKeyRef": "components.inputs.container",
    "Container": "components.inputs.container",
    "ContainerPort": "components.inputs.container",
    "DeploymentSpec": "components.inputs.deployment",
    "DisruptionBudget": "components.inputs.deployment",
    "ExternalDatabaseArgs": "components.inputs.database",
    "HttpRouteSpec": "components.inputs.canary",
    "NginxCanarySpec": "components.inputs.canary",
    "Probe": "components.inputs.container",
    "Resources": "components.inputs.container",
    "SecretKeyRef": "components.inputs.container",
    "Security": "components.inputs.container",
    "ServicePort": "components.inputs.service",
    "RouteSpec": "components.inputs.routes",
    "RouteTimeouts": "components.inputs.routes",
    "IngressSpec": "components.inputs.routes",
    "ServiceSpec": "components.inputs.service",
    "Spread": "components.inputs.deployment",
    "WebAppArgs": "components.inputs.webapp",
}

__all__ = list(_EXPORTS)

__getattr__ = lazy_getattr(__name__, _EXPORTS)


if TYPE_CHECKING:
    from components.inputs.app import AppArgs as AppArgs
    from components.inputs.canary import (
        CanaryServiceArgs as CanaryServiceArgs,
        CanaryTrack as CanaryTrack,
        HttpRouteSpec as HttpRouteSpec,
        NginxCanarySpec as NginxCanarySpec,
    )
    from components.inputs.container import (
        ConfigMapKeyRef as ConfigMapKeyRef,
        Container as Container,
        ContainerPort as ContainerPort,
        Probe as Probe,
        Resources as Resources,
        SecretKeyRef as SecretKeyRef,
        Security as Security,
    )
    from components.inputs.database import ExternalDatabaseArgs as ExternalDatabaseArgs
    from components.inputs.deployment import (
        Autoscaling as Autoscaling,
        DeploymentSpec as DeploymentSpec,
        DisruptionBudget as DisruptionBudget,
        Metric as Metric,
        MetricObject as MetricObject,
        ScalingBehavior as ScalingBehavior,
        ScalingPolicy as ScalingPolicy,
        ScalingRules as ScalingRules,
        Spread as Spread,
    )
    from components.inputs.routes import (
        IngressSpec as IngressSpec,
        RouteSpec as RouteSpec,
        RouteTimeouts as RouteTimeouts,
    )
    from components.inputs.service import ServicePort as ServicePort, ServiceSpec as ServiceSpec
    from components.inputs.webapp import WebAppArgs as WebAppArgs
