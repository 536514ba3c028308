"""The traffic tests' program puts Berth's pods on the real node with the echo server's env."""

from __future__ import annotations

import pulumi

from components import (
    CanaryService,
    CanaryServiceArgs,
    CanaryTrack,
    Container,
    ContainerPort,
    Security,
    WebApp,
    WebAppArgs,
)
from components.testing import PulumiHarness
from tests.e2e.traffic.program.__main__ import place_on_node

PLACEMENT = {
    "node_selector": {"berth.dev/real-node": "true"},
    "tolerations": [{"key": "berth.dev/real-node", "operator": "Exists", "effect": "NoSchedule"}],
}
ECHO = Container(
    image="berth.local/echo:0123456789ab",
    env={"TRACK": "mine"},
    ports=[ContainerPort(port=8080)],
    security=Security(run_as_user=65532, run_as_group=65532),
)


def pod_specs(harness: PulumiHarness) -> list[dict[str, object]]:
    return [
        d.inputs["spec"]["template"]["spec"]
        for d in harness.registry.of_type("kubernetes:apps/v1:Deployment")
    ]


def test_every_deployment_of_a_component_selects_and_tolerates_the_real_node(
    pulumi_harness: PulumiHarness,
) -> None:
    opts = pulumi.ResourceOptions(transformations=[place_on_node(PLACEMENT)])
    pulumi_harness.run(
        lambda: (
            WebApp("web", WebAppArgs(container=ECHO), opts=opts),
            CanaryService("shop", CanaryServiceArgs(container=ECHO), opts=opts),
        )
    )
    specs = pod_specs(pulumi_harness)
    assert len(specs) == 3  # the WebApp's and both canary tracks'
    for spec in specs:
        assert spec["nodeSelector"] == {"berth.dev/real-node": "true"}
        assert spec["tolerations"] == PLACEMENT["tolerations"]


def test_the_echo_server_gets_its_identity_from_the_downward_api_without_losing_env_set(
    pulumi_harness: PulumiHarness,
) -> None:
    opts = pulumi.ResourceOptions(transformations=[place_on_node(PLACEMENT)])
    pulumi_harness.run(lambda: WebApp("web", WebAppArgs(container=ECHO), opts=opts))
    (spec,) = pod_specs(pulumi_harness)
    env = {e["name"]: e for e in spec["containers"][0]["env"]}  # type: ignore[index]
    assert env["POD_NAME"]["valueFrom"] == {"fieldRef": {"fieldPath": "metadata.name"}}
    assert env["NODE_NAME"]["valueFrom"] == {"fieldRef": {"fieldPath": "spec.nodeName"}}
    assert env["TRACK"] == {"name": "TRACK", "value": "mine"}


def test_a_canary_track_can_be_placed_on_another_node(pulumi_harness: PulumiHarness) -> None:
    elsewhere = {"node_selector": {"kubernetes.io/hostname": "berth-node-b"}, "tolerations": []}
    placement = {**PLACEMENT, "by_track": {"canary": elsewhere}}
    opts = pulumi.ResourceOptions(transformations=[place_on_node(placement)])
    pulumi_harness.run(
        lambda: CanaryService(
            "shop",
            CanaryServiceArgs(container=ECHO, canary=CanaryTrack(version="2"), canary_weight=50),
            opts=opts,
        )
    )
    by_track = {
        d.inputs["spec"]["template"]["metadata"]["labels"]["track"]: d.inputs["spec"]["template"][
            "spec"
        ]["nodeSelector"]
        for d in pulumi_harness.registry.of_type("kubernetes:apps/v1:Deployment")
    }
    assert by_track == {
        "stable": {"berth.dev/real-node": "true"},
        "canary": {"kubernetes.io/hostname": "berth-node-b"},
    }
