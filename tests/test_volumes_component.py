"""Files and volumes as Pulumi sees them: the ConfigMap is the component's child, and the
Deployment mounts it by its real name. Every test runs in preview and in update mode."""

from __future__ import annotations

import pulumi
import pytest

from components import (
    CanaryService,
    CanaryServiceArgs,
    ConfigMapVolume,
    Container,
    ContainerPort,
    EmptyDirVolume,
    Mount,
    PersistentVolumeClaimVolume,
    SecretVolume,
    SpecError,
    WebApp,
    WebAppArgs,
)
from components.testing import PulumiHarness

CONFIG_MAP = "kubernetes:core/v1:ConfigMap"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
WEB = Container(
    image="shop:1.0",
    ports=[ContainerPort(port=8080, name="http")],
    mounts=[Mount(volume="cache", path="/var/cache")],
)
FILES = {"/etc/shop/config.yaml": "listen: 8080\n"}


def test_files_are_a_config_map_of_the_webapp_that_its_deployment_mounts(
    pulumi_harness: PulumiHarness,
) -> None:
    pulumi_harness.run(
        lambda: WebApp(
            "shop",
            WebAppArgs(container=WEB, volumes=[EmptyDirVolume(name="cache")], files=FILES),
        )
    )
    registry = pulumi_harness.registry
    component = registry.one("berth:index:WebApp", name="shop")
    config_map = registry.one(CONFIG_MAP, name="shop-files")
    deployment = registry.one(DEPLOYMENT, name="shop")
    assert config_map.parent == component.urn
    assert config_map.inputs["data"] == {"config.yaml": "listen: 8080\n"}
    assert config_map.inputs["immutable"] is True
    spec = deployment.inputs["spec"]["template"]["spec"]
    volumes = {v["name"]: v for v in spec["volumes"]}
    assert volumes["berth-files"]["configMap"]["name"] == config_map.outputs["metadata"]["name"]
    assert volumes["cache"] == {"name": "cache", "emptyDir": {}}
    assert registry.depends_on(deployment, config_map)


def test_without_files_no_config_map_is_registered(pulumi_harness: PulumiHarness) -> None:
    pulumi_harness.run(
        lambda: WebApp("shop", WebAppArgs(container=WEB, volumes=[EmptyDirVolume(name="cache")]))
    )
    assert pulumi_harness.registry.of_type(CONFIG_MAP) == ()


def test_both_canary_tracks_mount_the_canarys_one_config_map(
    pulumi_harness: PulumiHarness,
) -> None:
    pulumi_harness.run(
        lambda: CanaryService(
            "shop",
            CanaryServiceArgs(container=WEB, volumes=[EmptyDirVolume(name="cache")], files=FILES),
        )
    )
    registry = pulumi_harness.registry
    config_map = registry.one(CONFIG_MAP)
    assert config_map.parent == registry.one("berth:index:CanaryService").urn
    name = config_map.outputs["metadata"]["name"]
    deployments = registry.of_type(DEPLOYMENT)
    assert len(deployments) == 2
    for deployment in deployments:
        volumes = deployment.inputs["spec"]["template"]["spec"]["volumes"]
        assert {"name": "berth-files", "configMap": {"name": name}} in volumes
        assert registry.depends_on(deployment, config_map)


def test_a_volume_object_name_given_as_an_output_is_checked_once_known(
    pulumi_harness: PulumiHarness,
) -> None:
    def program() -> None:
        name = pulumi.Output.secret("Not A Name")
        tls = SecretVolume(name="tls", secret_name=name)
        container = WEB.evolve(mounts=[*WEB.mounts, Mount(volume="tls", path="/etc/tls")])
        WebApp(
            "shop",
            WebAppArgs(container=container, volumes=[EmptyDirVolume(name="cache"), tls]),
        )

    with pytest.raises(SpecError) as caught:
        pulumi_harness.run(program)
    message = str(caught.value)
    assert (
        "volumes[1].secret_name: (the value of a pulumi.Output) is not a valid DNS-1123 "
        "subdomain" in message
    )
    assert "Not A Name" not in message


def test_a_claim_named_by_an_output_is_mounted_by_its_value(pulumi_harness: PulumiHarness) -> None:
    def program() -> None:
        claim = PersistentVolumeClaimVolume(
            name="cache", claim_name=pulumi.Output.from_input("shop-cache")
        )
        WebApp("shop", WebAppArgs(container=WEB, volumes=[claim]))

    pulumi_harness.run(program)
    spec = pulumi_harness.registry.one(DEPLOYMENT).inputs["spec"]["template"]["spec"]
    assert {"name": "cache", "persistentVolumeClaim": {"claimName": "shop-cache"}} in spec[
        "volumes"
    ]


def test_a_mount_point_inside_a_read_only_mount_is_warned_about(
    pulumi_harness: PulumiHarness,
) -> None:
    container = WEB.evolve(
        mounts=[
            Mount(volume="settings", path="/etc/shop"),
            Mount(volume="cache", path="/etc/shop/cache"),
            Mount(volume="cache", path="/etc/shopping", sub_path="other"),
        ]
    )
    settings = ConfigMapVolume(name="settings", config_map_name="shop-settings")
    args = WebAppArgs(
        container=container,
        volumes=[settings, EmptyDirVolume(name="cache")],
        files={"/etc/shop/config.yaml": "a: 1", "/etc/other.yaml": "b: 2"},
    )
    pulumi_harness.run(lambda: WebApp("shop", args))
    warnings = [w for w in pulumi_harness.registry.warnings if "read-only mount" in str(w)]
    text = "\n".join(str(w) for w in warnings)
    assert len(warnings) == 2, text
    assert "container.mounts[1].path: '/etc/shop/cache' is inside the read-only mount " in text
    assert "files['/etc/shop/config.yaml']: '/etc/shop/config.yaml' is inside" in text


def test_mounts_inside_a_writable_volume_are_not_warned_about(
    pulumi_harness: PulumiHarness,
) -> None:
    container = WEB.evolve(
        mounts=[Mount(volume="cache", path="/srv"), Mount(volume="data", path="/srv/data")]
    )
    args = WebAppArgs(
        container=container,
        volumes=[EmptyDirVolume(name="cache"), EmptyDirVolume(name="data")],
        files={"/srv/config.yaml": "a: 1", "/tmp/x.yaml": "x"},
    )
    pulumi_harness.run(lambda: WebApp("shop", args))
    assert not [w for w in pulumi_harness.registry.warnings if "read-only mount" in str(w)]
