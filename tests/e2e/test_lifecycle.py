"""The release lifecycle on a live cluster: three environments, rollouts, a canary, a
failed release and its rollback, drift, secrets, and a clean destroy.

The tests run in order and share one deployment of the three stacks.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.tools import Kube, Project, wait_for

pytestmark = pytest.mark.e2e
STACKS = ("dev", "staging", "prod")


def ns(stack: str) -> str:
    return f"shop-{stack}"


def pods(kube: Kube, stack: str, app: str, *selector: str) -> list[dict[str, Any]]:
    labels = ",".join([f"app.kubernetes.io/name={app}", *selector])
    return kube.get("pods", ns(stack), "-l", labels)


def is_ready(pod: dict[str, Any]) -> bool:
    conditions = pod.get("status", {}).get("conditions") or []
    return any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)


def image_of(pod: dict[str, Any]) -> str:
    image: str = pod["spec"]["containers"][0]["image"]
    return image


def deployment_identity(kube: Kube, stack: str) -> dict[str, tuple[str, str]]:
    """Each Deployment's uid and selector: a replacement or selector change shows here."""
    return {
        d["metadata"]["name"]: (d["metadata"]["uid"], json.dumps(d["spec"]["selector"]))
        for d in kube.get("deployments", ns(stack))
    }


@pytest.fixture(scope="module")
def shop(project: Project) -> Iterator[Project]:
    for stack in STACKS:
        project.select(stack)
    yield project


def test_three_environments_come_up_with_every_pod_admitted_and_ready(
    shop: Project, kube: Kube
) -> None:
    for stack in STACKS:
        shop.up(stack)
        namespace = kube.get_one("namespace", "", ns(stack))
        assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
        every = kube.get("pods", ns(stack))
        assert every and all(is_ready(p) for p in every), stack
        # No ReplicaSet is stuck because Pod Security refused its pods.
        for rs in kube.get("replicasets", ns(stack)):
            failures = [
                c for c in rs["status"].get("conditions", []) if c["type"] == "ReplicaFailure"
            ]
            assert not failures, (stack, rs["metadata"]["name"], failures)
    prod = shop.outputs("prod")
    lb = kube.get_one("service", ns("prod"), prod["storefront_dns_name"].split(".")[0])
    assert lb["spec"]["externalTrafficPolicy"] == "Local"
    assert lb["status"]["loadBalancer"]["ingress"], "the fake load balancer gave no address"


def test_rolling_update_never_drops_below_the_replica_count(shop: Project, kube: Kube) -> None:
    replicas = 3  # prod cart
    assert len([p for p in pods(kube, "prod", "cart") if is_ready(p)]) == replicas
    seen: list[int] = []
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            seen.append(len([p for p in pods(kube, "prod", "cart") if is_ready(p)]))
            time.sleep(0.2)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        shop.set_config(
            "prod", "berth:cart.container.image", "registry.example.com/shop/cart:1.1.0"
        )
        shop.up("prod")
    finally:
        done.set()
        watcher.join()
    assert len(seen) > 5, "the watch saw too little of the rollout"
    assert min(seen) >= replicas, f"ready pods dropped to {min(seen)} during the rollout"
    ready = [p for p in pods(kube, "prod", "cart") if is_ready(p)]
    assert {image_of(p) for p in ready} == {"registry.example.com/shop/cart:1.1.0"}


def checkout_split(shop: Project, kube: Kube) -> dict[str, int]:
    """How many ready endpoints of the main checkout Service belong to each track."""
    service = shop.outputs("staging")["checkout_dns_name"].split(".")[0]
    names = kube.ready_endpoints(ns("staging"), service)
    tracks: dict[str, int] = {"stable": 0, "canary": 0}
    for pod in pods(kube, "staging", "checkout"):
        if pod["metadata"]["name"] in names:
            tracks[pod["metadata"]["labels"]["track"]] += 1
    return tracks


