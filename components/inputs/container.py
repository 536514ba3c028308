"""The container of a pod template: image, ports, env, resources, probes, security."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypeAlias, TypedDict, Unpack

from components import defaults
from components.errors import HIDDEN, SECRET, Problem
from components.inputs import rules
from components.inputs.base import (
    Spec,
    each,
    field,
    from_mapping,
    instance_of,
    mapping_of,
    nested,
    rule,
    spec,
    to_dict,
    to_tuple,
    tuple_of,
)
from components.inputs.volumes import Mount, to_mounts

if TYPE_CHECKING:
    import pulumi

Protocol = Literal["TCP", "UDP", "SCTP"]
PROTOCOLS = ("TCP", "UDP", "SCTP")
PodSecurityLevel = Literal["restricted", "baseline", "privileged"]


def _env_prefix(value: object) -> str | None:
    # The API server checks a non-empty prefix as an env var name.
    if value == "":
        return None
    return rules.env_name(value)


@spec
class ContainerPort(Spec):
    """A port the container listens on; the Service's ports default to these."""

    port: int = field(checks=[rules.port_number])
    name: str | None = field(default=None, checks=[rules.optional(rules.port_name)])
    protocol: Protocol = field(default="TCP", checks=[rules.one_of(*PROTOCOLS)])


@spec
class SecretKeyRef(Spec):
    """An env value read from a key of an existing Secret: by reference, never by value."""

    secret_name: pulumi.Input[str] = field(
        checks=[rules.known(rules.dns1123_subdomain)], takes_output=True
    )
    key: str = field(checks=[rules.config_key])
    optional: bool = field(default=False, checks=[instance_of(bool, what="a boolean")])


@spec
class ConfigMapKeyRef(Spec):
    """An env value read from a key of an existing ConfigMap."""

    config_map_name: pulumi.Input[str] = field(
        checks=[rules.known(rules.dns1123_subdomain)], takes_output=True
    )
    key: str = field(checks=[rules.config_key])
    optional: bool = field(default=False, checks=[instance_of(bool, what="a boolean")])


@spec
class FieldRef(Spec):
    """An env value read from the pod itself (the downward API): ``status.podIP``,
    ``metadata.name``, ``metadata.namespace``, ``spec.nodeName``,
    ``metadata.labels['<key>']`` and the other fields the API server accepts."""

    field_path: str = field(checks=[rules.env_field_path])


@spec
class ResourceFieldRef(Spec):
    """An env value read from a container's request or limit (``limits.memory``,
    ``requests.cpu``, ...), divided by ``divisor`` and rounded up. ``container_name`` None
    reads the container's own; otherwise it names a container of the same pod."""

    resource: str = field(checks=[rules.resource_field])
    container_name: str | None = field(default=None, checks=[rules.optional(rules.dns1123_label)])
    divisor: str | None = field(default=None, checks=[rules.optional(rules.quantity)])

    @rule("resource", "divisor")
    def _divisor_fits(self) -> Iterator[Problem]:
        if self.divisor is not None:
            allowed = rules.resource_divisor(self.resource, self.divisor)
            if allowed is not None:
                yield Problem("divisor", self.divisor, allowed)


# A string alias: pulumi is imported for type checking only, so that the inputs and manifests
# layers load without the Pulumi SDK (YAML rendering, manifest-only tests).
EnvValue: TypeAlias = (
    "str | pulumi.Output[str] | SecretKeyRef | ConfigMapKeyRef | FieldRef | ResourceFieldRef"
)
_ENV_REFS = (SecretKeyRef, ConfigMapKeyRef, FieldRef, ResourceFieldRef)


def env_value(value: object) -> str | None:
    # An Output (another stack's or resource's value) is plain text once known.
    if isinstance(value, (str, *_ENV_REFS)) or type(value).__name__ == "Output":
        return None
    return (
        "is not a string, a pulumi.Output, a SecretKeyRef, a ConfigMapKeyRef, a FieldRef "
        "or a ResourceFieldRef (numbers must be quoted)"
    )


