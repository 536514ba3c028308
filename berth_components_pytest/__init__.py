"""pytest entry point of berth-components: the ``pulumi_harness`` fixture, if it can work.

Loaded through the ``pytest11`` entry point from a module whose name no consumer
project uses, because the fixture lives in Berth's ``components`` package and many
projects have a ``components`` package of their own. Python can import only one
package by that name in a process; when ``components`` here is not Berth's, this
plugin says so in one line and registers nothing, so the rest of the test run goes
on. Nothing is imported from ``components`` until a test asks for the fixture:
a consumer's own ``components`` imported later by its tests is not shadowed by Berth's.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

__all__ = ["shadowing_problem"]

# The distribution installs this package next to Berth's `components` (in site-packages,
# or in the source tree for an editable install), so that is where Berth's must be.
_BERTH_COMPONENTS = Path(__file__).resolve().parent.parent / "components"
_HELP = (
    "rename your own package, or run its tests without berth-components (Berth's docs/testing.md)"
)


def _components_locations() -> list[Path] | None:
    """Where ``import components`` finds (or found) the package, without importing it."""
    module = sys.modules.get("components")
    if module is not None:
        found = list(getattr(module, "__path__", ()))
    else:
        spec = importlib.util.find_spec("components")
        if spec is None:
            return None
        found = list(spec.submodule_search_locations or ())
        if not found and spec.origin:
            found = [spec.origin]
    return [Path(location).resolve() for location in found]


def shadowing_problem() -> str | None:
    """One line saying why ``components`` here is not Berth's, or None when it is."""
    found = _components_locations()
    if found is None:
        return (
            "berth-components: no `components` package is importable, so the "
            "pulumi_harness fixture is off (reinstall berth-components)"
        )
    if _BERTH_COMPONENTS in found:
        return None
    where = ", ".join(str(location) for location in found) or "a namespace package"
    return (
        f"berth-components: `components` here is {where}, not Berth's "
        f"({_BERTH_COMPONENTS}), so the pulumi_harness fixture is off; {_HELP}"
    )


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    # Decided here rather than at import: by now the `pythonpath` setting and the
    # initial conftest.py files have put the project's own directories on sys.path.
    problem = shadowing_problem()
    if problem is None:
        from berth_components_pytest import fixture

        config.pluginmanager.register(fixture, "berth-components-fixture")
        return
    # A line rather than a warning: a project that turns warnings into errors
    # (filterwarnings = error) would otherwise have its whole run stopped.
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(problem)
    else:
        print(problem, file=sys.stderr)
