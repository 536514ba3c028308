"""CanaryService: spec → both tracks, their Services and the optional routers, as manifests.

Selectors are the identity labels (main Service) plus the track label (each track's
Deployment, Service and budget). Nothing else ever enters them: the weight, the
images and a promotion only change replica counts, templates and route weights.
"""

from __future__ import annotations

from math import gcd
from typing import TYPE_CHECKING

import attrs

from components import defaults
from components.inputs.canary import CanaryServiceArgs, Track
from components.inputs.container import Container
from components.inputs.service import ServiceSpec
from components.manifests.meta import (
    Identity,
    Manifest,
    Names,
    ObjectKey,
    ObjectMeta,
    common_labels,
    fixed_keys,
    image_warnings,
    names_for,
    secret_env_warnings,
    version_of,
    with_version,
)
from components.manifests.naming import DEFAULT_NAMING, Naming
from components.manifests.network_policy import build_network_policy
from components.manifests.pod import (
    extra_container_warnings,
    secret_env_keys,
    security_warnings,
)
from components.manifests.routes import (
    backend_ref,
    http_route,
    ingress,
    ingress_rules,
    path_match,
)
from components.manifests.service import build_service, service_ports
from components.manifests.volumes import (
    PodVolumes,
    build_files_config_map,
    files_annotations,
    files_suffix,
    volume_warnings,
)
from components.manifests.webapp import (
    SECRET_SUFFIX,
    build_app_service_account,
    pods_service_account,
)
from components.manifests.workload import build_deployment, build_disruption_budget

if TYPE_CHECKING:
    import pulumi

STABLE_SUFFIX = "-stable"
CANARY_SUFFIX = "-canary"
NGINX_CANARY = "nginx.ingress.kubernetes.io/canary"
NGINX_CANARY_WEIGHT = "nginx.ingress.kubernetes.io/canary-weight"
NGINX_CANARY_BY_HEADER = "nginx.ingress.kubernetes.io/canary-by-header"
NGINX_CANARY_BY_HEADER_VALUE = "nginx.ingress.kubernetes.io/canary-by-header-value"
NGINX_CANARY_BY_COOKIE = "nginx.ingress.kubernetes.io/canary-by-cookie"


@attrs.frozen
class Split:
    """How ``total`` pods divide between the tracks for a requested canary percentage.

    ``requested`` is ``canary_weight``, or 0 while promoting. Then:

    - ``canary`` is 0 when ``requested`` is 0, ``total`` when it is 100, and otherwise
      ``total * requested / 100`` rounded to the nearest pod (halves round up), kept
      within ``1 .. total - 1`` so that both tracks run pods;
    - ``stable`` is ``total - canary``;
    - ``effective`` is ``100 * canary / total``, the percentage of ready pods (and so of
      the main Service's connections) in the canary, rounded to two decimals.

    Nearest rounding keeps the effective share as close to the request as whole pods
    allow (Argo Rollouts rounds the same way); a canary always gets at least one pod.
    """

    total: int
    requested: int
    canary: int

    @property
    def stable(self) -> int:
        return self.total - self.canary

    @property
    def effective(self) -> float:
        return round(100 * self.canary / self.total, 2)

    @property
    def exact(self) -> bool:
        return self.canary * 100 == self.requested * self.total

    @property
    def exact_step(self) -> int:
        """The pod totals that give exactly ``requested`` percent are multiples of this."""
        return 100 // gcd(self.requested, 100)


def split_replicas(total: int, weight: int, *, promote: bool = False) -> Split:
    requested = 0 if promote else weight
    if requested == 0:
        canary = 0
    elif requested == 100:
        canary = total
    else:
        nearest = (2 * total * requested + 100) // 200  # floor(total * requested / 100 + 1/2)
        canary = min(max(nearest, 1), total - 1)
    return Split(total, requested, canary)


@attrs.frozen
class TrackPlan:
    """One track: its Deployment's container, pod count, selector and labels."""

    track: Track
    suffix: str
    container: Container
    replicas: int
    selector: dict[str, str]
    labels: dict[str, str]


