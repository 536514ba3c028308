"""Deployment, PodDisruptionBudget and HorizontalPodAutoscaler of one set of pods."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from components import defaults
from components.inputs.container import Container
from components.inputs.deployment import DeploymentSpec, Metric, ScalingBehavior
from components.inputs.pod import PodSpec
from components.manifests.meta import Manifest
from components.manifests.pod import build_pod_template
from components.manifests.volumes import PodVolumes

if TYPE_CHECKING:
    import pulumi


def build_deployment(
    *,
    metadata: Manifest,
    container: Container,
    spec: DeploymentSpec,
    selector: dict[str, str],
    pod_labels: dict[str, str],
    pod_annotations: Mapping[str, str],
    secret_name: pulumi.Input[str] | None,
    replicas: int | None = None,
    init_containers: Sequence[Container] = (),
    sidecars: Sequence[Container] = (),
    volumes: PodVolumes | None = None,
    pod: PodSpec | None = None,
    service_account_name: pulumi.Input[str] | None = None,
    app_selector: dict[str, str] | None = None,
) -> Manifest:
    """A Deployment; ``replicas`` overrides the spec's (canary tracks), None keeps it.

    ``pod`` adds the pod-wide settings; ``service_account_name`` is the account the pods
    run as (resolved by the caller: created, existing, or None for the namespace default).

    With an autoscaler the Deployment is created at ``min_replicas``, so ``pulumi up``
    waits for that many pods; the component then ignores changes to ``spec.replicas``
    (:func:`autoscaler_owned_fields`), so later ``up``s leave the count to the HPA.
    """
    body: Manifest = {
        "selector": {"matchLabels": dict(selector)},
        "minReadySeconds": spec.min_ready_seconds,
        "progressDeadlineSeconds": spec.progress_deadline_seconds,
        "revisionHistoryLimit": spec.revision_history_limit,
        "template": build_pod_template(
            container,
            pod_labels=pod_labels,
            selector=selector,
            annotations=pod_annotations,
            secret_name=secret_name,
            spread=spec.spread,
            service_account_name=service_account_name,
            termination_grace_period_seconds=spec.termination_grace_period_seconds,
            init_containers=init_containers,
            sidecars=sidecars,
            volumes=volumes,
            pod=pod,
            app_selector=app_selector,
        ),
    }
    if spec.autoscaling is not None:
        body["replicas"] = spec.autoscaling.min_replicas
    else:
        body["replicas"] = spec.replicas if replicas is None else replicas
    if spec.strategy == "Recreate":
        body["strategy"] = {"type": "Recreate"}
    else:
        surge, unavailable = spec.rolling
        body["strategy"] = {
            "type": "RollingUpdate",
            "rollingUpdate": {"maxSurge": surge, "maxUnavailable": unavailable},
        }
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": metadata, "spec": body}


def autoscaler_owned_fields(spec: DeploymentSpec) -> list[str]:
    """The Deployment fields `pulumi up` sets on create only, and leaves to the HPA after.

    Registered as ``ignore_changes``: the provider then keeps the live value, and under
    server-side apply drops the field from its patch once the HPA (or ``kubectl scale``)
    owns it, so no update takes the count back (pulumi-kubernetes ``handleSSAIgnoreFields``).
    """
    return ["spec.replicas"] if spec.autoscaling is not None else []


def rollout_timeout_seconds(spec: DeploymentSpec) -> int:
    """How long `pulumi up` waits for a rollout: a little past Kubernetes' own deadline.

    Without it the provider waits its default 10 minutes after the deadline has passed.
    """
    return spec.progress_deadline_seconds + defaults.AWAIT_MARGIN_SECONDS


def build_disruption_budget(
    *, metadata: Manifest, spec: DeploymentSpec, selector: dict[str, str]
) -> Manifest | None:
    budget = spec.disruption_budget
    if budget is None:
        return None
    body: Manifest = {
        "selector": {"matchLabels": dict(selector)},
        "unhealthyPodEvictionPolicy": budget.unhealthy_pod_eviction_policy,
    }
    if budget.min_available is not None:
        body["minAvailable"] = budget.min_available
    else:
        body["maxUnavailable"] = budget.effective_max_unavailable
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": metadata,
        "spec": body,
    }


def build_autoscaler(
    *, metadata: Manifest, spec: DeploymentSpec, deployment_name: pulumi.Input[str]
) -> Manifest | None:
    scaling = spec.autoscaling
    if scaling is None:
        return None
    metrics = [
        {
            "type": "Resource",
            "resource": {
                "name": resource,
                "target": {"type": "Utilization", "averageUtilization": target},
            },
        }
        for resource, target in (
            ("cpu", scaling.cpu_utilization),
            ("memory", scaling.memory_utilization),
        )
        if target is not None
    ]
    metrics.extend(build_metric(metric) for metric in scaling.metrics)
    body: Manifest = {
        "scaleTargetRef": {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": deployment_name,
        },
        "minReplicas": scaling.min_replicas,
        "maxReplicas": scaling.max_replicas,
        "metrics": metrics,
    }
    if scaling.behavior is not None:
        body["behavior"] = build_behavior(scaling.behavior)
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": metadata,
        "spec": body,
    }


def build_metric(metric: Metric) -> Manifest:
    """A Pods, Object or External metric source of an autoscaling/v2 HPA."""
    identifier: Manifest = {"name": metric.name}
    if metric.selector:
        identifier["selector"] = {"matchLabels": dict(metric.selector)}
    if metric.value is not None:
        target: Manifest = {"type": "Value", "value": str(metric.value)}
    else:
        target = {"type": "AverageValue", "averageValue": str(metric.average_value)}
    source: Manifest = {"metric": identifier, "target": target}
    if metric.described_object is not None:
        described = metric.described_object
        source["describedObject"] = {
            "apiVersion": described.api_version,
            "kind": described.kind,
            "name": described.name,
        }
    key = metric.type.lower()
    return {"type": metric.type, key: source}


def build_behavior(behavior: ScalingBehavior) -> Manifest:
    """The HPA's behavior; a direction or a setting left out keeps Kubernetes' default."""
    result: Manifest = {}
    for key, rules in (("scaleUp", behavior.scale_up), ("scaleDown", behavior.scale_down)):
        if rules is None:
            continue
        built: Manifest = {}
        if rules.stabilization_window_seconds is not None:
            built["stabilizationWindowSeconds"] = rules.stabilization_window_seconds
        if rules.select_policy is not None:
            built["selectPolicy"] = rules.select_policy
        if rules.policies:
            built["policies"] = [
                {"type": p.type, "value": p.value, "periodSeconds": p.period_seconds}
                for p in rules.policies
            ]
        result[key] = built
    return result
