"""Every object the manifests layer produces is valid for each supported Kubernetes version."""

from __future__ import annotations

import pytest

from components.manifests.webapp import build_webapp
from components.testing.schema import SUPPORTED_K8S_VERSIONS, validate_manifest
from tests.catalogue import CATALOGUE


@pytest.mark.parametrize("version", SUPPORTED_K8S_VERSIONS)
@pytest.mark.parametrize("example", sorted(CATALOGUE))
def test_every_catalogue_object_passes_the_strict_schema(example: str, version: str) -> None:
    for manifest in build_webapp("shop", CATALOGUE[example]).all():
        named = {**manifest, "metadata": {"name": "shop-1234567", **manifest["metadata"]}}
        validate_manifest(named, version)
