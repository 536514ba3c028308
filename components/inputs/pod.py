"""PodSpec: what applies to the whole pod, not to one container.

Identity (the ServiceAccount the pods run as, image pull secrets), scheduling (node
selector, node and pod (anti-)affinity, tolerations, priority), the pod template's own
annotations, user namespaces (``host_users``) and pod-level resources. Each check is the
API server's (pkg/apis/core/validation); where the server would accept something that can
never work (a value the scheduler cannot parse, a term that matches nothing), it is
rejected here too, with the reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from components.errors import Problem
from components.inputs import rules
from components.inputs.app import annotation_rules
from components.inputs.base import (
    Spec,
    each,
    field,
    instance_of,
    mapping_of,
    nested,
    rule,
    spec,
    to_dict,
    to_tuple,
    tuple_of,
)

if TYPE_CHECKING:
    from components.inputs.container import Container
    from components.inputs.deployment import DeploymentSpec

NodeOperator = Literal["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"]
LabelOperator = Literal["In", "NotIn", "Exists", "DoesNotExist"]
TaintEffect = Literal["NoSchedule", "PreferNoSchedule", "NoExecute"]
_NODE_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt")
_LABEL_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")
_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
# The scheduler reads a Gt/Lt value with strconv.ParseInt(value, 10, 64).
_INTEGER = re.compile(r"[+-]?[0-9]+")
# A preferred term's weight (validateWeightedPodAffinityTerms, validatePreferredSchedulingTerms).
_WEIGHT = rules.within(1, 100)


def _operator_values(operator: str, values: Sequence[str]) -> Iterator[Problem]:
    """ValidateNodeSelectorRequirement / ValidateLabelSelectorRequirement: values per operator."""
    if operator in ("In", "NotIn") and not values:
        yield Problem("values", (), "must not be empty when operator is 'In' or 'NotIn'")
    elif operator in ("Exists", "DoesNotExist") and values:
        yield Problem("values", values, "must be empty when operator is 'Exists' or 'DoesNotExist'")
    elif operator in ("Gt", "Lt"):
        if len(values) != 1:
            yield Problem("values", values, "must be a single value when operator is 'Gt' or 'Lt'")
        elif _INTEGER.fullmatch(values[0]) is None or not -(2**63) <= int(values[0]) < 2**63:
            # The server accepts it; the scheduler then fails to parse it and the pod
            # never schedules.
            yield Problem(
                "values[0]", values[0], "is not an integer (the scheduler compares numbers)"
            )


@spec
class NodeRequirement(Spec):
    """One ``matchExpressions`` entry of node affinity: a node label ``key`` compared
    with ``values`` (``Gt``/``Lt``: one integer; ``Exists``/``DoesNotExist``: none)."""

    key: str = field(checks=[rules.label_key])
    operator: NodeOperator = field(checks=[rules.one_of(*_NODE_OPERATORS)])
    values: Sequence[str] = field(
        default=(), converter=to_tuple, checks=[each(instance_of(str, what="a string"))]
    )

    @rule("operator", "values")
    def _values(self) -> Iterator[Problem]:
        yield from _operator_values(self.operator, self.values)
        if self.operator in ("In", "NotIn"):
            # The scheduler parses them as label values; another never matches a node.
            for i, value in enumerate(self.values):
                allowed = rules.label_value(value)
                if allowed is not None:
                    yield Problem(f"values[{i}]", value, allowed)


@spec
class NodeTerm(Spec):
    """A node affinity term: every requirement must hold (they are ANDed).

    ``weight`` None makes the term required (a pod schedules only on a node matching
    one of the required terms; they are ORed); a weight 1..100 makes it a preference.
    """

    match_expressions: Sequence[NodeRequirement] = field(
        converter=tuple_of(NodeRequirement),
        checks=[each(instance_of(NodeRequirement, what="a NodeRequirement"))],
    )
    weight: int | None = field(default=None, checks=[rules.optional(_WEIGHT)])

    @rule("match_expressions")
    def _not_empty(self) -> Iterator[Problem]:
        if not self.match_expressions:
            # The server rejects an empty required term; an empty preferred one matches
            # every node with weight 0, so it does nothing.
            yield Problem("match_expressions", (), "must have at least one requirement")


@spec
class LabelRequirement(Spec):
    """One ``matchExpressions`` entry of a pod label selector."""

    key: str = field(checks=[rules.label_key])
    operator: LabelOperator = field(checks=[rules.one_of(*_LABEL_OPERATORS)])
    values: Sequence[str] = field(default=(), converter=to_tuple, checks=[each(rules.label_value)])

    @rule("operator", "values")
    def _values(self) -> Iterator[Problem]:
        return _operator_values(self.operator, self.values)


@spec
class PodAffinityTerm(Spec):
    """Pods to run near (``pod_affinity``) or away from (``pod_anti_affinity``): those
    matching ``match_labels`` and ``match_expressions``, in the same ``topology_key``
    domain (a node: ``kubernetes.io/hostname``; a zone: ``topology.kubernetes.io/zone``).

    With neither ``match_labels`` nor ``match_expressions`` the term selects this app's own
    pods (its identity labels; both tracks of a CanaryService). ``namespaces`` empty means
    the pod's own namespace. ``weight`` None makes the term required, 1..100 a preference.
    """

    topology_key: str = field(checks=[rules.label_key])
    match_labels: Mapping[str, str] = field(
        factory=dict, converter=to_dict, checks=[mapping_of(rules.label_key, rules.label_value)]
    )
    match_expressions: Sequence[LabelRequirement] = field(
        default=(),
        converter=tuple_of(LabelRequirement),
        checks=[each(instance_of(LabelRequirement, what="a LabelRequirement"))],
    )
    namespaces: Sequence[str] = field(
        default=(), converter=to_tuple, checks=[each(rules.dns1123_label)]
    )
    weight: int | None = field(default=None, checks=[rules.optional(_WEIGHT)])

    @property
    def own_pods(self) -> bool:
        """The term selects the app's own pods (no selector given)."""
        return not self.match_labels and not self.match_expressions

    @rule("namespaces")
    def _namespaces_once(self) -> Iterator[Problem]:
        for name in rules.duplicates(self.namespaces):
            yield Problem("namespaces", name, "is listed more than once")