def test_canary_moves_from_ten_to_fifty_percent_then_is_promoted(shop: Project, kube: Kube) -> None:
    identity = deployment_identity(kube, "staging")
    outputs = shop.outputs("staging")
    assert outputs["checkout_effective_canary_weight"] == 10
    assert wait_for("a 9/1 split", lambda: checkout_split(shop, kube) == {"stable": 9, "canary": 1})

    shop.set_config("staging", "berth:checkout.canary_weight", "50")
    shop.up("staging")
    assert shop.outputs("staging")["checkout_effective_canary_weight"] == 50
    assert wait_for("a 5/5 split", lambda: checkout_split(shop, kube) == {"stable": 5, "canary": 5})

    shop.set_config("staging", "berth:checkout.promote", "true")
    shop.up("staging")
    assert shop.outputs("staging")["checkout_replicas"] == {"stable": 10, "canary": 0}
    assert wait_for(
        "all on stable", lambda: checkout_split(shop, kube) == {"stable": 10, "canary": 0}
    )
    stable = [p for p in pods(kube, "staging", "checkout", "track=stable") if is_ready(p)]
    assert {image_of(p) for p in stable} == {"registry.example.com/shop/checkout:1.1.0"}
    assert deployment_identity(kube, "staging") == identity, "a Deployment was replaced"


def test_a_release_that_never_becomes_ready_fails_and_the_old_pods_keep_serving(
    shop: Project, kube: Kube
) -> None:
    service = shop.outputs("staging")["storefront_dns_name"].split(".")[0]
    serving = kube.ready_endpoints(ns("staging"), service)
    assert len(serving) == 2
    shop.set_config("staging", "berth:storefront.deployment.progress_deadline_seconds", "20")
    shop.set_config(
        "staging",
        "berth:storefront.container.image",
        "registry.example.com/shop/storefront:unready",
    )
    started = time.monotonic()
    result = shop.up("staging", check=False)
    assert result.returncode != 0, "pulumi up should fail when the new pods never become ready"
    assert time.monotonic() - started < 300
    message = result.stdout + result.stderr
    assert "storefront" in message
    assert "ProgressDeadlineExceeded" in message or "progress deadline" in message.lower(), message[
        -3000:
    ]
    assert kube.ready_endpoints(ns("staging"), service) == serving
    ready = [p for p in pods(kube, "staging", "storefront") if is_ready(p)]
    assert {image_of(p) for p in ready} == {"registry.example.com/shop/storefront:1.0.0"}


def test_rollback_is_reapplying_the_last_good_config(shop: Project, kube: Kube) -> None:
    shop.set_config(
        "staging", "berth:storefront.container.image", "registry.example.com/shop/storefront:1.0.0"
    )
    shop.up("staging")
    ready = wait_for(
        "the good version to serve again",
        lambda: [p for p in pods(kube, "staging", "storefront") if is_ready(p)],
    )
    assert {image_of(p) for p in ready} == {"registry.example.com/shop/storefront:1.0.0"}
    wait_for(
        "the failed pods to go",
        lambda: not [p for p in pods(kube, "staging", "storefront") if "unready" in image_of(p)],
    )


def test_a_second_up_changes_nothing(shop: Project) -> None:
    for stack in STACKS:
        shop.preview(stack, "--expect-no-changes")


def test_drift_is_reported_and_put_back(shop: Project, kube: Kube) -> None:
    cart = kube.get("deployments", ns("prod"), "-l", "app.kubernetes.io/name=cart")[0]
    name = cart["metadata"]["name"]
    kube.run("scale", "deployment", name, "-n", ns("prod"), "--replicas=5")
    drift = shop.preview("prod", "--refresh", "--diff", check=False)
    assert "replicas" in drift.stdout, drift.stdout[-3000:]
    shop.pulumi("up", "--yes", "--skip-preview", "--refresh", "--stack", "prod")
    assert kube.get_one("deployment", ns("prod"), name)["spec"]["replicas"] == 3
    shop.preview("prod", "--expect-no-changes")


def test_the_database_password_never_appears_in_plain_text(shop: Project) -> None:
    for stack in STACKS:
        password = shop.pulumi(
            "config", "get", "--stack", stack, "berth:ordersPassword"
        ).stdout.strip()
        assert password
        assert shop.outputs(stack)["orders_db_url"] == "[secret]"
        assert password not in shop.state_text(), f"{stack}: password in the state files"
        assert password not in (shop.path / "stacks" / f"Pulumi.{stack}.yaml").read_text()
        assert password in shop.outputs(stack, show_secrets=True)["orders_db_url"]


def test_destroy_leaves_nothing_in_the_cluster(shop: Project, kube: Kube) -> None:
    for stack in STACKS:
        shop.destroy(stack)
    wait_for(
        "the namespaces to be gone",
        lambda: not any(ns(s) in kube.run("get", "namespaces", "-o", "name") for s in STACKS),
        timeout=180,
    )
