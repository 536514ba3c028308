"""docs/reference.md is generated from the code and must not go stale."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from components import ServiceSpec
from components._reference import render

REFERENCE = Path(__file__).resolve().parents[1] / "docs" / "reference.md"


def test_the_committed_reference_is_what_the_code_generates() -> None:
    generated = subprocess.run(
        [sys.executable, "-m", "components._reference"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert generated == REFERENCE.read_text(), (
        "docs/reference.md is stale: regenerate it with `make docs`"
    )


def row(field: str) -> str:
    [line] = [line for line in render().splitlines() if line.startswith(f"| `{field}` |")][:1]
    return line


def test_a_field_row_has_its_type_default_and_the_rule_the_check_reports() -> None:
    assert row("session_affinity_timeout") == (
        "| `session_affinity_timeout` | `int \\| None` | `None` "
        "| None, or an integer within 1..86400 |"
    )
    problems = ServiceSpec(session_affinity="ClientIP", session_affinity_timeout=90000).problems()
    assert [problem.allowed for problem in problems] == ["is not within 1..86400"]


def test_required_fields_say_so_and_nested_specs_show_their_constructor() -> None:
    assert row("image").split("|")[3].strip() == "required"
    assert "| `Security()` |" in row("security")
