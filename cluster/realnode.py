"""The real worker node beside kwok's fake ones: containerd, kubelet, kube-proxy and
CNI on a bridge, CoreDNS, and the Gateway (Traefik). `up` starts them in that order,
`teardown` removes everything they made: processes, mounts, network namespaces, the
bridge and route, iptables/nftables chains, cgroups, sysctls, the machine claim.

BERTH_REAL_NODE=0 turns it off; =1 makes a missing prerequisite an error; unset, a
machine without the prerequisites gets the kwok cluster and a message saying why.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from cluster import containerd, dns, gateway, images, kubelet, kubeproxy, network
from cluster.common import ClusterError, say, timed
from cluster.controlplane import SERVICE_CIDR
from cluster.kubeapi import Api, free_ports, kubectl
from cluster.layout import Layout
from cluster.network import NodeNet
from cluster.pki import kubeconfig_text, sign, write_private
from cluster.supervisor import Record, Supervisor, alive, cmdline

BINARIES = [
    *containerd.BINARIES,
    *kubelet.BINARIES,
    *kubeproxy.BINARIES,
    *dns.BINARIES,
    *gateway.BINARIES,
]
# The supervisor's records for these; stopped in reverse order before the control plane.
PROCESSES = ["containerd", "coredns", "kubelet", "kube-proxy", "traefik"]
PORT_NAMES = [
    "kubelet_healthz",
    "kube_proxy_healthz",
    "kube_proxy_metrics",
    "coredns_health",
    "coredns_ready",
    "gateway",
]
KUBELET_PORT = 10250  # on the node's own address, which is unique to this cluster
HOST_TOOLS = ["runc", "iptables", "ip6tables", "ip", "nft"]
CLAIM_DIR = Path("/run/berth")
CGROUP_ROOT = Path("/sys/fs/cgroup")


def mode(environ: Mapping[str, str] = os.environ) -> str:
    value = environ.get("BERTH_REAL_NODE", "auto").strip().lower() or "auto"
    if value in ("0", "off", "false", "no"):
        return "off"
    if value in ("1", "on", "true", "yes"):
        return "required"
    return "auto"


def toolchain_dir(bindir: Path) -> Path:
    return bindir.parent


def missing_prerequisites(bindir: Path) -> list[str]:
    """What this machine lacks to run the real node, each with how to get it."""
    node_bins = [b for b in BINARIES if b not in gateway.BINARIES]
    lacking = [b for b in node_bins if not os.access(bindir / b, os.X_OK)]
    out = [f"{', '.join(lacking)} in {bindir} (make toolchain)"] if lacking else []
    out += [f"{t} (Debian package; make toolchain)" for t in HOST_TOOLS if shutil.which(t) is None]
    cni = next((Path(d) for d in network.CNI_BIN_DIRS if (Path(d) / "bridge").exists()), None)
    if cni is None:
        out.append("CNI plugins in /usr/lib/cni (containernetworking-plugins; make toolchain)")
    else:
        out += [f"CNI plugin {p} in {cni}" for p in network.CNI_PLUGINS if not (cni / p).exists()]
    if not images.BUILD.is_file():
        out.append(f"{images.BUILD} (the node's test images)")
    if os.geteuid() != 0:
        out.append("root (bridges, routes, iptables, cgroups)")
    if not cgroup_hierarchies():
        out.append("cgroup v1 hierarchies under /sys/fs/cgroup")
    return out


def missing_for_gateway(bindir: Path) -> list[str]:
    """The Gateway is a part of its own: the node runs without it if these are missing."""
    out = [
        f"{b} in {bindir} (make toolchain)"
        for b in gateway.BINARIES
        if not os.access(bindir / b, os.X_OK)
    ]
    out += [
        f"{crd} (Gateway API CRDs; make toolchain)"
        for crd in gateway.crd_files(toolchain_dir(bindir))
        if not crd.is_file()
    ]
    return out


def cgroup_hierarchies() -> list[Path]:
    """Mount points of this machine's cgroup v1 hierarchies (and the unified one)."""
    found = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        pre, _, post = line.partition(" - ")
        fstype = post.split()[0] if post else ""
        if fstype in ("cgroup", "cgroup2"):
            found.append(Path(unescape(pre.split()[4])))
    return found


