"""The ``pulumi_harness`` fixture (registered by :mod:`berth_components_pytest`).

Pulumi and Berth's ``components`` are imported only when a test asks for the
fixture, keeping unrelated test runs fast and a consumer's own ``components``
package importable by its tests until then.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import TYPE_CHECKING

import pytest

from berth_components_pytest import shadowing_problem

if TYPE_CHECKING:
    from components.testing.harness import PulumiHarness

__all__ = ["pulumi_harness"]

_MODES = ("preview", "update")
_HARNESS_KEY = pytest.StashKey["PulumiHarness"]()


@pytest.fixture(params=[pytest.param(mode, id=mode) for mode in _MODES])
def pulumi_harness(request: pytest.FixtureRequest) -> Iterator[PulumiHarness]:
    """A :class:`~components.testing.harness.PulumiHarness`, once per mode.

    Every test using it runs twice, ids ``[preview]`` and ``[update]``. To run
    in one mode only, parametrize it indirectly::

        @pytest.mark.parametrize("pulumi_harness", ["update"], indirect=True)

    After the test body passes, checks registered with ``harness.expect``
    that never ran fail the test.
    """
    # A test module may have imported the project's own `components` since startup.
    problem = shadowing_problem()
    if problem is not None:
        pytest.fail(problem, pytrace=False)
    from components.testing.harness import PulumiHarness

    mode = request.param
    if mode not in _MODES:
        raise ValueError(f"pulumi_harness mode must be one of {_MODES}, not {mode!r}")
    harness = PulumiHarness(preview=mode == "preview")
    request.node.stash[_HARNESS_KEY] = harness
    try:
        yield harness
    finally:
        harness.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    # Checked here rather than in fixture teardown so a check that never ran
    # fails the test itself instead of being reported as a teardown error.
    result = yield
    harness = item.stash.get(_HARNESS_KEY, None)
    if harness is not None:
        harness.verify_expectations()
    return result
