"""The one process supervisor every part uses.

Each component runs detached in its own session (so `down` can signal exactly its
process group) with its output in logs/<name>.log. processes.json records the pid
and the kernel start time of each, in start order, so a reused pid is never taken
for ours and `down` stops them in reverse order.
"""

from __future__ import annotations

import json
import os
import signal
import ssl
import subprocess
import time
import urllib.error
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TypedDict

from cluster.common import ClusterError, say
from cluster.layout import Layout


class Record(TypedDict):
    name: str
    pid: int
    start: str
    argv: list[str]


def proc_start_time(pid: int) -> str | None:
    """Kernel start time of pid (field 22 of /proc/pid/stat), to tell a reused pid apart."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


def alive(rec: Record) -> bool:
    st = proc_start_time(rec["pid"])
    if st is None or st != rec["start"]:
        return False
    try:
        state = Path(f"/proc/{rec['pid']}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def cmdline(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [a.decode(errors="replace") for a in raw.split(b"\0") if a]


class Supervisor:
    def __init__(self, layout: Layout, binaries: Iterable[str]) -> None:
        self.layout = layout
        # Names of the programs we start: the stray scan only ever touches those.
        self.binaries = frozenset(binaries)

    def load(self) -> list[Record]:
        try:
            procs: list[Record] = json.loads(self.layout.procs.read_text())
        except (OSError, ValueError):
            return []
        return procs

    def save(self, procs: list[Record]) -> None:
        tmp = self.layout.procs.with_suffix(".tmp")
        tmp.write_text(json.dumps(procs, indent=1))
        tmp.replace(self.layout.procs)

    def start(
        self,
        name: str,
        argv: list[str],
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
    ) -> Record:
        procs = self.load()
        with open(self.layout.logs / f"{name}.log", "ab") as log:
            p = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=cwd or self.layout.cluster,
                start_new_session=True,  # own process group: `down` signals exactly this group
                # Never an inherited kubeconfig: each component is given its own explicitly.
                env={**os.environ, "KUBECONFIG": str(self.layout.cluster / "none"), **(env or {})},
            )
        rec: Record = {
            "name": name,
            "pid": p.pid,
            "start": proc_start_time(p.pid) or "",
            "argv": argv,
        }
        procs.append(rec)
        self.save(procs)
        return rec

    def log_tail(self, name: str, n: int = 30) -> str:
        try:
            lines = (self.layout.logs / f"{name}.log").read_text(errors="replace").splitlines()
        except OSError:
            return "(no log)"
        return "\n".join(lines[-n:])

    def wait_for(self, what: str, check: Callable[[], bool], timeout: float) -> None:
        """Poll check() until true; fail at once, with its log, if a component has died."""
        deadline = time.monotonic() + timeout
        last: Exception | None = None
        while time.monotonic() < deadline:
            for rec in self.load():
                if not alive(rec):
                    raise ClusterError(
                        f"{rec['name']} exited while waiting for {what}; end of its log:\n"
                        + self.log_tail(rec["name"])
                    )
            try:
                if check():
                    return
            except (OSError, ssl.SSLError, urllib.error.URLError, ValueError, KeyError) as e:
                last = e
            time.sleep(0.25)
        raise ClusterError(
            f"timed out after {timeout:.0f}s waiting for {what} (last error: {last})"
        )

    def strays(self, known: set[int]) -> list[Record]:
        """Processes of ours that never made it into processes.json (a crash between
        spawn and save, or children such as containerd's shims): a program of ours
        whose command line names our state dir."""
        marker = str(self.layout.cluster) + "/"
        found: list[Record] = []
        for d in Path("/proc").iterdir():
            if not d.name.isdigit() or int(d.name) in known or int(d.name) == os.getpid():
                continue
            argv = cmdline(int(d.name))
            if not argv or Path(argv[0]).name not in self.binaries:
                continue
            if any(marker in a or a == str(self.layout.cluster) for a in argv):
                st = proc_start_time(int(d.name))
                if st:
                    found.append(
                        {"name": Path(argv[0]).name, "pid": int(d.name), "start": st, "argv": argv}
                    )
        return found

    def stop(self, rec: Record, quiet: bool = False, grace: float = 15) -> None:
        if not alive(rec):
            return
        if not quiet:
            say(f"stopping {rec['name']} (pid {rec['pid']})")
        signal_group(rec, signal.SIGTERM)
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and alive(rec):
            time.sleep(0.1)
        if alive(rec):
            say(f"{rec['name']} (pid {rec['pid']}) ignored SIGTERM for {grace:.0f}s; killing")
            signal_group(rec, signal.SIGKILL)
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and alive(rec):
                time.sleep(0.1)

    def stop_named(self, names: Iterable[str], quiet: bool = False) -> None:
        wanted = set(names)
        for rec in reversed(self.load()):
            if rec["name"] in wanted:
                self.stop(rec, quiet)

    def stop_all(self, quiet: bool = False) -> None:
        procs = [r for r in self.load() if alive(r)]
        procs += self.strays({r["pid"] for r in procs})
        # Reverse start order, one at a time: clients first, etcd last (an API server
        # whose etcd is already gone hangs in its graceful shutdown).
        for rec in reversed(procs):
            self.stop(rec, quiet)
        left = [r for r in procs if alive(r)]
        if left:
            raise ClusterError(
                "could not stop: " + ", ".join(f"{r['name']}({r['pid']})" for r in left)
            )


def signal_group(rec: Record, sig: int) -> None:
    """Signal the process group a component leads (it was started in its own session)."""
    if not alive(rec):
        return
    try:
        if os.getpgid(rec["pid"]) == rec["pid"]:
            os.killpg(rec["pid"], sig)
        else:
            os.kill(rec["pid"], sig)
    except ProcessLookupError:
        pass
