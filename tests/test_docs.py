"""The docs tell the truth about defaults: the WebApp page's table is checked against the code."""

from __future__ import annotations

from pathlib import Path

import pytest

from components import (
    Autoscaling,
    Container,
    ContainerPort,
    DeploymentSpec,
    DisruptionBudget,
    Resources,
    Security,
    ServiceSpec,
    Spread,
    WebAppArgs,
    defaults,
)
from components.manifests.webapp import build_webapp

DEFAULTS_PAGE = Path(__file__).resolve().parents[1] / "docs" / "webapp.md"


def defaults_table() -> dict[str, str]:
    text = DEFAULTS_PAGE.read_text()
    table = text.split("<!-- DEFAULTS:BEGIN -->")[1].split("<!-- DEFAULTS:END -->")[0]
    rows = [line.split("|")[1:3] for line in table.strip().splitlines()[2:]]
    return {setting.strip(): value.strip() for setting, value in rows}


@pytest.mark.parametrize(
    ("setting", "actual"),
    [
        ("`deployment.replicas`", f"`{DeploymentSpec().replicas}`"),
        (
            "`deployment.max_surge` / `max_unavailable`",
            f"`{defaults.MAX_SURGE}` / `{defaults.MAX_UNAVAILABLE}`",
        ),
        (
            "`deployment.progress_deadline_seconds`",
            f"`{DeploymentSpec().progress_deadline_seconds}`",
        ),
        ("`deployment.revision_history_limit`", f"`{DeploymentSpec().revision_history_limit}`"),
        (
            "`container.lifecycle`",
            f"preStop `sleep {defaults.PRE_STOP_SLEEP_SECONDS}` s on the app container",
        ),
        (
            "`deployment.termination_grace_period_seconds`",
            f"`None` (the API server's `{defaults.TERMINATION_GRACE_PERIOD_SECONDS}`)",
        ),
        ("`DisruptionBudget.max_unavailable`", f"`{DisruptionBudget().effective_max_unavailable}`"),
        (
            "`container.resources`",
            f"requests `cpu {Resources().cpu_request}`, `memory {Resources().memory_request}`; "
            f"limit `memory {Resources().memory_limit}`; no CPU limit",
        ),
        (
            "`Autoscaling`",
            f"`min_replicas {Autoscaling().min_replicas}`, `max_replicas "
            f"{Autoscaling().max_replicas}`, `cpu_utilization {Autoscaling().cpu_utilization}`",
        ),
        ("`security.pod_security`", f"`{Security().pod_security}`"),
        ("`security.run_as_non_root`", f"`{Security().run_as_non_root}`"),
        (
            "`security.run_as_user` / `run_as_group` / `fs_group`",
            "`None`"
            if (Security().run_as_user, Security().run_as_group, Security().fs_group)
            == (None, None, None)
            else "the defaults differ",
        ),
        (
            "`security.bind_low_ports`",
            "automatic" if Security().bind_low_ports is None else "changed",
        ),
        ("`security.sysctls`", "none" if not Security().sysctls else "changed"),
        ("`security.allow_privilege_escalation`", f"`{Security().allow_privilege_escalation}`"),
        (
            "`security.drop_capabilities`",
            f"`{list(Security().drop_capabilities)}`".replace("'", '"'),
        ),
        ("`security.seccomp_profile`", f"`{Security().seccomp_profile}`"),
        ("`security.read_only_root_filesystem`", f"`{Security().read_only_root_filesystem}`"),
        (
            "`security.automount_service_account_token`",
            f"`{Security().automount_service_account_token}`",
        ),
        ("`service.type`", f"`{ServiceSpec().type}`"),
        (
            "`service.session_affinity_timeout`",
            f"`{defaults.SESSION_AFFINITY_TIMEOUT}` (with `ClientIP`)",
        ),
        ("`service.node_port_range`", "`{}..{}`".format(*ServiceSpec().node_port_range)),
        ("`cluster_domain`", f"`{defaults.CLUSTER_DOMAIN}`"),
    ],
)
def test_the_defaults_table_matches_the_code(setting: str, actual: str) -> None:
    assert defaults_table()[setting] == actual


def test_the_spread_default_matches_the_code() -> None:
    args = WebAppArgs(
        container=Container(image="a:1", ports=[ContainerPort(port=80)]),
        deployment=DeploymentSpec(spread=Spread()),
    )
    spread = build_webapp("a", args).deployment["spec"]["template"]["spec"][
        "topologySpreadConstraints"
    ]
    row = defaults_table()["`Spread`"]
    assert f"`maxSkew {spread[0]['maxSkew']}`" in row
    assert f"`{spread[0]['whenUnsatisfiable']}`" in row
