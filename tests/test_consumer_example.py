"""The consumer example: another project importing Berth and reading the shop's outputs."""

from __future__ import annotations

import runpy
from pathlib import Path
from typing import Any

import pulumi
import pytest

from components.testing import BerthMocks, PulumiHarness

CONSUMER = Path(__file__).resolve().parents[1] / "examples" / "consumer"
SHOP = "organization/berth/dev"
SHOP_OUTPUTS = {
    "storefront_dns_name": "storefront-1a2b3c4d.shop-dev.svc.cluster.local",
    "orders_db_url": "postgresql://shop:s3cret@orders-db.shop-dev.svc.cluster.local:5432/orders",
}


class ShopStackMocks(BerthMocks):
    """BerthMocks plus the shop stack's outputs behind a StackReference."""

    def new_resource(
        self, args: pulumi.runtime.MockResourceArgs
    ) -> tuple[str | None, dict[str, Any]]:
        if args.typ == "pulumi:pulumi:StackReference" and args.inputs.get("name") == SHOP:
            return args.name, {
                "name": args.name,
                "outputs": SHOP_OUTPUTS,
                "secretOutputNames": ["orders_db_url"],
            }
        return super().new_resource(args)


@pytest.mark.parametrize("preview", [True, False], ids=["preview", "update"])
def test_consumer_wires_shop_outputs_into_its_webapp(preview: bool) -> None:
    with PulumiHarness(preview=preview, mocks=ShopStackMocks()) as harness:
        harness.run(
            lambda: runpy.run_path(str(CONSUMER / "__main__.py"), run_name="__main__"),
            config={
                "berth-consumer:namespace": "reports-dev",
                "berth-consumer:shopStack": "organization/berth/dev",
            },
            project="berth-consumer",
            stack="dev",
        )
        registry = harness.registry
        deployment = registry.one("kubernetes:apps/v1:Deployment", name="reports")
        env = {
            e["name"]: e
            for e in deployment.inputs["spec"]["template"]["spec"]["containers"][0]["env"]
        }
        assert env["STOREFRONT_URL"]["value"] == "http://" + SHOP_OUTPUTS["storefront_dns_name"]
        assert "valueFrom" in env["ORDERS_DB_URL"], (
            "the database URL must be referenced, not inlined"
        )
        secret = registry.one("kubernetes:core/v1:Secret", name="reports-env")
        assert secret.inputs["stringData"]["ORDERS_DB_URL"] == SHOP_OUTPUTS["orders_db_url"]
        assert "s3cret" not in repr(deployment.inputs)
        bound = registry.one("pulumi:providers:kubernetes", name="cluster")
        objects = [r for r in registry if r.type.startswith("kubernetes:") and not r.read]
        assert objects and {r.options.provider_urn for r in objects} == {bound.urn}
        assert harness.resolve(harness.exports["reports_dns_name"]).endswith(
            ".reports-dev.svc.cluster.local"
        )
        harness.verify_expectations()
