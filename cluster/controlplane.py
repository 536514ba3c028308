"""etcd, kube-apiserver, kube-controller-manager and kube-scheduler, all on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from cluster.common import say, timed
from cluster.kubeapi import Api, etcd_healthy
from cluster.layout import CLUSTER_NAME, Layout
from cluster.supervisor import Supervisor

SERVICE_CIDR = "10.96.0.0/16"
PORT_NAMES = ["etcd", "etcd_peer", "apiserver", "controller_manager", "scheduler", "kwok"]
BINARIES = ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"]


def etcd_argv(bindir: Path, layout: Layout, ports: Mapping[str, int]) -> list[str]:
    etcd_url = f"http://127.0.0.1:{ports['etcd']}"
    peer_url = f"http://127.0.0.1:{ports['etcd_peer']}"
    return [
        str(bindir / "etcd"),
        "--name=berth",
        f"--data-dir={layout.cluster / 'etcd'}",
        f"--listen-client-urls={etcd_url}",
        f"--advertise-client-urls={etcd_url}",
        f"--listen-peer-urls={peer_url}",
        f"--initial-advertise-peer-urls={peer_url}",
        f"--initial-cluster=berth={peer_url}",
        "--initial-cluster-state=new",
        "--unsafe-no-fsync=true",  # throwaway test data; much faster on a shared disk
        "--log-level=warn",
        "--quota-backend-bytes=2147483648",
    ]


def apiserver_argv(bindir: Path, layout: Layout, ports: Mapping[str, int]) -> list[str]:
    p = layout.pki
    return [
        str(bindir / "kube-apiserver"),
        "--bind-address=127.0.0.1",
        "--advertise-address=127.0.0.1",
        f"--secure-port={ports['apiserver']}",
        f"--etcd-servers=http://127.0.0.1:{ports['etcd']}",
        f"--client-ca-file={p / 'ca.crt'}",
        f"--tls-cert-file={p / 'apiserver.crt'}",
        f"--tls-private-key-file={p / 'apiserver.key'}",
        f"--service-account-key-file={p / 'sa.pub'}",
        f"--service-account-signing-key-file={p / 'sa.key'}",
        "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
        f"--service-cluster-ip-range={SERVICE_CIDR}",
        "--authorization-mode=Node,RBAC",
        # PodSecurity is a default plugin; named so it stays on whatever the defaults become.
        "--enable-admission-plugins=NamespaceLifecycle,LimitRanger,ServiceAccount,DefaultStorageClass,"
        "ResourceQuota,PodSecurity,NodeRestriction",
        "--endpoint-reconciler-type=none",  # 127.0.0.1 may not be put in Endpoints
        "--allow-privileged=true",
        # The real node's kubelet: the API server proves itself with its own client
        # certificate and checks the kubelet's serving certificate against the CA
        # (no anonymous kubelet access). By address, as the node's name does not resolve.
        f"--kubelet-client-certificate={p / 'apiserver-kubelet-client.crt'}",
        f"--kubelet-client-key={p / 'apiserver-kubelet-client.key'}",
        f"--kubelet-certificate-authority={p / 'ca.crt'}",
        "--kubelet-preferred-address-types=InternalIP,Hostname",
        "--profiling=false",
        "--v=0",
    ]


def component_flags(layout: Layout, user: str, port: int) -> list[str]:
    kc = str(layout.cluster / f"{user}.kubeconfig")
    return [
        f"--kubeconfig={kc}",
        f"--authentication-kubeconfig={kc}",
        f"--authorization-kubeconfig={kc}",
        "--bind-address=127.0.0.1",
        f"--secure-port={port}",
        "--leader-elect=false",
        "--v=0",
    ]


def controller_manager_argv(bindir: Path, layout: Layout, ports: Mapping[str, int]) -> list[str]:
    p = layout.pki
    return [
        str(bindir / "kube-controller-manager"),
        *component_flags(layout, "controller-manager", ports["controller_manager"]),
        "--use-service-account-credentials=true",
        f"--service-account-private-key-file={p / 'sa.key'}",
        f"--root-ca-file={p / 'ca.crt'}",
        f"--cluster-signing-cert-file={p / 'ca.crt'}",
        f"--cluster-signing-key-file={p / 'ca.key'}",
        f"--cluster-name={CLUSTER_NAME}",
        "--allocate-node-cidrs=false",
    ]


def scheduler_argv(bindir: Path, layout: Layout, ports: Mapping[str, int]) -> list[str]:
    return [
        str(bindir / "kube-scheduler"),
        *component_flags(layout, "scheduler", ports["scheduler"]),
    ]


def start(sup: Supervisor, layout: Layout, bindir: Path, ports: Mapping[str, int]) -> Api:
    api = Api(layout, ports["apiserver"])
    with timed("etcd"):
        sup.start("etcd", etcd_argv(bindir, layout, ports))
        sup.wait_for("etcd health", lambda: etcd_healthy(ports["etcd"]), 30)
    say(f"etcd ready on http://127.0.0.1:{ports['etcd']}")
    with timed("kube-apiserver"):
        sup.start("kube-apiserver", apiserver_argv(bindir, layout, ports))
        sup.wait_for("kube-apiserver /readyz", lambda: api.call("GET", "/readyz")[0] == 200, 90)
    say(f"kube-apiserver ready on https://127.0.0.1:{ports['apiserver']}")
    sup.start("kube-controller-manager", controller_manager_argv(bindir, layout, ports))
    sup.start("kube-scheduler", scheduler_argv(bindir, layout, ports))
    return api
