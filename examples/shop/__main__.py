"""A bookshop on Berth: eight apps, two external databases, one namespace, one Gateway.

    browser ─▶ Gateway (the platform team's) ─▶ web ─┬─▶ catalog ─▶ shop-db
                                                     ├─▶ search ──▶ catalog
                                                     ├─▶ recommendations ─▶ catalog
                                                     ├─▶ cart ─▶ sessions
                                                     └─▶ checkout (canary) ─┬─▶ cart
    payment provider ─▶ payments (public webhooks)                          ├─▶ payments
                                                                            ├─▶ notifications
                                                                            └─▶ shop-db

Every app gets its own ServiceAccount and a default-deny NetworkPolicy that lets in only
the apps that call it and lets out only DNS and what it calls. Services are named after
their apps, so `http://catalog:8080` works from any pod in the namespace.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pulumi

from components import (
    AppPeer,
    CanaryService,
    CanaryServiceArgs,
    CanaryTrack,
    Container,
    ContainerPort,
    DeploymentSpec,
    EgressRule,
    EmptyDirVolume,
    ExternalDatabase,
    ExternalDatabaseArgs,
    FieldRef,
    IngressRule,
    Mount,
    Namespace,
    NamespaceArgs,
    NetworkPolicySpec,
    PodSpec,
    PolicyPort,
    Probe,
    ResourceQuotaSpec,
    Resources,
    RouteSpec,
    Security,
    ServiceAccountSpec,
    ServicePort,
    ServiceSpec,
    WebApp,
    WebAppArgs,
    labels,
)
from components.cluster import cluster_provider
from components.inputs.container import EnvValue

config = pulumi.Config()
namespace = config.require("namespace")
version = config.require("version")
# The images run as UID 10001; saying so lets the kubelet verify runAsNonRoot.
AS_APP = Security(run_as_user=10001, run_as_group=10001)
HTTP = [ContainerPort(port=8080, name="http")]


def image(app: str, tag: str = version) -> str:
    return f"registry.example.com/bookshop/{app}:{tag}"


def app_container(
    app: str,
    env: Mapping[str, EnvValue] | None = None,
    mounts: Sequence[Mount] = (),
    ports: Sequence[ContainerPort] = HTTP,
) -> Container:
    return Container(
        image=image(app),
        ports=ports,
        env=env or {},
        mounts=mounts,
        security=AS_APP,
        resources=Resources(cpu_request="100m", memory_request="128Mi", memory_limit="256Mi"),
        readiness_probe=Probe.http("/ready"),
    )


def called_by(*apps: str) -> IngressRule:
    """Pods of these apps (in this namespace) may call this one on its own ports."""
    return IngressRule(apps=[AppPeer(selector={labels.NAME: a}) for a in apps])


# Created first, so that nothing lands in a namespace without Pod Security `restricted`;
# every object goes through the provider bound to the stack's own cluster.
provider = cluster_provider()
ns = Namespace(
    namespace,
    NamespaceArgs(quota=ResourceQuotaSpec(hard={"pods": "40", "requests.cpu": "8"})),
    opts=pulumi.ResourceOptions(provider=provider),
)
opts = pulumi.ResourceOptions(provider=provider, depends_on=[ns])
PART_OF = "bookshop"

# Outside the cluster: the shop's Postgres (known addresses: an exact egress rule) and
# a managed Redis for sessions (a DNS name: an ExternalName Service).
shop_db = ExternalDatabase(
    "shop-db",
    ExternalDatabaseArgs(
        namespace=namespace,
        engine="postgresql",
        addresses=config.require_object("shopDbAddresses"),
        username="bookshop",
        password=config.require_secret("shopDbPassword"),
        database="bookshop",
    ),
    opts=opts,
)
sessions = ExternalDatabase(
    "sessions",
    ExternalDatabaseArgs(namespace=namespace, engine="redis", host=config.require("sessionsHost")),
    opts=opts,
)

catalog = WebApp(
    "catalog",
    WebAppArgs(
        namespace=namespace,
        part_of=PART_OF,
        container=app_container(
            "catalog",
            env={"CONFIG": "/etc/catalog/catalog.yaml", **shop_db.env_refs(prefix="DB_")},
        ),
        # Schema migrations run to completion before the app starts.
        init_containers=[
            Container(
                name="migrate",
                image=image("catalog-migrate"),
                command=["/migrate", "up"],
                security=AS_APP,
                env=shop_db.env_refs(prefix="DB_"),
            )
        ],
        files={"/etc/catalog/catalog.yaml": "page_size: 24\ncurrency: EUR\ncache_ttl: 300s\n"},
        network_policy=NetworkPolicySpec(
            allow_from=[called_by("web", "search", "recommendations")], databases=[shop_db]
        ),
    ),
    opts=opts,
)

search = WebApp(
    "search",
    WebAppArgs(
        namespace=namespace,
        part_of=PART_OF,
        container=app_container("search", mounts=[Mount(volume="index", path="/var/lib/index")]),
        # The index is built from the catalog into a scratch volume the app then serves.
        init_containers=[
            Container(
                name="build-index",
                image=image("search-indexer"),
                args=["--catalog=http://catalog:8080", "--out=/var/lib/index"],
                security=AS_APP,
                mounts=[Mount(volume="index", path="/var/lib/index")],
            )
        ],
        volumes=[EmptyDirVolume(name="index", size_limit="1Gi")],
        network_policy=NetworkPolicySpec(
            allow_from=[called_by("web")], allow_to=[EgressRule(apps=[catalog])]
        ),
    ),
    opts=opts,
)

recommendations = WebApp(
    "recommendations",
    WebAppArgs(
        namespace=namespace,
        part_of=PART_OF,
        container=app_container(
            "recommendations", mounts=[Mount(volume="model", path="/models", read_only=True)]
        ),
        # A native sidecar keeps the model fresh; it starts before the app and stops after it.
        sidecars=[
            Container(
                name="model-sync",
                image=image("model-sync"),
                args=["--every=10m", "--into=/models"],
                security=AS_APP,
                mounts=[Mount(volume="model", path="/models")],
            )
        ],
        volumes=[EmptyDirVolume(name="model", size_limit="2Gi")],
        network_policy=NetworkPolicySpec(
            allow_from=[called_by("web")], allow_to=[EgressRule(apps=[catalog])]
        ),
    ),
    opts=opts,
)

cart = WebApp(
    "cart",
    WebAppArgs(
        namespace=namespace,
        part_of=PART_OF,
        container=app_container(
            "cart",
            env={
                "SESSIONS_HOST": "sessions",
                "POD_NAME": FieldRef(field_path="metadata.name"),
            },
        ),
        # A metrics exporter beside the app, scraped on its own port.
        sidecars=[
            Container(
                name="metrics",
                image="registry.example.com/observability/exporter:0.9.1",
                ports=[ContainerPort(port=9100, name="metrics")],
                security=AS_APP,
                readiness_probe=Probe.http("/metrics", port="metrics"),
            )
        ],
        pod=PodSpec(annotations={"prometheus.io/scrape": "true", "prometheus.io/port": "9100"}),
        network_policy=NetworkPolicySpec(
            allow_from=[called_by("web", "checkout")], databases=[sessions]
        ),
    ),
    opts=opts,
)

notifications = WebApp(
    "notifications",
    WebAppArgs(
        namespace=namespace,
        part_of=PART_OF,
        container=app_container("notifications", env={"TEMPLATES": "/etc/notifications/templates"}),
        files={
            "/etc/notifications/templates/order-confirmed.txt": (
                "Thank you for your order {{ .Number }}.\nIt ships within two days.\n"
            ),
            "/etc/notifications/templates/order-shipped.txt": (
                "Your order {{ .Number }} is on its way: {{ .TrackingURL }}\n"
            ),
        },
        network_policy=NetworkPolicySpec(
            allow_from=[called_by("checkout")],
            # The mail relay, outside the cluster, on submission.
            allow_to=[EgressRule(cidrs=["198.51.100.25/32"], ports=[PolicyPort(port=587)])],
        ),
    ),
    opts=opts,
)

payments = WebApp(
    "payments",
    WebAppArgs(
        namespace=namespace,
        part_of=PART_OF,
        container=app_container(
            "payments", ports=[*HTTP, ContainerPort(port=8443, name="webhooks")]
        ),
        # The internal Service is for checkout; the public one only takes the payment
        # provider's webhooks.
        service=ServiceSpec(ports=[ServicePort(port=8080, target_port="http", name="http")]),
        services={
            "webhooks": ServiceSpec(
                type="LoadBalancer",
                ports=[ServicePort(port=443, target_port="webhooks", name="https")],
                external_traffic_policy="Local",
            )
        },
        # The cloud role the provider's API key is read with.
        pod=PodSpec(
            service_account=ServiceAccountSpec(
                annotations={"iam.example.com/role": "bookshop-payments"}
            )
        ),
        network_policy=NetworkPolicySpec(
            allow_from=[
                IngressRule(
                    apps=[AppPeer(selector={labels.NAME: "checkout"})],
                    ports=[PolicyPort(port="http")],
                ),
                IngressRule(cidrs=["0.0.0.0/0"], ports=[PolicyPort(port="webhooks")]),
            ],
            allow_to=[EgressRule(cidrs=["203.0.113.0/24"], ports=[PolicyPort(port=443)])],
        ),
    ),
    opts=opts,
)

checkout = CanaryService(
    "checkout",
    CanaryServiceArgs(
        namespace=namespace,
        part_of=PART_OF,
        container=app_container(
            "checkout",
            env={
                "CART_URL": "http://cart:8080",
                "PAYMENTS_URL": "http://payments:8080",
                **shop_db.env_refs(prefix="DB_"),
            },
        ),
        # The next version takes a quarter of the pods (and so of the connections).
        canary=CanaryTrack(image=image("checkout", config.require("canaryVersion"))),
        replicas=4,
        canary_weight=25,
        deployment=DeploymentSpec(termination_grace_period_seconds=45),
        network_policy=NetworkPolicySpec(
            allow_from=[called_by("web")],
            allow_to=[
                EgressRule(apps=[cart]),
                EgressRule(apps=[payments], ports=[PolicyPort(port="http")]),
                EgressRule(apps=[notifications]),
            ],
            databases=[shop_db],
        ),
    ),
    opts=opts,
)

web = WebApp(
    "web",
    WebAppArgs(
        namespace=namespace,
        part_of=PART_OF,
        container=app_container("web", mounts=[Mount(volume="cache", path="/var/cache/web")]),
        volumes=[EmptyDirVolume(name="cache", medium="Memory", size_limit="64Mi")],
        files={
            "/etc/web/routes.yaml": (
                "catalog: http://catalog:8080\nsearch: http://search:8080\n"
                "recommendations: http://recommendations:8080\n"
                "cart: http://cart:8080\ncheckout: http://checkout:8080\n"
            )
        },
        deployment=DeploymentSpec(replicas=3),
        # Attached to the platform team's Gateway; this program only names it.
        http_route=RouteSpec(
            gateway=config.require("gateway"),
            gateway_namespace=config.require("gatewayNamespace"),
            hostnames=[config.require("hostname")],
            paths=["/"],
        ),
        network_policy=NetworkPolicySpec(
            allow_from=[IngressRule(namespaces=[config.require("gatewayNamespace")])],
            allow_to=[EgressRule(apps=[catalog, search, recommendations, cart, checkout])],
        ),
    ),
    opts=opts,
)

pulumi.export("namespace", namespace)
pulumi.export("web", web.dns_name)
pulumi.export("payments_webhooks", payments.dns_names)
pulumi.export("checkout_canary_share", checkout.effective_canary_weight)
pulumi.export("shop_db_url", shop_db.connection_url)
