"""ExternalDatabase as Pulumi sees it: stable names, secret outputs, and apps reading by reference.

Every test runs twice, in preview and in update mode (the ``pulumi_harness`` fixture).
"""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from components import (
    Container,
    ContainerPort,
    ExternalDatabase,
    ExternalDatabaseArgs,
    SecretKeyRef,
    WebApp,
    WebAppArgs,
)
from components.testing import PulumiHarness

TYPE = "berth:index:ExternalDatabase"
SERVICE = "kubernetes:core/v1:Service"
SLICE = "kubernetes:discovery.k8s.io/v1:EndpointSlice"
SECRET = "kubernetes:core/v1:Secret"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
PASSWORD = "correct horse battery staple"


def orders(**overrides: Any) -> ExternalDatabase:
    given: dict[str, Any] = {
        "engine": "postgresql",
        "addresses": ["10.20.0.5"],
        "username": "shop",
        "password": pulumi.Output.secret(PASSWORD),
        "database": "orders",
        "namespace": "store",
    }
    given.update(overrides)
    return ExternalDatabase("orders-db", ExternalDatabaseArgs(**given))


def test_the_service_slice_and_secret_are_children_with_stable_names(
    pulumi_harness: PulumiHarness,
) -> None:
    pulumi_harness.run(orders)
    registry = pulumi_harness.registry
    component = registry.one(TYPE, name="orders-db")
    service = registry.one(SERVICE, name="orders-db")
    endpoints = registry.one(SLICE, name="orders-db-1")
    secret = registry.one(SECRET, name="orders-db-credentials")
    assert {r.urn for r in registry.children_of(component)} == {
        service.urn,
        endpoints.urn,
        secret.urn,
    }
    assert service.inputs["metadata"]["name"] == "orders-db"
    assert service.inputs["metadata"]["annotations"] == {
        "pulumi.com/skipAwait": "true",
        "pulumi.com/patchForce": "true",
    }
    assert "selector" not in service.inputs["spec"]
    assert endpoints.inputs["metadata"]["labels"]["kubernetes.io/service-name"] == "orders-db"
    assert registry.has_outputs(component)
    assert len(pulumi_harness.validate_manifests()) == 3


def test_a_dns_host_registers_an_external_name_service_and_no_slice(
    pulumi_harness: PulumiHarness,
) -> None:
    pulumi_harness.run(lambda: orders(addresses=(), host="orders.db.example.com"))
    registry = pulumi_harness.registry
    spec = registry.one(SERVICE).inputs["spec"]
    assert (spec["type"], spec["externalName"]) == ("ExternalName", "orders.db.example.com")
    assert registry.of_type(SLICE) == ()
    assert pulumi_harness.validate_manifests()


def test_outputs_give_the_in_cluster_name_port_and_secret(pulumi_harness: PulumiHarness) -> None:
    database = pulumi_harness.run(lambda: orders(port=15432, service_port=5432))
    resolve = pulumi_harness.resolve
    assert resolve(database.service_name) == "orders-db"
    assert resolve(database.namespace) == "store"
    assert resolve(database.dns_name) == "orders-db.store.svc.cluster.local"
    assert resolve(database.port) == 5432
    assert resolve(database.secret_name) == "orders-db-credentials"


def test_the_connection_url_is_a_secret_output(pulumi_harness: PulumiHarness) -> None:
    database = pulumi_harness.run(orders)
    assert pulumi_harness.is_secret(database.connection_url)
    assert pulumi_harness.resolve(database.connection_url) == (
        "postgresql://shop:correct%20horse%20battery%20staple"
        "@orders-db.store.svc.cluster.local:5432/orders"
    )


def test_plain_string_credentials_are_still_stored_as_secrets(
    pulumi_harness: PulumiHarness,
) -> None:
    database = pulumi_harness.run(lambda: orders(password="plain-pw"))
    secret = pulumi_harness.registry.one(SECRET)
    assert "stringData" in secret.secret_inputs
    assert secret.inputs["stringData"]["password"] == "plain-pw"
    assert pulumi_harness.is_secret(database.connection_url)


def test_an_app_reads_the_connection_by_reference_never_by_value(
    pulumi_harness: PulumiHarness,
) -> None:
    def program() -> ExternalDatabase:
        database = orders()
        container = Container(
            image="shop:1.0", ports=[ContainerPort(port=8080)], env=database.env_refs(prefix="DB_")
        )
        WebApp("shop", WebAppArgs(container=container, namespace="store"))
        return database

    database = pulumi_harness.run(program)
    registry = pulumi_harness.registry
    deployment = registry.one(DEPLOYMENT)
    env = deployment.inputs["spec"]["template"]["spec"]["containers"][0]["env"]
    key_of = {"DB_HOST": "host", "DB_PORT": "port", "DB_USER": "username",
              "DB_PASSWORD": "password", "DB_NAME": "database", "DB_URL": "url"}  # fmt: skip
    assert env == [
        {"name": name, "valueFrom": {"secretKeyRef": {"name": "orders-db-credentials", "key": key}}}
        for name, key in key_of.items()
    ]
    assert PASSWORD not in repr(deployment.inputs)
    assert registry.depends_on(deployment, registry.one(SECRET))
    refs = database.env_refs()
    assert all(isinstance(ref, SecretKeyRef) for ref in refs.values())


def test_wrong_args_register_nothing(pulumi_harness: PulumiHarness) -> None:
    with pytest.raises(TypeError, match="must be an ExternalDatabaseArgs"):
        pulumi_harness.run(lambda: ExternalDatabase("db", {"engine": "redis"}))  # type: ignore[arg-type]
    assert len(pulumi_harness.registry) == 0
