"""NetworkPolicySpec: a default-deny NetworkPolicy for an app's pods, and what it allows.

Written in Berth's terms: the apps (WebApp or CanaryService objects, or their selectors),
the namespaces, the ExternalDatabases and the CIDRs an app talks to. Everything is a plain
value by the time it is stored here: a component given as a peer is turned into its pod
selector, namespace and ports when the spec is made, so the manifests stay pure.

NetworkPolicy never applies to the kubelet's probes (they come from the node, not from a
pod), so no policy written here can block an app's own readiness or liveness probes.
"""

from __future__ import annotations

import ipaddress
import typing
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

from components import labels
from components.errors import Problem, stand_in
from components.inputs import rules
from components.inputs.base import (
    Spec,
    each,
    field,
    from_mapping,
    instance_of,
    mapping_of,
    rule,
    spec,
    to_dict,
    to_tuple,
    tuple_of,
)
from components.inputs.container import PROTOCOLS, Container, ContainerPort, Protocol

if TYPE_CHECKING:
    from components.inputs.database import ExternalDatabaseArgs

DNS_PORT = 53


def _port_value(value: object) -> str | None:
    if isinstance(value, str):
        return rules.port_name(value)
    return rules.port_number(value)


@spec
class PolicyPort(Spec):
    """A port traffic is allowed to: a number (``end_port`` makes it a range) or a name
    of a container port of the receiving pods."""

    port: int | str = field(checks=[_port_value])
    protocol: Protocol = field(default="TCP", checks=[rules.one_of(*PROTOCOLS)])
    end_port: int | None = field(default=None, checks=[rules.optional(rules.port_number)])

    @rule("port", "end_port")
    def _range(self) -> Iterator[Problem]:
        if self.end_port is None:
            return
        if isinstance(self.port, str):
            yield Problem("end_port", self.end_port, "needs a port number, not a port name")
        elif self.end_port < self.port:
            yield Problem("end_port", self.end_port, f"is less than port ({self.port})")

    def covers(self, port: ContainerPort) -> bool:
        if self.protocol != port.protocol:
            return False
        if isinstance(self.port, str):
            return self.port == port.name
        return self.port <= port.port <= (self.end_port or self.port)


def ports_of(container: Container, sidecars: Sequence[Container] = ()) -> tuple[PolicyPort, ...]:
    """The ports the app's pods receive on (the app container's and its sidecars': a
    sidecar proxy may be what a Service targets), as policy ports (by name where named)."""
    return tuple(
        PolicyPort(port=p.name if p.name is not None else p.port, protocol=p.protocol)
        for c in (container, *sidecars)
        for p in c.ports
    )


def _selector(value: object) -> rules.Found:
    found = mapping_of(rules.label_key, rules.label_value)(value)
    if found:
        return found
    if not value:
        return "is empty: it would select every pod (give the app's labels)"
    return None


@spec
class AppPeer(Spec):
    """Another app's pods: its pod ``selector`` and ``namespace`` (None: the namespace of
    the app this policy is for). ``ports`` are the ports its pods receive on, when known
    (a WebApp or CanaryService given as a peer fills them in); then a rule that names
    other ports is an error."""

    selector: Mapping[str, str] = field(converter=to_dict, checks=[_selector])
    namespace: str | None = field(default=None, checks=[rules.optional(rules.dns1123_label)])
    ports: Sequence[PolicyPort] = field(
        default=(),
        converter=tuple_of(PolicyPort, port="port"),
        checks=[each(instance_of(PolicyPort, what="a PolicyPort"))],
    )
    # Set when the peer was given as a component: its namespace was stated by the
    # component (None there means "the provider's default", not "this app's").
    from_component: bool = field(default=False, checks=[instance_of(bool, what="a boolean")])


class HasAppPeer(typing.Protocol):
    """A component whose pods can be a peer (WebApp, CanaryService)."""

    @property
    def network_peer(self) -> AppPeer: ...


def to_app_peer(value: Any) -> Any:
    """A peer as a user gives it: an :class:`AppPeer`, a WebApp or CanaryService (anything
    with a ``network_peer``), a mapping of AppPeer's settings, or (from stack config) an
    app's name, meaning the pods labelled ``app.kubernetes.io/name: <name>``."""
    peer = getattr(value, "network_peer", None)
    if isinstance(peer, AppPeer):
        return peer
    if isinstance(value, str):
        return AppPeer(selector={labels.NAME: value})
    return from_mapping(AppPeer)(value)


