"""The local cluster's real node: containerd, kubelet, kube-proxy, CNI, CoreDNS, Traefik.

A pod under Pod Security `restricted` runs on the real node (a real process, uid 65532,
no capabilities), serves through its ClusterIP (kube-proxy) and through the Gateway
(Traefik), and resolves Service names through the cluster DNS. Requests go only to
addresses of this machine: the Service's ClusterIP, the node's bridge and loopback.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.e2e.tools import Cluster, Kube, wait_for

pytestmark = pytest.mark.e2e

NAMESPACE = "real-node-e2e"


@pytest.fixture(scope="module")
def node(cluster: Cluster) -> dict[str, Any]:
    facts = cluster.real_node()
    if "off" in facts:
        pytest.skip(f"the cluster has no real node: {facts['off']}")
    return facts


def echo_objects(node: dict[str, Any], replicas: int = 2) -> list[dict[str, Any]]:
    labels = {"app": "echo"}
    env = [
        {"name": name, "valueFrom": {"fieldRef": {"fieldPath": path}}}
        for name, path in (
            ("POD_NAME", "metadata.name"),
            ("POD_NAMESPACE", "metadata.namespace"),
            ("NODE_NAME", "spec.nodeName"),
            ("POD_IP", "status.podIP"),
        )
    ]
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "echo", "namespace": NAMESPACE},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "nodeSelector": node["label"],
                    "tolerations": [node["toleration"]],
                    "automountServiceAccountToken": False,
                    "securityContext": {
                        "runAsNonRoot": True,
                        "runAsUser": 65532,
                        "runAsGroup": 65532,
                        "seccompProfile": {"type": "RuntimeDefault"},
                    },
                    "containers": [
                        {
                            "name": "echo",
                            "image": node["echo_image"],
                            "imagePullPolicy": "Never",
                            "ports": [{"containerPort": 8080, "name": "http"}],
                            "env": env,
                            "readinessProbe": {
                                "httpGet": {"path": "/ready", "port": 8080},
                                "periodSeconds": 1,
                            },
                            "securityContext": {
                                "allowPrivilegeEscalation": False,
                                "capabilities": {"drop": ["ALL"]},
                                "readOnlyRootFilesystem": True,
                            },
                        }
                    ],
                },
            },
        },
    }
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "echo", "namespace": NAMESPACE},
        "spec": {"selector": labels, "ports": [{"port": 80, "targetPort": "http"}]},
    }
    return [deployment, service]


@pytest.fixture(scope="module")
def echo(kube: Kube, node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    kube.run("create", "namespace", NAMESPACE)
    kube.run("label", "namespace", NAMESPACE, "pod-security.kubernetes.io/enforce=restricted")
    kube.run("apply", "-f", "-", input=yaml.safe_dump_all(echo_objects(node)))
    kube.run("rollout", "status", "-n", NAMESPACE, "deployment/echo", "--timeout=120s")
    service = kube.get_one("service", NAMESPACE, "echo")
    yield {"cluster_ip": service["spec"]["clusterIP"]}
    kube.run("delete", "namespace", NAMESPACE, "--wait=false")


def get(url: str, host: str | None = None) -> dict[str, Any] | None:
    req = urllib.request.Request(url, headers={"Host": host} if host else {})
    try:
        with urllib.request.urlopen(req, timeout=3) as r:
            answer: dict[str, Any] = json.loads(r.read())
            return answer
    except (OSError, urllib.error.URLError, ValueError):
        return None


def test_the_real_node_is_ready_on_containerd_and_tainted_for_its_own_pods(
    kube: Kube, node: dict[str, Any]
) -> None:
    obj = kube.get_one("node", "", node["node"])
    ready = {c["type"]: c["status"] for c in obj["status"]["conditions"]}["Ready"]
    assert ready == "True"
    assert obj["status"]["nodeInfo"]["containerRuntimeVersion"].startswith("containerd://")
    assert node["taint"] in obj["spec"]["taints"]
    assert obj["metadata"]["labels"]["berth.dev/real-node"] == "true"
    assert node["node_ip"] in [a["address"] for a in obj["status"]["addresses"]]


def test_a_pod_that_does_not_tolerate_the_taint_lands_on_a_kwok_node(kube: Kube) -> None:
    ns = "real-node-untolerated"
    kube.run("create", "namespace", ns)
    try:
        kube.run("run", "plain", "-n", ns, "--image=registry.example.com/app:1", "--restart=Never")
        pod = wait_for(
            "the pod to be scheduled",
            lambda: kube.get_one("pod", ns, "plain")["spec"].get("nodeName"),
        )
        assert pod.startswith("berth-node-") and pod != "berth-node-real"
    finally:
        kube.run("delete", "namespace", ns, "--wait=false")


def test_restricted_pods_run_as_real_processes_without_privileges(
    kube: Kube, echo: dict[str, Any], node: dict[str, Any]
) -> None:
    pods = kube.get("pods", NAMESPACE, "-l", "app=echo")
    assert {p["spec"]["nodeName"] for p in pods} == {node["node"]}
    for pod in pods:
        uid = pod["metadata"]["uid"]
        procs = [
            d
            for d in Path("/proc").iterdir()
            if d.name.isdigit() and f"pod{uid}" in _read(d / "cgroup")
        ]
        status = {
            line.split(":", 1)[0]: line.split(":", 1)[1].split()
            for p in procs
            for line in _read(p / "status").splitlines()
            if ":" in line and "/echo" in _read(p / "cmdline")
        }
        assert status, f"no echo process found for pod {pod['metadata']['name']}"
        assert status["Uid"] == ["65532"] * 4
        assert status["CapEff"] == ["0000000000000000"]
        assert status["NoNewPrivs"] == ["1"]
        assert status["Seccomp"] == ["2"]  # a filter, RuntimeDefault


def _read(path: Path) -> str:
    try:
        return path.read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def test_the_cluster_ip_spreads_requests_over_both_pods(kube: Kube, echo: dict[str, Any]) -> None:
    url = f"http://{echo['cluster_ip']}/"
    # kube-proxy programs the endpoints a moment after the pods are ready.
    wait_for("the ClusterIP to answer", lambda: get(url), timeout=30, every=0.5)
    pods = {p["metadata"]["name"] for p in kube.get("pods", NAMESPACE, "-l", "app=echo")}
    # ... and the second endpoint another moment after the first.
    wait_for(
        "kube-proxy to send to both pods",
        lambda: {a["pod"] for a in (get(url) for _ in range(10)) if a} == pods,
        timeout=30,
        every=0.5,
    )
    answers = [get(url) for _ in range(30)]
    assert None not in answers
    # Each pod misses all 30 with probability 2^-30.
    assert {a["pod"] for a in answers if a} == pods


def test_a_pod_resolves_service_names_through_the_cluster_dns(
    kube: Kube, echo: dict[str, Any], node: dict[str, Any]
) -> None:
    pod_ip = kube.get("pods", NAMESPACE, "-l", "app=echo")[0]["status"]["podIP"]
    for proto in ("udp", "tcp"):
        answer = get(
            f"http://{pod_ip}:8080/resolve?name=echo.{NAMESPACE}.svc.cluster.local&proto={proto}"
        )
        assert answer is not None
        assert answer["server"] == f"{node['cluster_dns']}:53"
        assert answer["addresses"] == [echo["cluster_ip"]]


def test_kubectl_logs_and_exec_reach_the_kubelet_with_certificates(
    kube: Kube, echo: dict[str, Any]
) -> None:
    name = kube.get("pods", NAMESPACE, "-l", "app=echo")[0]["metadata"]["name"]
    assert "serving on" in kube.run("logs", "-n", NAMESPACE, name)
    out = kube.run(
        "exec",
        "-n",
        NAMESPACE,
        name,
        "--",
        "/echo",
        "resolve",
        "kube-dns.kube-system.svc.cluster.local",
    )
    assert "10.96.0.10" in out


def test_an_httproute_on_the_gateway_reaches_the_pods(
    kube: Kube, echo: dict[str, Any], node: dict[str, Any]
) -> None:
    gw = node["gateway"]
    if gw is None:
        pytest.skip("the cluster started without its gateway (see `make cluster-status`)")
    route = {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "HTTPRoute",
        "metadata": {"name": "echo", "namespace": NAMESPACE},
        "spec": {
            "parentRefs": [{"name": gw["name"], "namespace": gw["namespace"]}],
            "hostnames": ["echo.test"],
            "rules": [{"backendRefs": [{"name": "echo", "port": 80}]}],
        },
    }
    kube.run("apply", "-f", "-", input=yaml.safe_dump(route))
    url = f"http://{gw['address']}:{gw['port']}/through-gateway"
    answer = wait_for("the route to serve", lambda: get(url, host="echo.test"), timeout=60)
    assert answer["path"] == "/through-gateway"
    assert answer["namespace"] == NAMESPACE
    assert get(url, host="other.test") is None  # no route for that host: 404
