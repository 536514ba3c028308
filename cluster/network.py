"""The real node's network: a bridge, a private /24, routes and the CNI config.

Names come from the state directory, so two clusters on one machine (`make cluster`
and the end-to-end fixture's) get different bridges and pod subnets. What cannot be
made per cluster (kube-proxy's iptables chains live in the machine's one network
namespace) is guarded by the machine-wide claim in `realnode`.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import subprocess
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from cluster.common import ClusterError

# Pod subnets of real nodes are /24s of this range: far from kwok's 10.244/16 and the
# Service range 10.96/16, and never routed off the machine (ipMasq is off).
POD_RANGE = ipaddress.IPv4Network("10.88.0.0/16")
CLUSTER_DNS_IP = "10.96.0.10"
CLUSTER_DOMAIN = "cluster.local"
CNI_BIN_DIRS = ["/usr/lib/cni", "/opt/cni/bin"]
CNI_PLUGINS = ["bridge", "host-local", "loopback", "portmap"]


def state_hash(state: Path) -> str:
    return hashlib.sha256(str(state.resolve()).encode()).hexdigest()


@dataclass(frozen=True)
class NodeNet:
    bridge: str
    subnet: str
    node_ip: str
    service_cidr: str
    cluster_dns: str = CLUSTER_DNS_IP
    # A bridge without an address of its own takes the lowest MAC of its ports, so it
    # changes as pods come and go, and pods keep a stale ARP entry for their gateway
    # (requests then fail with "No route to host" for a few seconds). A fixed, locally
    # administered address stays put.
    mac: str = "02:00:00:00:00:01"

    @property
    def prefix(self) -> int:
        return ipaddress.ip_network(self.subnet).prefixlen

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def plan(state: Path, service_cidr: str, taken: Iterable[str] = ()) -> NodeNet:
    """The bridge and pod /24 for a state dir: hashed from its path, skipping any /24
    that overlaps a network this machine already has (`taken`)."""
    h = state_hash(state)
    used = [ipaddress.IPv4Network(t, strict=False) for t in taken]
    subnets = list(POD_RANGE.subnets(new_prefix=24))
    start = int(h[:8], 16) % len(subnets)
    for i in range(len(subnets)):
        net = subnets[(start + i) % len(subnets)]
        if net.network_address == POD_RANGE.network_address:
            continue
        if not any(net.overlaps(u) for u in used):
            return NodeNet(
                bridge=f"berth{h[:8]}",  # 13 characters: within Linux's 15
                subnet=str(net),
                node_ip=str(net.network_address + 1),
                service_cidr=service_cidr,
                mac=bridge_mac(h),
            )
    raise ClusterError(f"no free /24 left in {POD_RANGE} for the real node's pods")


def bridge_mac(digest: str) -> str:
    """A locally administered unicast MAC (02:...) from the state dir's hash."""
    return "02:" + ":".join(digest[i : i + 2] for i in range(0, 10, 2))


def conflist(net: NodeNet, ipam_dir: Path) -> dict[str, Any]:
    """CNI: pods on the bridge, addresses from host-local (its records in our state dir),
    the node's address as their gateway, no masquerading (nothing leaves the machine)."""
    return {
        "cniVersion": "1.0.0",
        "name": net.bridge,
        "plugins": [
            {
                "type": "bridge",
                "bridge": net.bridge,
                "isGateway": True,
                "hairpinMode": True,  # a pod reaching itself through its Service
                "ipMasq": False,
                "ipam": {
                    "type": "host-local",
                    "dataDir": str(ipam_dir),
                    "ranges": [[{"subnet": net.subnet, "gateway": net.node_ip}]],
                    "routes": [{"dst": "0.0.0.0/0"}],
                },
            },
            {"type": "portmap", "capabilities": {"portMappings": True}},
        ],
    }


def setup_commands(net: NodeNet) -> list[list[str]]:
    """The bridge carries the node's address (this kernel has no `dummy` links), and the
    Service range is routed to it, so Service traffic can never take the default route."""
    return [
        ["ip", "link", "add", net.bridge, "address", net.mac, "type", "bridge"],
        ["ip", "addr", "add", f"{net.node_ip}/{net.prefix}", "dev", net.bridge],
        ["ip", "link", "set", net.bridge, "up"],
        ["ip", "route", "replace", net.service_cidr, "dev", net.bridge, "src", net.node_ip],
    ]


def teardown_commands(net: NodeNet) -> list[list[str]]:
    return [
        ["ip", "route", "del", net.service_cidr, "dev", net.bridge],
        ["ip", "link", "del", net.bridge],
    ]


# Kernel settings the node needs while it runs; `down` puts the old values back.
SYSCTLS = {
    "net/ipv4/ip_forward": "1",
    # Pod -> Service -> pod on one bridge: the reply must pass conntrack to be un-NATed.
    "net/bridge/bridge-nf-call-iptables": "1",
}


def ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    r = subprocess.run(["ip", *args], capture_output=True, text=True, check=False)
    if check and r.returncode != 0:
        raise ClusterError(f"ip {' '.join(args)} failed: {r.stderr.strip()}")
    return r


def networks_in_use() -> list[str]:
    """Every IPv4 network on this machine's routes and interfaces."""
    r = ip("-j", "-4", "route", "show", "table", "all", check=False)
    nets: list[str] = []
    for route in json.loads(r.stdout or "[]"):
        dst = route.get("dst", "")
        if dst and dst != "default":
            nets.append(dst if "/" in dst else dst + "/32")
    return nets


def link_exists(name: str) -> bool:
    return ip("link", "show", name, check=False).returncode == 0


def read_sysctl(key: str) -> str | None:
    try:
        return (Path("/proc/sys") / key).read_text().strip()
    except OSError:
        return None


def write_sysctl(key: str, value: str) -> None:
    try:
        (Path("/proc/sys") / key).write_text(value + "\n")
    except OSError as e:
        raise ClusterError(f"cannot set {key.replace('/', '.')}={value}: {e}") from e