def _peers(value: Any) -> Any:
    return tuple(to_app_peer(v) for v in value) if isinstance(value, list | tuple) else value


@spec
class NamespacePeer(Spec):
    """Every pod of a namespace, by ``name`` (its ``kubernetes.io/metadata.name`` label,
    which the API server sets on every namespace) or by its ``labels``; give one."""

    name: str | None = field(default=None, checks=[rules.optional(rules.dns1123_label)])
    labels: Mapping[str, str] = field(
        factory=dict, converter=to_dict, checks=[mapping_of(rules.label_key, rules.label_value)]
    )

    @rule("name", "labels")
    def _one(self) -> Iterator[Problem]:
        if self.name is None and not self.labels:
            yield Problem("name", None, "or labels must be set (which namespaces)")
        elif self.name is not None and self.labels:
            yield Problem("labels", self.labels, "cannot be set together with name (give one)")

    def selector(self) -> dict[str, str]:
        return {labels.NAMESPACE_NAME: self.name} if self.name is not None else dict(self.labels)


def _namespaces(value: Any) -> Any:
    if not isinstance(value, list | tuple):
        return value
    return tuple(NamespacePeer(name=v) if isinstance(v, str) else v for v in value)


def _to_namespaces(value: Any) -> Any:
    return tuple_of(NamespacePeer)(_namespaces(value))


@spec
class CidrPeer(Spec):
    """Addresses outside the cluster (or pod IPs, which change: prefer apps): a CIDR and
    ranges inside it that stay denied."""

    cidr: str = field(checks=[rules.cidr])
    excluding: Sequence[str] = field(default=(), converter=to_tuple, checks=[each(rules.cidr)])

    @rule("cidr", "excluding")
    def _inside(self) -> Iterator[Problem]:
        outer = ipaddress.ip_network(self.cidr)
        for i, item in enumerate(self.excluding):
            inner = ipaddress.ip_network(item)
            if inner.version != outer.version or not inner.subnet_of(outer):  # type: ignore[arg-type]
                yield Problem(f"excluding[{i}]", item, f"is not a range inside cidr ({self.cidr})")
            elif inner == outer:
                yield Problem(f"excluding[{i}]", item, "is the whole cidr (nothing is allowed)")


def _cidrs(value: Any) -> Any:
    if not isinstance(value, list | tuple):
        return value
    return tuple_of(CidrPeer)(tuple(CidrPeer(cidr=v) if isinstance(v, str) else v for v in value))


_APPS = [each(instance_of(AppPeer, what="an AppPeer, a WebApp or a CanaryService"))]
_NAMESPACES = [each(instance_of(NamespacePeer, what="a NamespacePeer or a namespace name"))]
_CIDRS = [each(instance_of(CidrPeer, what="a CidrPeer or a CIDR"))]
_PORTS = [rules.optional(each(instance_of(PolicyPort, what="a PolicyPort")))]


def _optional_ports(value: Any) -> Any:
    if not isinstance(value, list | tuple):
        return value
    return tuple_of(PolicyPort, port="port")(value)


@spec
class IngressRule(Spec):
    """Traffic the app's pods accept: from any of these apps, namespaces or CIDRs, on
    ``ports`` (None: every port the app's container exposes)."""

    apps: Sequence[AppPeer | HasAppPeer] = field(default=(), converter=_peers, checks=_APPS)
    namespaces: Sequence[NamespacePeer | str] = field(
        default=(), converter=_to_namespaces, checks=_NAMESPACES
    )
    cidrs: Sequence[CidrPeer | str] = field(default=(), converter=_cidrs, checks=_CIDRS)
    ports: Sequence[PolicyPort | int | str] | None = field(
        default=None, converter=_optional_ports, checks=_PORTS
    )

    # The settings as stored: the converters turned every item into its spec class.
    @property
    def app_peers(self) -> tuple[AppPeer, ...]:
        return cast(tuple[AppPeer, ...], self.apps)

    @property
    def namespace_peers(self) -> tuple[NamespacePeer, ...]:
        return cast(tuple[NamespacePeer, ...], self.namespaces)

    @property
    def cidr_peers(self) -> tuple[CidrPeer, ...]:
        return cast(tuple[CidrPeer, ...], self.cidrs)

    @property
    def policy_ports(self) -> tuple[PolicyPort, ...] | None:
        return cast(tuple[PolicyPort, ...] | None, self.ports)

    @rule("apps", "namespaces", "cidrs")
    def _some_peer(self) -> Iterator[Problem]:
        yield from _some_peer(self.apps, self.namespaces, self.cidrs, "from")


