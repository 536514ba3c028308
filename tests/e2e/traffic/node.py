"""The real node as the traffic tests see it, client network namespaces, and the route check.

Every address the tests send to is checked twice: the client refuses anything but
loopback and the private addresses a test names, and :func:`assert_on_machine` asks the
kernel which way a packet to it would leave (``ip route get``): never through the
machine's default route, so a misconfigured cluster cannot send a request off the machine.
"""

from __future__ import annotations

import ipaddress
import itertools
import json
import os
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from tests.e2e.tools import Kube

# How the cluster marks its real node (cluster/, docs/local-cluster.md).
REAL_NODE_LABEL = "berth.dev/real-node"


@attrs.frozen
class Gateway:
    ref: tuple[str, str]  # namespace, name
    host: str
    port: int

    @classmethod
    def from_facts(cls, facts: Mapping[str, Any] | None) -> Gateway | None:
        if not facts:
            return None
        return cls((facts["namespace"], facts["name"]), facts["address"], int(facts["port"]))


@attrs.frozen
class RealNode:
    name: str
    ip: str
    zone: str | None
    taints: tuple[dict[str, Any], ...]
    labels: dict[str, str]
    echo_image: str
    kubelet_version: str
    runtime: str
    kube_proxy_mode: str = ""
    gateway: Gateway | None = None
    bridge: str = ""

    def bridge_mac(self) -> str:
        """The node bridge's MAC: a bridge without a fixed one takes its ports' lowest, so a
        new pod can change it under the pods' ARP entries for their gateway."""
        try:
            return Path(f"/sys/class/net/{self.bridge}/address").read_text().strip()
        except OSError:
            return ""

    def placement(self) -> dict[str, Any]:
        """What every test pod carries to land on this node (and only there)."""
        return {
            "node_selector": {REAL_NODE_LABEL: self.labels[REAL_NODE_LABEL]},
            "tolerations": [
                {"key": t["key"], "operator": "Exists", "effect": t["effect"]}
                for t in self.taints
                if t["key"] == REAL_NODE_LABEL
            ],
        }


def real_node_from(facts: Mapping[str, Any], kube: Kube) -> RealNode:
    """The node the cluster started, from what it wrote (``Cluster.real_node()``) and the API."""
    node = kube.get_one("node", "", facts["node"])
    info = node["status"]["nodeInfo"]
    return RealNode(
        name=facts["node"],
        ip=facts["node_ip"],
        zone=facts.get("zone"),
        taints=tuple(node["spec"].get("taints", [])),
        labels=node["metadata"].get("labels", {}),
        echo_image=facts["echo_image"],
        kubelet_version=info["kubeletVersion"],
        runtime=info["containerRuntimeVersion"],
        kube_proxy_mode=str(facts.get("kube_proxy_mode", "")),
        gateway=Gateway.from_facts(facts.get("gateway")),
        bridge=str(facts.get("bridge", "")),
    )


def _default_devices() -> set[str]:
    out = subprocess.run(
        ["ip", "-j", "route", "show", "default"], capture_output=True, text=True, check=True
    ).stdout
    return {r["dev"] for r in json.loads(out or "[]") if "dev" in r}


def assert_on_machine(address: str) -> None:
    """Fail unless a packet to ``address`` stays on this machine (not the default route)."""
    ip = ipaddress.ip_address(address)
    assert ip.is_private or ip.is_loopback, f"{address} is not a private address"
    out = subprocess.run(
        ["ip", "-j", "route", "get", address], capture_output=True, text=True, check=True
    ).stdout
    (route,) = json.loads(out)
    leaving = route.get("gateway") is not None or route.get("dev") in _default_devices()
    assert route.get("type") == "local" or not leaving, (
        f"a packet to {address} would leave the machine ({route}): "
        "the cluster must route its Service and pod ranges to its own bridge"
    )


_serial = itertools.count()


@attrs.define
class ClientNetns:
    """A network namespace with one veth to the host: a client with its own address."""

    name: str
    host_if: str
    address: str
    host_address: str

    @classmethod
    def create(cls) -> ClientNetns:
        n = next(_serial)
        tag = f"{os.getpid() % 10000}{n}"
        subnet = _free_subnet()
        host, client = (str(h) for h in itertools.islice(subnet.hosts(), 2))
        ns = cls(f"berth-tc-{tag}", f"btc{tag}h", client, host)
        peer = f"btc{tag}c"
        steps = [
            ["ip", "netns", "add", ns.name],
            ["ip", "link", "add", ns.host_if, "type", "veth", "peer", "name", peer],
            ["ip", "link", "set", peer, "netns", ns.name],
            ["ip", "addr", "add", f"{host}/{subnet.prefixlen}", "dev", ns.host_if],
            ["ip", "link", "set", ns.host_if, "up"],
            ["ip", "-n", ns.name, "addr", "add", f"{client}/{subnet.prefixlen}", "dev", peer],
            ["ip", "-n", ns.name, "link", "set", peer, "up"],
            ["ip", "-n", ns.name, "link", "set", "lo", "up"],
            ["ip", "-n", ns.name, "route", "add", "default", "via", host],
        ]
        try:
            for step in steps:
                subprocess.run(step, check=True, capture_output=True, text=True)
        except subprocess.CalledProcessError as error:
            ns.remove()
            raise RuntimeError(f"{' '.join(error.cmd)}: {error.stderr}") from None
        return ns

    def remove(self) -> None:
        subprocess.run(["ip", "link", "del", self.host_if], capture_output=True, check=False)
        subprocess.run(["ip", "netns", "del", self.name], capture_output=True, check=False)

    def exists(self) -> bool:
        return Path("/var/run/netns", self.name).exists()


def _free_subnet() -> ipaddress.IPv4Network:
    """A /30 in 192.168.250.0/24 that no route on the machine uses yet."""
    out = subprocess.run(
        ["ip", "-j", "route", "show"], capture_output=True, text=True, check=True
    ).stdout
    used = [
        ipaddress.ip_network(r["dst"], strict=False)
        for r in json.loads(out or "[]")
        if r.get("dst") not in (None, "default")
    ]
    for subnet in ipaddress.IPv4Network("192.168.250.0/24").subnets(new_prefix=30):
        if not any(subnet.overlaps(u) for u in used):
            return subnet
    raise RuntimeError("no free /30 in 192.168.250.0/24 for a client namespace")
