"""Berth's policy pack under the real CLI: `pulumi preview --policy-pack policy`, which the
toolchain's Python language host runs through RunPlugin."""

from __future__ import annotations

import json
import re
import subprocess

import pytest
import yaml

from components.manifests.policy_rules import RESOURCE_RULES, STACK_RULES
from tests.e2e.tools import ROOT, Cluster, Kube, Project

pytestmark = pytest.mark.e2e
PACK = ROOT / "policy"
MANDATORY = sorted(
    [r.name for r in RESOURCE_RULES if r.level == "mandatory"]
    + [s.name for s in STACK_RULES if s.level == "mandatory"]
)

HEADER = """
from pulumi_kubernetes.apps import v1 as apps
from pulumi_kubernetes.core import v1 as core
from pulumi_kubernetes.meta import v1 as meta
from pulumi_kubernetes.policy import v1 as policy_v1

NS = "raw-policy"
core.Namespace("ns", metadata=meta.ObjectMetaArgs(name=NS))


def meta_of(name):
    return meta.ObjectMetaArgs(name=name, namespace=NS)
"""

# Breaks every mandatory policy at least once (and the advisory one).
BAD = (
    HEADER
    + """
labels = {"app": "raw"}
template = core.PodTemplateSpecArgs(
    metadata=meta.ObjectMetaArgs(labels=labels),
    spec=core.PodSpecArgs(containers=[core.ContainerArgs(
        # The API server would reject the port name; the provider's client-side conversion
        # does not check it, so only the pack finds it at preview.
        name="app", image="nginx:latest",
        ports=[core.ContainerPortArgs(container_port=80, name="HTTP_port")],
        resources=core.ResourceRequirementsArgs(requests={"memory": "64Mi"}),
    )]),
)
for name in ("raw", "raw-twin"):
    apps.Deployment(name, metadata=meta_of(name), spec=apps.DeploymentSpecArgs(
        replicas=3, selector=meta.LabelSelectorArgs(match_labels=labels), template=template))
core.Service("exposed", metadata=meta_of("exposed"), spec=core.ServiceSpecArgs(
    type="LoadBalancer", selector={"app": "nothing"}, external_ips=["203.0.113.50"],
    ports=[core.ServicePortArgs(port=80)]))
core.Service("node", metadata=meta_of("node"), spec=core.ServiceSpecArgs(
    type="NodePort", selector=labels, ports=[core.ServicePortArgs(port=80)]))
policy_v1.PodDisruptionBudget("frozen", metadata=meta_of("frozen"),
    spec=policy_v1.PodDisruptionBudgetSpecArgs(
        max_unavailable=0, selector=meta.LabelSelectorArgs(match_labels={"app": "other"})))
"""
)

# Passes every mandatory policy; only the advisory berth-zero-downtime-rollout and
# berth-graceful-termination object.
ADVISORY_ONLY = (
    HEADER
    + """
labels = {"app": "web"}
apps.Deployment("web", metadata=meta_of("web"), spec=apps.DeploymentSpecArgs(
    replicas=2,
    selector=meta.LabelSelectorArgs(match_labels=labels),
    template=core.PodTemplateSpecArgs(
        metadata=meta.ObjectMetaArgs(labels=labels),
        spec=core.PodSpecArgs(
            security_context=core.PodSecurityContextArgs(
                run_as_non_root=True, seccomp_profile=core.SeccompProfileArgs(type="RuntimeDefault")),
            containers=[core.ContainerArgs(
                name="app", image="registry.example.com/web:1.0.0",
                ports=[core.ContainerPortArgs(container_port=8080, name="http")],
                readiness_probe=core.ProbeArgs(http_get=core.HTTPGetActionArgs(path="/", port="http")),
                resources=core.ResourceRequirementsArgs(requests={"cpu": "50m", "memory": "64Mi"}),
                security_context=core.SecurityContextArgs(
                    allow_privilege_escalation=False, read_only_root_filesystem=True,
                    capabilities=core.CapabilitiesArgs(drop=["ALL"])),
            )],
        ),
    ),
))
policy_v1.PodDisruptionBudget("web", metadata=meta_of("web"),
    spec=policy_v1.PodDisruptionBudgetSpecArgs(
        max_unavailable=1, selector=meta.LabelSelectorArgs(match_labels=labels)))
core.Service("web", metadata=meta_of("web"), spec=core.ServiceSpecArgs(
    selector=labels, ports=[core.ServicePortArgs(port=80, target_port="http")]))
"""
)


