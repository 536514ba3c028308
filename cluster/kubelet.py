"""The real node's kubelet: proper certificates both ways, no anonymous access,
cgroupfs on this machine's cgroup v1, everything under the cluster's directory."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cluster.network import CLUSTER_DOMAIN, NodeNet
from cluster.pki import Leaf

NODE_NAME = "berth-node-real"
ZONE = "zone-a"
LABEL = "berth.dev/real-node"
# Only pods that tolerate this land on the real node; kwok's nodes take the rest.
TAINT = {"key": LABEL, "value": "true", "effect": "NoSchedule"}
LABELS = {LABEL: "true", "topology.kubernetes.io/zone": ZONE}
BINARIES = ["kubelet"]


def leaves(net: NodeNet) -> list[Leaf]:
    return [
        # The Node authorizer and NodeRestriction know a kubelet by this name and group.
        Leaf("kubelet", f"/O=system:nodes/CN=system:node:{NODE_NAME}"),
        Leaf(
            "kubelet-serving",
            f"/CN={NODE_NAME}",
            sans=(f"IP:{net.node_ip}", f"DNS:{NODE_NAME}"),
            server=True,
        ),
    ]


def config(
    *,
    net: NodeNet,
    pki: Path,
    base: Path,
    runtime_socket: Path,
    cgroup_root: str,
    ports: Mapping[str, int],
) -> dict[str, Any]:
    endpoint = f"unix://{runtime_socket}"
    return {
        "apiVersion": "kubelet.config.k8s.io/v1beta1",
        "kind": "KubeletConfiguration",
        "address": net.node_ip,
        "port": ports["kubelet"],
        "readOnlyPort": 0,
        "healthzBindAddress": "127.0.0.1",
        "healthzPort": ports["kubelet_healthz"],
        "authentication": {
            "anonymous": {"enabled": False},
            "webhook": {"enabled": True},
            "x509": {"clientCAFile": str(pki / "ca.crt")},
        },
        "authorization": {"mode": "Webhook"},
        "tlsCertFile": str(pki / "kubelet-serving.crt"),
        "tlsPrivateKeyFile": str(pki / "kubelet-serving.key"),
        "rotateCertificates": False,
        "serverTLSBootstrap": False,
        "containerRuntimeEndpoint": endpoint,
        "imageServiceEndpoint": endpoint,
        # This machine has cgroup v1 hierarchies under a tmpfs /sys/fs/cgroup.
        "failCgroupV1": False,
        "cgroupDriver": "cgroupfs",
        # Our own cgroup subtree, so `down` knows exactly which cgroups are ours.
        "cgroupRoot": cgroup_root,
        "failSwapOn": False,
        "clusterDNS": [net.cluster_dns],
        "clusterDomain": CLUSTER_DOMAIN,
        # Pods with dnsPolicy Default get CoreDNS too: nothing resolves off the machine.
        "resolvConf": str(base / "resolv.conf"),
        "podLogsDir": str(base / "pod-logs"),
        "registerWithTaints": [TAINT],
        "maxPods": 50,
        # A shared disk may be fuller than the defaults allow; never evict test pods for it.
        "evictionHard": {
            "memory.available": "1Mi",
            "nodefs.available": "1%",
            "imagefs.available": "1%",
        },
        "imageGCHighThresholdPercent": 100,
        "imageGCLowThresholdPercent": 99,
        "localStorageCapacityIsolation": False,
        "protectKernelDefaults": False,
        "shutdownGracePeriod": "0s",
    }


def resolv_conf(net: NodeNet) -> str:
    return f"nameserver {net.node_ip}\n"


def argv(bindir: Path, base: Path, net: NodeNet, kubeconfig: Path) -> list[str]:
    labels = ",".join(f"{k}={v}" for k, v in LABELS.items())
    return [
        str(bindir / "kubelet"),
        f"--config={base / 'kubelet.json'}",
        f"--kubeconfig={kubeconfig}",
        f"--hostname-override={NODE_NAME}",
        f"--node-ip={net.node_ip}",
        f"--root-dir={base / 'root'}",
        f"--cert-dir={base / 'certs'}",
        f"--node-labels={labels}",
        "--v=1",
    ]
