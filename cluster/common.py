"""What every part shares: the error type, progress messages and part timings."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

T0 = time.monotonic()


class ClusterError(Exception):
    """A failure the user can act on; the CLI prints it without a traceback."""


def say(msg: str) -> None:
    print(f"[cluster {time.monotonic() - T0:6.1f}s] {msg}", flush=True)


@contextmanager
def timed(part: str) -> Iterator[None]:
    """Print how long a part took to start, so slow parts show up in every log."""
    t = time.monotonic()
    yield
    say(f"{part} started in {time.monotonic() - t:.1f}s")
