"""The example system: each stack's config (stacks/Pulumi.<stack>.yaml) read into specs.

Every config value is read and validated first; only when all of them are valid is
anything registered, so a bad stack file never leaves a half-deployed environment.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components import WebApp, WebAppArgs
from components.config import args_from_config, load_all

# The namespace each stack deploys into enforces Pod Security 'restricted',
# which Berth's secure defaults pass.
POD_SECURITY = {
    "pod-security.kubernetes.io/enforce": "restricted",
    "pod-security.kubernetes.io/enforce-version": "latest",
}
WEB_APPS = ("storefront", "cart")


def main() -> None:
    config = pulumi.Config()
    stack = pulumi.get_stack()
    namespace = config.require("namespace")
    shared: dict[str, Any] = {"namespace": namespace, "part_of": "shop"}

    def web(key: str) -> Any:
        return lambda: args_from_config(
            WebAppArgs, config.require_object(key), key=f"berth:{key}", stack=stack, defaults=shared
        )

    specs = load_all({key: web(key) for key in WEB_APPS}, stack)

    ns = k8s.core.v1.Namespace("namespace", metadata={"name": namespace, "labels": POD_SECURITY})
    after_namespace = pulumi.ResourceOptions(depends_on=[ns])
    for key in WEB_APPS:
        app = WebApp(key, specs[key], opts=after_namespace)
        pulumi.export(f"{key}_dns_name", app.dns_name)
        pulumi.export(f"{key}_deployment", app.deployment_name)
    pulumi.export("namespace", namespace)


main()
