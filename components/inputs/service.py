"""How clients reach the pods: every kind of Service Kubernetes offers."""

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
    rule,
    spec,
    to_dict,
    to_tuple,
    tuple_of,
)
from components.inputs.container import PROTOCOLS, Protocol

ServiceType = Literal["ClusterIP", "NodePort", "LoadBalancer"]
TrafficDistribution = Literal["PreferClose", "PreferSameZone", "PreferSameNode"]
IpFamilyPolicy = Literal["SingleStack", "PreferDualStack", "RequireDualStack"]
IpFamily = Literal["IPv4", "IPv6"]
IP_FAMILY_POLICIES = ("SingleStack", "PreferDualStack", "RequireDualStack")
IP_FAMILIES = ("IPv4", "IPv6")
TOPOLOGY_MODE_ANNOTATION = "service.kubernetes.io/topology-mode"
# The annotation topology-mode replaced; both present must agree.
TOPOLOGY_HINTS_ANNOTATION = "service.kubernetes.io/topology-aware-hints"


@spec
class ServicePort(Spec):
    """A port of the Service. ``target_port`` names or numbers a port the container exposes."""

    port: int = field(checks=[rules.port_number])
    target_port: int | str | None = field(default=None)
    name: str | None = field(default=None, checks=[rules.optional(rules.dns1123_label)])
    protocol: Protocol = field(default="TCP", checks=[rules.one_of(*PROTOCOLS)])
    node_port: int | None = field(default=None, checks=[rules.optional(rules.port_number)])

    @rule("target_port")
    def _target_port(self) -> Iterator[Problem]:
        target = self.target_port
        if target is not None and not (
            (rules.is_int(target) and rules.port_number(target) is None)
            or (isinstance(target, str) and rules.port_name(target) is None)
        ):
            yield Problem("target_port", target, "is not a port number (1..65535) or a port name")


def _node_port_range(value: object) -> str | None:
    if (
        isinstance(value, tuple)
        and len(value) == 2
        and all(rules.is_int(v) and 1 <= v <= 65535 for v in value)
        and value[0] <= value[1]
    ):
        return None
    return "is not a (first, last) port range such as (30000, 32767)"


