"""Namespace: a namespace with Pod Security labels, and optionally a quota and limits."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi

from components.inputs.namespace import NamespaceArgs
from components.manifests.namespace import (
    LIMITS_SUFFIX,
    QUOTA_SUFFIX,
    build_limit_range,
    build_namespace,
    build_quota,
)
from components.register import check_patches, claim_names, patching
from components.webapp import metadata_output

TYPE = "berth:index:Namespace"


class Namespace(pulumi.ComponentResource):
    """A namespace that enforces Pod Security 'restricted' by default; see
    :class:`NamespaceArgs` and docs/namespace.md.

    Outputs: ``name`` (known once the Namespace exists, so components given
    ``namespace=ns.name`` wait for it). ``namespace_aliases`` are aliases of the Namespace
    object itself: a stack moving its own raw ``Namespace`` into this component gives the
    old resource's alias there, so the namespace (and all in it) is not replaced.
    """

    name: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        args: NamespaceArgs | None = None,
        opts: pulumi.ResourceOptions | None = None,
        *,
        namespace_aliases: Sequence[pulumi.Alias] = (),
    ) -> None:
        args = NamespaceArgs() if args is None else args
        if not isinstance(args, NamespaceArgs):
            raise TypeError(f"Namespace {name!r}: args must be a NamespaceArgs, not {type(args)!r}")
        manifest = build_namespace(name, args)
        claim_names(f"Namespace {name!r}", [("Namespace", None, manifest["metadata"]["name"])])
        check_patches(f"Namespace {name!r}", name, args)
        super().__init__(TYPE, name, None, opts)
        register = patching(args.patches)
        self.namespace = register(
            name,
            manifest,
            pulumi.ResourceOptions(parent=self, aliases=list(namespace_aliases) or None),
        )
        self.name = metadata_output(self.namespace, "name")
        inside = pulumi.ResourceOptions(parent=self, depends_on=[self.namespace])
        quota = build_quota(name, args)
        if quota is not None:
            self.quota = register(f"{name}{QUOTA_SUFFIX}", quota, inside)
        limits = build_limit_range(name, args)
        if limits is not None:
            self.limit_range = register(f"{name}{LIMITS_SUFFIX}", limits, inside)
        self.register_outputs({"name": self.name})
