"""The traffic tests' Pulumi program: Berth components placed on the local cluster's real node.

Stack config (written by tests/e2e/traffic/deploy.py):
- ``traffic:namespace``: the namespace (created here, Pod Security ``restricted``)
- ``traffic:placement``: ``{"node_selector": {...}, "tolerations": [...]}`` for every pod,
  optionally ``"by_track": {"canary": {...}}`` to place one canary track elsewhere
- ``traffic:apps``: ``{name: {"kind": "webapp" | "canary" | "database", "args": {...}}}``,
  each ``args`` in the shape of a Berth stack file's component config

Everything is Berth's own typed API: the real node's selector and toleration go in
``pod``, the downward-API env the echo server reports (pod, namespace, node, pod IP, track
and version labels) is ``FieldRef`` env, a track placed elsewhere is a ``Patch`` of that
track's Deployment, and the namespace is a ``Namespace``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pulumi

from components import (
    CanaryService,
    CanaryServiceArgs,
    ExternalDatabase,
    ExternalDatabaseArgs,
    Namespace,
    NamespaceArgs,
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


def on_node(name: str, kind: str, args: dict[str, Any], placement: Mapping[str, Any]) -> None:
    """Place ``args``' pods (a component's config) by ``placement``, with the echo env."""
    if kind == "database":
        return
    pod = dict(args.get("pod", {}))
    pod["node_selector"] = {**pod.get("node_selector", {}), **placement["node_selector"]}
    pod["tolerations"] = [*pod.get("tolerations", []), *placement["tolerations"]]
    args["pod"] = pod
    container = dict(args["container"])
    env = dict(container.get("env", {}))
    for variable, path in DOWNWARD.items():
        env.setdefault(variable, {"field_path": path})
    container["env"] = env
    args["container"] = container
    for track, where in placement.get("by_track", {}).items():
        # One track elsewhere: its Deployment's placement replaced (None removes a key).
        selector: dict[str, Any] = dict.fromkeys(placement["node_selector"])
        selector.update(where["node_selector"])
        template = {"spec": {"nodeSelector": selector, "tolerations": where["tolerations"]}}
        patch = {
            "kind": "Deployment",
            "name": f"{name}-{track}",
            "merge": {"spec": {"template": template}},
        }
        args["patches"] = [*args.get("patches", []), patch]


def main() -> None:
    config = pulumi.Config("traffic")
    stack = pulumi.get_stack()
    namespace = read(config.require, "namespace", stack)
    placement = read(config.require_object, "placement", stack)
    apps: dict[str, Any] = read(config.require_object, "apps", stack)

    def loader(name: str, app: Mapping[str, Any]) -> Callable[[], Any]:
        args = dict(app["args"])
        on_node(name, app["kind"], args, placement)
        return lambda: args_from_config(
            KINDS[app["kind"]],
            args,
            key=f"traffic:apps.{name}.args",
            stack=stack,
            defaults={"namespace": namespace},
            logical=name,
        )

    specs = load_all({name: loader(name, app) for name, app in apps.items()}, stack)
    ns = Namespace("namespace", NamespaceArgs(name=namespace))
    opts = pulumi.ResourceOptions(depends_on=[ns])
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
