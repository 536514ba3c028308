"""WebApp: spec → the Kubernetes objects of one app, as plain manifests."""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from components.inputs.container import Container
from components.inputs.pod import service_account_of
from components.inputs.webapp import WebAppArgs
from components.manifests.meta import (
    Identity,
    Manifest,
    Names,
    ObjectKey,
    ObjectMeta,
    common_labels,
    fixed_keys,
    names_for,
    version_of,
    with_version,
)
from components.manifests.naming import DEFAULT_NAMING, Naming
from components.manifests.network_policy import build_network_policy
from components.manifests.pod import secret_env_keys
from components.manifests.pod_settings import build_service_account, service_account_reference
from components.manifests.routes import build_app_ingress, build_app_route
from components.manifests.service import build_service, service_ports
from components.manifests.volumes import (
    PodVolumes,
    build_files_config_map,
    files_annotations,
    files_suffix,
)
from components.manifests.workload import (
    build_autoscaler,
    build_deployment,
    build_disruption_budget,
)

if TYPE_CHECKING:
    import pulumi

    from components.inputs.canary import CanaryServiceArgs
    from components.manifests.canary import CanaryPlan

SECRET_SUFFIX = "-env"


@attrs.frozen
class WebAppPlan(ObjectMeta):
    """What every object of one WebApp shares: names, identity and labels."""

    names: Names
    identity: Identity
    labels: dict[str, str]
    args: WebAppArgs

    @classmethod
    def of(cls, logical: str, args: WebAppArgs, naming: Naming = DEFAULT_NAMING) -> WebAppPlan:
        suffix = SECRET_SUFFIX if args.container.secret_env else ""
        services = tuple(service_suffix(key) for key in args.all_services())
        names = names_for(
            logical, args, longest_suffix=suffix, service_suffixes=services, naming=naming
        )
        identity = Identity.of(logical, args)
        return cls(names, identity, common_labels(identity, args), args)

    @property
    def workload_labels(self) -> dict[str, str]:
        version = self.args.version or version_of(self.args.container.image)
        return with_version(self.labels, version)


def build_env_secret(plan: WebAppPlan, container: Container | None = None) -> Manifest | None:
    """The Secret holding secret env values; None when there are none."""
    container = container or plan.args.container
    if not container.secret_env:
        return None
    keys = secret_env_keys(container)
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": plan.meta(SECRET_SUFFIX, kind="Secret"),
        "type": "Opaque",
        "stringData": {keys[name]: container.secret_env[name] for name in keys},
    }


def files_config_map_suffix(plan: WebAppPlan) -> str:
    return files_suffix(plan.names.explicit is not None, plan.args.files)


def build_webapp_files(plan: WebAppPlan) -> Manifest | None:
    """The ConfigMap of ``files``; None without files."""
    return build_files_config_map(
        plan.meta(files_config_map_suffix(plan), kind="ConfigMap"), plan.args.files
    )


def build_app_service_account(plan: WebAppPlan | CanaryPlan) -> Manifest | None:
    """The app's ServiceAccount (WebApp and CanaryService: one per app), None when its
    pods run as an existing account."""
    args = plan.args
    account = service_account_of(args.pod, args.deployment)
    return build_service_account(
        plan.meta(annotations=dict(account.annotations), kind="ServiceAccount"),
        account,
        automount=args.container.security.automount_service_account_token,
    )


def named_account_keys(args: WebAppArgs | CanaryServiceArgs) -> list[ObjectKey]:
    """The created ServiceAccount's key when it has a name of its own (``name=``)."""
    account = service_account_of(args.pod, args.deployment)
    if account.create and account.name is not None:
        return [("ServiceAccount", args.namespace, account.name)]
    return []


def pods_service_account(
    args: WebAppArgs | CanaryServiceArgs, created_name: pulumi.Input[str] | None
) -> pulumi.Input[str] | None:
    """The pods' serviceAccountName, given the created account's name (if one is created)."""
    return service_account_reference(service_account_of(args.pod, args.deployment), created_name)


def build_webapp_deployment(
    plan: WebAppPlan,
    secret_name: pulumi.Input[str] | None,
    files_name: pulumi.Input[str] | None = None,
    service_account_name: pulumi.Input[str] | None = None,
) -> Manifest:
    args = plan.args
    workload = plan.workload_labels
    return build_deployment(
        metadata=plan.meta(object_labels=workload, kind="Deployment"),
        container=args.container,
        spec=args.deployment,
        selector=plan.identity.selector(),
        pod_labels=workload,
        pod_annotations={**args.pod.annotations, **files_annotations(args.files)},
        secret_name=secret_name,
        init_containers=args.init_containers,
        sidecars=args.sidecars,
        volumes=PodVolumes(args.volumes, args.files, files_name),
        pod=args.pod,
        service_account_name=pods_service_account(args, service_account_name),
    )


def service_suffix(key: str | None) -> str:
    """What a Service's name adds to the component's: nothing for the primary one."""
    return "" if key is None else f"-{key}"


