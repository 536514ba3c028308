"""Berth's policy pack: each policy against passing and failing objects, raw pulumi_kubernetes
programs under the harness, and Berth's own stacks and manifests passing with none."""

from __future__ import annotations

import asyncio
import copy
import runpy
from collections.abc import Callable
from typing import Any

import pulumi
import pytest
from pulumi_kubernetes.apps import v1 as apps
from pulumi_kubernetes.core import v1 as core
from pulumi_kubernetes.meta import v1 as meta
from pulumi_kubernetes.networking import v1 as networking
from pulumi_kubernetes.policy import v1 as policy_v1

from components.errors import Problem
from components.manifests import policy_rules as pr
from components.manifests.webapp import build_webapp
from components.policy_pack import policies
from components.testing import PulumiHarness
from tests.catalogue import CATALOGUE
from tests.policy_support import evaluate, stack_config
from tests.test_consumer_example import CONSUMER, SHOP, ShopStackMocks
from tests.test_stacks import ROOT, STACKS, run_stack

# --- a good raw Deployment, and what breaking one field does --------------------------

LABELS = {"app": "web"}


def good_deployment() -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": dict(LABELS)},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0}},
            "template": {
                "metadata": {"labels": dict(LABELS)},
                "spec": {
                    "securityContext": {
                        "runAsNonRoot": True,
                        "seccompProfile": {"type": "RuntimeDefault"},
                    },
                    "containers": [
                        {
                            "name": "app",
                            "image": "registry.example.com/web:1.2.3",
                            "ports": [{"containerPort": 8080, "name": "http"}],
                            "readinessProbe": {"httpGet": {"path": "/ready", "port": "http"}},
                            "lifecycle": {"preStop": {"sleep": {"seconds": 5}}},
                            "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
                            "securityContext": {
                                "allowPrivilegeEscalation": False,
                                "readOnlyRootFilesystem": True,
                                "capabilities": {"drop": ["ALL"]},
                            },
                        }
                    ],
                },
            },
        },
    }


def container(m: dict[str, Any]) -> dict[str, Any]:
    c: dict[str, Any] = m["spec"]["template"]["spec"]["containers"][0]
    return c


C = "spec.template.spec.containers[0]"