def unescape(path: str) -> str:
    """mountinfo writes space, tab, newline and backslash as octal escapes."""
    for code, ch in (("\\040", " "), ("\\011", "\t"), ("\\012", "\n"), ("\\134", "\\")):
        path = path.replace(code, ch)
    return path


# ------------------------------------------------------------ the machine claim


@contextmanager
def claim_lock() -> Iterator[None]:
    CLAIM_DIR.mkdir(parents=True, exist_ok=True)
    with open(CLAIM_DIR / "real-node.lock", "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        yield


def claim_owner() -> str | None:
    """The state dir of the cluster whose real node runs on this machine, if any."""
    try:
        owner = str(json.loads((CLAIM_DIR / "real-node.json").read_text())["state"])
    except (OSError, ValueError, KeyError):
        return None
    sup = Supervisor(Layout(Path(owner), Path(owner) / "kubeconfig"), BINARIES)
    if any(r["name"] in PROCESSES and alive(r) for r in sup.load()):
        return owner
    return None


def check_claim(layout: Layout) -> None:
    """Refuse before anything starts if another cluster's real node runs here."""
    owner = claim_owner()
    if owner is not None and owner != str(layout.state):
        raise ClusterError(
            f"another Berth cluster (state {owner}) runs the real node on this machine; "
            f"stop it (BERTH_STATE={owner} cluster/berth-cluster down) "
            "or start this one without a real node (BERTH_REAL_NODE=0)"
        )


def claim(layout: Layout) -> None:
    """kube-proxy's chains and the Service route belong to the machine, not to a
    cluster: only one real node may run at a time."""
    check_claim(layout)
    (CLAIM_DIR / "real-node.json").write_text(json.dumps({"state": str(layout.state)}))


def release(layout: Layout) -> None:
    path = CLAIM_DIR / "real-node.json"
    try:
        if json.loads(path.read_text())["state"] == str(layout.state):
            path.unlink()
    except (OSError, ValueError, KeyError):
        pass


# ------------------------------------------------------------ up


class Node:
    """Where the real node's files are, and what `teardown` must undo."""

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self.base = layout.node
        self.record_file = self.base / "node.json"
        self.ctr_paths = containerd.Paths(self.base / "containerd")

    def load(self) -> dict[str, Any]:
        try:
            rec: dict[str, Any] = json.loads(self.record_file.read_text())
        except (OSError, ValueError):
            return {}
        return rec

    def save(self, rec: Mapping[str, Any]) -> None:
        self.base.mkdir(parents=True, exist_ok=True)
        tmp = self.record_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(rec, indent=1))
        tmp.replace(self.record_file)

    def update(self, **kv: Any) -> None:
        self.save({**self.load(), **kv})


def cgroup_root(layout: Layout) -> str:
    return f"/berth-{network.state_hash(layout.state)[:8]}"


def run(argv: list[str], what: str, timeout: float = 60) -> str:
    r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    if r.returncode != 0:
        raise ClusterError(f"{what} failed ({' '.join(argv[:4])}): {r.stderr.strip() or r.stdout}")
    return r.stdout


def nft_tables() -> list[str]:
    r = subprocess.run(["nft", "list", "tables"], capture_output=True, text=True, check=False)
    return [line.strip() for line in r.stdout.splitlines() if line.startswith("table ")]


