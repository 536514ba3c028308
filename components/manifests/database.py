"""ExternalDatabase: spec → Service (+ EndpointSlice) and the credentials Secret."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import quote, urlencode

import attrs

from components import defaults, labels
from components.errors import Problem, SpecError
from components.inputs import rules
from components.inputs.container import SecretKeyRef
from components.inputs.database import ExternalDatabaseArgs
from components.inputs.service import ServicePort, ServiceSpec
from components.manifests.meta import (
    Identity,
    Manifest,
    Names,
    ObjectKey,
    ObjectMeta,
    common_labels,
    dns_name,
)
from components.manifests.service import build_service

if TYPE_CHECKING:
    import pulumi

CREDENTIALS_SUFFIX = "-credentials"
SLICE_SUFFIX = "-1"
# The Secret's keys, each with the env var suffix env_refs gives it.
SECRET_KEYS: dict[str, str] = {
    "host": "HOST",
    "port": "PORT",
    "username": "USER",
    "password": "PASSWORD",
    "database": "NAME",
    "url": "URL",
}
_CREDENTIALS = ("username", "password", "database")


def database_names(logical: str, args: ExternalDatabaseArgs) -> Names:
    """Always an explicit name: the component's own unless ``args.name`` is given."""
    if args.name is None:
        allowed = rules.dns1035_label(logical)
        if allowed is not None:
            raise SpecError(
                [Problem("name", logical, f"{allowed}; the Service is named after the "
                         "component (give args.name to choose another name)")],
                "component name",
            )  # fmt: skip
    return Names(logical, args.name or logical)


@attrs.frozen
class DatabasePlan(ObjectMeta):
    names: Names
    identity: Identity
    labels: dict[str, str]
    args: ExternalDatabaseArgs

    @classmethod
    def of(cls, logical: str, args: ExternalDatabaseArgs) -> DatabasePlan:
        names = database_names(logical, args)
        identity = Identity.of(logical, args)
        return cls(names, identity, common_labels(identity, args), args)

    @property
    def service_name(self) -> str:
        return self.names.reference()

    def dns_name(self, namespace: str) -> str:
        return dns_name(self.service_name, namespace, self.args.cluster_domain)


def database_fixed_keys(plan: DatabasePlan) -> list[ObjectKey]:
    """The objects an ExternalDatabase creates: every one has a fixed name."""
    namespace = plan.args.namespace
    keys: list[ObjectKey] = [("Service", namespace, plan.names.reference())]
    if plan.args.addresses:
        keys.append(("EndpointSlice", namespace, plan.names.reference(SLICE_SUFFIX)))
    keys.append(("Secret", namespace, plan.names.reference(CREDENTIALS_SUFFIX)))
    return keys


def build_database_service(plan: DatabasePlan) -> Manifest:
    """An ExternalName Service for a host; a selector-less one for IP addresses."""
    args = plan.args
    port = ServicePort(port=args.client_port, target_port=args.target_port, name=args.engine)
    # Neither Service ever gets endpoints from Kubernetes (no selector), so the
    # provider's readiness await has nothing to wait for; older providers waited for
    # endpoints until the timeout. The object is usable as soon as it is applied.
    manifest = build_service(
        metadata=plan.meta(annotations={labels.SKIP_AWAIT: "true"}),
        service=ServiceSpec(ports=(port,)),
        container=None,
        selector=None,
    )
    spec = manifest["spec"]
    if args.host is not None:
        spec.update(type="ExternalName", externalName=args.host)
    else:
        # kube-proxy only uses endpoints of the Service's own family.
        spec.update(ipFamilyPolicy="SingleStack", ipFamilies=[args.address_type])
    return manifest


def build_endpoint_slice(plan: DatabasePlan) -> Manifest | None:
    """The addresses behind a selector-less Service, linked to it by the service-name label."""
    args = plan.args
    if not args.addresses:
        return None
    slice_labels = {
        **plan.labels,
        labels.SERVICE_NAME: plan.service_name,
        labels.ENDPOINTSLICE_MANAGED_BY: defaults.MANAGED_BY,
    }
    return {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": plan.meta(SLICE_SUFFIX, slice_labels),
        "addressType": args.address_type,
        "endpoints": [
            {"addresses": [address], "conditions": {"ready": True}} for address in args.addresses
        ],
        # Matched to the Service port by name; this number is where traffic really goes.
        "ports": [{"name": args.engine, "port": args.target_port, "protocol": "TCP"}],
    }


