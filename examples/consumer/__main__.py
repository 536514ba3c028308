"""A reports service run by another team: Berth's WebApp, wired to the shop's outputs.

It reads the shop stack's outputs through a StackReference (the storefront's in-cluster
DNS name, the orders database URL as a secret) and deploys into its own namespace,
through a provider bound to the cluster the stack was first deployed to: every object
(and every child of every component) uses it, never the default provider.
"""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from components import (
    Container,
    ContainerPort,
    DeploymentSpec,
    DisruptionBudget,
    Probe,
    WebApp,
    WebAppArgs,
)
from components.cluster import cluster_provider


def main() -> None:
    config = pulumi.Config()
    namespace = config.require("namespace")
    shop = pulumi.StackReference(config.require("shopStack"))
    storefront: pulumi.Output[str] = shop.require_output("storefront_dns_name")
    orders_url: pulumi.Output[str] = shop.require_output("orders_db_url")

    # Refuses, before registering anything, a cluster other than this stack's own.
    provider = cluster_provider()
    ns = k8s.core.v1.Namespace(
        "namespace",
        metadata={
            "name": namespace,
            "labels": {"pod-security.kubernetes.io/enforce": "restricted"},
        },
        opts=pulumi.ResourceOptions(provider=provider),
    )
    reports = WebApp(
        "reports",
        WebAppArgs(
            namespace=namespace,
            part_of="shop-reports",
            container=Container(
                image="registry.example.com/reports/api:0.3.0",
                ports=[ContainerPort(port=8080, name="http")],
                env={"STOREFRONT_URL": storefront.apply(lambda host: f"http://{host}")},
                # A secret Output goes into a Secret the component creates, never inline.
                secret_env={"ORDERS_DB_URL": orders_url},
                readiness_probe=Probe.http("/ready"),
            ),
            # Two replicas (the default): a budget keeps one up through a node drain.
            deployment=DeploymentSpec(disruption_budget=DisruptionBudget()),
        ),
        opts=pulumi.ResourceOptions(provider=provider, depends_on=[ns]),
    )
    pulumi.export("reports_dns_name", reports.dns_name)


main()
