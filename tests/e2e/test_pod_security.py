"""Pod Security admission on the live API server agrees with Berth's sysctl rules.

Pod Security is enforced on Pods, not on Deployments, so these tests send the pod a
Deployment would create (its template) as a Pod, in a server-side dry run, to a
namespace that enforces 'restricted'. Whether the kubelet then applies the sysctl and
lets a non-root process bind port 80 needs a real node, which the local cluster lacks.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from components import Container, ContainerPort, Security, WebAppArgs
from components.inputs.pod import PodSpec, ServiceAccountSpec
from components.inputs.rules import SAFE_SYSCTLS
from components.manifests.webapp import build_webapp
from tests.e2e.tools import Kube

pytestmark = pytest.mark.e2e

NAMESPACE = "pod-security-e2e"


@pytest.fixture(scope="module")
def restricted(kube: Kube) -> Iterator[str]:
    kube.run("create", "namespace", NAMESPACE)
    kube.run("label", "namespace", NAMESPACE, "pod-security.kubernetes.io/enforce=restricted")
    yield NAMESPACE
    kube.run("delete", "namespace", NAMESPACE, "--wait=false")


def pod_of(args: WebAppArgs, name: str) -> dict[str, Any]:
    # The namespace's default account: the app's own would have to exist for the
    # ServiceAccount admission plugin (tests/e2e/test_pod_identity.py creates one).
    args = args.evolve(pod=PodSpec(service_account=ServiceAccountSpec(create=False)))
    template = build_webapp("web", args).deployment["spec"]["template"]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": template["spec"]}


def test_a_non_root_pod_on_port_80_with_its_sysctl_is_admitted_under_restricted(
    kube: Kube, restricted: str
) -> None:
    container = Container(
        image="registry.example.com/nginx-unprivileged:1.27",
        ports=[ContainerPort(port=80, name="http")],
        security=Security(run_as_user=101, run_as_group=101, fs_group=101),
    )
    pod = pod_of(WebAppArgs(container=container), "low-port")
    assert pod["spec"]["securityContext"]["sysctls"] == [
        {"name": "net.ipv4.ip_unprivileged_port_start", "value": "80"}
    ]
    kube.dry_run([pod], restricted)


def test_every_sysctl_berth_allows_under_restricted_is_admitted(
    kube: Kube, restricted: str
) -> None:
    values = {
        "kernel.shm_rmid_forced": "1",
        "net.ipv4.ip_local_port_range": "32768 60999",
        "net.ipv4.ip_local_reserved_ports": "8080",
        "net.ipv4.ip_unprivileged_port_start": "1024",
        "net.ipv4.ping_group_range": "0 2147483647",
        "net.ipv4.tcp_fin_timeout": "30",
        "net.ipv4.tcp_keepalive_intvl": "30",
        "net.ipv4.tcp_keepalive_probes": "5",
        "net.ipv4.tcp_keepalive_time": "600",
        "net.ipv4.tcp_rmem": "4096 87380 6291456",
        "net.ipv4.tcp_syncookies": "1",
        "net.ipv4.tcp_wmem": "4096 16384 4194304",
    }
    assert sorted(values) == sorted(SAFE_SYSCTLS)
    container = Container(image="registry.example.com/shop:1.0", security=Security(sysctls=values))
    kube.dry_run([pod_of(WebAppArgs(container=container, service=None), "safe")], restricted)


def test_a_sysctl_outside_the_safe_list_is_refused_by_the_api_server_too(
    kube: Kube, restricted: str
) -> None:
    # Berth rejects it before registering anything; the server agrees (built by hand here).
    container = Container(image="registry.example.com/shop:1.0")
    pod = pod_of(WebAppArgs(container=container, service=None), "unsafe")
    pod["spec"]["securityContext"]["sysctls"] = [{"name": "kernel.msgmax", "value": "65536"}]
    with pytest.raises(AssertionError) as refused:
        kube.dry_run([pod], restricted)
    assert 'violates PodSecurity "restricted:latest": forbidden sysctls (kernel.msgmax)' in str(
        refused.value
    )