def up(
    sup: Supervisor, layout: Layout, bindir: Path, api: Api, ports: dict[str, int]
) -> dict[str, Any]:
    node = Node(layout)
    with claim_lock():
        claim(layout)
        node.save({"bindir": str(bindir), "nft_tables_before": nft_tables()})
        ports.update(zip(PORT_NAMES, free_ports(len(PORT_NAMES)), strict=True))
        ports["kubelet"] = KUBELET_PORT
        layout.ports.write_text(json.dumps(ports, indent=1))

        with timed("real node network"):
            net = network.plan(layout.state, SERVICE_CIDR, network.networks_in_use())
            if network.link_exists(net.bridge):
                raise ClusterError(f"network link {net.bridge} exists already: a stale cluster?")
            node.update(net=net.to_json(), sysctls={})
            for cmd in network.setup_commands(net):
                run(cmd, "setting up the node's bridge")
            old = {}
            for key, value in network.SYSCTLS.items():
                before = network.read_sysctl(key)
                if before is None:
                    raise ClusterError(f"/proc/sys/{key} is missing (br_netfilter not loaded?)")
                old[key] = before
                node.update(sysctls=old)  # recorded first: `down` restores even a half-done set
                network.write_sysctl(key, value)
            croot = cgroup_root(layout)
            made = []
            for h in cgroup_hierarchies():
                (h / croot.lstrip("/")).mkdir(exist_ok=True)
                made.append(str(h / croot.lstrip("/")))
            node.update(cgroups=made)
            cni_dir = node.base / "cni"
            (cni_dir / "net.d").mkdir(parents=True, exist_ok=True)
            (cni_dir / "net.d" / "10-berth.conflist").write_text(
                json.dumps(network.conflist(net, cni_dir / "ipam"), indent=1)
            )
        say(f"real node network: bridge {net.bridge}, node {net.node_ip}, pods {net.subnet}")

        pki = layout.pki
        sign(pki, [*kubelet.leaves(net), *kubeproxy.leaves(), *dns.leaves(), *gateway.leaves()])
        for user in ("kubelet", "kube-proxy", "coredns", "traefik"):
            write_private(
                node.base / f"{user}.kubeconfig", kubeconfig_text(pki, ports["apiserver"], user)
            )

        with timed("node images"):
            imgs = images.build()
        node.update(images=imgs)

        with timed("containerd"):
            cp = node.ctr_paths
            cp.base.mkdir(parents=True, exist_ok=True)
            runc = Path(shutil.which("runc") or "runc")
            cni_bins = [d for d in network.CNI_BIN_DIRS if Path(d).is_dir()]
            cp.config.write_text(
                containerd.config(cp, imgs["PAUSE_IMAGE"], runc, cni_bins, cni_dir / "net.d")
            )
            sup.start("containerd", containerd.argv(bindir, cp))
            sup.wait_for(
                "containerd's socket",
                lambda: (
                    subprocess.run(
                        containerd.ctr(bindir, cp, "version"), capture_output=True, check=False
                    ).returncode
                    == 0
                ),
                30,
            )
            for key in ("PAUSE_ARCHIVE", "ECHO_ARCHIVE"):
                run(containerd.ctr(bindir, cp, "images", "import", imgs[key]), f"importing {key}")
        say(f"images imported: {imgs['ECHO_IMAGE']}, {imgs['PAUSE_IMAGE']}")

        with timed("CoreDNS"):
            for path, obj in dns.rbac():
                api.apply(path, obj)
            api.apply("/api/v1/namespaces/kube-system/services/kube-dns", dns.service(net))
            api.apply(
                "/apis/discovery.k8s.io/v1/namespaces/kube-system/endpointslices/kube-dns-berth",
                dns.endpoint_slice(net),
            )
            (node.base / "Corefile").write_text(
                dns.corefile(net, node.base / "coredns.kubeconfig", ports)
            )
            sup.start("coredns", dns.argv(bindir, node.base / "Corefile"), cwd=node.base)
            sup.wait_for("CoreDNS /ready", lambda: http_ok(ports["coredns_ready"], "/ready"), 60)

        with timed("kubelet"):
            kb = node.base / "kubelet"
            kb.mkdir(parents=True, exist_ok=True)
            (kb / "resolv.conf").write_text(kubelet.resolv_conf(net))
            cfg = kubelet.config(
                net=net, pki=pki, base=kb, runtime_socket=cp.socket, cgroup_root=croot, ports=ports
            )
            (kb / "kubelet.json").write_text(json.dumps(cfg, indent=1))  # JSON is YAML
            sup.start("kubelet", kubelet.argv(bindir, kb, net, node.base / "kubelet.kubeconfig"))
            sup.wait_for(f"node {kubelet.NODE_NAME} Ready", lambda: node_ready(api), 90)

        with timed("kube-proxy"):
            kp = node.base / "kube-proxy.json"
            kp.write_text(
                json.dumps(kubeproxy.config(net, node.base / "kube-proxy.kubeconfig", ports))
            )
            sup.start("kube-proxy", kubeproxy.argv(bindir, kp))
            sup.wait_for(
                "kube-proxy /healthz",
                lambda: http_ok(ports["kube_proxy_healthz"], "/healthz"),
                60,
            )

        gw_missing = missing_for_gateway(bindir)
        if gw_missing:
            say("gateway: NOT started, this machine lacks " + "; ".join(gw_missing))
        else:
            start_gateway(sup, bindir, api, node, ports)

    facts = summary(net, imgs, ports, gateway_ok=not gw_missing)
    write_private(layout.cluster / "real-node.json", json.dumps(facts, indent=1) + "\n")
    return facts


