"""The benchmark's hand-written baselines must register what WebApp registers.

`make bench` checks this before timing, but it runs rarely; this catches a change to
WebApp's manifests that the baselines in bench/programs.py were not given, which would
make every ratio in the report compare different work.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bench import programs
from components.testing import PulumiHarness


def registered(program: Callable[[], None]) -> list[tuple[str, str, Any, Any]]:
    with PulumiHarness(preview=False) as harness:
        harness.run(program)
        records = [r for r in harness.registry if not r.is_component]
        return sorted(
            ((r.type, r.name, r.inputs, r.options.custom_timeouts) for r in records),
            key=lambda r: (r[0], r[1]),
        )


@pytest.mark.parametrize(
    "baseline", [programs.raw_webapps, programs.typed_webapps, programs.floor_webapps]
)
def test_baseline_registers_exactly_what_webapps_register(
    baseline: Callable[[int], Callable[[], None]],
) -> None:
    ours = registered(programs.webapps(2))
    assert len(ours) == 4
    assert registered(baseline(2)) == ours
