"""examples/shop on the live cluster: one `pulumi up`, what it made checked, one `pulumi destroy`.

The Gateway API CRDs come from the toolchain (the pinned sigs.k8s.io/gateway-api module);
applying them is idempotent, so a cluster that already has them is left as it was. The
Gateway is the platform team's, not the example's: this test creates it, as a platform
would, and the example's HTTPRoute names it.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.e2e.tools import ROOT, Cluster, Kube, Project, wait_for

pytestmark = pytest.mark.e2e

EXAMPLE = ROOT / "examples" / "shop"
CONFIG = yaml.safe_load((EXAMPLE / "Pulumi.dev.yaml").read_text())["config"]
NS = CONFIG["berth-shop:namespace"]
GATEWAY = CONFIG["berth-shop:gateway"]
GATEWAY_NS = CONFIG["berth-shop:gatewayNamespace"]
APPS = {
    "web",
    "catalog",
    "search",
    "recommendations",
    "cart",
    "checkout",
    "payments",
    "notifications",
}
# The LoadBalancer address kwok's service-loadbalancer stage hands out (cluster/stages.yaml).
FAKE_LB_IP = "198.51.100.10"


def gateway_api_crds(env: dict[str, str]) -> Path:
    share = subprocess.run(
        [str(ROOT / "toolchain" / "build.sh"), "--print-share"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    return Path(share) / "gateway-api" / "standard-install.yaml"


def platform_gateway() -> list[dict[str, Any]]:
    """What a platform team runs: a GatewayClass and a Gateway that takes routes from any
    namespace. No controller serves the class here; the API server still checks routes."""
    return [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": GATEWAY_NS}},
        {
            "apiVersion": "gateway.networking.k8s.io/v1",
            "kind": "GatewayClass",
            "metadata": {"name": "berth-e2e"},
            "spec": {"controllerName": "example.com/berth-e2e"},
        },
        {
            "apiVersion": "gateway.networking.k8s.io/v1",
            "kind": "Gateway",
            "metadata": {"name": GATEWAY, "namespace": GATEWAY_NS},
            "spec": {
                "gatewayClassName": "berth-e2e",
                "listeners": [
                    {
                        "name": "http",
                        "protocol": "HTTP",
                        "port": 80,
                        "allowedRoutes": {"namespaces": {"from": "All"}},
                    }
                ],
            },
        },
    ]


@pytest.fixture(scope="module")
def gateway(kube: Kube, tool_env: dict[str, str]) -> Iterator[None]:
    kube.run("apply", "--server-side", "-f", str(gateway_api_crds(tool_env)))
    kube.run(
        "wait",
        "--for=condition=Established",
        "--timeout=60s",
        "crd/gateways.gateway.networking.k8s.io",
        "crd/gatewayclasses.gateway.networking.k8s.io",
        "crd/httproutes.gateway.networking.k8s.io",
    )
    # A cluster that runs its own Gateway of this name keeps it: only what is missing is
    # created here, and only that is deleted afterwards.
    missing = [
        manifest
        for manifest in platform_gateway()
        if not kube.run(
            "get", "-f", "-", "--ignore-not-found", "-o", "name", input=yaml.safe_dump(manifest)
        ).strip()
    ]
    created = yaml.safe_dump_all(missing)
    if missing:
        kube.run("create", "-f", "-", input=created)
    yield
    if missing:
        kube.run("delete", "--wait=false", "--ignore-not-found", "-f", "-", input=created)


@pytest.fixture(scope="module")
def shop(
    cluster: Cluster,
    tool_env: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Project:
    return Project.copy(
        tmp_path_factory.mktemp("shop-example") / "shop",
        tool_env,
        cluster.kubeconfig,
        source=EXAMPLE,
    )


def ready(pod: dict[str, Any]) -> bool:
    conditions = {c["type"]: c["status"] for c in pod["status"].get("conditions", [])}
    return conditions.get("Ready") == "True"


def privileged_pod() -> dict[str, Any]:
    container = {"name": "app", "image": "registry.example.com/x:1.0.0"}
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "privileged", "namespace": NS},
        "spec": {"hostNetwork": True, "containers": [container]},
    }


def load_balancer_ips(kube: Kube, service: str) -> list[str]:
    status = kube.get_one("service", NS, service)["status"]
    return [i.get("ip") for i in status.get("loadBalancer", {}).get("ingress", [])]


def check_deployed(kube: Kube, shop: Project) -> None:
    namespace = json.loads(kube.run("get", "namespace", NS, "-o", "json"))
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"

    # The namespace enforces restricted: a pod that breaks it is refused there...
    refused = subprocess.run(
        ["kubectl", f"--kubeconfig={kube.kubeconfig}", "apply", "--dry-run=server", "-f", "-"],
        input=yaml.safe_dump(privileged_pod()),
        env=kube.env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert refused.returncode != 0
    assert 'violates PodSecurity "restricted:latest"' in refused.stderr
    # ...and every Deployment's pods were admitted and are Ready.
    deployments = kube.get("deployments", NS)
    assert {d["metadata"]["labels"]["app.kubernetes.io/name"] for d in deployments} == APPS
    for deployment in deployments:
        wanted = deployment["spec"]["replicas"]
        assert wanted >= 1
        assert deployment["status"].get("readyReplicas") == wanted, (
            deployment["metadata"]["name"],
            deployment["status"],
        )
    pods = kube.get("pods", NS)
    assert len(pods) == sum(d["spec"]["replicas"] for d in deployments)
    assert all(ready(p) for p in pods), [p["metadata"]["name"] for p in pods if not ready(p)]
    tracks = {
        p["metadata"]["labels"].get("track")
        for p in pods
        if p["metadata"]["labels"]["app.kubernetes.io/name"] == "checkout"
    }
    assert tracks == {"stable", "canary"}

    # The pods run what the program describes: init containers, native sidecars, files.
    by_app = {d["metadata"]["labels"]["app.kubernetes.io/name"]: d for d in deployments}
    spec = {app: d["spec"]["template"]["spec"] for app, d in by_app.items()}
    assert [c["name"] for c in spec["catalog"]["initContainers"]] == ["migrate"]
    assert [c["name"] for c in spec["search"]["initContainers"]] == ["build-index"]
    sidecar = spec["recommendations"]["initContainers"][0]
    assert (sidecar["name"], sidecar["restartPolicy"]) == ("model-sync", "Always")
    files = next(v for v in spec["notifications"]["volumes"] if "configMap" in v)
    config_map = kube.get_one("configmap", NS, files["configMap"]["name"])
    assert any("order-confirmed" in key for key in config_map["data"])

    # Each app runs as its own ServiceAccount, which exists.
    accounts = {a["metadata"]["name"] for a in kube.get("serviceaccounts", NS)}
    assert {s["serviceAccountName"] for s in spec.values()} <= accounts
    assert len({s["serviceAccountName"] for s in spec.values()}) == len(APPS)

    # Every Service with a selector has ready endpoints; the others are what they point at.
    services = {s["metadata"]["name"]: s for s in kube.get("services", NS)}
    selected = {name for name, s in services.items() if s["spec"].get("selector")}
    assert selected == APPS | {"payments-webhooks", "checkout-stable", "checkout-canary"}
    for name in sorted(selected):
        assert kube.ready_endpoints(NS, name), f"Service {name} has no ready endpoints"
    assert services["sessions"]["spec"]["type"] == "ExternalName"
    assert services["sessions"]["spec"]["externalName"] == CONFIG["berth-shop:sessionsHost"]
    db_slices = kube.get("endpointslices", NS, "-l", "kubernetes.io/service-name=shop-db")
    assert [a for s in db_slices for e in s["endpoints"] for a in e["addresses"]] == CONFIG[
        "berth-shop:shopDbAddresses"
    ]
    webhooks = services["payments-webhooks"]
    assert webhooks["spec"]["type"] == "LoadBalancer"
    assert services["payments"]["spec"]["type"] == "ClusterIP"
    wait_for(
        "the webhooks Service's load balancer address",
        lambda: load_balancer_ips(kube, "payments-webhooks") == [FAKE_LB_IP],
        timeout=30,
    )

    # The API server accepted a NetworkPolicy per app and the route on the platform's Gateway.
    policies = {
        p["metadata"]["labels"]["app.kubernetes.io/name"]: p
        for p in kube.get("networkpolicies", NS)
    }
    assert set(policies) == APPS
    assert all(p["spec"]["policyTypes"] == ["Ingress", "Egress"] for p in policies.values())
    (route,) = kube.get("httproutes", NS, "-l", "app.kubernetes.io/name=web")
    assert route["spec"]["parentRefs"] == [
        {
            "group": "gateway.networking.k8s.io",
            "kind": "Gateway",
            "name": GATEWAY,
            "namespace": GATEWAY_NS,
        }
    ]
    assert route["spec"]["hostnames"] == [CONFIG["berth-shop:hostname"]]
    assert route["spec"]["rules"][0]["backendRefs"][0]["name"] == "web"

    outputs = shop.outputs("dev")
    assert outputs["web"] == f"web.{NS}.svc.cluster.local"
    assert outputs["checkout_canary_share"] == 25
    assert outputs["shop_db_url"] == "[secret]"


def test_the_shop_example_deploys_converges_and_destroys_cleanly(
    shop: Project, kube: Kube, gateway: None
) -> None:
    shop.select("dev")
    try:
        shop.up("dev")
        check_deployed(kube, shop)
    finally:
        shop.destroy("dev")
    gone = kube.run("get", "namespace", NS, "--ignore-not-found", "-o", "name")
    assert gone == "", f"namespace left behind: {gone}"
    exported = json.loads(shop.pulumi("stack", "export", "--stack", "dev").stdout)
    assert not exported["deployment"].get("resources"), "the stack still holds resources"
