"""ExternalDatabase without Pulumi: the Service, its endpoints, the Secret, the URL, the rules."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

from components import ExternalDatabaseArgs, SpecError
from components.manifests.database import (
    DatabaseObjects,
    DatabasePlan,
    build_database,
    connection_url,
    env_keys,
    secret_keys,
)
from components.testing.schema import validate_manifest

SKIP_AWAIT = {"pulumi.com/skipAwait": "true"}


def db(**overrides: Any) -> ExternalDatabaseArgs:
    given: dict[str, Any] = {"engine": "postgresql", "host": "orders.db.example.com"}
    given.update(overrides)
    return ExternalDatabaseArgs(**given)


def build(name: str = "orders-db", **overrides: Any) -> DatabaseObjects:
    return build_database(name, db(**overrides))


def problems(error: pytest.ExceptionInfo[SpecError]) -> dict[str, str]:
    return {p.path: str(p) for p in error.value.problems}


# -- a DNS host --------------------------------------------------------------


def test_a_dns_host_becomes_an_external_name_service_named_after_the_component() -> None:
    objects = build()
    service = objects.service
    assert service["metadata"]["name"] == "orders-db"
    assert service["spec"]["type"] == "ExternalName"
    assert service["spec"]["externalName"] == "orders.db.example.com"
    assert "selector" not in service["spec"]
    assert service["spec"]["ports"] == [
        {"name": "postgresql", "port": 5432, "protocol": "TCP", "targetPort": 5432}
    ]
    assert objects.endpoint_slice is None


def test_a_fully_qualified_host_keeps_its_trailing_dot() -> None:
    assert build(host="orders.db.example.com.").service["spec"]["externalName"] == (
        "orders.db.example.com."
    )


def test_args_name_replaces_the_component_name() -> None:
    objects = build_database("orders-db", db(name="orders"))
    assert objects.service["metadata"]["name"] == "orders"
    assert objects.secret["metadata"]["name"] == "orders-credentials"


def test_services_without_a_selector_are_not_awaited() -> None:
    assert build().service["metadata"]["annotations"] == {
        **SKIP_AWAIT,
        "pulumi.com/patchForce": "true",
    }
    assert build(host=None, addresses=["10.20.0.5"]).service["metadata"]["annotations"] == {
        **SKIP_AWAIT,
        "pulumi.com/patchForce": "true",
    }


# -- IP addresses ------------------------------------------------------------


def test_ip_addresses_become_a_selectorless_service_and_a_labelled_endpoint_slice() -> None:
    objects = build(host=None, addresses=["10.20.0.5", "10.20.0.6"])
    service, endpoints = objects.service, objects.endpoint_slice
    assert service["spec"]["type"] == "ClusterIP"
    assert "selector" not in service["spec"]
    assert service["spec"]["ipFamilies"] == ["IPv4"]
    assert endpoints is not None
    assert endpoints["apiVersion"] == "discovery.k8s.io/v1"
    assert endpoints["metadata"]["name"] == "orders-db-1"
    assert endpoints["metadata"]["labels"]["kubernetes.io/service-name"] == "orders-db"
    assert endpoints["metadata"]["labels"]["endpointslice.kubernetes.io/managed-by"] == "berth"
    assert endpoints["addressType"] == "IPv4"
    assert endpoints["endpoints"] == [
        {"addresses": ["10.20.0.5"], "conditions": {"ready": True}},
        {"addresses": ["10.20.0.6"], "conditions": {"ready": True}},
    ]


def test_the_endpoint_slice_maps_the_service_port_to_the_database_port_by_name() -> None:
    objects = build(host=None, addresses=["10.20.0.5"], port=15432, service_port=5432)
    (service_port,) = objects.service["spec"]["ports"]
    assert objects.endpoint_slice is not None
    (endpoint_port,) = objects.endpoint_slice["ports"]
    assert service_port["port"] == 5432
    assert endpoint_port["port"] == 15432
    assert service_port["name"] == endpoint_port["name"] == "postgresql"


def test_ipv6_addresses_make_an_ipv6_service_and_slice() -> None:
    objects = build(host=None, addresses=["2001:db8::10"])
    assert objects.service["spec"]["ipFamilies"] == ["IPv6"]
    assert objects.endpoint_slice is not None
    assert objects.endpoint_slice["addressType"] == "IPv6"


def test_a_thousand_addresses_fit_in_one_slice() -> None:
    addresses = [f"10.1.{i // 250}.{i % 250 + 1}" for i in range(1000)]
    objects = build(host=None, addresses=addresses)
    assert objects.endpoint_slice is not None
    assert len(objects.endpoint_slice["endpoints"]) == 1000


# -- engines, URL and Secret -------------------------------------------------


@pytest.mark.parametrize(
    ("engine", "port", "scheme"),
    [("postgresql", 5432, "postgresql"), ("mysql", 3306, "mysql"), ("redis", 6379, "redis"),
     ("mongodb", 27017, "mongodb")],
)  # fmt: skip
def test_engine_presets_give_the_default_port_and_url_scheme(
    engine: str, port: int, scheme: str
) -> None:
    objects = build(engine=engine)
    assert objects.service["spec"]["ports"][0]["port"] == port
    assert objects.secret["stringData"]["url"] == (
        f"{scheme}://orders-db.default.svc.cluster.local:{port}"
    )
    assert objects.secret["stringData"]["port"] == str(port)


def test_the_connection_url_escapes_credentials_and_uses_the_in_cluster_name() -> None:
    args = db(username="app@shop", password="p@ss:w/rd#?", database="orders", namespace="data",
              url_options={"sslmode": "require"})  # fmt: skip
    url = build_database("orders-db", args).secret["stringData"]["url"]
    parts = urlsplit(url)
    assert parts.scheme == "postgresql"
    assert parts.hostname == "orders-db.data.svc.cluster.local"
    assert parts.port == 5432
    assert unquote(parts.username or "") == "app@shop"
    assert unquote(parts.password or "") == "p@ss:w/rd#?"
    assert parts.path == "/orders"
    assert parts.query == "sslmode=require"


@pytest.mark.parametrize(
    ("credentials", "url"),
    [
        ({}, "redis://h:6379"),
        ({"password": "pw"}, "redis://:pw@h:6379"),
        ({"username": "u"}, "redis://u@h:6379"),
        ({"username": "u", "password": "pw", "database": "0"}, "redis://u:pw@h:6379/0"),
    ],
)
def test_the_connection_url_leaves_out_what_was_not_given(
    credentials: dict[str, str], url: str
) -> None:
    args = db(engine="redis", **credentials)
    assert (
        connection_url(
            args, "h", credentials.get("username"), credentials.get("password"),
            credentials.get("database"),
        )
        == url
    )  # fmt: skip


def test_the_secret_holds_the_connection_and_only_the_credentials_given() -> None:
    full = build(username="app", password="pw", database="orders").secret
    assert full["type"] == "Opaque"
    assert list(full["stringData"]) == ["host", "port", "username", "password", "database", "url"]
    assert full["stringData"]["host"] == "orders-db.default.svc.cluster.local"
    assert full["metadata"]["name"] == "orders-db-credentials"
    assert list(build(password="pw").secret["stringData"]) == ["host", "port", "password", "url"]


def test_env_keys_name_each_secret_key_with_the_prefix() -> None:
    args = db(username="app", password="pw", database="orders")
    assert env_keys(args, "DB_") == {
        "DB_HOST": "host",
        "DB_PORT": "port",
        "DB_USER": "username",
        "DB_PASSWORD": "password",
        "DB_NAME": "database",
        "DB_URL": "url",
    }
    assert set(env_keys(db(), "ORDERS_")) == {"ORDERS_HOST", "ORDERS_PORT", "ORDERS_URL"}
    assert secret_keys(db()) == ["host", "port", "url"]


def test_a_prefix_that_makes_bad_env_names_is_rejected() -> None:
    with pytest.raises(SpecError, match=r"prefix: 'DB=' makes 'DB=HOST', which is not a valid"):
        env_keys(db(), "DB=")


def test_labels_are_the_recommended_ones() -> None:
    objects = build(part_of="shop", labels={"team": "data"})
    for manifest in objects.all():
        labels = manifest["metadata"]["labels"]
        assert labels["app.kubernetes.io/name"] == "orders-db"
        assert labels["app.kubernetes.io/part-of"] == "shop"
        assert labels["team"] == "data"


def test_the_plan_knows_the_in_cluster_dns_name() -> None:
    plan = DatabasePlan.of("orders-db", db(cluster_domain="corp.internal"))
    assert plan.dns_name("data") == "orders-db.data.svc.corp.internal"


def test_the_pure_build_refuses_outputs_the_component_must_resolve() -> None:
    class Output:  # what SpecError and the checks recognise as a pulumi Output
        pass

    with pytest.raises(TypeError, match="plain credentials"):
        build_database("orders-db", db(password=Output()))


# -- schema ------------------------------------------------------------------

CATALOGUE: dict[str, dict[str, Any]] = {
    "host": {"username": "app", "password": "pw", "database": "orders"},
    "fqdn-host": {"host": "orders.db.example.com.", "engine": "mysql"},
    "ipv4": {"host": None, "addresses": ["10.20.0.5", "192.168.1.9"], "port": 15432,
             "service_port": 5432, "namespace": "data"},
    "ipv6": {"host": None, "addresses": ["2001:db8::10", "2001:db8::11"], "engine": "redis"},
}  # fmt: skip


@pytest.mark.parametrize("k8s_version", ["1.36.0", "1.37.0"])
@pytest.mark.parametrize("case", sorted(CATALOGUE))
def test_every_object_built_passes_the_kubernetes_schema(case: str, k8s_version: str) -> None:
    for manifest in build(**CATALOGUE[case]).all():
        validate_manifest(manifest, k8s_version)


# -- bad input ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "path", "text"),
    [
        (
            {"host": "10.20.0.5"},
            "host",
            "host: '10.20.0.5' is an IP address; give it as addresses=['10.20.0.5'] instead",
        ),
        ({"host": "2001:db8::1"}, "host", "give it as addresses=['2001:db8::1']"),
        ({"host": "Orders_DB.example.com"}, "host", "is not a DNS name"),
        ({"host": None}, "host", "host: None or addresses must be set"),
        ({"addresses": ["10.0.0.1"]}, "addresses", "cannot be set together with host"),
        ({"host": None, "addresses": ["127.0.0.1"]}, "addresses[0]", "is a loopback address"),
        ({"host": None, "addresses": ["::1"]}, "addresses[0]", "is a loopback address"),
        ({"host": None, "addresses": ["169.254.1.1"]}, "addresses[0]", "is a link-local address"),
        ({"host": None, "addresses": ["fe80::1"]}, "addresses[0]", "is a link-local address"),
        ({"host": None, "addresses": ["0.0.0.0"]}, "addresses[0]", "is the unspecified address"),
        ({"host": None, "addresses": ["::"]}, "addresses[0]", "is the unspecified address"),
        ({"host": None, "addresses": ["224.0.0.5"]}, "addresses[0]", "is a multicast address"),
        ({"host": None, "addresses": ["db.local"]}, "addresses[0]", "is not an IP address"),
        (
            {"host": None, "addresses": ["2001:DB8::1"]},
            "addresses[0]",
            "is not in canonical form (write '2001:db8::1')",
        ),
        (
            {"host": None, "addresses": ["10.0.0.1", "2001:db8::1"]},
            "addresses",
            "mixes IPv4 and IPv6",
        ),
        ({"host": None, "addresses": ["10.0.0.1", "10.0.0.1"]}, "addresses", "listed more than once"),
        (
            {"host": None, "addresses": [f"10.2.{i // 250}.{i % 250 + 1}" for i in range(1001)]},
            "addresses",
            "has 1001 items; an EndpointSlice holds at most 1000",
        ),
        ({"service_port": 6000}, "service_port", "must equal port (5432) for a host"),
        ({"port": 70000}, "port", "port: 70000 is not a port number"),
        ({"engine": "oracle"}, "engine", "engine: 'oracle' is not one of 'postgresql'"),
        ({"username": 42}, "username", "username: [secret] is not a string or a pulumi.Output"),
        ({"password": ""}, "password", "password: [secret] is empty (use None to leave it out)"),
        ({"url_options": {"": "x"}}, "url_options['']", "is not a non-empty string"),
        ({"name": "Orders"}, "name", "is not a valid DNS-1035 label"),
    ],
)  # fmt: skip
def test_bad_settings_are_rejected_naming_the_field_and_value(
    overrides: dict[str, Any], path: str, text: str
) -> None:
    with pytest.raises(SpecError) as error:
        db(**overrides)
    found = problems(error)
    assert path in found, found
    assert text in found[path]


def test_every_bad_address_is_reported_at_once() -> None:
    with pytest.raises(SpecError) as error:
        db(host=None, addresses=["10.0.0.1", "127.0.0.1", "fe80::1"])
    assert set(problems(error)) == {"addresses[1]", "addresses[2]"}


def test_a_component_name_that_cannot_name_a_service_is_rejected() -> None:
    with pytest.raises(SpecError, match=r"name: 'orders_db' is not a valid DNS-1035 label.*"
                       r"named after the component"):  # fmt: skip
        build_database("orders_db", db())
    with pytest.raises(SpecError, match=r"name: 'a{64}'"):
        build_database("a" * 64, db())
    assert build_database("a" * 63, db()).service["metadata"]["name"] == "a" * 63
    assert build_database("orders_db", db(name="orders")).service["metadata"]["name"] == "orders"
