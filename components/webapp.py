"""WebApp: a Deployment and a Service (plus Secret, PDB and HPA when asked for)."""

from __future__ import annotations

import functools
from typing import Any

import pulumi

from components._known import check_pod, check_volumes
from components.inputs.network_policy import AppPeer, ports_of
from components.inputs.webapp import WebAppArgs
from components.manifests.meta import dns_name, image_warnings, secret_env_warnings
from components.manifests.pod import extra_container_warnings, security_warnings
from components.manifests.pod_settings import pod_warnings
from components.manifests.volumes import FILES_SUFFIX, volume_warnings
from components.manifests.webapp import (
    SECRET_SUFFIX,
    WebAppPlan,
    build_app_service_account,
    build_env_secret,
    build_webapp_autoscaler,
    build_webapp_budget,
    build_webapp_deployment,
    build_webapp_files,
    build_webapp_ingress,
    build_webapp_network_policy,
    build_webapp_route,
    build_webapp_services,
    pods_service_account,
    service_suffix,
    webapp_fixed_keys,
)
from components.manifests.workload import autoscaler_owned_fields, rollout_timeout_seconds
from components.register import (
    check_patches,
    claim_names,
    current_naming,
    patching,
    rollout_options,
)

TYPE = "berth:index:WebApp"


def metadata_output(resource: pulumi.CustomResource, key: str) -> pulumi.Output[Any]:
    meta: pulumi.Output[Any] = resource.metadata  # type: ignore[attr-defined]
    return meta.apply(lambda m: (m or {}).get(key) if isinstance(m, dict) else getattr(m, key))


def namespace_output(resource: pulumi.CustomResource, namespace: str | None) -> pulumi.Output[str]:
    """The namespace the object landed in: the one asked for, else what the cluster chose."""
    if namespace is not None:
        return pulumi.Output.from_input(namespace)
    return metadata_output(resource, "namespace").apply(lambda ns: ns or "default")


