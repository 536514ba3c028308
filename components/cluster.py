"""A Kubernetes provider bound to one cluster: a stack never mistakes another cluster for its own.

``cluster_provider()`` returns the explicit ``pulumi_kubernetes.Provider`` a stack deploys
through. Before anything is registered it

1. resolves the kubeconfig (``kubernetes:kubeconfig`` config, else ``$KUBECONFIG``; never
   ``~/.kube/config`` by accident) and its API server,
2. fails within seconds, naming that API server, when nothing answers there,
3. reads the cluster's identity, the UID of its ``kube-system`` namespace (set by the API
   server when the cluster is born, never changed, new in every new cluster),
4. compares it with the identity the stack recorded when it was last deployed (its own
   ``cluster`` output, read through a StackReference to itself) and refuses, naming the
   stack, both clusters and the ways forward, when they differ.

The provider's ``clusterIdentifier`` is that UID, so a change of cluster is also a change
Pulumi itself sees (a replacement of the provider) rather than "unchanged". The kubeconfig
goes into the provider as a secret, so ``pulumi destroy`` (which does not run the program)
acts on the cluster recorded in the state, not on whatever ``$KUBECONFIG`` names then.
docs/cluster-binding.md explains the choices.
"""

from __future__ import annotations

import os
import socket
import urllib.parse
from pathlib import Path
from typing import Any

import attrs
import pulumi
import pulumi_kubernetes as k8s
import yaml
from pulumi.runtime import settings
from pulumi.runtime.mocks import MockMonitor

#: The stack output that records which cluster a stack was deployed to.
RECORD_KEY = "cluster"
#: Seconds to wait for the API server to accept a connection before giving up.
CONNECT_TIMEOUT = 5.0
#: How a project driven by Berth's toolchain/stack.sh (`make up`) moves a stack.
STACK_SH_MOVE_HINT = (
    "move it on purpose with `make move STACK={stack}` (toolchain/stack.sh move {stack}), "
    "which re-creates every object on the new cluster and deletes nothing on the old one"
)
DEFAULT_MOVE_HINT = (
    "move the stack on purpose, re-creating every object on the new cluster "
    "(docs/cluster-binding.md, 'Moving a stack to another cluster')"
)


class ClusterError(pulumi.RunError):
    """A stack cannot go on with this cluster; the message says why and what to do.

    A ``pulumi.RunError``, so the CLI prints the message alone, without a traceback.
    """


@attrs.frozen
class Kubeconfig:
    """The kubeconfig a stack uses: its text, where it came from, and the cluster it names."""

    text: str
    source: str
    context: str
    server: str

    @classmethod
    def parse(cls, text: str, source: str, context: str | None = None) -> Kubeconfig:
        try:
            doc = yaml.safe_load(text)
        except yaml.YAMLError as e:
            raise ClusterError(f"the kubeconfig {source} is not YAML: {e}") from None
        if not isinstance(doc, dict):
            raise ClusterError(f"the kubeconfig {source} is not a kubeconfig (no mapping)")
        name = context or doc.get("current-context")
        if not name:
            raise ClusterError(f"the kubeconfig {source} has no current-context; name a context")
        contexts = {c.get("name"): c.get("context") or {} for c in doc.get("contexts") or []}
        if name not in contexts:
            raise ClusterError(
                f"the kubeconfig {source} has no context {name!r} "
                f"(it has: {', '.join(sorted(map(str, contexts))) or 'none'})"
            )
        cluster_name = contexts[name].get("cluster")
        clusters = {c.get("name"): c.get("cluster") or {} for c in doc.get("clusters") or []}
        server = clusters.get(cluster_name, {}).get("server")
        if not isinstance(server, str) or not server:
            raise ClusterError(
                f"the kubeconfig {source}: context {name!r} names cluster {cluster_name!r}, "
                "which has no server"
            )
        return cls(text=text, source=source, context=str(name), server=server)


