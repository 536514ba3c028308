"""The pod template: the app container, its sidecars and init containers, each with secure
defaults, probes, env, hooks and writable volumes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

from components import labels
from components.inputs import rules
from components.inputs.container import (
    ConfigMapKeyRef,
    Container,
    FieldRef,
    Lifecycle,
    LifecycleHandler,
    Probe,
    ResourceFieldRef,
    SecretKeyRef,
    Security,
    app_lifecycle,
)
from components.inputs.deployment import Spread
from components.inputs.pod import PodSpec
from components.inputs.volumes import writable_volume_name
from components.manifests.meta import Manifest, image_warnings
from components.manifests.pod_settings import pod_spec_fields
from components.manifests.volumes import PodVolumes, build_mount

if TYPE_CHECKING:
    import pulumi


def secret_env_keys(container: Container) -> dict[str, str]:
    """The key each secret env var gets in the component's Secret (the var name itself)."""
    return {name: name for name in sorted(container.secret_env)}


def build_env(container: Container, secret_name: pulumi.Input[str] | None) -> list[Manifest]:
    env: list[Manifest] = []
    for name, value in container.env.items():
        if isinstance(value, SecretKeyRef):
            ref: Manifest = {"name": value.secret_name, "key": value.key}
            if value.optional:
                ref["optional"] = True
            env.append({"name": name, "valueFrom": {"secretKeyRef": ref}})
        elif isinstance(value, ConfigMapKeyRef):
            ref = {"name": value.config_map_name, "key": value.key}
            if value.optional:
                ref["optional"] = True
            env.append({"name": name, "valueFrom": {"configMapKeyRef": ref}})
        elif isinstance(value, FieldRef):
            env.append({"name": name, "valueFrom": {"fieldRef": {"fieldPath": value.field_path}}})
        elif isinstance(value, ResourceFieldRef):
            resource: Manifest = {"resource": value.resource}
            if value.container_name is not None:
                resource["containerName"] = value.container_name
            if value.divisor is not None:
                resource["divisor"] = value.divisor
            env.append({"name": name, "valueFrom": {"resourceFieldRef": resource}})
        else:
            env.append({"name": name, "value": value})
    if container.secret_env:
        if secret_name is None:
            raise ValueError("secret_name is required when the container has secret_env")
        for name, key in secret_env_keys(container).items():
            env.append(
                {"name": name, "valueFrom": {"secretKeyRef": {"name": secret_name, "key": key}}}
            )
    return env


def build_probe(container: Container, probe: Probe) -> Manifest:
    result: Manifest = {
        "initialDelaySeconds": probe.initial_delay_seconds,
        "periodSeconds": probe.period_seconds,
        "timeoutSeconds": probe.timeout_seconds,
        "successThreshold": probe.success_threshold,
        "failureThreshold": probe.failure_threshold,
    }
    if probe.kind == "exec":
        result["exec"] = {"command": list(probe.command)}
    elif probe.kind == "tcp":
        result["tcpSocket"] = {"port": container.port_for(probe)}
    elif probe.kind == "grpc":
        port = container.port_for(probe)
        # gRPC probes take only a port number; a name is resolved from the container.
        if isinstance(port, str):
            port = next(p.port for p in container.ports if p.name == port)
        result["grpc"] = {"port": port}
        if probe.grpc_service is not None:
            result["grpc"]["service"] = probe.grpc_service
    else:
        result["httpGet"] = build_http_get(container, probe)
    return result


def build_http_get(container: Container, request: Probe | LifecycleHandler) -> Manifest:
    """The httpGet of a probe or a hook."""
    result: Manifest = {
        "path": request.path,
        "port": container.port_for(request),
        "scheme": request.scheme,
    }
    if request.host is not None:
        result["host"] = request.host
    if request.headers:
        result["httpHeaders"] = [{"name": k, "value": v} for k, v in request.headers.items()]
    return result


def build_lifecycle(container: Container, lifecycle: Lifecycle) -> Manifest:
    hooks: Manifest = {}
    for name, handler in lifecycle.handlers():
        key = "postStart" if name == "post_start" else "preStop"
        if handler.kind == "exec":
            hooks[key] = {"exec": {"command": list(handler.command)}}
        elif handler.kind == "sleep":
            hooks[key] = {"sleep": {"seconds": handler.seconds}}
        else:
            hooks[key] = {"httpGet": build_http_get(container, handler)}
    return hooks


def build_env_from(container: Container) -> list[Manifest]:
    found: list[Manifest] = []
    for source in container.env_from:
        ref: Manifest = {"name": source.secret_name or source.config_map_name}
        if source.optional:
            ref["optional"] = True
        item: Manifest = {"secretRef" if source.secret_name is not None else "configMapRef": ref}
        if source.prefix:
            item["prefix"] = source.prefix
        found.append(item)
    return found


# Where a container runs in the pod: the app's own place, a native sidecar (an init
# container with restartPolicy Always) or an init container that runs to completion.
Role = Literal["app", "sidecar", "init"]


