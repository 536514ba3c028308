"""berth-cluster's commands: up, down, status, check-kubeconfig."""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import re
import shutil
import ssl
import subprocess
import sys
import time
import urllib.error
from pathlib import Path

from cluster import controlplane, kubelet, kwok, realnode
from cluster.common import T0, ClusterError, say, timed
from cluster.kubeapi import Api, free_ports
from cluster.layout import CLUSTER_NAME, Layout
from cluster.pki import control_plane_leaves, kubeconfig_text, make_ca, sign, write_private
from cluster.supervisor import Supervisor, alive

USAGE = """\
Berth's local Kubernetes cluster (python stdlib only).

Runs etcd, kube-apiserver, kube-controller-manager, kube-scheduler and the kwok
controller from the toolchain's bin directory, every one of them listening on
127.0.0.1 only, with state under .berth/cluster/ and an admin kubeconfig at
.berth/kubeconfig. kwok plays the kubelets: three fake nodes in zones
zone-a/b/c; the behaviour of pods and LoadBalancer Services is in stages.yaml.

usage:
  berth-cluster up [--bin DIR]      start (idempotent: says so if already up)
  berth-cluster down                stop every process it started, remove state
  berth-cluster status              show processes, API health and nodes
  berth-cluster check-kubeconfig F  exit 0 only if F's current server is https://127.0.0.1:<port>

env: BERTH_TOOLCHAIN_BIN (default for --bin), BERTH_STATE (default <repo>/.berth),
     BERTH_KUBECONFIG (default $BERTH_STATE/kubeconfig)
"""

# The programs the control plane needs; the real node's are checked by its own part.
REQUIRED = [*controlplane.BINARIES, *kwok.BINARIES, "kubectl"]
SERVER_RE = re.compile(r"https://127\.0\.0\.1:(\d{1,5})/?")


def supervisor(layout: Layout) -> Supervisor:
    return Supervisor(layout, [*controlplane.BINARIES, *kwok.BINARIES, *realnode.BINARIES])


def api_port(layout: Layout) -> int:
    port: int = json.loads(layout.ports.read_text())["apiserver"]
    return port


def is_up(layout: Layout) -> tuple[bool, str]:
    procs = supervisor(layout).load()
    if not procs:
        return False, "not running"
    dead = [r["name"] for r in procs if not alive(r)]
    if dead:
        return False, "partly running (dead: " + ", ".join(dead) + ")"
    try:
        port = api_port(layout)
        code, _ = Api(layout, port).call("GET", "/readyz", timeout=3)
    except (OSError, ValueError, KeyError, ssl.SSLError, urllib.error.URLError) as e:
        return False, f"processes alive but API not reachable ({e})"
    if code != 200:
        return False, f"processes alive but /readyz answers {code}"
    if not layout.kubeconfig.exists():
        return False, f"processes alive but {layout.kubeconfig} is missing"
    return True, f"up: https://127.0.0.1:{port}"


def toolchain_bin(arg: str | None) -> Path:
    return Path(arg or os.environ.get("BERTH_TOOLCHAIN_BIN") or "").resolve()


def cmd_up(layout: Layout, args: argparse.Namespace) -> int:
    up, why = is_up(layout)
    if up:
        say(f"cluster already {why}; kubeconfig {layout.kubeconfig}")
        return 0
    if layout.cluster.exists():
        say(f"found stale cluster state ({why}); cleaning it first")
        cmd_down(layout, argparse.Namespace(quiet=True))

    bindir = toolchain_bin(args.bin)
    missing = [b for b in REQUIRED if not os.access(bindir / b, os.X_OK)]
    if missing:
        raise ClusterError(
            f"toolchain bin dir {bindir} lacks {', '.join(missing)}: run `make toolchain` first"
        )
    if shutil.which("openssl") is None:
        raise ClusterError("openssl is needed to make the cluster's certificates")
    if realnode.mode() == "required" and (lacking := realnode.missing_prerequisites(bindir)):
        raise ClusterError("BERTH_REAL_NODE=1 but this machine lacks " + "; ".join(lacking))
    if realnode.mode() != "off" and not realnode.missing_prerequisites(bindir):
        wait_for_claim(layout)

    for d in (layout.cluster, layout.pki, layout.logs, layout.cluster / "etcd"):
        d.mkdir(parents=True, exist_ok=True)
    layout.cluster.chmod(0o700)
    sup = supervisor(layout)
    sup.save([])
    try:
        return _up(layout, sup, bindir)
    except BaseException:
        say("start failed; stopping what was started")
        try:
            realnode.teardown(sup, layout, quiet=True)
            sup.stop_all(quiet=True)
        except ClusterError as e:
            say(str(e))
        raise


