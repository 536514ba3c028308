"""5-6. A canary's measured share of requests: label-sliced through the Service, and
weighted through the Gateway's HTTPRoute, with a header cohort."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.tools import wait_for
from tests.e2e.traffic.client import Target, send
from tests.e2e.traffic.node import assert_on_machine
from tests.e2e.traffic.report import Report
from tests.e2e.traffic.stage import HTTP_SERVICE, Stage, echo_container
from tests.e2e.traffic.stats import Share, distinguishes, requests_for

pytestmark = [pytest.mark.e2e, pytest.mark.traffic]
REPLICAS = 10
REQUESTS = 1000


def checkout(image: str, **more: Any) -> dict[str, Any]:
    args = {
        "container": echo_container(image),
        "version": "1.0",
        "canary": {"version": "2.0", "env": {"RELEASE": "2"}},
        "replicas": REPLICAS,
        "service": HTTP_SERVICE,
        **more,
    }
    return {"kind": "canary", "args": args}


@pytest.fixture(scope="module")
def canary(stage: Stage) -> Iterator[Stage]:
    yield stage


def measure(stage: Stage, key: str, step: str, report: Report, count: int | None = None) -> Share:
    """Count where ``count`` requests to the main Service land once its endpoints settled."""
    out = stage.outputs()["checkout"]
    expected = out["effective_canary_weight"] / 100
    stable = stage.ready_pods("checkout", "track=stable")
    canary = stage.ready_pods("checkout", "track=canary")
    assert len(stable) == out["stable_replicas"] and len(canary) == out["canary_replicas"]
    target = stage.cluster_ip(out["service"])
    stage.serving(out["service"], sorted(stable + canary), target)
    # Enough requests to catch a split off by one pod of ten.
    count = count or requests_for(expected, min(expected + 1 / REPLICAS, 1.0))
    run = send(target, count=count, concurrency=8, allow=[target.host])
    share = Share("canary", run.count("track").get("canary", 0), len(run.ok), expected)
    versions = dict(run.count("version"))
    report.add(
        key,
        "5",
        [
            f"{step}: Berth reports effective weight {out['effective_canary_weight']} % "
            f"({out['stable_replicas']} stable + {out['canary_replicas']} canary pods)",
            share.describe(),
            f"{run.total} requests, {len(run.failures)} failed; versions seen {versions}",
        ],
        {"share": share.as_dict(), "versions": versions, "failed": len(run.failures)},
        outcome="measured" if share.ok and not run.failures else "failed",
    )
    assert not run.failures, run.failure_summary()
    return share


@pytest.mark.parametrize("weight", [10, 25, 50])
def test_the_measured_canary_share_matches_the_effective_weight(
    canary: Stage, report: Report, weight: int
) -> None:
    canary.up({"checkout": checkout(canary.node.echo_image, canary_weight=weight)})
    share = measure(canary, f"canary-{weight}", f"canary_weight {weight}", report)
    assert share.ok, share.describe()
    assert distinguishes(share.total, share.expected, share.expected + 1 / REPLICAS)


def test_rollback_to_weight_zero_sends_nothing_to_the_canary(canary: Stage, report: Report) -> None:
    canary.up({"checkout": checkout(canary.node.echo_image, canary_weight=0)})
    # The canary pods keep serving through their preStop sleep while kube-proxy catches up
    # (Berth's zero-downtime default): measure the rolled-back split once they are gone.
    wait_for(
        "the canary pods to be gone",
        lambda: not canary.pods("checkout", "track=canary"),
        timeout=90,
    )
    share = measure(canary, "canary-rollback", "rollback (canary_weight 0)", report, count=400)
    assert share.expected == 0 and share.count == 0, share.describe()


def test_promotion_serves_every_request_from_the_canary_release(
    canary: Stage, report: Report
) -> None:
    canary.up({"checkout": checkout(canary.node.echo_image, canary_weight=50, promote=True)})
    out = canary.outputs()["checkout"]
    assert out["canary_replicas"] == 0
    target = canary.cluster_ip(out["service"])
    canary.wait_rollout(
        "checkout",
        REPLICAS,
        lambda p: p["metadata"]["labels"].get("app.kubernetes.io/version") == "2.0",
    )
    canary.serving(out["service"], canary.ready_pods("checkout"), target)
    run = send(target, count=400, concurrency=8, allow=[target.host])
    versions = dict(run.count("version"))
    ok = versions == {"2.0": 400}
    report.add(
        "canary-promote",
        "5",
        [
            f"promote: {out['stable_replicas']} stable pods run the canary's release",
            f"{run.total} requests, {len(run.failures)} failed; versions seen {versions}",
        ],
        {"versions": versions, **{"failed": len(run.failures)}},
        outcome="measured" if ok else "failed",
    )
    assert ok, versions


def route_app(image: str, gateway: tuple[str, str], weight: int) -> dict[str, Any]:
    namespace, name = gateway
    return checkout(
        image,
        canary_weight=weight,
        replicas=2,
        http_route={
            "gateway": name,
            "gateway_namespace": namespace,
            "hostnames": ["checkout.traffic.test"],
            "header": "X-Canary",
        },
    )


def test_http_route_weights_and_a_header_cohort_through_the_gateway(
    canary: Stage, report: Report
) -> None:
    gateway = canary.node.gateway
    assert gateway is not None, "the cluster started no Gateway (cluster/gateway.py)"
    weight = 5
    canary.up({"checkout": route_app(canary.node.echo_image, gateway.ref, weight)})
    assert_on_machine(gateway.host)
    base = {"Host": "checkout.traffic.test"}
    target = Target(gateway.host, gateway.port, "/", base)
    cohort = Target(gateway.host, gateway.port, "/", {**base, "X-Canary": "always"})

    def routed() -> bool:
        run = send(target, count=20, concurrency=2, allow=[gateway.host])
        return len(run.ok) == 20

    wait_for("the HTTPRoute to be served", routed, timeout=90)
    run = send(target, count=REQUESTS, concurrency=8, allow=[gateway.host])
    share = Share("canary", run.count("track").get("canary", 0), len(run.ok), weight / 100)
    cohort_run = send(cohort, count=200, concurrency=4, allow=[gateway.host])
    cohort_tracks = dict(cohort_run.count("track"))
    ok = share.ok and not run.failures and cohort_tracks == {"canary": 200}
    report.add(
        "http-route",
        "6",
        [
            f"HTTPRoute {100 - weight}/{weight} through Gateway {gateway.ref[0]}/{gateway.ref[1]} "
            f"({gateway.host}:{gateway.port})",
            share.describe(),
            f"{run.total} requests, {len(run.failures)} failed",
            f"header X-Canary: always -> {cohort_tracks} of {cohort_run.total}",
        ],
        {"share": share.as_dict(), "cohort": cohort_tracks, "failed": len(run.failures)},
        outcome="measured" if ok else "failed",
    )
    assert not run.failures, run.failure_summary()
    assert share.ok, share.describe()
    assert distinguishes(REQUESTS, 0.05, 0.15)
    assert cohort_tracks == {"canary": 200}