@attrs.frozen
class CanaryPlan(ObjectMeta):
    """What every object of one CanaryService shares, and what each track adds."""

    names: Names
    identity: Identity
    labels: dict[str, str]
    args: CanaryServiceArgs
    split: Split
    stable: TrackPlan
    canary: TrackPlan

    @classmethod
    def of(
        cls, logical: str, args: CanaryServiceArgs, naming: Naming = DEFAULT_NAMING
    ) -> CanaryPlan:
        # '-stable' and '-canary' are the longest suffixes a Service name gets.
        names = names_for(
            logical,
            args,
            longest_suffix=STABLE_SUFFIX,
            service_suffixes=("", STABLE_SUFFIX, CANARY_SUFFIX),
            naming=naming,
        )
        identity = Identity.of(logical, args)
        split = split_replicas(args.replicas, args.canary_weight, promote=args.promote)

        def track(which: Track, suffix: str, value: str, replicas: int) -> TrackPlan:
            selector = {**identity.selector(), args.track_label: value}
            track_labels = {**_labels(identity, args, _version(args, which)), **selector}
            return TrackPlan(
                which, suffix, args.container_of(which), replicas, selector, track_labels
            )

        return cls(
            names,
            identity,
            common_labels(identity, args),
            args,
            split,
            track("stable", STABLE_SUFFIX, args.stable_value, split.stable),
            track("canary", CANARY_SUFFIX, args.canary_value, split.canary),
        )

    @property
    def tracks(self) -> tuple[TrackPlan, TrackPlan]:
        return (self.stable, self.canary)

    def service_port(self, port: int | None) -> int:
        """The Service port a router targets: the one asked for, else the first."""
        if port is not None:
            return port
        return service_ports(self.args.service, self.args.container)[0].port


def _version(args: CanaryServiceArgs, track: Track) -> str | None:
    """The version label of a track: the canary's own version when it runs the canary."""
    stable = args.version or version_of(args.container.image)
    canary = args.canary
    if canary is None or (track == "stable" and not args.promote):
        return stable
    if canary.version is not None:
        return canary.version
    if canary.image is not None:
        # A digest has no tag to show; no label is better than the stable's version.
        return version_of(canary.image)
    return stable


def _labels(identity: Identity, args: CanaryServiceArgs, version: str | None) -> dict[str, str]:
    return with_version(common_labels(identity, args), version)


def build_canary_secret(plan: CanaryPlan) -> Manifest | None:
    """The Secret holding the container's secret env values; both tracks read it."""
    container = plan.args.container
    if not container.secret_env:
        return None
    keys = secret_env_keys(container)
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": plan.meta(SECRET_SUFFIX),
        "type": "Opaque",
        "stringData": {keys[name]: container.secret_env[name] for name in keys},
    }


def canary_files_suffix(plan: CanaryPlan) -> str:
    return files_suffix(plan.names.explicit is not None, plan.args.files)


def build_canary_files(plan: CanaryPlan) -> Manifest | None:
    """The ConfigMap of ``files``, mounted by both tracks; None without files."""
    return build_files_config_map(plan.meta(canary_files_suffix(plan)), plan.args.files)


def build_track_deployment(
    plan: CanaryPlan,
    track: TrackPlan,
    secret_name: pulumi.Input[str] | None,
    files_name: pulumi.Input[str] | None = None,
    service_account_name: pulumi.Input[str] | None = None,
) -> Manifest:
    """One track's Deployment; both tracks run as the app's one ServiceAccount, and pod
    affinity terms without a selector mean the app's pods in both tracks."""
    args = plan.args
    return build_deployment(
        metadata=plan.meta(track.suffix, track.labels),
        container=track.container,
        spec=args.deployment,
        selector=track.selector,
        pod_labels=track.labels,
        pod_annotations={**args.pod.annotations, **files_annotations(args.files)},
        secret_name=secret_name,
        replicas=track.replicas,
        init_containers=plan.args.init_containers,
        sidecars=plan.args.sidecars,
        volumes=PodVolumes(args.volumes, args.files, files_name),
        pod=plan.args.pod,
        service_account_name=pods_service_account(plan.args, service_account_name),
        app_selector=plan.identity.selector(),
    )


def build_main_service(plan: CanaryPlan) -> Manifest:
    """The Service every client uses: both tracks' ready pods, so the split follows pods."""
    return build_service(
        metadata=plan.meta(kind="Service"),
        service=plan.args.service,
        container=plan.args.container,
        selector=plan.identity.selector(),
        pods_awaited=True,
    )


def build_track_service(plan: CanaryPlan, track: TrackPlan) -> Manifest:
    """A ClusterIP Service for one track: for testers and for the routers' backends."""
    service = plan.args.service
    ports = tuple(p.evolve(node_port=None) for p in service_ports(service, track.container))
    return build_service(
        metadata=plan.meta(track.suffix, track.labels, kind="Service"),
        service=ServiceSpec(ports=ports, labels=service.labels),
        container=track.container,
        selector=track.selector,
        pods_awaited=True,
    )


