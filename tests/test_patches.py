"""Patches: fields Berth does not model, set on the objects it builds, and checked again."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components import (
    CanaryService,
    CanaryServiceArgs,
    Container,
    ContainerPort,
    ExternalDatabase,
    ExternalDatabaseArgs,
    Namespace,
    NamespaceArgs,
    Patch,
    SpecError,
    WebApp,
    WebAppArgs,
)
from components.config import args_from_config
from components.manifests.patches import component_objects, component_patch_problems, merge, patched
from components.testing import PulumiHarness

DEPLOYMENT = "kubernetes:apps/v1:Deployment"
SERVICE = "kubernetes:core/v1:Service"
WEB = Container(image="shop:1.0", ports=[ContainerPort(port=8080, name="http")])
GRACE = {"spec": {"template": {"spec": {"terminationGracePeriodSeconds": 90}}}}


def error_of(make: Any) -> str:
    with pytest.raises(SpecError) as caught:
        make()
    return str(caught.value)


def test_merge_follows_rfc_7386() -> None:
    # The examples of RFC 7386 appendix A that apply to objects.
    assert merge({"a": "b"}, {"a": "c"}) == {"a": "c"}
    assert merge({"a": "b"}, {"b": "c"}) == {"a": "b", "b": "c"}
    assert merge({"a": "b"}, {"a": None}) == {}
    assert merge({"a": "b", "b": "c"}, {"a": None}) == {"b": "c"}
    assert merge({"a": ["b"]}, {"a": "c"}) == {"a": "c"}
    assert merge({"a": "c"}, {"a": ["b"]}) == {"a": ["b"]}
    assert merge({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}) == {"a": {"b": "d"}}
    assert merge({"a": [{"b": "c"}]}, {"a": [1]}) == {"a": [1]}
    assert merge({"e": None}, {"a": 1}) == {"e": None, "a": 1}
    assert merge({}, {"a": {"bb": {"ccc": None}}}) == {"a": {"bb": {}}}


def test_merge_leaves_the_original_alone() -> None:
    original = {"spec": {"a": 1}}
    merge(original, {"spec": {"a": 2}})
    assert original == {"spec": {"a": 1}}


def test_a_merge_patch_sets_a_field_on_the_objects_of_its_kind(
    pulumi_harness: PulumiHarness,
) -> None:
    pulumi_harness.run(
        lambda: WebApp(
            "shop", WebAppArgs(container=WEB, patches=[Patch(kind="Deployment", merge=GRACE)])
        )
    )
    pod = pulumi_harness.registry.one(DEPLOYMENT, name="shop").inputs["spec"]["template"]["spec"]
    assert pod["terminationGracePeriodSeconds"] == 90
    # Berth's own settings stay where the patch did not touch them.
    assert pod["securityContext"]["runAsNonRoot"] is True
    pulumi_harness.validate_manifests()


def test_a_function_patch_edits_the_manifest(pulumi_harness: PulumiHarness) -> None:
    def publish_not_ready(manifest: dict[str, Any]) -> dict[str, Any]:
        manifest["spec"]["publishNotReadyAddresses"] = True
        return manifest

    pulumi_harness.run(
        lambda: WebApp(
            "shop",
            WebAppArgs(container=WEB, patches=[Patch(kind="Service", apply=publish_not_ready)]),
        )
    )
    service = pulumi_harness.registry.one(SERVICE, name="shop")
    assert service.inputs["spec"]["publishNotReadyAddresses"] is True


def test_a_patch_by_name_changes_only_that_object(pulumi_harness: PulumiHarness) -> None:
    patch = Patch(kind="Deployment", name="checkout-canary", merge={"spec": {"paused": True}})
    pulumi_harness.run(
        lambda: CanaryService("checkout", CanaryServiceArgs(container=WEB, patches=[patch]))
    )
    registry = pulumi_harness.registry
    assert registry.one(DEPLOYMENT, name="checkout-canary").inputs["spec"]["paused"] is True
    assert "paused" not in registry.one(DEPLOYMENT, name="checkout-stable").inputs["spec"]


def test_database_and_namespace_take_patches(pulumi_harness: PulumiHarness) -> None:
    def program() -> None:
        Namespace(
            "shop",
            NamespaceArgs(
                patches=[Patch(kind="Namespace", merge={"metadata": {"labels": {"team": "a"}}})]
            ),
        )
        ExternalDatabase(
            "orders",
            ExternalDatabaseArgs(
                engine="postgresql",
                addresses=["10.0.0.5"],
                patches=[
                    Patch(kind="EndpointSlice", merge={"endpoints": [{"addresses": ["10.0.0.6"]}]})
                ],
            ),
        )

    pulumi_harness.run(program)
    registry = pulumi_harness.registry
    namespace = registry.one("kubernetes:core/v1:Namespace", name="shop")
    assert namespace.inputs["metadata"]["labels"]["team"] == "a"
    assert namespace.inputs["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == (
        "restricted"
    )
    endpoint = registry.one("kubernetes:discovery.k8s.io/v1:EndpointSlice", name="orders-1")
    assert endpoint.inputs["endpoints"] == [{"addresses": ["10.0.0.6"]}]


def test_a_patch_that_breaks_restricted_is_refused_before_anything_is_registered(
    pulumi_harness: PulumiHarness,
) -> None:
    host = Patch(kind="Deployment", merge={"spec": {"template": {"spec": {"hostNetwork": True}}}})
    harmless = Patch(kind="Service", merge={"metadata": {"annotations": {"a": "b"}}})
    with pytest.raises(SpecError) as caught:
        pulumi_harness.run(
            lambda: WebApp("shop", WebAppArgs(container=WEB, patches=[harmless, host]))
        )
    assert str(caught.value) == (
        "WebApp 'shop': 1 invalid setting:\n"
        "  patches[1]: Deployment 'shop' spec.template.spec.hostNetwork: True must be false "
        "or unset (restricted) (after this patch)"
    )
    assert pulumi_harness.registry.resources == ()


def test_a_function_that_drops_the_security_context_is_refused() -> None:
    def root(manifest: dict[str, Any]) -> dict[str, Any]:
        del manifest["spec"]["template"]["spec"]["containers"][0]["securityContext"]
        return manifest

    args = WebAppArgs(container=WEB, patches=[Patch(kind="Deployment", apply=root)])
    problems = [str(p) for p in component_patch_problems("shop", args)]
    assert problems
    assert all(p.startswith("patches[0]: Deployment 'shop' spec.template.spec") for p in problems)
    assert any("capabilities.drop: [] must include 'ALL' (restricted)" in p for p in problems)


def test_a_patch_the_api_server_would_reject_is_refused() -> None:
    bad_label = Patch(kind="Service", merge={"metadata": {"labels": {"team": "a b"}}})
    args = WebAppArgs(container=WEB, patches=[bad_label])
    problems = [str(p) for p in component_patch_problems("shop", args)]
    assert problems == [
        "patches[0]: Service 'shop' metadata.labels['team']: 'a b' is not a valid label value "
        "(empty, or at most 63 letters, digits, '-', '_' or '.', starting and ending with a "
        "letter or digit) (after this patch)"
    ]


@pytest.mark.parametrize(
    ("patch", "expected"),
    [
        (
            Patch(kind="Ingress", merge={"spec": {}}),
            "patches[0]: 'Ingress' selects no object (made: Deployment 'shop', Service 'shop', ServiceAccount 'shop')",
        ),
        (
            Patch(kind="Deployment", name="other", merge={"spec": {}}),
            "patches[0]: \"Deployment 'other'\" selects no object",
        ),
        (
            Patch(kind="Deployment", apply=lambda m: m["nope"]),
            "patches[0].apply: <function> raised KeyError",
        ),
        (
            Patch(kind="Deployment", apply=lambda m: None),  # type: ignore[arg-type,return-value]
            "patches[0].apply: <function> returned a NoneType, not the manifest",
        ),
        (
            Patch(kind="Deployment", apply=lambda m: {**m, "kind": "StatefulSet"}),
            "changed the object's apiVersion, kind, metadata.name or metadata.namespace",
        ),
    ],
)
def test_a_patch_that_cannot_apply_is_a_spec_error(
    pulumi_harness: PulumiHarness, patch: Patch, expected: str
) -> None:
    with pytest.raises(SpecError) as caught:
        pulumi_harness.run(lambda: WebApp("shop", WebAppArgs(container=WEB, patches=[patch])))
    assert expected in str(caught.value)
    assert pulumi_harness.registry.of_type(DEPLOYMENT) == ()


@pytest.mark.parametrize(
    ("patch", "expected"),
    [
        ({"kind": "Deployment"}, "patches[0].merge: None or apply must be set"),
        (
            {"kind": "Deployment", "merge": {}, "apply": lambda m: m},
            "patches[0].apply: <function> cannot be set together with merge",
        ),
        (
            {"kind": "Service", "merge": {"metadata": {"name": "fixed"}}},
            "patches[0].merge['metadata']['name']: 'fixed' is set by Berth; not patchable",
        ),
        ({"kind": "Service", "merge": {"kind": "Pod"}}, "merge['kind']: 'Pod' is set by Berth"),
        ({"kind": "Service", "merge": ["a"]}, "patches[0].merge: ['a'] is not a mapping"),
        ({"kind": "Service", "merge": {"a": {1: "b"}}}, "has a key that is not a string"),
        ({"kind": "Service", "merge": {"a": object()}}, "holds a object, which no manifest"),
        ({"kind": "", "merge": {}}, "patches[0].kind: '' is not a non-empty string"),
        ({"kind": "Service", "merge": {}, "apply": "f"}, "patches[0].apply: 'f' is not a function"),
        (
            {"kind": "Service", "murge": {}},
            "patches[0].murge: is not a setting of Patch (known: apply, kind, merge, name)",
        ),
    ],
)
def test_each_bad_patch_setting_is_a_spec_error_naming_it(
    patch: dict[str, Any], expected: str
) -> None:
    assert expected in error_of(lambda: WebAppArgs(container=WEB, patches=[patch]))  # type: ignore[list-item]


def test_patches_load_from_stack_config_and_are_checked_there() -> None:
    data = {
        "container": {"image": "shop:1.0", "ports": [8080]},
        "patches": [{"kind": "Deployment", "merge": GRACE}],
    }
    args = args_from_config(WebAppArgs, data, key="berth:shop", stack="dev", logical="shop")
    assert args.patches == (Patch(kind="Deployment", merge=GRACE),)
    bad = {
        **data,
        "patches": [
            {"kind": "Deployment", "merge": {"spec": {"template": {"spec": {"hostPID": True}}}}}
        ],
    }
    with pytest.raises(SpecError) as caught:
        args_from_config(WebAppArgs, bad, key="berth:shop", stack="dev", logical="shop")
    assert (
        "berth:shop.patches[0]: Deployment 'shop' spec.template.spec.hostPID: True must be "
        "false or unset (restricted)" in str(caught.value)
    )


def test_patches_apply_in_order() -> None:
    first = Patch(kind="Service", merge={"spec": {"type": "NodePort"}})
    second = Patch(kind="Service", merge={"spec": {"type": "LoadBalancer"}})
    result = patched((first, second), "shop", {"kind": "Service", "spec": {"type": "ClusterIP"}})
    assert result["spec"]["type"] == "LoadBalancer"


def test_the_objects_patches_are_checked_on_are_every_object_the_components_build() -> None:
    # A new object in a build result must be listed for patches too (with its resource name,
    # components.manifests.patches.component_objects), or a patch on it would go unchecked.
    from components.manifests.canary import build_canary
    from components.manifests.database import build_database
    from components.manifests.webapp import build_webapp
    from tests.catalogue import CATALOGUE

    def in_order(objects: list[dict[str, Any]]) -> list[str]:
        return sorted(json.dumps(o, sort_keys=True, default=str) for o in objects)

    for args in CATALOGUE.values():
        built = build_webapp("shop", args).all()
        assert in_order([m for _, m in component_objects("shop", args)]) == in_order(built)
    canary = CanaryServiceArgs(
        container=WEB,
        canary_weight=25,
        canary={"image": "shop:1.1"},  # type: ignore[arg-type]
        deployment={"disruption_budget": {"max_unavailable": 1}},  # type: ignore[arg-type]
        http_route={"gateway": "gw"},  # type: ignore[arg-type]
    )
    assert [m for _, m in component_objects("checkout", canary)] == (
        build_canary("checkout", canary).all()
    )
    names = [name for name, _ in component_objects("checkout", canary)]
    assert names == [
        "checkout",  # the ServiceAccount both tracks share
        "checkout-stable",
        "checkout-canary",
        "checkout",
        "checkout-stable",
        "checkout-canary",
        "checkout-stable",
        "checkout-canary",
        "checkout",
    ]
    database = ExternalDatabaseArgs(engine="postgresql", addresses=["10.0.0.5"], password="pw")
    assert [m["kind"] for _, m in component_objects("orders", database)] == [
        m["kind"] for m in build_database("orders", database).all()
    ]
    assert [n for n, _ in component_objects("orders", database)] == [
        "orders",
        "orders-1",
        "orders-credentials",
    ]


def test_the_checked_objects_have_the_names_the_components_register(
    pulumi_harness: PulumiHarness,
) -> None:
    canary = CanaryServiceArgs(
        container=WEB,
        canary_weight=25,
        canary={"image": "shop:1.1"},  # type: ignore[arg-type]
        deployment={"disruption_budget": {"max_unavailable": 1}},  # type: ignore[arg-type]
        network_policy={},  # type: ignore[arg-type]
    )
    web = WebAppArgs(container=WEB, network_policy={})  # type: ignore[arg-type]

    def program() -> None:
        CanaryService("checkout", canary)
        WebApp("shop", web)

    pulumi_harness.run(program)
    registry = pulumi_harness.registry
    for type_, logical, args in (
        ("berth:index:CanaryService", "checkout", canary),
        ("berth:index:WebApp", "shop", web),
    ):
        children = registry.children_of(registry.one(type_, name=logical))
        registered = sorted((r.kind, r.name) for r in children)
        listed = sorted((m["kind"], name) for name, m in component_objects(logical, args))
        assert listed == registered
