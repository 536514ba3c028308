"""Cluster DNS: CoreDNS as a supervised process on the node's address, behind the
kube-dns Service at a fixed ClusterIP (the kubelet's clusterDNS)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cluster.network import CLUSTER_DOMAIN, NodeNet
from cluster.pki import Leaf

BINARIES = ["coredns"]
USER = "berth-coredns"
MANAGED_BY = "berth-cluster"  # the EndpointSlice controller leaves slices of others alone


def leaves() -> list[Leaf]:
    return [Leaf("coredns", f"/CN={USER}")]


def corefile(net: NodeNet, kubeconfig: Path, ports: Mapping[str, int]) -> str:
    # No `forward`: names outside the cluster do not resolve, so a pod can never reach
    # an address off this machine by name. An ExternalName still answers its CNAME.
    return f"""\
.:53 {{
    bind {net.node_ip}
    errors
    health 127.0.0.1:{ports["coredns_health"]}
    ready 127.0.0.1:{ports["coredns_ready"]}
    kubernetes {CLUSTER_DOMAIN} in-addr.arpa ip6.arpa {{
        kubeconfig {kubeconfig} berth-local
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
        ttl 5
    }}
    cache 5
}}
"""


def argv(bindir: Path, corefile_path: Path) -> list[str]:
    return [str(bindir / "coredns"), "-conf", str(corefile_path)]


def rbac() -> list[tuple[str, dict[str, Any]]]:
    """(API path, object) pairs: what CoreDNS's kubernetes plugin reads."""
    role = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": {"name": "berth:coredns"},
        "rules": [
            {
                "apiGroups": [""],
                "resources": ["services", "pods", "namespaces"],
                "verbs": ["list", "watch"],
            },
            {
                "apiGroups": ["discovery.k8s.io"],
                "resources": ["endpointslices"],
                "verbs": ["list", "watch"],
            },
        ],
    }
    binding = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": {"name": "berth:coredns"},
        "roleRef": {
            "apiGroup": "rbac.authorization.k8s.io",
            "kind": "ClusterRole",
            "name": "berth:coredns",
        },
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": USER}],
    }
    base = "/apis/rbac.authorization.k8s.io/v1"
    return [
        (f"{base}/clusterroles/berth:coredns", role),
        (f"{base}/clusterrolebindings/berth:coredns", binding),
    ]


PORTS = [("dns", 53, "UDP"), ("dns-tcp", 53, "TCP")]


def service(net: NodeNet) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": "kube-dns",
            "namespace": "kube-system",
            "labels": {"k8s-app": "kube-dns", "kubernetes.io/name": "CoreDNS"},
        },
        "spec": {
            "clusterIP": net.cluster_dns,
            "ports": [{"name": n, "port": p, "protocol": proto} for n, p, proto in PORTS],
        },
    }


def endpoint_slice(net: NodeNet) -> dict[str, Any]:
    """CoreDNS is not a pod: the Service's one endpoint is the node's address."""
    return {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {
            "name": "kube-dns-berth",
            "namespace": "kube-system",
            "labels": {
                "kubernetes.io/service-name": "kube-dns",
                "endpointslice.kubernetes.io/managed-by": MANAGED_BY,
            },
        },
        "addressType": "IPv4",
        "endpoints": [{"addresses": [net.node_ip], "conditions": {"ready": True}}],
        "ports": [{"name": n, "port": p, "protocol": proto} for n, p, proto in PORTS],
    }