def _up(layout: Layout, sup: Supervisor, bindir: Path) -> int:
    ports = dict(
        zip(controlplane.PORT_NAMES, free_ports(len(controlplane.PORT_NAMES)), strict=True)
    )
    layout.ports.write_text(json.dumps(ports, indent=1))
    with timed("certificates"):
        make_ca(layout.pki)
        sign(layout.pki, control_plane_leaves())
        for user in ("controller-manager", "scheduler", "kwok", "admin"):
            write_private(
                layout.cluster / f"{user}.kubeconfig",
                kubeconfig_text(layout.pki, ports["apiserver"], user),
            )
    say("certificates and component kubeconfigs written")

    api = controlplane.start(sup, layout, bindir, ports)
    kwok.start(sup, layout, bindir, ports)
    say("kube-controller-manager, kube-scheduler, kwok started")
    with timed("kwok nodes"):
        kwok.create_nodes(sup, api)
    sup.wait_for(
        "default ServiceAccount",
        lambda: api.call("GET", "/api/v1/namespaces/default/serviceaccounts/default")[0] == 200,
        60,
    )
    start_real_node(layout, sup, bindir, api, ports)

    write_private(layout.kubeconfig, kubeconfig_text(layout.pki, ports["apiserver"], "admin"))
    say(f"cluster up in {time.monotonic() - T0:.1f}s: https://127.0.0.1:{ports['apiserver']}")
    say(f"kubeconfig: {layout.kubeconfig}")
    return 0


def wait_for_claim(layout: Layout) -> None:
    """Only one real node per machine: wait up to BERTH_REAL_NODE_WAIT seconds (default 0)
    for another cluster's to go away, e.g. end-to-end runs of several checkouts."""
    deadline = time.monotonic() + float(os.environ.get("BERTH_REAL_NODE_WAIT") or 0)
    told = False
    while True:
        try:
            realnode.check_claim(layout)
            return
        except ClusterError as e:
            if time.monotonic() >= deadline:
                raise
            if not told:
                say(f"waiting (BERTH_REAL_NODE_WAIT) for the machine's real node: {e}")
                told = True
            time.sleep(2)


def start_real_node(
    layout: Layout, sup: Supervisor, bindir: Path, api: Api, ports: dict[str, int]
) -> None:
    how = realnode.mode()
    status = layout.cluster / "real-node.json"
    if how == "off":
        say("real node: off (BERTH_REAL_NODE=0); kwok nodes only")
        write_private(status, json.dumps({"off": "BERTH_REAL_NODE=0"}) + "\n")
        return
    missing = realnode.missing_prerequisites(bindir)
    if missing:
        why = "this machine lacks " + "; ".join(missing)
        if how == "required":
            raise ClusterError(f"BERTH_REAL_NODE=1 but {why}")
        say(f"real node: NOT started, {why}. kwok nodes only (BERTH_REAL_NODE=0 silences this)")
        write_private(status, json.dumps({"off": why}) + "\n")
        return
    with timed("real node"):
        facts = realnode.up(sup, layout, bindir, api, ports)
    gw = facts["gateway"]
    say(
        f"real node {facts['node']} Ready at {facts['node_ip']} (taint {kubelet.LABEL}"
        "=true:NoSchedule); gateway "
        + (f"{gw['namespace']}/{gw['name']} on http://127.0.0.1:{gw['port']}" if gw else "off")
    )


def cmd_down(layout: Layout, args: argparse.Namespace) -> int:
    quiet = bool(getattr(args, "quiet", False))
    sup = supervisor(layout)
    realnode.teardown(sup, layout, quiet=quiet)
    sup.stop_all(quiet=quiet)
    if layout.cluster.exists():
        shutil.rmtree(layout.cluster)
    kc = layout.kubeconfig
    if kc.exists() and f"name: {CLUSTER_NAME}" in kc.read_text(errors="replace"):
        kc.unlink()
    if not quiet:
        say("cluster down; state removed")
    return 0