def resolve_kubeconfig(kubeconfig: str | None = None, context: str | None = None) -> Kubeconfig:
    """The kubeconfig to use: the one given (text or path), else ``kubernetes:kubeconfig``
    config (text or path), else the single file ``$KUBECONFIG`` names."""
    config = pulumi.Config("kubernetes")
    context = context or config.get("context")
    given = kubeconfig or config.get("kubeconfig")
    if given:
        if "\n" in given or given.lstrip().startswith(("{", "apiVersion")):
            return Kubeconfig.parse(given, "given inline", context)
        return _read(Path(given).expanduser(), context)
    env = os.environ.get("KUBECONFIG", "")
    if not env:
        raise ClusterError(
            "no kubeconfig given: set KUBECONFIG to one file, or the stack config "
            "kubernetes:kubeconfig (a path or the kubeconfig itself); "
            "~/.kube/config is never used by default"
        )
    if os.pathsep in env:
        raise ClusterError(
            f"KUBECONFIG names several files ({env}); name exactly one, so the cluster "
            "this stack touches is unambiguous"
        )
    return _read(Path(env).expanduser(), context)


def _read(path: Path, context: str | None) -> Kubeconfig:
    try:
        text = path.read_text()
    except OSError as e:
        raise ClusterError(f"cannot read the kubeconfig {path}: {e.strerror}") from None
    return Kubeconfig.parse(text, str(path), context)


def check_reachable(server: str, timeout: float = CONNECT_TIMEOUT) -> None:
    """Raise :class:`ClusterError` unless something accepts a connection at ``server``."""
    url = urllib.parse.urlsplit(server)
    host = url.hostname
    if host is None:
        raise ClusterError(f"the API server URL {server!r} has no host")
    port = url.port or (80 if url.scheme == "http" else 443)
    try:
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except TimeoutError:
        raise ClusterError(
            f"the cluster's API server at {server} did not answer within {timeout:g} s. "
            "Is the cluster running, and is this the kubeconfig you meant?"
        ) from None
    except OSError as e:
        raise ClusterError(
            f"cannot reach the cluster's API server at {server}: {e.strerror or e}. "
            "Is the cluster running, and is this the kubeconfig you meant?"
        ) from None


def _under_mocks() -> bool:
    """True when the program runs under Pulumi mocks (unit tests): no network then."""
    return isinstance(settings.SETTINGS.monitor, MockMonitor)


def _proxied(kubeconfig: Kubeconfig) -> bool:
    """A proxy between us and the API server makes a direct connection test meaningless."""
    return "proxy-url" in kubeconfig.text or any(
        os.environ.get(v) for v in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy")
    )


def mismatch_message(
    stack: str, recorded: dict[str, Any], server: str, uid: str, move_hint: str
) -> str:
    old_server = recorded.get("server", "an unrecorded API server")
    return (
        f"stack {stack!r} was deployed to the cluster at {old_server} "
        f"(kube-system namespace uid {recorded.get('kube_system_uid')}), but its kubeconfig "
        f"now points at {server} (kube-system uid {uid}): another cluster. Nothing was "
        f"changed. Either point the stack back at {old_server}, or {move_hint}."
    )