Mutation = Callable[[dict[str, Any]], None]
CASES: list[tuple[str, Callable[[Any], list[Problem]], Mutation, str, str]] = [
    (
        "latest image",
        pr.image_pinned,
        lambda m: container(m).update(image="nginx:latest"),
        f"{C}.image",
        "is tagged ':latest'",
    ),
    (
        "untagged image",
        pr.image_pinned,
        lambda m: container(m).update(image="nginx"),
        f"{C}.image",
        "has no tag",
    ),
    (
        "privilege escalation",
        pr.no_privilege_escalation,
        lambda m: container(m)["securityContext"].pop("allowPrivilegeEscalation"),
        f"{C}.securityContext.allowPrivilegeEscalation",
        "must be false",
    ),
    (
        "writable root",
        pr.read_only_root_filesystem,
        lambda m: container(m)["securityContext"].update(readOnlyRootFilesystem=False),
        f"{C}.securityContext.readOnlyRootFilesystem",
        "must be true",
    ),
    (
        "no requests",
        pr.resource_requests_set,
        lambda m: container(m).pop("resources"),
        f"{C}.resources.requests['cpu']",
        "must be set",
    ),
    (
        "no readiness probe",
        pr.probes_set,
        lambda m: container(m).pop("readinessProbe"),
        f"{C}.readinessProbe",
        "must be set on a container that serves ports",
    ),
    (
        "root allowed",
        pr.pod_security_restricted,
        lambda m: m["spec"]["template"]["spec"].pop("securityContext"),
        f"{C}.securityContext.runAsNonRoot",
        "must be true",
    ),
    (
        "privileged",
        pr.pod_security_restricted,
        lambda m: container(m)["securityContext"].update(privileged=True),
        f"{C}.securityContext.privileged",
        "must be false or unset",
    ),
    (
        "host network",
        pr.pod_security_restricted,
        lambda m: m["spec"]["template"]["spec"].update(hostNetwork=True),
        "spec.template.spec.hostNetwork",
        "must be false",
    ),
    (
        "hostPath",
        pr.pod_security_restricted,
        lambda m: m["spec"]["template"]["spec"].update(
            volumes=[{"name": "h", "hostPath": {"path": "/"}}]
        ),
        "spec.template.spec.volumes[0].hostPath",
        "is a volume type 'restricted' forbids",
    ),
    (
        "added capability",
        pr.pod_security_restricted,
        lambda m: container(m)["securityContext"]["capabilities"].update(add=["SYS_ADMIN"]),
        f"{C}.securityContext.capabilities.add[0]",
        "may only be 'NET_BIND_SERVICE'",
    ),
    (
        "maxUnavailable unset",
        pr.zero_downtime_rollout,
        lambda m: m["spec"].pop("strategy"),
        "spec.strategy.rollingUpdate.maxUnavailable",
        "must be 0 on a Deployment of 3 replicas",
    ),
    (
        "Recreate",
        pr.zero_downtime_rollout,
        lambda m: m["spec"].update(strategy={"type": "Recreate"}),
        "spec.strategy.type",
        "stops all 3 replicas",
    ),
    (
        "selector off template",
        pr.api_server_rules,
        lambda m: m["spec"]["selector"]["matchLabels"].update(app="other"),
        "spec.selector.matchLabels",
        "does not match the pod template's labels",
    ),
    (
        "bad container name",
        pr.api_server_rules,
        lambda m: container(m).update(name="App_1"),
        f"{C}.name",
        "is not a valid DNS-1123 label",
    ),
    (
        "bad image",
        pr.api_server_rules,
        lambda m: container(m).update(image="Registry/Web:1"),
        f"{C}.image",
        "is not a valid image reference",
    ),
    (
        "bad quantity",
        pr.api_server_rules,
        lambda m: container(m)["resources"]["requests"].update(memory="128MB"),
        f"{C}.resources.requests['memory']",
        "is not a resource quantity",
    ),
    (
        "request over limit",
        pr.api_server_rules,
        lambda m: container(m)["resources"].update(limits={"cpu": "50m"}),
        f"{C}.resources.requests['cpu']",
        "is more than its limit '50m'",
    ),
    (
        "bad port",
        pr.api_server_rules,
        lambda m: container(m)["ports"][0].update(containerPort=70000),
        f"{C}.ports[0].containerPort",
        "is not a port number (1..65535)",
    ),
]


