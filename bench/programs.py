"""The Pulumi programs compared under mocks.

``raw_webapps`` and ``typed_webapps`` are what a user writes without Berth:
pulumi_kubernetes calls with literal dicts spelling out by hand the very manifests
WebApp builds (the bench checks that all register identical objects before timing
them). The first spells keys as the Kubernetes API does (camelCase, as in a YAML
manifest); the second as Pulumi's Python docs and TypedDicts do (snake_case), which
the SDK must translate key by key and so costs more. The faster one is the baseline
the targets are judged against. ``webapps`` is the same system written with Berth.
``replay`` registers recorded manifests with raw calls: the baseline for the mix,
whose CanaryService objects nobody should have to hand-write twice.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import workload as w

# WebApp gives its Deployment the same options, so that `pulumi up` gives up on a stuck
# rollout shortly after Kubernetes' own progress deadline (600 s).
ROLLOUT_TIMEOUT = "660s"
# The floor program's bare components are registered under WebApp's type token, so that
# nothing but their missing code tells them apart.
FLOOR_TYPE = "berth:index:WebApp"


def _rollout_options() -> Any:
    import pulumi

    from components.manifests.workload import rollout_timeout_seconds

    # The literal above must stay what WebApp registers, or the programs differ.
    expected = f"{rollout_timeout_seconds(w.webapp_args(0).deployment)}s"
    if expected != ROLLOUT_TIMEOUT:
        raise SystemExit(f"bench: WebApp's rollout timeout is {expected}, update ROLLOUT_TIMEOUT")
    timeouts = pulumi.CustomTimeouts(create=ROLLOUT_TIMEOUT, update=ROLLOUT_TIMEOUT)
    return pulumi.ResourceOptions(custom_timeouts=timeouts)


def raw_webapps(n: int, *, in_component: bool = False) -> Callable[[], None]:
    """The baseline; with ``in_component``, the SDK floor (see :func:`floor_webapps`)."""
    import pulumi
    import pulumi_kubernetes as k8s

    rollout = _rollout_options()

    def app(i: int) -> None:
        name = w.app_name(i)
        labels = {
            "app.kubernetes.io/name": name,
            "app.kubernetes.io/instance": name,
            "app.kubernetes.io/managed-by": "berth",
            "app.kubernetes.io/version": w.version(i),
            "app.kubernetes.io/part-of": w.PART_OF,
        }
        # The release version stays off the Service, so that a new image never updates it.
        service_labels = {k: v for k, v in labels.items() if k != "app.kubernetes.io/version"}
        selector = {"app.kubernetes.io/name": name, "app.kubernetes.io/instance": name}
        # `pulumi up` takes back fields changed by hand (kubectl scale) instead of failing.
        annotations = {"pulumi.com/patchForce": "true"}
        # Typed as plain dicts: Pulumi's TypedDicts name the keys in snake_case only,
        # though the SDK passes API-cased keys through unchanged at run time.
        deployment: dict[str, Any] = {
            "metadata": {
                "labels": dict(labels),
                "annotations": dict(annotations),
                "namespace": w.NAMESPACE,
            },
            "spec": {
                "selector": {"matchLabels": dict(selector)},
                "minReadySeconds": 0,
                "progressDeadlineSeconds": 600,
                "revisionHistoryLimit": 5,
                "template": {
                    "metadata": {"labels": dict(labels)},
                    "spec": {
                        "automountServiceAccountToken": False,
                        "securityContext": {
                            "runAsNonRoot": True,
                            "seccompProfile": {"type": "RuntimeDefault"},
                        },
                        "containers": [
                            {
                                "name": "app",
                                "image": w.image(i),
                                "securityContext": {
                                    "allowPrivilegeEscalation": False,
                                    "readOnlyRootFilesystem": True,
                                    "runAsNonRoot": True,
                                    "capabilities": {"drop": ["ALL"]},
                                },
                                "ports": [
                                    {
                                        "containerPort": w.PORT,
                                        "protocol": "TCP",
                                        "name": w.PORT_NAME,
                                    }
                                ],
                                "env": [{"name": "LOG_LEVEL", "value": "info"}],
                                "resources": {
                                    "requests": {"cpu": "100m", "memory": "128Mi"},
                                    "limits": {"memory": "256Mi"},
                                },
                                "readinessProbe": {
                                    "initialDelaySeconds": 0,
                                    "periodSeconds": 10,
                                    "timeoutSeconds": 1,
                                    "successThreshold": 1,
                                    "failureThreshold": 3,
                                    "httpGet": {
                                        "path": w.HEALTH_PATH,
                                        "port": w.PORT_NAME,
                                        "scheme": "HTTP",
                                    },
                                },
                                "lifecycle": {"preStop": {"sleep": {"seconds": 5}}},
                                "volumeMounts": [{"name": "writable-0", "mountPath": "/tmp"}],
                            }
                        ],
                        "volumes": [{"name": "writable-0", "emptyDir": {}}],
                    },
                },
                "replicas": 2,
                "strategy": {
                    "type": "RollingUpdate",
                    "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0},
                },
            },
        }
        service: dict[str, Any] = {
            "metadata": {
                # A Service is named by its app (Berth's naming policy).
                "name": name,
                "labels": dict(service_labels),
                "annotations": {**annotations, "pulumi.com/skipAwait": "true"},
                "namespace": w.NAMESPACE,
            },
            "spec": {
                "type": "ClusterIP",
                "selector": dict(selector),
                "ports": [
                    {
                        "port": w.PORT,
                        "protocol": "TCP",
                        "targetPort": w.PORT_NAME,
                        "name": w.PORT_NAME,
                    }
                ],
                "sessionAffinity": "None",
            },
        }
        if not in_component:
            k8s.apps.v1.Deployment(name, **deployment, opts=rollout)
            k8s.core.v1.Service(name, **service)
            return
        component = pulumi.ComponentResource(FLOOR_TYPE, name)
        child = pulumi.ResourceOptions(parent=component)
        k8s.apps.v1.Deployment(
            name, **deployment, opts=pulumi.ResourceOptions.merge(rollout, child)
        )
        k8s.core.v1.Service(name, **service, opts=child)
        component.register_outputs({})

    def program() -> None:
        for i in range(n):
            app(i)

    return program


def floor_webapps(n: int) -> Callable[[], None]:
    """``raw`` with each app's two objects inside a bare ComponentResource, no outputs.

    No component can cost less than this: it is what the SDK charges for the component
    resource itself (one more registration, one register_outputs call, children with a
    parent). WebApp's cost above this floor is Berth's; the floor's above raw is the SDK's.
    """
    return raw_webapps(n, in_component=True)


def typed_webapps(n: int) -> Callable[[], None]:
    # snake_case keys, as Pulumi's Python docs write dict inputs and as its TypedDicts
    # (and so mypy) require; the SDK translates them to the API's camelCase names.
    import pulumi_kubernetes as k8s

    rollout = _rollout_options()

    def app(i: int) -> None:
        name = w.app_name(i)
        labels = {
            "app.kubernetes.io/name": name,
            "app.kubernetes.io/instance": name,
            "app.kubernetes.io/managed-by": "berth",
            "app.kubernetes.io/version": w.version(i),
            "app.kubernetes.io/part-of": w.PART_OF,
        }
        # The release version stays off the Service, so that a new image never updates it.
        service_labels = {k: v for k, v in labels.items() if k != "app.kubernetes.io/version"}
        selector = {"app.kubernetes.io/name": name, "app.kubernetes.io/instance": name}
        # `pulumi up` takes back fields changed by hand (kubectl scale) instead of failing.
        annotations = {"pulumi.com/patchForce": "true"}
        k8s.apps.v1.Deployment(
            name,
            opts=rollout,
            metadata={
                "labels": dict(labels),
                "annotations": dict(annotations),
                "namespace": w.NAMESPACE,
            },
            spec={
                "selector": {"match_labels": dict(selector)},
                "min_ready_seconds": 0,
                "progress_deadline_seconds": 600,
                "revision_history_limit": 5,
                "template": {
                    "metadata": {"labels": dict(labels)},
                    "spec": {
                        "automount_service_account_token": False,
                        "security_context": {
                            "run_as_non_root": True,
                            "seccomp_profile": {"type": "RuntimeDefault"},
                        },
                        "containers": [
                            {
                                "name": "app",
                                "image": w.image(i),
                                "security_context": {
                                    "allow_privilege_escalation": False,
                                    "read_only_root_filesystem": True,
                                    "run_as_non_root": True,
                                    "capabilities": {"drop": ["ALL"]},
                                },
                                "ports": [
                                    {
                                        "container_port": w.PORT,
                                        "protocol": "TCP",
                                        "name": w.PORT_NAME,
                                    }
                                ],
                                "env": [{"name": "LOG_LEVEL", "value": "info"}],
                                "resources": {
                                    "requests": {"cpu": "100m", "memory": "128Mi"},
                                    "limits": {"memory": "256Mi"},
                                },
                                "readiness_probe": {
                                    "initial_delay_seconds": 0,
                                    "period_seconds": 10,
                                    "timeout_seconds": 1,
                                    "success_threshold": 1,
                                    "failure_threshold": 3,
                                    "http_get": {
                                        "path": w.HEALTH_PATH,
                                        "port": w.PORT_NAME,
                                        "scheme": "HTTP",
                                    },
                                },
                                "lifecycle": {"pre_stop": {"sleep": {"seconds": 5}}},
                                "volume_mounts": [{"name": "writable-0", "mount_path": "/tmp"}],
                            }
                        ],
                        "volumes": [{"name": "writable-0", "empty_dir": {}}],
                    },
                },
                "replicas": 2,
                "strategy": {
                    "type": "RollingUpdate",
                    "rolling_update": {"max_surge": "25%", "max_unavailable": 0},
                },
            },
        )
        k8s.core.v1.Service(
            name,
            metadata={
                "name": name,
                "labels": dict(service_labels),
                "annotations": {**annotations, "pulumi.com/skipAwait": "true"},
                "namespace": w.NAMESPACE,
            },
            spec={
                "type": "ClusterIP",
                "selector": dict(selector),
                "ports": [
                    {
                        "port": w.PORT,
                        "protocol": "TCP",
                        "target_port": w.PORT_NAME,
                        "name": w.PORT_NAME,
                    }
                ],
                "session_affinity": "None",
            },
        )

    def program() -> None:
        for i in range(n):
            app(i)

    return program


def webapps(n: int) -> Callable[[], None]:
    from components import WebApp

    def program() -> None:
        for i in range(n):
            WebApp(w.app_name(i), w.webapp_args(i))

    return program


def mix(n: int) -> Callable[[], None]:
    from components import WebApp
    from components.canary import CanaryService  # type: ignore[import-not-found,unused-ignore]

    def program() -> None:
        for i in range(n):
            if w.is_canary(i):
                CanaryService(w.app_name(i), w.canary_args(i))
            else:
                WebApp(w.app_name(i), w.webapp_args(i))

    return program


def _class_for(token: str) -> Any:
    """``kubernetes:apps/v1:Deployment`` → pulumi_kubernetes.apps.v1.Deployment."""
    _, group_version, kind = token.split(":")
    group, _, ver = group_version.rpartition("/")
    package = group.split(".")[0] if group else "core"
    try:
        return getattr(importlib.import_module(f"pulumi_kubernetes.{package}.{ver}"), kind)
    except (ImportError, AttributeError):
        return None


def _snake(key: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in key)


def load_replay(path: Path) -> list[tuple[Any, str, dict[str, Any]]]:
    """Recorded registrations, resolved to classes and kwargs before the clock starts."""
    from pulumi_kubernetes.apiextensions import CustomResource

    calls: list[tuple[Any, str, dict[str, Any]]] = []
    for token, name, inputs in json.loads(path.read_text()):
        cls = _class_for(token)
        body = {k: v for k, v in inputs.items() if k not in ("apiVersion", "kind")}
        if cls is None:
            # A custom resource keeps its camelCase body; only the envelope is named.
            kwargs = {"api_version": inputs["apiVersion"], "kind": inputs["kind"], **body}
            calls.append((CustomResource, name, kwargs))
        else:
            calls.append((cls, name, {_snake(k): v for k, v in body.items()}))
    return calls


def replay(calls: list[tuple[Any, str, dict[str, Any]]]) -> Callable[[], None]:
    # Options are not inputs, so the recording lacks them: every Deployment of the mix
    # (WebApp's and both canary tracks) gets the rollout timeout its component gives it.
    from pulumi_kubernetes.apps.v1 import Deployment

    rollout = _rollout_options()

    def program() -> None:
        for cls, name, kwargs in calls:
            if cls is Deployment:
                cls(name, opts=rollout, **kwargs)
            else:
                cls(name, **kwargs)

    return program
