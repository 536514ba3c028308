"""Several containers in one pod: the app's, sidecars and init containers, and the rules
that hold across them (the API server's, and those it would accept to no purpose).

``sidecars`` are Kubernetes' native sidecars (1.33+): init containers with
``restartPolicy: Always``, started before the app container (and before the init
containers listed after them) and stopped after it. ``init_containers`` run one after
another to completion before the app starts.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from components import defaults
from components.errors import SECRET, Problem
from components.inputs import rules
from components.inputs.base import each, field, instance_of, tuple_of
from components.inputs.container import (
    Container,
    Lifecycle,
    ResourceFieldRef,
    Security,
    app_lifecycle,
    port_start,
    sleep_seconds,
)
from components.inputs.deployment import DeploymentSpec


def containers_field() -> Sequence[Container]:
    """The ``init_containers`` and ``sidecars`` fields: lists of :class:`Container`."""
    result: Sequence[Container] = field(
        default=(),
        converter=tuple_of(Container),
        checks=[each(instance_of(Container, what="a Container"))],
    )
    return result


def pod_containers(
    container: Container, init_containers: Sequence[Container], sidecars: Sequence[Container]
) -> list[tuple[str, Container]]:
    """Every container of the pod with its path, in the order the pod starts them."""
    return [
        *((f"sidecars[{i}]", c) for i, c in enumerate(sidecars)),
        *((f"init_containers[{i}]", c) for i, c in enumerate(init_containers)),
        ("container", container),
    ]


def serving(container: Container, sidecars: Sequence[Container]) -> list[tuple[str, Container]]:
    """The containers that run beside the app and may serve ports: the app and its sidecars."""
    return [("container", container), *((f"sidecars[{i}]", c) for i, c in enumerate(sidecars))]


def pod_container_rules(
    container: Container,
    init_containers: Sequence[Container],
    sidecars: Sequence[Container],
    deployment: DeploymentSpec,
) -> Iterator[Problem]:
    """Rules between the containers of one pod and the pod's termination settings."""
    everyone = pod_containers(container, init_containers, sidecars)
    # A clash is reported on the container added to the app's, not on the app's own.
    app_first = [everyone[-1], *everyone[:-1]]
    yield from _unique_names(app_first)
    yield from _unique_ports(app_first)
    for i, init in enumerate(init_containers):
        yield from _run_to_completion(f"init_containers[{i}]", init)
    for path, extra in everyone[:-1]:
        yield from _pod_wide_security(path, extra.security, container.security)
        if extra.secret_env:
            yield Problem(
                f"{path}.secret_env",
                SECRET,
                "is supported on the app container only (the component's Secret holds its "
                "values); give this container a SecretKeyRef in env or an EnvFrom",
            )
    names = {c.name for _, c in everyone}
    for path, each_container in everyone:
        for name, value in each_container.env.items():
            if (
                isinstance(value, ResourceFieldRef)
                and value.container_name is not None
                and value.container_name not in names
            ):
                yield Problem(
                    f"{path}.env[{name!r}].container_name",
                    value.container_name,
                    f"is not a container of this pod ({', '.join(sorted(map(repr, names)))})",
                )
    yield from _grace_period(container, sidecars, deployment)
    yield from _sidecar_low_ports(container, sidecars)


def _sidecar_low_ports(container: Container, sidecars: Sequence[Container]) -> Iterator[Problem]:
    """The app container's sysctl sets the pod's lowest unprivileged port: a non-root
    sidecar's port below it could not be bound (the app's own are checked with it)."""
    sysctls = container.security.sysctls
    start = port_start(sysctls.get(rules.UNPRIVILEGED_PORT_START))
    if start is None:
        return
    for i, sidecar in enumerate(sidecars):
        low = sidecar.low_ports
        if low and sidecar.security.non_root and start > low[0]:
            yield Problem(
                f"container.security.sysctls[{rules.UNPRIVILEGED_PORT_START!r}]",
                sysctls[rules.UNPRIVILEGED_PORT_START],
                f"is above port {low[0]} of sidecars[{i}], which its non-root process could "
                f"then not bind; use at most {low[0]}",
            )


def _unique_names(everyone: list[tuple[str, Container]]) -> Iterator[Problem]:
    first: dict[str, str] = {}
    for path, c in everyone:
        if c.name in first:
            yield Problem(
                f"{path}.name",
                c.name,
                f"is also the name of {first[c.name]} (container names are unique in a pod)",
            )
        else:
            first[c.name] = path


