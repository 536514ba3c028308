"""Spec layer: attrs classes that hold and validate what the user asks for."""

from components.spec.app import AppArgs
from components.spec.canary import CanaryServiceArgs, CanaryTrack, HttpRouteSpec, NginxCanarySpec
from components.spec.container import (
    ConfigMapKeyRef,
    Container,
    ContainerPort,
    Probe,
    Resources,
    SecretKeyRef,
    Security,
)
from components.spec.database import ExternalDatabaseArgs
from components.spec.deployment import Autoscaling, DeploymentSpec, DisruptionBudget, Spread
from components.spec.service import ServicePort, ServiceSpec
from components.spec.webapp import WebAppArgs

__all__ = [
    "AppArgs",
    "Autoscaling",
    "CanaryServiceArgs",
    "CanaryTrack",
    "ConfigMapKeyRef",
    "Container",
    "ContainerPort",
    "DeploymentSpec",
    "DisruptionBudget",
    "ExternalDatabaseArgs",
    "HttpRouteSpec",
    "NginxCanarySpec",
    "Probe",
    "Resources",
    "SecretKeyRef",
    "Security",
    "ServicePort",
    "ServiceSpec",
    "Spread",
    "WebAppArgs",
]
