"""WebAppArgs: one container, run by a Deployment, reached through a Service."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from components.errors import Problem
from components.inputs import rules
from components.inputs.app import AppArgs, annotation_rules
from components.inputs.base import (
    each,
    field,
    from_mapping,
    instance_of,
    mapping_of,
    nested,
    rule,
    spec,
    to_dict,
    validate,
)
from components.inputs.container import Container
from components.inputs.deployment import DeploymentSpec
from components.inputs.network_policy import NetworkPolicySpec, network_policy_rules
from components.inputs.pod import PodSpec, pod_rules
from components.inputs.pod_containers import (
    containers_field,
    pod_container_rules,
    pod_containers,
    serving,
)
from components.inputs.routes import IngressSpec, RouteSpec, router_port_rules
from components.inputs.service import ServiceSpec
from components.inputs.volumes import (
    Volume,
    file_content,
    file_path,
    files_annotation_rules,
    files_rules,
    is_volume,
    to_volumes,
    volume_rules,
)


@spec
class WebAppArgs(AppArgs):
    """Everything a WebApp needs; invalid input raises :class:`SpecError` right here.

    ``service=None`` runs the Deployment without a Service (a worker). ``sidecars``
    run beside ``container`` for the pod's life, ``init_containers`` to completion before
    it starts (see components.inputs.pod_containers). ``services``
    adds more Services for the same pods, keyed by a short name (``{"public":
    ServiceSpec(type="LoadBalancer")}``): each is named ``<name>-<key>``.
    ``http_route`` and ``ingress`` expose one of the Services (the primary unless
    they name a key of ``services``).
    """

    container: Container = nested(Container)
    init_containers: Sequence[Container] = containers_field()
    sidecars: Sequence[Container] = containers_field()
    deployment: DeploymentSpec = nested(factory=DeploymentSpec)
    service: ServiceSpec | None = field(
        factory=ServiceSpec,
        converter=from_mapping(ServiceSpec),
        checks=[rules.optional(instance_of(ServiceSpec, what="a ServiceSpec"))],
    )
    network_policy: NetworkPolicySpec | None = nested(NetworkPolicySpec, default=None)

    # The pod's volumes (each mounted by a container's mounts) and files from literal
    # content: a ConfigMap the WebApp owns, each file mounted at its path (docs/volumes.md).
    volumes: Sequence[Volume] = field(default=(), converter=to_volumes, checks=[each(is_volume)])
    files: Mapping[str, str] = field(
        factory=dict, converter=to_dict, checks=[mapping_of(file_path, file_content)]
    )
    pod: PodSpec = nested(factory=PodSpec)

    services: Mapping[str, ServiceSpec] = field(
        factory=dict,
        converter=lambda v: _services_from_config(to_dict(v)),
        checks=[mapping_of(rules.dns1123_label, instance_of(ServiceSpec, what="a ServiceSpec"))],
    )
    http_route: RouteSpec | None = nested(RouteSpec, default=None)
    ingress: IngressSpec | None = nested(IngressSpec, default=None)

    def __attrs_post_init__(self) -> None:
        validate(self)

    @rule("container", "init_containers", "sidecars", "volumes", "files")
    def _volumes(self) -> Iterator[Problem]:
        containers = dict(pod_containers(self.container, self.init_containers, self.sidecars))
        yield from volume_rules(self.volumes, self.files, containers, files_in="container")
        yield from files_rules(self.files)

    def all_services(self) -> dict[str | None, ServiceSpec]:
        """Every Service of the app by key: None is the primary ``service``."""
        found: dict[str | None, ServiceSpec] = {}
        if self.service is not None:
            found[None] = self.service
        found.update(self.services)
        return found

    @rule("annotations", "files")
    def _files_annotations_fit(self) -> Iterator[Problem]:
        return files_annotation_rules(self.annotations, self.files)

    @rule("container", "sidecars", "deployment")
    def _workload(self) -> Iterator[Problem]:
        return workload_rules(self.container, self.deployment, self.sidecars)

    @rule("container", "init_containers", "sidecars", "deployment")
    def _pod_containers(self) -> Iterator[Problem]:
        return pod_container_rules(
            self.container, self.init_containers, self.sidecars, self.deployment
        )

    @rule("pod", "container", "sidecars", "init_containers", "deployment", "annotations")
    def _pod(self) -> Iterator[Problem]:
        return pod_rules(
            self.pod,
            self.container,
            self.deployment,
            self.annotations,
            sidecars=self.sidecars,
            init=self.init_containers,
        )

    @rule("container", "sidecars", "service")
    def _service_ports(self) -> Iterator[Problem]:
        if self.service is not None:
            yield from service_port_rules(self.service, self.container, self.sidecars)

    @rule("network_policy", "container", "sidecars", "namespace")
    def _network_policy(self) -> Iterator[Problem]:
        if self.network_policy is not None:
            yield from network_policy_rules(
                self.network_policy, self.container, self.namespace, self.sidecars
            )

    @rule("annotations", "service")
    def _service_annotations_fit(self) -> Iterator[Problem]:
        if self.service is not None:
            yield from service_annotation_rules(self.annotations, self.service)

    @rule("container", "sidecars", "service", "services", "annotations")
    def _more_services(self) -> Iterator[Problem]:
        return more_service_rules(
            self.service, self.services, self.container, self.annotations, self.sidecars
        )

    @rule("container", "service", "services", "http_route")
    def _route_target(self) -> Iterator[Problem]:
        return router_rules("http_route", self.http_route, self, self.container)

    @rule("container", "service", "services", "ingress")
    def _ingress_target(self) -> Iterator[Problem]:
        return router_rules("ingress", self.ingress, self, self.container)

    @rule("annotations", "ingress")
    def _ingress_annotations_fit(self) -> Iterator[Problem]:
        if self.ingress is not None and not any(annotation_rules(self.annotations)):
            yield from annotation_rules(
                self.annotations, self.ingress.annotations, "ingress.annotations"
            )


def _services_from_config(value: Any) -> Any:
    """Config gives each extra Service as a mapping of its settings."""
    if not isinstance(value, dict):
        return value
    make = from_mapping(ServiceSpec)
    return {key: make(item) for key, item in value.items()}


def more_service_rules(
    primary: ServiceSpec | None,
    services: Mapping[str, ServiceSpec],
    container: Container,
    annotations: Mapping[str, str],
    sidecars: Sequence[Container] = (),
) -> Iterator[Problem]:
    """Each extra Service gets the rules the primary gets, at its own key."""
    if services and primary is None:
        yield Problem(
            "services",
            tuple(services),
            "needs the primary service (service=None runs no Service at all)",
        )
        return
    for key, service in services.items():
        path = f"services[{key!r}]"
        yield from service_port_rules(service, container, sidecars, path)
        yield from service_annotation_rules(annotations, service, f"{path}.annotations")


def router_rules(
    which: str, router: RouteSpec | IngressSpec | None, args: WebAppArgs, container: Container
) -> Iterator[Problem]:
    """A router targets a Service the app has, at one of its ports."""
    if router is None:
        return
    if args.service is None:
        yield Problem(which, router, "needs a Service to send requests to (service is None)")
        return
    if router.service is not None and router.service not in args.services:
        known = ", ".join(repr(k) for k in args.services) or "none"
        yield Problem(
            f"{which}.service",
            router.service,
            f"is not a key of services (known: {known}; None is the primary Service)",
        )
        return
    target = args.service if router.service is None else args.services[router.service]
    yield from router_port_rules(which, router, target, container)


def workload_rules(
    container: Container, deployment: DeploymentSpec, sidecars: Sequence[Container] = ()
) -> Iterator[Problem]:
    """Rules between the containers and how they are scaled: like the HPA, utilization
    counts every container that runs beside the app (sidecars too), so each needs the request."""
    scaling = deployment.autoscaling
    if scaling is None:
        return
    for path, c in serving(container, sidecars):
        if scaling.cpu_utilization is not None and c.resources.cpu_request is None:
            yield Problem(
                f"{path}.resources.cpu_request",
                None,
                "must be set when deployment.autoscaling.cpu_utilization is "
                "(utilization is a percentage of the pod's requests, every container's)",
            )
        if scaling.memory_utilization is not None and c.resources.memory_request is None:
            yield Problem(
                f"{path}.resources.memory_request",
                None,
                "must be set when deployment.autoscaling.memory_utilization is",
            )


def service_annotation_rules(
    annotations: Mapping[str, str], service: ServiceSpec, path: str = "service.annotations"
) -> Iterator[Problem]:
    """The Service carries the component's annotations and its own (reported once: not
    when the component's alone are already too many)."""
    if service.annotations and not any(annotation_rules(annotations)):
        yield from annotation_rules(annotations, service.annotations, path)


