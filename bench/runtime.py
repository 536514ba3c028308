"""A minimal Pulumi mocks runtime, independent of components.testing.

The benchmark keeps its own few lines of mocks so that a change to the public test
harness can never change what is measured, and so that both programs (raw and
components) are driven by exactly the same loop and wait the same way: through the
SDK's own ``run_pulumi_func``, which returns once every registration and every
Output the program started has finished.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import pulumi
from pulumi.runtime.stack import run_pulumi_func

K8S_PREFIX = "kubernetes:"


class BenchMocks(pulumi.runtime.Mocks):
    """Echo the inputs back as state, naming autonamed objects as the provider would.

    Filling ``metadata.name`` matters: components read it (Service DNS name, the
    autoscaler's target), and an Output that resolves to None would skip real work.
    """

    def __init__(self, *, record: bool = False) -> None:
        self.kubernetes_objects = 0
        self.components = 0
        self.records: list[tuple[str, str, dict[str, Any]]] | None = [] if record else None

    def new_resource(
        self, args: pulumi.runtime.MockResourceArgs
    ) -> tuple[str | None, dict[Any, Any]]:
        if args.typ == "pulumi:pulumi:StackReference":
            # The stack's reference to its own last deployment (components/cluster.py):
            # a first deployment, nothing recorded.
            return args.name, {"name": args.name, "outputs": {}, "secretOutputNames": []}
        if not args.typ.startswith(K8S_PREFIX):
            self.components += 1
            return None, {}
        if args.resource_id:
            # A read (the kube-system Namespace that names the cluster): not ours to apply.
            return args.resource_id, {
                "metadata": {"name": args.resource_id, "uid": "bench-cluster-uid"}
            }
        self.kubernetes_objects += 1
        state = dict(args.inputs)
        meta = state.get("metadata")
        if isinstance(meta, dict) and "name" not in meta:
            state["metadata"] = {**meta, "name": f"{args.name}-bench00"}
        if self.records is not None:
            self.records.append((args.typ, args.name, dict(args.inputs)))
        return f"{args.name}-id", state

    def call(
        self, args: pulumi.runtime.MockCallArgs
    ) -> tuple[dict[Any, Any], list[tuple[str, str]] | None]:
        return {}, None


def evaluate(
    program: Callable[[], None], mocks: BenchMocks, *, preview: bool, project: str = "bench"
) -> float:
    """Run ``program`` under ``mocks`` and return the seconds until everything settled."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    elapsed: list[float] = []

    async def main() -> None:
        pulumi.runtime.set_mocks(mocks, project=project, stack="bench", preview=preview)
        start = time.perf_counter()
        await run_pulumi_func(program)
        elapsed.append(time.perf_counter() - start)

    try:
        loop.run_until_complete(main())
    finally:
        asyncio.set_event_loop(None)
        loop.close()
    return elapsed[0]