@pytest.mark.parametrize(
    ("rule", "mutate", "path", "allowed"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_each_rule_passes_the_good_deployment_and_names_the_broken_field(
    rule: Callable[[Any], list[Problem]], mutate: Mutation, path: str, allowed: str
) -> None:
    assert rule(good_deployment()) == []
    bad = copy.deepcopy(good_deployment())
    mutate(bad)
    problems = rule(bad)
    assert [p.path for p in problems][:1] == [path]
    assert allowed in problems[0].allowed


def test_the_same_rules_cover_pods_of_statefulsets_daemonsets_and_jobs() -> None:
    for kind in ("StatefulSet", "DaemonSet", "Job"):
        m = good_deployment()
        m["kind"] = kind
        container(m)["image"] = "nginx:latest"
        assert [p.path for p in pr.image_pinned(m)] == [f"{C}.image"], kind
    job = good_deployment()
    job["kind"] = "Job"
    container(job).pop("readinessProbe")
    assert pr.probes_set(job) == []  # a Job's pods serve no traffic


def service(**spec: Any) -> dict[str, Any]:
    return {
        "kind": "Service",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"selector": dict(LABELS), "ports": [{"port": 80, "targetPort": "http"}], **spec},
    }


def test_service_exposure_rules() -> None:
    assert pr.no_node_port(service()) == []
    assert [str(p) for p in pr.no_node_port(service(type="NodePort"))] == [
        "spec.type: 'NodePort' is NodePort, which opens a port on every node: use ClusterIP "
        "behind an Ingress or Gateway, or allow it in the pack's config"
    ]
    assert pr.no_external_ips(service(externalIPs=["203.0.113.9"]))[0].path == "spec.externalIPs"
    assert pr.load_balancer_source_ranges(service(type="LoadBalancer"))[0].allowed.startswith(
        "must list at least one CIDR"
    )
    assert (
        pr.load_balancer_source_ranges(
            service(type="LoadBalancer", loadBalancerSourceRanges=["203.0.113.0/24"])
        )
        == []
    )
    assert [
        str(p) for p in pr.api_server_rules(service(loadBalancerSourceRanges=["10.0.0.1/8"]))
    ] == [
        "spec.loadBalancerSourceRanges[0]: '10.0.0.1/8' has bits set beyond the prefix length (write '10.0.0.0/8')"
    ]
    assert (
        pr.api_server_rules(service(ports=[{"port": 80, "nodePort": 80}]))[0].path
        == "spec.ports[0].nodePort"
    )


def test_budget_autoscaler_ingress_and_route_api_rules() -> None:
    pdb = {
        "kind": "PodDisruptionBudget",
        "spec": {"minAvailable": 1, "maxUnavailable": 1, "selector": {"matchLabels": LABELS}},
    }
    assert [p.path for p in pr.api_server_rules(pdb)] == ["spec"]
    hpa = {
        "kind": "HorizontalPodAutoscaler",
        "spec": {"minReplicas": 5, "maxReplicas": 2, "scaleTargetRef": {"name": "web"}},
    }
    assert [str(p) for p in pr.api_server_rules(hpa)] == [
        "spec.minReplicas: 5 is more than spec.maxReplicas (2)"
    ]
    ingress = {
        "kind": "Ingress",
        "spec": {
            "rules": [
                {
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "pathType": "Prefix",
                                "backend": {"service": {"name": "Web", "port": {"number": 80}}},
                            }
                        ]
                    }
                }
            ]
        },
    }
    assert [p.path for p in pr.api_server_rules(ingress)] == [
        "spec.rules[0].http.paths[0].backend.service.name"
    ]
    route = {
        "kind": "HTTPRoute",
        "spec": {"parentRefs": [], "rules": [{"backendRefs": [{"name": "web"}]}]},
    }
    assert [p.path for p in pr.api_server_rules(route)] == [
        "spec.parentRefs",
        "spec.rules[0].backendRefs[0].port",
    ]


def test_unknown_values_are_skipped_not_violations() -> None:
    m = good_deployment()
    container(m)["image"] = pr.UNKNOWN
    container(m)["securityContext"]["allowPrivilegeEscalation"] = (
        "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7"
    )
    for rule in (pr.image_pinned, pr.no_privilege_escalation, pr.api_server_rules):
        problems = rule(m)
        assert problems and all(pr.is_skipped(p) for p in problems), rule
        assert "not checked in this preview" in problems[0].allowed


def objects(*manifests: dict[str, Any]) -> list[pr.StackObject]:
    return [pr.StackObject(f"{m['kind']} {m['metadata']['name']}", m) for m in manifests]


def test_stack_rules() -> None:
    web = good_deployment()
    budget = {
        "kind": "PodDisruptionBudget",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"maxUnavailable": 1, "selector": {"matchLabels": LABELS}},
    }
    assert pr.dangling_services(objects(web, service())) == []
    assert pr.missing_disruption_budgets(objects(web, budget)) == []
    assert pr.blocking_disruption_budgets(objects(web, budget)) == []

    [(o, p)] = pr.dangling_services(objects(web, service(selector={"app": "gone"})))
    assert (o.label, p.path) == ("Service web", "spec.selector")
    assert "matches no pod template" in p.allowed
    selectorless = service()
    del selectorless["spec"]["selector"]
    assert pr.dangling_services(objects(selectorless)) == []  # endpoints managed by hand

    [(o, p)] = pr.missing_disruption_budgets(objects(web))
    assert "runs 3 replicas" in p.allowed

    blocking = copy.deepcopy(budget)
    blocking["spec"] = {"minAvailable": 3, "selector": {"matchLabels": LABELS}}
    [(o, p)] = pr.blocking_disruption_budgets(objects(web, blocking))
    assert (
        str(p)
        == "spec.minAvailable: 3 is at least the 3 replicas of Deployment web: no pod may ever be evicted"
    )
    blocking["spec"] = {"maxUnavailable": "0%", "selector": {"matchLabels": LABELS}}
    assert (
        pr.blocking_disruption_budgets(objects(web, blocking))[0][1].path == "spec.maxUnavailable"
    )

    twin = copy.deepcopy(web)
    twin["metadata"]["name"] = "web-2"
    assert len(pr.shared_selectors(objects(web, twin))) == 2


