"""Type checkers see what the inputs require: the README's promise of typed inputs.

mypy (strict, with ``warn_unused_ignores``) and pyright must accept ``typing/right_calls.py`` and
report, on every line of ``typing/wrong_calls.py``, the error code written there.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
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


def test_pyright_reports_every_wrong_call_and_accepts_the_right_ones(tmp_path: Path) -> None:
    # Ignore comments are switched off, so pyright must report each marked line itself.
    repo = HERE.parent.parent
    config = {"extraPaths": [str(repo)], "enableTypeIgnoreComments": False}
    (tmp_path / "pyrightconfig.json").write_text(json.dumps(config))
    for name in ("right_calls.py", "wrong_calls.py"):
        shutil.copy(HERE / name, tmp_path / name)
    pyright = Path(sys.executable).parent / "pyright"
    result = subprocess.run(
        [str(pyright), "--outputjson", "--pythonpath", sys.executable, "-p", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    report = json.loads(result.stdout)
    errors: dict[str, set[int]] = {}
    for diagnostic in report["generalDiagnostics"]:
        if diagnostic["severity"] == "error":
            line = diagnostic["range"]["start"]["line"] + 1
            errors.setdefault(Path(diagnostic["file"]).name, set()).add(line)
    lines = (HERE / "wrong_calls.py").read_text().splitlines()
    marked = {i for i, line in enumerate(lines, start=1) if "type: ignore[" in line}
    assert "right_calls.py" not in errors, report["generalDiagnostics"]
    assert errors["wrong_calls.py"] == marked
