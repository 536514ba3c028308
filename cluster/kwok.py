"""kwok: three fake nodes in zones zone-a/b/c (their pods' behaviour is in stages.yaml)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cluster.common import say
from cluster.kubeapi import Api
from cluster.layout import Layout
from cluster.supervisor import Supervisor

ZONES = ["zone-a", "zone-b", "zone-c"]
POD_CIDR = "10.244.0.1/16"
BINARIES = ["kwok"]


def node_name(zone: str) -> str:
    return f"berth-node-{zone[-1]}"


def argv(bindir: Path, layout: Layout, ports: Mapping[str, int]) -> list[str]:
    return [
        str(bindir / "kwok"),
        f"--kubeconfig={layout.cluster / 'kwok.kubeconfig'}",
        f"--config={layout.stages}",
        "--manage-all-nodes=false",
        "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
        f"--cidr={POD_CIDR}",
        "--node-ip=10.0.0.1",
        "--node-lease-duration-seconds=40",
        f"--server-address=127.0.0.1:{ports['kwok']}",
    ]


def node_manifest(zone: str) -> dict[str, Any]:
    name = node_name(zone)
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "labels": {
                "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
                "topology.kubernetes.io/zone": zone,
                "topology.kubernetes.io/region": "berth-local",
                "node.kubernetes.io/instance-type": "kwok",
                "type": "kwok",
            },
            "annotations": {
                "kwok.x-k8s.io/node": "fake",
                "node.alpha.kubernetes.io/ttl": "0",
            },
        },
        "spec": {},
    }


def ready(node: dict[str, Any]) -> bool:
    """Ready and without the not-ready taint (the scheduler would skip it)."""
    return any(
        c["type"] == "Ready" and c["status"] == "True" for c in node["status"].get("conditions", [])
    ) and not any(
        t.get("key") == "node.kubernetes.io/not-ready" for t in node["spec"].get("taints", [])
    )


def start(sup: Supervisor, layout: Layout, bindir: Path, ports: Mapping[str, int]) -> None:
    sup.start("kwok", argv(bindir, layout, ports))


def create_nodes(sup: Supervisor, api: Api) -> None:
    for zone in ZONES:
        api.create("/api/v1/nodes", node_manifest(zone))
    fake = {node_name(z) for z in ZONES}

    def nodes_ready() -> bool:
        code, body = api.call("GET", "/api/v1/nodes")
        if code != 200:
            return False
        return len([n for n in body["items"] if n["metadata"]["name"] in fake and ready(n)]) >= len(
            ZONES
        )

    sup.wait_for(f"{len(ZONES)} fake nodes Ready and untainted", nodes_ready, 60)
    say("nodes Ready: " + ", ".join(f"{node_name(z)} ({z})" for z in ZONES))