def cmd_status(layout: Layout, args: argparse.Namespace) -> int:
    procs = supervisor(layout).load()
    if not procs:
        print("cluster: not running")
        return 3
    for r in procs:
        print(f"  {r['name']:<24} pid {r['pid']:<8} {'running' if alive(r) else 'DEAD'}")
    up, why = is_up(layout)
    print(f"cluster: {why}")
    if up:
        _, body = Api(layout, api_port(layout)).call("GET", "/api/v1/nodes")
        for n in body.get("items", []) if isinstance(body, dict) else []:
            ready = next(
                (c["status"] for c in n["status"].get("conditions", []) if c["type"] == "Ready"),
                "?",
            )
            zone = n["metadata"]["labels"].get("topology.kubernetes.io/zone", "")
            print(f"  node {n['metadata']['name']:<16} zone {zone:<8} Ready={ready}")
        try:
            facts = json.loads((layout.cluster / "real-node.json").read_text())
        except (OSError, ValueError):
            facts = {}
        if "off" in facts:
            print(f"real node: off ({facts['off']})")
        elif facts:
            gw = facts["gateway"]
            where = (
                f"{gw['namespace']}/{gw['name']} on http://127.0.0.1:{gw['port']}" if gw else "off"
            )
            print(
                f"real node: {facts['node']} {facts['node_ip']}, pods {facts['pod_subnet']}, "
                f"gateway {where}"
            )
        print(f"kubeconfig: {layout.kubeconfig}")
    return 0 if up else 3


def cmd_check_kubeconfig(layout: Layout, args: argparse.Namespace) -> int:
    """Refuse (exit 1) unless the kubeconfig's current server is https://127.0.0.1:<port>."""
    path = Path(args.kubeconfig).expanduser()
    if not path.is_file():
        print(f"berth: refusing: kubeconfig {path} does not exist", file=sys.stderr)
        return 1
    bindir = Path(args.bin or os.environ.get("BERTH_TOOLCHAIN_BIN") or "")
    kubectl = bindir / "kubectl"
    if not os.access(kubectl, os.X_OK):
        print(
            f"berth: refusing: the toolchain's kubectl is missing in {bindir}"
            " (run `make toolchain`)",
            file=sys.stderr,
        )
        return 1
    r = subprocess.run(
        [
            str(kubectl),
            "config",
            "view",
            "--kubeconfig",
            str(path),
            "--minify",
            "--raw",
            "-o",
            "jsonpath={.clusters[0].cluster.server}",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "KUBECONFIG": ""},
        check=False,
    )
    server = r.stdout.strip()
    if r.returncode != 0 or not SERVER_RE.fullmatch(server):
        where = server or f"(nothing: {r.stderr.strip()})"
        print(
            f"berth: refusing: kubeconfig {path} points at {where}; "
            "only a local API server at https://127.0.0.1:<port> is allowed",
            file=sys.stderr,
        )
        return 1
    print(server)
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="berth-cluster",
        description=USAGE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("up")
    p.add_argument("--bin", help="toolchain bin directory (default $BERTH_TOOLCHAIN_BIN)")
    p.set_defaults(func=cmd_up)
    sub.add_parser("down").set_defaults(func=cmd_down)
    sub.add_parser("status").set_defaults(func=cmd_status)
    p = sub.add_parser("check-kubeconfig")
    p.add_argument("kubeconfig")
    p.add_argument("--bin", help="toolchain bin directory (default $BERTH_TOOLCHAIN_BIN)")
    p.set_defaults(func=cmd_check_kubeconfig)
    args = ap.parse_args(argv)
    layout = Layout.from_env()
    try:
        if args.cmd in ("up", "down"):
            # One up/down at a time (two `make cluster` in parallel would race).
            layout.state.mkdir(parents=True, exist_ok=True)
            with open(layout.lock, "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                return int(args.func(layout, args))
        return int(args.func(layout, args))
    except ClusterError as e:
        print(f"berth-cluster: ERROR: {e}", file=sys.stderr)
        return 1