@spec
class EgressRule(Spec):
    """Traffic the app's pods may send: to any of these apps, namespaces or CIDRs, on
    ``ports`` (None: the ports the apps given as components receive on, else every port)."""

    apps: Sequence[AppPeer | HasAppPeer] = field(default=(), converter=_peers, checks=_APPS)
    namespaces: Sequence[NamespacePeer | str] = field(
        default=(), converter=_to_namespaces, checks=_NAMESPACES
    )
    cidrs: Sequence[CidrPeer | str] = field(default=(), converter=_cidrs, checks=_CIDRS)
    ports: Sequence[PolicyPort | int | str] | None = field(
        default=None, converter=_optional_ports, checks=_PORTS
    )

    # The settings as stored: the converters turned every item into its spec class.
    @property
    def app_peers(self) -> tuple[AppPeer, ...]:
        return cast(tuple[AppPeer, ...], self.apps)

    @property
    def namespace_peers(self) -> tuple[NamespacePeer, ...]:
        return cast(tuple[NamespacePeer, ...], self.namespaces)

    @property
    def cidr_peers(self) -> tuple[CidrPeer, ...]:
        return cast(tuple[CidrPeer, ...], self.cidrs)

    @property
    def policy_ports(self) -> tuple[PolicyPort, ...] | None:
        return cast(tuple[PolicyPort, ...] | None, self.ports)

    @rule("apps", "namespaces", "cidrs")
    def _some_peer(self) -> Iterator[Problem]:
        yield from _some_peer(self.apps, self.namespaces, self.cidrs, "to")


def _some_peer(
    apps: Sequence[Any], namespaces: Sequence[Any], cidrs: Sequence[Any], way: str
) -> Iterator[Problem]:
    if not (apps or namespaces or cidrs):
        yield Problem(
            "apps",
            (),
            f"is empty, as are namespaces and cidrs: say where traffic may come {way} "
            "(a rule without peers would allow every address)",
        )


@spec
class DatabasePeer(Spec):
    """An ExternalDatabase as a destination: its IP ``addresses`` (none for a DNS host)
    and the ``port`` it listens on."""

    port: int = field(checks=[rules.port_number])
    addresses: Sequence[str] = field(
        default=(), converter=to_tuple, checks=[each(rules.unicast_ip)]
    )


class HasDatabasePeer(typing.Protocol):
    """A component that is a database destination (ExternalDatabase)."""

    @property
    def network_peer(self) -> DatabasePeer: ...


def to_database_peer(value: Any) -> Any:
    """An ExternalDatabase component, its ExternalDatabaseArgs, a DatabasePeer or a mapping."""
    # Imported here: a program without databases does not load their module.
    from components.inputs.database import ExternalDatabaseArgs

    peer = getattr(value, "network_peer", None)
    if isinstance(peer, DatabasePeer):
        return peer
    if isinstance(value, ExternalDatabaseArgs):
        return DatabasePeer(port=value.target_port, addresses=value.addresses)
    return from_mapping(DatabasePeer)(value)


def _databases(value: Any) -> Any:
    return tuple(to_database_peer(v) for v in value) if isinstance(value, list | tuple) else value


