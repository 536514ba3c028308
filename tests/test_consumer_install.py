"""A consumer project installs berth-components from a path and runs its own pytest.

Many projects have a ``components`` package of their own (the layout Berth itself
uses). Only one package of that name can be imported in a process, so: when Berth's
is the one found, the ``pulumi_harness`` fixture works; when the project's own
shadows it, the plugin says so in one line and the rest of the run goes on; a
project that renames its package gets both.

Each case is a fresh virtualenv that sees this project's installed dependencies
(Pulumi, pytest) through a ``.pth`` line, with Berth installed into it by pip from a
copy of this source tree, offline (``--no-deps --no-build-isolation``).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.install

ROOT = Path(__file__).resolve().parents[1]
DISTRIBUTION = ("pyproject.toml", "README.md", "components", "berth_components_pytest")

PROGRAM_TEST = """
from components import Container, ContainerPort, WebApp, WebAppArgs
from components.testing import PulumiHarness


def test_webapp_registers_a_deployment(pulumi_harness: PulumiHarness) -> None:
    app = pulumi_harness.run(
        lambda: WebApp(
            "shop",
            WebAppArgs(container=Container(image="shop:1.0", ports=[ContainerPort(port=80)])),
        )
    )
    pulumi_harness.registry.one("kubernetes:apps/v1:Deployment")
    pulumi_harness.expect(app.namespace, lambda namespace: None)
    pulumi_harness.validate_manifests()  # the schemas ship with the distribution
"""


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtualenv with berth-components installed from a path, and nothing else of its own."""
    base = tmp_path_factory.mktemp("consumer-venv")
    source = base / "berth"
    for name in DISTRIBUTION:
        origin = ROOT / name
        if origin.is_dir():
            shutil.copytree(origin, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            source.mkdir(exist_ok=True)
            shutil.copy2(origin, source / name)
    env = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True)
    python = env / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # A path line, not a site directory: the project venv's own .pth files (its editable
    # install of Berth) are not processed, so only the copy installed below is Berth.
    Path(site, "project-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
         "--no-deps", "--no-build-isolation", "--no-index", str(source)],
        check=True,
    )  # fmt: skip
    return python


def make_project(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


def run_pytest(python: Path, project: Path, *options: str) -> subprocess.CompletedProcess[str]:
    # -P: what the `pytest` command does, not `python -m pytest` (which would put the
    # project directory first on sys.path).
    return subprocess.run(
        [str(python), "-P", "-m", "pytest", "-q", "-p", "no:cacheprovider", *options],
        check=False,
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
    )


def berth_lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    output = result.stdout + result.stderr
    return [line for line in output.splitlines() if line.startswith("berth-components:")]


def test_a_project_with_its_own_components_folder_runs_the_fixture(
    venv: Path, tmp_path: Path
) -> None:
    project = make_project(
        tmp_path,
        {
            "components/__init__.py": '"""The project\'s own components, not imported by its tests."""\n',
            "tests/test_program.py": PROGRAM_TEST,
        },
    )
    result = run_pytest(venv, project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout
    assert berth_lines(result) == []


def test_a_project_whose_components_shadows_berths_gets_one_line_and_a_working_run(
    venv: Path, tmp_path: Path
) -> None:
    project = make_project(
        tmp_path,
        {
            "pytest.ini": "[pytest]\npythonpath = .\n",
            "components/__init__.py": "GREETING = 'hello'\n",
            "tests/test_own.py": """
                from components import GREETING

                def test_own_package() -> None:
                    assert GREETING == "hello"
            """,
            # Asks for the fixture anyway: pytest's own error, for this test only.
            "tests/test_harness.py": """
                def test_program(pulumi_harness) -> None:
                    pass
            """,
        },
    )
    result = run_pytest(venv, project)
    output = result.stdout + result.stderr
    assert "1 passed, 1 error" in result.stdout, output
    assert "fixture 'pulumi_harness' not found" in result.stdout
    [line] = berth_lines(result)
    assert f"`components` here is {project.resolve() / 'components'}, not Berth's" in line
    assert "the pulumi_harness fixture is off; rename your own package" in line
    assert "Traceback" not in output
    assert "INTERNALERROR" not in output

    # The documented way to keep the plugin out altogether.
    result = run_pytest(venv, project, "-p", "no:berth")
    assert "1 passed, 1 error" in result.stdout
    assert berth_lines(result) == []


def test_a_project_that_renames_its_package_gets_both(venv: Path, tmp_path: Path) -> None:
    project = make_project(
        tmp_path,
        {
            "pytest.ini": "[pytest]\npythonpath = .\n",
            "acme_components/__init__.py": "GREETING = 'hello'\n",
            "tests/test_own.py": """
                from acme_components import GREETING

                def test_own_package() -> None:
                    assert GREETING == "hello"
            """,
            "tests/test_program.py": PROGRAM_TEST,
        },
    )
    result = run_pytest(venv, project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 passed" in result.stdout
    assert berth_lines(result) == []
