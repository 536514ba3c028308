"""Pulumi mocks that stand in for the Kubernetes provider in unit tests.

Under `pulumi.runtime.set_mocks` no provider plugin runs, so nothing fills the
values the Kubernetes provider and API server would: generated names, the
default namespace, a Service's cluster IP, a Deployment's status. `BerthMocks`
fills those deterministically so programs that read them (`svc.spec.cluster_ip`,
`deploy.metadata.name`) behave in tests as they do against a cluster.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any, ClassVar, Final

import pulumi

__all__ = [
    "BerthMocks",
    "autoname",
    "fake_cluster_ip",
    "fake_load_balancer_ip",
    "normalize_numbers",
]

# Markers from the Pulumi RPC wire format, which the SDK leaves in mock inputs.
SPECIAL_SIG_KEY: Final = "4dabf18193072939515e22adb298388d"
SECRET_SIG: Final = "1b47061264138c4ac30d75fd1eb44270"

_NAME_ALPHABET: Final = "abcdefghijklmnopqrstuvwxyz0123456789"
_SUFFIX_LENGTH: Final = 8


def normalize_numbers(value: Any) -> Any:
    """Return `value` with every integral float (at any depth) replaced by the equal int.

    The mock monitor moves values through protobuf `Struct`s, whose only number
    type is a double, so a port 80 comes back as 80.0. Non-integral floats,
    NaN and infinities are left alone.
    """
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, dict):
        return {key: normalize_numbers(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [normalize_numbers(item) for item in value]
    return value


FAKE_CLUSTER_UID = "00000000-0000-4000-8000-00000000c1a5"
"""The ``kube-system`` Namespace uid of the cluster BerthMocks pretend to be."""

FAKE_KUBECONFIG = """\
apiVersion: v1
kind: Config
clusters:
- name: mocked
  cluster: {server: "https://cluster.mocked.invalid:6443"}
users:
- name: mocked
  user: {token: not-a-token}
contexts:
- name: mocked
  context: {cluster: mocked, user: mocked}
