"""The traffic tests' Pulumi program: Berth components placed on the local cluster's real node.

Stack config (written by tests/e2e/traffic/deploy.py):
- ``traffic:namespace``: the namespace (created here, Pod Security ``restricted``)
- ``traffic:placement``: ``{"node_selector": {...}, "tolerations": [...]}`` for every pod,
  optionally ``"by_track": {"canary": {...}}`` to place one canary track elsewhere
- ``traffic:apps``: ``{name: {"kind": "webapp" | "canary" | "database", "args": {...}}}``,
  each ``args`` in the shape of a Berth stack file's component config

The components are Berth's own; one transformation adds what Berth does not model and
the tests need: the real node's selector and toleration, and the downward-API env the
echo server reports (pod, namespace, node, pod IP, track and version labels).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components import (
    CanaryService,
    CanaryServiceArgs,
    ExternalDatabase,
    ExternalDatabaseArgs,
    WebApp,
    WebAppArgs,
)
from components.config import args_from_config, load_all, read

KINDS: dict[str, type[Any]] = {
    "webapp": WebAppArgs,
    "canary": CanaryServiceArgs,
    "database": ExternalDatabaseArgs,
}
DOWNWARD = {
    "POD_NAME": "metadata.name",
    "POD_NAMESPACE": "metadata.namespace",
    "NODE_NAME": "spec.nodeName",
    "POD_IP": "status.podIP",
    "TRACK": "metadata.labels['track']",
    "VERSION": "metadata.labels['app.kubernetes.io/version']",
}


def placed(pod_spec: dict[str, Any], placement: Mapping[str, Any]) -> dict[str, Any]:
    """``pod_spec`` on the real node, its containers given the downward-API env."""
    containers = []
    for container in pod_spec.get("containers", []):
        env = list(container.get("env", []))
        names = {e["name"] for e in env}
        env += [
            {"name": name, "valueFrom": {"fieldRef": {"fieldPath": path}}}
            for name, path in DOWNWARD.items()
            if name not in names
        ]
        containers.append({**container, "env": env})
    return {
        **pod_spec,
        "containers": containers,
        "nodeSelector": {**pod_spec.get("nodeSelector", {}), **placement["node_selector"]},
        "tolerations": [*pod_spec.get("tolerations", []), *placement["tolerations"]],
    }


def place_on_node(
    placement: Mapping[str, Any],
) -> Callable[[pulumi.ResourceTransformationArgs], pulumi.ResourceTransformationResult | None]:
    def transform(
        args: pulumi.ResourceTransformationArgs,
    ) -> pulumi.ResourceTransformationResult | None:
        if args.type_ != "kubernetes:apps/v1:Deployment":
            return None
        given = args.props["spec"]
        if not isinstance(given, dict):
            raise TypeError("a Deployment spec that is not a plain dict: its pods cannot be placed")
        spec = dict(given)
        template = dict(spec["template"])
        track = template.get("metadata", {}).get("labels", {}).get("track")
        where = placement.get("by_track", {}).get(track, placement)
        template["spec"] = placed(template["spec"], where)
        spec["template"] = template
        return pulumi.ResourceTransformationResult({**args.props, "spec": spec}, args.opts)

    return transform


def main() -> None:
    config = pulumi.Config("traffic")
    stack = pulumi.get_stack()
    namespace = read(config.require, "namespace", stack)
    placement = read(config.require_object, "placement", stack)
    apps: dict[str, Any] = read(config.require_object, "apps", stack)

    def loader(name: str, app: Mapping[str, Any]) -> Callable[[], Any]:
        return lambda: args_from_config(
            KINDS[app["kind"]],
            app["args"],
            key=f"traffic:apps.{name}.args",
            stack=stack,
            defaults={"namespace": namespace},
            logical=name,
        )

    specs = load_all({name: loader(name, app) for name, app in apps.items()}, stack)
    ns = k8s.core.v1.Namespace(
        "namespace",
        metadata={
            "name": namespace,
            "labels": {
                "pod-security.kubernetes.io/enforce": "restricted",
                "pod-security.kubernetes.io/enforce-version": "latest",
            },
        },
    )
    opts = pulumi.ResourceOptions(depends_on=[ns], transformations=[place_on_node(placement)])
    outputs: dict[str, Any] = {}
    for name, args in specs.items():
        if isinstance(args, WebAppArgs):
            app = WebApp(name, args, opts=opts)
            outputs[name] = {"service": app.service_name, "dns_name": app.dns_name}
        elif isinstance(args, CanaryServiceArgs):
            canary = CanaryService(name, args, opts=opts)
            outputs[name] = {
                "service": canary.service_name,
                "stable_service": canary.stable_service_name,
                "canary_service": canary.canary_service_name,
                "dns_name": canary.dns_name,
                "effective_canary_weight": canary.effective_canary_weight,
                "stable_replicas": canary.stable_replicas,
                "canary_replicas": canary.canary_replicas,
            }
        else:
            database = ExternalDatabase(name, args, opts=opts)
            outputs[name] = {"service": database.service_name, "dns_name": database.dns_name}
    pulumi.export("apps", outputs)


# Pulumi runs this file as __main__; the unit tests import it.
if __name__ == "__main__":
    main()
