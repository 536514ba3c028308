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
    "FieldRef": "components.inputs.container",
    "ResourceFieldRef": "components.inputs.container",
    "EnvFrom": "components.inputs.container",
    "Lifecycle": "components.inputs.container",
    "LifecycleHandler": "components.inputs.container",
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
    "PodSpec": "components.inputs.pod",
    "ServiceAccountSpec": "components.inputs.pod",
    "NodeTerm": "components.inputs.pod",
    "NodeRequirement": "components.inputs.pod",
    "PodAffinityTerm": "components.inputs.pod",
    "LabelRequirement": "components.inputs.pod",
    "Toleration": "components.inputs.pod",
    "PodResources": "components.inputs.pod",
    "WebAppArgs": "components.inputs.webapp",
    "Mount": "components.inputs.volumes",
    "KeyToPath": "components.inputs.volumes",
    "EmptyDirVolume": "components.inputs.volumes",
    "ConfigMapVolume": "components.inputs.volumes",
    "SecretVolume": "components.inputs.volumes",
    "ProjectedVolume": "components.inputs.volumes",
    "PersistentVolumeClaimVolume": "components.inputs.volumes",
    "EphemeralVolume": "components.inputs.volumes",
    "ConfigMapProjection": "components.inputs.volumes",
    "SecretProjection": "components.inputs.volumes",
    "DownwardAPIProjection": "components.inputs.volumes",
    "DownwardAPIFile": "components.inputs.volumes",
    "ServiceAccountTokenProjection": "components.inputs.volumes",
    "NetworkPolicySpec": "components.inputs.network_policy",
    "NamespaceArgs": "components.inputs.namespace",
    "Patch": "components.inputs.patches",
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
        EnvFrom as EnvFrom,
        FieldRef as FieldRef,
        Lifecycle as Lifecycle,
        LifecycleHandler as LifecycleHandler,
        Probe as Probe,
        ResourceFieldRef as ResourceFieldRef,
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
    from components.inputs.namespace import NamespaceArgs as NamespaceArgs
    from components.inputs.network_policy import NetworkPolicySpec as NetworkPolicySpec
    from components.inputs.patches import Patch as Patch
    from components.inputs.pod import (
        LabelRequirement as LabelRequirement,
        NodeRequirement as NodeRequirement,
        NodeTerm as NodeTerm,
        PodAffinityTerm as PodAffinityTerm,
        PodResources as PodResources,
        PodSpec as PodSpec,
        ServiceAccountSpec as ServiceAccountSpec,
        Toleration as Toleration,
    )
    from components.inputs.routes import (
        IngressSpec as IngressSpec,
        RouteSpec as RouteSpec,
        RouteTimeouts as RouteTimeouts,
    )
    from components.inputs.service import ServicePort as ServicePort, ServiceSpec as ServiceSpec
    from components.inputs.volumes import (
        ConfigMapProjection as ConfigMapProjection,
        ConfigMapVolume as ConfigMapVolume,
        DownwardAPIFile as DownwardAPIFile,
        DownwardAPIProjection as DownwardAPIProjection,
        EmptyDirVolume as EmptyDirVolume,
        EphemeralVolume as EphemeralVolume,
        KeyToPath as KeyToPath,
        Mount as Mount,
        PersistentVolumeClaimVolume as PersistentVolumeClaimVolume,
        ProjectedVolume as ProjectedVolume,
        SecretProjection as SecretProjection,
        SecretVolume as SecretVolume,
        ServiceAccountTokenProjection as ServiceAccountTokenProjection,
    )
    from components.inputs.webapp import WebAppArgs as WebAppArgs
