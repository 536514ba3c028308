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
    "NoServiceError": "components.webapp",
    "WebAppArgs": "components.inputs.webapp",
    "Container": "components.inputs.container",
    "ContainerPort": "components.inputs.container",
    "Probe": "components.inputs.container",
    "Resources": "components.inputs.container",
    "Security": "components.inputs.container",
    "SecretKeyRef": "components.inputs.container",
    "ConfigMapKeyRef": "components.inputs.container",
    "FieldRef": "components.inputs.container",
    "ResourceFieldRef": "components.inputs.container",
    "EnvFrom": "components.inputs.container",
    "Lifecycle": "components.inputs.container",
    "LifecycleHandler": "components.inputs.container",
    "DeploymentSpec": "components.inputs.deployment",
    "Autoscaling": "components.inputs.deployment",
    "Metric": "components.inputs.deployment",
    "MetricObject": "components.inputs.deployment",
    "ScalingBehavior": "components.inputs.deployment",
    "ScalingPolicy": "components.inputs.deployment",
    "ScalingRules": "components.inputs.deployment",
    "DisruptionBudget": "components.inputs.deployment",
    "Spread": "components.inputs.deployment",
    "PodSpec": "components.inputs.pod",
    "ServiceAccountSpec": "components.inputs.pod",
    "NodeTerm": "components.inputs.pod",
    "NodeRequirement": "components.inputs.pod",
    "PodAffinityTerm": "components.inputs.pod",
    "LabelRequirement": "components.inputs.pod",
    "Toleration": "components.inputs.pod",
    "PodResources": "components.inputs.pod",
    "ServiceSpec": "components.inputs.service",
    "ServicePort": "components.inputs.service",
    "RouteSpec": "components.inputs.routes",
    "RouteTimeouts": "components.inputs.routes",
    "IngressSpec": "components.inputs.routes",
    "CanaryService": "components.canary",
    "CanaryServiceArgs": "components.inputs.canary",
    "CanaryTrack": "components.inputs.canary",
    "HttpRouteSpec": "components.inputs.canary",
    "NginxCanarySpec": "components.inputs.canary",
    "ExternalDatabase": "components.database",
    "ExternalDatabaseArgs": "components.inputs.database",
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
    "IngressRule": "components.inputs.network_policy",
    "EgressRule": "components.inputs.network_policy",
    "AppPeer": "components.inputs.network_policy",
    "NamespacePeer": "components.inputs.network_policy",
    "CidrPeer": "components.inputs.network_policy",
    "DatabasePeer": "components.inputs.network_policy",
    "PolicyPort": "components.inputs.network_policy",
    "Namespace": "components.namespace",
    "NamespaceArgs": "components.inputs.namespace",
    "PodSecuritySpec": "components.inputs.namespace",
    "ResourceQuotaSpec": "components.inputs.namespace",
    "LimitRangeSpec": "components.inputs.namespace",
    "Patch": "components.inputs.patches",
}

__all__ = list(_EXPORTS)

_load = lazy_getattr(__name__, _EXPORTS)


def __getattr__(name: str) -> object:
    if name == "__version__":
        # Read from the installed distribution, so pyproject.toml is its one place.
        from importlib.metadata import version

        return version("berth-components")
    return _load(name)


if TYPE_CHECKING:
    # "X as X" marks re-exports for type checkers; at run time __getattr__ loads them.
    from components.canary import CanaryService as CanaryService
    from components.database import ExternalDatabase as ExternalDatabase
    from components.errors import Problem as Problem, SpecError as SpecError
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
    from components.inputs.namespace import (
        LimitRangeSpec as LimitRangeSpec,
        NamespaceArgs as NamespaceArgs,
        PodSecuritySpec as PodSecuritySpec,
        ResourceQuotaSpec as ResourceQuotaSpec,
    )
    from components.inputs.network_policy import (
        AppPeer as AppPeer,
        CidrPeer as CidrPeer,
        DatabasePeer as DatabasePeer,
        EgressRule as EgressRule,
        IngressRule as IngressRule,
        NamespacePeer as NamespacePeer,
        NetworkPolicySpec as NetworkPolicySpec,
        PolicyPort as PolicyPort,
    )
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
    from components.namespace import Namespace as Namespace
    from components.webapp import NoServiceError as NoServiceError, WebApp as WebApp
