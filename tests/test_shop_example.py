"""examples/shop under the mocks harness: the eight apps it describes, as registered.

The same program deploys on the local cluster in tests/e2e/test_shop_example.py.
"""

from __future__ import annotations

import importlib.util
import re
import runpy
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from components.testing import PulumiHarness
from components.testing.registry import ResourceRecord
from components.testing.schema import SUPPORTED_K8S_VERSIONS

SHOP = Path(__file__).resolve().parents[1] / "examples" / "shop"
APPS = {"web", "catalog", "search", "recommendations", "cart", "checkout", "payments"}
APPS |= {"notifications"}
NAME = "app.kubernetes.io/name"


def _count_lines() -> ModuleType:
    spec = importlib.util.spec_from_file_location("shop_count_lines", SHOP / "count_lines.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


count_lines = _count_lines()


def run_shop(preview: bool) -> PulumiHarness:
    harness = PulumiHarness(preview=preview)
    harness.run(
        lambda: runpy.run_path(str(SHOP / "__main__.py"), run_name="__main__"),
        config=count_lines.stack_config(),
        project="berth-shop",
        stack="dev",
    )
    return harness


@pytest.fixture(scope="module")
def updated() -> Iterator[PulumiHarness]:
    with run_shop(preview=False) as harness:
        yield harness


@pytest.fixture(scope="module", params=[True, False], ids=["preview", "update"])
def shop(request: pytest.FixtureRequest) -> Iterator[PulumiHarness]:
    if not request.param:
        yield request.getfixturevalue("updated")
        return
    with run_shop(preview=True) as harness:
        yield harness


def objects(harness: PulumiHarness, kind: str) -> list[ResourceRecord]:
    return [r for r in harness.registry if r.custom and not r.read and r.kind == kind]


def name(record: ResourceRecord) -> str:
    """The object's name: its own, or the one Pulumi generated (the mocks' stand-in)."""
    given: str | None = record.inputs["metadata"].get("name")
    return given or str(record.outputs["metadata"]["name"])


def by_app(harness: PulumiHarness, kind: str) -> dict[str, list[ResourceRecord]]:
    found: dict[str, list[ResourceRecord]] = {}
    for record in objects(harness, kind):
        found.setdefault(record.inputs["metadata"]["labels"][NAME], []).append(record)
    return found


def pod_spec(harness: PulumiHarness, app: str) -> dict[str, Any]:
    spec: dict[str, Any] = by_app(harness, "Deployment")[app][0].inputs["spec"]["template"]["spec"]
    return spec


def test_eight_apps_each_with_its_own_service_account_and_policy(shop: PulumiHarness) -> None:
    deployments = by_app(shop, "Deployment")
    assert set(deployments) == APPS
    assert len(deployments["checkout"]) == 2  # the stable and the canary track
    accounts = {name(r) for r in objects(shop, "ServiceAccount")}
    assert {pod_spec(shop, app)["serviceAccountName"] for app in APPS} == accounts
    assert len(accounts) == len(APPS)
    assert set(by_app(shop, "NetworkPolicy")) == APPS


def test_init_containers_sidecars_and_files_are_in_the_pods(shop: PulumiHarness) -> None:
    assert [c["name"] for c in pod_spec(shop, "catalog")["initContainers"]] == ["migrate"]
    search = pod_spec(shop, "search")
    assert [c["name"] for c in search["initContainers"]] == ["build-index"]
    mounts = {m["name"]: m["mountPath"] for m in search["initContainers"][0]["volumeMounts"]}
    assert mounts["index"] == "/var/lib/index"  # the scratch volume the app then serves
    for app, sidecar in (("recommendations", "model-sync"), ("cart", "metrics")):
        first = pod_spec(shop, app)["initContainers"][0]
        assert (first["name"], first["restartPolicy"]) == (sidecar, "Always")
    files = {
        r.inputs["metadata"]["labels"][NAME]: r.inputs["data"] for r in objects(shop, "ConfigMap")
    }
    assert set(files) == {"catalog", "notifications", "web"}
    assert "page_size: 24" in "".join(files["catalog"].values())


def test_payments_has_an_internal_and_a_public_service(shop: PulumiHarness) -> None:
    services = {name(r): r.inputs["spec"] for r in objects(shop, "Service")}
    assert services["payments"]["type"] == "ClusterIP"
    assert services["payments-webhooks"]["type"] == "LoadBalancer"
    assert services["payments-webhooks"]["ports"][0]["targetPort"] == "webhooks"
    # Named by their apps, as the programs' URLs (http://cart:8080) expect.
    assert set(services) >= APPS


def test_the_policies_allow_only_the_callers_dns_and_the_database(shop: PulumiHarness) -> None:
    policies = {app: r[0].inputs["spec"] for app, r in by_app(shop, "NetworkPolicy").items()}
    callers = {
        app: {
            peer["podSelector"]["matchLabels"][NAME]
            for rule in spec.get("ingress", [])
            for peer in rule.get("from", [])
            if "podSelector" in peer
        }
        for app, spec in policies.items()
    }
    assert callers["catalog"] == {"web", "search", "recommendations"}
    assert callers["cart"] == {"web", "checkout"}
    assert callers["web"] == set()  # only the Gateway's namespace
    for app, spec in policies.items():
        assert spec["policyTypes"] == ["Ingress", "Egress"], app
        dns = [r for r in spec["egress"] if {"port": 53, "protocol": "UDP"} in r.get("ports", [])]
        assert dns, f"{app} cannot resolve names"
    to_db = [
        rule
        for rule in policies["checkout"]["egress"]
        if {"ipBlock": {"cidr": "10.20.0.5/32"}} in rule.get("to", [])
    ]
    assert to_db and to_db[0]["ports"] == [{"port": 5432, "protocol": "TCP"}]


def test_the_route_names_the_platforms_gateway(shop: PulumiHarness) -> None:
    (route,) = objects(shop, "HTTPRoute")
    assert route.inputs["spec"]["parentRefs"] == [{"name": "public", "namespace": "gateways"}]
    assert route.inputs["spec"]["hostnames"] == ["bookshop.dev.example.com"]


def test_everything_is_berths_and_goes_through_the_bound_provider(shop: PulumiHarness) -> None:
    source = (SHOP / "__main__.py").read_text()
    assert "pulumi_kubernetes" not in source
    registry = shop.registry
    bound = registry.one("pulumi:providers:kubernetes", name="cluster")
    kubernetes = [r for r in registry if r.type.startswith("kubernetes:") and not r.read]
    assert {r.options.provider_urn for r in kubernetes} == {bound.urn}
    components = {r.urn: r for r in registry if r.is_component}
    assert all(r.parent in components for r in kubernetes), "an object outside Berth's components"
    namespace = registry.one("kubernetes:core/v1:Namespace", name="bookshop-dev")
    assert namespace.inputs["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == (
        "restricted"
    )


def test_the_database_password_stays_secret(shop: PulumiHarness) -> None:
    assert shop.is_secret(shop.exports["shop_db_url"])
    (secret,) = [
        r for r in objects(shop, "Secret") if r.inputs["metadata"]["labels"][NAME] == "shop-db"
    ]
    assert any(path.startswith("stringData") for path in secret.secret_inputs)


@pytest.mark.parametrize("version", SUPPORTED_K8S_VERSIONS)
def test_every_object_passes_the_schema(updated: PulumiHarness, version: str) -> None:
    registered = [r for r in updated.registry if r.type.startswith("kubernetes:") and not r.read]
    assert len(updated.validate_manifests(version)) == len(registered)


def test_the_readme_quotes_the_line_counts_the_script_prints() -> None:
    readme = (SHOP / "README.md").read_text()
    quoted = re.search(r"<!-- LINES:BEGIN -->\n```\n(.*?)```\n<!-- LINES:END -->", readme, re.S)
    assert quoted, "README.md lost its line-count block"
    assert quoted.group(1) == count_lines.report(), "run `python count_lines.py` and paste it"


def test_the_yaml_holds_every_object_and_no_secret() -> None:
    manifests = count_lines.objects()
    text = count_lines.as_yaml(manifests)
    assert text.count("\nkind: ") + text.startswith("kind: ") == len(manifests)
    assert all(m["metadata"]["name"] for m in manifests), "an object without a name"
    (credentials,) = [
        m
        for m in manifests
        if m["kind"] == "Secret" and m["metadata"]["name"] == "shop-db-credentials"
    ]
    # The URL holds the password: every value of a secret is masked, not only the password.
    assert set(credentials["stringData"]) >= {"password", "url"}
    assert set(credentials["stringData"].values()) == {count_lines.MASK}
    assert "postgresql://" not in text


def test_code_lines_skip_blank_lines_comments_and_the_docstring() -> None:
    source = '"""Doc.\n\nMore."""\n\n# why\nx = [\n    1,  # one\n]\n\n\ny = 2\n'
    assert count_lines.code_lines(source) == 4