def test_a_namespace_the_stack_asks_to_isolate_needs_a_networkpolicy_for_all_pods(
    pulumi_harness: PulumiHarness,
) -> None:
    def program() -> None:
        core.Namespace("shop", metadata={"name": "shop"})
        networking.NetworkPolicy(
            "only-web",
            metadata={"name": "only-web", "namespace": "shop"},
            spec={"podSelector": {"matchLabels": LABELS}, "policyTypes": ["Ingress"]},
        )

    pulumi_harness.run(program)
    config = {"berth-network-isolation": {"namespaces": ["shop", "payments"]}}
    result = evaluate(pulumi_harness.registry, config)
    assert result.of("berth-network-isolation") == [
        f"Namespace {ns}: metadata.name: '{ns}' asks for network isolation (the pack's config), "
        "but no NetworkPolicy of the stack selects all its pods (spec.podSelector: {})"
        for ns in ("shop", "payments")
    ]
    assert evaluate(pulumi_harness.registry).of("berth-network-isolation") == []  # not asked


def test_a_default_deny_networkpolicy_isolates_its_namespace() -> None:
    deny = {
        "kind": "NetworkPolicy",
        "metadata": {"name": "deny", "namespace": "shop"},
        "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
    }
    assert pr.network_isolation(objects(deny), {"namespaces": ["shop"]}) == []
    assert len(pr.network_isolation(objects(deny), {"namespaces": ["other"]})) == 1


def test_every_policy_has_a_name_description_and_default_level() -> None:
    found = policies()
    names = [p.name for p in found]
    assert len(set(names)) == len(names) == len(pr.RESOURCE_RULES) + len(pr.STACK_RULES)
    for p in found:
        assert p.name.startswith("berth-") and p.description
        assert p.enforcement_level is not None
        assert p.enforcement_level.value in ("advisory", "mandatory")


# --- the pack itself, over programs run under the harness ------------------------------


def bad_raw_program() -> None:
    labels = {"app": "raw"}
    container_args = core.ContainerArgs(
        name="app", image="nginx:latest", ports=[core.ContainerPortArgs(container_port=80)]
    )
    template = core.PodTemplateSpecArgs(
        metadata=meta.ObjectMetaArgs(labels=labels),
        spec=core.PodSpecArgs(containers=[container_args]),
    )
    for name in ("raw", "raw-twin"):
        apps.Deployment(
            name,
            metadata=meta.ObjectMetaArgs(name=name, namespace="raw"),
            spec=apps.DeploymentSpecArgs(
                replicas=3, selector=meta.LabelSelectorArgs(match_labels=labels), template=template
            ),
        )
    core.Service(
        "exposed",
        metadata=meta.ObjectMetaArgs(name="exposed", namespace="raw"),
        spec=core.ServiceSpecArgs(
            type="LoadBalancer",
            selector={"app": "nothing"},
            external_ips=["203.0.113.50"],
            ports=[core.ServicePortArgs(port=80)],
        ),
    )
    core.Service(
        "node",
        metadata=meta.ObjectMetaArgs(name="node", namespace="raw"),
        spec=core.ServiceSpecArgs(
            type="NodePort", selector=labels, ports=[core.ServicePortArgs(port=80)]
        ),
    )
    policy_v1.PodDisruptionBudget(
        "frozen",
        metadata=meta.ObjectMetaArgs(name="frozen", namespace="raw"),
        spec=policy_v1.PodDisruptionBudgetSpecArgs(
            max_unavailable=0, selector=meta.LabelSelectorArgs(match_labels={"app": "other"})
        ),
    )


