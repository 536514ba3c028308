"""Where evaluation time goes: ``python -m bench.profile --program webapps --n 500``.

cProfile sees only the thread it is enabled in, and Pulumi hands every registration
to executor threads (where the mock monitor serialises and deserialises), so a
profiler is started in each new thread too and all of them are merged. Self time is
then summed per package, which is what tells our code's share from the SDK's.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

# First match wins: more specific prefixes before their parents.
BUCKETS: tuple[tuple[str, str], ...] = (
    ("/components/manifests/", "components.manifests (ours)"),
    ("/components/inputs/", "components.inputs (ours)"),
    ("/components/", "components (ours: webapp, canary, register)"),
    ("/bench/", "bench (program, mocks)"),
    ("/pulumi_kubernetes/", "pulumi_kubernetes"),
    ("/pulumi/runtime/mocks", "pulumi mocks monitor"),
    ("/pulumi/runtime/rpc", "pulumi rpc (serialise)"),
    ("/pulumi/runtime/resource", "pulumi runtime.resource"),
    ("/pulumi/runtime/", "pulumi runtime (other)"),
    ("/pulumi/output", "pulumi Output"),
    ("/pulumi/", "pulumi (other)"),
    ("/google/protobuf/", "protobuf"),
    ("/grpc/", "grpc"),
    ("/asyncio/", "asyncio"),
    ("/concurrent/", "thread pool"),
    ("/threading", "threading"),
    ("/contextvars", "asyncio"),
)
# Built-ins where a thread sits idle: executor workers waiting for work, the event
# loop waiting for a worker, lock hand-offs. Idle time, not work.
IDLE = ("'get' of '_queue.SimpleQueue'", "'poll' of 'select.epoll'", "'acquire' of", "sleep")
IDLE_BUCKET = "(idle: threads and event loop waiting)"


def bucket(filename: str, function: str) -> str:
    if filename == "~":
        return IDLE_BUCKET if any(mark in function for mark in IDLE) else "builtins"
    for prefix, name in BUCKETS:
        if prefix in filename:
            return name
    return "other (stdlib, typing, importlib)"


def by_package(stats: pstats.Stats) -> list[tuple[str, float]]:
    totals: dict[str, float] = defaultdict(float)
    raw: dict[tuple[str, int, str], tuple[Any, ...]] = stats.stats  # type: ignore[attr-defined]
    for (filename, _, function), (_, _, tottime, _, _) in raw.items():
        totals[bucket(filename, function)] += tottime
    return sorted(totals.items(), key=lambda item: -item[1])


def profile(program_name: str, n: int, out: Path, top: int) -> str:
    from bench import programs
    from bench.runtime import BenchMocks, evaluate

    builders = {
        "raw": programs.raw_webapps,
        "typed": programs.typed_webapps,
        "floor": programs.floor_webapps,
        "webapps": programs.webapps,
        "mix": programs.mix,
    }
    program = builders[program_name](n)
    import pulumi_kubernetes.apps.v1
    import pulumi_kubernetes.core.v1  # noqa: F401

    profilers: list[cProfile.Profile] = []
    lock = threading.Lock()

    def start_in_thread(*_: Any) -> None:
        sys.setprofile(None)
        thread_profiler = cProfile.Profile()
        with lock:
            profilers.append(thread_profiler)
        thread_profiler.enable()

    threading.setprofile(start_in_thread)
    main = cProfile.Profile()
    started = time.perf_counter()
    main.enable()
    seconds = evaluate(program, BenchMocks(), preview=False)
    main.disable()
    wall = time.perf_counter() - started
    threading.setprofile(None)

    text = io.StringIO()
    stats = pstats.Stats(main, stream=text)
    for thread_profiler in profilers:
        stats.add(thread_profiler)
    packages = by_package(stats)
    busy = sum(sec for name, sec in packages if name != IDLE_BUCKET)
    lines = [
        f"# profile: {program_name}, N = {n}: evaluation {seconds:.2f} s under cProfile "
        f"(wall {wall:.2f} s), {len(profilers) + 1} threads merged",
        "",
        "self time by package, all threads; % of busy (non-idle) time:",
        "",
    ]
    lines += [
        f"  {name:<48} {sec:8.2f} s  "
        + (f"{100 * sec / busy:5.1f} %" if name != IDLE_BUCKET else "   -")
        for name, sec in packages
    ]
    lines.append("")
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(r"components/", top)
    report = "\n".join(lines) + "\n" + text.getvalue()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile")
    parser.add_argument(
        "--program", default="webapps", choices=["raw", "typed", "floor", "webapps", "mix"]
    )
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--out", type=Path)
    opts = parser.parse_args(argv)
    out = opts.out or Path(__file__).parent / "results" / f"profile-{opts.program}-{opts.n}.txt"
    print(profile(opts.program, opts.n, out, opts.top))
    print(f"\nfull profile: {out}")


if __name__ == "__main__":
    main()
