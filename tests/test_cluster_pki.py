"""The cluster's certificates, made with the real openssl into a temporary directory."""

from __future__ import annotations

import subprocess
from pathlib import Path

from cluster.pki import Leaf, control_plane_leaves, kubeconfig_text, make_ca, sign


def text(pki: Path, name: str) -> str:
    return subprocess.run(
        ["openssl", "x509", "-in", str(pki / f"{name}.crt"), "-noout", "-text"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def verifies(pki: Path, name: str) -> bool:
    r = subprocess.run(
        ["openssl", "verify", "-CAfile", str(pki / "ca.crt"), str(pki / f"{name}.crt")],
        capture_output=True,
        text=True,
        check=False,
    )
    return r.returncode == 0


def test_every_leaf_is_signed_by_the_cluster_ca_and_keys_are_private(tmp_path: Path) -> None:
    make_ca(tmp_path)
    leaves = [*control_plane_leaves(), Leaf("srv", "/CN=x", sans=("IP:10.1.2.3",), server=True)]
    sign(tmp_path, leaves)
    for leaf in leaves:
        assert verifies(tmp_path, leaf.name), leaf.name
        assert (tmp_path / f"{leaf.name}.key").stat().st_mode & 0o077 == 0
    assert "IP Address:10.1.2.3" in text(tmp_path, "srv")
    assert "TLS Web Server Authentication" in text(tmp_path, "srv")


def test_the_api_server_has_a_kubelet_client_certificate_for_exec_and_logs() -> None:
    leaf = next(x for x in control_plane_leaves() if x.name == "apiserver-kubelet-client")
    assert not leaf.server
    assert "clientAuth" in leaf.ext


def test_the_api_server_certificate_names_loopback_and_the_kubernetes_service() -> None:
    leaf = next(x for x in control_plane_leaves() if x.name == "apiserver")
    assert "IP:127.0.0.1" in leaf.sans
    assert "IP:10.96.0.1" in leaf.sans
    assert "DNS:kubernetes.default.svc.cluster.local" in leaf.sans


def test_a_kubeconfig_points_at_loopback_with_the_users_certificate(tmp_path: Path) -> None:
    make_ca(tmp_path)
    sign(tmp_path, [Leaf("someone", "/CN=someone")])
    kc = kubeconfig_text(tmp_path, 6443, "someone")
    assert "server: https://127.0.0.1:6443\n" in kc
    assert "user: someone\n" in kc
