"""Two components must not create the same object: same kind, namespace and fixed name."""

from __future__ import annotations

import pytest

from components import (
    Container,
    ContainerPort,
    ExternalDatabase,
    ExternalDatabaseArgs,
    SpecError,
    WebApp,
    WebAppArgs,
)
from components.testing import PulumiHarness

WEB = Container(image="shop:1.0", ports=[ContainerPort(port=8080, name="http")])


def test_a_second_component_with_the_same_fixed_names_is_an_error_naming_both(
    pulumi_harness: PulumiHarness,
) -> None:
    def program() -> None:
        WebApp("shop-eu", WebAppArgs(name="shop", namespace="store", container=WEB))
        WebApp("shop-us", WebAppArgs(name="shop", namespace="store", container=WEB))

    with pytest.raises(SpecError) as caught:
        pulumi_harness.run(program)
    assert str(caught.value).splitlines() == [
        "WebApp 'shop-us': 3 invalid settings:",
        "  name: 'shop' would create a second ServiceAccount 'shop' in 'store': WebApp 'shop-eu' "
        "creates it already (give one of them another name)",
        "  name: 'shop' would create a second Deployment 'shop' in 'store': WebApp 'shop-eu' "
        "creates it already (give one of them another name)",
        "  name: 'shop' would create a second Service 'shop' in 'store': WebApp 'shop-eu' "
        "creates it already (give one of them another name)",
    ]
    # Nothing of the second one is registered.
    assert [r.name for r in pulumi_harness.registry.of_type("berth:index:WebApp")] == ["shop-eu"]


def test_different_kinds_clash_only_where_they_share_a_kind(
    pulumi_harness: PulumiHarness,
) -> None:
    def program() -> None:
        WebApp("shop", WebAppArgs(name="orders", container=WEB))
        ExternalDatabase("orders", ExternalDatabaseArgs(engine="postgresql", host="db.example"))

    with pytest.raises(SpecError) as caught:
        pulumi_harness.run(program)
    assert str(caught.value).splitlines()[1:] == [
        "  name: 'orders' would create a second Service 'orders' in the default namespace: "
        "WebApp 'shop' creates it already (give one of them another name)",
    ]
    assert not pulumi_harness.registry.of_type("berth:index:ExternalDatabase")


def test_the_same_fixed_name_in_other_namespaces_or_autonamed_is_fine(
    pulumi_harness: PulumiHarness,
) -> None:
    def program() -> None:
        WebApp("shop-eu", WebAppArgs(name="shop", namespace="eu", container=WEB))
        WebApp("shop-us", WebAppArgs(name="shop", namespace="us", container=WEB))
        # Autonamed objects get a random suffix each: they never clash; its Service is
        # named 'web' (the component's name).
        WebApp("web", WebAppArgs(namespace="eu", container=WEB))
        WebApp("cart", WebAppArgs(name="shop-cart", namespace="eu", container=WEB))

    pulumi_harness.run(program)
    assert len(pulumi_harness.registry.of_type("berth:index:WebApp")) == 4


def test_each_program_run_starts_with_no_names_taken(pulumi_harness: PulumiHarness) -> None:
    def program() -> None:
        WebApp("shop", WebAppArgs(name="shop", container=WEB))

    pulumi_harness.run(program)
    pulumi_harness.run(program)
    pulumi_harness.run(program, stack="prod")
    assert len(pulumi_harness.registry.of_type("berth:index:WebApp")) == 1
