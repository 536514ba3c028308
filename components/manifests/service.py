"""The Service: ports from the container unless given, and every Service option."""

from __future__ import annotations

from components import labels
from components.inputs.container import Container
from components.inputs.service import TOPOLOGY_MODE_ANNOTATION, ServicePort, ServiceSpec
from components.manifests.meta import Manifest


def service_ports(service: ServiceSpec, container: Container | None) -> list[ServicePort]:
    """The Service's ports: explicit ones, else one per container port (by name if named)."""
    if service.ports or container is None:
        return list(service.ports)
    return [
        ServicePort(port=p.port, target_port=p.name or p.port, name=p.name, protocol=p.protocol)
        for p in container.ports
    ]


def readiness_annotations(service_type: str) -> dict[str, str]:
    """How a Service is awaited when the component awaits its pods' Deployments.

    The provider's Service await waits 10 s after every change to the Service's
    Endpoints before it reports the Service ready (pulumi-kubernetes 4.25
    ``await/service.go``, the "settled" timer): on a first deployment that is 10 s on
    top of the rollout, for no guarantee the rollout await does not already give (the
    pods are ready; the selector is built from the same identity as the pod labels).
    A LoadBalancer is still awaited for its address, which only the Service shows.
    docs/performance.md, "Awaits", records each decision.
    """
    if service_type == "LoadBalancer":
        return {labels.WAIT_FOR: labels.LOAD_BALANCER_ADDRESS}
    return {labels.SKIP_AWAIT: "true"}


def build_service(
    *,
    metadata: Manifest,
    service: ServiceSpec,
    container: Container | None,
    selector: dict[str, str] | None,
    pods_awaited: bool = False,
) -> Manifest:
    """A Service; ``selector`` None makes it selector-less (endpoints managed elsewhere).

    ``pods_awaited``: the caller awaits the rollout of every Deployment whose pods the
    selector matches, so the Service itself is not awaited for endpoints (the user's own
    ``pulumi.com/*`` annotations still win).
    """
    meta = dict(metadata)
    meta["labels"] = {**metadata.get("labels", {}), **service.labels}
    awaits = readiness_annotations(service.type) if pods_awaited else {}
    annotations = {**metadata.get("annotations", {}), **awaits, **service.annotations}
    if service.topology_mode is not None:
        annotations[TOPOLOGY_MODE_ANNOTATION] = service.topology_mode
    if annotations:
        meta["annotations"] = annotations
    spec: Manifest = {"type": service.type}
    if selector is not None:
        spec["selector"] = dict(selector)
    if service.headless:
        spec["clusterIP"] = "None"
    ports = []
    for p in service_ports(service, container):
        port: Manifest = {"port": p.port, "protocol": p.protocol}
        port["targetPort"] = p.port if p.target_port is None else p.target_port
        if p.name:
            port["name"] = p.name
        if p.node_port is not None:
            port["nodePort"] = p.node_port
        ports.append(port)
    if ports:
        spec["ports"] = ports
    spec["sessionAffinity"] = service.session_affinity
    timeout = service.affinity_timeout
    if timeout is not None:
        spec["sessionAffinityConfig"] = {"clientIP": {"timeoutSeconds": timeout}}
    optional = {
        "externalTrafficPolicy": service.external_traffic_policy,
        "healthCheckNodePort": service.health_check_node_port,
        "internalTrafficPolicy": service.internal_traffic_policy,
        "trafficDistribution": service.traffic_distribution,
        "loadBalancerClass": service.load_balancer_class,
    }
    spec.update({k: v for k, v in optional.items() if v is not None})
    if service.ip_family_policy is not None:
        spec["ipFamilyPolicy"] = service.ip_family_policy
    if service.ip_families:
        spec["ipFamilies"] = list(service.ip_families)
    if service.allocate_load_balancer_node_ports is not None:
        spec["allocateLoadBalancerNodePorts"] = service.allocate_load_balancer_node_ports
    if service.publish_not_ready_addresses:
        spec["publishNotReadyAddresses"] = True
    if service.load_balancer_source_ranges:
        spec["loadBalancerSourceRanges"] = list(service.load_balancer_source_ranges)
    if service.external_ips:
        spec["externalIPs"] = list(service.external_ips)
    return {"apiVersion": "v1", "kind": "Service", "metadata": meta, "spec": spec}
