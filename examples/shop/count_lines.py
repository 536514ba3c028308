"""Count the lines of this program against the same objects written as YAML.

Runs `__main__.py` with the dev stack's config under Berth's mocks harness (no cluster, no
Pulumi CLI), takes every Kubernetes object it registers as the program sent it, and
writes them as the YAML one would otherwise keep by hand. `--yaml` prints that YAML
(secret values masked); without it, the two counts, as the README quotes them:

    python count_lines.py          # from examples/shop, in a venv with requirements.txt
"""

from __future__ import annotations

import argparse
import ast
import io
import json
import runpy
import tokenize
from pathlib import Path
from typing import Any

import yaml

from components.testing import PulumiHarness

HERE = Path(__file__).resolve().parent
PROGRAM = HERE / "__main__.py"
STACK = "dev"
MASK = "<secret>"


def stack_config(stack: str = STACK) -> dict[str, str]:
    """The stack file's config as Pulumi hands it to a program; secure values masked."""
    project = yaml.safe_load((HERE / "Pulumi.yaml").read_text())["name"]
    config = yaml.safe_load((HERE / f"Pulumi.{stack}.yaml").read_text())["config"]
    values: dict[str, str] = {}
    for key, value in config.items():
        full = key if ":" in key else f"{project}:{key}"
        if isinstance(value, dict) and set(value) == {"secure"}:
            values[full] = MASK
        else:
            values[full] = value if isinstance(value, str) else json.dumps(value)
    return values


def _masked(value: Any, secret_paths: frozenset[str], path: str = "", secret: bool = False) -> Any:
    """``value`` with every leaf under a secret path replaced by a mask (same shape)."""
    secret = secret or path in secret_paths
    if isinstance(value, dict):
        return {
            k: _masked(v, secret_paths, f"{path}.{k}" if path else k, secret)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_masked(v, secret_paths, f"{path}[{i}]", secret) for i, v in enumerate(value)]
    return MASK if secret else value


def _by_hand(inputs: dict[str, Any], name: str | None) -> dict[str, Any]:
    """The object as one would write it: the usual key order, a fixed name, and none of the
    annotations that only tell Pulumi's provider how to apply it."""
    metadata = dict(inputs.get("metadata") or {})
    metadata = {"name": metadata.pop("name", name), **metadata}
    annotations = {
        k: v
        for k, v in (metadata.pop("annotations", None) or {}).items()
        if not k.startswith("pulumi.com/")
    }
    if annotations:
        metadata["annotations"] = annotations
    rest = {k: v for k, v in inputs.items() if k not in ("apiVersion", "kind", "metadata")}
    return {
        "apiVersion": inputs["apiVersion"],
        "kind": inputs["kind"],
        "metadata": metadata,
        **rest,
    }


def objects(stack: str = STACK) -> list[dict[str, Any]]:
    """Every Kubernetes object the program registers, in registration order.

    Names Pulumi generates (a Deployment's, a ConfigMap's) are the mocks' stand-ins:
    written by hand they would be fixed names of the same length.
    """
    project = yaml.safe_load((HERE / "Pulumi.yaml").read_text())["name"]
    with PulumiHarness(preview=False) as harness:
        harness.run(
            lambda: runpy.run_path(str(PROGRAM), run_name="__main__"),
            config=stack_config(stack),
            project=project,
            stack=stack,
        )
        found = []
        for record in harness.registry:
            if not record.custom or record.read or not record.type.startswith("kubernetes:"):
                continue
            inputs = _masked(dict(record.inputs), record.secret_inputs)
            found.append(_by_hand(inputs, (record.outputs.get("metadata") or {}).get("name")))
        return found


def as_yaml(manifests: list[dict[str, Any]]) -> str:
    return yaml.safe_dump_all(manifests, sort_keys=False, default_flow_style=False)


def code_lines(source: str) -> int:
    """Lines holding code: no blank lines, comments or the module's docstring."""
    tree = ast.parse(source)
    skip: set[int] = set()
    doc = tree.body[0] if tree.body else None
    if isinstance(doc, ast.Expr) and isinstance(doc.value, ast.Constant):
        skip.update(range(doc.lineno, (doc.end_lineno or doc.lineno) + 1))
    lines = {
        row
        for token in tokenize.generate_tokens(io.StringIO(source).readline)
        if token.type
        not in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT)
        and token.type != tokenize.ENDMARKER
        for row in range(token.start[0], token.end[0] + 1)
    }
    return len(lines - skip)


def report(stack: str = STACK) -> str:
    manifests = objects(stack)
    yaml_lines = len(as_yaml(manifests).splitlines())
    python_lines = code_lines(PROGRAM.read_text())
    return (
        f"Python (`__main__.py`, code lines): {python_lines}\n"
        f"YAML (the same {len(manifests)} objects): {yaml_lines}\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--yaml", action="store_true", help="print the objects as YAML")
    parser.add_argument("--stack", default=STACK)
    options = parser.parse_args()
    print(as_yaml(objects(options.stack)) if options.yaml else report(options.stack), end="")


if __name__ == "__main__":
    main()
