"""Certificates (openssl, EC P-256, one CA per cluster) and kubeconfigs."""

from __future__ import annotations

import base64
import os
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cluster.common import ClusterError
from cluster.layout import CLUSTER_NAME

CLIENT_EXT = "extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]


@dataclass(frozen=True)
class Leaf:
    """One certificate signed by the cluster CA: <name>.crt and <name>.key."""

    name: str
    subject: str
    # The openssl extension file; a client certificate unless server names are given.
    sans: tuple[str, ...] = ()
    server: bool = False

    @property
    def ext(self) -> str:
        if not self.server:
            return CLIENT_EXT
        return (
            "extendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
            f"subjectAltName={','.join(self.sans)}\n"
        )


def control_plane_leaves() -> list[Leaf]:
    return [
        Leaf(
            "apiserver",
            "/CN=kube-apiserver",
            sans=(
                "IP:127.0.0.1",
                "IP:10.96.0.1",
                "DNS:localhost",
                "DNS:kubernetes",
                "DNS:kubernetes.default",
                "DNS:kubernetes.default.svc",
                "DNS:kubernetes.default.svc.cluster.local",
            ),
            server=True,
        ),
        Leaf("admin", "/O=system:masters/CN=berth-admin"),
        Leaf("controller-manager", "/CN=system:kube-controller-manager"),
        Leaf("scheduler", "/CN=system:kube-scheduler"),
        Leaf("kwok", "/O=system:masters/CN=kwok-controller"),
        # How the API server authenticates to the real node's kubelet (exec, logs,
        # port-forward); the kubelet authorizes it through a SubjectAccessReview.
        Leaf("apiserver-kubelet-client", "/O=system:masters/CN=kube-apiserver-kubelet-client"),
    ]


def openssl(pki: Path, *args: str) -> None:
    r = subprocess.run(["openssl", *args], cwd=pki, capture_output=True, text=True, check=False)
    if r.returncode != 0:
        raise ClusterError(f"openssl {' '.join(args[:2])} failed:\n{r.stderr}")


def make_ca(pki: Path) -> None:
    pki.mkdir(parents=True, exist_ok=True)
    openssl(
        pki,
        "req",
        "-x509",
        "-new",
        *EC,
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        "-days",
        "3650",
        "-subj",
        "/CN=berth-local-ca",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign,digitalSignature",
    )
    # Service-account token signing key.
    openssl(pki, "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "sa.key")
    openssl(pki, "ec", "-in", "sa.key", "-pubout", "-out", "sa.pub")
    private(pki)


def sign(pki: Path, leaves: Iterable[Leaf]) -> None:
    for leaf in leaves:
        (pki / f"{leaf.name}.ext").write_text(leaf.ext)
        openssl(
            pki,
            "req",
            "-new",
            *EC,
            "-keyout",
            f"{leaf.name}.key",
            "-out",
            f"{leaf.name}.csr",
            "-subj",
            leaf.subject,
        )
        openssl(
            pki,
            "x509",
            "-req",
            "-in",
            f"{leaf.name}.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "365",
            "-sha256",
            "-extfile",
            f"{leaf.name}.ext",
            "-out",
            f"{leaf.name}.crt",
        )
    private(pki)


def private(pki: Path) -> None:
    for f in pki.iterdir():
        f.chmod(0o600)


def b64(path: Path) -> str:
    return base64.b64encode(path.read_bytes()).decode()


def kubeconfig_text(pki: Path, port: int, user: str) -> str:
    return (
        "# Berth local cluster (berth-cluster). Server is on 127.0.0.1 only.\n"
        "apiVersion: v1\nkind: Config\n"
        f"clusters:\n- name: {CLUSTER_NAME}\n  cluster:\n"
        f"    server: https://127.0.0.1:{port}\n"
        f"    certificate-authority-data: {b64(pki / 'ca.crt')}\n"
        f"users:\n- name: {user}\n  user:\n"
        f"    client-certificate-data: {b64(pki / (user + '.crt'))}\n"
        f"    client-key-data: {b64(pki / (user + '.key'))}\n"
        f"contexts:\n- name: {CLUSTER_NAME}\n  context:\n"
        f"    cluster: {CLUSTER_NAME}\n    user: {user}\n"
        f"current-context: {CLUSTER_NAME}\n"
    )


def write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    tmp.replace(path)