def build_webapp_services(plan: WebAppPlan) -> dict[str | None, Manifest]:
    """Every Service of the app by key (None: the primary), all selecting its pods."""
    return {
        key: build_service(
            metadata=plan.meta(service_suffix(key), kind="Service"),
            service=service,
            container=plan.args.container,
            selector=plan.identity.selector(),
            pods_awaited=True,
        )
        for key, service in plan.args.all_services().items()
    }


def build_webapp_service(plan: WebAppPlan) -> Manifest | None:
    return build_webapp_services(plan).get(None)


def router_target(plan: WebAppPlan, key: str | None, port: int | None) -> tuple[str, int]:
    """The Service a router sends to (its name, or a stand-in) and the port: the one asked
    for, else the Service's first."""
    service = plan.args.all_services()[key]
    ports = service_ports(service, plan.args.container)
    return plan.names.reference(service_suffix(key), "Service"), (
        ports[0].port if port is None else port
    )


def build_webapp_route(
    plan: WebAppPlan, service_name: pulumi.Input[str] | None = None
) -> Manifest | None:
    route = plan.args.http_route
    if route is None:
        return None
    name, port = router_target(plan, route.service, route.port)
    return build_app_route(plan.meta(kind="HTTPRoute"), route, service_name or name, port)


def build_webapp_ingress(
    plan: WebAppPlan, service_name: pulumi.Input[str] | None = None
) -> Manifest | None:
    spec = plan.args.ingress
    if spec is None:
        return None
    name, port = router_target(plan, spec.service, spec.port)
    return build_app_ingress(plan.meta(kind="Ingress"), spec, service_name or name, port)


def build_webapp_budget(plan: WebAppPlan) -> Manifest | None:
    return build_disruption_budget(
        metadata=plan.meta(kind="PodDisruptionBudget"),
        spec=plan.args.deployment,
        selector=plan.identity.selector(),
    )


def build_webapp_autoscaler(
    plan: WebAppPlan, deployment_name: pulumi.Input[str]
) -> Manifest | None:
    return build_autoscaler(
        metadata=plan.meta(kind="HorizontalPodAutoscaler"),
        spec=plan.args.deployment,
        deployment_name=deployment_name,
    )


def build_webapp_network_policy(plan: WebAppPlan) -> Manifest | None:
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
class WebAppObjects:
    secret: Manifest | None
    deployment: Manifest
    service: Manifest | None
    disruption_budget: Manifest | None
    autoscaler: Manifest | None
    files: Manifest | None = None
    network_policy: Manifest | None = None
    service_account: Manifest | None = None
    # The Services of WebAppArgs.services by key, and the routers.
    services: dict[str, Manifest] = attrs.field(factory=dict)
    http_route: Manifest | None = None
    ingress: Manifest | None = None

    def all(self) -> list[Manifest]:
        objects = (
            self.service_account,
            self.secret,
            self.files,
            self.deployment,
            self.service,
            *self.services.values(),
            self.disruption_budget,
            self.autoscaler,
            self.network_policy,
            self.http_route,
            self.ingress,
        )
        return [o for o in objects if o is not None]


def webapp_fixed_keys(
    plan: WebAppPlan, services: dict[str | None, Manifest] | None = None
) -> list[ObjectKey]:
    """The objects a WebApp creates under a fixed name: its Services, and every object
    when it has a fixed name or autonaming gives fixed ones. ``services`` are the built
    Services, when the caller has them already (and a ServiceAccount given a name of its
    own)."""
    if plan.args.name is not None or any(plan.names.naming.rule(k).fixed for k in _KINDS):
        return fixed_keys(build_webapp_objects(plan).all())
    built = services or build_webapp_services(plan)
    return fixed_keys(list(built.values())) + named_account_keys(plan.args)


_KINDS = (
    "Deployment",
    "Secret",
    "ConfigMap",
    "ServiceAccount",
    "PodDisruptionBudget",
    "HorizontalPodAutoscaler",
    "NetworkPolicy",
    "HTTPRoute",
    "Ingress",
)


def build_webapp(logical: str, args: WebAppArgs, naming: Naming = DEFAULT_NAMING) -> WebAppObjects:
    """Every object of a WebApp, with references between them by their names.

    Autonamed objects have no ``metadata.name`` here; references to them use the
    logical name as a stand-in. The component passes the real names instead.
    """
    return build_webapp_objects(WebAppPlan.of(logical, args, naming))


def build_webapp_objects(plan: WebAppPlan) -> WebAppObjects:
    services = build_webapp_services(plan)
    account = build_app_service_account(plan)
    return WebAppObjects(
        service_account=account,
        secret=build_env_secret(plan),
        files=build_webapp_files(plan),
        deployment=build_webapp_deployment(
            plan,
            plan.names.reference(SECRET_SUFFIX, "Secret"),
            plan.names.reference(files_config_map_suffix(plan), "ConfigMap"),
            None
            if account is None
            else account["metadata"].get("name", plan.names.reference(kind="ServiceAccount")),
        ),
        service=services.pop(None, None),
        disruption_budget=build_webapp_budget(plan),
        autoscaler=build_webapp_autoscaler(plan, plan.names.reference(kind="Deployment")),
        services={key: m for key, m in services.items() if key is not None},
        http_route=build_webapp_route(plan),
        ingress=build_webapp_ingress(plan),
        network_policy=build_webapp_network_policy(plan),
    )
