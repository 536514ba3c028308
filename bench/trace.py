"""Where the time of one ``pulumi up``/``preview`` goes, read from the CLI's gRPC log.

``PULUMI_DEBUG_GRPC=<file>`` makes the CLI write one JSON line per gRPC request and
response it sees: the language host's calls (``About``, ``GetRequiredPackages``,
``Run``), every provider call (``Check``, ``Diff``, ``Create`` ... with the resource's
URN) and the program's calls into the engine (``RegisterResource``). Responses carry a
timestamp and, for calls the CLI makes, their duration. :func:`breakdown` cuts the wall
time of the command into consecutive phases from those marks and sums the provider calls
by kind, so a phase that grows shows which part (CLI, language host, program, cluster
binding, provider, awaits) it is. No clock of the program's own is needed.

A provider ``Create`` lasts from the API request until the provider's await is done
(the rollout, the Service's endpoints...), so its duration per kind is that kind's await
plus one API call.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

PROVIDER = "/pulumirpc.ResourceProvider/"
LANGUAGE = "/pulumirpc.LanguageRuntime/"
MONITOR = "/pulumirpc.ResourceMonitor/"
# Calls the engine serves (the program's) log no start time and no real duration.
_NO_DURATION = 10**15
RESOURCE_OPS = ("Create", "Update", "Diff", "Delete", "Read")


def _epoch(stamp: str) -> float | None:
    if not stamp or stamp.startswith("0001-"):
        return None
    date, _, rest = stamp.partition(".")
    if not rest:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
    digits = "".join(c for c in rest if c.isdigit())
    zone = rest[len(digits) :].replace("Z", "+00:00") or "+00:00"
    whole = datetime.fromisoformat(date + zone).timestamp()
    return whole + float("0." + digits)


def _kind(urn: str) -> tuple[str, str]:
    """``urn:pulumi:s::p::parent$kubernetes:apps/v1:Deployment::web`` → (Deployment, web)."""
    parts = urn.split("::")
    if len(parts) < 4:
        return "", urn
    token = parts[2].split("$")[-1]
    return token.rsplit(":", 1)[-1], parts[3]


def read(path: Path) -> list[dict[str, Any]]:
    rows = []
    for line in path.read_text().splitlines():
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            continue  # a line cut short by the process exiting
    return rows


def breakdown(rows: Iterable[dict[str, Any]], started: float, wall: float) -> dict[str, Any]:
    """Phases (seconds, consecutive, summing to ``wall``) and provider calls by kind.

    ``started`` is the epoch time the command was launched, ``wall`` its wall time.
    """
    calls: list[dict[str, Any]] = []
    for row in rows:
        if row.get("progress") != "response_completed":
            continue
        end = _epoch(str(row.get("timestamp", "")))
        if end is None:
            continue
        duration = row.get("duration")
        own = isinstance(duration, int | float) and 0 <= duration < _NO_DURATION
        took = float(duration) / 1e9 if own and duration is not None else None
        request = row.get("request") or {}
        calls.append(
            {
                "method": str(row.get("method", "")),
                "end": end - started,
                "start": None if took is None else end - took - started,
                "request": request if isinstance(request, dict) else {},
            }
        )

    def first(method: str, **match: str) -> dict[str, Any] | None:
        for call in calls:
            if call["method"].endswith(method) and all(
                call["request"].get(k) == v for k, v in match.items()
            ):
                return call
        return None

    marks: list[tuple[str, float | None]] = []
    first_language = next((c for c in calls if c["method"].startswith(LANGUAGE)), None)
    run = first(LANGUAGE + "Run")
    stack = first(MONITOR + "RegisterResource", type="pulumi:pulumi:Stack")
    handshakes = [c for c in calls if c["method"] == PROVIDER + "Handshake"]
    providers = [
        c
        for c in calls
        if c["method"] == MONITOR + "RegisterResource"
        and str(c["request"].get("type", "")).startswith("pulumi:providers:")
    ]
    resource_ops = [
        c
        for c in calls
        if c["method"].startswith(PROVIDER)
        and c["method"].rsplit("/", 1)[-1] in RESOURCE_OPS
        and "providers:" not in str(c["request"].get("urn", ""))
    ]
    last_op = max((c["end"] for c in resource_ops), default=None)
    marks = [
        ("CLI start-up, until it first calls the language host", _start(first_language)),
        ("language host: About + GetRequiredPackages (each runs Python)", _start(run)),
        (
            "Python start-up, SDK and program imports, until the root Stack is registered",
            stack["end"] if stack else None,
        ),
        (
            "program evaluation, until the first provider process starts",
            handshakes[0]["start"] if handshakes else None,
        ),
        (
            "cluster binding: providers started and configured, kube-system read",
            max(c["end"] for c in providers) if providers else None,
        ),
        ("resources: registrations, check/diff, API calls, awaits", last_op),
        ("program exit, state saved, CLI exit", wall),
    ]
    phases: dict[str, float] = {}
    previous = 0.0
    for label, mark in marks:
        if mark is None:
            continue
        at = min(max(mark, previous), wall)
        phases[label] = at - previous
        previous = at

    by_kind: dict[str, dict[str, Any]] = {}
    for call in resource_ops:
        if call["start"] is None:
            continue
        op = call["method"].rsplit("/", 1)[-1]
        kind, name = _kind(str(call["request"].get("urn", "")))
        entry = by_kind.setdefault(f"{op} {kind}", {"durations": [], "slowest": ""})
        seconds = call["end"] - call["start"]
        if not entry["durations"] or seconds > max(entry["durations"]):
            entry["slowest"] = name
        entry["durations"].append(seconds)
    kinds = {
        key: {
            "count": len(v["durations"]),
            "median": statistics.median(v["durations"]),
            "max": max(v["durations"]),
            "sum": sum(v["durations"]),
            "slowest": v["slowest"],
        }
        for key, v in sorted(by_kind.items())
    }
    language = {
        c["method"].rsplit("/", 1)[-1]: c["end"] - c["start"]
        for c in calls
        if c["method"].startswith(LANGUAGE)
        and c["start"] is not None
        and c["method"].rsplit("/", 1)[-1] in ("About", "GetRequiredPackages")
    }
    registrations = sum(1 for c in calls if c["method"] == MONITOR + "RegisterResource")
    return {
        "phases": phases,
        "provider_calls": kinds,
        "language_host": language,
        "registrations": registrations,
        "provider_processes": len(handshakes),
    }


def _start(call: dict[str, Any] | None) -> float | None:
    if call is None:
        return None
    start: float | None = call["start"] if call["start"] is not None else call["end"]
    return start
