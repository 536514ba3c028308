"""The example system: a shop, one stack per environment (stacks/Pulumi.<stack>.yaml).

- storefront: a WebApp (NodePort in dev, a LoadBalancer keeping client IPs in prod)
- cart: a WebApp with sticky sessions (ClientIP affinity)
- checkout: a CanaryService (a canary at a low weight in staging)
- orders-db: an ExternalDatabase; checkout reads its credentials from its Secret

Every config value is read and validated first; only when all of them are valid is
anything registered, so a bad stack file never leaves a half-deployed environment.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components import (
    CanaryService,
    CanaryServiceArgs,
    Container,
    ExternalDatabase,
    ExternalDatabaseArgs,
    Namespace,
    NamespaceArgs,
    Problem,
    SpecError,
    WebApp,
    WebAppArgs,
)
from components.cluster import STACK_SH_MOVE_HINT, cluster_provider
from components.config import args_from_config, check_fixed_names, in_stack, load_all, read
from components.inputs.container import SecretKeyRef
from components.manifests.database import DatabasePlan, env_refs as database_env_refs

# The checkout reads the orders database's connection from env vars with this prefix.
DB_PREFIX = "ORDERS_DB_"

# `make render` sets this: manifests go to a folder through the provider's render mode.
RENDER_DIR = os.environ.get("BERTH_RENDER_DIR")


def render_options() -> pulumi.ResourceOptions:
    if not RENDER_DIR:
        # The cluster this stack was deployed to, or a clear stop (docs/cluster-binding.md).
        move = STACK_SH_MOVE_HINT.format(stack=pulumi.get_stack())
        return pulumi.ResourceOptions(provider=cluster_provider(move_hint=move))
    pulumi.log.warn(
        f"rendering manifests to {RENDER_DIR}: Secrets are written there in plain text "
        "(base64), and nothing reads values back from a cluster"
    )
    provider = k8s.Provider("render", render_yaml_to_directory=RENDER_DIR)
    return pulumi.ResourceOptions(provider=provider)


def with_env(container: Container, env: dict[str, Any]) -> Container:
    return container.evolve(env={**container.env, **env})


def served(load: Callable[[], WebAppArgs], key: str, stack: str) -> Callable[[], WebAppArgs]:
    """``load``, refusing a WebApp without a Service: this program exports its DNS name."""

    def check() -> WebAppArgs:
        args = load()
        if args.service is None:
            raise SpecError(
                [
                    Problem(
                        f"berth:{key}.service", None, "must be set: the stack exports its DNS name"
                    )
                ],
                f"stack {stack!r}",
            )
        return args

    return check


def main() -> None:
    config = pulumi.Config()
    stack = pulumi.get_stack()
    namespace = read(config.require, "namespace", stack)
    shared: dict[str, Any] = {"namespace": namespace, "part_of": "shop"}
    # Where each shared value comes from, so that a bad one is reported once, at its key.
    sources = {
        "namespace": "berth:namespace",
        "username": "berth:ordersUser",
        "password": "berth:ordersPassword",
    }

    def spec(cls: type[Any], key: str, logical: str, **more: Any) -> Callable[[], Any]:
        return lambda: args_from_config(
            cls,
            read(config.require_object, key, stack),
            key=f"berth:{key}",
            stack=stack,
            defaults={**shared, **more},
            sources=sources,
            logical=logical,
        )

    # Everything below is checked before the first registration: the args, the names
    # each component gives its objects, and the checkout's env from the database.
    specs = load_all(
        {
            "storefront": served(spec(WebAppArgs, "storefront", "storefront"), "storefront", stack),
            "cart": served(spec(WebAppArgs, "cart", "cart"), "cart", stack),
            "checkout": spec(CanaryServiceArgs, "checkout", "checkout"),
            # Optional: the namespace's Pod Security levels, quota, limits and patches.
            "namespace": lambda: args_from_config(
                NamespaceArgs,
                read(config.get_object, "namespaceSettings", stack) or {},
                key="berth:namespaceSettings",
                stack=stack,
                defaults={"name": namespace},
                sources={"name": "berth:namespace"},
                logical="namespace",
            ),
            "orders": spec(
                ExternalDatabaseArgs,
                "orders",
                "orders-db",
                username=read(config.require, "ordersUser", stack),
                password=read(config.require_secret, "ordersPassword", stack),
            ),
        },
        stack,
    )
    # Two components must not claim one fixed name (Services are named by their app).
    check_fixed_names(
        [
            ("berth:storefront", "WebApp", "storefront", specs["storefront"]),
            ("berth:cart", "WebApp", "cart", specs["cart"]),
            ("berth:checkout", "CanaryService", "checkout", specs["checkout"]),
            ("berth:orders", "ExternalDatabase", "orders-db", specs["orders"]),
        ],
        stack,
    )
    orders_args: ExternalDatabaseArgs = specs["orders"]
    checkout_args: CanaryServiceArgs = specs["checkout"]
    orders_plan = DatabasePlan.of("orders-db", orders_args)

    def checkout_with(refs: dict[str, SecretKeyRef]) -> CanaryServiceArgs:
        return in_stack(
            stack,
            "berth:checkout",
            lambda: checkout_args.evolve(container=with_env(checkout_args.container, refs)),
        )

    checkout_with(database_env_refs(orders_plan, DB_PREFIX))

    target = render_options()
    # Each stack's namespace enforces Pod Security 'restricted' (the Namespace default),
    # which Berth's pods pass. The alias is the raw Namespace earlier versions of this
    # program created: the namespace moves into the component instead of being replaced.
    ns = Namespace(
        "namespace",
        specs["namespace"],
        opts=target,
        namespace_aliases=[pulumi.Alias(parent=pulumi.ROOT_STACK_RESOURCE)],
    )
    in_namespace = pulumi.ResourceOptions.merge(target, pulumi.ResourceOptions(depends_on=[ns]))

    orders = ExternalDatabase("orders-db", orders_args, opts=in_namespace)
    storefront = WebApp("storefront", specs["storefront"], opts=in_namespace)
    cart = WebApp("cart", specs["cart"], opts=in_namespace)
    checkout = CanaryService(
        "checkout", checkout_with(orders.env_refs(prefix=DB_PREFIX)), opts=in_namespace
    )

    pulumi.export("namespace", namespace)
    pulumi.export("storefront_dns_name", storefront.dns_name)
    pulumi.export("storefront_deployment", storefront.deployment_name)
    pulumi.export("cart_dns_name", cart.dns_name)
    pulumi.export("checkout_dns_name", checkout.dns_name)
    pulumi.export("checkout_effective_canary_weight", checkout.effective_canary_weight)
    pulumi.export(
        "checkout_replicas",
        {"stable": checkout.stable_replicas, "canary": checkout.canary_replicas},
    )
    pulumi.export("orders_db_dns_name", orders.dns_name)
    pulumi.export("orders_db_url", orders.connection_url)


main()
