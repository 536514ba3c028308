"""How requests reach an app from outside: Gateway API HTTPRoutes and Ingresses.

The checks here are shared by every router Berth builds: a WebApp's own route and
Ingress (``RouteSpec``, ``IngressSpec``) and CanaryService's weighted ones
(``components.inputs.canary``). Each matches the Gateway API CRD validation or the
API server's Ingress validation on the whole string (``re.fullmatch``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Literal, Protocol

from components.errors import Problem
from components.inputs import rules
from components.inputs.base import (
    Spec,
    each,
    field,
    instance_of,
    mapping_of,
    nested,
    rule,
    spec,
    to_dict,
    to_tuple,
)
from components.inputs.container import Container
from components.inputs.service import ServiceSpec

# RFC 9110 field-name token; Gateway API's HTTPHeaderName allows the same characters.
_HEADER_NAME = re.compile(r"[A-Za-z0-9!#$%&'*+\-.^_`|~]{1,256}")
_HEADER_VALUE = re.compile(r"[\x21-\x7e]([\x20-\x7e]{0,4094}[\x21-\x7e])?")
# Narrower than a cookie name may be, so the HTTPRoute cookie regex needs no escaping.
_COOKIE_NAME = re.compile(r"[A-Za-z0-9_-]{1,256}")
# Gateway API Duration (GEP-2257), as its CRD pattern: 1 to 4 parts of up to 5 digits.
_DURATION = re.compile(r"([0-9]{1,5}(h|m|s|ms)){1,4}")
_DURATION_PART = re.compile(r"([0-9]{1,5})(h|ms|m|s)")
_UNIT_MS = {"h": 3_600_000, "m": 60_000, "s": 1000, "ms": 1}
# Gateway API: at most 16 hostnames per HTTPRoute, 64 matches per rule; paths at most
# 1024 characters. An Ingress takes any number; the same bounds keep them readable.
MAX_ROUTE_HOSTNAMES = 16
MAX_ROUTE_MATCHES = 64
_MAX_PATH = 1024


def header_name(value: object) -> str | None:
    if isinstance(value, str) and _HEADER_NAME.fullmatch(value):
        return None
    return "is not an HTTP header name (letters, digits and !#$%&'*+-.^_`|~, at most 256)"


def header_value(value: object) -> str | None:
    if isinstance(value, str) and _HEADER_VALUE.fullmatch(value):
        return None
    return (
        "is not an HTTP header value (at most 4096 printable ASCII characters, "
        "no leading or trailing space)"
    )


def cookie_name(value: object) -> str | None:
    if isinstance(value, str) and _COOKIE_NAME.fullmatch(value):
        return None
    return "is not a cookie name (letters, digits, '_' or '-', at most 256)"


def url_path(value: object) -> str | None:
    allowed = (
        "is not an absolute URL path (starting with '/', without '//', '.' or '..' "
        "segments, '#', '%2f' or whitespace, at most 1024 characters)"
    )
    if not isinstance(value, str) or not value.startswith("/") or len(value) > _MAX_PATH:
        return allowed
    segments = value.split("/")[1:]
    if (
        "//" in value
        or "#" in value
        or "%2f" in value.lower()
        or any(c.isspace() for c in value)
        or any(s in (".", "..") for s in segments)
    ):
        return allowed
    return None


def hostname(value: object) -> str | None:
    """A host as HTTPRoute and Ingress take it: a DNS name, optionally '*.'-prefixed."""
    allowed = (
        "is not a hostname (a lowercase DNS name such as 'shop.example.com' or "
        "'*.example.com'; not an IP address)"
    )
    if not isinstance(value, str) or rules.looks_like_ip(value):
        return allowed
    name = value[2:] if value.startswith("*.") else value
    return allowed if rules.dns1123_subdomain(name) is not None else None


def duration(value: object) -> str | None:
    if isinstance(value, str) and _DURATION.fullmatch(value):
        return None
    return "is not a Gateway API duration (such as '10s', '500ms' or '1m30s')"


def duration_ms(value: str) -> int:
    """Milliseconds in a checked :func:`duration`."""
    return sum(int(n) * _UNIT_MS[unit] for n, unit in _DURATION_PART.findall(value))


def hostname_rules(hostnames: Sequence[str], path: str = "hostnames") -> Iterator[Problem]:
    if len(hostnames) > MAX_ROUTE_HOSTNAMES:
        yield Problem(
            path,
            hostnames,
            f"has {len(hostnames)} items; an HTTPRoute takes at most {MAX_ROUTE_HOSTNAMES}",
        )
    for host in rules.duplicates(hostnames):
        yield Problem(path, host, "is listed more than once")


def path_rules(paths: Sequence[str], path: str = "paths") -> Iterator[Problem]:
    if not paths:
        yield Problem(path, (), "must list at least one path")
    elif len(paths) > MAX_ROUTE_MATCHES:
        yield Problem(path, paths, f"has {len(paths)} items; at most {MAX_ROUTE_MATCHES}")
    for item in rules.duplicates(paths):
        yield Problem(path, item, "is listed more than once")


@spec
class GatewayParent(Spec):
    """Which Gateway (listener) an HTTPRoute attaches to, and for which hostnames.

    ``gateway_namespace`` None is the route's own namespace; ``section_name`` picks one
    listener of the Gateway; ``port`` is the Service port the route targets (default:
    the Service's first port).
    """

    gateway: str = field(checks=[rules.dns1123_subdomain])
    gateway_namespace: str | None = field(
        default=None, checks=[rules.optional(rules.dns1123_label)]
    )
    section_name: str | None = field(default=None, checks=[rules.optional(rules.dns1123_subdomain)])
    hostnames: Sequence[str] = field(default=(), converter=to_tuple, checks=[each(hostname)])
    port: int | None = field(default=None, checks=[rules.optional(rules.port_number)])

    @rule("hostnames")
    def _hostnames(self) -> Iterator[Problem]:
        return hostname_rules(self.hostnames)


@spec
class RouteTimeouts(Spec):
    """HTTPRoute rule timeouts (Gateway API durations): ``request`` is the whole request
    as the client sees it, ``backend_request`` one attempt to the backend."""

    request: str | None = field(default=None, checks=[rules.optional(duration)])
    backend_request: str | None = field(default=None, checks=[rules.optional(duration)])

    @rule("request", "backend_request")
    def _backend_within_request(self) -> Iterator[Problem]:
        # The HTTPRoute CRD's CEL rule, as written: a request timeout of '0s' (none) bounds
        # nothing.
        request, backend = self.request, self.backend_request
        if request is None or backend is None or duration_ms(request) == 0:
            return
        if duration_ms(backend) > duration_ms(request):
            yield Problem(
                "backend_request", backend, f"is longer than the request timeout ({request})"
            )


@spec
class RouteSpec(GatewayParent):
    """A Gateway API HTTPRoute (gateway.networking.k8s.io/v1) to one of a WebApp's Services.

    Requests whose path matches one of ``paths`` (``path_type`` PathPrefix or Exact) go
    to ``service`` (a key of ``WebAppArgs.services``; None is the primary Service) at
    ``port``.
    """

    paths: Sequence[str] = field(default=("/",), converter=to_tuple, checks=[each(url_path)])
    path_type: Literal["PathPrefix", "Exact"] = field(
        default="PathPrefix", checks=[rules.one_of("PathPrefix", "Exact")]
    )
    service: str | None = field(default=None, checks=[rules.optional(rules.dns1123_label)])
    timeouts: RouteTimeouts | None = nested(RouteTimeouts, default=None)

    @rule("paths")
    def _paths(self) -> Iterator[Problem]:
        return path_rules(self.paths)


@spec
class IngressSpec(Spec):
    """An Ingress (networking.k8s.io/v1) to one of a WebApp's Services.

    One rule per host in ``hosts`` (none: any host), each sending ``paths`` to
    ``service`` (a key of ``WebAppArgs.services``; None is the primary) at ``port``
    (default: its first). ``ingress_class`` None uses the cluster's default
    IngressClass; ``tls_secret_name`` terminates TLS for all ``hosts`` with that
    Secret's certificate; ``annotations`` configure the controller.
    """

    ingress_class: str | None = field(
        default=None, checks=[rules.optional(rules.dns1123_subdomain)]
    )
    hosts: Sequence[str] = field(default=(), converter=to_tuple, checks=[each(hostname)])
    paths: Sequence[str] = field(default=("/",), converter=to_tuple, checks=[each(url_path)])
    path_type: Literal["Prefix", "Exact"] = field(
        default="Prefix", checks=[rules.one_of("Prefix", "Exact")]
    )
    tls_secret_name: str | None = field(
        default=None, checks=[rules.optional(rules.dns1123_subdomain)]
    )
    port: int | None = field(default=None, checks=[rules.optional(rules.port_number)])
    service: str | None = field(default=None, checks=[rules.optional(rules.dns1123_label)])
    annotations: Mapping[str, str] = field(
        factory=dict,
        converter=to_dict,
        checks=[mapping_of(rules.label_key, instance_of(str, what="a string"))],
    )

    @rule("paths")
    def _paths(self) -> Iterator[Problem]:
        return path_rules(self.paths)

    @rule("hosts")
    def _hosts(self) -> Iterator[Problem]:
        for host in rules.duplicates(self.hosts):
            yield Problem("hosts", host, "is listed more than once")

    @rule("tls_secret_name", "hosts")
    def _tls_needs_hosts(self) -> Iterator[Problem]:
        if self.tls_secret_name is not None and not self.hosts:
            yield Problem(
                "tls_secret_name",
                self.tls_secret_name,
                "needs hosts (a TLS certificate is chosen by host name)",
            )


class _Router(Protocol):
    @property
    def port(self) -> int | None: ...


def service_port_numbers(service: ServiceSpec, container: Container) -> list[int]:
    """The ports a Service will have: its own, else the container's."""
    if service.ports:
        return [p.port for p in service.ports]
    return [p.port for p in container.ports]


def router_port_rules(
    which: str, router: _Router | None, service: ServiceSpec, container: Container
) -> Iterator[Problem]:
    """A router's ``port`` must be one of the Service's ports."""
    ports = service_port_numbers(service, container)
    if router is not None and router.port is not None and ports and router.port not in ports:
        yield Problem(
            f"{which}.port",
            router.port,
            f"is not a port of the Service ({', '.join(map(str, ports))})",
        )
