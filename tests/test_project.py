"""Facts about the project itself that users read: its version, its make targets."""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

import components

ROOT = Path(__file__).resolve().parents[1]


def test_the_version_is_the_distributions_and_the_changelog_has_it() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["name"] == "berth-components"
    assert components.__version__ == project["version"]
    headings = re.findall(r"^## (\S+)", (ROOT / "CHANGELOG.md").read_text(), re.MULTILINE)
    assert headings[0] == project["version"], "the newest CHANGELOG entry is this version"


def test_make_help_lists_every_target() -> None:
    makefile = (ROOT / "Makefile").read_text()
    targets = {
        name
        for line in re.findall(r"^([a-z0-9][a-z0-9 -]*):(?!=)", makefile, re.MULTILINE)
        for name in line.split()
    }
    listed = subprocess.run(
        ["make", "-s", "--no-print-directory", "help"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    shown = {line.split("\t")[0] for line in listed.splitlines()}
    assert "e2e" in shown
    assert targets == shown


def test_every_phony_target_has_a_recipe_or_prerequisites() -> None:
    makefile = (ROOT / "Makefile").read_text()
    phony = {
        name
        for line in re.findall(r"^\.PHONY:(.*)$", makefile, re.MULTILINE)
        for name in line.split()
    }
    defined = {
        name
        for line in re.findall(r"^([a-z0-9][a-z0-9 -]*):(?!=)", makefile, re.MULTILINE)
        for name in line.split()
    }
    assert phony <= defined, f"declared .PHONY but never defined: {sorted(phony - defined)}"
