"""PodSpec → the pod template's pod-wide fields, and the ServiceAccount an app creates."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from components.inputs.pod import (
    LabelRequirement,
    NodeRequirement,
    NodeTerm,
    PodAffinityTerm,
    PodSpec,
    ServiceAccountSpec,
    Toleration,
)
from components.manifests.meta import Manifest

if TYPE_CHECKING:
    import pulumi

    from components.inputs.canary import CanaryServiceArgs
    from components.inputs.webapp import WebAppArgs


def build_service_account(
    metadata: Manifest, account: ServiceAccountSpec, *, automount: bool
) -> Manifest | None:
    """The app's own ServiceAccount, or None when the pods use an existing one.

    ``metadata`` holds the account's annotations already (``plan.meta(annotations=...)``).

    It carries the pods' automount setting, so that a pod which names the account
    without saying (a debug pod, a Job added by hand) gets no token unless asked.
    """
    if not account.create:
        return None
    if account.name is not None:
        metadata = {**metadata, "name": account.name}
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": metadata,
        "automountServiceAccountToken": automount,
    }


def service_account_reference(
    account: ServiceAccountSpec, created_name: pulumi.Input[str] | None
) -> pulumi.Input[str] | None:
    """What the pods' ``serviceAccountName`` is: the created account's name (its Output
    in a component, so the Deployment waits for it), the existing one's, or None."""
    return created_name if account.create else account.name


def _node_requirement(req: NodeRequirement) -> Manifest:
    out: Manifest = {"key": req.key, "operator": req.operator}
    if req.values:
        out["values"] = list(req.values)
    return out


def _label_requirement(req: LabelRequirement) -> Manifest:
    out: Manifest = {"key": req.key, "operator": req.operator}
    if req.values:
        out["values"] = list(req.values)
    return out


def _node_selector_term(term: NodeTerm) -> Manifest:
    return {"matchExpressions": [_node_requirement(r) for r in term.match_expressions]}


def _node_affinity(terms: Sequence[NodeTerm]) -> Manifest:
    out: Manifest = {}
    required = [_node_selector_term(t) for t in terms if t.weight is None]
    preferred = [
        {"weight": t.weight, "preference": _node_selector_term(t)}
        for t in terms
        if t.weight is not None
    ]
    if required:
        out["requiredDuringSchedulingIgnoredDuringExecution"] = {"nodeSelectorTerms": required}
    if preferred:
        out["preferredDuringSchedulingIgnoredDuringExecution"] = preferred
    return out


def _pod_affinity_term(term: PodAffinityTerm, own: Mapping[str, str]) -> Manifest:
    selector: Manifest = {}
    if term.own_pods:
        selector["matchLabels"] = dict(own)
    else:
        if term.match_labels:
            selector["matchLabels"] = dict(term.match_labels)
        if term.match_expressions:
            selector["matchExpressions"] = [_label_requirement(r) for r in term.match_expressions]
    out: Manifest = {"labelSelector": selector, "topologyKey": term.topology_key}
    if term.namespaces:
        out["namespaces"] = list(term.namespaces)
    return out


def _pod_affinity(terms: Sequence[PodAffinityTerm], own: Mapping[str, str]) -> Manifest:
    out: Manifest = {}
    required = [_pod_affinity_term(t, own) for t in terms if t.weight is None]
    preferred = [
        {"weight": t.weight, "podAffinityTerm": _pod_affinity_term(t, own)}
        for t in terms
        if t.weight is not None
    ]
    if required:
        out["requiredDuringSchedulingIgnoredDuringExecution"] = required
    if preferred:
        out["preferredDuringSchedulingIgnoredDuringExecution"] = preferred
    return out


def build_affinity(pod: PodSpec, own: Mapping[str, str]) -> Manifest | None:
    """``spec.affinity``; ``own`` is the app's identity selector (terms without a selector)."""
    affinity: Manifest = {}
    if pod.node_affinity:
        affinity["nodeAffinity"] = _node_affinity(pod.node_affinity)
    if pod.pod_affinity:
        affinity["podAffinity"] = _pod_affinity(pod.pod_affinity, own)
    if pod.pod_anti_affinity:
        affinity["podAntiAffinity"] = _pod_affinity(pod.pod_anti_affinity, own)
    return affinity or None


def build_toleration(toleration: Toleration) -> Manifest:
    out: Manifest = {"operator": toleration.operator}
    if toleration.key is not None:
        out["key"] = toleration.key
    if toleration.value:
        out["value"] = toleration.value
    if toleration.effect is not None:
        out["effect"] = toleration.effect
    if toleration.toleration_seconds is not None:
        out["tolerationSeconds"] = toleration.toleration_seconds
    return out


def pod_spec_fields(pod: PodSpec, own: Mapping[str, str]) -> Manifest:
    """The pod spec fields a PodSpec sets (all left out at their defaults)."""
    out: Manifest = {}
    if pod.image_pull_secrets:
        out["imagePullSecrets"] = [{"name": name} for name in pod.image_pull_secrets]
    if pod.node_selector:
        out["nodeSelector"] = dict(pod.node_selector)
    affinity = build_affinity(pod, own)
    if affinity is not None:
        out["affinity"] = affinity
    if pod.tolerations:
        out["tolerations"] = [build_toleration(t) for t in pod.tolerations]
    if pod.priority_class_name is not None:
        out["priorityClassName"] = pod.priority_class_name
    if not pod.host_users:
        out["hostUsers"] = False
    if pod.resources is not None:
        quantities = pod.resources.quantities()
        out["resources"] = {k: v for k, v in quantities.items() if v}
    return out


def pod_warnings(args: WebAppArgs | CanaryServiceArgs) -> list[str]:
    """Advice about pod-wide settings that still work: the deprecated account field."""
    name = args.deployment.service_account_name
    if name is None:
        return []
    return [
        f"deployment.service_account_name: {name!r} is deprecated; write "
        f"pod.service_account=ServiceAccountSpec(create=False, name={name!r}) (the same "
        "existing account; without either, the app now gets a ServiceAccount of its own)"
    ]
