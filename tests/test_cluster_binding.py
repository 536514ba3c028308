"""A stack bound to its cluster: the provider it deploys through, and how it refuses another.

Under the harness: every child of every component uses the provider it was given (never the
default one, which reads whatever $KUBECONFIG names), and cluster_provider() refuses a
cluster other than the one the stack recorded. Without Pulumi: the kubeconfig and
reachability checks.
"""

from __future__ import annotations

import json
import runpy
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pulumi
import pytest

from components import (
    Autoscaling,
    CanaryService,
    CanaryServiceArgs,
    CanaryTrack,
    Container,
    ContainerPort,
    DeploymentSpec,
    DisruptionBudget,
    ExternalDatabase,
    ExternalDatabaseArgs,
    HttpRouteSpec,
    NginxCanarySpec,
    WebApp,
    WebAppArgs,
)
from components.cluster import (
    RECORD_KEY,
    ClusterError,
    check_reachable,
    cluster_provider,
    recorded_in_state,
    resolve_kubeconfig,
)
from components.testing import FAKE_CLUSTER_UID, BerthMocks, PulumiHarness
from tests.test_stacks import ROOT, stack_config

PROVIDER = "pulumi:providers:kubernetes"
WEB = Container(
    image="shop:1.0",
    ports=[ContainerPort(port=8080, name="http")],
    secret_env={"SESSION_KEY": "not-really-secret-in-tests"},
)
MOCKED_SERVER = "https://cluster.mocked.invalid:6443"


def every_component(opts: pulumi.ResourceOptions) -> None:
    """Each component with every optional child it can have."""
    WebApp(
        "web",
        WebAppArgs(
            container=WEB,
            deployment=DeploymentSpec(
                disruption_budget=DisruptionBudget(),
                autoscaling=Autoscaling(min_replicas=2, max_replicas=4, cpu_utilization=70),
            ),
        ),
        opts=opts,
    )
    CanaryService(
        "canary",
        CanaryServiceArgs(
            container=WEB,
            canary=CanaryTrack(image="shop:1.1"),
            replicas=10,
            canary_weight=10,
            deployment=DeploymentSpec(disruption_budget=DisruptionBudget()),
            http_route=HttpRouteSpec(gateway="gw"),
            nginx_canary=NginxCanarySpec(host="shop.example.com"),
        ),
        opts=opts,
    )
    ExternalDatabase(
        "db",
        ExternalDatabaseArgs(
            engine="postgresql", addresses=["192.0.2.10"], username="u", password="pw"
        ),
        opts=opts,
    )


def kubernetes_objects(harness: PulumiHarness) -> list[Any]:
    return [r for r in harness.registry if r.custom and r.type.startswith("kubernetes:")]


GIVEN: dict[str, Callable[[pulumi.ProviderResource], pulumi.ResourceOptions]] = {
    "provider": lambda p: pulumi.ResourceOptions(provider=p),
    "providers-list": lambda p: pulumi.ResourceOptions(providers=[p]),
    "providers-map": lambda p: pulumi.ResourceOptions(providers={"kubernetes": p}),
}


@pytest.mark.parametrize("how", list(GIVEN))
def test_no_child_of_any_component_falls_back_to_the_default_provider(
    pulumi_harness: PulumiHarness, how: str
) -> None:
    def program() -> None:
        provider = pulumi.ProviderResource("kubernetes", "team-cluster", {})
        every_component(GIVEN[how](provider))

    pulumi_harness.run(program)
    provider = pulumi_harness.registry.one(PROVIDER, name="team-cluster")
    objects = kubernetes_objects(pulumi_harness)
    kinds = {r.type.split(":")[-1] for r in objects}
    assert kinds >= {
        "Deployment",
        "Service",
        "Secret",
        "PodDisruptionBudget",
        "HorizontalPodAutoscaler",
        "Ingress",
        "EndpointSlice",
        "HTTPRoute",
    }, kinds
    strays = [(r.type, r.name, r.options.provider_urn) for r in objects]
    assert [s for s in strays if s[2] != provider.urn] == []


def test_without_a_provider_the_children_use_the_default_one(
    pulumi_harness: PulumiHarness,
) -> None:
    # The check above can fail: without a provider nothing names one.
    pulumi_harness.run(lambda: every_component(pulumi.ResourceOptions()))
    assert {r.options.provider_urn for r in kubernetes_objects(pulumi_harness)} == {None}


