"""Each environment's stack file, run through __main__.py under mocks."""

from __future__ import annotations

import json
import runpy
from pathlib import Path
from typing import Any

import pytest
import yaml

from components import SpecError
from components.testing import PulumiHarness

ROOT = Path(__file__).resolve().parents[1]
STACKS = ("dev", "staging", "prod")
TEST_PASSWORD = "test-only-password"


def stack_config(stack: str) -> dict[str, str]:
    """A stack file's config as the Pulumi runtime sees it (objects as JSON strings)."""
    raw: dict[str, Any] = yaml.safe_load((ROOT / "stacks" / f"Pulumi.{stack}.yaml").read_text())
    config: dict[str, str] = {}
    for key, value in raw["config"].items():
        if isinstance(value, dict) and set(value) == {"secure"}:
            config[key] = TEST_PASSWORD  # encrypted in the file; the CLI decrypts it
        elif isinstance(value, str):
            config[key] = value
        else:
            config[key] = json.dumps(value)
    config.setdefault("berth:ordersPassword", TEST_PASSWORD)
    return config


def run_stack(harness: PulumiHarness, stack: str, config: dict[str, str] | None = None) -> None:
    harness.run(
        lambda: runpy.run_path(str(ROOT / "__main__.py"), run_name="__main__"),
        config=config or stack_config(stack),
        secret_keys=["berth:ordersPassword"],
        stack=stack,
    )


