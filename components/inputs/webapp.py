"""WebAppArgs: one container, run by a Deployment, reached through a Service."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from components.errors import Problem
from components.inputs import rules
from components.inputs.app import AppArgs, annotation_rules
from components.inputs.base import (
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
from components.inputs.routes import IngressSpec, RouteSpec, router_port_rules
from components.inputs.service import ServiceSpec


@spec
class WebAppArgs(AppArgs):
    """Everything a WebApp needs; invalid input raises :class:`SpecError` right here.

    ``service=None`` runs the Deployment without a Service (a worker). ``services``
    adds more Services for the same pods, keyed by a short name (``{"public":
    ServiceSpec(type="LoadBalancer")}``): each is named ``<name>-<key>``.
    ``http_route`` and ``ingress`` expose one of the Services (the primary unless
    they name a key of ``services``).
    """

    container: Container = nested(Container)
    deployment: DeploymentSpec = nested(factory=DeploymentSpec)
    service: ServiceSpec | None = field(
        factory=ServiceSpec,
        converter=from_mapping(ServiceSpec),
        checks=[rules.optional(instance_of(ServiceSpec, what="a ServiceSpec"))],
    )

    services: Mapping[str, ServiceSpec] = field(
        factory=dict,
        converter=lambda v: _services_from_config(to_dict(v)),
        checks=[mapping_of(rules.dns1123_label, instance_of(ServiceSpec, what="a ServiceSpec"))],
    )
    http_route: RouteSpec | None = nested(RouteSpec, default=None)
    ingress: IngressSpec | None = nested(IngressSpec, default=None)

    def __attrs_post_init__(self) -> None:
        validate(self)

    def all_services(self) -> dict[str | None, ServiceSpec]:
        """Every Service of the app by key: None is the primary ``service``."""
        found: dict[str | None, ServiceSpec] = {}
        if self.service is not None:
            found[None] = self.service
        found.update(self.services)
        return found

    @rule("container", "deployment")
    def _workload(self) -> Iterator[Problem]:
        return workload_rules(self.container, self.deployment)

    @rule("container", "service")
    def _service_ports(self) -> Iterator[Problem]:
        if self.service is not None:
            yield from service_port_rules(self.service, self.container)

    @rule("annotations", "service")
    def _service_annotations_fit(self) -> Iterator[Problem]:
        if self.service is not None:
            yield from service_annotation_rules(self.annotations, self.service)

    @rule("container", "service", "services", "annotations")
    def _more_services(self) -> Iterator[Problem]:
        return more_service_rules(self.service, self.services, self.container, self.annotations)

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
        yield from service_port_rules(service, container, path)
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


def workload_rules(container: Container, deployment: DeploymentSpec) -> Iterator[Problem]:
    """Rules between the container and how it is scaled."""
    scaling = deployment.autoscaling
    if scaling is None:
        return
    if scaling.cpu_utilization is not None and container.resources.cpu_request is None:
        yield Problem(
            "container.resources.cpu_request",
            None,
            "must be set when deployment.autoscaling.cpu_utilization is "
            "(utilization is a percentage of the request)",
        )
    if scaling.memory_utilization is not None and container.resources.memory_request is None:
        yield Problem(
            "container.resources.memory_request",
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
    service: ServiceSpec, container: Container, path: str = "service"
) -> Iterator[Problem]:
    """A Service must only send traffic to ports the container really exposes."""
    if not service.ports:
        if not container.ports and not service.headless:
            yield Problem(
                f"{path}.ports",
                (),
                "must not be empty: give the container a port, list Service ports, "
                "or make the Service headless",
            )
        return
    by_name = {p.name: p for p in container.ports if p.name is not None}
    by_number = {(p.port, p.protocol) for p in container.ports}
    exposed = ", ".join(f"{p.name or p.port}/{p.protocol}" for p in container.ports) or "none"
    for i, port in enumerate(service.ports):
        target = port.port if port.target_port is None else port.target_port
        if isinstance(target, str):
            if target not in by_name:
                yield Problem(
                    f"{path}.ports[{i}].target_port",
                    target,
                    f"is not the name of a container port (container exposes: {exposed})",
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
                f"is not a port the container exposes over {port.protocol} "
                f"(container exposes: {exposed})",
            )