@spec
class ServiceSpec(Spec):
    """The Service in front of the pods. ``ports`` default to the container's ports."""

    type: ServiceType = field(
        default="ClusterIP", checks=[rules.one_of("ClusterIP", "NodePort", "LoadBalancer")]
    )
    headless: bool = field(default=False, checks=[instance_of(bool, what="a boolean")])
    ports: Sequence[ServicePort] = field(
        default=(),
        converter=tuple_of(ServicePort, port="port"),
        checks=[each(instance_of(ServicePort, what="a ServicePort"))],
    )
    session_affinity: Literal["None", "ClientIP"] = field(
        default="None", checks=[rules.one_of("None", "ClientIP")]
    )
    session_affinity_timeout: int | None = field(
        default=None, checks=[rules.optional(rules.within(1, 86400))]
    )
    external_traffic_policy: Literal["Cluster", "Local"] | None = field(
        default=None, checks=[rules.optional(rules.one_of("Cluster", "Local"))]
    )
    health_check_node_port: int | None = field(
        default=None, checks=[rules.optional(rules.port_number)]
    )
    internal_traffic_policy: Literal["Cluster", "Local"] | None = field(
        default=None, checks=[rules.optional(rules.one_of("Cluster", "Local"))]
    )
    traffic_distribution: TrafficDistribution | None = field(
        default=None,
        checks=[rules.optional(rules.one_of("PreferClose", "PreferSameZone", "PreferSameNode"))],
    )
    topology_mode: Literal["Auto"] | None = field(
        default=None, checks=[rules.optional(rules.one_of("Auto"))]
    )
    publish_not_ready_addresses: bool = field(
        default=False, checks=[instance_of(bool, what="a boolean")]
    )
    load_balancer_class: str | None = field(default=None, checks=[rules.optional(rules.label_key)])
    load_balancer_source_ranges: Sequence[str] = field(
        default=(), converter=to_tuple, checks=[each(rules.source_range)]
    )
    external_ips: Sequence[str] = field(
        default=(), converter=to_tuple, checks=[each(rules.unicast_ip)]
    )
    labels: Mapping[str, str] = field(
        factory=dict, converter=to_dict, checks=[mapping_of(rules.label_key, rules.label_value)]
    )
    annotations: Mapping[str, str] = field(
        factory=dict,
        converter=to_dict,
        checks=[mapping_of(rules.label_key, instance_of(str, what="a string"))],
    )
    # Dual stack: None leaves both to the cluster (SingleStack, its primary family).
    ip_family_policy: IpFamilyPolicy | None = field(
        default=None, checks=[rules.optional(rules.one_of(*IP_FAMILY_POLICIES))]
    )
    ip_families: Sequence[IpFamily] = field(
        default=(), converter=to_tuple, checks=[each(rules.one_of(*IP_FAMILIES))]
    )
    allocate_load_balancer_node_ports: bool | None = field(
        default=None, checks=[rules.optional(instance_of(bool, what="a boolean"))]
    )
    # The cluster's --service-node-port-range, so a fixed nodePort is checked against it.
    node_port_range: tuple[int, int] = field(
        default=defaults.NODE_PORT_RANGE, converter=to_tuple, checks=[_node_port_range]
    )

    @property
    def affinity_timeout(self) -> int | None:
        if self.session_affinity != "ClientIP":
            return None
        if self.session_affinity_timeout is None:
            return defaults.SESSION_AFFINITY_TIMEOUT
        return self.session_affinity_timeout

    @rule("type", "headless")
    def _headless(self) -> Iterator[Problem]:
        if self.headless and self.type in ("NodePort", "LoadBalancer"):
            yield Problem("headless", True, f"cannot be combined with type {self.type!r}")

    @rule("session_affinity", "session_affinity_timeout")
    def _affinity_timeout(self) -> Iterator[Problem]:
        if self.session_affinity_timeout is not None and self.session_affinity != "ClientIP":
            yield Problem(
                "session_affinity_timeout",
                self.session_affinity_timeout,
                "applies only to session_affinity 'ClientIP'",
            )

    @rule("type", "external_traffic_policy", "external_ips")
    def _external_policy(self) -> Iterator[Problem]:
        kind = self.type
        if (
            self.external_traffic_policy is not None
            and kind not in ("NodePort", "LoadBalancer")
            and not (kind == "ClusterIP" and self.external_ips)
        ):
            yield Problem(
                "external_traffic_policy",
                self.external_traffic_policy,
                f"applies only to NodePort and LoadBalancer Services (this one is {kind!r}): "
                "ClusterIP traffic never comes from outside the cluster",
            )

    @rule("type", "external_traffic_policy", "health_check_node_port")
    def _health_check_port(self) -> Iterator[Problem]:
        if self.health_check_node_port is not None and not (
            self.type == "LoadBalancer" and self.external_traffic_policy == "Local"
        ):
            yield Problem(
                "health_check_node_port",
                self.health_check_node_port,
                "applies only to a LoadBalancer with external_traffic_policy 'Local'",
            )

    @rule("type", "load_balancer_source_ranges", "load_balancer_class")
    def _load_balancer_only(self) -> Iterator[Problem]:
        if self.type != "LoadBalancer":
            if self.load_balancer_source_ranges:
                yield Problem(
                    "load_balancer_source_ranges",
                    self.load_balancer_source_ranges,
                    "applies only to type 'LoadBalancer'",
                )
            if self.load_balancer_class is not None:
                yield Problem(
                    "load_balancer_class",
                    self.load_balancer_class,
                    "applies only to type 'LoadBalancer'",
                )

    @rule("ip_family_policy", "ip_families")
    def _ip_families(self) -> Iterator[Problem]:
        # The API server's rules (pkg/registry/core/service/ipallocator, validation):
        # a family at most once, at most two, and two only with a dual-stack policy
        # (no policy means SingleStack). RequireDualStack with one family is valid:
        # the server adds the other one.
        for family in rules.duplicates(self.ip_families):
            yield Problem("ip_families", family, "is listed more than once")
        if len(self.ip_families) > 2:
            yield Problem("ip_families", self.ip_families, "lists more than two IP families")
        elif len(set(self.ip_families)) == 2 and self.ip_family_policy in (None, "SingleStack"):
            yield Problem(
                "ip_family_policy",
                self.ip_family_policy,
                "must be 'RequireDualStack' or 'PreferDualStack' when two ip_families are given",
            )

    @rule("type", "allocate_load_balancer_node_ports")
    def _node_port_allocation(self) -> Iterator[Problem]:
        if self.allocate_load_balancer_node_ports is not None and self.type != "LoadBalancer":
            yield Problem(
                "allocate_load_balancer_node_ports",
                self.allocate_load_balancer_node_ports,
                "applies only to type 'LoadBalancer'",
            )

    @rule("publish_not_ready_addresses", "headless")
    def _not_ready_addresses(self) -> Iterator[Problem]:
        if self.publish_not_ready_addresses and not self.headless:
            yield Problem(
                "publish_not_ready_addresses",
                True,
                "is meant for headless Services (peers discovering each other before ready); "
                "on a normal Service it sends traffic to pods that are not ready",
            )

    @rule("annotations", "topology_mode")
    def _topology_annotations(self) -> Iterator[Problem]:
        hints = self.annotations.get(TOPOLOGY_HINTS_ANNOTATION)
        if self.topology_mode is not None and hints is not None and hints != self.topology_mode:
            yield Problem(
                f"annotations[{TOPOLOGY_HINTS_ANNOTATION!r}]",
                hints,
                f"disagrees with topology_mode ({self.topology_mode!r})",
            )
        if TOPOLOGY_MODE_ANNOTATION in self.annotations:
            yield Problem(
                f"annotations[{TOPOLOGY_MODE_ANNOTATION!r}]",
                self.annotations[TOPOLOGY_MODE_ANNOTATION],
                "is set through topology_mode",
            )

    @rule("topology_mode", "traffic_distribution")
    def _one_routing_mechanism(self) -> Iterator[Problem]:
        if self.topology_mode is not None and self.traffic_distribution is not None:
            yield Problem(
                "topology_mode",
                self.topology_mode,
                "cannot be combined with traffic_distribution (choose one routing mechanism)",
            )

    @rule("ports", "node_port_range", "type")
    def _ports(self) -> Iterator[Problem]:
        return self._port_rules(self.type in ("NodePort", "LoadBalancer"))

    def _port_rules(self, exposed: bool) -> Iterator[Problem]:
        if len(self.ports) > 1:
            for i, port in enumerate(self.ports):
                if port.name is None:
                    yield Problem(
                        f"ports[{i}].name", None, "must be set when the Service has several ports"
                    )
        for name in rules.duplicates(p.name for p in self.ports if p.name is not None):
            yield Problem("ports", name, "is used as the name of more than one port")
        for key in rules.duplicates((p.port, p.protocol) for p in self.ports):
            yield Problem("ports", key, "is used by more than one port (port, protocol)")
        fixed = [(p.node_port, p.protocol) for p in self.ports if p.node_port is not None]
        for key in rules.duplicates(fixed):
            yield Problem("ports", key, "is used by more than one node port (node_port, protocol)")
        low, high = self.node_port_range
        for i, port in enumerate(self.ports):
            if port.node_port is None:
                continue
            if not exposed:
                yield Problem(
                    f"ports[{i}].node_port",
                    port.node_port,
                    "applies only to NodePort and LoadBalancer Services",
                )
            elif not low <= port.node_port <= high:
                yield Problem(
                    f"ports[{i}].node_port",
                    port.node_port,
                    f"is not within the cluster's node port range {low}..{high}",
                )
