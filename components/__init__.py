"""Berth: typed, tested Pulumi components for Kubernetes Services and Deployments.

Names are imported lazily: a program that only needs WebApp does not pay for
importing the canary or database modules (and their pulumi_kubernetes modules).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

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


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'components' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


if TYPE_CHECKING:
    from components.canary import CanaryService as CanaryService
    from components.database import ExternalDatabase as ExternalDatabase
    from components.errors import Problem as Problem
    from components.errors import SpecError as SpecError
    from components.spec.canary import CanaryServiceArgs as CanaryServiceArgs
    from components.spec.canary import CanaryTrack as CanaryTrack
    from components.spec.canary import HttpRouteSpec as HttpRouteSpec
    from components.spec.canary import NginxCanarySpec as NginxCanarySpec
    from components.spec.container import (
        ConfigMapKeyRef as ConfigMapKeyRef,
    )
    from components.spec.container import (
        Container as Container,
    )
    from components.spec.container import (
        ContainerPort as ContainerPort,
    )
    from components.spec.container import (
        Probe as Probe,
    )
    from components.spec.container import (
        Resources as Resources,
    )
    from components.spec.container import (
        SecretKeyRef as SecretKeyRef,
    )
    from components.spec.container import (
        Security as Security,
    )
    from components.spec.database import ExternalDatabaseArgs as ExternalDatabaseArgs
    from components.spec.deployment import (
        Autoscaling as Autoscaling,
    )
    from components.spec.deployment import (
        DeploymentSpec as DeploymentSpec,
    )
    from components.spec.deployment import (
        DisruptionBudget as DisruptionBudget,
    )
    from components.spec.deployment import (
        Spread as Spread,
    )
    from components.spec.service import ServicePort as ServicePort
    from components.spec.service import ServiceSpec as ServiceSpec
    from components.spec.webapp import WebAppArgs as WebAppArgs
    from components.webapp import WebApp as WebApp