# Stack config writes a reference as a mapping; the key only one kind has tells which.
_REF_BY_KEY: dict[str, type[Spec]] = {
    "secret_name": SecretKeyRef,
    "config_map_name": ConfigMapKeyRef,
    "field_path": FieldRef,
    "resource": ResourceFieldRef,
}


def to_env(value: Any) -> Any:
    """Converter: env from config, where a reference is a mapping of its settings
    (``{field_path: status.podIP}``, ``{secret_name: db, key: password}``)."""
    value = to_dict(value)
    if not isinstance(value, dict):
        return value
    return {name: _env_ref(item) for name, item in value.items()}


def _env_ref(item: Any) -> Any:
    if isinstance(item, Mapping):
        kinds = [cls for key, cls in _REF_BY_KEY.items() if key in item]
        if len(kinds) == 1:
            return from_mapping(kinds[0])(item)
    return item


@spec
class EnvFrom(Spec):
    """Every key of an existing ConfigMap or Secret as env vars (``envFrom``), each name
    prefixed with ``prefix``. Exactly one of ``config_map_name`` and ``secret_name``."""

    config_map_name: pulumi.Input[str] | None = field(
        default=None,
        checks=[rules.optional(rules.known(rules.dns1123_subdomain))],
        takes_output=True,
    )
    secret_name: pulumi.Input[str] | None = field(
        default=None,
        checks=[rules.optional(rules.known(rules.dns1123_subdomain))],
        takes_output=True,
    )
    prefix: str = field(default="", checks=[_env_prefix])
    optional: bool = field(default=False, checks=[instance_of(bool, what="a boolean")])

    @rule("config_map_name", "secret_name")
    def _one_source(self) -> Iterator[Problem]:
        if self.config_map_name is None and self.secret_name is None:
            yield Problem(
                "config_map_name",
                None,
                "must be set, or secret_name (an EnvFrom reads one ConfigMap or one Secret)",
            )
        elif self.config_map_name is not None and self.secret_name is not None:
            yield Problem(
                "secret_name",
                self.secret_name if isinstance(self.secret_name, str) else HIDDEN,
                "cannot be set with config_map_name (an EnvFrom reads one ConfigMap or one "
                "Secret: list two)",
            )


@spec
class Resources(Spec):
    """Requests and limits as Kubernetes quantities; None leaves one out."""

    cpu_request: str | None = field(default="100m", checks=[rules.optional(rules.quantity)])
    cpu_limit: str | None = field(default=None, checks=[rules.optional(rules.quantity)])
    memory_request: str | None = field(
        default="128Mi", checks=[rules.optional(rules.memory_quantity)]
    )
    memory_limit: str | None = field(
        default="256Mi", checks=[rules.optional(rules.memory_quantity)]
    )
    # What an in-place resize (GA in Kubernetes 1.35) does per resource: NotRequired
    # (Kubernetes' default) applies it to the running container, RestartContainer
    # restarts it (for apps that size themselves at start, such as a JVM heap).
    resize_policy: Mapping[Literal["cpu", "memory"], Literal["NotRequired", "RestartContainer"]] = (
        field(
            factory=dict,
            converter=to_dict,
            checks=[
                mapping_of(
                    rules.one_of("cpu", "memory"), rules.one_of("NotRequired", "RestartContainer")
                )
            ],
        )
    )

    @rule("cpu_request", "cpu_limit")
    def _cpu_within_limit(self) -> Iterator[Problem]:
        return _within_limit("cpu", self.cpu_request, self.cpu_limit)

    @rule("memory_request", "memory_limit")
    def _memory_within_limit(self) -> Iterator[Problem]:
        return _within_limit("memory", self.memory_request, self.memory_limit)


def _within_limit(kind: str, low: str | None, high: str | None) -> Iterator[Problem]:
    if low is not None and high is not None:
        low_q, high_q = rules.parse_quantity(low), rules.parse_quantity(high)
        if low_q is not None and high_q is not None and low_q > high_q:
            yield Problem(
                f"{kind}_request", low, f"must be less than or equal to {kind}_limit ({high!r})"
            )


# Probe and hook request headers: name -> value.
_HEADERS = mapping_of(rules.http_header_name, rules.http_header_value)