def build_track_budget(plan: CanaryPlan, track: TrackPlan) -> Manifest | None:
    return build_disruption_budget(
        metadata=plan.meta(track.suffix, track.labels),
        spec=plan.args.deployment,
        selector=track.selector,
    )


def cookie_pattern(cookie: str) -> str:
    """A Cookie header holding ``<cookie>=always`` (anchored: some gateways match fully)."""
    return rf"^(.*;\s*)?{cookie}={defaults.CANARY_MATCH_VALUE}(\s*;.*)?$"


def build_http_route(
    plan: CanaryPlan, stable_service: pulumi.Input[str], canary_service: pulumi.Input[str]
) -> Manifest | None:
    """Weighted backendRefs to the track Services; chosen users go to the canary first.

    The header and cookie rule exists only while the canary runs pods: with none,
    those users would get errors instead of the stable version.
    """
    route = plan.args.http_route
    if route is None:
        return None
    port = plan.service_port(route.port)
    path = path_match(route.path)
    rules: list[Manifest] = []
    chosen: list[Manifest] = []
    if plan.canary.replicas > 0:
        if route.header is not None:
            header = {"type": "Exact", "name": route.header, "value": route.header_value}
            chosen.append({**path, "headers": [header]})
        if route.cookie is not None:
            cookie = {
                "type": "RegularExpression",
                "name": "Cookie",
                "value": cookie_pattern(route.cookie),
            }
            chosen.append({**path, "headers": [cookie]})
    if chosen:
        rules.append({"matches": chosen, "backendRefs": [backend_ref(canary_service, port)]})
    weight = plan.split.requested
    rules.append(
        {
            "matches": [path],
            "backendRefs": [
                backend_ref(stable_service, port, 100 - weight),
                backend_ref(canary_service, port, weight),
            ],
        }
    )
    return http_route(plan.meta(), route, rules)


@attrs.frozen
class NginxIngresses:
    main: Manifest
    canary: Manifest


def build_nginx_ingresses(
    plan: CanaryPlan, stable_service: pulumi.Input[str], canary_service: pulumi.Input[str]
) -> NginxIngresses | None:
    """ingress-nginx's canary pair: same host and path, the canary one annotated."""
    nginx = plan.args.nginx_canary
    if nginx is None:
        return None
    port = plan.service_port(nginx.port)

    def build(metadata: Manifest, service: pulumi.Input[str], tls: bool) -> Manifest:
        rules = ingress_rules([nginx.host], [nginx.path], nginx.path_type, service, port)
        secret = nginx.tls_secret_name if tls else None
        certificates = None if secret is None else [{"hosts": [nginx.host], "secretName": secret}]
        return ingress(metadata, nginx.ingress_class, rules, certificates)

    annotations = {NGINX_CANARY: "true", NGINX_CANARY_WEIGHT: str(plan.split.requested)}
    # Without canary pods, chosen users would get errors: they go to stable like everyone.
    if plan.canary.replicas > 0:
        if nginx.header is not None:
            annotations[NGINX_CANARY_BY_HEADER] = nginx.header
            annotations[NGINX_CANARY_BY_HEADER_VALUE] = nginx.header_value
        if nginx.cookie is not None:
            annotations[NGINX_CANARY_BY_COOKIE] = nginx.cookie
    return NginxIngresses(
        main=build(plan.meta(), stable_service, tls=True),
        canary=build(plan.meta(CANARY_SUFFIX, annotations=annotations), canary_service, tls=False),
    )


