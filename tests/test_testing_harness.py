"""The test harness itself: mocks, the resource registry, the fixture and the schema validator.

Programs here use raw pulumi_kubernetes so the harness is tested independently of
Berth's own components.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import attrs
import pulumi
import pytest
from pulumi_kubernetes import Provider
from pulumi_kubernetes.apiextensions import CustomResource
from pulumi_kubernetes.apps import v1 as apps
from pulumi_kubernetes.core import v1 as core
from pulumi_kubernetes.meta import v1 as meta

from components.testing import (
    UNKNOWN,
    BerthMocks,
    CustomTimeouts,
    PulumiHarness,
    ResourceRecord,
    SchemaError,
    SchemaNotFoundError,
    SchemaValidator,
    autoname,
    fake_cluster_ip,
    normalize_numbers,
    validate_manifest,
)

DEPLOYMENT = "kubernetes:apps/v1:Deployment"
SERVICE = "kubernetes:core/v1:Service"
CONFIG_MAP = "kubernetes:core/v1:ConfigMap"
SITE = "berth:test:Site"
LABELS = {"app": "web"}


@attrs.frozen
class Web:
    deployment: apps.Deployment
    service: core.Service


def web(replicas: int = 2) -> Web:
    """A Deployment and the Service in front of it."""
    deployment = apps.Deployment(
        "web",
        metadata=meta.ObjectMetaArgs(labels=LABELS),
        spec=apps.DeploymentSpecArgs(
            replicas=replicas,
            selector=meta.LabelSelectorArgs(match_labels=LABELS),
            template=core.PodTemplateSpecArgs(
                metadata=meta.ObjectMetaArgs(labels=LABELS),
                spec=core.PodSpecArgs(
                    containers=[
                        core.ContainerArgs(
                            name="web",
                            image="nginx:1.27",
                            ports=[core.ContainerPortArgs(container_port=8080)],
                        )
                    ]
                ),
            ),
        ),
        opts=pulumi.ResourceOptions(ignore_changes=["spec.replicas"]),
    )
    service = core.Service(
        "web",
        metadata=meta.ObjectMetaArgs(namespace="apps"),
        spec=core.ServiceSpecArgs(
            selector=LABELS,
            ports=[core.ServicePortArgs(port=80, target_port=8080)],
        ),
        opts=pulumi.ResourceOptions(depends_on=[deployment]),
    )
    return Web(deployment, service)


class Site(pulumi.ComponentResource):
    """A small component: a ConfigMap and a LoadBalancer Service as children."""

    def __init__(self, name: str, *, public: bool, opts: pulumi.ResourceOptions | None = None):
        super().__init__(SITE, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.config_map = core.ConfigMap(f"{name}-pages", data={"index": "hi"}, opts=child)
        self.service = core.Service(
            f"{name}-lb",
            spec=core.ServiceSpecArgs(
                type="LoadBalancer" if public else "ClusterIP",
                ports=[core.ServicePortArgs(port=443)],
            ),
            opts=child,
        )
        if public:
            pulumi.log.warn(f"{name} is reachable from the internet", resource=self)
        self.ip: pulumi.Output[str] | None = (
            self.service.status.load_balancer.ingress[0].ip if public else None
        )
        self.register_outputs({"configMap": self.config_map, "port": 443})


# -- the registry: records, parents, options --------------------------------------------


def test_every_resource_is_recorded_in_registration_order(pulumi_harness: PulumiHarness) -> None:
    pulumi_harness.run(lambda: (web(), Site("site", public=False)))
    registry = pulumi_harness.registry
    # The web Service waits for the Deployment it depends on, so Site overtakes it.
    assert [(record.type, record.name) for record in registry] == [
        (DEPLOYMENT, "web"),
        (SITE, "site"),
        (SERVICE, "web"),
        (CONFIG_MAP, "site-pages"),
        (SERVICE, "site-lb"),
    ]
    stack = registry.stack
    assert stack is not None and stack.type == "pulumi:pulumi:Stack"
    assert stack.name == "berth-test"
    assert registry.one(SITE).is_component and registry.one(DEPLOYMENT).custom


def test_inputs_are_recorded_with_camel_case_keys(pulumi_harness: PulumiHarness) -> None:
    pulumi_harness.run(web)
    deployment = pulumi_harness.registry.one(DEPLOYMENT)
    assert deployment.inputs["apiVersion"] == "apps/v1"
    assert deployment.inputs["spec"]["selector"] == {"matchLabels": LABELS}
    container = deployment.inputs["spec"]["template"]["spec"]["containers"][0]
    assert container["ports"] == [{"containerPort": 8080}]


def test_children_record_their_component_as_parent(pulumi_harness: PulumiHarness) -> None:
    site = pulumi_harness.run(lambda: Site("site", public=False))
    registry = pulumi_harness.registry
    component = registry.one(SITE)
    stack = registry.stack
    assert stack is not None and component.parent == stack.urn
    assert component.urn == pulumi_harness.resolve(site.urn)
    children = registry.children_of(component)
    assert [child.name for child in children] == ["site-pages", "site-lb"]
    assert registry.children_of(component.urn) == children
    assert registry.descendants_of(stack) == (component, *children)


def test_ignore_changes_and_depends_on_are_recorded(pulumi_harness: PulumiHarness) -> None:
    pulumi_harness.run(web)
    registry = pulumi_harness.registry
    deployment, service = registry.one(DEPLOYMENT), registry.one(SERVICE)
    assert deployment.options.ignore_changes == ("spec.replicas",)
    assert deployment.options.depends_on == ()
    assert service.options.depends_on == (deployment.urn,)
    assert registry.depends_on(service, deployment)
    assert not registry.depends_on(deployment, service)


def test_depending_on_a_component_means_depending_on_its_children(
    pulumi_harness: PulumiHarness,
) -> None:
    def program() -> None:
        site = Site("site", public=False)
        core.ConfigMap("after", opts=pulumi.ResourceOptions(depends_on=[site]))

    pulumi_harness.run(program)
    registry = pulumi_harness.registry
    after, site = registry.one(CONFIG_MAP, name="after"), registry.one(SITE)
    assert registry.depends_on(after, site)
    assert set(after.options.depends_on) == {child.urn for child in registry.children_of(site)}


def test_the_other_resource_options_are_recorded(pulumi_harness: PulumiHarness) -> None:
    def program() -> None:
        provider = Provider("cluster", namespace="apps")
        core.ConfigMap(
            "settings",
            data={"a": "b"},
            opts=pulumi.ResourceOptions(
                provider=provider,
                protect=True,
                retain_on_delete=True,
                delete_before_replace=True,
                replace_on_changes=["data"],
                custom_timeouts=pulumi.CustomTimeouts(create="2m", delete="30s"),
                aliases=[pulumi.Alias(name="old-settings")],
            ),
        )

    pulumi_harness.run(program)
    registry = pulumi_harness.registry
    options = registry.one(CONFIG_MAP).options
    provider = registry.one("pulumi:providers:kubernetes")
    assert options.provider_urn == provider.urn
    assert options.protect is True
    assert options.retain_on_delete is True
    assert options.delete_before_replace is True
    assert options.replace_on_changes == ("data",)
    assert options.custom_timeouts == CustomTimeouts(create="2m", delete="30s")
    assert [alias["name"] for alias in options.aliases if isinstance(alias, dict)] == [
        "old-settings"
    ]


def test_one_fails_clearly_on_none_or_several(pulumi_harness: PulumiHarness) -> None:
    pulumi_harness.run(lambda: (web(), Site("site", public=False)))
    registry = pulumi_harness.registry
    with pytest.raises(AssertionError, match=r"exactly one .*Secret, found none") as none:
        registry.one("kubernetes:core/v1:Secret")
    assert f"{DEPLOYMENT} 'web'" in str(none.value)
    with pytest.raises(AssertionError, match=r"found 2"):
        registry.one(SERVICE)
    assert registry.one(SERVICE, name="site-lb").name == "site-lb"
    with pytest.raises(AssertionError, match="no resource with URN"):
        registry.get("urn:pulumi:nope")


def test_registered_outputs_are_recorded(pulumi_harness: PulumiHarness) -> None:
    def program() -> None:
        Site("site", public=False)
        pulumi.ComponentResource("berth:test:Silent", "silent")

    pulumi_harness.run(program)
    registry = pulumi_harness.registry
    site = registry.one(SITE)
    assert registry.has_outputs(site)
    assert registry.outputs_of(site) == {
        "configMap": registry.one(CONFIG_MAP).urn,
        "port": 443,
    }
    silent = registry.one("berth:test:Silent")
    assert not registry.has_outputs(silent)
    with pytest.raises(AssertionError, match="never called register_outputs"):
        registry.outputs_of(silent)


def test_reads_are_recorded_and_named_by_their_id(pulumi_harness: PulumiHarness) -> None:
    existing = pulumi_harness.run(lambda: apps.Deployment.get("dns", "kube-system/coredns"))
    record = pulumi_harness.registry.one(DEPLOYMENT, name="dns")
    assert record.read and record.id == "kube-system/coredns"
    assert pulumi_harness.resolve(existing.metadata.name) == "coredns"
    assert pulumi_harness.resolve(existing.metadata.namespace) == "kube-system"


def test_invokes_are_recorded_and_answered(pulumi_harness: PulumiHarness) -> None:
    harness = PulumiHarness(
        preview=pulumi_harness.preview,
        mocks=BerthMocks(call_results={"example:index:getZone": {"zone": "eu-1a"}}),
    )
    with harness:
        result = harness.run(lambda: pulumi.runtime.invoke("example:index:getZone", {"id": 7}))
        decoded = harness.run(
            lambda: pulumi.runtime.invoke("kubernetes:yaml:decode", {"text": "a: 1\n---\nb: 2\n"})
        )
        invoke = harness.registry.invokes[0]
    assert result.value == {"zone": "eu-1a"}
    assert normalize_numbers(decoded.value) == {"result": [{"a": 1}, {"b": 2}]}
    assert (invoke.token, invoke.args) == ("kubernetes:yaml:decode", {"text": "a: 1\n---\nb: 2\n"})


# -- what the mocks fill in ------------------------------------------------------------


def test_unnamed_objects_are_autonamed_deterministically(pulumi_harness: PulumiHarness) -> None:
    first = pulumi_harness.run(web)
    name = pulumi_harness.resolve(first.deployment.metadata.name)
    assert name == autoname("web")
    assert re.fullmatch(r"web-[a-z0-9]{8}", name)
    second = pulumi_harness.run(web)
    assert pulumi_harness.resolve(second.deployment.metadata.name) == name
    record = pulumi_harness.registry.one(DEPLOYMENT)
    assert record.id == f"default/{name}"
    assert "name" not in record.inputs.get("metadata", {})
    assert record.outputs["metadata"]["name"] == name


def test_namespaces_default_except_for_cluster_scoped_kinds(pulumi_harness: PulumiHarness) -> None:
    def program() -> None:
        web()
        core.Namespace("team", metadata=meta.ObjectMetaArgs(name="team"))

    pulumi_harness.run(program)
    registry = pulumi_harness.registry
    assert registry.one(DEPLOYMENT).outputs["metadata"]["namespace"] == "default"
    service = registry.one(SERVICE)
    assert service.outputs["metadata"]["namespace"] == "apps"
    assert service.id == f"apps/{autoname('web')}"
    namespace = registry.one("kubernetes:core/v1:Namespace")
    assert namespace.id == "team"
    assert "namespace" not in namespace.outputs["metadata"]


def test_deployment_status_is_ready(pulumi_harness: PulumiHarness) -> None:
    app = pulumi_harness.run(lambda: web(replicas=3))
    # pulumi_kubernetes resolves nested output types to dicts with snake_case keys.
    status = pulumi_harness.resolve(app.deployment.status)
    assert status is not None
    assert (status["replicas"], status["ready_replicas"], status["available_replicas"]) == (3, 3, 3)
    assert status["conditions"][0] == {
        "type": "Available",
        "status": "True",
        "reason": "MinimumReplicasAvailable",
    }
    assert pulumi_harness.resolve(app.deployment.status.ready_replicas) == 3


def test_services_get_cluster_and_load_balancer_ips(pulumi_harness: PulumiHarness) -> None:
    def program() -> tuple[Web, Site, core.Service]:
        headless = core.Service(
            "peers", spec=core.ServiceSpecArgs(cluster_ip="None", selector=LABELS)
        )
        return web(), Site("site", public=True), headless

    app, site, headless = pulumi_harness.run(program)
    cluster_ip = pulumi_harness.resolve(app.service.spec.cluster_ip)
    assert cluster_ip == fake_cluster_ip("apps", autoname("web"))
    assert cluster_ip.startswith("10.96.")
    assert pulumi_harness.resolve(headless.spec.cluster_ip) == "None"
    assert re.fullmatch(r"203\.0\.113\.\d+", pulumi_harness.resolve(site.ip))
    assert pulumi_harness.resolve(app.service.status.load_balancer.ingress) is None


def test_kinds_without_status_get_none(pulumi_harness: PulumiHarness) -> None:
    pulumi_harness.run(lambda: Site("site", public=False))
    registry = pulumi_harness.registry
    assert "status" not in registry.one(CONFIG_MAP).outputs
    assert registry.one(SERVICE).outputs["status"] == {"loadBalancer": {}}


def test_integral_floats_come_back_as_ints(pulumi_harness: PulumiHarness) -> None:
    app = pulumi_harness.run(web)
    record = pulumi_harness.registry.one(SERVICE)
    port = record.inputs["spec"]["ports"][0]
    assert port == {"port": 80, "targetPort": 8080}
    assert type(port["port"]) is int and type(port["targetPort"]) is int
    assert type(record.outputs["spec"]["ports"][0]["port"]) is int
    assert type(pulumi_harness.resolve(app.service.spec.ports[0].port)) is int
    assert normalize_numbers({"a": [1.0, 1.5, True], "b": float("inf")}) == {
        "a": [1, 1.5, True],
        "b": float("inf"),
    }


# -- resolve, expect, secrets, config ------------------------------------------------


def test_resolve_refuses_unknown_values_in_preview(pulumi_harness: PulumiHarness) -> None:
    # binary_data is neither an input here nor filled by the mocks: unknown in
    # a preview, absent (None) in an update.
    config_map = pulumi_harness.run(lambda: core.ConfigMap("c", data={"a": "b"}))
    if pulumi_harness.preview:
        assert not pulumi_harness.is_known(config_map.binary_data)
        with pytest.raises(AssertionError, match="unknown in preview mode"):
            pulumi_harness.resolve(config_map.binary_data)
    else:
        assert pulumi_harness.resolve(config_map.binary_data) is None
    assert pulumi_harness.resolve(config_map.data) == {"a": "b"}
    assert pulumi_harness.resolve({"nested": [config_map.data]}) == {"nested": [{"a": "b"}]}


def test_unknown_inputs_stay_unknown_in_preview(pulumi_harness: PulumiHarness) -> None:
    def program() -> core.ConfigMap:
        first = core.ConfigMap("first", data={"a": "b"})
        return core.ConfigMap("second", data={"copied": first.binary_data.apply(str), "plain": "x"})

    second = pulumi_harness.run(program)
    record = pulumi_harness.registry.one(CONFIG_MAP, name="second")
    expected = UNKNOWN if pulumi_harness.preview else "None"
    assert record.inputs["data"] == {"copied": expected, "plain": "x"}
    # The mocks see None for an unknown input; the echo must not make it known.
    assert record.outputs["data"] == {"copied": expected, "plain": "x"}
    assert pulumi_harness.is_known(second.data) is not pulumi_harness.preview
    assert pulumi_harness.resolve(second.metadata.name) == autoname("second")
    assert repr(UNKNOWN) == "<unknown>"


def test_a_name_from_an_unknown_output_leaves_the_id_unknown(
    pulumi_harness: PulumiHarness,
) -> None:
    def program() -> core.ConfigMap:
        first = core.ConfigMap("first", data={"a": "b"})
        name = first.binary_data.apply(lambda _: "named-later")
        return core.ConfigMap("second", metadata=meta.ObjectMetaArgs(name=name))

    second = pulumi_harness.run(program)
    record = pulumi_harness.registry.one(CONFIG_MAP, name="second")
    if pulumi_harness.preview:
        assert record.id is None and record.outputs["metadata"]["name"] is UNKNOWN
        assert not pulumi_harness.is_known(second.id)
    else:
        assert record.id == "default/named-later"
        assert pulumi_harness.resolve(second.id) == "default/named-later"


def test_expect_runs_the_check_now_and_raises_its_failure(pulumi_harness: PulumiHarness) -> None:
    app = pulumi_harness.run(web)
    seen: list[int] = []
    pulumi_harness.expect(app.deployment.spec.replicas, seen.append)
    assert seen == [2]

    def fails(replicas: int) -> None:
        assert replicas == 5

    with pytest.raises(AssertionError, match="assert 2 == 5"):
        pulumi_harness.expect(app.deployment.spec.replicas, fails)


def test_expect_inside_a_program_runs_before_run_returns(pulumi_harness: PulumiHarness) -> None:
    seen: list[str] = []

    def program() -> None:
        app = web()
        pulumi_harness.expect(app.deployment.metadata.name, seen.append)

    pulumi_harness.run(program)
    assert seen == [autoname("web")]

    def failing_program() -> None:
        app = web()
        pulumi_harness.expect(app.service.metadata.namespace, lambda ns: _assert_eq(ns, "prod"))

    with pytest.raises(AssertionError, match="'apps' != 'prod'"):
        pulumi_harness.run(failing_program)


def _assert_eq(actual: object, expected: object) -> None:
    assert actual == expected, f"{actual!r} != {expected!r}"


@pytest.mark.parametrize("preview", [True, False], ids=["preview", "update"])
def test_checks_that_never_ran_are_reported(preview: bool) -> None:
    harness = PulumiHarness(preview=preview)
    try:
        config_map = harness.run(lambda: core.ConfigMap("c", data={"a": "b"}))
        harness.expect(config_map.binary_data, lambda _: None, description="binary data check")
        if preview:
            with pytest.raises(AssertionError, match="1 expected check") as missed:
                harness.verify_expectations()
            assert "binary data check (expect() at " in str(missed.value)
            assert __file__ in str(missed.value)
        else:
            harness.verify_expectations()
        harness.verify_expectations()
    finally:
        harness.close()


def test_the_fixture_fails_a_test_whose_check_never_ran(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        from pulumi_kubernetes.core.v1 import ConfigMap

        def test_binary_data(pulumi_harness):
            cm = pulumi_harness.run(lambda: ConfigMap("c", data={"a": "b"}))
            pulumi_harness.expect(cm.binary_data, lambda value: None)
        """
    )
    # Only the plugin under test is needed inside; the others just cost startup time.
    quiet = ["no:cacheprovider", "no:hypothesispytest", "no:typeguard"]
    options = [option for plugin in quiet for option in ("-p", plugin)]
    result = pytester.runpytest_inprocess(*options, "--assert=plain")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*AssertionError: 1 expected check(s) never ran in preview mode*",
            "*- check test_binary_data.<locals>.<lambda> (expect() at *:5)",
            "FAILED *test_binary_data?preview?*",
        ]
    )


