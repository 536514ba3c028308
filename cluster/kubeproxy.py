"""kube-proxy for the real node: iptables mode, NodePorts on the node's address only."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cluster.kubelet import NODE_NAME
from cluster.network import NodeNet
from cluster.pki import Leaf

BINARIES = ["kube-proxy"]
MODE = "iptables"
# Chains kube-proxy --cleanup leaves behind (kubelet and kube-proxy both make them).
LEFTOVER_CHAINS = [("filter", "KUBE-FIREWALL"), ("mangle", "KUBE-IPTABLES-HINT")]


def leaves() -> list[Leaf]:
    # Bound to the system:node-proxier ClusterRole by the API server's bootstrap policy.
    return [Leaf("kube-proxy", "/CN=system:kube-proxy")]


def config(net: NodeNet, kubeconfig: Path, ports: Mapping[str, int]) -> dict[str, Any]:
    return {
        "apiVersion": "kubeproxy.config.k8s.io/v1alpha1",
        "kind": "KubeProxyConfiguration",
        "clientConnection": {"kubeconfig": str(kubeconfig)},
        "mode": MODE,
        "hostnameOverride": NODE_NAME,
        "bindAddress": net.node_ip,
        "clusterCIDR": net.subnet,
        "detectLocalMode": "ClusterCIDR",
        # NodePorts answer on the node's private address only, never on eth0.
        "nodePortAddresses": [f"{net.node_ip}/32"],
        "healthzBindAddress": f"127.0.0.1:{ports['kube_proxy_healthz']}",
        "metricsBindAddress": f"127.0.0.1:{ports['kube_proxy_metrics']}",
        # Leave the machine's conntrack sysctls alone (shared with everyone else).
        "conntrack": {
            "maxPerCore": 0,
            "min": 0,
            "tcpEstablishedTimeout": "0s",
            "tcpCloseWaitTimeout": "0s",
        },
    }


def argv(bindir: Path, config_file: Path) -> list[str]:
    return [str(bindir / "kube-proxy"), f"--config={config_file}", "--v=1"]


def cleanup_argv(bindir: Path) -> list[str]:
    return [str(bindir / "kube-proxy"), "--cleanup", "--v=0"]
