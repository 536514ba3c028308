"""PodSpec: the pods' identity, scheduling, annotations, user namespaces and pod-level
resources, as built, as checked, as loaded from stack config and as registered."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from components import (
    CanaryService,
    CanaryServiceArgs,
    CanaryTrack,
    Container,
    ContainerPort,
    DeploymentSpec,
    Resources,
    Security,
    SpecError,
    Spread,
    WebApp,
    WebAppArgs,
)
from components.config import args_from_config
from components.inputs.base import validate
from components.inputs.pod import (
    LabelRequirement,
    NodeRequirement,
    NodeTerm,
    PodAffinityTerm,
    PodResources,
    PodSpec,
    ServiceAccountSpec,
    Toleration,
)
from components.manifests.canary import build_canary
from components.manifests.policy_rules import api_server_rules, pod_security_restricted
from components.manifests.webapp import WebAppObjects, build_webapp
from components.testing import PulumiHarness
from components.testing.schema import SUPPORTED_K8S_VERSIONS, validate_manifest
from tests.catalogue import CATALOGUE

WEB = Container(
    image="registry.example.com/shop:1.4.2",
    ports=[ContainerPort(port=8080, name="http")],
    security=Security(run_as_user=10001),
)
IDENTITY = {"app.kubernetes.io/name": "shop", "app.kubernetes.io/instance": "shop"}
SERVICE_ACCOUNT = "kubernetes:core/v1:ServiceAccount"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"


def build(**changes: Any) -> WebAppObjects:
    return build_webapp("shop", WebAppArgs(**{"container": WEB, **changes}))


def pod_of(objects: WebAppObjects) -> dict[str, Any]:
    spec: dict[str, Any] = objects.deployment["spec"]["template"]["spec"]
    return spec


def problems(make: Any) -> list[str]:
    """The problems ``make`` raises (a top-level args), or that the nested spec it
    returns has (nested specs are checked when the args holding them are made)."""
    with pytest.raises(SpecError) as caught:
        validate(make())
    return [line.strip() for line in str(caught.value).splitlines()[1:]]


# --- identity -----------------------------------------------------------------------------


def test_each_app_gets_its_own_service_account_without_a_token_by_default() -> None:
    objects = build()
    account = objects.service_account
    assert account is not None
    assert account["kind"] == "ServiceAccount"
    assert account["automountServiceAccountToken"] is False
    assert account["metadata"]["labels"]["app.kubernetes.io/name"] == "shop"
    # Autonamed like the Deployment; pure builds refer to it by the logical name.
    assert "name" not in account["metadata"]
    assert pod_of(objects)["serviceAccountName"] == "shop"
    assert pod_of(objects)["automountServiceAccountToken"] is False


def test_a_fixed_app_name_names_the_account_and_an_own_name_overrides_it() -> None:
    fixed = build(name="orders", namespace="shop")
    assert fixed.service_account is not None
    assert fixed.service_account["metadata"]["name"] == "orders"
    assert pod_of(fixed)["serviceAccountName"] == "orders"
    own = build(pod=PodSpec(service_account=ServiceAccountSpec(name="orders-reader")))
    assert own.service_account is not None
    assert own.service_account["metadata"]["name"] == "orders-reader"
    assert pod_of(own)["serviceAccountName"] == "orders-reader"


def test_an_account_asked_to_mount_a_token_says_so_on_the_account_and_the_pod() -> None:
    objects = build(container=WEB.evolve(security=Security(automount_service_account_token=True)))
    assert objects.service_account is not None
    assert objects.service_account["automountServiceAccountToken"] is True
    assert pod_of(objects)["automountServiceAccountToken"] is True


def test_workload_identity_annotations_go_on_the_created_account_only() -> None:
    role = {"eks.amazonaws.com/role-arn": "arn:aws:iam::111122223333:role/shop"}
    objects = build(
        annotations={"example.com/team": "payments"},
        pod=PodSpec(service_account=ServiceAccountSpec(annotations=role)),
    )
    assert objects.service_account is not None
    annotations = objects.service_account["metadata"]["annotations"]
    assert annotations["eks.amazonaws.com/role-arn"] == role["eks.amazonaws.com/role-arn"]
    assert annotations["example.com/team"] == "payments"
    assert "eks.amazonaws.com/role-arn" not in objects.deployment["metadata"]["annotations"]


def test_an_existing_account_is_referenced_and_nothing_is_created() -> None:
    objects = build_webapp("shop", CATALOGUE["existing-service-account"])
    assert objects.service_account is None
    assert [o["kind"] for o in objects.all()] == ["Deployment", "Service"]
    assert pod_of(objects)["serviceAccountName"] == "reader"


def test_no_account_at_all_leaves_the_pods_on_the_namespace_default() -> None:
    objects = build(pod=PodSpec(service_account=ServiceAccountSpec(create=False)))
    assert objects.service_account is None
    assert "serviceAccountName" not in pod_of(objects)


def test_the_deprecated_deployment_field_still_names_an_existing_account() -> None:
    objects = build(deployment=DeploymentSpec(service_account_name="legacy"))
    assert objects.service_account is None
    assert pod_of(objects)["serviceAccountName"] == "legacy"


def test_the_deprecated_field_and_pod_service_account_together_are_refused() -> None:
    assert problems(
        lambda: WebAppArgs(
            container=WEB,
            deployment=DeploymentSpec(service_account_name="legacy"),
            pod=PodSpec(service_account=ServiceAccountSpec(name="new")),
        )
    ) == [
        "deployment.service_account_name: 'legacy' cannot be set together with "
        "pod.service_account (it is deprecated: use "
        "pod.service_account=ServiceAccountSpec(create=False, name=...))"
    ]


def test_image_pull_secrets_reach_the_pod_by_name() -> None:
    pod = pod_of(build(pod=PodSpec(image_pull_secrets=["registry-a", "registry-b"])))
    assert pod["imagePullSecrets"] == [{"name": "registry-a"}, {"name": "registry-b"}]


# --- annotations ----------------------------------------------------------------------------


def test_pod_annotations_go_on_the_pods_and_object_annotations_on_the_objects() -> None:
    objects = build(
        annotations={"example.com/owner": "payments"},
        pod=PodSpec(annotations={"prometheus.io/scrape": "true"}),
    )
    template = objects.deployment["spec"]["template"]["metadata"]
    assert template["annotations"] == {"prometheus.io/scrape": "true"}
    assert objects.deployment["metadata"]["annotations"]["example.com/owner"] == "payments"
    assert "prometheus.io/scrape" not in objects.deployment["metadata"]["annotations"]
    assert objects.service is not None
    assert objects.service["metadata"]["annotations"]["example.com/owner"] == "payments"


def test_changing_object_annotations_no_longer_rolls_the_pods() -> None:
    before = build(annotations={"example.com/commit": "a1"}).deployment["spec"]["template"]
    after = build(annotations={"example.com/commit": "b2"}).deployment["spec"]["template"]
    assert before == after


# --- scheduling -----------------------------------------------------------------------------


def test_the_whole_pod_builds_every_scheduling_field() -> None:
    pod = pod_of(build_webapp("shop", CATALOGUE["whole-pod"]))
    assert pod["nodeSelector"] == {"kubernetes.io/os": "linux"}
    assert pod["priorityClassName"] == "shop-critical"
    assert pod["hostUsers"] is False
    node = pod["affinity"]["nodeAffinity"]
    assert node["requiredDuringSchedulingIgnoredDuringExecution"] == {
        "nodeSelectorTerms": [
            {
                "matchExpressions": [
                    {"key": "node.example.com/cores", "operator": "Gt", "values": ["3"]}
                ]
            }
        ]
    }
    assert node["preferredDuringSchedulingIgnoredDuringExecution"] == [
        {
            "weight": 20,
            "preference": {
                "matchExpressions": [
                    {"key": "topology.kubernetes.io/zone", "operator": "In", "values": ["a", "b"]}
                ]
            },
        }
    ]
    assert pod["affinity"]["podAffinity"] == {
        "preferredDuringSchedulingIgnoredDuringExecution": [
            {
                "weight": 50,
                "podAffinityTerm": {
                    "labelSelector": {"matchLabels": {"app.kubernetes.io/name": "cache"}},
                    "topologyKey": "topology.kubernetes.io/zone",
                },
            }
        ]
    }
    anti = pod["affinity"]["podAntiAffinity"]
    # A term without a selector keeps the app's own pods apart.
    assert anti["requiredDuringSchedulingIgnoredDuringExecution"] == [
        {"labelSelector": {"matchLabels": IDENTITY}, "topologyKey": "kubernetes.io/hostname"}
    ]
    assert anti["preferredDuringSchedulingIgnoredDuringExecution"] == [
        {
            "weight": 10,
            "podAffinityTerm": {
                "labelSelector": {
                    "matchExpressions": [{"key": "tier", "operator": "In", "values": ["batch"]}]
                },
                "topologyKey": "kubernetes.io/hostname",
                "namespaces": ["jobs"],
            },
        }
    ]
    assert pod["tolerations"] == [
        {"operator": "Equal", "key": "dedicated", "value": "shop", "effect": "NoSchedule"},
        {
            "operator": "Exists",
            "key": "node.kubernetes.io/unreachable",
            "effect": "NoExecute",
            "tolerationSeconds": 30,
        },
    ]


def test_nothing_pod_wide_is_written_when_nothing_is_asked() -> None:
    pod = pod_of(build())
    for key in (
        "affinity",
        "tolerations",
        "nodeSelector",
        "priorityClassName",
        "hostUsers",
        "resources",
        "imagePullSecrets",
    ):
        assert key not in pod


def test_spread_takes_min_domains_and_the_node_policies() -> None:
    pod = pod_of(build_webapp("shop", CATALOGUE["whole-pod"]))
    for constraint in pod["topologySpreadConstraints"]:
        assert constraint["minDomains"] == 2
        assert constraint["nodeAffinityPolicy"] == "Honor"
        assert constraint["nodeTaintsPolicy"] == "Honor"
    plain = pod_of(build(deployment=DeploymentSpec(spread=Spread())))
    assert all("minDomains" not in c for c in plain["topologySpreadConstraints"])


def test_pod_level_resources_and_resize_policy_are_built() -> None:
    objects = build_webapp("shop", CATALOGUE["whole-pod"])
    pod = pod_of(objects)
    assert pod["resources"] == {
        "requests": {"cpu": "500m"},
        "limits": {"cpu": "1", "memory": "1Gi"},
    }
    assert pod["containers"][0]["resizePolicy"] == [
        {"resourceName": "cpu", "restartPolicy": "NotRequired"},
        {"resourceName": "memory", "restartPolicy": "RestartContainer"},
    ]


def test_user_namespaces_pass_pod_security_restricted() -> None:
    deployment = build_webapp("shop", CATALOGUE["whole-pod"]).deployment
    assert pod_security_restricted(deployment) == []


@pytest.mark.parametrize("version", SUPPORTED_K8S_VERSIONS)
def test_every_pod_wide_object_passes_the_strict_schema(version: str) -> None:
    for example in ("whole-pod", "existing-service-account"):
        for manifest in build_webapp("shop", CATALOGUE[example]).all():
            named = {**manifest, "metadata": {"name": "shop-1234567", **manifest["metadata"]}}
            validate_manifest(named, version)
    canary = build_canary("shop", canary_args())
    for manifest in canary.all():
        named = {**manifest, "metadata": {"name": "shop-1234567", **manifest["metadata"]}}
        validate_manifest(named, version)


# --- canary ---------------------------------------------------------------------------------


def canary_args(**changes: Any) -> CanaryServiceArgs:
    return CanaryServiceArgs(
        container=WEB,
        canary=CanaryTrack(image="registry.example.com/shop:1.5.0"),
        canary_weight=25,
        pod=PodSpec(
            pod_anti_affinity=[PodAffinityTerm(topology_key="kubernetes.io/hostname", weight=100)],
            annotations={"prometheus.io/scrape": "true"},
        ),
        **changes,
    )


def test_both_canary_tracks_run_as_one_account_and_avoid_each_others_nodes() -> None:
    objects = build_canary("shop", canary_args())
    assert objects.service_account is not None
    assert [o["kind"] for o in objects.all()].count("ServiceAccount") == 1
    for deployment in (objects.stable_deployment, objects.canary_deployment):
        template = deployment["spec"]["template"]
        assert template["spec"]["serviceAccountName"] == "shop"
        assert template["metadata"]["annotations"] == {"prometheus.io/scrape": "true"}
        term = template["spec"]["affinity"]["podAntiAffinity"][
            "preferredDuringSchedulingIgnoredDuringExecution"
        ][0]["podAffinityTerm"]
        # The identity labels, without the track label: both tracks' pods.
        assert term["labelSelector"] == {"matchLabels": IDENTITY}


# --- rules ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (
            lambda: NodeRequirement(key="zone", operator="In"),
            "values: () must not be empty when operator is 'In' or 'NotIn'",
        ),
        (
            lambda: NodeRequirement(key="zone", operator="Exists", values=["a"]),
            "values: ('a',) must be empty when operator is 'Exists' or 'DoesNotExist'",
        ),
        (
            lambda: NodeRequirement(key="cores", operator="Gt", values=["1", "2"]),
            "values: ('1', '2') must be a single value when operator is 'Gt' or 'Lt'",
        ),
        (
            lambda: NodeRequirement(key="cores", operator="Lt", values=["four"]),
            "values[0]: 'four' is not an integer (the scheduler compares numbers)",
        ),
        (
            lambda: NodeRequirement(key="zone", operator="In", values=["a b"]),
            "values[0]: 'a b' is not a valid label value",
        ),
        (
            lambda: NodeRequirement(key="zone", operator="Near", values=["a"]),  # type: ignore[arg-type]
            "operator: 'Near' is not one of 'In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt'",
        ),
        (lambda: NodeRequirement(key="-zone", operator="Exists"), "key: '-zone' is not a valid"),
        (
            lambda: NodeTerm(match_expressions=[]),
            "match_expressions: () must have at least one requirement",
        ),
        (
            lambda: NodeTerm(
                match_expressions=[NodeRequirement(key="a", operator="Exists")], weight=101
            ),
            "weight: 101 is not within 1..100",
        ),
        (
            lambda: LabelRequirement(key="tier", operator="Gt", values=["1"]),  # type: ignore[arg-type]
            "operator: 'Gt' is not one of 'In', 'NotIn', 'Exists', 'DoesNotExist'",
        ),
        (
            lambda: LabelRequirement(key="tier", operator="NotIn"),
            "values: () must not be empty when operator is 'In' or 'NotIn'",
        ),
        (
            lambda: PodAffinityTerm(topology_key=""),
            "topology_key: '' is not a valid label key",
        ),
        (
            lambda: PodAffinityTerm(topology_key="kubernetes.io/hostname", namespaces=["Jobs"]),
            "namespaces[0]: 'Jobs' is not a valid DNS-1123 label",
        ),
        (
            lambda: PodAffinityTerm(topology_key="kubernetes.io/hostname", weight=0),
            "weight: 0 is not within 1..100",
        ),
        (
            lambda: Toleration(value="x"),
            "operator: 'Equal' must be 'Exists' when key is not set (which tolerates every taint)",
        ),
        (
            lambda: Toleration(key="dedicated", operator="Exists", value="shop"),
            "value: 'shop' must be empty when operator is 'Exists'",
        ),
        (
            lambda: Toleration(key="dedicated", effect="NoSchedule", toleration_seconds=30),
            "effect: 'NoSchedule' must be 'NoExecute' when toleration_seconds is set "
            "(only NoExecute evicts)",
        ),
        (
            lambda: Toleration(key="dedicated", operator="Gt", value="3"),  # type: ignore[arg-type]
            "operator: 'Gt' is not one of 'Equal', 'Exists'",
        ),
        (
            lambda: Toleration(key="dedicated", effect="NoExecute", toleration_seconds=-1),
            "toleration_seconds: -1 is less than 0",
        ),
        (
            lambda: Toleration(key="dedicated", effect="Evict"),  # type: ignore[arg-type]
            "effect: 'Evict' is not one of 'NoSchedule', 'PreferNoSchedule', 'NoExecute'",
        ),
        (
            lambda: ServiceAccountSpec(create=False, annotations={"a": "b"}),
            "annotations: {'a': 'b'} apply only to an account the component creates (create=True)",
        ),
        (
            lambda: ServiceAccountSpec(name="Shop"),
            "name: 'Shop' is not a valid DNS-1123 subdomain",
        ),
        (
            lambda: PodSpec(image_pull_secrets=["creds", "creds"]),
            "image_pull_secrets: 'creds' is listed more than once",
        ),
        (
            lambda: PodSpec(priority_class_name="High"),
            "priority_class_name: 'High' is not a valid DNS-1123 subdomain",
        ),
        (
            lambda: PodSpec(node_selector={"kubernetes.io/os": "linux os"}),
            "node_selector['kubernetes.io/os']: 'linux os' is not a valid label value",
        ),
        (
            lambda: PodSpec(host_users="no"),  # type: ignore[arg-type]
            "host_users: 'no' is not a boolean",
        ),
        (
            PodResources,
            "cpu_request: None or another request or limit must be set (or leave resources None)",
        ),
        (
            lambda: PodResources(cpu_request="2", cpu_limit="1"),
            "cpu_request: '2' must be less than or equal to cpu_limit ('1')",
        ),
        (
            lambda: PodResources(memory_limit="1500m"),
            "memory_limit: '1500m' is not a whole number of bytes",
        ),
        (
            lambda: Spread(min_domains=2),
            "min_domains: 2 applies only with when_unsatisfiable 'DoNotSchedule'",
        ),
        (
            lambda: Spread(when_unsatisfiable="DoNotSchedule", min_domains=0),
            "min_domains: 0 is less than 1",
        ),
        (
            lambda: Spread(node_taints_policy="honor"),  # type: ignore[arg-type]
            "node_taints_policy: 'honor' is not one of 'Honor', 'Ignore'",
        ),
        (
            lambda: Resources(resize_policy={"gpu": "NotRequired"}),  # type: ignore[dict-item]
            "resize_policy['gpu']: 'gpu' is not one of 'cpu', 'memory'",
        ),
        (
            lambda: Resources(resize_policy={"memory": "Restart"}),  # type: ignore[dict-item]
            "resize_policy['memory']: 'Restart' is not one of 'NotRequired', 'RestartContainer'",
        ),
    ],
)
def test_each_bad_pod_setting_is_named_with_its_value_and_what_is_allowed(
    make: Any, expected: str
) -> None:
    found = problems(make)
    assert len(found) == 1
    assert found[0].startswith(expected), found


def test_pod_resources_must_hold_the_containers_requests_and_limits() -> None:
    assert problems(
        lambda: WebAppArgs(
            container=WEB.evolve(resources=Resources(cpu_request="500m", memory_limit="2Gi")),
            pod=PodSpec(resources=PodResources(cpu_request="250m", memory_limit="1Gi")),
        )
    ) == [
        "pod.resources.cpu_request: '250m' must be at least the container's cpu_request ('500m')",
        "container.resources.memory_limit: '2Gi' must be less than or equal to "
        "pod.resources.memory_limit ('1Gi')",
    ]


def test_problems_deep_in_the_pod_name_their_whole_path() -> None:
    found = problems(
        lambda: WebAppArgs(
            container=WEB,
            pod={  # type: ignore[arg-type]
                "tolerations": [{"key": "a"}, {"operator": "Equal"}],
                "node_affinity": [{"match_expressions": [{"key": "k", "operator": "In"}]}],
            },
        )
    )
    assert found == [
        "pod.node_affinity[0].match_expressions[0].values: () must not be empty when "
        "operator is 'In' or 'NotIn'",
        "pod.tolerations[1].operator: 'Equal' must be 'Exists' when key is not set "
        "(which tolerates every taint)",
    ]


# --- stack config ---------------------------------------------------------------------------


def test_the_pod_loads_from_stack_config() -> None:
    config = {
        "container": {"image": "registry.example.com/shop:1.4.2", "ports": [8080]},
        "pod": {
            "service_account": {"annotations": {"iam.gke.io/gcp-service-account": "shop@p.iam"}},
            "image_pull_secrets": ["registry-credentials"],
            "node_selector": {"kubernetes.io/os": "linux"},
            "node_affinity": [
                {
                    "weight": 10,
                    "match_expressions": [
                        {"key": "topology.kubernetes.io/zone", "operator": "In", "values": ["a"]}
                    ],
                }
            ],
            "pod_anti_affinity": [{"topology_key": "kubernetes.io/hostname"}],
            "tolerations": [{"key": "dedicated", "value": "shop", "effect": "NoSchedule"}],
            "priority_class_name": "shop-critical",
            "host_users": False,
            "annotations": {"prometheus.io/scrape": "true"},
            "resources": {"cpu_limit": "2"},
        },
        "deployment": {
            "spread": {"when_unsatisfiable": "DoNotSchedule", "min_domains": 3},
        },
    }
    args = args_from_config(WebAppArgs, config, key="berth:shop", stack="dev", logical="shop")
    assert args.pod.tolerations == (Toleration(key="dedicated", value="shop", effect="NoSchedule"),)
    assert args.pod.node_affinity[0].match_expressions[0].values == ("a",)
    assert args.pod.host_users is False
    assert args.deployment.spread is not None and args.deployment.spread.min_domains == 3
    pod = pod_of(build_webapp("shop", args))
    assert pod["priorityClassName"] == "shop-critical"
    assert pod["resources"] == {"limits": {"cpu": "2"}}


def test_a_bad_pod_setting_in_stack_config_is_reported_at_its_key() -> None:
    config = {
        "container": {"image": "registry.example.com/shop:1.4.2", "ports": [8080]},
        "pod": {"tolerations": [{"key": "a", "efect": "NoSchedule"}], "priority": 5},
    }
    found = problems(lambda: args_from_config(WebAppArgs, config, key="berth:shop", stack="dev"))
    assert [line.split(" ")[0] for line in found] == [
        "berth:shop.pod.priority:",
        "berth:shop.pod.tolerations[0].efect:",
    ]


# --- components -----------------------------------------------------------------------------


def test_the_webapp_registers_its_account_and_the_pods_run_as_it(
    pulumi_harness: PulumiHarness,
) -> None:
    app = pulumi_harness.run(lambda: WebApp("shop", WebAppArgs(container=WEB)))
    registry = pulumi_harness.registry
    component = registry.one("berth:index:WebApp", name="shop")
    account = registry.one(SERVICE_ACCOUNT, name="shop")
    deployment = registry.one(DEPLOYMENT, name="shop")
    assert account.parent == component.urn
    assert account.inputs["automountServiceAccountToken"] is False
    pod = deployment.inputs["spec"]["template"]["spec"]
    name = pulumi_harness.resolve(app.service_account_name)
    assert name.startswith("shop-")
    assert pod["serviceAccountName"] == name
    # The Deployment waits for the account it names.
    assert account.urn in deployment.property_dependencies["spec"]
    assert len(pulumi_harness.validate_manifests()) == 3


def test_an_existing_account_registers_none_and_is_the_output(
    pulumi_harness: PulumiHarness,
) -> None:
    app = pulumi_harness.run(
        lambda: WebApp(
            "shop",
            WebAppArgs(
                container=WEB,
                pod=PodSpec(service_account=ServiceAccountSpec(create=False, name="reader")),
            ),
        )
    )
    assert pulumi_harness.registry.of_type(SERVICE_ACCOUNT) == ()
    assert pulumi_harness.resolve(app.service_account_name) == "reader"


def test_the_deprecated_field_works_and_is_warned_about(pulumi_harness: PulumiHarness) -> None:
    pulumi_harness.run(
        lambda: WebApp(
            "shop",
            WebAppArgs(container=WEB, deployment=DeploymentSpec(service_account_name="legacy")),
        )
    )
    assert pulumi_harness.registry.of_type(SERVICE_ACCOUNT) == ()
    deployment = pulumi_harness.registry.one(DEPLOYMENT, name="shop")
    assert deployment.inputs["spec"]["template"]["spec"]["serviceAccountName"] == "legacy"
    assert any("is deprecated" in w for w in pulumi_harness.registry.warnings)


def test_the_canary_registers_one_account_for_both_tracks(pulumi_harness: PulumiHarness) -> None:
    canary = pulumi_harness.run(lambda: CanaryService("shop", canary_args(name="shop")))
    registry = pulumi_harness.registry
    component = registry.one("berth:index:CanaryService", name="shop")
    (account,) = registry.of_type(SERVICE_ACCOUNT)
    assert account.parent == component.urn
    for deployment in registry.of_type(DEPLOYMENT):
        assert deployment.inputs["spec"]["template"]["spec"]["serviceAccountName"] == "shop"
    assert pulumi_harness.resolve(canary.service_account_name) == "shop"


# --- policy pack ----------------------------------------------------------------------------


def test_the_policy_packs_api_rules_pass_berths_pod_and_catch_a_hand_written_one() -> None:
    built = build_webapp("shop", CATALOGUE["whole-pod"]).deployment
    assert api_server_rules(built) == []
    raw = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "raw"},
        "spec": {
            "selector": {"matchLabels": {"app": "raw"}},
            "template": {
                "metadata": {"labels": {"app": "raw"}},
                "spec": {
                    "containers": [{"name": "app", "image": "registry.example.com/raw:1"}],
                    "priorityClassName": "High",
                    "tolerations": [
                        {"key": "dedicated", "operator": "Exists", "value": "shop"},
                        {"operator": "Exists"},
                    ],
                },
            },
        },
    }
    assert [str(p).split(" ")[0] for p in api_server_rules(raw)] == [
        "spec.template.spec.priorityClassName:",
        "spec.template.spec.tolerations[0].value:",
    ]


def test_the_stack_file_example_in_the_docs_loads_as_written() -> None:
    page = (Path(__file__).parent.parent / "docs" / "pod.md").read_text()
    text = page.split("```yaml\n", 1)[1].split("```", 1)[0]
    config = yaml.safe_load(text)["berth:orders"]
    args = args_from_config(WebAppArgs, config, key="berth:orders", stack="dev", logical="orders")
    pod = pod_of(build_webapp("orders", args))
    assert pod["serviceAccountName"] == "reader"
    assert pod["hostUsers"] is False
    assert pod["tolerations"] == [
        {"operator": "Equal", "key": "dedicated", "value": "shop", "effect": "NoSchedule"}
    ]
    assert build_webapp("orders", args).service_account is None


def test_two_autonamed_apps_cannot_create_one_named_account_twice(
    pulumi_harness: PulumiHarness,
) -> None:
    shared = PodSpec(service_account=ServiceAccountSpec(name="shop-reader"))

    def program() -> None:
        WebApp("shop-eu", WebAppArgs(namespace="store", container=WEB, pod=shared))
        CanaryService("shop-us", canary_args(namespace="store").evolve(pod=shared))

    with pytest.raises(SpecError) as caught:
        pulumi_harness.run(program)
    assert str(caught.value).splitlines() == [
        "CanaryService 'shop-us': 1 invalid setting:",
        "  name: 'shop-reader' would create a second ServiceAccount 'shop-reader' in 'store': "
        "WebApp 'shop-eu' creates it already (give one of them another name)",
    ]


def test_pod_resources_must_hold_the_sidecars_beside_the_app_and_each_init_container() -> None:
    sidecar = Container(
        name="proxy", image="proxy:1.0", resources=Resources(cpu_request="300m", cpu_limit="2")
    )
    init = Container(name="seed", image="seed:1.0", resources=Resources(cpu_request="900m"))
    assert problems(
        lambda: WebAppArgs(
            container=WEB.evolve(resources=Resources(cpu_request="500m")),
            sidecars=[sidecar],
            init_containers=[init],
            pod=PodSpec(resources=PodResources(cpu_request="1", cpu_limit="1")),
        )
    ) == [
        "pod.resources.cpu_request: '1' must be at least the cpu_request the containers need "
        "together ('1.2': the app and sidecars side by side, or an init container beside the "
        "sidecars)",
        "sidecars[0].resources.cpu_limit: '2' must be less than or equal to "
        "pod.resources.cpu_limit ('1')",
    ]