def credentials(args: ExternalDatabaseArgs) -> dict[str, pulumi.Input[str]]:
    """The user, password and database name that were given, by Secret key."""
    found = {key: getattr(args, key) for key in _CREDENTIALS}
    return {key: value for key, value in found.items() if value is not None}


def secret_keys(args: ExternalDatabaseArgs) -> list[str]:
    """The keys the credentials Secret holds: host, port and url always, the rest if given."""
    given = credentials(args)
    return [key for key in SECRET_KEYS if key in given or key not in _CREDENTIALS]


def env_keys(args: ExternalDatabaseArgs, prefix: str) -> dict[str, str]:
    """Env var name → Secret key, e.g. ``DB_PASSWORD`` → ``password`` for prefix ``DB_``."""
    names = {prefix + SECRET_KEYS[key]: key for key in secret_keys(args)}
    bad = [name for name in names if rules.env_name(name) is not None]
    if bad:
        raise SpecError(
            [Problem("prefix", prefix, f"makes {bad[0]!r}, which {rules.env_name(bad[0])}")],
            "ExternalDatabase.env_refs",
        )
    return names


def env_refs(
    plan: DatabasePlan, prefix: str, secret_name: pulumi.Input[str] | None = None
) -> dict[str, SecretKeyRef]:
    """Env vars that read the connection from the credentials Secret (``secret_name``,
    default: the name the plan gives it, known before anything is registered)."""
    name = plan.names.reference(CREDENTIALS_SUFFIX) if secret_name is None else secret_name
    return {
        env: SecretKeyRef(secret_name=name, key=key)
        for env, key in env_keys(plan.args, prefix).items()
    }


def connection_url(
    args: ExternalDatabaseArgs,
    host: str,
    username: str | None,
    password: str | None,
    database: str | None,
) -> str:
    """``scheme://[user[:password]@]host:port[/database][?options]``, each part escaped."""
    auth = ""
    if username is not None or password is not None:
        auth = quote(username or "", safe="")
        if password is not None:
            auth += ":" + quote(password, safe="")
        auth += "@"
    path = "/" + quote(database, safe="") if database else ""
    query = "?" + urlencode(args.url_options) if args.url_options else ""
    return f"{args.scheme}://{auth}{host}:{args.client_port}{path}{query}"


def build_credentials_secret(
    plan: DatabasePlan,
    *,
    host: pulumi.Input[str],
    url: pulumi.Input[str],
    given: Mapping[str, pulumi.Input[str]],
) -> Manifest:
    """Where apps read the connection from, by reference (keys: ``SECRET_KEYS``).

    ``given`` holds the credentials (see :func:`credentials`), possibly as secret Outputs.
    """
    values: dict[str, pulumi.Input[str]] = {
        "host": host,
        "port": str(plan.args.client_port),
        **given,
        "url": url,
    }
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": plan.meta(CREDENTIALS_SUFFIX),
        "type": "Opaque",
        "stringData": {key: values[key] for key in secret_keys(plan.args)},
    }


@attrs.frozen
class DatabaseObjects:
    service: Manifest
    endpoint_slice: Manifest | None
    secret: Manifest

    def all(self) -> list[Manifest]:
        return [o for o in (self.service, self.endpoint_slice, self.secret) if o is not None]


def build_database(
    logical: str,
    args: ExternalDatabaseArgs,
    namespace: str = "default",
) -> DatabaseObjects:
    """Every object of an ExternalDatabase; credentials must be plain strings here.

    ``namespace`` is the one the Service lands in when ``args.namespace`` is None
    (it names the in-cluster host in the URL).
    """
    plan = DatabasePlan.of(logical, args)
    host = plan.dns_name(args.namespace or namespace)
    given = credentials(args)
    plain = {key: value for key, value in given.items() if isinstance(value, str)}
    if plain != given:
        raise TypeError("build_database takes plain credentials; the component handles Outputs")
    url = connection_url(
        args, host, plain.get("username"), plain.get("password"), plain.get("database")
    )
    return DatabaseObjects(
        service=build_database_service(plan),
        endpoint_slice=build_endpoint_slice(plan),
        secret=build_credentials_secret(plan, host=host, url=url, given=given),
    )
