"""WebAppArgs: one container, run by a Deployment, reached through a Service."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from components.errors import Problem
from components.inputs import rules
from components.inputs.app import AppArgs, annotation_rules
from components.inputs.base import field, from_mapping, instance_of, nested, rule, spec, validate
from components.inputs.container import Container
from components.inputs.deployment import DeploymentSpec
from components.inputs.pod import PodSpec, pod_rules
from components.inputs.service import ServiceSpec


@spec
class WebAppArgs(AppArgs):
    """Everything a WebApp needs; invalid input raises :class:`SpecError` right here.

    ``service=None`` runs the Deployment without a Service (a worker).
    """

    container: Container = nested(Container)
    deployment: DeploymentSpec = nested(factory=DeploymentSpec)
    service: ServiceSpec | None = field(
        factory=ServiceSpec,
        converter=from_mapping(ServiceSpec),
        checks=[rules.optional(instance_of(ServiceSpec, what="a ServiceSpec"))],
    )
    pod: PodSpec = nested(factory=PodSpec)

    def __attrs_post_init__(self) -> None:
        validate(self)

    @rule("container", "deployment")
    def _workload(self) -> Iterator[Problem]:
        return workload_rules(self.container, self.deployment)

    @rule("pod", "container", "deployment", "annotations")
    def _pod(self) -> Iterator[Problem]:
        return pod_rules(self.pod, self.container, self.deployment, self.annotations)

    @rule("container", "service")
    def _service_ports(self) -> Iterator[Problem]:
        if self.service is not None:
            yield from service_port_rules(self.service, self.container)

    @rule("annotations", "service")
    def _service_annotations_fit(self) -> Iterator[Problem]:
        if self.service is not None:
            yield from service_annotation_rules(self.annotations, self.service)


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
    annotations: Mapping[str, str], service: ServiceSpec
) -> Iterator[Problem]:
    """The Service carries the component's annotations and its own (reported once: not
    when the component's alone are already too many)."""
    if service.annotations and not any(annotation_rules(annotations)):
        yield from annotation_rules(annotations, service.annotations, "service.annotations")


def service_port_rules(service: ServiceSpec, container: Container) -> Iterator[Problem]:
    """A Service must only send traffic to ports the container really exposes."""
    if not service.ports:
        if not container.ports and not service.headless:
            yield Problem(
                "service.ports",
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
                    f"service.ports[{i}].target_port",
                    target,
                    f"is not the name of a container port (container exposes: {exposed})",
                )
            elif by_name[target].protocol != port.protocol:
                yield Problem(
                    f"service.ports[{i}].protocol",
                    port.protocol,
                    f"differs from container port {target!r} ({by_name[target].protocol})",
                )
        elif (target, port.protocol) not in by_number:
            yield Problem(
                f"service.ports[{i}].target_port",
                target,
                f"is not a port the container exposes over {port.protocol} "
                f"(container exposes: {exposed})",
            )
