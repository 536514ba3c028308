"""The Gateway: Gateway API CRDs from the toolchain, Traefik as a supervised process
with its kubernetesGateway provider, a GatewayClass and one Gateway on loopback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cluster.pki import Leaf

BINARIES = ["traefik"]
USER = "berth-traefik"
CONTROLLER = "traefik.io/gateway-controller"
CLASS = "berth"
NAMESPACE = "berth-system"
NAME = "berth-gateway"
LISTENER = "http"
ENTRYPOINT = "web"


def leaves() -> list[Leaf]:
    return [Leaf("traefik", f"/CN={USER}")]


def crd_files(toolchain_dir: Path) -> list[Path]:
    return [toolchain_dir / "share" / "gateway-api" / "standard-install.yaml"]


def argv(bindir: Path, port: int) -> list[str]:
    # Traefik matches a Gateway listener to the entryPoint with the same port, so the
    # entryPoint's port is the listener's. Loopback only: reachable from this machine.
    return [
        str(bindir / "traefik"),
        f"--entryPoints.{ENTRYPOINT}.address=127.0.0.1:{port}",
        "--providers.kubernetesGateway=true",
        "--providers.kubernetesGateway.statusAddress.ip=127.0.0.1",
        "--providers.kubernetesGateway.throttleDuration=0s",
        # Offline: no update check, no usage report.
        "--global.checkNewVersion=false",
        "--global.sendAnonymousUsage=false",
        "--log.level=INFO",
        "--log.noColor=true",
    ]


def rbac() -> list[tuple[str, dict[str, Any]]]:
    role = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": {"name": "berth:traefik"},
        "rules": [
            {
                "apiGroups": [""],
                "resources": ["namespaces", "services", "secrets", "configmaps"],
                "verbs": ["get", "list", "watch"],
            },
            {
                "apiGroups": ["discovery.k8s.io"],
                "resources": ["endpointslices"],
                "verbs": ["list", "watch"],
            },
            {
                "apiGroups": ["gateway.networking.k8s.io"],
                "resources": ["*"],
                "verbs": ["get", "list", "watch"],
            },
            {
                "apiGroups": ["gateway.networking.k8s.io"],
                "resources": [
                    "gatewayclasses/status",
                    "gateways/status",
                    "httproutes/status",
                    "grpcroutes/status",
                    "tlsroutes/status",
                    "backendtlspolicies/status",
                ],
                "verbs": ["update", "patch"],
            },
        ],
    }
    binding = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": {"name": "berth:traefik"},
        "roleRef": {
            "apiGroup": "rbac.authorization.k8s.io",
            "kind": "ClusterRole",
            "name": "berth:traefik",
        },
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": USER}],
    }
    base = "/apis/rbac.authorization.k8s.io/v1"
    return [
        (f"{base}/clusterroles/berth:traefik", role),
        (f"{base}/clusterrolebindings/berth:traefik", binding),
    ]


def namespace() -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "name": NAMESPACE,
            "labels": {"pod-security.kubernetes.io/enforce": "restricted"},
        },
    }


def gateway_class() -> dict[str, Any]:
    return {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "GatewayClass",
        "metadata": {"name": CLASS},
        "spec": {"controllerName": CONTROLLER},
    }


def gateway(port: int) -> dict[str, Any]:
    return {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "Gateway",
        "metadata": {"name": NAME, "namespace": NAMESPACE},
        "spec": {
            "gatewayClassName": CLASS,
            "listeners": [
                {
                    "name": LISTENER,
                    "protocol": "HTTP",
                    "port": port,
                    # HTTPRoutes of every namespace may attach (each test has its own).
                    "allowedRoutes": {"namespaces": {"from": "All"}},
                }
            ],
        },
    }


def programmed(gw: dict[str, Any]) -> bool:
    return any(
        c.get("type") == "Programmed" and c.get("status") == "True"
        for c in (gw.get("status") or {}).get("conditions", [])
    )
