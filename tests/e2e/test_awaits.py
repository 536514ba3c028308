"""What `pulumi up` waits for, on a live cluster (docs/performance.md, "Awaits").

Berth's Services are not awaited for endpoints (the Deployments' rollouts are), a
LoadBalancer is awaited for its address only, and a release that never becomes ready
still fails `pulumi up` within its deadline, also when it is new (the provider's own
Service await would have held a new Service with unready pods for its 10 minutes).
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.tools import Kube, Project, wait_for

pytestmark = pytest.mark.e2e

NEW = "first"  # a stack deployed for the first time with a release that never gets ready


def is_ready(pod: dict[str, Any]) -> bool:
    conditions = pod.get("status", {}).get("conditions") or []
    return any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)


def routes_to(kube: Kube, service: str, ready: list[str]) -> bool:
    return kube.ready_endpoints("shop-prod", service) == ready


@pytest.fixture(scope="module")
def shop(project: Project) -> Iterator[Project]:
    project.select("prod")
    stacks = project.path / "stacks"
    config = (stacks / "Pulumi.prod.yaml").read_text().replace("shop-prod", f"shop-{NEW}")
    (stacks / f"Pulumi.{NEW}.yaml").write_text(config)
    project.select(NEW)
    yield project
    for stack in ("prod", NEW):
        project.pulumi("destroy", "--yes", "--skip-preview", "--stack", stack, check=False)


def test_when_up_returns_every_service_routes_to_its_ready_pods(shop: Project, kube: Kube) -> None:
    shop.up("prod")
    outputs = shop.outputs("prod")
    for app in ("storefront", "cart", "checkout"):
        service = outputs[f"{app}_dns_name"].split(".")[0]
        live = kube.get_one("service", "shop-prod", service)
        annotations = live["metadata"].get("annotations", {})
        # The Service was not awaited for endpoints; its Deployments' rollouts were.
        assert "pulumi.com/skipAwait" in annotations or "pulumi.com/waitFor" in annotations
        ready = sorted(
            p["metadata"]["name"]
            for p in kube.get("pods", "shop-prod", "-l", f"app.kubernetes.io/name={app}")
            if is_ready(p)
        )
        assert ready, f"{app}: no ready pods when pulumi up returned"
        # The EndpointSlice controller publishes ready pods within moments of their
        # readiness, which the rollout await has already seen.
        wait_for(
            f"{app}'s Service to route to its ready pods",
            functools.partial(routes_to, kube, service, ready),
            timeout=10,
        )


def test_a_load_balancer_is_awaited_until_it_has_an_address(shop: Project) -> None:
    state = json.loads(shop.pulumi("stack", "export", "--stack", "prod").stdout)
    services = [
        r
        for r in state["deployment"]["resources"]
        if r["type"] == "kubernetes:core/v1:Service" and r["urn"].endswith("::storefront")
    ]
    assert len(services) == 1
    recorded = services[0]["outputs"]
    assert recorded["spec"]["type"] == "LoadBalancer"
    # What `pulumi up` recorded is the Service as it was when the await ended.
    assert recorded["status"]["loadBalancer"]["ingress"], "up returned before the address"


def test_a_new_release_that_never_becomes_ready_fails_within_its_deadline(
    shop: Project, kube: Kube
) -> None:
    shop.set_config(NEW, "berth:storefront.deployment.progress_deadline_seconds", "20")
    shop.set_config(
        NEW, "berth:storefront.container.image", "registry.example.com/shop/storefront:unready"
    )
    started = time.monotonic()
    result = shop.up(NEW, check=False)
    took = time.monotonic() - started
    assert result.returncode != 0, "pulumi up should fail when the new pods never become ready"
    message = result.stdout + result.stderr
    assert "storefront" in message
    assert "ProgressDeadlineExceeded" in message or "progress deadline" in message.lower(), message[
        -3000:
    ]
    # The rollout's own timeout is 20 + 60 s; a Service awaited for endpoints would have
    # held `pulumi up` for the provider's 10 minutes.
    assert took < 300, f"pulumi up took {took:.0f} s to fail"
    pods = kube.get("pods", f"shop-{NEW}", "-l", "app.kubernetes.io/name=storefront")
    assert pods and not any(is_ready(p) for p in pods)
