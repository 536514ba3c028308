"""Berth: typed, tested Pulumi components for Kubernetes Services and Deployments.

Names are imported lazily: a program that only needs WebApp does not pay for
importing the canary or database modules (and their pulumi_kubernetes modules).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from components._lazy import lazy_getattr

_EXPORTS: dict[str, str] = {
    "SpecError": "components.errors",
    "Problem": "components.errors",
    "WebApp": "components.webapp",
    "WebAppArgs": "components.spec.webapp",
    "Container": "components.spec.container",
    "ContainerPort": "components.spec.container",
    "Probe": "components.spec.container",
    "Resources": "components.spec.container",
    "Security": "components.spec.container",
    "SecretKeyRef": "components.spec.container",
    "ConfigMapKeyRef": "components.spec.container",
    "DeploymentSpec": "components.spec.deployment",
    "Autoscaling": "components.spec.deployment",
    "DisruptionBudget": "components.spec.deployment",
    "Spread": "components.spec.deployment",
    "ServiceSpec": "components.spec.service",
    "ServicePort": "components.spec.service",
    "CanaryService": "components.canary",
    "CanaryServiceArgs": "components.spec.canary",
    "CanaryTrack": "components.spec.canary",
    "HttpRouteSpec": "components.spec.canary",
    "NginxCanarySpec": "components.spec.canary",
    "ExternalDatabase": "components.database",
    "ExternalDatabaseArgs": "components.spec.database",
}

__all__ = list(_EXPORTS)

__getattr__ = lazy_getattr(__name__, _EXPORTS)


if TYPE_CHECKING:
    # "X as X" marks re-exports for type checkers; at run time __getattr__ loads them.
    from components.canary import CanaryService as CanaryService
    from components.database import ExternalDatabase as ExternalDatabase
    from components.errors import Problem as Problem, SpecError as SpecError
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
    from components.webapp import WebApp as WebApp
