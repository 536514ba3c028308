"""The process supervisor every cluster part uses, with real (short) processes."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from cluster.common import ClusterError
from cluster.layout import Layout
from cluster.supervisor import Supervisor, alive, cmdline


@pytest.fixture
def sup(tmp_path: Path) -> Supervisor:
    layout = Layout(tmp_path, tmp_path / "kubeconfig")
    layout.logs.mkdir(parents=True)
    return Supervisor(layout, ["sleep", "sh"])


def test_started_processes_are_recorded_in_order_and_stopped(sup: Supervisor) -> None:
    a = sup.start("first", ["sleep", "60"])
    b = sup.start("second", ["sleep", "60"])
    assert [r["name"] for r in sup.load()] == ["first", "second"]
    assert alive(a) and alive(b)
    sup.stop_all(quiet=True)
    assert not alive(a) and not alive(b)


def test_a_reused_pid_is_not_taken_for_ours(sup: Supervisor) -> None:
    rec = sup.start("one", ["sleep", "60"])
    assert alive({**rec, "start": "1"}) is False
    sup.stop_all(quiet=True)


def test_waiting_fails_at_once_with_the_log_of_a_component_that_died(sup: Supervisor) -> None:
    sup.start("crasher", ["sh", "-c", "echo it broke because of X; exit 3"])
    with pytest.raises(ClusterError, match="crasher exited while waiting for thing") as e:
        sup.wait_for("thing", lambda: False, timeout=10)
    assert "it broke because of X" in str(e.value)


def test_a_process_of_ours_missing_from_the_records_is_stopped_too(sup: Supervisor) -> None:
    # A program of ours naming the state dir, never recorded (a crash between spawn and save).
    stray = subprocess.Popen(["sh", "-c", "sleep 60", str(sup.layout.cluster / "x")])
    try:
        # Until it has exec'ed, the child is still a copy of this python.
        while not cmdline(stray.pid) or cmdline(stray.pid)[0] != "sh":
            time.sleep(0.01)
        assert [r["pid"] for r in sup.strays(set())] == [stray.pid]
        sup.stop_all(quiet=True)
        assert stray.wait(timeout=20) != 0
    finally:
        stray.kill()


def test_only_named_components_are_stopped(sup: Supervisor) -> None:
    keep = sup.start("keep", ["sleep", "60"])
    drop = sup.start("drop", ["sleep", "60"])
    sup.stop_named(["drop"], quiet=True)
    assert alive(keep) and not alive(drop)
    sup.stop_all(quiet=True)
