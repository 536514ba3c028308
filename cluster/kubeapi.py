"""A small client for the local API server (admin certificate, JSON) and kubectl."""

from __future__ import annotations

import json
import os
import socket
import ssl
import subprocess
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from cluster.common import ClusterError
from cluster.layout import Layout


def free_ports(n: int) -> list[int]:
    socks = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


class Api:
    def __init__(self, layout: Layout, port: int) -> None:
        self.layout = layout
        self.port = port

    def context(self) -> ssl.SSLContext:
        pki = self.layout.pki
        ctx = ssl.create_default_context(cafile=str(pki / "ca.crt"))
        ctx.load_cert_chain(str(pki / "admin.crt"), str(pki / "admin.key"))
        return ctx

    def call(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        timeout: float = 5,
        content_type: str = "application/json",
    ) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(
            f"https://127.0.0.1:{self.port}{path}",
            data=data,
            method=method,
            headers={"Content-Type": content_type},
        )
        try:
            with urllib.request.urlopen(req, context=self.context(), timeout=timeout) as r:
                raw = r.read().decode()
                code = r.status
        except urllib.error.HTTPError as e:
            raw, code = e.read().decode(errors="replace"), e.code
        try:
            return code, json.loads(raw)
        except ValueError:
            return code, raw

    def create(self, path: str, body: dict[str, Any]) -> None:
        """POST an object; one that already exists is fine (`up` may be re-run)."""
        code, answer = self.call("POST", path, body)
        if code not in (201, 409):
            name = body.get("metadata", {}).get("name", "?")
            raise ClusterError(f"creating {body.get('kind', '?')} {name}: HTTP {code}: {answer}")

    def apply(self, path: str, body: dict[str, Any]) -> None:
        """Server-side apply of one object at its own path (field manager berth-cluster)."""
        code, answer = self.call(
            "PATCH",
            f"{path}?fieldManager=berth-cluster&force=true",
            body,
            content_type="application/apply-patch+yaml",  # JSON is YAML
        )
        if code not in (200, 201):
            name = body.get("metadata", {}).get("name", "?")
            raise ClusterError(f"applying {body.get('kind', '?')} {name}: HTTP {code}: {answer}")


def etcd_healthy(port: int) -> bool:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
        health: bool = json.loads(r.read()).get("health") == "true"
        return health


def kubectl(layout: Layout, bindir: Path, *args: str, timeout: float = 120) -> str:
    r = subprocess.run(
        [str(bindir / "kubectl"), f"--kubeconfig={layout.cluster / 'admin.kubeconfig'}", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "KUBECONFIG": ""},
        timeout=timeout,
        check=False,
    )
    if r.returncode != 0:
        raise ClusterError(f"kubectl {' '.join(args[:3])} failed:\n{r.stderr.strip()}")
    return r.stdout