ProbeKind = Literal["http", "tcp", "exec", "grpc"]


class ProbeTiming(TypedDict, total=False):
    """When and how often a probe runs: the keyword arguments of ``Probe.http/tcp/exec``."""

    initial_delay_seconds: int
    period_seconds: int
    timeout_seconds: int
    success_threshold: int
    failure_threshold: int


@spec
class Probe(Spec):
    """A readiness, liveness or startup check. ``port`` defaults to the container's first port."""

    kind: ProbeKind = field(default="http", checks=[rules.one_of("http", "tcp", "exec", "grpc")])
    path: str = field(default="/", checks=[instance_of(str, what="a URL path")])
    port: int | str | None = field(default=None)
    scheme: Literal["HTTP", "HTTPS"] = field(default="HTTP", checks=[rules.one_of("HTTP", "HTTPS")])
    command: Sequence[str] = field(
        default=(), converter=to_tuple, checks=[each(instance_of(str, what="a string"))]
    )
    # HTTP only: request headers (a Host header names the virtual host, the usual need) and
    # the host to connect to instead of the pod's IP.
    headers: Mapping[str, str] = field(factory=dict, converter=to_dict, checks=[_HEADERS])
    host: str | None = field(default=None, checks=[rules.optional(rules.http_host)])
    # gRPC only: the service name sent in the health check request (grpc.health.v1).
    grpc_service: str | None = field(
        default=None, checks=[rules.optional(instance_of(str, what="a string"))]
    )
    initial_delay_seconds: int = field(default=0, checks=[rules.int32(0)])
    period_seconds: int = field(default=10, checks=[rules.int32(1)])
    timeout_seconds: int = field(default=1, checks=[rules.int32(1)])
    success_threshold: int = field(default=1, checks=[rules.int32(1)])
    failure_threshold: int = field(default=3, checks=[rules.int32(1)])

    @classmethod
    def http(
        cls,
        path: str = "/",
        port: int | str | None = None,
        *,
        scheme: Literal["HTTP", "HTTPS"] = "HTTP",
        headers: Mapping[str, str] | None = None,
        host: str | None = None,
        **timing: Unpack[ProbeTiming],
    ) -> Probe:
        return cls(
            kind="http",
            path=path,
            port=port,
            scheme=scheme,
            headers=headers or {},
            host=host,
            **timing,
        )

    @classmethod
    def grpc(
        cls,
        port: int | str | None = None,
        *,
        service: str | None = None,
        **timing: Unpack[ProbeTiming],
    ) -> Probe:
        return cls(kind="grpc", port=port, grpc_service=service, **timing)

    @classmethod
    def tcp(cls, port: int | str | None = None, **timing: Unpack[ProbeTiming]) -> Probe:
        return cls(kind="tcp", port=port, **timing)

    @classmethod
    def exec(cls, *command: str, **timing: Unpack[ProbeTiming]) -> Probe:
        return cls(kind="exec", command=command, **timing)

    @rule("port")
    def _port_number_or_name(self) -> Iterator[Problem]:
        return _port_number_or_name("port", self.port)

    @rule("kind", "command")
    def _exec_has_command(self) -> Iterator[Problem]:
        if self.kind == "exec" and not self.command:
            yield Problem("command", self.command, "must name a command for an exec probe")

    @rule("kind", "path")
    def _http_path(self) -> Iterator[Problem]:
        if self.kind == "http" and not self.path.startswith("/"):
            yield Problem("path", self.path, "must start with '/'")

    @rule("kind", "headers", "host", "grpc_service")
    def _kind_settings(self) -> Iterator[Problem]:
        if self.kind != "http":
            if self.headers:
                yield Problem("headers", self.headers, _HTTP_ONLY)
            if self.host is not None:
                yield Problem("host", self.host, _HTTP_ONLY)
        if self.kind != "grpc" and self.grpc_service is not None:
            yield Problem("grpc_service", self.grpc_service, "applies only to a 'grpc' probe")


_HTTP_ONLY = "applies only to an 'http' probe or hook"


HandlerKind = Literal["exec", "http", "sleep"]


