"""One stack of the traffic program: Berth components on the real node, set up per test."""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml

from tests.e2e.tools import Kube, Project, wait_for
from tests.e2e.traffic.client import Run, Target, send
from tests.e2e.traffic.node import RealNode, assert_on_machine

PROGRAM = Path(__file__).resolve().parent / "program"
ECHO_UID = 65532


def echo_container(image: str, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The echo server as a Berth container: small requests, a fast readiness probe."""
    return {
        "image": image,
        "ports": [{"port": 8080, "name": "http"}],
        "env": dict(env or {}),
        "security": {"run_as_user": ECHO_UID, "run_as_group": ECHO_UID},
        "readiness_probe": {"path": "/ready", "period_seconds": 1, "failure_threshold": 1},
        "resources": {"cpu_request": "5m", "memory_request": "16Mi", "memory_limit": "64Mi"},
    }


HTTP_SERVICE = {"ports": [{"port": 80, "target_port": "http", "name": "http"}]}


def webapp(
    image: str,
    replicas: int = 3,
    env: Mapping[str, str] | None = None,
    service: Mapping[str, Any] | None = None,
    **more: Any,
) -> dict[str, Any]:
    args: dict[str, Any] = {
        "container": echo_container(image, env),
        "deployment": {"replicas": replicas, **more.pop("deployment", {})},
        "service": dict(service or HTTP_SERVICE),
        **more,
    }
    return {"kind": "webapp", "args": args}


def is_ready(pod: Mapping[str, Any]) -> bool:
    """Ready and not terminating: during its preStop sleep a pod still reports Ready, but it
    has left its Services' ready endpoints and is on its way out."""
    if pod.get("metadata", {}).get("deletionTimestamp"):
        return False
    conditions = pod.get("status", {}).get("conditions") or []
    return any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)


class Stage:
    """A stack of the traffic program in its own namespace."""

    def __init__(self, project: Project, stack: str, node: RealNode, kube: Kube) -> None:
        self.project = project
        self.stack = stack
        self.namespace = f"traffic-{stack}"
        self.node = node
        self.kube = kube
        self.apps: dict[str, Any] = {}
        self.placement: dict[str, Any] = node.placement()
        project.select(stack)

    @classmethod
    def create(
        cls, into: Path, env: Mapping[str, str], *, stack: str, node: RealNode, kube: Kube
    ) -> Stage:
        return cls(Project.copy(into, env, kube.kubeconfig, source=PROGRAM), stack, node, kube)

    def _write(self, apps: Mapping[str, Any]) -> None:
        path = self.project.path / "stacks" / f"Pulumi.{self.stack}.yaml"
        doc = yaml.safe_load(path.read_text()) if path.exists() else {}
        doc = doc or {}
        doc["config"] = {
            "traffic:namespace": self.namespace,
            "traffic:placement": self.placement,
            "traffic:apps": copy.deepcopy(dict(apps)),
        }
        path.write_text(yaml.safe_dump(doc))

    def up(self, apps: Mapping[str, Any], check: bool = True) -> Any:
        self._write(apps)
        self.apps = copy.deepcopy(dict(apps))
        return self.project.up(self.stack, check=check)

    def destroy(self) -> None:
        self.project.pulumi(
            "destroy", "--yes", "--skip-preview", "--stack", self.stack, check=False
        )

    def outputs(self) -> dict[str, Any]:
        apps: dict[str, Any] = self.project.outputs(self.stack)["apps"]
        return apps

    def service(self, name: str) -> dict[str, Any]:
        return self.kube.get_one("service", self.namespace, name)

    def cluster_ip(self, name: str) -> Target:
        svc = self.service(name)
        ip = svc["spec"]["clusterIP"]
        assert_on_machine(ip)
        return Target(ip, svc["spec"]["ports"][0]["port"])

    def node_port(self, name: str) -> Target:
        svc = self.service(name)
        assert_on_machine(self.node.ip)
        return Target(self.node.ip, svc["spec"]["ports"][0]["nodePort"])

    def pods(self, app: str, *selector: str) -> list[dict[str, Any]]:
        labels = ",".join([f"app.kubernetes.io/name={app}", *selector])
        return self.kube.get("pods", self.namespace, "-l", labels)

    def ready_pods(self, app: str, *selector: str) -> list[str]:
        return sorted(p["metadata"]["name"] for p in self.pods(app, *selector) if is_ready(p))

    def pod_ips(self, app: str) -> dict[str, str]:
        return {
            p["metadata"]["name"]: p["status"]["podIP"]
            for p in self.pods(app)
            if is_ready(p) and p["status"].get("podIP")
        }

    def serving(
        self, service: str, pods: list[str], target: Target, every_pod: bool = True
    ) -> None:
        """Wait until ``service``'s ready endpoints are ``pods`` and every one of them answers
        through ``target`` (kube-proxy has programmed them): the warm-up before a count.
        With ``every_pod`` False (one client sticks to one pod) any answer will do."""
        wait_for(
            f"{service}'s endpoints to be {pods}",
            lambda: self.kube.ready_endpoints(self.namespace, service) == sorted(pods),
            timeout=60,
            every=0.5,
        )
        seen: set[str] = set()

        def all_answer() -> bool:
            run = send(target, count=max(20, 10 * len(pods)), concurrency=4, allow=[target.host])
            seen.update(run.count("pod"))
            if not every_pod:
                return not run.failures and bool(seen)
            return set(pods) <= seen

        wait_for(f"each of {pods} to answer through {target.host}", all_answer, timeout=60)

    def wait_rollout(
        self, app: str, replicas: int, check: Callable[[dict[str, Any]], bool]
    ) -> None:
        wait_for(
            f"{replicas} ready pods of {app} matching the new template",
            lambda: (
                len([p for p in self.pods(app) if is_ready(p) and check(p)]) == replicas
                and len(self.pods(app)) == replicas
            ),
            timeout=120,
        )


def env_of(pod: Mapping[str, Any], name: str) -> str | None:
    for env in pod["spec"]["containers"][0].get("env", []):
        if env["name"] == name:
            value: str | None = env.get("value")
            return value
    return None


def summary(run: Run) -> dict[str, Any]:
    """The figures of one run, for the report's JSON."""
    latencies = sorted(o.seconds for o in run.ok)

    def pct(q: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(q * len(latencies)))], 3)

    return {
        "requests": run.total,
        "failed": len(run.failures),
        "slow_over_1s": sum(1 for s in latencies if s > 1),
        "latency_p50_p99_max": [pct(0.5), pct(0.99), pct(1.0)] if latencies else [],
        "seconds": round(run.elapsed, 2),
        "rate": round(run.rate(), 1),
        "failures": dict(run.failure_summary()),
        "failure_times": [round(o.sent, 2) for o in run.failures][:50],
    }


def dump(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def timed(what: Callable[[], Any]) -> tuple[Any, float]:
    started = time.monotonic()
    result = what()
    return result, time.monotonic() - started