def _unique_ports(everyone: list[tuple[str, Container]]) -> Iterator[Problem]:
    # A Service's targetPort names one port of the pod: a name or (port, protocol) in two
    # containers would be ambiguous, and two processes cannot bind one port in a pod.
    by_name: dict[str, str] = {}
    by_number: dict[tuple[int, str], str] = {}
    for path, c in everyone:
        for i, port in enumerate(c.ports):
            at = f"{path}.ports[{i}]"
            key = (port.port, port.protocol)
            if key in by_number and not by_number[key].startswith(f"{path}."):
                yield Problem(
                    f"{at}.port",
                    port.port,
                    f"is also exposed over {port.protocol} by {by_number[key]} (the containers "
                    "of a pod share one network namespace)",
                )
            by_number.setdefault(key, at)
            if port.name is not None:
                if port.name in by_name and not by_name[port.name].startswith(f"{path}."):
                    yield Problem(
                        f"{at}.name",
                        port.name,
                        f"is also the name of {by_name[port.name]} (port names are unique in a "
                        "pod, so a Service's named target_port means one port)",
                    )
                by_name.setdefault(port.name, at)


_NOT_ON_INIT = (
    "is not allowed on an init container (it runs to completion before the app starts); "
    "make it a sidecar to keep it running"
)


def _run_to_completion(path: str, init: Container) -> Iterator[Problem]:
    """The API server's rules for init containers without restartPolicy Always, and ports,
    which it accepts but nothing could ever reach."""
    for name in ("readiness_probe", "liveness_probe", "startup_probe", "lifecycle"):
        value = getattr(init, name)
        if value is not None:
            yield Problem(f"{path}.{name}", value, _NOT_ON_INIT)
    if init.ports:
        yield Problem(
            f"{path}.ports",
            tuple(p.port for p in init.ports),
            "is not allowed on an init container (it has exited before any traffic "
            "arrives); make it a sidecar to serve ports",
        )


# Security settings that exist only in the pod's securityContext (or on the pod), taken
# from the app container: another container cannot have its own.
_POD_WIDE = ("fs_group", "sysctls", "automount_service_account_token", "bind_low_ports")


def _pod_wide_security(path: str, own: Security, app: Security) -> Iterator[Problem]:
    if own.pod_security != app.pod_security:
        yield Problem(
            f"{path}.security.pod_security",
            own.pod_security,
            f"differs from container.security.pod_security ({app.pod_security!r}): the "
            "namespace enforces one level on the whole pod",
        )
    plain = Security()
    for name in _POD_WIDE:
        value, wanted = getattr(own, name), getattr(app, name)
        if value != wanted and value != getattr(plain, name):
            yield Problem(
                f"{path}.security.{name}",
                value,
                f"applies to the whole pod: set it on container.security (now {wanted!r})",
            )


def _grace_period(
    container: Container, sidecars: Sequence[Container], deployment: DeploymentSpec
) -> Iterator[Problem]:
    """Every sleep hook ends before the kubelet's SIGKILL, with time left to shut down."""
    grace = deployment.termination_grace_period_seconds
    limit = defaults.TERMINATION_GRACE_PERIOD_SECONDS if grace is None else grace
    hooks: list[tuple[str, Lifecycle | None]] = [
        ("container", app_lifecycle(container)),
        *((f"sidecars[{i}]", c.lifecycle) for i, c in enumerate(sidecars)),
    ]
    for path, lifecycle in hooks:
        for hook, seconds in sleep_seconds(lifecycle):
            if seconds < limit:
                continue
            if grace is None:
                yield Problem(
                    f"{path}.lifecycle.{hook}.seconds",
                    seconds,
                    f"must be less than {limit}, the default "
                    "deployment.termination_grace_period_seconds (the kubelet kills the "
                    "container when it ends; raise it or sleep less)",
                )
            elif path == "container" and container.lifecycle is None:
                yield Problem(
                    "deployment.termination_grace_period_seconds",
                    grace,
                    f"must be more than the app container's preStop sleep ({seconds} s, "
                    "Berth's default for zero-downtime termination), or the app gets no time "
                    "to shut down; raise it, or set container.lifecycle="
                    "Lifecycle(pre_stop=None)",
                )
            else:
                yield Problem(
                    f"{path}.lifecycle.{hook}.seconds",
                    seconds,
                    f"must be less than deployment.termination_grace_period_seconds ({grace}): "
                    "the kubelet kills the container when it ends, so the app would get no "
                    "time to shut down",
                )
