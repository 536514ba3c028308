"""CanaryService: a stable and a canary Deployment behind one Service, split by replicas."""

from __future__ import annotations

import pulumi

from components._known import check_env, check_pod, check_volumes
from components.inputs.canary import CanaryServiceArgs
from components.inputs.network_policy import AppPeer, ports_of
from components.manifests.canary import (
    CANARY_SUFFIX,
    STABLE_SUFFIX,
    CanaryPlan,
    build_canary_files,
    build_canary_network_policy,
    build_canary_secret,
    build_http_route,
    build_main_service,
    build_nginx_ingresses,
    build_track_budget,
    build_track_deployment,
    build_track_service,
    canary_fixed_keys,
    canary_warnings,
)
from components.manifests.meta import dns_name
from components.manifests.pod_settings import pod_warnings
from components.manifests.volumes import FILES_SUFFIX
from components.manifests.webapp import (
    SECRET_SUFFIX,
    build_app_service_account,
    pods_service_account,
)
from components.manifests.workload import rollout_timeout_seconds
from components.register import (
    check_patches,
    claim_names,
    current_naming,
    patching,
    rollout_options,
)
from components.webapp import metadata_output, namespace_output

TYPE = "berth:index:CanaryService"


class CanaryService(pulumi.ComponentResource):
    """Two tracks of one app; see :class:`CanaryServiceArgs` and docs/canary.md.

    Outputs: ``service_name`` and ``dns_name`` (the main Service, both tracks),
    ``stable_service_name`` and ``canary_service_name``, ``stable_deployment_name`` and
    ``canary_deployment_name``, ``stable_replicas``, ``canary_replicas``,
    ``effective_canary_weight`` (percent of pods in the canary), ``namespace`` and
    ``selector`` (the main Service's), ``service_account_name`` (both tracks').
    """

    service_name: pulumi.Output[str]
    dns_name: pulumi.Output[str]
    namespace: pulumi.Output[str]
    stable_service_name: pulumi.Output[str]
    canary_service_name: pulumi.Output[str]
    stable_deployment_name: pulumi.Output[str]
    canary_deployment_name: pulumi.Output[str]
    stable_replicas: pulumi.Output[int]
    canary_replicas: pulumi.Output[int]
    effective_canary_weight: pulumi.Output[float]
    selector: pulumi.Output[dict[str, str]]
    service_account_name: pulumi.Output[str]

    def __init__(
        self, name: str, args: CanaryServiceArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        if not isinstance(args, CanaryServiceArgs):
            raise TypeError(
                f"CanaryService {name!r}: args must be a CanaryServiceArgs, not {type(args)!r}"
            )
        # Names are checked before the component itself is registered.
        naming = current_naming()
        plan = CanaryPlan.of(name, args, naming)
        claim_names(f"CanaryService {name!r}", canary_fixed_keys(name, args, naming))
        check_patches(f"CanaryService {name!r}", name, args)
        super().__init__(TYPE, name, None, opts)
        register = patching(args.patches)
        context = f"CanaryService {name!r}"
        check_pod(args.container, args.init_containers, args.sidecars, context)
        check_volumes(args.volumes, "volumes", context)
        if args.canary is not None:
            check_env(args.canary.env, "canary.env", context)
        child = pulumi.ResourceOptions(parent=self)

        account = build_app_service_account(plan)
        self.service_account = None if account is None else register(name, account, child)
        account_name = (
            None if self.service_account is None else metadata_output(self.service_account, "name")
        )
        self.service_account_name = account_name or pulumi.Output.from_input(
            pods_service_account(args, None) or "default"
        )

        secret_name: pulumi.Input[str] | None = None
        secret = build_canary_secret(plan)
        if secret is not None:
            self.secret = register(f"{name}{SECRET_SUFFIX}", secret, child)
            secret_name = metadata_output(self.secret, "name")
        files_name: pulumi.Input[str] | None = None
        files = build_canary_files(plan)
        if files is not None:
            self.files = register(f"{name}{FILES_SUFFIX}", files, child)
            files_name = metadata_output(self.files, "name")

        # The track that grows rolls out first and the other waits for it, so capacity
        # never dips: a canary is ready before stable shrinks, and on a rollback or a
        # promotion stable is back at full size before the canary goes.
        timeout = rollout_timeout_seconds(args.deployment)
        leader, follower = (
            (plan.stable, plan.canary) if plan.canary.replicas == 0 else (plan.canary, plan.stable)
        )
        first = register(
            f"{name}{leader.suffix}",
            build_track_deployment(
                plan, leader, secret_name, files_name=files_name, service_account_name=account_name
            ),
            rollout_options(self, timeout),
        )
        second = register(
            f"{name}{follower.suffix}",
            build_track_deployment(
                plan,
                follower,
                secret_name,
                files_name=files_name,
                service_account_name=account_name,
            ),
            rollout_options(self, timeout, depends_on=[first]),
        )
        self.stable_deployment, self.canary_deployment = (
            (first, second) if leader is plan.stable else (second, first)
        )
        self.stable_deployment_name = metadata_output(self.stable_deployment, "name")
        self.canary_deployment_name = metadata_output(self.canary_deployment, "name")

        self.service = register(name, build_main_service(plan), child)
        self.stable_service = register(
            f"{name}{STABLE_SUFFIX}", build_track_service(plan, plan.stable), child
        )
        self.canary_service = register(
            f"{name}{CANARY_SUFFIX}", build_track_service(plan, plan.canary), child
        )
        self.service_name = metadata_output(self.service, "name")
        self.stable_service_name = metadata_output(self.stable_service, "name")
        self.canary_service_name = metadata_output(self.canary_service, "name")
        self.namespace = namespace_output(self.service, args.namespace)
        self.dns_name = pulumi.Output.all(self.service_name, self.namespace).apply(
            lambda parts: dns_name(parts[0], parts[1], args.cluster_domain)
        )

        for track in plan.tracks:
            budget = build_track_budget(plan, track)
            if budget is not None:
                register(f"{name}{track.suffix}", budget, child)

        route = build_http_route(plan, self.stable_service_name, self.canary_service_name)
        if route is not None:
            self.http_route = register(name, route, child)
        ingresses = build_nginx_ingresses(plan, self.stable_service_name, self.canary_service_name)
        if ingresses is not None:
            self.ingress = register(name, ingresses.main, child)
            self.canary_ingress = register(f"{name}{CANARY_SUFFIX}", ingresses.canary, child)

        policy = build_canary_network_policy(plan)
        if policy is not None:
            self.network_policy = register(name, policy, child)
        # Both tracks' pods as a NetworkPolicy peer, in plain values.
        self.network_peer = AppPeer(
            selector=plan.identity.selector(),
            namespace=args.namespace,
            ports=ports_of(args.container, args.sidecars),
            from_component=True,
        )

        split = plan.split
        self.stable_replicas = pulumi.Output.from_input(split.stable)
        self.canary_replicas = pulumi.Output.from_input(split.canary)
        self.effective_canary_weight = pulumi.Output.from_input(split.effective)
        self.selector = pulumi.Output.from_input(plan.identity.selector())
        for warning in [*canary_warnings(plan), *pod_warnings(args)]:
            pulumi.log.warn(warning, resource=self)

        self.register_outputs(
            {
                "service_name": self.service_name,
                "dns_name": self.dns_name,
                "namespace": self.namespace,
                "stable_service_name": self.stable_service_name,
                "canary_service_name": self.canary_service_name,
                "stable_deployment_name": self.stable_deployment_name,
                "canary_deployment_name": self.canary_deployment_name,
                "stable_replicas": self.stable_replicas,
                "canary_replicas": self.canary_replicas,
                "effective_canary_weight": self.effective_canary_weight,
                "selector": self.selector,
                "service_account_name": self.service_account_name,
            }
        )
