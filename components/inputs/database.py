"""ExternalDatabaseArgs: a database outside the cluster, reached by a stable in-cluster name.

A DNS host becomes a Service of type ExternalName (a CNAME); IP addresses become a
selector-less Service plus an EndpointSlice. Credentials stay pulumi Inputs (secrets)
all the way into a Secret; nothing here ever looks at their values unless they are
plain strings.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Literal

from components import defaults
from components.errors import Problem
from components.inputs import rules
from components.inputs.app import AppArgs
from components.inputs.base import (
    each,
    field,
    instance_of,
    mapping_of,
    rule,
    spec,
    to_dict,
    to_tuple,
    validate,
)

if TYPE_CHECKING:
    import pulumi

Engine = Literal["postgresql", "mysql", "redis", "mongodb"]
ENGINES: tuple[str, ...] = tuple(defaults.DATABASE_ENGINES)
# discovery.k8s.io/v1 EndpointSlice: at most 1000 endpoints per slice.
MAX_ENDPOINTS = 1000


def _host(value: object) -> str | None:
    if rules.looks_like_ip(value):
        return (
            f"is an IP address; give it as addresses=[{value!r}] instead (an ExternalName "
            "Service is a DNS alias and never resolves an IP)"
        )
    # A trailing dot (a fully qualified name) is allowed in an ExternalName.
    name = value[:-1] if isinstance(value, str) and value.endswith(".") else value
    if rules.dns1123_subdomain(name) is not None:
        return "is not a DNS name such as 'db.example.com' (lowercase, dot-separated labels)"
    return None


def endpoint_address(value: object) -> str | None:
    """An IP an EndpointSlice may carry: unicast, off this node, in canonical form."""
    allowed = rules.unicast_ip(value)
    if allowed is not None:
        return allowed
    ip = rules.ip_address(value)
    if str(ip) != value:
        return f"is not in canonical form (write {str(ip)!r})"
    return None


def _secret_input(value: object) -> str | None:
    if value is None or type(value).__name__ == "Output":
        return None
    if isinstance(value, str):
        return None if value else "is empty (use None to leave it out)"
    return "is not a string or a pulumi.Output (use pulumi.Output.secret or config.require_secret)"


@spec
class ExternalDatabaseArgs(AppArgs):
    """Where the database is, how to log in, and which engine it runs.

    Give exactly one of ``host`` (a DNS name) or ``addresses`` (one or more IPs of one
    family). ``port`` is the database's port (default: the engine's); ``service_port``
    is the port clients in the cluster use (default: ``port``; IP addresses only, since
    an ExternalName is a DNS alias and maps no ports). ``username``, ``password`` and
    ``database`` are best given as secrets (``config.require_secret``); ``url_options``
    become the connection URL's query string (``{"sslmode": "require"}``).

    Unlike other components, ``name`` None does not autoname: the Service is named
    after the component, because a stable name is what this component is for.
    """

    engine: Engine = field(checks=[rules.one_of(*ENGINES)])
    host: str | None = field(default=None, checks=[rules.optional(_host)])
    # Each address is checked in _address_rules, so every bad one is reported.
    addresses: Sequence[str] = field(
        default=(), converter=to_tuple, checks=[each(instance_of(str, what="a string"))]
    )
    port: int | None = field(default=None, checks=[rules.optional(rules.port_number)])
    service_port: int | None = field(default=None, checks=[rules.optional(rules.port_number)])
    username: pulumi.Input[str] | None = field(
        default=None, checks=[_secret_input], secret=True, takes_output=True
    )
    password: pulumi.Input[str] | None = field(
        default=None, checks=[_secret_input], secret=True, takes_output=True
    )
    database: pulumi.Input[str] | None = field(
        default=None, checks=[_secret_input], secret=True, takes_output=True
    )
    url_options: Mapping[str, str] = field(
        factory=dict,
        converter=to_dict,
        checks=[mapping_of(rules.non_empty_text, instance_of(str, what="a string"))],
    )

    def __attrs_post_init__(self) -> None:
        validate(self)

    @property
    def scheme(self) -> str:
        return defaults.DATABASE_ENGINES[self.engine][0]

    @property
    def target_port(self) -> int:
        """The port the database listens on."""
        return defaults.DATABASE_ENGINES[self.engine][1] if self.port is None else self.port

    @property
    def client_port(self) -> int:
        """The port clients in the cluster connect to."""
        return self.target_port if self.service_port is None else self.service_port

    @property
    def address_type(self) -> Literal["IPv4", "IPv6"]:
        first = ipaddress.ip_address(self.addresses[0])
        return "IPv4" if first.version == 4 else "IPv6"

    @rule("host", "addresses")
    def _host_or_addresses(self) -> Iterator[Problem]:
        if self.host is None and not self.addresses:
            yield Problem("host", None, "or addresses must be set (a DNS name, or one or more IPs)")
        elif self.host is not None and self.addresses:
            yield Problem(
                "addresses",
                self.addresses,
                "cannot be set together with host (give a DNS name or IPs, not both)",
            )

    @rule("host", "service_port", "port", "engine")
    def _alias_maps_no_port(self) -> Iterator[Problem]:
        if (
            self.host is not None
            and self.service_port is not None
            and self.service_port != self.target_port
        ):
            yield Problem(
                "service_port",
                self.service_port,
                f"must equal port ({self.target_port}) for a host: an ExternalName "
                "Service is a DNS alias and cannot map ports (give addresses to map them)",
            )

    @rule("addresses")
    def _address_rules(self) -> Iterator[Problem]:
        bad = False
        for i, address in enumerate(self.addresses):
            allowed = endpoint_address(address)
            if allowed is not None:
                bad = True
                yield Problem(f"addresses[{i}]", address, allowed)
        if bad:
            return
        if len(self.addresses) > MAX_ENDPOINTS:
            yield Problem(
                "addresses",
                self.addresses,
                f"has {len(self.addresses)} items; an EndpointSlice holds at most {MAX_ENDPOINTS}",
            )
        for repeated in rules.duplicates(self.addresses):
            yield Problem("addresses", repeated, "is listed more than once")
        families = {ipaddress.ip_address(a).version for a in self.addresses}
        if len(families) > 1:
            yield Problem(
                "addresses",
                self.addresses,
                "mixes IPv4 and IPv6; a Service reaches one family (give one of them)",
            )