def service_port_rules(
    service: ServiceSpec,
    container: Container,
    sidecars: Sequence[Container] = (),
    path: str = "service",
) -> Iterator[Problem]:
    """A Service must only send traffic to ports a container of the pod really exposes
    (the app's or a sidecar's); without ports of its own it takes the app container's."""
    if not service.ports:
        if not container.ports and not service.headless:
            yield Problem(
                f"{path}.ports",
                (),
                "must not be empty: give the container a port, list Service ports, "
                "or make the Service headless",
            )
        return
    ports = [p for _, c in serving(container, sidecars) for p in c.ports]
    by_name = {p.name: p for p in ports if p.name is not None}
    by_number = {(p.port, p.protocol) for p in ports}
    exposed = ", ".join(f"{p.name or p.port}/{p.protocol}" for p in ports) or "none"
    who = "containers expose" if sidecars else "container exposes"
    for i, port in enumerate(service.ports):
        target = port.port if port.target_port is None else port.target_port
        if isinstance(target, str):
            if target not in by_name:
                yield Problem(
                    f"{path}.ports[{i}].target_port",
                    target,
                    f"is not the name of a container port ({who}: {exposed})",
                )
            elif by_name[target].protocol != port.protocol:
                yield Problem(
                    f"{path}.ports[{i}].protocol",
                    port.protocol,
                    f"differs from container port {target!r} ({by_name[target].protocol})",
                )
        elif (target, port.protocol) not in by_number:
            yield Problem(
                f"{path}.ports[{i}].target_port",
                target,
                f"is not a port the {'containers expose' if sidecars else 'container exposes'} "
                f"over {port.protocol} ({who}: {exposed})",
            )
