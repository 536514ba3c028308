"""1. DNS discovery from inside a pod, through the cluster's CoreDNS.

The echo server's /resolve sends the lookup from the pod's own network namespace to the
nameserver in the pod's resolv.conf (the kube-dns Service), so a name that resolves here
resolves for any pod.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.traffic.client import Target, send
from tests.e2e.traffic.node import assert_on_machine
from tests.e2e.traffic.report import Report
from tests.e2e.traffic.stage import Stage, webapp

pytestmark = [pytest.mark.e2e, pytest.mark.traffic]
DB_HOST = "orders.db.example.com"


@pytest.fixture(scope="module")
def deployed(stage: Stage) -> Iterator[Stage]:
    image = stage.node.echo_image
    stage.up(
        {
            "web": webapp(image, replicas=2),
            "peers": webapp(image, replicas=2, service={**_http(), "headless": True}),
            "orders": {
                "kind": "database",
                "args": {"engine": "postgresql", "host": DB_HOST, "database": "orders"},
            },
        }
    )
    yield stage


def _http() -> dict[str, Any]:
    return {"ports": [{"port": 80, "target_port": "http", "name": "http"}]}


def resolve(stage: Stage, name: str, rtype: str = "A") -> dict[str, Any]:
    """Ask a web pod to look ``name`` up (raw query of ``rtype`` plus the system resolver)."""
    pod_ip = sorted(stage.pod_ips("web").values())[0]
    assert_on_machine(pod_ip)
    run = send(
        Target(pod_ip, 8080, f"/resolve?name={name}&type={rtype}"),
        count=1,
        concurrency=1,
        timeout=8,
        allow=[pod_ip],
    )
    (outcome,) = run.outcomes
    assert outcome.answer is not None, f"no answer from the pod: {outcome.error}"
    return dict(outcome.answer)


def test_service_names_resolve_to_cluster_ips_headless_to_pod_ips_and_external_names_to_a_cname(
    deployed: Stage, report: Report
) -> None:
    stage = deployed
    outputs = stage.outputs()
    web = outputs["web"]["dns_name"]
    cluster_ip = stage.service(outputs["web"]["service"])["spec"]["clusterIP"]
    got_web = resolve(stage, web)

    peers = outputs["peers"]["dns_name"]
    peer_ips = sorted(stage.pod_ips("peers").values())
    got_peers = resolve(stage, peers)

    orders = outputs["orders"]["dns_name"]
    got_orders = resolve(stage, orders, "CNAME")

    lines = [
        f"{web} -> {got_web.get('addresses')} (ClusterIP {cluster_ip})",
        f"{peers} (headless) -> {sorted(got_peers.get('addresses') or [])} (pod IPs {peer_ips})",
        f"{orders} (ExternalName) -> CNAME "
        f"{[r['data'] for r in got_orders.get('records', []) if r['type'] == 'CNAME']}",
        f"nameserver seen by the pod: {got_web.get('server')}",
    ]
    ok = (
        got_web.get("addresses") == [cluster_ip]
        and sorted(got_peers.get("addresses") or []) == peer_ips
        and any(r["type"] == "CNAME" and r["data"] == DB_HOST + "." for r in got_orders["records"])
    )
    report.add(
        "dns",
        "1",
        lines,
        {"web": got_web, "peers": got_peers, "orders": got_orders, "cluster_ip": cluster_ip},
        outcome="measured" if ok else "failed",
    )
    assert got_web.get("addresses") == [cluster_ip], got_web
    assert [r["data"] for r in got_web["records"] if r["type"] == "A"] == [cluster_ip]
    assert sorted(got_peers.get("addresses") or []) == peer_ips, got_peers
    assert [r["data"] for r in got_orders["records"] if r["type"] == "CNAME"] == [DB_HOST + "."], (
        got_orders
    )