@spec
class NetworkPolicySpec(Spec):
    """A NetworkPolicy that selects the app's pods (both tracks of a CanaryService) and
    denies all traffic in and out except what is listed.

    ``allow_from`` and ``allow_to`` are rules of peers and ports; ``databases`` are
    ExternalDatabases the app connects to; ``dns`` allows lookups from the cluster DNS
    (kube-system's kube-dns/CoreDNS pods, port 53 UDP and TCP); ``restrict_egress``
    False leaves outgoing traffic open (the policy then covers ingress only).
    """

    allow_from: Sequence[IngressRule] = field(
        default=(),
        converter=tuple_of(IngressRule),
        checks=[each(instance_of(IngressRule, what="an IngressRule"))],
    )
    allow_to: Sequence[EgressRule] = field(
        default=(),
        converter=tuple_of(EgressRule),
        checks=[each(instance_of(EgressRule, what="an EgressRule"))],
    )
    databases: Sequence[DatabasePeer | ExternalDatabaseArgs | HasDatabasePeer] = field(
        default=(),
        converter=_databases,
        checks=[each(instance_of(DatabasePeer, what="an ExternalDatabase or a DatabasePeer"))],
    )
    dns: bool = field(default=True, checks=[instance_of(bool, what="a boolean")])
    restrict_egress: bool = field(default=True, checks=[instance_of(bool, what="a boolean")])

    @property
    def database_peers(self) -> tuple[DatabasePeer, ...]:
        return cast(tuple[DatabasePeer, ...], self.databases)

    @rule("restrict_egress", "allow_to", "databases")
    def _egress_open(self) -> Iterator[Problem]:
        if not self.restrict_egress:
            if self.allow_to:
                yield Problem(
                    "allow_to",
                    stand_in(f"{len(self.allow_to)} rule(s)"),
                    "have no effect with restrict_egress False (all egress is open)",
                )
            if self.databases:
                yield Problem(
                    "databases",
                    stand_in(f"{len(self.databases)} database(s)"),
                    "have no effect with restrict_egress False (all egress is open)",
                )


def network_policy_rules(
    policy: NetworkPolicySpec,
    container: Container,
    namespace: str | None,
    sidecars: Sequence[Container] = (),
) -> Iterator[Problem]:
    """Rules between a policy and the app it is for (its containers' ports, its namespace)."""
    exposed = [p for c in (container, *sidecars) for p in c.ports]
    shown = ", ".join(f"{p.name or p.port}/{p.protocol}" for p in exposed) or "none"
    for i, ingress in enumerate(policy.allow_from):
        at = f"network_policy.allow_from[{i}]"
        yield from _namespaced(ingress.app_peers, namespace, f"{at}.apps")
        for j, port in enumerate(ingress.policy_ports or ()):
            if exposed and not any(port.covers(p) for p in exposed):
                yield Problem(
                    f"{at}.ports[{j}]",
                    port.port,
                    f"is not a port the container exposes over {port.protocol} "
                    f"(container exposes: {shown})",
                )
        if ingress.ports is not None and not ingress.ports:
            yield Problem(f"{at}.ports", (), "is empty (None allows the container's ports)")
    for i, egress in enumerate(policy.allow_to):
        at = f"network_policy.allow_to[{i}]"
        yield from _namespaced(egress.app_peers, namespace, f"{at}.apps")
        if egress.ports is not None and not egress.ports:
            yield Problem(f"{at}.ports", (), "is empty (None allows the apps' ports)")
        for j, port in enumerate(egress.policy_ports or ()):
            for k, peer in enumerate(egress.app_peers):
                if peer.ports and not any(_same(port, p) for p in peer.ports):
                    their = ", ".join(f"{p.port}/{p.protocol}" for p in peer.ports)
                    yield Problem(
                        f"{at}.ports[{j}]",
                        port.port,
                        f"is not a port apps[{k}] receives on (it exposes: {their})",
                    )


def _same(port: PolicyPort, exposed: PolicyPort) -> bool:
    if port.protocol != exposed.protocol:
        return False
    if isinstance(port.port, str) or isinstance(exposed.port, str):
        return port.port == exposed.port
    return port.port <= exposed.port <= (port.end_port or port.port)


def _namespaced(peers: Sequence[AppPeer], namespace: str | None, at: str) -> Iterator[Problem]:
    """A component peer in another namespace than the app's must state it: the policy
    would otherwise look for its pods in the app's own namespace and find none."""
    for k, peer in enumerate(peers):
        if peer.from_component and peer.namespace is None and namespace is not None:
            yield Problem(
                f"{at}[{k}].namespace",
                None,
                f"must be set: the app is in namespace {namespace!r} and this peer names "
                "none (give the peer component a namespace, or an AppPeer with one)",
            )