class WebApp(pulumi.ComponentResource):
    """A Deployment plus a Service, secure by default. See :class:`WebAppArgs`.

    Outputs: ``deployment_name``, ``namespace``, ``selector``, ``service_account_name``,
    and, with a Service,
    ``service_name`` and ``dns_name`` (``<svc>.<ns>.svc.<cluster domain>``);
    ``service_names`` and ``dns_names`` map each key of ``services`` to its Service's.
    The resources: ``service`` (the primary), ``services[key]``, ``http_route``, ``ingress``.
    """

    def __init__(
        self, name: str, args: WebAppArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        if not isinstance(args, WebAppArgs):
            raise TypeError(f"WebApp {name!r}: args must be a WebAppArgs, not {type(args)!r}")
        # Names are checked before the component itself is registered.
        plan = WebAppPlan.of(name, args, current_naming())
        services = build_webapp_services(plan)
        claim_names(f"WebApp {name!r}", webapp_fixed_keys(plan, services))
        check_patches(f"WebApp {name!r}", name, args)
        super().__init__(TYPE, name, None, opts)
        check_pod(args.container, args.init_containers, args.sidecars, f"WebApp {name!r}")
        check_volumes(args.volumes, "volumes", f"WebApp {name!r}")
        register = patching(args.patches)
        self._plan = plan
        child = pulumi.ResourceOptions(parent=self)

        account = build_app_service_account(plan)
        self.service_account = None if account is None else register(name, account, child)
        account_name = (
            None if self.service_account is None else metadata_output(self.service_account, "name")
        )

        secret_manifest = build_env_secret(plan)
        secret_name: pulumi.Input[str] | None = None
        if secret_manifest is not None:
            self.secret = register(f"{name}{SECRET_SUFFIX}", secret_manifest, child)
            secret_name = metadata_output(self.secret, "name")
        files_manifest = build_webapp_files(plan)
        files_name: pulumi.Input[str] | None = None
        if files_manifest is not None:
            self.files = register(f"{name}{FILES_SUFFIX}", files_manifest, child)
            files_name = metadata_output(self.files, "name")

        self.deployment = register(
            name,
            build_webapp_deployment(plan, secret_name, files_name, account_name),
            rollout_options(
                self,
                rollout_timeout_seconds(args.deployment),
                ignore_changes=autoscaler_owned_fields(args.deployment) or None,
            ),
        )
        budget = build_webapp_budget(plan)
        if budget is not None:
            self.disruption_budget = register(name, budget, child)
        autoscaler = build_webapp_autoscaler(plan, self.deployment_name)
        if autoscaler is not None:
            self.autoscaler = register(name, autoscaler, child)
        policy = build_webapp_network_policy(plan)
        if policy is not None:
            self.network_policy = register(name, policy, child)
        primary = services.pop(None, None)
        self.service = None if primary is None else register(name, primary, child)
        self.services: dict[str, pulumi.CustomResource] = {
            key: register(f"{name}{service_suffix(key)}", manifest, child)
            for key, manifest in services.items()
            if key is not None
        }
        self.http_route: pulumi.CustomResource | None = None
        self.ingress: pulumi.CustomResource | None = None
        if args.http_route is not None:
            target = self._service_of(args.http_route.service)
            route = build_webapp_route(plan, metadata_output(target, "name"))
            self.http_route = None if route is None else register(name, route, child)
        if args.ingress is not None:
            target = self._service_of(args.ingress.service)
            ingress = build_webapp_ingress(plan, metadata_output(target, "name"))
            self.ingress = None if ingress is None else register(name, ingress, child)
        for warning in [
            *image_warnings({"container.image": args.container.image}),
            *secret_env_warnings(args.container.secret_env, "container.secret_env"),
        ]:
            pulumi.log.warn(warning, resource=self)
        for warning in [
            *security_warnings(args.container),
            *extra_container_warnings(args.init_containers, args.sidecars),
        ]:
            pulumi.log.warn(warning, resource=self)
        for warning in [
            *volume_warnings(args.volumes, args.files, args.container, "container"),
            *pod_warnings(args),
        ]:
            pulumi.log.warn(warning, resource=self)
        # The outputs below are derived on first use and not registered here: each
        # Output costs the SDK futures and tasks, registering them costs an await of
        # each, and most programs read none of them (bench/: about 8 % of evaluation).
        self.register_outputs({})

    @functools.cached_property
    def deployment_name(self) -> pulumi.Output[str]:
        return metadata_output(self.deployment, "name")

    @functools.cached_property
    def namespace(self) -> pulumi.Output[str]:
        return namespace_output(self.deployment, self._plan.args.namespace)

    @functools.cached_property
    def service_account_name(self) -> pulumi.Output[str]:
        """The ServiceAccount the pods run as: the one created for the app, the existing
        one named, or the namespace's ``default``."""
        if self.service_account is not None:
            return metadata_output(self.service_account, "name")
        existing = pods_service_account(self._plan.args, None)
        return pulumi.Output.from_input(existing or "default")

    @functools.cached_property
    def selector(self) -> pulumi.Output[dict[str, str]]:
        return pulumi.Output.from_input(self._plan.identity.selector())

    @functools.cached_property
    def network_peer(self) -> AppPeer:
        """This app's pods as a NetworkPolicy peer (plain values: selector, namespace, ports)."""
        args = self._plan.args
        return AppPeer(
            selector=self._plan.identity.selector(),
            namespace=args.namespace,
            ports=ports_of(args.container, args.sidecars),
            from_component=True,
        )

    @functools.cached_property
    def service_name(self) -> pulumi.Output[str]:
        """The Service's name. A WebApp without a Service (``service=None``) has none."""
        return metadata_output(self._require_service("service_name"), "name")

    @functools.cached_property
    def dns_name(self) -> pulumi.Output[str]:
        """``<service>.<namespace>.svc.<cluster domain>``; needs a Service, as service_name."""
        self._require_service("dns_name")
        domain = self._plan.args.cluster_domain
        return pulumi.Output.all(self.service_name, self.namespace).apply(
            lambda parts: dns_name(parts[0], parts[1], domain)
        )

    @functools.cached_property
    def service_names(self) -> pulumi.Output[dict[str, str]]:
        """The name of each Service of ``services``, by its key."""
        names = {key: metadata_output(r, "name") for key, r in self.services.items()}
        return pulumi.Output.from_input(names)  # type: ignore[arg-type]

    @functools.cached_property
    def dns_names(self) -> pulumi.Output[dict[str, str]]:
        """``<service>.<namespace>.svc.<cluster domain>`` of each Service of ``services``."""
        domain = self._plan.args.cluster_domain
        return pulumi.Output.all(self.service_names, self.namespace).apply(
            lambda parts: {k: dns_name(v, parts[1], domain) for k, v in parts[0].items()}
        )

    def _service_of(self, key: str | None) -> pulumi.CustomResource:
        return self._require_service("routes") if key is None else self.services[key]

    def _require_service(self, output: str) -> pulumi.CustomResource:
        if self.service is None:
            raise NoServiceError(
                f"WebApp {self._name!r} has no Service (service=None), so it has no {output}"
            )
        return self.service


class NoServiceError(AttributeError):
    """A Service output was read from a WebApp created with ``service=None``."""