def test_cluster_provider_is_bound_to_the_clusters_kube_system_uid(
    pulumi_harness: PulumiHarness,
) -> None:
    pulumi_harness.run(cluster_provider)
    registry = pulumi_harness.registry
    bound = registry.one(PROVIDER, name="cluster")
    assert bound.inputs["clusterIdentifier"] == FAKE_CLUSTER_UID
    assert "kubeconfig" in bound.secret_inputs, "the kubeconfig holds credentials"
    assert MOCKED_SERVER in bound.inputs["kubeconfig"]
    assert pulumi_harness.resolve(pulumi_harness.exports[RECORD_KEY]) == {
        "server": MOCKED_SERVER,
        "kube_system_uid": FAKE_CLUSTER_UID,
    }


def test_the_shop_deploys_every_object_through_the_bound_provider(
    pulumi_harness: PulumiHarness,
) -> None:
    pulumi_harness.run(
        lambda: runpy.run_path(str(ROOT / "__main__.py"), run_name="__main__"),
        config=stack_config("dev"),
        secret_keys=["berth:ordersPassword"],
        stack="dev",
    )
    registry = pulumi_harness.registry
    bound = registry.one(PROVIDER, name="cluster")
    identity = registry.one(PROVIDER, name="cluster-identity")
    objects = [r for r in kubernetes_objects(pulumi_harness) if not r.read]
    # The 20 resources of `pulumi up` less the stack and 4 components (a ServiceAccount
    # each for storefront, cart and checkout among them).
    assert len(objects) == 15
    assert {r.options.provider_urn for r in objects} == {bound.urn}
    (kube_system,) = [r for r in kubernetes_objects(pulumi_harness) if r.read]
    assert kube_system.options.provider_urn == identity.urn


def recorded_elsewhere(stack: str = "dev", project: str = "berth") -> BerthMocks:
    other = {"server": "https://old.example.com:6443", "kube_system_uid": "uid-of-cluster-a"}
    return BerthMocks(stack_outputs={f"organization/{project}/{stack}": {RECORD_KEY: other}})


@pytest.mark.parametrize("preview", [True, False], ids=["preview", "update"])
def test_a_stack_recorded_on_another_cluster_stops_before_registering_anything(
    preview: bool,
) -> None:
    with PulumiHarness(preview=preview, mocks=recorded_elsewhere()) as harness:
        with pytest.raises(ClusterError) as stopped:
            harness.run(
                lambda: runpy.run_path(str(ROOT / "__main__.py"), run_name="__main__"),
                config=stack_config("dev"),
                secret_keys=["berth:ordersPassword"],
                stack="dev",
            )
        message = str(stopped.value)
        assert "stack 'dev'" in message
        assert "https://old.example.com:6443" in message and "uid-of-cluster-a" in message
        assert MOCKED_SERVER in message and FAKE_CLUSTER_UID in message
        assert "make move STACK=dev" in message and "point the stack back at" in message
        deployed = [r for r in harness.registry if r.custom and not r.read]
        assert [r.name for r in deployed] == ["cluster-identity"], "only the identity probe"


def test_a_stack_recorded_on_this_cluster_goes_ahead() -> None:
    same = {"server": MOCKED_SERVER, "kube_system_uid": FAKE_CLUSTER_UID}
    mocks = BerthMocks(stack_outputs={"organization/berth/test": {RECORD_KEY: same}})
    with PulumiHarness(preview=False, mocks=mocks) as harness:
        harness.run(cluster_provider)
        assert harness.registry.one(PROVIDER, name="cluster")


# -- the kubeconfig and the API server, without Pulumi --------------------------

KUBECONFIG = """\
apiVersion: v1
kind: Config
clusters:
- {name: a, cluster: {server: "https://a.example.com:6443"}}
- {name: b, cluster: {server: "https://b.example.com"}}
users: [{name: u, user: {}}]
contexts:
- {name: ctx-a, context: {cluster: a, user: u}}
- {name: ctx-b, context: {cluster: b, user: u}}
current-context: ctx-a
"""


