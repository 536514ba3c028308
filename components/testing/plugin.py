"""The ``pulumi_harness`` fixture, for ``-p components.testing.plugin`` or ``pytest_plugins``.

Installing berth-components registers it automatically through the ``pytest11``
entry point, :mod:`berth_components_pytest`, which is where it is defined: that
module's name cannot be shadowed by a consumer's own ``components`` package.
"""

from __future__ import annotations

from berth_components_pytest.fixture import pulumi_harness, pytest_runtest_call

__all__ = ["pulumi_harness", "pytest_runtest_call"]