@spec
class Toleration(Spec):
    """Lets the pods run on nodes with a matching taint.

    ``key`` None with ``operator="Exists"`` tolerates every taint. ``effect`` None matches
    every effect. ``toleration_seconds`` (``NoExecute`` only) is how long the pod stays on
    a node after the taint appears; None stays forever.
    """

    key: str | None = field(default=None, checks=[rules.optional(rules.label_key)])
    operator: Literal["Equal", "Exists"] = field(
        default="Equal", checks=[rules.one_of("Equal", "Exists")]
    )
    value: str = field(default="", checks=[rules.label_value])
    effect: TaintEffect | None = field(
        default=None, checks=[rules.optional(rules.one_of(*_EFFECTS))]
    )
    # Negative values mean 0 to the API server; Berth asks for the 0 written out.
    toleration_seconds: int | None = field(default=None, checks=[rules.optional(rules.int64(0))])

    @rule("key", "operator")
    def _key_or_exists(self) -> Iterator[Problem]:
        if self.key is None and self.operator != "Exists":
            yield Problem(
                "operator",
                self.operator,
                "must be 'Exists' when key is not set (which tolerates every taint)",
            )

    @rule("operator", "value")
    def _value(self) -> Iterator[Problem]:
        if self.operator == "Exists" and self.value:
            yield Problem("value", self.value, "must be empty when operator is 'Exists'")

    @rule("effect", "toleration_seconds")
    def _seconds(self) -> Iterator[Problem]:
        if self.toleration_seconds is not None and self.effect != "NoExecute":
            yield Problem(
                "effect",
                self.effect,
                "must be 'NoExecute' when toleration_seconds is set (only NoExecute evicts)",
            )


@spec
class ServiceAccountSpec(Spec):
    """The identity the pods run as, in the convention of most Helm charts.

    ``create=True`` (the default): the component creates one ServiceAccount for the app,
    named ``name`` or, when None, by the app's naming policy (``args.name``, else
    autonamed). ``create=False``: the pods run as the existing account ``name`` (None:
    the namespace's ``default`` account) and nothing is created.

    Whether the pods mount an API token is ``container.security.automount_service_account_token``
    (default False); a created account carries the same setting.
    ``annotations`` go on a created account (cloud workload identity: EKS
    ``eks.amazonaws.com/role-arn``, GKE ``iam.gke.io/gcp-service-account``).
    """

    create: bool = field(default=True, checks=[instance_of(bool, what="a boolean")])
    name: str | None = field(default=None, checks=[rules.optional(rules.dns1123_subdomain)])
    annotations: Mapping[str, str] = field(
        factory=dict,
        converter=to_dict,
        checks=[mapping_of(rules.label_key, instance_of(str, what="a string"))],
    )

    @rule("create", "annotations")
    def _annotations_need_create(self) -> Iterator[Problem]:
        if not self.create and self.annotations:
            yield Problem(
                "annotations",
                self.annotations,
                "apply only to an account the component creates (create=True)",
            )

    @rule("annotations")
    def _annotations_fit(self) -> Iterator[Problem]:
        size = rules.byte_size(self.annotations)
        if size > rules.ANNOTATIONS_SIZE_LIMIT:
            yield Problem("annotations", size, rules.ANNOTATIONS_SIZE_TEXT)


