"""Files and volumes on a live cluster: every kind of volume is admitted under Pod Security
'restricted', and a change of `files` rolls the pods onto a new ConfigMap through the real
provider (an immutable ConfigMap is replaced, never patched), the old one deleted after."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from components.manifests.webapp import build_webapp
from tests.catalogue import CATALOGUE
from tests.e2e.tools import Kube, Project, pod_of, wait_for

pytestmark = pytest.mark.e2e

NAMESPACE = "volumes-e2e"
CONFIG_PATH = 'berth:cart.files["/etc/cart/config.yaml"]'


@pytest.fixture(scope="module")
def restricted(kube: Kube) -> Iterator[str]:
    kube.run("create", "namespace", NAMESPACE)
    kube.run("label", "namespace", NAMESPACE, "pod-security.kubernetes.io/enforce=restricted")
    yield NAMESPACE
    kube.run("delete", "namespace", NAMESPACE, "--wait=false")


def test_a_pod_with_every_kind_of_volume_and_files_is_admitted_under_restricted(
    kube: Kube, restricted: str
) -> None:
    objects = build_webapp("files", CATALOGUE["volumes-and-files"])
    template = objects.deployment["spec"]["template"]
    pod = pod_of(template, "volumes")
    assert objects.files is not None
    kube.dry_run([objects.files, pod], restricted)


def cart_files(kube: Kube) -> list[dict[str, Any]]:
    maps = kube.get("configmaps", "shop-dev", "-l", "app.kubernetes.io/name=cart")
    return [m for m in maps if m["metadata"]["name"].startswith("cart-files-")]


def cart_template(kube: Kube) -> dict[str, Any]:
    deployments = kube.get("deployments", "shop-dev", "-l", "app.kubernetes.io/name=cart")
    assert len(deployments) == 1
    template: dict[str, Any] = deployments[0]["spec"]["template"]
    return template


def files_volume(template: dict[str, Any]) -> str:
    volume = next(v for v in template["spec"]["volumes"] if v["name"] == "berth-files")
    name: str = volume["configMap"]["name"]
    return name


def test_a_change_of_files_replaces_the_config_map_and_rolls_the_pods(
    project: Project, kube: Kube
) -> None:
    project.select("dev")
    project.set_config("dev", CONFIG_PATH, "greeting: hello")
    project.up("dev")
    first = cart_files(kube)
    assert [m["data"] for m in first] == [{"config.yaml": "greeting: hello"}]
    assert first[0]["immutable"] is True
    template = cart_template(kube)
    assert files_volume(template) == first[0]["metadata"]["name"]
    first_hash = template["metadata"]["annotations"]["berth.dev/files-sha256"]

    project.set_config("dev", CONFIG_PATH, "greeting: bonjour")
    project.up("dev")
    second = cart_files(kube)
    assert [m["data"] for m in second] == [{"config.yaml": "greeting: bonjour"}]
    assert second[0]["metadata"]["name"] != first[0]["metadata"]["name"]
    template = cart_template(kube)
    assert files_volume(template) == second[0]["metadata"]["name"]
    assert template["metadata"]["annotations"]["berth.dev/files-sha256"] != first_hash

    def rolled() -> bool:
        pods = kube.get("pods", "shop-dev", "-l", "app.kubernetes.io/name=cart")
        return bool(pods) and all(files_volume(p) == second[0]["metadata"]["name"] for p in pods)

    assert wait_for("the cart pods on the new ConfigMap", rolled)
    assert project.preview("dev", "--expect-no-changes").returncode == 0
    project.destroy("dev")
