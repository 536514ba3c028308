"""How the pods run: replicas, update strategy, and what keeps them available."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from components import defaults
from components.errors import Problem
from components.inputs import rules
from components.inputs.base import Spec, field, instance_of, nested, rule, spec

Strategy = Literal["RollingUpdate", "Recreate"]
IntOrPercent = int | str


@spec
class Autoscaling(Spec):
    """A HorizontalPodAutoscaler (autoscaling/v2); the Deployment then leaves replicas to it."""

    min_replicas: int = field(default=2, checks=[rules.within(1)])
    max_replicas: int = field(default=10, checks=[rules.within(1)])
    cpu_utilization: int | None = field(default=80, checks=[rules.optional(rules.within(1))])
    memory_utilization: int | None = field(default=None, checks=[rules.optional(rules.within(1))])

    @rule("min_replicas", "max_replicas")
    def _range(self) -> Iterator[Problem]:
        if self.max_replicas < self.min_replicas:
            yield Problem(
                "max_replicas",
                self.max_replicas,
                f"must be greater than or equal to min_replicas ({self.min_replicas})",
            )

    @rule("cpu_utilization", "memory_utilization")
    def _a_target(self) -> Iterator[Problem]:
        if self.cpu_utilization is None and self.memory_utilization is None:
            yield Problem(
                "cpu_utilization", None, "or memory_utilization must be set (a target to scale on)"
            )


@spec
class DisruptionBudget(Spec):
    """A PodDisruptionBudget: how many pods a node drain may take down at once.

    Give exactly one of ``max_unavailable`` (default 1) or ``min_available``.
    """

    max_unavailable: IntOrPercent | None = field(
        default=None, checks=[rules.optional(rules.int_or_percent)]
    )
    min_available: IntOrPercent | None = field(
        default=None, checks=[rules.optional(rules.int_or_percent)]
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
        if self.max_unavailable in (0, "0%"):
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
    max_skew: int = field(default=1, checks=[rules.within(1)])
    # ScheduleAnyway keeps a rollout going when a zone is down; DoNotSchedule is strict.
    when_unsatisfiable: Literal["ScheduleAnyway", "DoNotSchedule"] = field(
        default="ScheduleAnyway", checks=[rules.one_of("ScheduleAnyway", "DoNotSchedule")]
    )


@spec
class DeploymentSpec(Spec):
    """Replica count, update strategy and high availability of the pods."""

    replicas: int = field(default=defaults.REPLICAS, checks=[rules.within(0)])
    strategy: Strategy = field(
        default="RollingUpdate", checks=[rules.one_of("RollingUpdate", "Recreate")]
    )
    max_surge: IntOrPercent | None = field(
        default=None, checks=[rules.optional(rules.int_or_percent)]
    )
    max_unavailable: IntOrPercent | None = field(
        default=None, checks=[rules.optional(rules.int_or_percent)]
    )
    min_ready_seconds: int = field(default=0, checks=[rules.within(0)])
    progress_deadline_seconds: int = field(
        default=defaults.PROGRESS_DEADLINE_SECONDS, checks=[rules.within(1)]
    )
    revision_history_limit: int = field(
        default=defaults.REVISION_HISTORY_LIMIT, checks=[rules.within(0)]
    )
    termination_grace_period_seconds: int | None = field(
        default=None, checks=[rules.optional(rules.within(0))]
    )
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
            if surge in (0, "0%") and unavailable in (0, "0%"):
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
            if budget.min_available in ("100%",):
                yield Problem(
                    "disruption_budget.min_available",
                    budget.min_available,
                    "would block every voluntary eviction (node drains hang)",
                )