def canary_warnings(plan: CanaryPlan) -> list[str]:
    """Images not pinned to a version, a non-root container without a UID, and what makes
    the main Service's split differ from the one asked for."""
    split, args = plan.split, plan.args
    images = {"container.image": args.container.image}
    if args.canary is not None and args.canary.image is not None:
        images["canary.image"] = args.canary.image
    found = image_warnings(images)
    found.extend(security_warnings(args.container))
    found += extra_container_warnings(args.init_containers, args.sidecars)
    found += secret_env_warnings(args.container.secret_env, "container.secret_env")
    found += volume_warnings(args.volumes, args.files, args.container, "container")
    if not split.exact:
        text = (
            f"canary_weight {split.requested}% cannot be met with {split.total} pods: the "
            f"canary runs {split.canary} of them, so the Service sends it {split.effective:g}% "
            f"of connections (an exact split needs a multiple of {split.exact_step} pods)"
        )
        present = (("the HTTPRoute", args.http_route), ("the Ingress", args.nginx_canary))
        routers = [name for name, router in present if router is not None]
        if routers:
            text += f"; requests through {' and '.join(routers)} split exactly {split.requested}%"
        found.append(text)
    if split.canary == 0 or split.stable == 0:
        return found
    service = args.service
    skew = "so the split follows where the pods run, not the weight"
    if service.session_affinity == "ClientIP":
        found.append(
            "service.session_affinity 'ClientIP' keeps each client on one track: "
            "the split counts clients, not connections"
        )
    if service.internal_traffic_policy == "Local":
        found.append(
            "service.internal_traffic_policy 'Local' sends in-cluster clients only to pods "
            f"on their own node, {skew}"
        )
    if service.external_traffic_policy == "Local":
        found.append(
            "service.external_traffic_policy 'Local' sends outside traffic only to pods on "
            f"the node it reaches, {skew}"
        )
    if service.topology_mode is not None or service.traffic_distribution is not None:
        setting = (
            f"topology_mode {service.topology_mode!r}"
            if service.topology_mode is not None
            else f"traffic_distribution {service.traffic_distribution!r}"
        )
        found.append(f"service.{setting} prefers nearby pods, {skew}")
    return found


def build_canary_network_policy(plan: CanaryPlan) -> Manifest | None:
    """One policy for both tracks: it selects the identity labels they share."""
    if plan.args.network_policy is None:
        return None
    return build_network_policy(
        metadata=plan.meta(kind="NetworkPolicy"),
        policy=plan.args.network_policy,
        selector=plan.identity.selector(),
        container=plan.args.container,
        namespace=plan.args.namespace,
        sidecars=plan.args.sidecars,
    )


@attrs.frozen
class CanaryObjects:
    service_account: Manifest | None
    secret: Manifest | None
    stable_deployment: Manifest
    canary_deployment: Manifest
    service: Manifest
    stable_service: Manifest
    canary_service: Manifest
    stable_budget: Manifest | None
    canary_budget: Manifest | None
    http_route: Manifest | None
    ingresses: NginxIngresses | None
    files: Manifest | None = None
    network_policy: Manifest | None = None

    def all(self) -> list[Manifest]:
        ingresses = (self.ingresses.main, self.ingresses.canary) if self.ingresses else ()
        objects = (
            self.service_account,
            self.secret,
            self.files,
            self.stable_deployment,
            self.canary_deployment,
            self.service,
            self.stable_service,
            self.canary_service,
            self.stable_budget,
            self.canary_budget,
            self.http_route,
            *ingresses,
            self.network_policy,
        )
        return [o for o in objects if o is not None]


def canary_fixed_keys(
    logical: str, args: CanaryServiceArgs, naming: Naming = DEFAULT_NAMING
) -> list[ObjectKey]:
    """The objects a CanaryService creates under a fixed name (its Services at least)."""
    return fixed_keys(build_canary(logical, args, naming).all())


def build_canary(
    logical: str, args: CanaryServiceArgs, naming: Naming = DEFAULT_NAMING
) -> CanaryObjects:
    """Every object of a CanaryService, referring to each other by name.

    Autonamed objects have no ``metadata.name`` here; references use the logical
    name plus suffix as a stand-in. The component passes the real names instead.
    """
    plan = CanaryPlan.of(logical, args, naming)
    secret = build_canary_secret(plan)
    secret_name = plan.names.reference(SECRET_SUFFIX) if secret is not None else None
    files = build_canary_files(plan)
    files_name = plan.names.reference(canary_files_suffix(plan)) if files is not None else None
    account = build_app_service_account(plan)
    account_name = (
        None if account is None else account["metadata"].get("name", plan.names.reference())
    )
    stable_name = plan.names.reference(STABLE_SUFFIX, "Service")
    canary_name = plan.names.reference(CANARY_SUFFIX, "Service")
    return CanaryObjects(
        service_account=account,
        secret=secret,
        files=files,
        stable_deployment=build_track_deployment(
            plan, plan.stable, secret_name, files_name, account_name
        ),
        canary_deployment=build_track_deployment(
            plan, plan.canary, secret_name, files_name, account_name
        ),
        service=build_main_service(plan),
        stable_service=build_track_service(plan, plan.stable),
        canary_service=build_track_service(plan, plan.canary),
        stable_budget=build_track_budget(plan, plan.stable),
        canary_budget=build_track_budget(plan, plan.canary),
        http_route=build_http_route(plan, stable_name, canary_name),
        ingresses=build_nginx_ingresses(plan, stable_name, canary_name),
        network_policy=build_canary_network_policy(plan),
    )
