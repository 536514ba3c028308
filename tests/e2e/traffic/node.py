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
from pathlib import Path
from typing import Any

import attrs

from tests.e2e.tools import Kube

# How the cluster marks its real node (cluster/, docs/local-cluster.md).
REAL_NODE_LABEL = "berth.dev/real-node"
ECHO_REPO = "berth.local/echo:"


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

    def placement(self) -> dict[str, Any]:
        """What every test pod carries to land on this node (and only there)."""
        return {
            "node_selector": {REAL_NODE_LABEL: self.labels[REAL_NODE_LABEL]},
            "tolerations": [
                {"key": t["key"], "operator": "Exists", "effect": t["effect"]} for t in self.taints
            ],
        }


def find_real_node(kube: Kube) -> RealNode | None:
    nodes = json.loads(kube.run("get", "nodes", "-l", REAL_NODE_LABEL, "-o", "json"))["items"]
    if not nodes:
        return None
    node = nodes[0]
    status = node["status"]
    ip = next(a["address"] for a in status["addresses"] if a["type"] == "InternalIP")
    images = [n for image in status.get("images", []) for n in image.get("names", [])]
    echo = sorted(n for n in images if n.startswith(ECHO_REPO))
    labels = node["metadata"].get("labels", {})
    return RealNode(
        name=node["metadata"]["name"],
        ip=ip,
        zone=labels.get("topology.kubernetes.io/zone"),
        taints=tuple(node["spec"].get("taints", [])),
        labels=labels,
        echo_image=echo[-1] if echo else "",
        kubelet_version=status["nodeInfo"]["kubeletVersion"],
        runtime=status["nodeInfo"]["containerRuntimeVersion"],
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


@attrs.frozen
class Gateway:
    ref: tuple[str, str]  # namespace, name
    host: str
    port: int


def find_gateway(kube: Kube) -> Gateway | None:
    """The cluster's Gateway and the address its implementation listens on."""
    out = kube.run("get", "gateways.gateway.networking.k8s.io", "-A", "-o", "json", check=False)
    items = json.loads(out or '{"items": []}')["items"]
    if not items:
        return None
    gw = items[0]
    addresses = gw.get("status", {}).get("addresses") or [{"value": "127.0.0.1"}]
    port = gw["spec"]["listeners"][0]["port"]
    return Gateway(
        (gw["metadata"]["namespace"], gw["metadata"]["name"]), addresses[0]["value"], int(port)
    )