def build_container(
    container: Container,
    secret_name: pulumi.Input[str] | None,
    role: Role = "app",
    *,
    slot: str = "",
    pod: Security | None = None,
    more_mounts: list[Manifest] | None = None,
) -> Manifest:
    """One container; ``slot`` tells its writable volumes from the other containers',
    ``pod`` is the security the pod's securityContext carries (the app container's),
    ``more_mounts`` are the mounts of ``files`` (the app container's)."""
    sec = container.security
    security: Manifest = {
        "allowPrivilegeEscalation": sec.allow_privilege_escalation,
        "readOnlyRootFilesystem": sec.read_only_root_filesystem,
        "runAsNonRoot": sec.run_as_non_root,
        "capabilities": {"drop": list(sec.drop_capabilities)},
    }
    if sec.add_capabilities:
        security["capabilities"]["add"] = list(sec.add_capabilities)
    for key, value in (("runAsUser", sec.run_as_user), ("runAsGroup", sec.run_as_group)):
        if value is not None:
            security[key] = value
    if pod is not None and (sec.seccomp_profile, sec.seccomp_localhost_profile) != (
        pod.seccomp_profile,
        pod.seccomp_localhost_profile,
    ):
        security["seccompProfile"] = build_seccomp(sec)
    result: Manifest = {
        "name": container.name,
        "image": container.image,
        "securityContext": security,
    }
    if role == "sidecar":
        result["restartPolicy"] = "Always"
    if container.command:
        result["command"] = list(container.command)
    if container.args:
        result["args"] = list(container.args)
    if container.working_dir:
        result["workingDir"] = container.working_dir
    if container.ports:
        result["ports"] = [
            {
                "containerPort": p.port,
                "protocol": p.protocol,
                **({"name": p.name} if p.name else {}),
            }
            for p in container.ports
        ]
    env = build_env(container, secret_name)
    if env:
        result["env"] = env
    if container.env_from:
        result["envFrom"] = build_env_from(container)
    resources = build_resources(container)
    if resources:
        result["resources"] = resources
    if container.resources.resize_policy:
        result["resizePolicy"] = [
            {"resourceName": name, "restartPolicy": policy}
            for name, policy in sorted(container.resources.resize_policy.items())
        ]
    for field_name, key in (
        ("readiness_probe", "readinessProbe"),
        ("liveness_probe", "livenessProbe"),
        ("startup_probe", "startupProbe"),
    ):
        probe = getattr(container, field_name)
        if probe is not None:
            result[key] = build_probe(container, probe)
    lifecycle = app_lifecycle(container) if role == "app" else container.lifecycle
    if lifecycle is not None and (hooks := build_lifecycle(container, lifecycle)):
        result["lifecycle"] = hooks
    mounts = [
        {"name": writable_volume_name(i, slot), "mountPath": path}
        for i, path in enumerate(sec.writable_paths)
    ]
    mounts += [build_mount(m) for m in container.mounts] + (more_mounts or [])
    if mounts:
        result["volumeMounts"] = mounts
    return result


def build_seccomp(sec: Security) -> Manifest:
    seccomp: Manifest = {"type": sec.seccomp_profile}
    if sec.seccomp_profile == "Localhost":
        seccomp["localhostProfile"] = sec.seccomp_localhost_profile
    return seccomp


def build_init_containers(
    init_containers: Sequence[Container], sidecars: Sequence[Container], pod: Security
) -> list[tuple[str, Container, Manifest]]:
    """The pod's initContainers with each one's volume slot: sidecars first, so that the
    init containers after them can use what they serve (a database proxy, a mesh)."""
    groups: tuple[tuple[Role, str, Sequence[Container]], ...] = (
        ("sidecar", "s", sidecars),
        ("init", "i", init_containers),
    )
    return [
        (slot, c, build_container(c, None, role, slot=slot, pod=pod))
        for role, prefix, group in groups
        for i, c in enumerate(group)
        for slot in (f"{prefix}{i}-",)
    ]


def build_resources(container: Container) -> Manifest:
    res = container.resources
    requests = {
        k: v for k, v in (("cpu", res.cpu_request), ("memory", res.memory_request)) if v is not None
    }
    limits = {
        k: v for k, v in (("cpu", res.cpu_limit), ("memory", res.memory_limit)) if v is not None
    }
    return {k: v for k, v in (("requests", requests), ("limits", limits)) if v}


def build_spread(spread: Spread, selector: dict[str, str]) -> list[Manifest]:
    keys = [key for key, on in ((labels.ZONE, spread.zones), (labels.HOSTNAME, spread.nodes)) if on]
    optional = {
        key: value
        for key, value in (
            ("minDomains", spread.min_domains),
            ("nodeAffinityPolicy", spread.node_affinity_policy),
            ("nodeTaintsPolicy", spread.node_taints_policy),
        )
        if value is not None
    }
    return [
        {
            "maxSkew": spread.max_skew,
            "topologyKey": key,
            "whenUnsatisfiable": spread.when_unsatisfiable,
            "labelSelector": {"matchLabels": dict(selector)},
            # Count only pods of the same ReplicaSet, so a rollout is spread on its own.
            "matchLabelKeys": ["pod-template-hash"],
            **optional,
        }
        for key in keys
    ]


