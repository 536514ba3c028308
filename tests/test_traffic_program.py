"""The traffic tests' program puts Berth's pods on the real node with the echo server's env,
through Berth's own config (``pod``, ``FieldRef`` env, a ``Patch`` for one track)."""

from __future__ import annotations

from typing import Any

from components import CanaryService, CanaryServiceArgs, WebApp, WebAppArgs
from components.config import args_from_config
from components.testing import PulumiHarness
from tests.e2e.traffic.program.__main__ import on_node

PLACEMENT: dict[str, Any] = {
    "node_selector": {"berth.dev/real-node": "true"},
    "tolerations": [{"key": "berth.dev/real-node", "operator": "Exists", "effect": "NoSchedule"}],
}
ECHO = {
    "image": "berth.local/echo:0123456789ab",
    "env": {"TRACK": "mine"},
    "ports": [{"port": 8080}],
    "security": {"run_as_user": 65532, "run_as_group": 65532},
}


def load(kind: type[Any], name: str, config: dict[str, Any], placement: dict[str, Any]) -> Any:
    args = dict(config)
    on_node(name, "canary" if kind is CanaryServiceArgs else "webapp", args, placement)
    return args_from_config(kind, args, key=f"traffic:apps.{name}.args", stack="test", logical=name)


def pod_specs(harness: PulumiHarness) -> list[dict[str, Any]]:
    return [
        d.inputs["spec"]["template"]["spec"]
        for d in harness.registry.of_type("kubernetes:apps/v1:Deployment")
    ]


def test_every_deployment_of_a_component_selects_and_tolerates_the_real_node(
    pulumi_harness: PulumiHarness,
) -> None:
    web = load(WebAppArgs, "web", {"container": ECHO}, PLACEMENT)
    shop = load(CanaryServiceArgs, "shop", {"container": ECHO}, PLACEMENT)
    pulumi_harness.run(lambda: (WebApp("web", web), CanaryService("shop", shop)))
    specs = pod_specs(pulumi_harness)
    assert len(specs) == 3  # the WebApp's and both canary tracks'
    for spec in specs:
        assert spec["nodeSelector"] == {"berth.dev/real-node": "true"}
        assert spec["tolerations"] == PLACEMENT["tolerations"]


def test_the_echo_server_gets_its_identity_from_the_downward_api_without_losing_env_set(
    pulumi_harness: PulumiHarness,
) -> None:
    web = load(WebAppArgs, "web", {"container": ECHO}, PLACEMENT)
    pulumi_harness.run(lambda: WebApp("web", web))
    (spec,) = pod_specs(pulumi_harness)
    env = {e["name"]: e for e in spec["containers"][0]["env"]}
    assert env["POD_NAME"]["valueFrom"] == {"fieldRef": {"fieldPath": "metadata.name"}}
    assert env["NODE_NAME"]["valueFrom"] == {"fieldRef": {"fieldPath": "spec.nodeName"}}
    assert env["TRACK"] == {"name": "TRACK", "value": "mine"}


def test_a_canary_track_can_be_placed_on_another_node(pulumi_harness: PulumiHarness) -> None:
    elsewhere = {"node_selector": {"kubernetes.io/hostname": "berth-node-b"}, "tolerations": []}
    placement = {**PLACEMENT, "by_track": {"canary": elsewhere}}
    config = {"container": ECHO, "canary": {"version": "2"}, "canary_weight": 50}
    shop = load(CanaryServiceArgs, "shop", config, placement)
    pulumi_harness.run(lambda: CanaryService("shop", shop))
    by_track = {
        d.inputs["spec"]["template"]["metadata"]["labels"]["track"]: (
            d.inputs["spec"]["template"]["spec"]["nodeSelector"],
            d.inputs["spec"]["template"]["spec"].get("tolerations"),
        )
        for d in pulumi_harness.registry.of_type("kubernetes:apps/v1:Deployment")
    }
    assert by_track == {
        "stable": ({"berth.dev/real-node": "true"}, PLACEMENT["tolerations"]),
        "canary": ({"kubernetes.io/hostname": "berth-node-b"}, []),
    }
