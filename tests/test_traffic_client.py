"""The traffic client against the real echo server on 127.0.0.1, and its limits."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.tools import ROOT
from tests.e2e.traffic.client import (
    Load,
    Run,
    Target,
    TargetRefusedError,
    check_target,
    main,
    send,
)
from tests.e2e.traffic.report import Report

IMAGES = ROOT / "toolchain" / "images"


@pytest.fixture(scope="module")
def echo_binary(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("go") is None:
        pytest.skip("go is not installed")
    out = tmp_path_factory.mktemp("echo") / "echo"
    env = {**os.environ, "CGO_ENABLED": "0", "GOTOOLCHAIN": "local", "GOFLAGS": "-mod=readonly"}
    subprocess.run(["go", "build", "-o", str(out), "./echo"], cwd=IMAGES, env=env, check=True)
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def echo(echo_binary: Path, request: pytest.FixtureRequest) -> Iterator[Target]:
    port = free_port()
    extra: dict[str, str] = getattr(request, "param", {})
    env = {"PORT": str(port), "POD_NAME": "echo-1", "TRACK": "stable", "VERSION": "1.0", **extra}
    proc = subprocess.Popen([str(echo_binary)], env=env, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    try:
        yield Target("127.0.0.1", port, "/hello", {"X-Canary": "always"})
    finally:
        proc.terminate()
        proc.wait(10)


def test_every_request_is_counted_with_the_pod_that_answered(echo: Target) -> None:
    run = send(echo, count=40, concurrency=4)
    assert run.total == 40 and not run.failures
    assert run.count("pod") == {"echo-1": 40}
    assert run.count("track") == {"stable": 40}
    first = run.ok[0].answer or {}
    assert first["path"] == "/hello" and first["headers"]["X-Canary"] == "always"
    assert first["client_ip"] == "127.0.0.1"


@pytest.mark.parametrize("echo", [{"FAIL_AFTER_REQUESTS": "5"}], indirect=True)
def test_server_errors_are_failures_with_their_status(echo: Target) -> None:
    run = send(echo, count=12, concurrency=1)
    assert len(run.ok) == 5
    assert run.failure_summary() == {"HTTP 500": 7}


def test_a_refused_connection_is_a_failure_not_an_exception() -> None:
    run = send(Target("127.0.0.1", free_port()), count=3, concurrency=1, timeout=0.5)
    assert run.total == 3 and len(run.failures) == 3
    assert all("ConnectionRefused" in (o.error or "") for o in run.failures)


def test_a_steady_rate_never_sends_early_and_stop_ends_the_load(echo: Target) -> None:
    load = Load(echo, seconds=30, rate=20, concurrency=4).start()
    time.sleep(1.0)
    run = load.stop()
    assert 0 < run.total < 600, "stop() did not end the 30 s load"
    # Request i is due i/rate seconds after the start, never before.
    assert all(o.sent >= i / 20 - 0.001 for i, o in enumerate(run.outcomes))


def test_count_and_time_are_bounded() -> None:
    target = Target("127.0.0.1", 9)
    with pytest.raises(ValueError, match="never runs unbounded"):
        Load(target)
    with pytest.raises(ValueError, match="count 50000"):
        Load(target, count=50_000)
    with pytest.raises(ValueError, match="seconds 3600"):
        Load(target, seconds=3600)


@pytest.mark.parametrize(
    ("host", "allow", "refused"),
    [
        ("127.0.0.1", [], False),
        ("10.96.0.10", [], True),
        ("10.96.0.10", ["10.96.0.0/16"], False),
        ("8.8.8.8", ["10.96.0.0/16"], True),
        ("example.com", [], True),
        ("8.8.8.8", ["8.8.8.0/24"], True),  # a public network is never allowed
    ],
)
def test_only_loopback_and_allowed_private_addresses_are_targets(
    host: str, allow: list[str], refused: bool
) -> None:
    if refused:
        with pytest.raises(TargetRefusedError):
            check_target(host, allow)
    else:
        check_target(host, allow)


def test_the_command_line_client_prints_the_run_as_json(
    echo: Target, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([echo.host, str(echo.port), "--count", "3", "--header", "X-A: b"]) == 0
    run = Run.from_json(json.loads(capsys.readouterr().out))
    assert run.total == 3 and (run.ok[0].answer or {})["headers"]["X-A"] == "b"


def test_the_report_keeps_other_entries_and_names_machine_and_date(tmp_path: Path) -> None:
    first = Report(tmp_path)
    first.add("canary-10", "5", ["canary: 98/1000"], {"canary": 98})
    second = Report(tmp_path, context={"kubernetes": "1.36.5"})
    second.add("spread", "2", ["3 pods"], outcome="measured")
    text = (tmp_path / "traffic.md").read_text()
    assert "canary: 98/1000" in text and "3 pods" in text
    assert "cores" in text and "kernel" in text and "UTC" in text
    assert "## 10. Topology-aware routing" in text and "Not measured yet." in text