def unprivileged_port_start(container: Container, sidecars: Sequence[Container] = ()) -> int | None:
    """What ``bind_low_ports`` sets ``net.ipv4.ip_unprivileged_port_start`` to, or None.

    The lowest port below 1024 of the app container or a sidecar, so the non-root
    process can bind it and no lower port becomes bindable; with ``bind_low_ports=True``
    and no such port declared, 0. Automatic (None) only for ports of containers that run
    as non-root; an explicit sysctl wins. The sysctl is the pod's (one network namespace).
    """
    sec = container.security
    if sec.bind_low_ports is False or rules.UNPRIVILEGED_PORT_START in sec.sysctls:
        return None
    serving = (container, *sidecars)
    if sec.bind_low_ports is None:
        low = sorted(p for c in serving if c.security.non_root for p in c.low_ports)
        return low[0] if low else None
    low = sorted(p for c in serving for p in c.low_ports)
    return low[0] if low else 0


def pod_sysctls(container: Container, sidecars: Sequence[Container] = ()) -> dict[str, str]:
    """The pod's sysctls: the user's, plus the unprivileged port start for low ports."""
    result = {name: str(value) for name, value in container.security.sysctls.items()}
    start = unprivileged_port_start(container, sidecars)
    if start is not None:
        result[rules.UNPRIVILEGED_PORT_START] = str(start)
    return result


def extra_container_warnings(
    init_containers: Sequence[Container], sidecars: Sequence[Container]
) -> list[str]:
    """The app container's advice, for each sidecar and init container."""
    found: list[str] = []
    for field, group in (("sidecars", sidecars), ("init_containers", init_containers)):
        for i, c in enumerate(group):
            path = f"{field}[{i}]"
            found += image_warnings({f"{path}.image": c.image})
            found += security_warnings(c, path)
    return found


def security_warnings(container: Container, path: str = "container") -> list[str]:
    """Advice the spec cannot check: the kubelet, not the API server, refuses these pods."""
    sec = container.security
    if sec.run_as_non_root is True and sec.run_as_user is None:
        return [
            f"{path}.security.run_as_user: None with run_as_non_root=True: the kubelet starts "
            "the container only if its image declares a numeric USER (such as 'USER 10001') "
            "and refuses it with a user name ('USER app') or none; set run_as_user (and "
            "run_as_group, fs_group) to the image's UID"
        ]
    return []


def build_pod_template(
    container: Container,
    *,
    pod_labels: dict[str, str],
    selector: dict[str, str],
    annotations: Mapping[str, str],
    secret_name: pulumi.Input[str] | None,
    spread: Spread | None,
    service_account_name: pulumi.Input[str] | None,
    termination_grace_period_seconds: int | None,
    init_containers: Sequence[Container] = (),
    sidecars: Sequence[Container] = (),
    volumes: PodVolumes | None = None,
    pod: PodSpec | None = None,
    app_selector: dict[str, str] | None = None,
) -> Manifest:
    sec = container.security
    pod_security: Manifest = {"runAsNonRoot": sec.run_as_non_root}
    pod_security["seccompProfile"] = build_seccomp(sec)
    for key, value in (
        ("runAsUser", sec.run_as_user),
        ("runAsGroup", sec.run_as_group),
        ("fsGroup", sec.fs_group),
    ):
        if value is not None:
            pod_security[key] = value
    sysctls = pod_sysctls(container, sidecars)
    if sysctls:
        pod_security["sysctls"] = [
            {"name": name, "value": value} for name, value in sorted(sysctls.items())
        ]
    spec: Manifest = {
        "automountServiceAccountToken": sec.automount_service_account_token,
        "securityContext": pod_security,
        "containers": [
            build_container(
                container,
                secret_name,
                more_mounts=volumes.file_mounts() if volumes else None,
            )
        ],
    }
    extra = build_init_containers(init_containers, sidecars, sec)
    if extra:
        spec["initContainers"] = [manifest for _, _, manifest in extra]
    pod_volumes = [
        {"name": writable_volume_name(i, slot), "emptyDir": {}}
        for slot, c in (("", container), *((slot, c) for slot, c, _ in extra))
        for i in range(len(c.security.writable_paths))
    ]
    pod_volumes += volumes.pod_volumes() if volumes is not None else []
    if pod_volumes:
        spec["volumes"] = pod_volumes
    if service_account_name:
        spec["serviceAccountName"] = service_account_name
    if termination_grace_period_seconds is not None:
        spec["terminationGracePeriodSeconds"] = termination_grace_period_seconds
    if spread is not None:
        spec["topologySpreadConstraints"] = build_spread(spread, selector)
    if pod is not None:
        # Affinity terms without a selector mean the app's pods (every track of a canary).
        spec.update(pod_spec_fields(pod, selector if app_selector is None else app_selector))
    metadata: dict[str, Any] = {"labels": dict(pod_labels)}
    if annotations:
        metadata["annotations"] = dict(annotations)
    return {"metadata": metadata, "spec": spec}
