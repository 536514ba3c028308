"""The traffic client: sends a bounded number of HTTP requests and records where each landed.

Bounded in count and in time, and only to loopback and to private addresses the caller
names (the cluster's own pod, Service and node addresses): a target outside those is
refused before any packet is sent. Each request opens its own connection unless asked
otherwise, so kube-proxy balances every request, not one connection.

Run in-process (:func:`send`, :class:`Load`) or as ``python -m tests.e2e.traffic.client``
inside a network namespace the suite created (``ip netns exec NS ...``; see
:func:`send_in_netns`), which prints the run as JSON on stdout.
"""

from __future__ import annotations

import argparse
import http.client
import ipaddress
import json
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import FrameType
from typing import Any

import attrs

# Hard ceilings, whatever a caller asks for.
MAX_REQUESTS = 20_000
MAX_SECONDS = 600.0
MAX_CONCURRENCY = 64
LOOPBACK = ("127.0.0.0/8", "::1/128")


class TargetRefusedError(ValueError):
    """A target outside the allowed addresses (nothing was sent)."""


def check_target(host: str, allow: Iterable[str] = ()) -> None:
    """Refuse ``host`` unless it is an IP literal on loopback or in ``allow`` (private nets only)."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise TargetRefusedError(
            f"{host!r}: the client takes IP addresses only, not names"
        ) from None
    networks = [ipaddress.ip_network(n, strict=False) for n in (*LOOPBACK, *allow)]
    for net in networks:
        if not (net.is_private or net.is_loopback):
            raise TargetRefusedError(f"{net}: only loopback and private networks may be allowed")
    if not any(address in net for net in networks):
        raise TargetRefusedError(
            f"{host}: not on loopback nor in the allowed networks {[str(n) for n in networks]}"
        )


@attrs.frozen
class Target:
    host: str
    port: int
    path: str = "/"
    headers: Mapping[str, str] = attrs.field(factory=dict)


@attrs.frozen
class Outcome:
    """One request: when it was sent (seconds since the run started) and what came back."""

    sent: float
    seconds: float
    status: int | None
    error: str | None = None
    answer: Mapping[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    def field(self, name: str) -> str | None:
        value = (self.answer or {}).get(name)
        return None if value is None else str(value)


@attrs.frozen
class Run:
    """Every request of one run, in the order they were sent."""

    outcomes: tuple[Outcome, ...]
    elapsed: float

    @property
    def total(self) -> int:
        return len(self.outcomes)

    @property
    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.ok]

    @property
    def ok(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.ok]

    def count(self, name: str) -> Counter[str]:
        """How many successful answers carried each value of ``name`` (pod, track, zone...)."""
        return Counter(o.field(name) or "" for o in self.ok)

    def rate(self) -> float:
        return self.total / self.elapsed if self.elapsed > 0 else 0.0

    def failure_summary(self) -> Counter[str]:
        return Counter(o.error or f"HTTP {o.status}" for o in self.failures)

    def to_json(self) -> dict[str, Any]:
        return {"elapsed": self.elapsed, "outcomes": [attrs.asdict(o) for o in self.outcomes]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Run:
        return cls(tuple(Outcome(**o) for o in data["outcomes"]), float(data["elapsed"]))


def request_once(
    target: Target, timeout: float, conn: http.client.HTTPConnection | None
) -> Outcome:
    started = time.monotonic()
    own = conn is None
    connection = conn or http.client.HTTPConnection(target.host, target.port, timeout=timeout)
    try:
        connection.request("GET", target.path, headers=dict(target.headers))
        response = connection.getresponse()
        body = response.read()
        answer: Mapping[str, Any] | None = None
        try:
            parsed = json.loads(body)
            answer = parsed if isinstance(parsed, dict) else None
        except ValueError:
            answer = None
        return Outcome(0.0, time.monotonic() - started, response.status, None, answer)
    except (OSError, http.client.HTTPException) as error:
        connection.close()
        return Outcome(0.0, time.monotonic() - started, None, type(error).__name__ + f": {error}")
    finally:
        if own:
            connection.close()


class Load:
    """Requests to one target at a steady rate (or as fast as ``concurrency`` allows)
    until ``count`` requests, ``seconds`` or :meth:`stop`, whichever comes first."""

    def __init__(
        self,
        target: Target,
        *,
        count: int | None = None,
        seconds: float | None = None,
        rate: float | None = None,
        concurrency: int = 4,
        timeout: float = 2.0,
        keepalive: bool = False,
        allow: Sequence[str] = (),
    ) -> None:
        check_target(target.host, allow)
        if count is None and seconds is None:
            raise ValueError("give count or seconds: the client never runs unbounded")
        if count is not None and not 1 <= count <= MAX_REQUESTS:
            raise ValueError(f"count {count}: must be 1..{MAX_REQUESTS}")
        if seconds is not None and not 0 < seconds <= MAX_SECONDS:
            raise ValueError(f"seconds {seconds}: must be in (0, {MAX_SECONDS}]")
        if rate is not None and rate <= 0:
            raise ValueError(f"rate {rate}: must be > 0")
        if not 1 <= concurrency <= MAX_CONCURRENCY:
            raise ValueError(f"concurrency {concurrency}: must be 1..{MAX_CONCURRENCY}")
        self.target = target
        self.count = min(count or MAX_REQUESTS, MAX_REQUESTS)
        self.seconds = min(seconds or MAX_SECONDS, MAX_SECONDS)
        self.rate = rate
        self.timeout = timeout
        self.keepalive = keepalive
        self._concurrency = concurrency
        self._lock = threading.Lock()
        self._next = 0
        self._outcomes: list[tuple[int, Outcome]] = []
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._started = 0.0
        self._ended: float | None = None

    def _slot(self) -> int | None:
        with self._lock:
            i = self._next
            if i >= self.count or self._stop.is_set():
                return None
            self._next += 1
            return i

    def _work(self) -> None:
        conn: http.client.HTTPConnection | None = None
        if self.keepalive:
            conn = http.client.HTTPConnection(
                self.target.host, self.target.port, timeout=self.timeout
            )
        deadline = self._started + self.seconds
        while (i := self._slot()) is not None:
            due = self._started + (i / self.rate if self.rate else 0.0)
            if due >= deadline or time.monotonic() >= deadline:
                self._stop.set()
                break
            wait = due - time.monotonic()
            if wait > 0 and self._stop.wait(wait):
                break
            sent = time.monotonic() - self._started
            outcome = attrs.evolve(request_once(self.target, self.timeout, conn), sent=sent)
            with self._lock:
                self._outcomes.append((i, outcome))
        if conn is not None:
            conn.close()

    def start(self) -> Load:
        self._started = time.monotonic()
        for _ in range(self._concurrency):
            thread = threading.Thread(target=self._work, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def request_stop(self) -> None:
        """Send no further request; those in flight finish."""
        self._stop.set()

    def stop(self) -> Run:
        self.request_stop()
        return self.wait()

    def wait(self) -> Run:
        for thread in self._threads:
            thread.join(self.seconds + self.timeout + 5)
        ended = time.monotonic()
        with self._lock:
            ordered = tuple(o for _, o in sorted(self._outcomes, key=lambda item: item[0]))
        return Run(ordered, ended - self._started)


def send(target: Target, **options: Any) -> Run:
    """Send the requests and wait for all of them (see :class:`Load` for the options)."""
    return Load(target, **options).start().wait()


def _command(target: Target, options: Mapping[str, Any]) -> list[str]:
    argv = [sys.executable, "-m", "tests.e2e.traffic.client", target.host, str(target.port)]
    argv += ["--path", target.path]
    for key, value in target.headers.items():
        argv += ["--header", f"{key}: {value}"]
    for name in ("count", "seconds", "rate", "concurrency", "timeout"):
        if options.get(name) is not None:
            argv += [f"--{name}", str(options[name])]
    if options.get("keepalive"):
        argv.append("--keepalive")
    for net in options.get("allow", ()):
        argv += ["--allow", net]
    return argv


ROOT = Path(__file__).resolve().parents[3]


def send_in_netns(netns: str, target: Target, **options: Any) -> Run:
    """:func:`send`, from inside the network namespace ``netns`` (as its own client address)."""
    check_target(target.host, options.get("allow", ()))
    limit = float(options.get("seconds") or MAX_SECONDS) + 30
    result = subprocess.run(
        ["ip", "netns", "exec", netns, *_command(target, options)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        timeout=limit,
    )
    if result.returncode != 0:
        raise RuntimeError(f"client in netns {netns} failed:\n{result.stderr[-2000:]}")
    return Run.from_json(json.loads(result.stdout))


class NetnsLoad:
    """:class:`Load` run from inside a network namespace; :meth:`stop` ends it early."""

    def __init__(self, netns: str, target: Target, **options: Any) -> None:
        check_target(target.host, options.get("allow", ()))
        self._proc = subprocess.Popen(
            ["ip", "netns", "exec", netns, *_command(target, options)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )

    def stop(self) -> Run:
        self._proc.send_signal(signal.SIGTERM)
        return self.wait()

    def wait(self) -> Run:
        out, err = self._proc.communicate(timeout=MAX_SECONDS + 30)
        if self._proc.returncode != 0:
            raise RuntimeError(f"client failed ({self._proc.returncode}):\n{err[-2000:]}")
        return Run.from_json(json.loads(out))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="bounded HTTP load; prints the run as JSON")
    parser.add_argument("host")
    parser.add_argument("port", type=int)
    parser.add_argument("--path", default="/")
    parser.add_argument("--header", action="append", default=[])
    parser.add_argument("--count", type=int)
    parser.add_argument("--seconds", type=float)
    parser.add_argument("--rate", type=float)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--timeout", type=float, default=2.0)
    parser.add_argument("--keepalive", action="store_true")
    parser.add_argument("--allow", action="append", default=[])
    args = parser.parse_args(argv)
    headers = dict(h.split(": ", 1) for h in args.header)
    load = Load(
        Target(args.host, args.port, args.path, headers),
        count=args.count,
        seconds=args.seconds,
        rate=args.rate,
        concurrency=args.concurrency,
        timeout=args.timeout,
        keepalive=args.keepalive,
        allow=args.allow,
    )

    def stop(signum: int, frame: FrameType | None) -> None:
        load.request_stop()

    signal.signal(signal.SIGTERM, stop)
    run = load.start().wait()
    json.dump(run.to_json(), sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
