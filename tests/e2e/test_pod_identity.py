"""The whole pod on the live API server: a pod with its own ServiceAccount, user namespaces,
affinity, tolerations, a priority class and pod-level resources is admitted under Pod Security
'restricted', and a pod naming an account that does not exist is refused (what Berth's old
``service_account_name`` led to when nothing created the account).

As in test_pod_security.py, the pod a Deployment would create is sent as a Pod, in a
server-side dry run: admission (ServiceAccount, Priority, PodSecurity) runs on Pods only.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from components.manifests.webapp import build_webapp
from tests.catalogue import CATALOGUE
from tests.e2e.tools import Kube

pytestmark = pytest.mark.e2e

NAMESPACE = "pod-identity-e2e"


@pytest.fixture(scope="module")
def restricted(kube: Kube) -> Iterator[str]:
    kube.run("create", "namespace", NAMESPACE)
    kube.run("label", "namespace", NAMESPACE, "pod-security.kubernetes.io/enforce=restricted")
    kube.run("create", "priorityclass", "shop-critical", "--value=1000")
    yield NAMESPACE
    kube.run("delete", "priorityclass", "shop-critical", "--wait=false")
    kube.run("delete", "namespace", NAMESPACE, "--wait=false")


def objects(name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The whole-pod example's ServiceAccount (named) and the Pod its Deployment creates."""
    built = build_webapp("shop", CATALOGUE["whole-pod"])
    assert built.service_account is not None
    account = {**built.service_account, "metadata": {"name": name}}
    spec = {**built.deployment["spec"]["template"]["spec"], "serviceAccountName": name}
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec}
    return account, pod


def test_the_whole_pod_with_its_own_account_is_admitted_under_restricted(
    kube: Kube, restricted: str
) -> None:
    account, pod = objects("shop")
    assert pod["spec"]["hostUsers"] is False
    kube.run("apply", "-n", restricted, "-f", "-", input=_yaml(account))
    kube.dry_run([pod], restricted)


def test_a_pod_naming_an_account_nobody_created_is_refused(kube: Kube, restricted: str) -> None:
    _, pod = objects("nobody-made-this")
    with pytest.raises(AssertionError, match="nobody-made-this"):
        kube.dry_run([pod], restricted)


def _yaml(manifest: dict[str, Any]) -> str:
    import yaml

    return str(yaml.safe_dump(manifest))
