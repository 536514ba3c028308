"""Every Python block in README.md and docs/*.md runs as written.

A block that defines ``test_*`` functions is run as a test: each one is called with a
fresh ``PulumiHarness`` in both modes (or the modes its ``pulumi_harness``
parametrization names), and checks that never ran fail it. Any other block runs as a
Pulumi program under the mocks, in preview and update mode, and everything it registers
must be schema-valid. Blocks marked ``python file=<path>`` are the files of the quickstart's
project, written out and run together below. ``python no-run`` marks a block that is
deliberately not runnable; there are none today, and there should stay few.
"""

from __future__ import annotations

import re
import runpy
import sys
from pathlib import Path
from typing import Any

import attrs
import pytest

from components import Container, ContainerPort, DeploymentSpec, SpecError, WebAppArgs
from components.testing import PulumiHarness, schema

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```([\w-]*)[ \t]*([^\n]*)\n(.*?)^```[ \t]*$", re.DOTALL | re.MULTILINE)
# The config the programs in the docs read (pulumi.Config().require_secret(...) and so on).
CONFIG = {
    "sessionKey": "s3cret",
    "orders_db_user": "orders",
    "orders_db_password": "hunter2",
    "canary_weight": "10",
}
SECRET_KEYS = ("sessionKey", "orders_db_user", "orders_db_password")
MAX_NO_RUN = 2


@attrs.frozen
class Block:
    page: Path
    line: int
    language: str
    options: str
    code: str

    def __str__(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def blocks() -> list[Block]:
    found = []
    for page in PAGES:
        text = page.read_text()
        for match in FENCE.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found.append(Block(page, line, match[1], match[2].strip(), match[3]))
    return found


PYTHON = [block for block in blocks() if block.language == "python"]
RUNNABLE = [block for block in PYTHON if not block.options]
PROJECT_FILES = [block for block in PYTHON if block.options.startswith("file=")]


def test_every_python_block_runs_or_is_marked_not_to() -> None:
    unknown = [
        f"{block}: {block.options!r}"
        for block in PYTHON
        if block.options and block.options != "no-run" and not block.options.startswith("file=")
    ]
    assert unknown == [], "a python block's only options are no-run and file=<path>"
    no_run = [str(block) for block in PYTHON if block.options == "no-run"]
    assert len(no_run) <= MAX_NO_RUN, f"too many blocks marked no-run: {no_run}"
    assert len(RUNNABLE) >= 8, "the docs' examples were not found"


@pytest.fixture(autouse=True)
def own_schema_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Schemas a block registers (``register_schema``) stay out of the other tests."""
    monkeypatch.setattr(schema, "DEFAULT_VALIDATOR", schema.SchemaValidator())


def harness_modes(test: Any) -> list[str]:
    for mark in getattr(test, "pytestmark", ()):
        if mark.name == "parametrize" and mark.args[0] == "pulumi_harness":
            return list(mark.args[1])
    return ["preview", "update"]


@pytest.mark.parametrize("block", RUNNABLE, ids=str)
def test_the_block_runs(block: Block) -> None:
    code = compile(block.code, str(block), "exec")
    if re.search(r"^def test_", block.code, re.MULTILINE):
        namespace: dict[str, Any] = {"__name__": "doc_snippet"}
        exec(code, namespace)
        tests = [value for name, value in namespace.items() if name.startswith("test_")]
        for test in tests:
            for mode in harness_modes(test):
                with PulumiHarness(preview=mode == "preview") as harness:
                    test(harness)
        return
    for preview in (True, False):
        with PulumiHarness(preview=preview) as harness:
            harness.run(
                lambda: exec(code, {"__name__": "__main__"}),
                config=CONFIG,
                secret_keys=SECRET_KEYS,
            )
            harness.validate_manifests()


def test_the_quickstart_project_runs_and_its_test_passes(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {block.options.removeprefix("file="): block.code for block in PROJECT_FILES}
    assert set(files) == {"shop_infra/__init__.py", "__main__.py", "tests/test_shop.py"}
    for name, code in files.items():
        path = pytester.path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(code)

    monkeypatch.syspath_prepend(str(pytester.path))
    try:
        for preview in (True, False):
            with PulumiHarness(preview=preview) as harness:
                harness.run(
                    lambda: runpy.run_path(str(pytester.path / "__main__.py"), run_name="__main__"),
                    project="shop",
                )
                harness.registry.one("kubernetes:core/v1:Namespace")
                deployment = harness.registry.one("kubernetes:apps/v1:Deployment")
                assert deployment.inputs["metadata"]["namespace"] == "shop"
                harness.validate_manifests()
    finally:
        sys.modules.pop("shop_infra", None)

    quiet = ["no:cacheprovider", "no:hypothesispytest", "no:typeguard"]
    options = [option for plugin in quiet for option in ("-p", plugin)]
    result = pytester.runpytest_inprocess(*options, "tests")
    result.assert_outcomes(passed=2)


def test_the_readmes_error_example_is_what_berth_prints() -> None:
    with pytest.raises(SpecError) as raised:
        WebAppArgs(
            container=Container(
                image="registry.example.com/shop:1.4.2",
                ports=[ContainerPort(port=80800, name="http")],
            ),
            deployment=DeploymentSpec(replicas=-1),
        )
    assert f"```\n{raised.value}\n```" in (ROOT / "README.md").read_text()


LINK = re.compile(r"\]\(([^)\s]+)\)")


def anchors(page: Path) -> set[str]:
    """GitHub's heading anchors: lowercase, punctuation dropped, spaces to '-'."""
    headings = re.findall(r"^#+ (.+)$", FENCE.sub("", page.read_text()), re.MULTILINE)
    return {
        re.sub(r"[^\w\- ]", "", heading).strip().lower().replace(" ", "-") for heading in headings
    }


def test_every_relative_link_in_the_docs_leads_somewhere() -> None:
    broken = []
    for page in PAGES:
        for target in LINK.findall(FENCE.sub("", page.read_text())):
            if re.match(r"[a-z]+:", target):
                continue
            file, _, anchor = target.partition("#")
            destination = (page.parent / file).resolve() if file else page
            if not destination.exists():
                broken.append(f"{page.relative_to(ROOT)}: {target}")
            elif anchor and destination.suffix == ".md" and anchor not in anchors(destination):
                broken.append(f"{page.relative_to(ROOT)}: {target} (no such heading)")
    assert broken == []


def test_the_testing_package_ships_the_testing_page() -> None:
    shipped = ROOT / "components" / "testing" / "README.md"
    assert shipped.read_text() == (ROOT / "docs" / "testing.md").read_text(), (
        "components/testing/README.md is a copy of docs/testing.md: cp docs/testing.md "
        "components/testing/README.md"
    )