def test_a_bad_raw_program_breaks_every_mandatory_policy_each_named(
    pulumi_harness: PulumiHarness,
) -> None:
    pulumi_harness.run(bad_raw_program)
    result = evaluate(pulumi_harness.registry)
    broken = {v.policy for v in result.mandatory}
    assert broken == {
        "berth-pod-security-restricted",
        "berth-no-privilege-escalation",
        "berth-read-only-root-filesystem",
        "berth-resource-requests",
        "berth-image-pinned",
        "berth-readiness-probes",
        "berth-no-node-port",
        "berth-no-external-ips",
        "berth-load-balancer-source-ranges",
        "berth-service-selects-pods",
        "berth-disruption-budget",
        "berth-disruption-budget-allows-drain",
        "berth-unique-selectors",
    }
    assert (
        "Deployment raw/raw: spec.template.spec.containers[0].image: 'nginx:latest' is tagged ':latest'"
        in result.of("berth-image-pinned")[0]
    )
    assert result.of("berth-no-node-port") == [
        "Service raw/node: spec.type: 'NodePort' is NodePort, which opens a port on every node: "
        "use ClusterIP behind an Ingress or Gateway, or allow it in the pack's config"
    ]
    assert sorted(v.policy for v in result.violations if v.level == "advisory") == [
        "berth-graceful-termination",
        "berth-graceful-termination",
        "berth-zero-downtime-rollout",
        "berth-zero-downtime-rollout",
    ]


def test_pack_config_sets_levels_disables_policies_and_allows_named_objects(
    pulumi_harness: PulumiHarness,
) -> None:
    pulumi_harness.run(bad_raw_program)
    config = {
        "all": "advisory",
        "berth-image-pinned": "disabled",
        "berth-no-node-port": {"enforcementLevel": "mandatory", "exceptions": ["raw/node"]},
        "berth-no-external-ips": {"exceptions": ["exposed"]},
    }
    result = evaluate(pulumi_harness.registry, config)
    assert result.mandatory == []
    assert result.of("berth-image-pinned") == []
    assert result.of("berth-no-node-port") == []
    assert result.of("berth-no-external-ips") == []
    assert result.of("berth-resource-requests")  # still reported, as advisory


def unknown_output(value: str) -> pulumi.Output[str]:
    loop = asyncio.get_event_loop()
    result, known = loop.create_future(), loop.create_future()
    result.set_result(value)
    known.set_result(False)
    return pulumi.Output(set(), result, known)


def unknown_image_program() -> None:
    # The image is an output not known yet (another resource's, in a real preview).
    spec = good_deployment()["spec"]
    spec["template"]["spec"]["containers"][0]["image"] = unknown_output(
        "registry.example.com/web:1.0"
    )
    apps.Deployment("web", metadata={"name": "web", "namespace": "shop"}, spec=spec)
    policy_v1.PodDisruptionBudget(
        "web",
        metadata={"name": "web", "namespace": "shop"},
        spec={"maxUnavailable": 1, "selector": {"matchLabels": LABELS}},
    )


@pytest.mark.parametrize("pulumi_harness", ["preview"], indirect=True)
def test_an_unknown_image_in_a_preview_is_skipped_and_says_so(
    pulumi_harness: PulumiHarness,
) -> None:
    pulumi_harness.run(unknown_image_program)
    result = evaluate(pulumi_harness.registry, {"all": "mandatory"})
    assert result.violations == ()
    [skip] = [s for s in result.skipped if s.policy == "berth-image-pinned"]
    assert skip.message.startswith(
        "Deployment shop/web: skipped, unknown in this preview: spec.template.spec.containers[0].image"
    )


# --- Berth passes its own pack ----------------------------------------------------------


@pytest.mark.parametrize("stack", STACKS)
def test_berths_stacks_pass_the_pack_at_its_strictest(
    pulumi_harness: PulumiHarness, stack: str
) -> None:
    run_stack(pulumi_harness, stack)
    result = evaluate(pulumi_harness.registry, stack_config(stack))
    assert stack_config(stack)["all"] == "mandatory"
    assert [v.message for v in result.violations] == []