@pytest.fixture
def no_kubeconfig(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("KUBECONFIG", raising=False)
    pulumi.runtime.set_all_config({})
    yield


def test_the_kubeconfig_comes_from_kubeconfig_and_names_its_current_server(
    no_kubeconfig: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "config"
    path.write_text(KUBECONFIG)
    monkeypatch.setenv("KUBECONFIG", str(path))
    found = resolve_kubeconfig()
    assert (found.server, found.context, found.source) == (
        "https://a.example.com:6443",
        "ctx-a",
        str(path),
    )
    assert resolve_kubeconfig(context="ctx-b").server == "https://b.example.com"


def test_no_kubeconfig_is_an_error_not_a_guess(no_kubeconfig: None) -> None:
    with pytest.raises(ClusterError, match=r"no kubeconfig given.*never used by default"):
        resolve_kubeconfig()


def test_several_kubeconfig_files_are_refused(
    no_kubeconfig: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KUBECONFIG", "/a:/b")
    with pytest.raises(ClusterError, match="several files"):
        resolve_kubeconfig()


@pytest.mark.parametrize(
    ("text", "context", "expected"),
    [
        (KUBECONFIG, "ctx-c", "has no context 'ctx-c' \\(it has: ctx-a, ctx-b\\)"),
        (KUBECONFIG.replace("current-context: ctx-a", ""), None, "no current-context"),
        (KUBECONFIG.replace('server: "https://a.example.com:6443"', "x: 1"), None, "no server"),
        ("apiVersion: v1\n[unclosed", None, "not YAML"),
    ],
)
def test_a_kubeconfig_without_a_usable_cluster_says_what_is_missing(
    no_kubeconfig: None, text: str, context: str | None, expected: str
) -> None:
    with pytest.raises(ClusterError, match=expected):
        resolve_kubeconfig(text, context)


def test_an_api_server_nobody_listens_on_is_named_in_the_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound, not listening: connections are refused
        with pytest.raises(ClusterError, match=f"cannot reach .* https://127.0.0.1:{port}"):
            check_reachable(f"https://127.0.0.1:{port}", timeout=2)


def test_a_listening_api_server_passes() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        check_reachable(f"https://127.0.0.1:{s.getsockname()[1]}", timeout=2)


# -- the state-side check toolchain/stack.sh runs before the CLI ----------------------


def state(*resources: dict[str, Any]) -> dict[str, Any]:
    return {"version": 3, "deployment": {"manifest": {}, "resources": list(resources)}}


def provider(uid: str, name: str = "cluster", **more: Any) -> dict[str, Any]:
    return {
        "type": PROVIDER,
        "urn": f"urn:pulumi:dev::berth::{PROVIDER}::{name}",
        "inputs": {"clusterIdentifier": uid},
        **more,
    }


def stack_outputs(**outputs: Any) -> dict[str, Any]:
    return {"type": "pulumi:pulumi:Stack", "outputs": outputs}


A = {"server": "https://a.example.com", "kube_system_uid": "uid-a"}


@pytest.mark.parametrize(
    ("export", "expected"),
    [
        (state(), None),
        (
            state(
                stack_outputs(cluster=A), provider("uid-a"), provider("x-identity", "x-identity")
            ),
            A,
        ),
        # A first deploy that failed half way recorded no output, but its provider knows.
        (
            state(provider("uid-a")),
            {"server": "an unrecorded API server", "kube_system_uid": "uid-a"},
        ),
        # A provider on its way out (replaced, pending delete) does not count.
        (state(stack_outputs(cluster=A), provider("uid-a"), provider("uid-old", delete=True)), A),
    ],
    ids=["empty", "deployed", "no-output", "pending-delete"],
)
def test_the_state_records_the_cluster_its_provider_was_created_for(
    export: dict[str, Any], expected: dict[str, Any] | None
) -> None:
    assert recorded_in_state(export) == expected


def run_cli(*args: str, export: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "components.cluster", *args],
        input=json.dumps(export),
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )


def test_stack_sh_check_refuses_another_cluster_and_names_the_move_command() -> None:
    deployed = state(stack_outputs(cluster=A), provider("uid-a"))
    assert (
        run_cli("check", "dev", "https://a.example.com", "uid-a", export=deployed).returncode == 0
    )
    assert run_cli("check", "dev", "https://b.example.com", "uid-b", export=state()).returncode == 0
    refused = run_cli("check", "dev", "https://b.example.com", "uid-b", export=deployed)
    assert refused.returncode == 1
    assert refused.stderr.startswith(
        "stack 'dev' was deployed to the cluster at https://a.example.com (kube-system namespace"
        " uid uid-a), but its kubeconfig now points at https://b.example.com (kube-system uid"
        " uid-b): another cluster. Nothing was changed. Either point the stack back at"
        " https://a.example.com, or move it on purpose with `make move STACK=dev`"
    )


def test_a_moved_stack_starts_from_an_empty_state_with_its_secrets_provider() -> None:
    deployed = state(stack_outputs(cluster=A), provider("uid-a"))
    deployed["deployment"]["secrets_providers"] = {"type": "passphrase", "state": {"salt": "s"}}
    emptied = json.loads(run_cli("empty", export=deployed).stdout)
    assert emptied["deployment"]["resources"] == []
    assert emptied["deployment"]["secrets_providers"] == deployed["deployment"]["secrets_providers"]
    assert recorded_in_state(emptied) is None
