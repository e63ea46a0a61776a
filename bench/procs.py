"""Child processes of a benchmark: servers on loopback, pinned to a CPU, watched via /proc.

On a machine with two or more CPUs the benchmark itself (and its load generator)
runs on the first CPU and the servers it measures on the second, so that client
and server do not take turns on one core.  With a single CPU nothing is pinned.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

REPO_ROOT = Path(__file__).resolve().parents[1]
LOOPBACK = "127.0.0.1"

_CPUS = sorted(os.sched_getaffinity(0))
#: Where the benchmark and its load generator run; None when there is one CPU.
CLIENT_CPUS: set[int] | None = {_CPUS[0]} if len(_CPUS) >= 2 else None
#: Where measured servers run.
SERVER_CPUS: set[int] | None = {_CPUS[1]} if len(_CPUS) >= 2 else None
ALL_CPUS: set[int] = set(_CPUS)


def pin_self(cpus: set[int] | None) -> None:
    if cpus:
        os.sched_setaffinity(0, cpus)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def child_env(settings: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a child: ours without any ``VNFM_*``, plus ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VNFM_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    env["PYTHONUNBUFFERED"] = "1"
    env.update(settings or {})
    return env


@dataclass
class Child:
    """A running child process; its output goes to ``log``."""

    name: str
    process: subprocess.Popen[bytes]
    log: Path
    _stopped: bool = field(default=False, repr=False)

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self, timeout: float = 10.0) -> None:
        if self._stopped:
            return
        self._stopped = True
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)

    def __enter__(self) -> Child:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def spawn(
    name: str,
    argv: Sequence[str],
    *,
    log_dir: Path,
    env: Mapping[str, str] | None = None,
    cpus: set[int] | None = None,
    cwd: Path | None = None,
) -> Child:
    """Start ``argv`` with its output in ``log_dir/name.log``, pinned to ``cpus`` if given."""
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / f"{name}.log"
    wanted = cpus or ALL_CPUS

    def pin() -> None:  # runs in the child between fork and exec
        os.sched_setaffinity(0, wanted)

    with log.open("ab") as out:
        process = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=dict(env) if env is not None else child_env(),
            cwd=str(cwd or REPO_ROOT),
            preexec_fn=pin,
        )
    return Child(name=name, process=process, log=log)


def python_module(module: str, *args: str) -> list[str]:
    return [sys.executable, "-m", module, *args]


def http_get(
    port: int, path: str, timeout: float = 10.0, headers: Mapping[str, str] | None = None
) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(LOOPBACK, port, timeout=timeout)
    try:
        conn.request("GET", path, headers=dict(headers or {"Accept": "application/json"}))
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def wait_ready(child: Child, port: int, path: str, timeout: float = 60.0) -> None:
    """Wait until ``GET path`` answers below 500; fail early if the child died."""
    deadline = time.monotonic() + timeout
    while True:
        if not child.alive():
            raise RuntimeError(f"{child.name} exited early:\n{child.log_tail()}")
        try:
            status, _ = http_get(port, path, timeout=2.0)
            if status < 500:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{child.name} not ready after {timeout:g}s:\n{child.log_tail()}")
        time.sleep(0.05)


# ------------------------------------------------------------------------- /proc


def _status_kb(pid: int, key: str) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise KeyError(key)


def peak_rss_mb(pid: int) -> float:
    """VmHWM: the most resident memory the process has had, in MiB."""
    return _status_kb(pid, "VmHWM") / 1024


def rss_mb(pid: int) -> float:
    return _status_kb(pid, "VmRSS") / 1024


_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads) so far."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    # After the command's closing parenthesis: field 3 is fields[0]; utime, stime are 14, 15.
    return (int(fields[11]) + int(fields[12])) / _TICKS