@pytest.mark.parametrize("stack", STACKS)
def test_every_stack_deploys_the_whole_shop(pulumi_harness: PulumiHarness, stack: str) -> None:
    run_stack(pulumi_harness, stack)
    registry = pulumi_harness.registry
    components = sorted((r.type, r.name) for r in registry if r.is_component)
    assert components == [
        ("berth:index:CanaryService", "checkout"),
        ("berth:index:ExternalDatabase", "orders-db"),
        ("berth:index:Namespace", "namespace"),
        ("berth:index:WebApp", "cart"),
        ("berth:index:WebApp", "storefront"),
    ]
    namespace_object = registry.one("kubernetes:core/v1:Namespace", name="namespace")
    namespace = namespace_object.inputs["metadata"]
    assert namespace["name"] == f"shop-{stack}"
    assert namespace["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    # The raw Namespace of earlier versions moves into the component, not replaced.
    # (its own name and type, no parent: the URN of the raw Namespace it was).
    assert namespace_object.options.aliases == ({"noParent": True},)
    pulumi_harness.validate_manifests()
    # The example follows its own advice: pinned images, UIDs given, secrets as secrets.
    assert registry.warnings == ()
    exports = pulumi_harness.exports
    assert pulumi_harness.resolve(exports["namespace"]) == f"shop-{stack}"
    assert (
        pulumi_harness.resolve(exports["orders_db_dns_name"])
        == f"orders-db.shop-{stack}.svc.cluster.local"
    )
    assert pulumi_harness.resolve(exports["storefront_dns_name"]).endswith(
        f".shop-{stack}.svc.cluster.local"
    )


def test_environments_differ_as_real_ones_do(pulumi_harness: PulumiHarness) -> None:
    sizes: dict[str, dict[str, Any]] = {}
    for stack in STACKS:
        run_stack(pulumi_harness, stack)
        registry = pulumi_harness.registry
        storefront = registry.one("kubernetes:core/v1:Service", name="storefront")
        sizes[stack] = {
            "storefront_type": storefront.inputs["spec"]["type"],
            "policy": storefront.inputs["spec"].get("externalTrafficPolicy"),
            "budgets": len(registry.of_type("kubernetes:policy/v1:PodDisruptionBudget")),
            "autoscalers": len(
                registry.of_type("kubernetes:autoscaling/v2:HorizontalPodAutoscaler")
            ),
            "canary": pulumi_harness.resolve(pulumi_harness.exports["checkout_replicas"]),
        }
    assert sizes["dev"] == {
        "storefront_type": "NodePort",
        "policy": None,
        "budgets": 0,
        "autoscalers": 0,
        "canary": {"stable": 1, "canary": 0},
    }
    assert sizes["staging"]["canary"] == {"stable": 9, "canary": 1}
    assert sizes["prod"]["storefront_type"] == "LoadBalancer"
    assert sizes["prod"]["policy"] == "Local"
    assert sizes["prod"]["autoscalers"] == 1
    assert sizes["prod"]["budgets"] >= 4


def test_database_password_stays_secret(pulumi_harness: PulumiHarness) -> None:
    run_stack(pulumi_harness, "prod")
    url = pulumi_harness.exports["orders_db_url"]
    assert pulumi_harness.is_secret(url)
    assert TEST_PASSWORD in pulumi_harness.resolve(url)
    for record in pulumi_harness.registry:
        if record.type != "kubernetes:core/v1:Secret":
            assert TEST_PASSWORD not in json.dumps(record.inputs, default=str)


def test_bad_config_names_the_stack_key_value_and_rule_and_registers_nothing(
    pulumi_harness: PulumiHarness,
) -> None:
    config = stack_config("dev")
    cart = json.loads(config["berth:cart"])
    cart["service"]["session_affinity_timeout"] = 90000
    config["berth:cart"] = json.dumps(cart)
    checkout = json.loads(config["berth:checkout"])
    checkout["canary_weight"] = 150
    config["berth:checkout"] = json.dumps(checkout)
    with pytest.raises(SpecError) as caught:
        run_stack(pulumi_harness, "dev", config)
    message = str(caught.value)
    assert message.startswith("stack 'dev': 2 invalid settings:")
    assert "berth:cart.service.session_affinity_timeout: 90000 is not within 1..86400" in message
    assert "berth:checkout.canary_weight: 150 is not within 0..100" in message
    assert list(pulumi_harness.registry) == []


def test_the_namespace_takes_its_settings_from_config(pulumi_harness: PulumiHarness) -> None:
    config = stack_config("dev")
    config["berth:namespaceSettings"] = json.dumps(
        {"quota": {"hard": {"pods": "30"}}, "pod_security": {"warn": None}}
    )
    run_stack(pulumi_harness, "dev", config)
    registry = pulumi_harness.registry
    quota = registry.one("kubernetes:core/v1:ResourceQuota", name="namespace-quota")
    assert quota.inputs["metadata"]["namespace"] == "shop-dev"
    assert quota.inputs["spec"]["hard"] == {"pods": "30"}
    namespace = registry.one("kubernetes:core/v1:Namespace", name="namespace")
    labels = namespace.inputs["metadata"]["labels"]
    assert "pod-security.kubernetes.io/warn" not in labels
    assert labels["pod-security.kubernetes.io/enforce"] == "restricted"


def test_bad_namespace_settings_fail_before_anything_is_registered(
    pulumi_harness: PulumiHarness,
) -> None:
    config = stack_config("dev")
    config["berth:namespaceSettings"] = json.dumps(
        {
            "quota": {"hard": {"pods": "lots"}},
            "patches": [{"kind": "Namespace", "merge": {"metadata": {"name": "other"}}}],
        }
    )
    with pytest.raises(SpecError) as caught:
        run_stack(pulumi_harness, "dev", config)
    message = str(caught.value)
    assert (
        "berth:namespaceSettings.quota.hard['pods']: 'lots' is not a resource quantity" in message
    )
    assert "berth:namespaceSettings.patches[0].merge['metadata']['name']: 'other'" in message
    assert list(pulumi_harness.registry) == []


def test_secrets_in_stack_files_are_encrypted() -> None:
    for stack in STACKS:
        raw = yaml.safe_load((ROOT / "stacks" / f"Pulumi.{stack}.yaml").read_text())
        password = raw["config"].get("berth:ordersPassword")
        assert isinstance(password, dict) and set(password) == {"secure"}, stack


def test_render_mode_sends_every_object_through_the_render_provider(
    pulumi_harness: PulumiHarness, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("BERTH_RENDER_DIR", str(tmp_path))
    run_stack(pulumi_harness, "prod")
    registry = pulumi_harness.registry
    provider = registry.one("pulumi:providers:kubernetes", name="render")
    assert provider.inputs["renderYamlToDirectory"] == str(tmp_path)
    kubernetes = [r for r in registry if r.custom and r.type.startswith("kubernetes:")]
    assert kubernetes
    for record in kubernetes:
        assert record.options.provider_urn == provider.urn, record.name
    assert any("plain text" in warning for warning in registry.warnings)


def test_two_apps_claiming_one_service_name_fail_at_the_config_key_before_deploy(
    pulumi_harness: PulumiHarness,
) -> None:
    config = stack_config("dev")
    cart = json.loads(config["berth:cart"])
    cart["name"] = "storefront"  # its Service would be the storefront's
    config["berth:cart"] = json.dumps(cart)
    with pytest.raises(SpecError) as caught:
        run_stack(pulumi_harness, "dev", config)
    assert str(caught.value).splitlines() == [
        "stack 'dev': 1 invalid setting:",
        "  berth:cart: 'storefront' would create a second Service 'storefront' in 'shop-dev': "
        "WebApp 'storefront' creates it already (give one of them another name)",
    ]
    assert list(pulumi_harness.registry) == []