def start_gateway(
    sup: Supervisor, bindir: Path, api: Api, node: Node, ports: Mapping[str, int]
) -> None:
    layout = node.layout
    with timed("gateway"):
        for crd in gateway.crd_files(toolchain_dir(bindir)):
            kubectl(layout, bindir, "apply", "--server-side", "--force-conflicts", "-f", str(crd))
        kubectl(
            layout,
            bindir,
            "wait",
            "--for=condition=Established",
            "--timeout=60s",
            "crd/gateways.gateway.networking.k8s.io",
            "crd/httproutes.gateway.networking.k8s.io",
        )
        for path, obj in gateway.rbac():
            api.apply(path, obj)
        api.apply(f"/api/v1/namespaces/{gateway.NAMESPACE}", gateway.namespace())
        api.apply(
            f"/apis/gateway.networking.k8s.io/v1/gatewayclasses/{gateway.CLASS}",
            gateway.gateway_class(),
        )
        api.apply(
            f"/apis/gateway.networking.k8s.io/v1/namespaces/{gateway.NAMESPACE}"
            f"/gateways/{gateway.NAME}",
            gateway.gateway(ports["gateway"]),
        )
        sup.start(
            "traefik",
            gateway.argv(bindir, ports["gateway"]),
            env={"KUBECONFIG": str(node.base / "traefik.kubeconfig")},
            cwd=node.base,
        )
        gw_path = (
            f"/apis/gateway.networking.k8s.io/v1/namespaces/{gateway.NAMESPACE}"
            f"/gateways/{gateway.NAME}"
        )
        sup.wait_for(
            f"Gateway {gateway.NAMESPACE}/{gateway.NAME} Programmed",
            lambda: gateway.programmed(api.call("GET", gw_path)[1]),
            60,
        )


def summary(
    net: NodeNet, imgs: Mapping[str, str], ports: Mapping[str, int], gateway_ok: bool
) -> dict[str, Any]:
    """What tests and people need to use the node (written to cluster/real-node.json)."""
    return {
        "node": kubelet.NODE_NAME,
        "node_ip": net.node_ip,
        "pod_subnet": net.subnet,
        "bridge": net.bridge,
        "zone": kubelet.ZONE,
        "label": {kubelet.LABEL: "true"},
        "taint": kubelet.TAINT,
        "toleration": {
            "key": kubelet.TAINT["key"],
            "operator": "Equal",
            "value": kubelet.TAINT["value"],
            "effect": kubelet.TAINT["effect"],
        },
        "echo_image": imgs["ECHO_IMAGE"],
        "pause_image": imgs["PAUSE_IMAGE"],
        "cluster_dns": net.cluster_dns,
        "service_cidr": net.service_cidr,
        "gateway": None
        if not gateway_ok
        else {
            "namespace": gateway.NAMESPACE,
            "name": gateway.NAME,
            "class": gateway.CLASS,
            "listener": gateway.LISTENER,
            "address": "127.0.0.1",
            "port": ports["gateway"],
        },
        "kube_proxy_mode": kubeproxy.MODE,
    }