@spec
class LifecycleHandler(Spec):
    """What a lifecycle hook runs: a command, an HTTP GET, or a pause of ``seconds``.

    ``sleep`` is the kubelet's own action (no shell or binary in the image needed).
    An HTTP hook's ``port`` defaults to the container's first port.
    """

    kind: HandlerKind = field(checks=[rules.one_of("exec", "http", "sleep")])
    command: Sequence[str] = field(
        default=(), converter=to_tuple, checks=[each(instance_of(str, what="a string"))]
    )
    path: str = field(default="/", checks=[instance_of(str, what="a URL path")])
    port: int | str | None = field(default=None)
    scheme: Literal["HTTP", "HTTPS"] = field(default="HTTP", checks=[rules.one_of("HTTP", "HTTPS")])
    headers: Mapping[str, str] = field(factory=dict, converter=to_dict, checks=[_HEADERS])
    host: str | None = field(default=None, checks=[rules.optional(rules.http_host)])
    seconds: int | None = field(default=None, checks=[rules.optional(rules.int64(0))])

    @classmethod
    def exec(cls, *command: str) -> LifecycleHandler:
        return cls(kind="exec", command=command)

    @classmethod
    def http(
        cls,
        path: str = "/",
        port: int | str | None = None,
        *,
        scheme: Literal["HTTP", "HTTPS"] = "HTTP",
        headers: Mapping[str, str] | None = None,
        host: str | None = None,
    ) -> LifecycleHandler:
        return cls(
            kind="http", path=path, port=port, scheme=scheme, headers=headers or {}, host=host
        )

    @classmethod
    def sleep(cls, seconds: int) -> LifecycleHandler:
        return cls(kind="sleep", seconds=seconds)

    @rule("port")
    def _port_number_or_name(self) -> Iterator[Problem]:
        return _port_number_or_name("port", self.port)

    @rule("kind", "command", "path", "headers", "host", "seconds", "port")
    def _kind_settings(self) -> Iterator[Problem]:
        if self.kind == "exec" and not self.command:
            yield Problem("command", self.command, "must name a command for an exec hook")
        if self.kind != "exec" and self.command:
            yield Problem("command", self.command, "applies only to an 'exec' hook")
        if self.kind == "http" and not self.path.startswith("/"):
            yield Problem("path", self.path, "must start with '/'")
        if self.kind != "http":
            settings = (("headers", self.headers), ("host", self.host), ("port", self.port))
            for name, value in settings:
                if value:
                    yield Problem(name, value, _HTTP_ONLY)
        if self.kind == "sleep" and self.seconds is None:
            yield Problem("seconds", None, "must be set for a sleep hook")
        if self.kind != "sleep" and self.seconds is not None:
            yield Problem("seconds", self.seconds, "applies only to a 'sleep' hook")


@spec
class Lifecycle(Spec):
    """Hooks the kubelet runs after the container starts and before it is stopped.

    ``pre_stop`` defaults to a short sleep (``defaults.PRE_STOP_SLEEP_SECONDS``) so a
    terminating pod stops getting new connections before it gets SIGTERM; set it to
    another handler, or to None for none (docs/webapp.md, "Zero-downtime termination").
    """

    post_start: LifecycleHandler | None = nested(LifecycleHandler, default=None)
    pre_stop: LifecycleHandler | None = field(
        factory=lambda: LifecycleHandler.sleep(defaults.PRE_STOP_SLEEP_SECONDS),
        converter=from_mapping(LifecycleHandler),
        checks=[rules.optional(instance_of(LifecycleHandler, what="a LifecycleHandler"))],
    )

    def handlers(self) -> Iterator[tuple[str, LifecycleHandler]]:
        for name in ("post_start", "pre_stop"):
            handler = getattr(self, name)
            if handler is not None:
                yield name, handler


def _port_number_or_name(path: str, port: object) -> Iterator[Problem]:
    if port is not None and not (
        (rules.is_int(port) and rules.port_number(port) is None) or rules.port_name(port) is None
    ):
        yield Problem(path, port, "is not a port number (1..65535) or a port name")


