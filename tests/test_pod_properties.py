"""Property: any pod settings (as a stack file gives them) either build objects that pass the
strict schemas of every supported Kubernetes version, or raise one SpecError whose every
problem is under ``pod.``; never another exception."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings, strategies as st

from components import Container, ContainerPort, SpecError, WebAppArgs
from components.manifests.webapp import build_webapp
from components.testing.schema import SUPPORTED_K8S_VERSIONS, validate_manifest

WEB = Container(image="registry.example.com/shop:1.4.2", ports=[ContainerPort(port=8080)])


def pods(wild: bool) -> st.SearchStrategy[dict[str, Any]]:
    def e(valid: list[Any], invalid: list[Any]) -> st.SearchStrategy[Any]:
        return st.sampled_from(valid + invalid if wild else valid)

    keys = e(["zone", "node.example.com/class", "kubernetes.io/hostname"], ["", "-a", "a/b/c"])
    values = st.lists(e(["a", "b", "3", "-7"], ["a b", "x" * 64]), max_size=3)
    node_requirements = st.fixed_dictionaries(
        {
            "key": keys,
            "operator": e(["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"], ["Near"]),
            "values": values,
        }
    )
    weights = e([None, 1, 50, 100], [0, 101, "high"])
    node_terms = st.fixed_dictionaries(
        {"match_expressions": st.lists(node_requirements, max_size=2), "weight": weights}
    )
    label_requirements = st.fixed_dictionaries(
        {
            "key": keys,
            "operator": e(["In", "NotIn", "Exists", "DoesNotExist"], ["Gt"]),
            "values": values,
        }
    )
    pod_terms = st.fixed_dictionaries(
        {
            "topology_key": keys,
            "match_labels": st.dictionaries(keys, e(["cache", ""], ["a b"]), max_size=2),
            "match_expressions": st.lists(label_requirements, max_size=2),
            "namespaces": st.lists(e(["jobs", "shop"], ["Jobs", ""]), max_size=2),
            "weight": weights,
        }
    )
    tolerations = st.fixed_dictionaries(
        {
            "key": e([None, "dedicated", "node.kubernetes.io/unreachable"], ["-x"]),
            "operator": e(["Equal", "Exists"], ["Gt"]),
            "value": e(["", "shop"], ["a b"]),
            "effect": e([None, "NoSchedule", "PreferNoSchedule", "NoExecute"], ["Evict"]),
            "toleration_seconds": e([None, 0, 300], [-1]),
        }
    )
    quantities = e([None, "250m", "1", "2Gi"], ["1500m", "lots", -1])
    return st.fixed_dictionaries(
        {},
        optional={
            "service_account": st.fixed_dictionaries(
                {
                    "create": e([True, False], ["yes"]),
                    "name": e([None, "reader"], ["Reader"]),
                    "annotations": st.dictionaries(
                        e(["iam.gke.io/gcp-service-account"], ["a b"]),
                        st.just("x"),
                        max_size=1,
                    ),
                }
            ),
            "image_pull_secrets": st.lists(e(["creds", "more"], ["Creds"]), max_size=2),
            "node_selector": st.dictionaries(keys, e(["linux"], ["a b"]), max_size=2),
            "node_affinity": st.lists(node_terms, max_size=2),
            "pod_affinity": st.lists(pod_terms, max_size=2),
            "pod_anti_affinity": st.lists(pod_terms, max_size=2),
            "tolerations": st.lists(tolerations, max_size=2),
            "priority_class_name": e([None, "shop-critical"], ["High"]),
            "host_users": e([True, False], ["no"]),
            "resources": st.fixed_dictionaries(
                {
                    "cpu_request": quantities,
                    "cpu_limit": quantities,
                    "memory_limit": quantities,
                }
            ),
        },
    )


def builds_valid_objects_or_names_pod_fields(pod: dict[str, Any]) -> None:
    try:
        args = WebAppArgs(container=WEB, pod=pod)  # type: ignore[arg-type]
    except SpecError as error:
        assert error.problems
        assert all(p.path.startswith(("pod.", "container.resources.")) for p in error.problems), (
            error
        )
        return
    for manifest in build_webapp("shop", args).all():
        named = {**manifest, "metadata": {"name": "shop-1234567", **manifest["metadata"]}}
        for version in SUPPORTED_K8S_VERSIONS:
            validate_manifest(named, version)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(pod=pods(wild=False))
def test_any_pod_in_range_builds_schema_valid_objects_or_names_a_rule(pod: dict[str, Any]) -> None:
    builds_valid_objects_or_names_pod_fields(pod)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(pod=pods(wild=True))
def test_any_pod_at_all_fails_only_with_a_spec_error_under_pod(pod: dict[str, Any]) -> None:
    builds_valid_objects_or_names_pod_fields(pod)