OUTSIDE_RUN = "an Output from outside this run was used: an Output belongs to the harness.run()"


@pytest.mark.parametrize("preview", [True, False], ids=["preview", "update"])
def test_an_output_made_before_the_run_and_used_in_it_fails_in_one_line(
    preview: bool, capfd: pytest.CaptureFixture[str]
) -> None:
    with PulumiHarness(preview=preview) as harness:
        outside = pulumi.Output.from_input("b").apply(str.upper)
        with pytest.raises(RuntimeError, match=re.escape(OUTSIDE_RUN)) as raised:
            harness.run(lambda: core.ConfigMap("c", data={"a": outside}))
    assert raised.value.__suppress_context__, "asyncio's traceback must not be chained on"
    assert capfd.readouterr().err == "", "no 'Future exception was never retrieved' dumps"


def test_reading_an_output_made_outside_any_run_fails_in_one_line() -> None:
    with PulumiHarness(preview=False) as harness:
        outside = pulumi.Output.from_input("b").apply(str.upper)
        harness.run(lambda: None)
        with pytest.raises(RuntimeError, match=re.escape(OUTSIDE_RUN)):
            harness.resolve(outside)


def test_the_fixture_reports_an_output_from_outside_run_without_loop_tracebacks(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        import pulumi
        from pulumi_kubernetes.core.v1 import ConfigMap

        def test_outside(pulumi_harness):
            outside = pulumi.Output.from_input("b").apply(str.upper)
            pulumi_harness.run(lambda: ConfigMap("c", data={"a": outside}))
        """
    )
    quiet = ["no:cacheprovider", "no:hypothesispytest", "no:typeguard"]
    options = [option for plugin in quiet for option in ("-p", plugin)]
    result = pytester.runpytest_inprocess(*options, "--assert=plain")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines([f"E * {OUTSIDE_RUN}*"])
    output = result.stdout.str() + result.stderr.str()
    assert "INTERNALERROR" not in output
    assert "attached to a different loop" not in output
    assert "never retrieved" not in output


def test_secrets_are_tracked(pulumi_harness: PulumiHarness) -> None:
    def program() -> core.Secret:
        return core.Secret(
            "db", string_data={"password": pulumi.Output.secret("hunter2"), "user": "app"}
        )

    secret = pulumi_harness.run(program)
    assert pulumi_harness.is_secret(secret.string_data)
    assert not pulumi_harness.is_secret(secret.metadata)
    record = pulumi_harness.registry.one("kubernetes:core/v1:Secret")
    assert "stringData" in record.secret_inputs
    assert record.inputs["stringData"] == {"password": "hunter2", "user": "app"}


def test_config_is_set_per_run(pulumi_harness: PulumiHarness) -> None:
    def program() -> tuple[int | None, pulumi.Output[str] | None]:
        config = pulumi.Config()
        return config.get_int("replicas"), config.get_secret("token")

    replicas, token = pulumi_harness.run(
        program, config={"replicas": "3", "berth:token": "s3cr3t"}, secret_keys=["token"]
    )
    assert replicas == 3 and token is not None
    assert pulumi_harness.is_secret(token) and pulumi_harness.resolve(token) == "s3cr3t"
    assert pulumi_harness.run(program) == (None, None)


def test_project_stack_and_exports(pulumi_harness: PulumiHarness) -> None:
    def program() -> str:
        app = web()
        pulumi.export("ip", app.service.spec.cluster_ip)
        return f"{pulumi.get_project()}/{pulumi.get_stack()}"

    assert pulumi_harness.run(program, project="shop", stack="prod") == "shop/prod"
    assert pulumi_harness.resolve(pulumi_harness.exports["ip"]).startswith("10.96.")
    assert pulumi_harness.registry.one(DEPLOYMENT).urn.startswith("urn:pulumi:prod::shop::")


def test_runs_do_not_leak_into_the_surrounding_runtime(pulumi_harness: PulumiHarness) -> None:
    before = (pulumi.runtime.is_dry_run(), pulumi.runtime.get_root_resource())
    pulumi_harness.run(web, config={"leak": "no"})
    # The program ran in its own context; out here nothing changed.
    after = (pulumi.runtime.is_dry_run(), pulumi.runtime.get_root_resource())
    assert after == before
    assert pulumi.runtime.get_config("berth:leak") is None


def test_program_errors_propagate_and_leave_the_record(pulumi_harness: PulumiHarness) -> None:
    def program() -> None:
        web()
        raise ValueError("bad input")

    with pytest.raises(ValueError, match="bad input"):
        pulumi_harness.run(program)
    assert len(pulumi_harness.registry.of_type(DEPLOYMENT)) == 1


def test_registry_needs_a_run_first() -> None:
    with PulumiHarness(preview=False) as harness, pytest.raises(RuntimeError, match="run"):
        harness.registry  # noqa: B018


# -- log messages ---------------------------------------------------------------------


def test_warnings_and_other_log_messages_are_captured(pulumi_harness: PulumiHarness) -> None:
    def program() -> None:
        pulumi.log.info("starting")
        Site("site", public=True)
        pulumi.log.error("something broke")
        pulumi.log.debug("noise")

    pulumi_harness.run(program)
    registry = pulumi_harness.registry
    assert registry.warnings == ("site is reachable from the internet",)
    assert registry.errors == ("something broke",)
    assert [entry.severity for entry in registry.logs] == ["info", "error", "warning"]


# -- manifests and schemas ------------------------------------------------------------


def deployment_manifest(**spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "labels": LABELS},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": LABELS},
            "template": {
                "metadata": {"labels": LABELS},
                "spec": {
                    "containers": [
                        {"name": "web", "image": "nginx", "ports": [{"containerPort": 80}]}
                    ]
                },
            },
            **spec,
        },
    }


@pytest.mark.parametrize("version", ["1.36.0", "1.37.0", "v1.36"])
def test_a_valid_deployment_passes(version: str) -> None:
    validate_manifest(deployment_manifest(), version)


def test_unknown_fields_and_wrong_types_are_reported_with_their_paths() -> None:
    manifest = deployment_manifest(replicas="two", replica=3)
    manifest["spec"]["template"]["spec"]["containers"][0]["imagePullPolicyy"] = "Always"
    with pytest.raises(SchemaError) as caught:
        validate_manifest(manifest)
    message = str(caught.value)
    assert "Deployment 'web' (apps/v1)" in message
    assert "$.spec: Additional properties are not allowed ('replica' was unexpected)" in message
    assert "$.spec.replicas: 'two' is not of type 'integer', 'null'" in message
    assert "$.spec.template.spec.containers[0]: Additional properties" in message
    assert [violation.path for violation in caught.value.violations] == [
        "$.spec",
        "$.spec.replicas",
        "$.spec.template.spec.containers[0]",
    ]


def test_kinds_without_a_schema_and_unsupported_versions_are_errors() -> None:
    with pytest.raises(SchemaNotFoundError, match=r"no schema for Widget example\.com/v1"):
        validate_manifest({"apiVersion": "example.com/v1", "kind": "Widget"})
    with pytest.raises(SchemaNotFoundError, match="apiVersion and kind"):
        validate_manifest({"kind": "Deployment"})
    with pytest.raises(ValueError, match=r"supported: 1\.36\.0, 1\.37\.0"):
        validate_manifest(deployment_manifest(), "1.20.0")


def httproute(**rule: Any) -> dict[str, Any]:
    return {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "HTTPRoute",
        "metadata": {"name": "web", "namespace": "apps"},
        "spec": {
            "parentRefs": [{"name": "public", "namespace": "gateways", "sectionName": "https"}],
            "hostnames": ["shop.example.com", "*.shop.example.com"],
            "rules": [
                {
                    "matches": [
                        {
                            "path": {"type": "PathPrefix", "value": "/api"},
                            "headers": [{"name": "x-canary", "value": "1"}],
                            "queryParams": [{"type": "Exact", "name": "v", "value": "2"}],
                            "method": "GET",
                        }
                    ],
                    "filters": [
                        {
                            "type": "RequestHeaderModifier",
                            "requestHeaderModifier": {"set": [{"name": "x-env", "value": "p"}]},
                        }
                    ],
                    "backendRefs": [{"name": "web", "port": 80, "weight": 90}],
                    **rule,
                }
            ],
        },
    }


def test_the_bundled_httproute_schema_is_strict() -> None:
    validate_manifest(httproute())
    with pytest.raises(SchemaError) as caught:
        validate_manifest(
            httproute(backendRefs=[{"name": "web", "port": 70000, "wieght": 1}], retries=3)
        )
    assert [str(violation) for violation in caught.value.violations] == [
        "$.spec.rules[0]: Additional properties are not allowed ('retries' was unexpected)",
        "$.spec.rules[0].backendRefs[0]: Additional properties are not allowed "
        "('wieght' was unexpected)",
        "$.spec.rules[0].backendRefs[0].port: 70000 is greater than the maximum of 65535",
    ]
    bad_metadata = {**httproute(), "metadata": {"name": "web", "labelz": {}}}
    with pytest.raises(SchemaError, match=r"\$\.metadata: Additional properties"):
        validate_manifest(bad_metadata)


def test_schemas_can_be_registered_for_other_crds() -> None:
    validator = SchemaValidator(bundled_crds=False)
    with pytest.raises(SchemaNotFoundError):
        validator.validate_manifest(httproute())
    validator.register_schema(
        "example.com/v1",
        "Widget",
        {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "apiVersion": {"const": "example.com/v1"},
                "kind": {"const": "Widget"},
                "metadata": {
                    "$ref": "https://kubernetes.io/api/_definitions.json#/$defs/"
                    "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
                },
                "size": {"type": "integer"},
            },
        },
    )
    widget = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}
    validator.validate_manifest({**widget, "size": 3}, "1.37.0")
    assert [str(v) for v in validator.violations({**widget, "size": "big"})] == [
        "$.size: 'big' is not of type 'integer'"
    ]


def test_compiled_validators_are_reused() -> None:
    from components.testing import schema

    validate_manifest(deployment_manifest())
    before = schema._bundled_validator.cache_info()
    for _ in range(50):
        validate_manifest(deployment_manifest())
    after = schema._bundled_validator.cache_info()
    assert (after.hits - before.hits, after.misses - before.misses) == (50, 0)
    assert schema._definitions.cache_info().currsize <= len(schema.SUPPORTED_K8S_VERSIONS)


def test_the_harness_validates_every_registered_object(pulumi_harness: PulumiHarness) -> None:
    pulumi_harness.run(lambda: (web(), Site("site", public=True)))
    records = pulumi_harness.validate_manifests("1.37.0")
    assert [record.name for record in records] == ["web", "web", "site-pages", "site-lb"]

    def route(spec: dict[str, Any]) -> Callable[[], CustomResource]:
        return lambda: CustomResource(
            "route", api_version="gateway.networking.k8s.io/v1", kind="HTTPRoute", spec=spec
        )

    pulumi_harness.run(route(httproute()["spec"]))
    (record,) = pulumi_harness.validate_manifests()
    assert isinstance(record, ResourceRecord) and record.kind == "HTTPRoute"
    assert record.outputs["metadata"]["namespace"] == "default"
    pulumi_harness.run(route({"rules": [{"backendRefs": [{"port": 80}]}]}))
    with pytest.raises(SchemaError, match=r"(?s)HTTPRoute 'route'.*'name' is a required property"):
        pulumi_harness.validate_manifests()