@spec
class PodResources(Spec):
    """Pod-level requests and limits (``spec.resources``, beta and on by default since
    Kubernetes 1.34): a budget the containers share. None leaves one out."""

    cpu_request: str | None = field(default=None, checks=[rules.optional(rules.quantity)])
    cpu_limit: str | None = field(default=None, checks=[rules.optional(rules.quantity)])
    memory_request: str | None = field(default=None, checks=[rules.optional(rules.memory_quantity)])
    memory_limit: str | None = field(default=None, checks=[rules.optional(rules.memory_quantity)])

    def quantities(self) -> dict[str, dict[str, str]]:
        """``{"requests": {...}, "limits": {...}}`` of the amounts set."""
        return {
            "requests": _set({"cpu": self.cpu_request, "memory": self.memory_request}),
            "limits": _set({"cpu": self.cpu_limit, "memory": self.memory_limit}),
        }

    @rule("cpu_request", "cpu_limit", "memory_request", "memory_limit")
    def _consistent(self) -> Iterator[Problem]:
        if not any(self.quantities().values()):
            yield Problem(
                "cpu_request",
                None,
                "or another request or limit must be set (or leave resources None)",
            )
        for kind in ("cpu", "memory"):
            low, high = (
                self.quantities()["requests"].get(kind),
                self.quantities()["limits"].get(kind),
            )
            if _more(low, high):
                yield Problem(
                    f"{kind}_request", low, f"must be less than or equal to {kind}_limit ({high!r})"
                )


def _set(amounts: Mapping[str, str | None]) -> dict[str, str]:
    return {k: v for k, v in amounts.items() if v is not None}


def _more(low: str | None, high: str | None) -> bool:
    """``low`` is more than ``high`` (both set and quantities)."""
    if low is None or high is None:
        return False
    low_q, high_q = rules.parse_quantity(low), rules.parse_quantity(high)
    return low_q is not None and high_q is not None and low_q > high_q


@spec
class PodSpec(Spec):
    """What applies to the whole pod: identity, scheduling, annotations, user namespaces.

    ``annotations`` go on the pod template only (the object annotations of the app,
    ``args.annotations``, go on its objects and not on the pods; a change here rolls the
    pods). ``host_users=False`` runs the pods in a user namespace (GA in Kubernetes 1.36:
    root in the container is an unprivileged user on the node); the nodes need a runtime
    that supports it. ``resources`` sets pod-level requests and limits.
    """

    service_account: ServiceAccountSpec = nested(factory=ServiceAccountSpec)
    image_pull_secrets: Sequence[str] = field(
        default=(), converter=to_tuple, checks=[each(rules.dns1123_subdomain)]
    )
    annotations: Mapping[str, str] = field(
        factory=dict,
        converter=to_dict,
        checks=[mapping_of(rules.label_key, instance_of(str, what="a string"))],
    )
    node_selector: Mapping[str, str] = field(
        factory=dict, converter=to_dict, checks=[mapping_of(rules.label_key, rules.label_value)]
    )
    node_affinity: Sequence[NodeTerm] = field(
        default=(),
        converter=tuple_of(NodeTerm),
        checks=[each(instance_of(NodeTerm, what="a NodeTerm"))],
    )
    pod_affinity: Sequence[PodAffinityTerm] = field(
        default=(),
        converter=tuple_of(PodAffinityTerm),
        checks=[each(instance_of(PodAffinityTerm, what="a PodAffinityTerm"))],
    )
    pod_anti_affinity: Sequence[PodAffinityTerm] = field(
        default=(),
        converter=tuple_of(PodAffinityTerm),
        checks=[each(instance_of(PodAffinityTerm, what="a PodAffinityTerm"))],
    )
    tolerations: Sequence[Toleration] = field(
        default=(),
        converter=tuple_of(Toleration),
        checks=[each(instance_of(Toleration, what="a Toleration"))],
    )
    priority_class_name: str | None = field(
        default=None, checks=[rules.optional(rules.dns1123_subdomain)]
    )
    host_users: bool = field(default=True, checks=[instance_of(bool, what="a boolean")])
    resources: PodResources | None = nested(PodResources, default=None)

    @rule("image_pull_secrets")
    def _pull_secrets_once(self) -> Iterator[Problem]:
        for name in rules.duplicates(self.image_pull_secrets):
            yield Problem("image_pull_secrets", name, "is listed more than once")

    @rule("annotations")
    def _annotations_fit(self) -> Iterator[Problem]:
        size = rules.byte_size(self.annotations)
        if size > rules.ANNOTATIONS_SIZE_LIMIT:
            yield Problem("annotations", size, rules.ANNOTATIONS_SIZE_TEXT)


