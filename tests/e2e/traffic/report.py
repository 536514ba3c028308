"""The traffic report: tests/e2e/results/traffic.md and traffic.json.

Each measurement adds its figures as soon as it has them (so a run cut short still
leaves what it measured); an entry replaces the previous run's entry of the same key,
and entries a run did not repeat keep their own date and machine, which the report
shows. The Markdown is regenerated from the JSON on every write.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parents[1] / "results"

TITLES = {
    "1": "DNS discovery from inside a pod",
    "2": "ClusterIP, NodePort and LoadBalancer spread",
    "3": "Session affinity ClientIP",
    "4": "externalTrafficPolicy Local vs Cluster",
    "5": "Label-sliced canary weights",
    "6": "HTTPRoute weights and cohorts through the Gateway",
    "7": "Rolling update under steady load",
    "8": "Failed releases and rollback under load",
    "9": "Self-healing under load",
    "10": "Topology-aware routing",
}


NOTES = [
    "How each figure is got: requests from the host (its own address on the node bridge) or "
    "from a network namespace the suite creates (items 3 and 4), each on a new connection, "
    "to ClusterIPs, the node's address or the Gateway on 127.0.0.1; `ip route get` is "
    "checked first, so none can leave the machine.",
    "Item 7 asserts 0 failures only when Berth's pods carry a preStop hook (the default "
    "that the pod-containers work adds); without it the run is reported, not asserted.",
    "Item 10 uses the one real node (zone-a) and kwok pods in zone-b as the other zone's "
    "endpoints: it shows what the real node's kube-proxy programs and where requests land, "
    "not the fallback to another zone (kwok pods cannot answer).",
]


def machine() -> dict[str, Any]:
    """The machine a figure came from."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cores": os.cpu_count(),
        "cpu": model,
        "kernel": platform.release(),
        "python": platform.python_version(),
    }


def now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")


class Report:
    def __init__(self, directory: Path = RESULTS, context: Mapping[str, Any] | None = None) -> None:
        self.directory = directory
        self.json_path = directory / "traffic.json"
        self.md_path = directory / "traffic.md"
        self.context = dict(context or {})
        self.data: dict[str, Any] = {"entries": {}}
        if self.json_path.exists():
            self.data = json.loads(self.json_path.read_text())

    def add(
        self,
        key: str,
        item: str,
        lines: Sequence[str],
        figures: Mapping[str, Any] | None = None,
        outcome: str = "measured",
    ) -> None:
        """Record one measurement: ``lines`` for people, ``figures`` for machines.

        ``outcome`` is "measured" (asserted and passed so far), "failed" (an assertion
        failed on these figures), "reported" (evidence only, nothing asserted) or
        "not run" (``lines`` say why).
        """
        entry = {
            "item": item,
            "date": now(),
            "machine": {**machine(), **self.context},
            "outcome": outcome,
            # Other work shares the machine's cores: the load is part of every figure.
            "load_1min": round(os.getloadavg()[0], 2),
            "lines": list(lines),
            "figures": dict(figures or {}),
        }
        self.data["entries"][key] = entry
        print(f"\n[traffic {item}] {key}: " + "\n  ".join(lines))
        self.write()

    def write(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.json_path.write_text(json.dumps(self.data, indent=1, sort_keys=True) + "\n")
        self.md_path.write_text(self.markdown())

    def markdown(self) -> str:
        entries: dict[str, Any] = self.data["entries"]
        out = [
            "# Traffic on the real node: measured figures",
            "",
            "Written by the traffic tests (`make e2e-traffic`, also part of `make e2e`; "
            "tests/e2e/traffic/). Each request opens its own connection; shares are checked "
            "against exact binomial bounds at 1e-6 false-failure probability per check "
            "(tests/e2e/traffic/stats.py). Each entry names the run it came from.",
            "",
        ]
        machines = {json.dumps(e["machine"], sort_keys=True) for e in entries.values()}
        for m in sorted(machines):
            described = json.loads(m)
            out.append(
                "- Machine: "
                + ", ".join(f"{k} {v}" for k, v in sorted(described.items()) if v not in ("", None))
            )
        if machines:
            out.append("")
        for item, title in TITLES.items():
            mine = sorted(
                ((k, e) for k, e in entries.items() if e["item"] == item), key=lambda kv: kv[0]
            )
            out += [f"## {item}. {title}", ""]
            if not mine:
                out += ["Not measured yet.", ""]
                continue
            for key, entry in mine:
                load = entry.get("load_1min")
                at = f", load {load}" if load is not None else ""
                out.append(f"**{key}** ({entry['outcome']}, {entry['date']}{at})")
                out.append("")
                out += [f"- {line}" for line in entry["lines"]]
                out.append("")
        out += ["## Notes", "", *[f"- {n}" for n in NOTES], ""]
        return "\n".join(out)
