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
from components.webapp import TYPE as WEBAPP_TYPE


def registered(program: Callable[[], None]) -> tuple[list[tuple[str, str, Any, Any]], list[str]]:
    """The Kubernetes objects (type, name, inputs, timeouts), and the component types."""
    with PulumiHarness(preview=False) as harness:
        harness.run(program)
        records = [r for r in harness.registry if r.type.startswith("kubernetes:")]
        components = [r.type for r in harness.registry if r.is_component]
        objects = sorted(
            ((r.type, r.name, r.inputs, r.options.custom_timeouts) for r in records),
            key=lambda r: (r[0], r[1]),
        )
        return objects, components


@pytest.mark.parametrize("baseline", [programs.raw_webapps, programs.typed_webapps])
def test_baseline_registers_exactly_what_webapps_register(
    baseline: Callable[[int], Callable[[], None]],
) -> None:
    ours, _ = registered(programs.webapps(2))
    assert len(ours) == 4
    assert registered(baseline(2)) == (ours, [])


def test_floor_wraps_the_same_objects_in_one_bare_webapp_typed_component_per_app() -> None:
    ours, components = registered(programs.webapps(2))
    assert components == [WEBAPP_TYPE, WEBAPP_TYPE]
    assert registered(programs.floor_webapps(2)) == (ours, components)
