"""Type checkers see what the inputs require: the README's promise of typed inputs.

mypy (strict, with ``warn_unused_ignores``) must accept ``typing/right_calls.py`` and
report, on every line of ``typing/wrong_calls.py``, the error code written there.
"""

from __future__ import annotations

from pathlib import Path

from mypy import api

HERE = Path(__file__).parent / "typing"


def run_mypy(path: Path) -> tuple[str, int]:
    out, err, status = api.run(
        ["--strict", "--warn-unused-ignores", "--no-error-summary", "--show-error-codes", str(path)]
    )
    return out + err, status


def test_right_calls_pass_mypy_strict() -> None:
    report, status = run_mypy(HERE / "right_calls.py")
    assert report == ""
    assert status == 0


def test_every_wrong_call_is_an_error_mypy_reports() -> None:
    report, status = run_mypy(HERE / "wrong_calls.py")
    assert report == "", "a mistake mypy no longer reports (or reports otherwise)"
    assert status == 0
    flagged = [
        line
        for line in (HERE / "wrong_calls.py").read_text().splitlines()
        if "type: ignore[" in line
    ]
    assert len(flagged) >= 15