def _absolute_path(value: object) -> str | None:
    if not isinstance(value, str) or not value.startswith("/"):
        return "is not an absolute path"
    return None


def _local_descending_path(value: object) -> str | None:
    # The API server's validateLocalDescendingPath: relative, without '..' elements (the
    # kubelet resolves it under its seccomp directory). Empty names no profile at all.
    if not isinstance(value, str) or not value or value.startswith("/") or ".." in value.split("/"):
        return (
            "is not a relative path to a profile under the kubelet's seccomp directory "
            "(non-empty, not starting with '/', without '..')"
        )
    return None


@spec
class Security(Spec):
    """Secure defaults that pass Pod Security 'restricted'; each one can be overridden.

    ``pod_security`` names the Pod Security Standard level the namespace enforces;
    overrides that the level forbids are rejected here, because the API server
    would accept the Deployment and then silently create no pods.

    ``run_as_user``, ``run_as_group``, ``fs_group`` and ``sysctls`` apply to the whole pod.
    A container port below 1024 lets the non-root process bind it (``bind_low_ports``).
    """

    pod_security: PodSecurityLevel = field(
        default="restricted", checks=[rules.one_of("restricted", "baseline", "privileged")]
    )
    run_as_non_root: bool = field(default=True, checks=[instance_of(bool, what="a boolean")])
    # The pod's user, group and volume group (the pod securityContext, so every container
    # of the pod and both tracks of a canary share them). With run_as_non_root and no
    # run_as_user, the image must declare a numeric USER or the kubelet refuses it.
    run_as_user: int | None = field(default=None, checks=[rules.optional(rules.unix_id)])
    run_as_group: int | None = field(default=None, checks=[rules.optional(rules.unix_id)])
    fs_group: int | None = field(default=None, checks=[rules.optional(rules.unix_id)])
    read_only_root_filesystem: bool = field(
        default=True, checks=[instance_of(bool, what="a boolean")]
    )
    allow_privilege_escalation: bool = field(
        default=False, checks=[instance_of(bool, what="a boolean")]
    )
    drop_capabilities: Sequence[str] = field(
        default=("ALL",), converter=to_tuple, checks=[each(rules.non_empty_text)]
    )
    add_capabilities: Sequence[str] = field(
        default=(), converter=to_tuple, checks=[each(rules.non_empty_text)]
    )
    seccomp_profile: Literal["RuntimeDefault", "Localhost", "Unconfined"] = field(
        default="RuntimeDefault", checks=[rules.one_of("RuntimeDefault", "Localhost", "Unconfined")]
    )
    seccomp_localhost_profile: str | None = field(
        default=None, checks=[rules.optional(_local_descending_path)]
    )
    automount_service_account_token: bool = field(
        default=False, checks=[instance_of(bool, what="a boolean")]
    )
    writable_paths: Sequence[str] = field(
        default=("/tmp",), converter=to_tuple, checks=[each(_absolute_path)]
    )
    # Pod sysctls; Pod Security 'baseline' and 'restricted' allow only the safe ones.
    sysctls: Mapping[str, str | int] = field(
        factory=dict, converter=to_dict, checks=[mapping_of(rules.sysctl_name, rules.sysctl_value)]
    )
    # None: lower net.ipv4.ip_unprivileged_port_start to the lowest container port below
    # 1024 when the process runs as non-root; True: also with no such port declared (to 0);
    # False: never.
    bind_low_ports: bool | None = field(
        default=None, checks=[rules.optional(instance_of(bool, what="a boolean"))]
    )

    @property
    def non_root(self) -> bool:
        """The process runs as a user other than root (as far as the spec says)."""
        return self.run_as_non_root is True or self.run_as_user not in (None, 0)

    @rule("seccomp_profile", "seccomp_localhost_profile")
    def _localhost_profile(self) -> Iterator[Problem]:
        profile = self.seccomp_localhost_profile
        if self.seccomp_profile == "Localhost" and profile is None:
            yield Problem(
                "seccomp_localhost_profile", None, "must be set when seccomp_profile is 'Localhost'"
            )
        elif self.seccomp_profile != "Localhost" and profile is not None:
            yield Problem(
                "seccomp_localhost_profile", profile, "applies only to seccomp_profile 'Localhost'"
            )

    @rule("writable_paths")
    def _writable_paths_once(self) -> Iterator[Problem]:
        for path in rules.duplicates(self.writable_paths):
            yield Problem(
                "writable_paths", path, "is listed more than once (each path is one mount)"
            )

    @rule("pod_security", "run_as_non_root")
    def _restricted_non_root(self) -> Iterator[Problem]:
        if self.pod_security == "restricted" and self.run_as_non_root is not True:
            yield Problem("run_as_non_root", self.run_as_non_root, _FORBIDDEN)

    @rule("pod_security", "run_as_user")
    def _restricted_user(self) -> Iterator[Problem]:
        if self.pod_security == "restricted" and self.run_as_user == 0:
            yield Problem("run_as_user", 0, _FORBIDDEN)

    @rule("pod_security", "allow_privilege_escalation")
    def _restricted_escalation(self) -> Iterator[Problem]:
        if self.pod_security == "restricted" and self.allow_privilege_escalation is not False:
            yield Problem("allow_privilege_escalation", self.allow_privilege_escalation, _FORBIDDEN)

    @rule("pod_security", "drop_capabilities", "add_capabilities")
    def _capabilities(self) -> Iterator[Problem]:
        if self.pod_security == "restricted":
            if "ALL" not in self.drop_capabilities:
                yield Problem(
                    "drop_capabilities",
                    self.drop_capabilities,
                    "must include 'ALL' under Pod Security 'restricted' "
                    "(set pod_security to allow it)",
                )
            if set(self.add_capabilities) - {"NET_BIND_SERVICE"}:
                yield Problem(
                    "add_capabilities",
                    self.add_capabilities,
                    "may only add 'NET_BIND_SERVICE' under Pod Security 'restricted'",
                )
        if self.pod_security in ("restricted", "baseline"):
            extra = [c for c in self.add_capabilities if c not in _BASELINE_CAPABILITIES]
            if extra:
                yield Problem(
                    "add_capabilities",
                    self.add_capabilities,
                    f"adds {extra!r}, which Pod Security '{self.pod_security}' forbids",
                )

    @rule("pod_security", "seccomp_profile")
    def _restricted_seccomp(self) -> Iterator[Problem]:
        if self.pod_security == "restricted" and self.seccomp_profile == "Unconfined":
            yield Problem("seccomp_profile", self.seccomp_profile, _FORBIDDEN)

    @rule("pod_security", "sysctls")
    def _sysctls_allowed(self) -> Iterator[Problem]:
        if self.pod_security != "privileged":
            for name in sorted(set(self.sysctls) - set(rules.SAFE_SYSCTLS)):
                yield Problem(
                    f"sysctls[{name!r}]",
                    self.sysctls[name],
                    f"is not one of the sysctls Pod Security '{self.pod_security}' allows "
                    f"({', '.join(rules.SAFE_SYSCTLS)}); others need pod_security "
                    "'privileged' and the kubelet's --allowed-unsafe-sysctls",
                )
        start = self.sysctls.get(rules.UNPRIVILEGED_PORT_START)
        if start is not None and port_start(start) is None:
            yield Problem(
                f"sysctls[{rules.UNPRIVILEGED_PORT_START!r}]",
                start,
                "is not a port number (0..65535)",
            )