def http_ok(port: int, path: str) -> bool:
    import urllib.request

    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as r:
        return bool(r.status == 200)


def node_ready(api: Api) -> bool:
    code, body = api.call("GET", f"/api/v1/nodes/{kubelet.NODE_NAME}")
    if code != 200:
        return False
    return any(
        c["type"] == "Ready" and c["status"] == "True"
        for c in body.get("status", {}).get("conditions", [])
    )


# ------------------------------------------------------------ teardown


def drain(layout: Layout, bindir: Path, node: Node, quiet: bool) -> None:
    """Delete the real node's pods while kubelet still runs, so it tears their sandboxes
    down through CNI (veths, IPAM, portmap chains) the ordinary way."""
    try:
        port = int(json.loads(layout.ports.read_text())["apiserver"])
        api = Api(layout, port)
        # Cordoned first, so the pods' controllers cannot put new ones here meanwhile.
        api.call(
            "PATCH",
            f"/api/v1/nodes/{kubelet.NODE_NAME}",
            {"spec": {"unschedulable": True}},
            timeout=3,
            content_type="application/merge-patch+json",
        )
        code, body = api.call(
            "GET", f"/api/v1/pods?fieldSelector=spec.nodeName%3D{kubelet.NODE_NAME}", timeout=3
        )
    except (OSError, ValueError, KeyError):
        return
    if code != 200:
        return
    pods = body.get("items", [])
    for pod in pods:
        md = pod["metadata"]
        api.call(
            "DELETE",
            f"/api/v1/namespaces/{md['namespace']}/pods/{md['name']}",
            {"gracePeriodSeconds": 0},
            timeout=5,
        )
    if pods and not quiet:
        say(f"deleted {len(pods)} pod(s) on {kubelet.NODE_NAME}; waiting for their sandboxes")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        r = subprocess.run(
            containerd.ctr(bindir, node.ctr_paths, "tasks", "ls"),
            capture_output=True,
            text=True,
            check=False,
        )
        if r.returncode != 0 or "RUNNING" not in r.stdout:
            return
        time.sleep(0.5)


def kill_cgroups(paths: list[str]) -> None:
    """SIGKILL every process left in our cgroup subtrees, then remove the cgroups."""
    for _ in range(50):
        pids = set()
        for p in paths:
            for procs in Path(p).rglob("cgroup.procs"):
                with suppress(OSError):
                    pids |= {int(x) for x in procs.read_text().split()}
        if not pids:
            break
        for pid in pids:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.1)
    for p in paths:
        root = Path(p)
        if not root.exists():
            continue
        for d in sorted((x for x in root.rglob("*") if x.is_dir()), key=lambda x: -len(x.parts)):
            with suppress(OSError):
                d.rmdir()
        try:
            root.rmdir()
        except OSError as e:
            say(f"could not remove cgroup {root}: {e}")


def mounts_under(base: Path) -> list[str]:
    prefix = str(base) + "/"
    found = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        point = unescape(line.split()[4])
        if point.startswith(prefix):
            found.append(point)
    return sorted(set(found), key=lambda p: -p.count("/"))


def unmount_all(base: Path) -> list[str]:
    for _ in range(3):
        points = mounts_under(base)
        if not points:
            return []
        for point in points:
            if subprocess.run(["umount", point], capture_output=True, check=False).returncode:
                subprocess.run(["umount", "-l", point], capture_output=True, check=False)
    return mounts_under(base)


