"""CanaryServiceArgs: a stable and a canary track of one app, and how traffic splits.

Both tracks are Deployments built from one container spec (the canary's overrides
applied on top). Their selectors add one track label to the identity labels, and
neither ever depends on the weight, the image or a promotion, so no Deployment is
ever replaced by a change of these settings.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Literal

from components import defaults, labels
from components.errors import Problem
from components.inputs import rules
from components.inputs.app import AppArgs
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
    validate,
)
from components.inputs.container import Container, EnvValue, env_value, to_env
from components.inputs.deployment import DeploymentSpec
from components.inputs.network_policy import NetworkPolicySpec, network_policy_rules
from components.inputs.pod import PodSpec, pod_rules
from components.inputs.pod_containers import containers_field, pod_container_rules, pod_containers
from components.inputs.routes import (
    GatewayParent,
    cookie_name,
    header_name,
    header_value,
    hostname,
    router_port_rules,
    url_path,
)
from components.inputs.service import ServiceSpec
from components.inputs.volumes import (
    Volume,
    file_content,
    file_path,
    files_annotation_rules,
    files_rules,
    is_volume,
    to_volumes,
    volume_rules,
)
from components.inputs.webapp import service_annotation_rules, service_port_rules


@spec
class CanaryTrack(Spec):
    """What the canary runs differently from the stable container.

    ``image`` None keeps the stable image; ``env`` adds variables or overrides the
    container's; ``args`` None keeps the container's arguments; ``version`` labels the
    canary's objects (default: the canary image's tag).
    """

    image: str | None = field(default=None, checks=[rules.optional(rules.image_reference)])
    env: Mapping[str, EnvValue] = field(
        factory=dict,
        converter=to_env,
        checks=[mapping_of(rules.env_name, env_value)],
        takes_output=True,
    )
    args: Sequence[str] | None = field(
        default=None,
        converter=to_tuple,
        checks=[rules.optional(each(instance_of(str, what="a string")))],
    )
    version: str | None = field(default=None, checks=[rules.optional(rules.label_value)])

    def apply_to(self, container: Container) -> Container:
        """The stable container with this track's overrides."""
        return container.evolve(
            image=container.image if self.image is None else self.image,
            env={**container.env, **self.env},
            args=container.args if self.args is None else self.args,
        )


@spec
class HttpRouteSpec(GatewayParent):
    """A Gateway API HTTPRoute (gateway.networking.k8s.io/v1) that splits by exact weights.

    Requests with ``header: header_value`` or the cookie ``cookie=always`` go to the
    canary (while it has pods); the rest split ``100 - canary_weight`` : ``canary_weight``.
    ``port`` is the Service port the route targets (default: the first).
    """

    path: str = field(default="/", checks=[url_path])
    header: str | None = field(default=None, checks=[rules.optional(header_name)])
    header_value: str = field(default=defaults.CANARY_MATCH_VALUE, checks=[header_value])
    cookie: str | None = field(default=None, checks=[rules.optional(cookie_name)])


@spec
class NginxCanarySpec(Spec):
    """ingress-nginx canary: a main Ingress to the stable track and a canary Ingress.

    Both Ingresses share ``host`` and ``path``; ingress-nginx sends ``canary_weight``
    percent of requests, and those with ``header: header_value`` or the cookie
    ``cookie=always``, to the canary. ``tls_secret_name`` adds TLS to the main Ingress
    (ingress-nginx uses the main Ingress's TLS for both).
    """

    host: str | None = field(default=None, checks=[rules.optional(hostname)])
    path: str = field(default="/", checks=[url_path])
    path_type: Literal["Prefix", "Exact"] = field(
        default="Prefix", checks=[rules.one_of("Prefix", "Exact")]
    )
    ingress_class: str = field(
        default=defaults.NGINX_INGRESS_CLASS, checks=[rules.dns1123_subdomain]
    )
    port: int | None = field(default=None, checks=[rules.optional(rules.port_number)])
    header: str | None = field(default=None, checks=[rules.optional(header_name)])
    header_value: str = field(default=defaults.CANARY_MATCH_VALUE, checks=[header_value])
    cookie: str | None = field(default=None, checks=[rules.optional(cookie_name)])
    tls_secret_name: str | None = field(
        default=None, checks=[rules.optional(rules.dns1123_subdomain)]
    )

    @rule("tls_secret_name", "host")
    def _tls_needs_host(self) -> Iterator[Problem]:
        if self.tls_secret_name is not None and self.host is None:
            yield Problem(
                "tls_secret_name",
                self.tls_secret_name,
                "needs host (a TLS certificate is chosen by host name)",
            )


