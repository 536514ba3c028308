"""Every object the manifests layer produces is valid for each supported Kubernetes version."""

from __future__ import annotations

import pytest

from components.manifests.webapp import build_webapp
from components.testing.schema import SUPPORTED_K8S_VERSIONS, SchemaError, validate_manifest
from tests.catalogue import CATALOGUE


@pytest.mark.parametrize("version", SUPPORTED_K8S_VERSIONS)
@pytest.mark.parametrize("example", sorted(CATALOGUE))
def test_every_catalogue_object_passes_the_strict_schema(example: str, version: str) -> None:
    for manifest in build_webapp("shop", CATALOGUE[example]).all():
        named = {**manifest, "metadata": {"name": "shop-1234567", **manifest["metadata"]}}
        validate_manifest(named, version)


def _route(hostname: str, header: str) -> dict[str, object]:
    return {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "HTTPRoute",
        "metadata": {"name": "shop"},
        "spec": {
            "parentRefs": [{"name": "gw"}],
            "hostnames": [hostname],
            "rules": [
                {
                    "matches": [{"headers": [{"name": header, "value": "always"}]}],
                    "backendRefs": [{"name": "shop", "port": 80}],
                }
            ],
        },
    }


def test_an_httproute_with_valid_names_passes_its_schema() -> None:
    validate_manifest(_route("shop.example.com", "X-Canary"))


@pytest.mark.parametrize(
    ("hostname", "header", "where"),
    [
        ("shop.example.com\n", "X-Canary", "$.spec.hostnames[0]"),
        ("shop.example.com", "X-Canary\n", "$.spec.rules[0].matches[0].headers[0].name"),
    ],
)
def test_a_trailing_newline_breaks_the_httproute_schema_as_on_the_server(
    hostname: str, header: str, where: str
) -> None:
    # Go's `$` never matches before a trailing newline; a YAML `|` block scalar ends in one.
    with pytest.raises(SchemaError) as caught:
        validate_manifest(_route(hostname, header))
    assert [v.path for v in caught.value.violations] == [where]
    assert "does not match" in caught.value.violations[0].message