_FORBIDDEN = "is forbidden by Pod Security 'restricted' (set pod_security to allow it)"


def port_start(value: object) -> int | None:
    """The port a net.ipv4.ip_unprivileged_port_start value names, or None if it is none."""
    if isinstance(value, str) and re.fullmatch(r"[0-9]{1,5}", value.strip()):
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 65535:
        return value
    return None


# What Pod Security 'baseline' lets a container add (its default-capabilities list).
_BASELINE_CAPABILITIES = frozenset(
    {
        "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
        "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
    }
)  # fmt: skip


def _secret_env_name(value: object) -> str | None:
    # Each name is also the key of the value in the Secret Berth creates.
    allowed = rules.env_name(value)
    if allowed is None and rules.config_key(value) is not None:
        return (
            "is not both an environment variable name and a Secret key (it names the "
            "value in the Secret too: letters, digits, '-', '_' or '.'; use a SecretKeyRef "
            "in env for other names)"
        )
    return allowed


def _secret_env_value(value: object) -> str | None:
    if isinstance(value, str) or type(value).__name__ == "Output":
        return None
    return "is not a string or a pulumi.Output (use pulumi.Output.secret or config.require_secret)"


@spec
class Container(Spec):
    """A container of the pod: the app's (``container``), a sidecar or an init container."""

    image: str = field(checks=[rules.image_reference])
    name: str = field(default="app", checks=[rules.dns1123_label])
    command: Sequence[str] = field(
        default=(), converter=to_tuple, checks=[each(instance_of(str, what="a string"))]
    )
    args: Sequence[str] = field(
        default=(), converter=to_tuple, checks=[each(instance_of(str, what="a string"))]
    )
    working_dir: str | None = field(default=None, checks=[rules.optional(_absolute_path)])
    ports: Sequence[ContainerPort] = field(
        default=(),
        converter=tuple_of(ContainerPort, port="port"),
        checks=[each(instance_of(ContainerPort, what="a ContainerPort"))],
    )
    env: Mapping[str, EnvValue] = field(
        factory=dict,
        converter=to_env,
        checks=[mapping_of(rules.env_name, env_value)],
        takes_output=True,
    )
    env_from: Sequence[EnvFrom] = field(
        default=(),
        converter=tuple_of(EnvFrom),
        checks=[each(instance_of(EnvFrom, what="an EnvFrom"))],
        takes_output=True,
    )
    secret_env: Mapping[str, pulumi.Input[str]] = field(
        factory=dict,
        converter=to_dict,
        checks=[mapping_of(_secret_env_name, _secret_env_value)],
        secret=True,
        takes_output=True,
    )
    resources: Resources = nested(factory=Resources)
    readiness_probe: Probe | None = nested(Probe, default=None)
    liveness_probe: Probe | None = nested(Probe, default=None)
    startup_probe: Probe | None = nested(Probe, default=None)
    security: Security = nested(factory=Security)
    # None: Berth's default for where the container runs. The app container gets
    # Lifecycle() (a preStop sleep, for zero-downtime termination); sidecars and init
    # containers get no hooks (sidecars are stopped only after the app has exited).
    lifecycle: Lifecycle | None = nested(Lifecycle, default=None)
    # Where the pod's volumes appear in this container (WebAppArgs.volumes declares them).
    mounts: Sequence[Mount] = field(
        default=(), converter=to_mounts, checks=[each(instance_of(Mount, what="a Mount"))]
    )

    @rule("env", "secret_env")
    def _env_set_once(self) -> Iterator[Problem]:
        for name in sorted(set(self.env) & set(self.secret_env)):
            yield Problem(f"secret_env[{name!r}]", SECRET, "is also set in env")

    @rule("secret_env")
    def _secret_env_fits(self) -> Iterator[Problem]:
        # Known values only: an Output's size is the API server's to check.
        size = rules.byte_size({k: v for k, v in self.secret_env.items() if isinstance(v, str)})
        if size > rules.DATA_SIZE_LIMIT:
            yield Problem("secret_env", size, rules.DATA_SIZE_TEXT)

    @rule("env", "command", "args")
    def _text_fits(self) -> Iterator[Problem]:
        # The container's text alone, before any other field: more than etcd stores.
        text = [
            *self.command,
            *self.args,
            *self.env,
            *(v for v in self.env.values() if isinstance(v, str)),
        ]
        size = sum(len(rules.utf8(t)) for t in text)
        if size > rules.OBJECT_SIZE_LIMIT:
            yield Problem("env", size, rules.OBJECT_SIZE_TEXT)

    @rule("liveness_probe")
    def _liveness_threshold(self) -> Iterator[Problem]:
        return _success_threshold_one("liveness_probe", self.liveness_probe)

    @rule("startup_probe")
    def _startup_threshold(self) -> Iterator[Problem]:
        return _success_threshold_one("startup_probe", self.startup_probe)

    @rule("ports", "readiness_probe")
    def _readiness_port(self) -> Iterator[Problem]:
        return self._probe_port("readiness_probe", self.readiness_probe)

    @rule("ports", "liveness_probe")
    def _liveness_port(self) -> Iterator[Problem]:
        return self._probe_port("liveness_probe", self.liveness_probe)

    @rule("ports", "startup_probe")
    def _startup_port(self) -> Iterator[Problem]:
        return self._probe_port("startup_probe", self.startup_probe)

    @rule("ports")
    def _port_rules(self) -> Iterator[Problem]:
        names = [p.name for p in self.ports if p.name is not None]
        for name in rules.duplicates(names):
            yield Problem("ports", name, "is used as the name of more than one port")
        for key in rules.duplicates((p.port, p.protocol) for p in self.ports):
            yield Problem("ports", key, "is exposed more than once (port, protocol)")
        if len(self.ports) > 1:
            for i, port in enumerate(self.ports):
                if port.name is None:
                    yield Problem(
                        f"ports[{i}].name",
                        None,
                        "must be set when the container has several ports "
                        "(each Service port needs a name)",
                    )

    @rule("ports", "security")
    def _low_port_rules(self) -> Iterator[Problem]:
        sec = self.security
        start = port_start(sec.sysctls.get(rules.UNPRIVILEGED_PORT_START))
        low = self.low_ports
        if start is not None and low and sec.non_root and start > low[0]:
            yield Problem(
                f"security.sysctls[{rules.UNPRIVILEGED_PORT_START!r}]",
                sec.sysctls[rules.UNPRIVILEGED_PORT_START],
                f"is above container port {low[0]}, which the non-root process could then "
                f"not bind; use at most {low[0]}",
            )

    @rule("ports", "lifecycle")
    def _hook_ports(self) -> Iterator[Problem]:
        if self.lifecycle is not None:
            for name, handler in self.lifecycle.handlers():
                if handler.kind == "http":
                    yield from self._port_of(f"lifecycle.{name}.port", handler.port)

    @property
    def low_ports(self) -> list[int]:
        """The container ports only root may bind by default (below 1024), lowest first."""
        return sorted(p.port for p in self.ports if p.port < rules.PRIVILEGED_PORTS_BELOW)

    def _probe_port(self, which: str, probe: Probe | None) -> Iterator[Problem]:
        if probe is None or probe.kind == "exec":
            return
        yield from self._port_of(f"{which}.port", probe.port)

    def _port_of(self, path: str, port: int | str | None) -> Iterator[Problem]:
        if port is None and not self.ports:
            yield Problem(path, None, "must be set: the container exposes no port to default to")
        elif isinstance(port, str) and port not in {p.name for p in self.ports}:
            yield Problem(
                path, port, f"is not the name of a container port ({_port_names(self.ports)})"
            )

    def port_for(self, probe: Probe | LifecycleHandler) -> int | str:
        """The port a probe or HTTP hook checks: its own, or the container's first."""
        if probe.port is not None:
            return probe.port
        first = self.ports[0]
        return first.name or first.port


def app_lifecycle(container: Container) -> Lifecycle:
    """The app container's hooks: its own, or Berth's default (the preStop sleep)."""
    return Lifecycle() if container.lifecycle is None else container.lifecycle


def sleep_seconds(lifecycle: Lifecycle | None) -> list[tuple[str, int]]:
    """The sleep hooks of ``lifecycle`` (name, seconds): they must fit the grace period."""
    if lifecycle is None:
        return []
    return [
        (name, handler.seconds)
        for name, handler in lifecycle.handlers()
        if handler.kind == "sleep" and handler.seconds is not None
    ]


def _success_threshold_one(which: str, probe: Probe | None) -> Iterator[Problem]:
    if probe is not None and probe.success_threshold != 1:
        yield Problem(f"{which}.success_threshold", probe.success_threshold, "must be 1")


def _port_names(ports: Sequence[ContainerPort]) -> str:
    named = [p.name for p in ports if p.name]
    return "named: " + ", ".join(repr(n) for n in named) if named else "none is named"
