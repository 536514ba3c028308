"""NetworkPolicySpec → a networking.k8s.io/v1 NetworkPolicy for one app's pods."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from components import defaults, labels
from components.inputs.container import Container
from components.inputs.network_policy import (
    DNS_PORT,
    AppPeer,
    CidrPeer,
    DatabasePeer,
    EgressRule,
    IngressRule,
    NamespacePeer,
    NetworkPolicySpec,
    PolicyPort,
    ports_of,
)
from components.manifests.meta import Manifest


def _ports(ports: Sequence[PolicyPort]) -> list[Manifest]:
    out: list[Manifest] = []
    for port in ports:
        item: Manifest = {"port": port.port, "protocol": port.protocol}
        if port.end_port is not None:
            item["endPort"] = port.end_port
        out.append(item)
    return out


def _namespace_selector(name: str) -> Manifest:
    return {"matchLabels": {labels.NAMESPACE_NAME: name}}


def _app_peer(peer: AppPeer, namespace: str | None) -> Manifest:
    found: Manifest = {"podSelector": {"matchLabels": dict(peer.selector)}}
    # Without a namespaceSelector a podSelector looks in the policy's own namespace.
    if peer.namespace is not None and peer.namespace != namespace:
        found["namespaceSelector"] = _namespace_selector(peer.namespace)
    return found


def _namespace_peer(peer: NamespacePeer) -> Manifest:
    return {"namespaceSelector": {"matchLabels": peer.selector()}}


def _cidr_peer(peer: CidrPeer) -> Manifest:
    block: Manifest = {"cidr": peer.cidr}
    if peer.excluding:
        block["except"] = list(peer.excluding)
    return {"ipBlock": block}


def _peers(
    apps: Sequence[AppPeer],
    namespaces: Sequence[NamespacePeer],
    cidrs: Sequence[CidrPeer],
    namespace: str | None,
) -> list[Manifest]:
    return [
        *(_app_peer(p, namespace) for p in apps),
        *(_namespace_peer(p) for p in namespaces),
        *(_cidr_peer(p) for p in cidrs),
    ]


def _with_ports(rule: Manifest, ports: Sequence[PolicyPort]) -> Manifest:
    # A rule without ports allows every port (of the peers it names).
    if ports:
        rule["ports"] = _ports(ports)
    return rule


def _ingress(
    rule: IngressRule, container: Container, sidecars: Sequence[Container], namespace: str | None
) -> Manifest:
    ports = ports_of(container, sidecars) if rule.policy_ports is None else rule.policy_ports
    peers = _peers(rule.app_peers, rule.namespace_peers, rule.cidr_peers, namespace)
    return _with_ports({"from": peers}, ports)


def egress_ports(rule: EgressRule) -> tuple[PolicyPort, ...]:
    """The ports an egress rule allows: its own, or else those every app it names receives
    on (when all of them are known), or else every port (empty)."""
    if rule.policy_ports is not None:
        return rule.policy_ports
    apps = rule.app_peers
    if not apps or rule.namespaces or rule.cidrs or not all(p.ports for p in apps):
        return ()
    return tuple(dict.fromkeys(port for peer in apps for port in peer.ports))


def _egress(rule: EgressRule, namespace: str | None) -> Manifest:
    peers = _peers(rule.app_peers, rule.namespace_peers, rule.cidr_peers, namespace)
    return _with_ports({"to": peers}, egress_ports(rule))


def _single_address(address: str) -> str:
    ip = ipaddress.ip_address(address)
    return f"{ip}/{ip.max_prefixlen}"


def _database(peer: DatabasePeer) -> Manifest:
    # NetworkPolicy selects by address, never by DNS name: a database known only by its
    # host name is allowed on its port to any address (docs/network-policy.md).
    rule: Manifest = {"ports": [{"port": peer.port, "protocol": "TCP"}]}
    if peer.addresses:
        rule["to"] = [{"ipBlock": {"cidr": _single_address(a)}} for a in peer.addresses]
    return rule


def dns_egress() -> Manifest:
    """Lookups to the cluster DNS pods, over UDP and (for large answers) TCP."""
    return {
        "to": [
            {
                "namespaceSelector": _namespace_selector(defaults.CLUSTER_DNS_NAMESPACE),
                "podSelector": {"matchLabels": dict(defaults.CLUSTER_DNS_POD_LABELS)},
            }
        ],
        "ports": [
            {"port": DNS_PORT, "protocol": "UDP"},
            {"port": DNS_PORT, "protocol": "TCP"},
        ],
    }


def build_network_policy(
    *,
    metadata: Manifest,
    policy: NetworkPolicySpec,
    selector: dict[str, str],
    container: Container,
    namespace: str | None,
    sidecars: Sequence[Container] = (),
) -> Manifest:
    """The app's NetworkPolicy: its pods (``selector``) accept and send only what is listed
    (by default on the ports of the app container and its sidecars)."""
    spec: Manifest = {
        "podSelector": {"matchLabels": dict(selector)},
        "policyTypes": ["Ingress", "Egress"] if policy.restrict_egress else ["Ingress"],
        "ingress": [_ingress(rule, container, sidecars, namespace) for rule in policy.allow_from],
    }
    if policy.restrict_egress:
        egress = [_egress(rule, namespace) for rule in policy.allow_to]
        egress += [_database(peer) for peer in policy.database_peers]
        if policy.dns:
            egress.append(dns_egress())
        spec["egress"] = egress
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": metadata,
        "spec": spec,
    }