def pod_rules(
    pod: PodSpec,
    container: Container,
    deployment: DeploymentSpec,
    annotations: Mapping[str, str],
    *,
    sidecars: Sequence[Container] = (),
    init: Sequence[Container] = (),
) -> Iterator[Problem]:
    """Rules between the pod's settings, its containers, the Deployment and the app's
    object ``annotations``."""
    account = pod.service_account
    if account.create and account.annotations and not any(annotation_rules(annotations)):
        # The created account carries the app's annotations and its own.
        yield from annotation_rules(
            annotations, account.annotations, "pod.service_account.annotations"
        )
    if deployment.service_account_name is not None and pod.service_account != ServiceAccountSpec():
        yield Problem(
            "deployment.service_account_name",
            deployment.service_account_name,
            "cannot be set together with pod.service_account (it is deprecated: use "
            "pod.service_account=ServiceAccountSpec(create=False, name=...))",
        )
    if pod.resources is not None:
        yield from _pod_resources_hold(pod.resources.quantities(), container, sidecars, init)


def _pod_resources_hold(
    own: Mapping[str, Mapping[str, str]],
    container: Container,
    sidecars: Sequence[Container],
    init: Sequence[Container],
) -> Iterator[Problem]:
    # validatePodResourceConsistency: the containers' aggregate request fits in the pod's
    # (the app and its sidecars run together, an init container runs beside the sidecars
    # started before it; the largest of these counts), and no container's limit is above
    # the pod's.
    running = [("container", container), *((f"sidecars[{i}]", c) for i, c in enumerate(sidecars))]
    everyone = [*running, *((f"init_containers[{i}]", c) for i, c in enumerate(init))]
    for kind in ("cpu", "memory"):
        pod_request, pod_limit = own["requests"].get(kind), own["limits"].get(kind)

        def request(c: Container, kind: str = kind) -> Decimal:
            value = getattr(c.resources, f"{kind}_request")
            return (rules.parse_quantity(value) if value else None) or Decimal(0)

        beside = sum((request(c) for _, c in running), Decimal(0))
        sidecar_sum = sum((request(c) for c in sidecars), Decimal(0))
        needed = max([beside, *(sidecar_sum + request(c) for c in init)])
        high = rules.parse_quantity(pod_request) if pod_request else None
        if high is not None and needed > high:
            if len(everyone) == 1:
                own_request = getattr(container.resources, f"{kind}_request")
                whose = f"the container's {kind}_request ({own_request!r})"
            else:
                whose = (
                    f"the {kind}_request the containers need together "
                    f"({_quantity_text(needed)}: the app and sidecars side by side, or an "
                    "init container beside the sidecars)"
                )
            yield Problem(f"pod.resources.{kind}_request", pod_request, f"must be at least {whose}")
        for path, c in everyone:
            limit = getattr(c.resources, f"{kind}_limit")
            if _more(limit, pod_limit):
                yield Problem(
                    f"{path}.resources.{kind}_limit",
                    limit,
                    f"must be less than or equal to pod.resources.{kind}_limit ({pod_limit!r})",
                )


def _quantity_text(value: Decimal) -> str:
    return repr(format(value.normalize(), "f"))


def service_account_of(pod: PodSpec, deployment: DeploymentSpec) -> ServiceAccountSpec:
    """The account the pods run as: ``pod.service_account``, or the existing account the
    deprecated ``deployment.service_account_name`` names."""
    if deployment.service_account_name is not None:
        return ServiceAccountSpec(create=False, name=deployment.service_account_name)
    return pod.service_account
