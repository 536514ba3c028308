"""How the pods run: replicas, update strategy, and what keeps them available."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Literal

from components import defaults
from components.errors import Problem
from components.inputs import rules
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
    tuple_of,
)

Strategy = Literal["RollingUpdate", "Recreate"]
IntOrPercent = int | str


@spec
class ScalingPolicy(Spec):
    """At most ``value`` pods (``type="Pods"``) or percent of the current pods
    (``type="Percent"``) added or removed per ``period_seconds``."""

    type: Literal["Pods", "Percent"] = field(checks=[rules.one_of("Pods", "Percent")])
    value: int = field(checks=[rules.int32(1)])
    period_seconds: int = field(
        default=15, checks=[rules.within(1, rules.MAX_SCALING_PERIOD_SECONDS)]
    )


@spec
class ScalingRules(Spec):
    """How fast the autoscaler scales one way; None or empty keeps Kubernetes' default.

    ``select_policy`` picks the policy allowing the most change (``Max``), the least
    (``Min``), or turns scaling this way off (``Disabled``). The autoscaler acts on the
    highest (scale-down) or lowest (scale-up) recommendation of the last
    ``stabilization_window_seconds``.
    """

    policies: Sequence[ScalingPolicy] = field(
        default=(),
        converter=tuple_of(ScalingPolicy),
        checks=[each(instance_of(ScalingPolicy, what="a ScalingPolicy"))],
    )
    select_policy: Literal["Max", "Min", "Disabled"] | None = field(
        default=None, checks=[rules.optional(rules.one_of("Max", "Min", "Disabled"))]
    )
    stabilization_window_seconds: int | None = field(
        default=None,
        checks=[rules.optional(rules.within(0, rules.MAX_STABILIZATION_WINDOW_SECONDS))],
    )


@spec
class ScalingBehavior(Spec):
    """The HPA's ``behavior``. Kubernetes' defaults for a direction left out: up by the
    larger of 4 pods or 100 % per 15 s at once; down by up to 100 % per 15 s, acting on
    the highest recommendation of the last 300 s (the controller's default window)."""

    scale_up: ScalingRules | None = nested(ScalingRules, default=None)
    scale_down: ScalingRules | None = nested(ScalingRules, default=None)


@spec
class MetricObject(Spec):
    """The Kubernetes object an ``Object`` metric describes (an Ingress, a Service, ...)."""

    kind: str = field(checks=[rules.path_segment_name])
    name: str = field(checks=[rules.path_segment_name])
    api_version: str = field(default="v1", checks=[rules.api_version])


MetricType = Literal["Pods", "Object", "External"]


@spec
class Metric(Spec):
    """A custom (``Pods``, ``Object``) or external metric to scale on, served by a metrics
    adapter (custom.metrics.k8s.io / external.metrics.k8s.io).

    - ``Pods``: the metric averaged over the pods, against ``average_value``.
    - ``Object``: a metric of ``described_object``, against ``value`` (as is) or
      ``average_value`` (divided by the pod count).
    - ``External``: a metric from outside the cluster (a queue length), against ``value``
      or ``average_value``.

    ``selector`` narrows the metric by its labels. Targets are quantities ('100', '500m').
    """

    type: MetricType = field(checks=[rules.one_of("Pods", "Object", "External")])
    name: str = field(checks=[rules.path_segment_name])
    value: str | None = field(default=None, checks=[rules.optional(rules.positive_quantity)])
    average_value: str | None = field(
        default=None, checks=[rules.optional(rules.positive_quantity)]
    )
    selector: Mapping[str, str] = field(
        factory=dict, converter=to_dict, checks=[mapping_of(rules.label_key, rules.label_value)]
    )
    described_object: MetricObject | None = nested(MetricObject, default=None)

    @classmethod
    def pods(
        cls, name: str, average_value: str, *, selector: Mapping[str, str] | None = None
    ) -> Metric:
        return cls(type="Pods", name=name, average_value=average_value, selector=selector or {})

    @classmethod
    def object(
        cls,
        name: str,
        described_object: MetricObject,
        *,
        value: str | None = None,
        average_value: str | None = None,
        selector: Mapping[str, str] | None = None,
    ) -> Metric:
        return cls(
            type="Object",
            name=name,
            described_object=described_object,
            value=value,
            average_value=average_value,
            selector=selector or {},
        )

    @classmethod
    def external(
        cls,
        name: str,
        *,
        value: str | None = None,
        average_value: str | None = None,
        selector: Mapping[str, str] | None = None,
    ) -> Metric:
        return cls(
            type="External",
            name=name,
            value=value,
            average_value=average_value,
            selector=selector or {},
        )

    @rule("type", "value", "average_value")
    def _target(self) -> Iterator[Problem]:
        if self.type == "Pods":
            if self.value is not None:
                yield Problem(
                    "value",
                    self.value,
                    "does not apply to a Pods metric (averaged over the pods): use average_value",
                )
            elif self.average_value is None:
                yield Problem("average_value", None, "must be set for a Pods metric")
        elif self.value is not None and self.average_value is not None:
            yield Problem("average_value", self.average_value, "cannot be set together with value")
        elif self.value is None and self.average_value is None:
            yield Problem("value", None, f"or average_value must be set for an {self.type} metric")

    @rule("type", "described_object")
    def _described_object(self) -> Iterator[Problem]:
        if self.type == "Object" and self.described_object is None:
            yield Problem(
                "described_object", None, "must be set for an Object metric (the object measured)"
            )
        if self.type != "Object" and self.described_object is not None:
            yield Problem(
                "described_object",
                self.described_object,
                "applies only to an Object metric",
            )


@spec
class Autoscaling(Spec):
    """A HorizontalPodAutoscaler (autoscaling/v2).

    The Deployment starts at ``min_replicas`` (``pulumi up`` waits for them to be ready);
    after that its replica count is the autoscaler's: later ``up``s never set it back.
    ``metrics`` adds custom and external metrics to the CPU and memory targets;
    ``behavior`` limits how fast it scales.
    """

    min_replicas: int = field(default=2, checks=[rules.int32(1)])
    max_replicas: int = field(default=10, checks=[rules.int32(1)])
    cpu_utilization: int | None = field(default=80, checks=[rules.optional(rules.int32(1))])
    memory_utilization: int | None = field(default=None, checks=[rules.optional(rules.int32(1))])
    metrics: Sequence[Metric] = field(
        default=(),
        converter=tuple_of(Metric),
        checks=[each(instance_of(Metric, what="a Metric"))],
    )
    behavior: ScalingBehavior | None = nested(ScalingBehavior, default=None)

    @rule("min_replicas", "max_replicas")
    def _range(self) -> Iterator[Problem]:
        if self.max_replicas < self.min_replicas:
            yield Problem(
                "max_replicas",
                self.max_replicas,
                f"must be greater than or equal to min_replicas ({self.min_replicas})",
            )

    @rule("cpu_utilization", "memory_utilization", "metrics")
    def _a_target(self) -> Iterator[Problem]:
        if self.cpu_utilization is None and self.memory_utilization is None and not self.metrics:
            yield Problem(
                "cpu_utilization",
                None,
                "or memory_utilization or metrics must be set (a target to scale on)",
            )


@spec
class DisruptionBudget(Spec):
    """A PodDisruptionBudget: how many pods a node drain may take down at once.

    Give exactly one of ``max_unavailable`` (default 1) or ``min_available``.
    """

    max_unavailable: IntOrPercent | None = field(
        default=None, checks=[rules.optional(rules.int_or_percent_to_100)]
    )
    min_available: IntOrPercent | None = field(
        default=None, checks=[rules.optional(rules.int_or_percent_to_100)]
    )
    # AlwaysAllow lets a drain evict pods that are not ready anyway (crash-looping),
    # instead of hanging on a budget they can never satisfy.
    unhealthy_pod_eviction_policy: Literal["AlwaysAllow", "IfHealthyBudget"] = field(
        default="AlwaysAllow", checks=[rules.one_of("AlwaysAllow", "IfHealthyBudget")]
    )

    @rule("max_unavailable", "min_available")
    def _one_of_both(self) -> Iterator[Problem]:
        if self.max_unavailable is not None and self.min_available is not None:
            yield Problem(
                "min_available", self.min_available, "cannot be set together with max_unavailable"
            )

    @rule("max_unavailable")
    def _evictions_possible(self) -> Iterator[Problem]:
        if rules.is_zero(self.max_unavailable):
            yield Problem(
                "max_unavailable",
                self.max_unavailable,
                "would block every voluntary eviction (node drains hang); use at least 1",
            )

    @property
    def effective_max_unavailable(self) -> IntOrPercent | None:
        if self.max_unavailable is None and self.min_available is None:
            return defaults.PDB_MAX_UNAVAILABLE
        return self.max_unavailable


@spec
class Spread(Spec):
    """topologySpreadConstraints that spread the pods across zones and nodes."""

    zones: bool = field(default=True, checks=[instance_of(bool, what="a boolean")])
    nodes: bool = field(default=True, checks=[instance_of(bool, what="a boolean")])
    max_skew: int = field(default=1, checks=[rules.int32(1)])
    # ScheduleAnyway keeps a rollout going when a zone is down; DoNotSchedule is strict.
    when_unsatisfiable: Literal["ScheduleAnyway", "DoNotSchedule"] = field(
        default="ScheduleAnyway", checks=[rules.one_of("ScheduleAnyway", "DoNotSchedule")]
    )
    # The fewest domains (zones, nodes) the scheduler counts, even with no pods in them:
    # with DoNotSchedule, pods wait for new domains (a cluster autoscaler adds nodes)
    # rather than crowd the ones there are. None: the domains that exist.
    min_domains: int | None = field(default=None, checks=[rules.optional(rules.int32(1))])
    # Whether the pod's node selector and affinity limit the domains counted (Kubernetes'
    # default: Honor), and whether node taints the pod does not tolerate do (default: Ignore).
    node_affinity_policy: Literal["Honor", "Ignore"] | None = field(
        default=None, checks=[rules.optional(rules.one_of("Honor", "Ignore"))]
    )
    node_taints_policy: Literal["Honor", "Ignore"] | None = field(
        default=None, checks=[rules.optional(rules.one_of("Honor", "Ignore"))]
    )

    @rule("min_domains", "when_unsatisfiable")
    def _min_domains_strict(self) -> Iterator[Problem]:
        if self.min_domains is not None and self.when_unsatisfiable != "DoNotSchedule":
            yield Problem(
                "min_domains",
                self.min_domains,
                "applies only with when_unsatisfiable 'DoNotSchedule'",
            )


@spec
class DeploymentSpec(Spec):
    """Replica count, update strategy and high availability of the pods."""

    replicas: int = field(default=defaults.REPLICAS, checks=[rules.int32(0)])
    strategy: Strategy = field(
        default="RollingUpdate", checks=[rules.one_of("RollingUpdate", "Recreate")]
    )
    max_surge: IntOrPercent | None = field(
        default=None, checks=[rules.optional(rules.int_or_percent)]
    )
    max_unavailable: IntOrPercent | None = field(
        default=None, checks=[rules.optional(rules.int_or_percent)]
    )
    min_ready_seconds: int = field(default=0, checks=[rules.int32(0)])
    progress_deadline_seconds: int = field(
        default=defaults.PROGRESS_DEADLINE_SECONDS, checks=[rules.int32(1)]
    )
    revision_history_limit: int = field(
        default=defaults.REVISION_HISTORY_LIMIT, checks=[rules.int32(0)]
    )
    termination_grace_period_seconds: int | None = field(
        default=None, checks=[rules.optional(rules.int64(0))]
    )
    # Deprecated: an existing account by name; use pod.service_account (components.inputs.pod).
    service_account_name: str | None = field(
        default=None, checks=[rules.optional(rules.dns1123_subdomain)]
    )
    autoscaling: Autoscaling | None = nested(Autoscaling, default=None)
    disruption_budget: DisruptionBudget | None = nested(DisruptionBudget, default=None)
    spread: Spread | None = nested(Spread, default=None)

    @property
    def rolling(self) -> tuple[IntOrPercent, IntOrPercent]:
        """(maxSurge, maxUnavailable) with the zero-downtime defaults filled in."""
        return (
            defaults.MAX_SURGE if self.max_surge is None else self.max_surge,
            defaults.MAX_UNAVAILABLE if self.max_unavailable is None else self.max_unavailable,
        )

    @property
    def min_pods(self) -> int:
        """The fewest pods this Deployment runs when healthy (autoscaler floor or replicas)."""
        return self.autoscaling.min_replicas if self.autoscaling else self.replicas

    @rule("progress_deadline_seconds", "min_ready_seconds")
    def _deadline(self) -> Iterator[Problem]:
        if self.progress_deadline_seconds <= self.min_ready_seconds:
            yield Problem(
                "progress_deadline_seconds",
                self.progress_deadline_seconds,
                f"must be greater than min_ready_seconds ({self.min_ready_seconds})",
            )

    @rule("strategy", "max_surge", "max_unavailable")
    def _rolling(self) -> Iterator[Problem]:
        if self.strategy == "Recreate":
            for name, value in (
                ("max_surge", self.max_surge),
                ("max_unavailable", self.max_unavailable),
            ):
                if value is not None:
                    yield Problem(name, value, "applies only to strategy 'RollingUpdate'")
        else:
            surge, unavailable = self.rolling
            if rules.is_zero(surge) and rules.is_zero(unavailable):
                yield Problem(
                    "max_unavailable",
                    unavailable,
                    "cannot be 0 when max_surge is 0 too (the rollout could never progress)",
                )
            percent = rules.percent_value(unavailable)
            if percent is not None and percent > 100:
                yield Problem("max_unavailable", unavailable, "must not be more than '100%'")

    @rule("disruption_budget", "replicas", "autoscaling")
    def _budget_allows_evictions(self) -> Iterator[Problem]:
        budget = self.disruption_budget
        if budget is not None:
            floor = self.min_pods
            if rules.is_int(budget.min_available) and budget.min_available >= floor:  # type: ignore[operator]
                yield Problem(
                    "disruption_budget.min_available",
                    budget.min_available,
                    f"must be less than the replica count ({floor}), "
                    "or no pod could ever be evicted (node drains hang)",
                )
            if rules.percent_value(budget.min_available) == 100:
                yield Problem(
                    "disruption_budget.min_available",
                    budget.min_available,
                    "would block every voluntary eviction (node drains hang)",
                )