def delete_kube_chains() -> None:
    """kube-proxy --cleanup leaves the chains kubelet makes (KUBE-FIREWALL and friends)."""
    for tool in ("iptables", "ip6tables"):
        if shutil.which(tool) is None:
            continue
        for table in ("filter", "nat", "mangle"):
            r = subprocess.run(
                [tool, "-t", table, "-S"], capture_output=True, text=True, check=False
            )
            rules = r.stdout.splitlines()
            for rule in rules:
                parts = rule.split()
                if (
                    parts[:1] == ["-A"]
                    and "-j" in parts
                    and parts[parts.index("-j") + 1].startswith("KUBE-")
                    and not parts[1].startswith("KUBE-")
                ):
                    subprocess.run(
                        [tool, "-t", table, "-D", *parts[1:]], capture_output=True, check=False
                    )
            chains = [x.split()[1] for x in rules if x.startswith("-N KUBE-")]
            for chain in chains:
                subprocess.run([tool, "-t", table, "-F", chain], capture_output=True, check=False)
            for chain in chains:
                subprocess.run([tool, "-t", table, "-X", chain], capture_output=True, check=False)


def delete_new_nft_tables(before: list[str]) -> None:
    """Tables iptables-nft or kube-proxy created while the node ran, once they are empty
    of rules: a machine that had none is left with none."""
    for table in nft_tables():
        if table in before:
            continue
        family, name = table.split()[1:3]
        r = subprocess.run(
            ["nft", "list", "table", family, name], capture_output=True, text=True, check=False
        )
        has_rules = any(
            line.strip()
            and not line.strip().startswith(("table", "chain", "type", "policy", "}", "comment"))
            for line in r.stdout.splitlines()
        )
        if name == "kube-proxy" or not has_rules:
            subprocess.run(
                ["nft", "delete", "table", family, name], capture_output=True, check=False
            )


def teardown(sup: Supervisor, layout: Layout, quiet: bool = False) -> None:
    node = Node(layout)
    rec = node.load()
    if not rec:
        return
    bindir = Path(rec.get("bindir", ""))
    t = time.monotonic()
    with claim_lock():
        if any(r["name"] == "kubelet" and alive(r) for r in sup.load()):
            drain(layout, bindir, node, quiet)
        sup.stop_named(["traefik", "kube-proxy", "kubelet", "coredns"], quiet=quiet)
        kill_cgroups(list(rec.get("cgroups", [])))
        # containerd's shims: they outlive containerd, named by its socket in our dir.
        shims = [r for r in sup.strays(set()) if r["name"] == "containerd-shim-runc-v2"]
        for shim in shims:
            kill_record(shim)
        sup.stop_named(["containerd"], quiet=quiet)
        for shim in sup.strays(set()):
            if shim["name"] == "containerd-shim-runc-v2":
                kill_record(shim)
        left = unmount_all(layout.cluster)
        if left:
            say("still mounted: " + ", ".join(left))
        net_json = rec.get("net")
        if net_json:
            net = NodeNet(**net_json)
            for cmd in network.teardown_commands(net):
                subprocess.run(cmd, capture_output=True, check=False)
        owner = claim_owner()
        if owner in (None, str(layout.state)):
            # The machine-wide parts, only while no other cluster's node relies on them.
            for key, value in dict(rec.get("sysctls", {})).items():
                try:
                    network.write_sysctl(key, value)
                except ClusterError as e:
                    say(str(e))
            if (bindir / "kube-proxy").exists():
                subprocess.run(
                    kubeproxy.cleanup_argv(bindir), capture_output=True, check=False, timeout=60
                )
            delete_kube_chains()
            delete_new_nft_tables(list(rec.get("nft_tables_before", [])))
            release(layout)
        else:
            say(f"left iptables chains and sysctls alone: the real node of {owner} uses them")
    node.record_file.unlink(missing_ok=True)
    if not quiet:
        say(f"real node removed in {time.monotonic() - t:.1f}s")


def kill_record(rec: Record) -> None:
    if alive(rec) and cmdline(rec["pid"]):
        with suppress(ProcessLookupError):
            os.kill(rec["pid"], signal.SIGKILL)
        deadline = time.monotonic() + 5
        while alive(rec) and time.monotonic() < deadline:
            time.sleep(0.05)