def raw_project(
    tmp_path_factory: pytest.TempPathFactory,
    tool_env: dict[str, str],
    cluster: Cluster,
    source: str,
) -> Project:
    src = tmp_path_factory.mktemp("raw-src")
    (src / "__main__.py").write_text(source)
    (src / "Pulumi.yaml").write_text(
        yaml.safe_dump({"name": "raw", "runtime": {"name": "python", "options": {}}})
    )
    project = Project.copy(
        tmp_path_factory.mktemp("raw") / "raw", tool_env, cluster.kubeconfig, source=src
    )
    project.select("dev")
    return project


def violations(output: str) -> list[tuple[str, str]]:
    """(level, policy) of every violation the CLI printed."""
    return re.findall(r"- \[(advisory|mandatory)\]\s+(berth-[a-z-]+)", output)


def test_preview_of_a_bad_raw_program_fails_naming_each_mandatory_violation(
    tmp_path_factory: pytest.TempPathFactory, tool_env: dict[str, str], cluster: Cluster
) -> None:
    project = raw_project(tmp_path_factory, tool_env, cluster, BAD)
    # The stack asks for its namespace to be isolated, and has no NetworkPolicy.
    config = project.path / "policy-config.json"
    config.write_text(json.dumps({"berth-network-isolation": {"namespaces": ["raw-policy"]}}))
    result = project.preview(
        "dev", "--policy-pack", str(PACK), "--policy-pack-config", str(config), check=False
    )
    out = result.stdout + result.stderr
    assert result.returncode != 0, out[-3000:]
    found = violations(out)
    assert sorted({p for level, p in found if level == "mandatory"}) == MANDATORY, out[-6000:]
    assert ("advisory", "berth-zero-downtime-rollout") in found
    # Each message names the object, the field path, the value and what is allowed.
    assert (
        "Deployment raw-policy/raw: spec.template.spec.containers[0].image: 'nginx:latest' "
        "is tagged ':latest'"
    ) in out
    assert (
        "Deployment raw-policy/raw: spec.template.spec.containers[0].ports[0].name: "
        "'HTTP_port' is not a valid port name"
    ) in out
    assert "PodDisruptionBudget raw-policy/frozen: spec.maxUnavailable: 0 allows no eviction" in out
    assert "Service raw-policy/exposed: spec.externalIPs: ['203.0.113.50'] must be empty" in out


def test_an_advisory_violation_warns_and_the_update_goes_through(
    tmp_path_factory: pytest.TempPathFactory, tool_env: dict[str, str], cluster: Cluster, kube: Kube
) -> None:
    project = raw_project(tmp_path_factory, tool_env, cluster, ADVISORY_ONLY)
    try:
        result = project.pulumi("up", "--yes", "--stack", "dev", "--policy-pack", str(PACK))
        out = result.stdout + result.stderr
        # Reported by the preview and again by the update, which goes through.
        assert set(violations(out)) == {
            ("advisory", "berth-zero-downtime-rollout"),
            ("advisory", "berth-graceful-termination"),
        }, out[-4000:]
        assert "spec.strategy.rollingUpdate.maxUnavailable: '25%' must be 0" in out
        deployment = kube.get_one("deployment", "raw-policy", "web")
        assert deployment["spec"]["replicas"] == 2
    finally:
        project.destroy("dev")


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_berths_stacks_pass_the_pack_at_its_strictest(project: Project, stack: str) -> None:
    config = PACK / "config" / f"{stack}.json"
    assert '"all": "mandatory"' in config.read_text()
    project.select(stack)
    result = project.preview(stack, "--policy-pack", str(PACK), "--policy-pack-config", str(config))
    out = result.stdout + result.stderr
    assert violations(out) == [], out[-4000:]
    assert re.search(r"✅ berth@v\S+ \(local: " + re.escape(str(PACK)), out), out[-3000:]


def test_the_pack_runs_through_the_language_hosts_run_plugin(tool_env: dict[str, str]) -> None:
    # No pulumi-analyzer-policy-python shim exists in the toolchain: only RunPlugin can start it.
    shim = subprocess.run(
        ["bash", "-c", "command -v pulumi-analyzer-policy-python || true"],
        env=tool_env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert shim.stdout.strip() == ""
