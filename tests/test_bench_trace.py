"""bench/trace.py cuts a `pulumi up` into phases from the CLI's gRPC log."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bench.trace import breakdown

STARTED = 1_764_590_000.0  # epoch seconds when the command was launched
ZERO = "0001-01-01T00:00:00Z"  # the engine logs no start time for the calls it serves
URN = "urn:pulumi:prod::berth::berth:index:WebApp$kubernetes:{kind}::{name}"


def at(seconds: float) -> str:
    """The log's RFC 3339 timestamp ``seconds`` after the launch (nanosecond digits)."""
    whole = int(STARTED + seconds)
    stamp = datetime.fromtimestamp(whole, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{stamp}.{round((STARTED + seconds - whole) * 1e9):09d}Z"


def call(method: str, start: float, end: float, **request: Any) -> list[dict[str, Any]]:
    return [
        {"method": method, "progress": "request_started", "timestamp": at(start)},
        {
            "method": method,
            "progress": "response_completed",
            "timestamp": at(end),
            "duration": round((end - start) * 1e9),
            "request": request,
        },
    ]


def served(method: str, end: float, **request: Any) -> list[dict[str, Any]]:
    return [
        {"method": method, "progress": "request_started", "timestamp": ZERO, "request": request},
        {
            "method": method,
            "progress": "response_completed",
            "timestamp": at(end),
            "duration": 2**63 - 1,
            "request": request,
        },
    ]


LOG = [
    *call("/pulumirpc.LanguageRuntime/GetPluginInfo", 0.2, 0.21),
    *call("/pulumirpc.LanguageRuntime/About", 0.21, 0.5),
    *call("/pulumirpc.LanguageRuntime/GetRequiredPackages", 0.55, 0.8),
    *served("/pulumirpc.ResourceMonitor/RegisterResource", 1.3, type="pulumi:pulumi:Stack"),
    *call("/pulumirpc.ResourceProvider/Handshake", 1.4, 1.41),
    *served("/pulumirpc.ResourceMonitor/RegisterResource", 1.8, type="pulumi:providers:kubernetes"),
    *call("/pulumirpc.ResourceProvider/Create", 1.9, 6.9, urn=URN.format(kind="apps/v1:Deployment", name="web")),
    *call("/pulumirpc.ResourceProvider/Create", 1.9, 2.0, urn=URN.format(kind="core/v1:Service", name="web")),
    *call("/pulumirpc.LanguageRuntime/Run", 0.81, 7.2),
]  # fmt: skip


def test_the_phases_follow_one_another_and_add_up_to_the_wall_time() -> None:
    result = breakdown(LOG, STARTED, wall=7.5)
    phases = list(result["phases"].values())
    assert abs(sum(phases) - 7.5) < 1e-6
    assert [round(p, 2) for p in phases] == [0.2, 0.61, 0.49, 0.1, 0.4, 5.1, 0.6]


def test_each_create_is_counted_by_kind_with_its_await() -> None:
    calls = breakdown(LOG, STARTED, wall=7.5)["provider_calls"]
    assert calls["Create Deployment"]["count"] == 1
    assert round(calls["Create Deployment"]["max"], 2) == 5.0
    assert calls["Create Deployment"]["slowest"] == "web"
    assert round(calls["Create Service"]["max"], 2) == 0.1


def test_the_language_hosts_python_calls_are_reported() -> None:
    result = breakdown(LOG, STARTED, wall=7.5)
    assert {k: round(v, 2) for k, v in result["language_host"].items()} == {
        "About": 0.29,
        "GetRequiredPackages": 0.25,
    }
    assert result["provider_processes"] == 1


def test_a_log_cut_short_still_gives_the_phases_it_has() -> None:
    result = breakdown(LOG[:6], STARTED, wall=1.0)
    assert abs(sum(result["phases"].values()) - 1.0) < 1e-6