def cluster_provider(
    name: str = "cluster",
    *,
    kubeconfig: str | None = None,
    context: str | None = None,
    move_hint: str = DEFAULT_MOVE_HINT,
    connect_timeout: float = CONNECT_TIMEOUT,
    opts: pulumi.ResourceOptions | None = None,
) -> k8s.Provider:
    """The Kubernetes provider for this stack, bound to the cluster it was deployed to.

    Pass it to every component (``opts=ResourceOptions(provider=provider)``). It exports
    the stack output ``cluster`` (``server``, ``kube_system_uid``): that record is what
    the next run compares with. ``move_hint`` completes "Either point the stack back at
    <server>, or ..." in the refusal: name the command that moves this stack.
    """
    stack = pulumi.get_stack()
    target = resolve_kubeconfig(kubeconfig, context)
    if not _under_mocks() and not _proxied(target):
        try:
            check_reachable(target.server, connect_timeout)
        except ClusterError as e:
            raise ClusterError(f"stack {stack!r}: {e} Nothing was changed.") from None
    secret_text = pulumi.Output.secret(target.text)

    # The identity is read through a provider of its own: the bound provider's
    # clusterIdentifier is that identity, so it cannot read it itself.
    probe = k8s.Provider(
        f"{name}-identity",
        kubeconfig=secret_text,
        context=target.context,
        # Any kubeconfig change is an update of this provider, never a replacement.
        cluster_identifier=f"{name}-identity",
        opts=opts,
    )
    kube_system = k8s.core.v1.Namespace.get(
        f"{name}-kube-system", "kube-system", opts=pulumi.ResourceOptions(provider=probe)
    )
    previous = pulumi.StackReference(
        f"{name}-recorded",
        # The file backend's organization is "organization" (mocks may set none).
        stack_name=f"{pulumi.get_organization() or 'organization'}/{pulumi.get_project()}/{stack}",
    )

    def check(args: list[Any]) -> str:
        uid, recorded = args
        if not isinstance(uid, str) or not uid:
            raise ClusterError(
                f"stack {stack!r}: the cluster at {target.server} gave its kube-system "
                "namespace no uid; cannot tell which cluster it is"
            )
        if isinstance(recorded, dict) and recorded.get("kube_system_uid") not in (None, uid):
            raise ClusterError(mismatch_message(stack, recorded, target.server, uid, move_hint))
        return uid

    uid = pulumi.Output.all(kube_system.metadata.uid, previous.get_output(RECORD_KEY)).apply(check)
    provider = k8s.Provider(
        name,
        kubeconfig=secret_text,
        context=target.context,
        cluster_identifier=uid,
        opts=opts,
    )
    pulumi.export(RECORD_KEY, {"server": target.server, "kube_system_uid": uid})
    return provider


# -- the same check before the CLI runs (toolchain/stack.sh), from the stack's state -------


def recorded_in_state(export: dict[str, Any]) -> dict[str, Any] | None:
    """The cluster a stack's state (``pulumi stack export``) was deployed to, or None.

    The bound provider's ``clusterIdentifier`` is the truth (it is written when the
    provider is created, before any object); the ``cluster`` output adds the server.
    """
    resources = (export.get("deployment") or {}).get("resources") or []
    uids = {
        r["inputs"]["clusterIdentifier"]
        for r in resources
        if r.get("type") == "pulumi:providers:kubernetes"
        and not r.get("delete")
        and isinstance((r.get("inputs") or {}).get("clusterIdentifier"), str)
        and not r["inputs"]["clusterIdentifier"].endswith("-identity")
    }
    outputs = next(
        (r.get("outputs") or {} for r in resources if r.get("type") == "pulumi:pulumi:Stack"), {}
    )
    record = outputs.get(RECORD_KEY) if isinstance(outputs.get(RECORD_KEY), dict) else None
    if not uids:
        return dict(record) if record else None
    uid = sorted(uids)[0]
    server = record.get("server") if record and record.get("kube_system_uid") == uid else None
    return {"server": server or "an unrecorded API server", "kube_system_uid": uid}


def without_resources(export: dict[str, Any]) -> dict[str, Any]:
    """The same state with no resources: the next ``pulumi up`` creates everything anew."""
    deployment = {k: v for k, v in (export.get("deployment") or {}).items() if k != "resources"}
    return {**export, "deployment": {**deployment, "resources": []}}


def _main(argv: list[str]) -> int:
    """``python -m components.cluster check STACK SERVER UID < export.json``
    exits 1 with the refusal when the state was deployed to another cluster;
    ``recorded`` prints the recorded uid and server; ``empty`` prints the state emptied."""
    import json
    import sys

    export = json.load(sys.stdin)
    match argv:
        case ["check", stack, server, uid]:
            recorded = recorded_in_state(export)
            if recorded and recorded.get("kube_system_uid") != uid:
                hint = STACK_SH_MOVE_HINT.format(stack=stack)
                print(mismatch_message(stack, recorded, server, uid, hint), file=sys.stderr)
                return 1
            return 0
        case ["recorded"]:
            recorded = recorded_in_state(export) or {}
            print(recorded.get("kube_system_uid", ""), recorded.get("server", ""))
            return 0
        case ["empty"]:
            json.dump(without_resources(export), sys.stdout)
            return 0
    print(_main.__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    import sys

    sys.exit(_main(sys.argv[1:]))