Track = Literal["stable", "canary"]


@spec
class CanaryServiceArgs(AppArgs):
    """Everything a CanaryService needs; invalid input raises :class:`SpecError` right here.

    ``replicas`` is the total across both tracks and ``canary_weight`` the percentage
    of it the canary gets (see ``components.manifests.canary.split_replicas`` for the
    rounding). ``deployment`` sets the strategy and HA of both tracks; its ``replicas``
    and ``autoscaling`` do not apply (an autoscaler per track would move the split).
    ``canary`` None runs the stable template in the canary track at zero pods.
    ``promote`` gives the stable track the canary's template and scales the canary
    to zero.
    """

    container: Container = nested(Container)
    # Both tracks run the same sidecars and init containers (a track overrides the app's).
    init_containers: Sequence[Container] = containers_field()
    sidecars: Sequence[Container] = containers_field()
    canary: CanaryTrack | None = nested(CanaryTrack, default=None)
    replicas: int = field(default=defaults.CANARY_REPLICAS, checks=[rules.int32(1)])
    canary_weight: int = field(default=0, checks=[rules.within(0, 100)])
    promote: bool = field(default=False, checks=[instance_of(bool, what="a boolean")])
    track_label: str = field(default=defaults.TRACK_LABEL, checks=[rules.label_key])
    stable_value: str = field(
        default=defaults.STABLE_TRACK, checks=[rules.non_empty_text, rules.label_value]
    )
    canary_value: str = field(
        default=defaults.CANARY_TRACK, checks=[rules.non_empty_text, rules.label_value]
    )
    deployment: DeploymentSpec = nested(factory=DeploymentSpec)
    service: ServiceSpec = nested(factory=ServiceSpec)
    http_route: HttpRouteSpec | None = nested(HttpRouteSpec, default=None)
    nginx_canary: NginxCanarySpec | None = nested(NginxCanarySpec, default=None)
    # As WebAppArgs': both tracks mount the same volumes and files.
    volumes: Sequence[Volume] = field(default=(), converter=to_volumes, checks=[each(is_volume)])
    files: Mapping[str, str] = field(
        factory=dict, converter=to_dict, checks=[mapping_of(file_path, file_content)]
    )
    network_policy: NetworkPolicySpec | None = nested(NetworkPolicySpec, default=None)
    pod: PodSpec = nested(factory=PodSpec)

    def __attrs_post_init__(self) -> None:
        validate(self)

    @rule("container", "init_containers", "sidecars", "volumes", "files")
    def _volumes(self) -> Iterator[Problem]:
        containers = dict(pod_containers(self.container, self.init_containers, self.sidecars))
        yield from volume_rules(self.volumes, self.files, containers, files_in="container")
        yield from files_rules(self.files)

    @rule("annotations", "files")
    def _files_annotations_fit(self) -> Iterator[Problem]:
        return files_annotation_rules(self.annotations, self.files)

    def container_of(self, track: Track) -> Container:
        """The container a track runs; a promoted stable track runs the canary's."""
        if self.canary is None or (track == "stable" and not self.promote):
            return self.container
        return self.canary.apply_to(self.container)

    @rule("network_policy", "container", "sidecars", "namespace")
    def _network_policy(self) -> Iterator[Problem]:
        if self.network_policy is not None:
            yield from network_policy_rules(
                self.network_policy, self.container, self.namespace, self.sidecars
            )

    @rule("annotations", "service")
    def _service_annotations_fit(self) -> Iterator[Problem]:
        return service_annotation_rules(self.annotations, self.service)

    @rule("pod", "container", "sidecars", "init_containers", "deployment", "annotations")
    def _pod(self) -> Iterator[Problem]:
        return pod_rules(
            self.pod,
            self.container,
            self.deployment,
            self.annotations,
            sidecars=self.sidecars,
            init=self.init_containers,
        )

    @rule("deployment")
    def _deployment(self) -> Iterator[Problem]:
        return _deployment_rules(self.deployment)

    @rule("service")
    def _service(self) -> Iterator[Problem]:
        return _service_rules(self.service)

    @rule("container", "sidecars", "service")
    def _service_ports(self) -> Iterator[Problem]:
        return service_port_rules(self.service, self.container, self.sidecars)

    @rule("container", "init_containers", "sidecars", "deployment")
    def _pod_containers(self) -> Iterator[Problem]:
        return pod_container_rules(
            self.container, self.init_containers, self.sidecars, self.deployment
        )

    @rule("container", "service", "http_route")
    def _route_port(self) -> Iterator[Problem]:
        return router_port_rules("http_route", self.http_route, self.service, self.container)

    @rule("container", "service", "nginx_canary")
    def _ingress_port(self) -> Iterator[Problem]:
        return router_port_rules("nginx_canary", self.nginx_canary, self.service, self.container)

    @rule("container", "canary")
    def _no_secret_override(self) -> Iterator[Problem]:
        if self.canary is not None:
            for name in sorted(set(self.canary.env) & set(self.container.secret_env)):
                yield Problem(
                    f"canary.env[{name!r}]",
                    self.canary.env[name],
                    "is set in container.secret_env; a track cannot override a secret "
                    "(give the canary a SecretKeyRef under another name)",
                )

    @rule("track_label")
    def _track_label_own(self) -> Iterator[Problem]:
        if self.track_label.startswith(labels.RESERVED_PREFIX):
            yield Problem(
                "track_label",
                self.track_label,
                f"is in the '{labels.RESERVED_PREFIX}' namespace, which Berth sets; "
                "choose a key of your own such as 'track'",
            )

    @rule("track_label", "labels")
    def _track_label_free(self) -> Iterator[Problem]:
        key = self.track_label
        if not key.startswith(labels.RESERVED_PREFIX) and key in self.labels:
            yield Problem(
                f"labels[{key!r}]",
                self.labels[key],
                "is the track label (track_label); each track sets it",
            )

    @rule("stable_value", "canary_value")
    def _track_values(self) -> Iterator[Problem]:
        if self.stable_value == self.canary_value:
            yield Problem(
                "canary_value",
                self.canary_value,
                "must differ from stable_value (the tracks would select each other's pods)",
            )

    @rule("canary", "canary_weight")
    def _weight_needs_canary(self) -> Iterator[Problem]:
        if self.canary is None and self.canary_weight > 0:
            yield Problem(
                "canary_weight",
                self.canary_weight,
                "needs a canary track to send traffic to (set canary=CanaryTrack(...)), or use 0",
            )

    @rule("canary", "promote")
    def _promote_needs_canary(self) -> Iterator[Problem]:
        if self.canary is None and self.promote:
            yield Problem("promote", True, "needs a canary track to promote (set canary)")

    @rule("replicas", "canary_weight", "promote")
    def _enough_to_split(self) -> Iterator[Problem]:
        if not self.promote and 0 < self.canary_weight < 100 and self.replicas < 2:
            yield Problem(
                "replicas",
                self.replicas,
                f"is too few to split: canary_weight {self.canary_weight} needs at least "
                "2 pods (one per track)",
            )


def _deployment_rules(spec: DeploymentSpec) -> Iterator[Problem]:
    if spec.replicas != defaults.REPLICAS:
        yield Problem(
            "deployment.replicas",
            spec.replicas,
            "does not apply to a CanaryService: set replicas (the total of both tracks)",
        )
    if spec.autoscaling is not None:
        yield Problem(
            "deployment.autoscaling",
            spec.autoscaling,
            "does not apply to a CanaryService: an autoscaler per track would change the "
            "ratio of pods, and so the split; set replicas",
        )
    budget = spec.disruption_budget
    if budget is not None and budget.min_available is not None:
        yield Problem(
            "deployment.disruption_budget.min_available",
            budget.min_available,
            "would block node drains while the canary track runs a single pod; "
            "use max_unavailable (default 1) for both tracks",
        )


def _service_rules(service: ServiceSpec) -> Iterator[Problem]:
    if service.headless:
        yield Problem(
            "service.headless",
            True,
            "cannot split traffic: a headless Service leaves the choice of pod to each client",
        )
