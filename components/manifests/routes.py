"""HTTPRoutes and Ingresses as manifests: the pieces every router Berth builds shares.

A WebApp's own route and Ingress (below) and CanaryService's weighted ones
(``components.manifests.canary``) are made of these.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from components.inputs.routes import GatewayParent, IngressSpec, RouteSpec
from components.manifests.meta import Manifest

if TYPE_CHECKING:
    import pulumi

GATEWAY_API_VERSION = "gateway.networking.k8s.io/v1"
INGRESS_API_VERSION = "networking.k8s.io/v1"


def parent_ref(route: GatewayParent) -> Manifest:
    parent: Manifest = {"name": route.gateway}
    if route.gateway_namespace is not None:
        parent["namespace"] = route.gateway_namespace
    if route.section_name is not None:
        parent["sectionName"] = route.section_name
    return parent


def path_match(path: str, path_type: str = "PathPrefix") -> Manifest:
    return {"path": {"type": path_type, "value": path}}


def backend_ref(service: pulumi.Input[str], port: int, weight: int | None = None) -> Manifest:
    ref: Manifest = {"name": service, "port": port}
    if weight is not None:
        ref["weight"] = weight
    return ref


def http_route(metadata: Manifest, route: GatewayParent, rules: list[Manifest]) -> Manifest:
    """An HTTPRoute attached to ``route``'s Gateway, for its hostnames, with ``rules``."""
    spec: Manifest = {"parentRefs": [parent_ref(route)], "rules": rules}
    if route.hostnames:
        spec["hostnames"] = list(route.hostnames)
    return {
        "apiVersion": GATEWAY_API_VERSION,
        "kind": "HTTPRoute",
        "metadata": metadata,
        "spec": spec,
    }


def ingress_rules(
    hosts: Sequence[str | None],
    paths: Sequence[str],
    path_type: str,
    service: pulumi.Input[str],
    port: int,
) -> list[Manifest]:
    """One rule per host (None: any host), each sending ``paths`` to ``service:port``."""
    backend = {"service": {"name": service, "port": {"number": port}}}
    found: list[Manifest] = []
    for host in hosts:
        rule: Manifest = {
            "http": {
                "paths": [{"path": p, "pathType": path_type, "backend": backend} for p in paths]
            }
        }
        if host is not None:
            rule["host"] = host
        found.append(rule)
    return found


def ingress(
    metadata: Manifest,
    ingress_class: str | None,
    rules: list[Manifest],
    tls: list[Manifest] | None = None,
) -> Manifest:
    spec: Manifest = {}
    if ingress_class is not None:
        spec["ingressClassName"] = ingress_class
    spec["rules"] = rules
    if tls:
        spec["tls"] = tls
    return {
        "apiVersion": INGRESS_API_VERSION,
        "kind": "Ingress",
        "metadata": metadata,
        "spec": spec,
    }


def build_app_route(
    metadata: Manifest, route: RouteSpec, service: pulumi.Input[str], port: int
) -> Manifest:
    """A WebApp's HTTPRoute: every path of ``route`` to one Service port."""
    rule: Manifest = {
        "matches": [path_match(p, route.path_type) for p in route.paths],
        "backendRefs": [backend_ref(service, port)],
    }
    timeouts = route.timeouts
    if timeouts is not None:
        given = {"request": timeouts.request, "backendRequest": timeouts.backend_request}
        if any(v is not None for v in given.values()):
            rule["timeouts"] = {k: v for k, v in given.items() if v is not None}
    return http_route(metadata, route, [rule])


def build_app_ingress(
    metadata: Manifest, spec: IngressSpec, service: pulumi.Input[str], port: int
) -> Manifest:
    """A WebApp's Ingress: each host (or any) with every path to one Service port."""
    meta = dict(metadata)
    if spec.annotations:
        meta["annotations"] = {**metadata.get("annotations", {}), **spec.annotations}
    hosts: Sequence[str | None] = spec.hosts or (None,)
    rules = ingress_rules(hosts, spec.paths, spec.path_type, service, port)
    tls = None
    if spec.tls_secret_name is not None:
        tls = [{"hosts": list(spec.hosts), "secretName": spec.tls_secret_name}]
    return ingress(meta, spec.ingress_class, rules, tls)