current-context: mocked
"""
"""The kubeconfig PulumiHarness gives a program unless its config names one (never dialled)."""


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()


def autoname(logical_name: str) -> str:
    """The name `BerthMocks` gives an object whose `metadata.name` was left unset.

    Pulumi autonaming appends a random suffix to the logical name; the mocks
    derive the suffix from a hash of the logical name instead so assertions
    can be written against it and reruns agree.

    >>> autoname("web") == autoname("web")
    True
    """
    number = int.from_bytes(_digest(logical_name)[:8], "big")
    suffix = []
    for _ in range(_SUFFIX_LENGTH):
        number, index = divmod(number, len(_NAME_ALPHABET))
        suffix.append(_NAME_ALPHABET[index])
    return f"{logical_name}-{''.join(suffix)}"


def fake_cluster_ip(namespace: str, name: str) -> str:
    """The cluster IP `BerthMocks` assigns a Service: stable, inside 10.96.0.0/16."""
    digest = _digest(f"{namespace}/{name}")
    return f"10.96.{digest[0]}.{digest[1] % 254 + 1}"


def fake_load_balancer_ip(namespace: str, name: str) -> str:
    """The ingress IP `BerthMocks` reports for a LoadBalancer Service.

    Drawn from 203.0.113.0/24 (TEST-NET-3) so it can never be mistaken for,
    or route to, a real address.
    """
    digest = _digest(f"lb:{namespace}/{name}")
    return f"203.0.113.{digest[0] % 254 + 1}"


def _unwrap_secret(value: Any) -> tuple[Any, bool]:
    if isinstance(value, dict) and value.get(SPECIAL_SIG_KEY) == SECRET_SIG:
        return value.get("value"), True
    return value, False


def _rewrap_secret(value: Any, was_secret: bool) -> Any:
    return {SPECIAL_SIG_KEY: SECRET_SIG, "value": value} if was_secret else value


def _split_token(type_token: str) -> tuple[str, str] | None:
    """`kubernetes:apps/v1:Deployment` -> ("apps/v1", "Deployment"); `core/v1` -> "v1"."""
    parts = type_token.split(":")
    if len(parts) != 3 or parts[0] != "kubernetes":
        return None
    group_version = parts[1].removeprefix("core/")
    return group_version, parts[2]


class BerthMocks(pulumi.runtime.Mocks):
    """Mocks that echo inputs as outputs and fill in what the Kubernetes provider would.

    For every custom resource whose type token starts with ``kubernetes:`` and
    whose inputs carry ``apiVersion`` and ``kind``:

    * ``metadata.name`` is set to :func:`autoname` (logical name) when absent;
    * ``metadata.namespace`` defaults to ``"default"`` unless the kind is
      cluster-scoped (:attr:`CLUSTER_SCOPED_KINDS`);
    * the resource id is ``namespace/name`` (or ``name`` when cluster-scoped),
      like the real provider's;
    * Deployments get a ready ``status`` (``replicas``, ``readyReplicas``,
      ``availableReplicas``, ``updatedReplicas`` equal to ``spec.replicas``
      or 1, and an ``Available=True`` condition);
    * Services get ``spec.clusterIP``/``spec.clusterIPs`` from
      :func:`fake_cluster_ip` unless set (headless ``"None"`` is kept, and
      ExternalName Services get none), and LoadBalancer Services a
      ``status.loadBalancer.ingress`` entry from :func:`fake_load_balancer_ip`;
    * other kinds get an empty ``status`` unless they have none
      (:attr:`STATUSLESS_KINDS`).

    The values are filled in both preview and update, so the two modes differ
    only where a value is neither an input nor filled here. Other custom
    resources get their inputs back and their logical name as id; component
    resources get their inputs back and no id.

    Integral floats in the returned state are turned back into ints (see
    :func:`normalize_numbers`).

    Reading the ``kube-system`` Namespace (how :func:`components.cluster.cluster_provider`
    tells clusters apart) gives ``metadata.uid`` = ``cluster_uid``. A
    ``pulumi.StackReference`` to stack ``name`` gets ``stack_outputs[name]`` as its
    outputs (none when not given).

    Invokes return ``call_results[token]`` when given, parse YAML for
    ``kubernetes:yaml:decode`` (used by ``pulumi_kubernetes.yaml.ConfigFile``),
    and otherwise return ``{}``. Subclass and override :meth:`kubernetes_state`
    or :meth:`call` for more.
    """

    CLUSTER_SCOPED_KINDS: ClassVar[frozenset[str]] = frozenset(
        {
            "APIService",
            "CSIDriver",
            "CSINode",
            "CertificateSigningRequest",
            "ClusterRole",
            "ClusterRoleBinding",
            "ClusterTrustBundle",
            "ComponentStatus",
            "CustomResourceDefinition",
            "DeviceClass",
            "FlowSchema",
            "GatewayClass",
            "IPAddress",
            "IngressClass",
            "MutatingAdmissionPolicy",
            "MutatingAdmissionPolicyBinding",
            "MutatingWebhookConfiguration",
            "Namespace",
            "Node",
            "PersistentVolume",
            "PriorityClass",
            "PriorityLevelConfiguration",
            "ResourceSlice",
            "RuntimeClass",
            "SelfSubjectAccessReview",
            "SelfSubjectReview",
            "SelfSubjectRulesReview",
            "ServiceCIDR",
            "StorageClass",
            "StorageVersion",
            "StorageVersionMigration",
            "SubjectAccessReview",
            "TokenReview",
            "ValidatingAdmissionPolicy",
            "ValidatingAdmissionPolicyBinding",
            "ValidatingWebhookConfiguration",
            "VolumeAttachment",
            "VolumeAttributesClass",
        }
    )
    """Kinds that get no ``metadata.namespace`` and a bare ``name`` as id."""

    STATUSLESS_KINDS: ClassVar[frozenset[str]] = frozenset(
        {
            "ClusterRole",
            "ClusterRoleBinding",
            "ConfigMap",
            "ControllerRevision",
            "Endpoints",
            "EndpointSlice",
            "Event",
            "IngressClass",
            "Lease",
            "LimitRange",
            "MutatingWebhookConfiguration",
            "PriorityClass",
            "Role",
            "RoleBinding",
            "RuntimeClass",
            "Secret",
            "ServiceAccount",
            "StorageClass",
            "ValidatingWebhookConfiguration",
        }
    )
    """Kinds whose API object has no ``status`` field, so none is invented."""

    def __init__(
        self,
        *,
        call_results: Mapping[str, Mapping[str, Any]] | None = None,
        cluster_uid: str = FAKE_CLUSTER_UID,
        stack_outputs: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        """:param call_results: invoke token -> the dict that invoke returns.
        :param cluster_uid: the uid of the mocked cluster's ``kube-system`` Namespace.
        :param stack_outputs: stack name -> the outputs a StackReference to it reads.
        """
        self._call_results = dict(call_results or {})
        self.cluster_uid = cluster_uid
        self._stack_outputs = {k: dict(v) for k, v in (stack_outputs or {}).items()}

    def new_resource(
        self, args: pulumi.runtime.MockResourceArgs
    ) -> tuple[str | None, dict[str, Any]]:
        """Return ``(id, state)`` for a registered or read resource."""
        state = normalize_numbers(dict(args.inputs))
        if args.custom is False:
            return None, state
        if args.typ == "pulumi:pulumi:StackReference":
            name = str(state.get("name") or args.resource_id or args.name)
            outputs = self._stack_outputs.get(name, {})
            return name, {"name": name, "outputs": outputs, "secretOutputNames": []}
        split = _split_token(args.typ)
        if split is not None and ("kind" in state or args.resource_id):
            return self.kubernetes_state(args.typ, args.name, state, args.resource_id)
        return args.resource_id or args.name, state

    def kubernetes_state(
        self,
        type_token: str,
        logical_name: str,
        state: dict[str, Any],
        resource_id: str | None,
    ) -> tuple[str | None, dict[str, Any]]:
        """Fill what the Kubernetes provider would into ``state``; return ``(id, state)``.

        ``resource_id`` is set when the resource is read (``Deployment.get``)
        rather than registered; its ``namespace/name`` then names the object.
        The id is None (unknown) when the name is, as in a preview whose
        ``metadata.name`` comes from an unknown output.
        """
        split = _split_token(type_token)
        default_api_version, default_kind = split if split is not None else ("", "")
        state.setdefault("apiVersion", default_api_version)
        state.setdefault("kind", default_kind)
        kind = state["kind"] if isinstance(state["kind"], str) else default_kind
        namespaced = kind not in self.CLUSTER_SCOPED_KINDS

        metadata, metadata_secret = _unwrap_secret(state.get("metadata"))
        metadata = dict(metadata) if isinstance(metadata, dict) else {}
        id_namespace, _, id_name = (resource_id or "").rpartition("/")
        if "name" not in metadata:
            metadata["name"] = id_name or autoname(logical_name)
        if namespaced and "namespace" not in metadata:
            metadata["namespace"] = id_namespace or "default"
        if resource_id == "kube-system" and kind == "Namespace":
            metadata.setdefault("uid", self.cluster_uid)
        state["metadata"] = _rewrap_secret(metadata, metadata_secret)

        name, namespace = metadata["name"], metadata.get("namespace")
        if kind == "Deployment":
            self._fill_deployment(state)
        elif kind == "Service":
            self._fill_service(state, str(namespace or ""), str(name))
        elif kind not in self.STATUSLESS_KINDS:
            state.setdefault("status", {})

        if not isinstance(name, str):
            return None, state
        if namespaced and isinstance(namespace, str):
            return f"{namespace}/{name}", state
        return name, state

    def _fill_deployment(self, state: dict[str, Any]) -> None:
        spec, _ = _unwrap_secret(state.get("spec"))
        replicas = spec.get("replicas") if isinstance(spec, dict) else None
        count = replicas if isinstance(replicas, int) and not isinstance(replicas, bool) else 1
        state.setdefault(
            "status",
            {
                "observedGeneration": 1,
                "replicas": count,
                "updatedReplicas": count,
                "readyReplicas": count,
                "availableReplicas": count,
                "conditions": [
                    {
                        "type": "Available",
                        "status": "True",
                        "reason": "MinimumReplicasAvailable",
                    },
                    {
                        "type": "Progressing",
                        "status": "True",
                        "reason": "NewReplicaSetAvailable",
                    },
                ],
            },
        )

    def _fill_service(self, state: dict[str, Any], namespace: str, name: str) -> None:
        spec, spec_secret = _unwrap_secret(state.get("spec"))
        spec = dict(spec) if isinstance(spec, dict) else {}
        service_type = spec.get("type") or "ClusterIP"
        if service_type != "ExternalName" and "clusterIP" not in spec:
            spec["clusterIP"] = fake_cluster_ip(namespace, name)
        if isinstance(spec.get("clusterIP"), str) and "clusterIPs" not in spec:
            spec["clusterIPs"] = [spec["clusterIP"]]
        state["spec"] = _rewrap_secret(spec, spec_secret)
        ingress = (
            [{"ip": fake_load_balancer_ip(namespace, name)}]
            if service_type == "LoadBalancer"
            else []
        )
        state.setdefault("status", {"loadBalancer": {"ingress": ingress} if ingress else {}})

    def call(
        self, args: pulumi.runtime.MockCallArgs
    ) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        """Return ``(result, failures)`` for an invoke; see the class docstring."""
        # The mock monitor iterates the failures, so "none" must be [] not None.
        if args.token in self._call_results:
            return dict(self._call_results[args.token]), []
        if args.token == "kubernetes:yaml:decode":
            return {"result": _decode_yaml(args.args.get("text"))}, []
        return {}, []


def _decode_yaml(text: object) -> list[Any]:
    if not isinstance(text, str):
        return []
    import yaml

    return [document for document in yaml.safe_load_all(text) if document is not None]
