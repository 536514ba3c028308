"""The consumer example on the live cluster: a second project reading the shop's outputs."""

from __future__ import annotations

import base64

import pytest

from tests.e2e.tools import ROOT, Cluster, Kube, Project

pytestmark = pytest.mark.e2e


def test_consumer_project_builds_on_the_shop_stack(
    project: Project,
    cluster: Cluster,
    kube: Kube,
    tool_env: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    project.select("dev")
    project.up("dev")
    consumer = Project.copy(
        tmp_path_factory.mktemp("consumer") / "reports",
        tool_env,
        cluster.kubeconfig,
        source=ROOT / "examples" / "consumer",
        state=project.state,  # the same backend, so the StackReference resolves
    )
    consumer.select("dev")
    try:
        consumer.up("dev")
        shop = project.outputs("dev", show_secrets=True)
        deployment = kube.get("deployments", "reports-dev", "-l", "app.kubernetes.io/name=reports")[
            0
        ]
        env = {e["name"]: e for e in deployment["spec"]["template"]["spec"]["containers"][0]["env"]}
        assert env["STOREFRONT_URL"]["value"] == f"http://{shop['storefront_dns_name']}"
        ref = env["ORDERS_DB_URL"]["valueFrom"]["secretKeyRef"]
        secret = kube.get_one("secret", "reports-dev", ref["name"])
        assert base64.b64decode(secret["data"][ref["key"]]).decode() == shop["orders_db_url"]
        assert consumer.outputs("dev")["reports_dns_name"].endswith(
            ".reports-dev.svc.cluster.local"
        )
    finally:
        consumer.destroy("dev")
        project.destroy("dev")