def test_the_dev_stack_needs_its_one_allowed_node_port(pulumi_harness: PulumiHarness) -> None:
    run_stack(pulumi_harness, "dev")
    result = evaluate(pulumi_harness.registry, {"all": "mandatory"})
    assert [(v.policy, v.message.split(":")[0]) for v in result.violations] == [
        ("berth-no-node-port", "Service shop-dev/storefront")
    ]


HARDENING = (
    pr.api_server_rules,
    pr.pod_security_restricted,
    pr.no_privilege_escalation,
    pr.read_only_root_filesystem,
    pr.resource_requests_set,
    pr.image_pinned,
)


# Catalogue entries that opt out of a rule on purpose, and what the pack then reports.
OPTED_OUT = {
    "baseline-root": [
        ("pod_security_restricted", f"{C}.securityContext.runAsNonRoot"),
        ("pod_security_restricted", f"{C}.securityContext.capabilities.add[1]"),
        ("read_only_root_filesystem", f"{C}.securityContext.readOnlyRootFilesystem"),
    ],
}


@pytest.mark.parametrize("entry", sorted(CATALOGUE))
def test_every_webapp_berth_builds_passes_the_api_and_pod_hardening_rules(entry: str) -> None:
    found = [
        (rule.__name__, p.path)
        for manifest in build_webapp("shop", CATALOGUE[entry]).all()
        for rule in HARDENING
        for p in rule(manifest)
    ]
    assert found == OPTED_OUT.get(entry, [])


def test_a_component_inside_a_program_is_checked_like_raw_code(
    pulumi_harness: PulumiHarness,
) -> None:
    from components import Container, ContainerPort, WebApp, WebAppArgs

    def program() -> None:
        WebApp(
            "shop",
            WebAppArgs(
                container=Container(
                    image="registry.example.com/shop", ports=[ContainerPort(port=8080)]
                )
            ),
        )

    pulumi_harness.run(program)
    result = evaluate(pulumi_harness.registry)
    # WebApp only warns about an untagged image; the pack holds it to the rule.
    [message] = result.of("berth-image-pinned")
    assert message.startswith(
        "Deployment shop: spec.template.spec.containers[0].image: 'registry.example.com/shop' has no tag"
    )


def test_the_docs_list_every_policy_with_its_default_level() -> None:
    page = (ROOT / "docs" / "policy-pack.md").read_text()
    for p in policies():
        assert f"| `{p.name}` | {p.enforcement_level.value} |" in page, p.name  # type: ignore[union-attr]


@pytest.mark.parametrize("preview", [True, False], ids=["preview", "update"])
def test_the_example_consumer_app_passes_the_pack_at_its_strictest(preview: bool) -> None:
    with PulumiHarness(preview=preview, mocks=ShopStackMocks()) as harness:
        harness.run(
            lambda: runpy.run_path(str(CONSUMER / "__main__.py"), run_name="__main__"),
            config={
                "berth-consumer:namespace": "reports-dev",
                "berth-consumer:shopStack": SHOP,
            },
            project="berth-consumer",
            stack="dev",
        )
        assert harness.registry.of_type("kubernetes:apps/v1:Deployment")
        result = evaluate(harness.registry, {"all": "mandatory"})
        assert [v.message for v in result.violations] == []


def test_a_serving_container_without_a_pre_stop_hook_is_advised_to_have_one() -> None:
    deployment = good_deployment()
    app = deployment["spec"]["template"]["spec"]["containers"][0]
    assert pr.graceful_termination(deployment) == []
    del app["lifecycle"]
    [problem] = pr.graceful_termination(deployment)
    assert problem.path == "spec.template.spec.containers[0].lifecycle.preStop"
    assert "a 'sleep' of 5 s, Berth's default" in str(problem)
    del app["ports"]
    assert pr.graceful_termination(deployment) == []  # serves nothing a Service routes to


def test_berths_default_pod_keeps_serving_while_it_terminates() -> None:
    from components import Container, ContainerPort, WebAppArgs
    from components.manifests.webapp import build_webapp

    args = WebAppArgs(container=Container(image="shop:1.0", ports=[ContainerPort(port=8080)]))
    assert pr.graceful_termination(build_webapp("shop", args).deployment) == []
