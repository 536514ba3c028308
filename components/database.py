"""ExternalDatabase: a stable in-cluster name and a credentials Secret for an outside database."""

from __future__ import annotations

from typing import Any

import pulumi

from components._known import check_credentials
from components.inputs.container import SecretKeyRef
from components.inputs.database import ExternalDatabaseArgs
from components.inputs.network_policy import DatabasePeer
from components.manifests.database import (
    CREDENTIALS_SUFFIX,
    SLICE_SUFFIX,
    DatabasePlan,
    build_credentials_secret,
    build_database_service,
    build_endpoint_slice,
    connection_url,
    credentials,
    database_fixed_keys,
    env_refs,
)
from components.manifests.meta import dns_name, plain_secret_warnings
from components.register import check_patches, claim_names, patching
from components.webapp import metadata_output, namespace_output

TYPE = "berth:index:ExternalDatabase"


class ExternalDatabase(pulumi.ComponentResource):
    """A Service named after the database, its endpoints, and a Secret to connect with.

    Outputs: ``service_name``, ``namespace``, ``dns_name``
    (``<svc>.<ns>.svc.<cluster domain>``), ``port`` (what clients in the cluster
    connect to), ``secret_name`` and ``connection_url`` (a secret). Apps read the
    connection from the Secret by reference with :meth:`env_refs`.
    """

    service_name: pulumi.Output[str]
    namespace: pulumi.Output[str]
    dns_name: pulumi.Output[str]
    port: pulumi.Output[int]
    secret_name: pulumi.Output[str]
    connection_url: pulumi.Output[str]

    def __init__(
        self, name: str, args: ExternalDatabaseArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        if not isinstance(args, ExternalDatabaseArgs):
            raise TypeError(
                f"ExternalDatabase {name!r}: args must be an ExternalDatabaseArgs, "
                f"not {type(args)!r}"
            )
        plan = DatabasePlan.of(name, args)
        claim_names(f"ExternalDatabase {name!r}", database_fixed_keys(plan))
        check_patches(f"ExternalDatabase {name!r}", name, args)
        super().__init__(TYPE, name, None, opts)
        register = patching(args.patches)
        # Where the database is, for a NetworkPolicy's egress (plain values).
        self.network_peer = DatabasePeer(port=args.target_port, addresses=args.addresses)
        child = pulumi.ResourceOptions(parent=self)
        self._args = args
        self._plan = plan
        check_credentials(
            {key: getattr(args, key) for key in ("username", "password", "database")},
            f"ExternalDatabase {name!r}",
        )

        self.service = register(name, build_database_service(plan), child)
        endpoint_slice = build_endpoint_slice(plan)
        if endpoint_slice is not None:
            self.endpoint_slice = register(f"{name}{SLICE_SUFFIX}", endpoint_slice, child)
        self.service_name = metadata_output(self.service, "name")
        self.namespace = namespace_output(self.service, args.namespace)
        self.dns_name = pulumi.Output.all(self.service_name, self.namespace).apply(
            lambda parts: dns_name(parts[0], parts[1], args.cluster_domain)
        )
        self.port = pulumi.Output.from_input(args.client_port)

        # Plain strings are secrets too once they are credentials.
        given = {key: pulumi.Output.secret(value) for key, value in credentials(args).items()}

        def url(parts: list[Any]) -> str:
            host, user, password, database = parts
            return connection_url(args, host, user, password, database)

        self.connection_url = pulumi.Output.secret(
            pulumi.Output.all(
                self.dns_name, given.get("username"), given.get("password"), given.get("database")
            ).apply(url)
        )
        secret = build_credentials_secret(
            plan, host=self.dns_name, url=self.connection_url, given=given
        )
        self.secret = register(f"{name}{CREDENTIALS_SUFFIX}", secret, child)
        self.secret_name = metadata_output(self.secret, "name")

        for warning in plain_secret_warnings({"password": args.password}):
            pulumi.log.warn(warning, resource=self)
        self.register_outputs(
            {
                "service_name": self.service_name,
                "namespace": self.namespace,
                "dns_name": self.dns_name,
                "port": self.port,
                "secret_name": self.secret_name,
                "connection_url": self.connection_url,
            }
        )

    def env_refs(self, prefix: str = "DB_") -> dict[str, SecretKeyRef]:
        """Env vars that read the connection from the Secret, for ``Container(env=...)``.

        Keys are ``<prefix>HOST``, ``PORT``, ``URL`` and, when given, ``USER``,
        ``PASSWORD`` and ``NAME``. The app must run in the same namespace as the Secret.
        """
        return env_refs(self._plan, prefix, self.secret_name)
