"""Load generators: ``wrk`` where installed, else one of our own in Python (asyncio).

Both keep ``connections`` persistent HTTP/1.1 connections busy for a fixed time
after a warm-up, and report requests per second and latency percentiles.  The
Python one is slower than wrk, so a run names the tool it used and every server of
a suite is measured with the same one.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass

from bench.procs import CLIENT_CPUS, LOOPBACK
from bench.stats import median, percentile

WRK = "wrk"
PYTHON = "python"


@dataclass(frozen=True)
class LoadResult:
    tool: str
    requests: int
    errors: int
    seconds: float
    p50_ms: float
    p99_ms: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else 0.0


def combine(rounds: list[LoadResult]) -> LoadResult:
    """Several rounds on one server as one result: totals, and the median round's
    percentiles."""
    return LoadResult(
        tool=rounds[0].tool,
        requests=sum(r.requests for r in rounds),
        errors=sum(r.errors for r in rounds),
        seconds=sum(r.seconds for r in rounds),
        p50_ms=median([r.p50_ms for r in rounds]),
        p99_ms=median([r.p99_ms for r in rounds]),
    )


def default_tool() -> str:
    return WRK if shutil.which(WRK) else PYTHON


def run_load(
    port: int,
    path: str,
    *,
    seconds: float,
    warmup: float,
    connections: int,
    tool: str,
) -> LoadResult:
    """Load ``path`` for ``seconds`` (after ``warmup`` seconds whose results are dropped)."""
    if tool == WRK:
        if warmup > 0:
            _wrk(port, path, warmup, connections)
        return _wrk(port, path, seconds, connections)
    if warmup > 0:
        _python_load(port, path, warmup, connections)
    return _python_load(port, path, seconds, connections)


# ------------------------------------------------------------------------------ wrk

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if match is None:
        raise ValueError(f"unexpected wrk latency {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def parse_wrk(output: str, seconds: float) -> LoadResult:
    percentiles = dict(re.findall(r"^\s+(50|99)(?:\.0+)?%\s+(\S+)\s*$", output, re.MULTILINE))
    total = re.search(r"^\s*(\d+) requests in ([\d.]+)(us|ms|s|m)", output, re.MULTILINE)
    if total is None or "50" not in percentiles or "99" not in percentiles:
        raise RuntimeError(f"could not read wrk's output:\n{output}")
    errors = 0
    for pattern in (r"Non-2xx or 3xx responses: (\d+)", r"Socket errors: connect (\d+)"):
        found = re.search(pattern, output)
        errors += int(found.group(1)) if found else 0
    timeouts = re.search(r"timeout (\d+)", output)
    errors += int(timeouts.group(1)) if timeouts else 0
    elapsed = _ms(total.group(2) + total.group(3)) / 1000.0
    return LoadResult(
        tool=WRK,
        requests=int(total.group(1)),
        errors=errors,
        seconds=elapsed or seconds,
        p50_ms=_ms(percentiles["50"]),
        p99_ms=_ms(percentiles["99"]),
    )


def _wrk(port: int, path: str, seconds: float, connections: int) -> LoadResult:
    duration = max(1, round(seconds))  # wrk takes whole seconds
    argv = [
        WRK,
        "-t1",
        f"-c{connections}",
        f"-d{duration}s",
        "--latency",
        "--timeout",
        "10s",
        "-H",
        "Accept: application/json",
        f"http://{LOOPBACK}:{port}{path}",
    ]
    done = subprocess.run(
        argv,
        capture_output=True,
        text=True,
        timeout=duration + 30,
        check=True,
        preexec_fn=_pin_client,
    )
    return parse_wrk(done.stdout, duration)


def _pin_client() -> None:
    if CLIENT_CPUS:
        os.sched_setaffinity(0, CLIENT_CPUS)


def wrk_version() -> str:
    if not shutil.which(WRK):
        return ""
    done = subprocess.run([WRK, "-v"], capture_output=True, text=True, timeout=10, check=False)
    first = (done.stdout or done.stderr).strip().splitlines()
    return first[0] if first else WRK


# --------------------------------------------------------------------------- Python


async def _one_connection(
    port: int, request: bytes, deadline: float, latencies: list[float], errors: list[int]
) -> None:
    reader, writer = await asyncio.open_connection(LOOPBACK, port)
    try:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            headers = head.lower()
            close = b"\r\nconnection: close" in headers
            length = re.search(rb"\r\ncontent-length:\s*(\d+)", headers)
            if length is not None:
                await reader.readexactly(int(length.group(1)))
            elif b"\r\ntransfer-encoding: chunked" in headers:
                await _read_chunked(reader)
            else:
                await reader.read()  # until the server closes
                close = True
            latencies.append(time.perf_counter() - started)
            if not 200 <= status < 400:
                errors.append(status)
            if close:
                writer.close()
                reader, writer = await asyncio.open_connection(LOOPBACK, port)
    finally:
        writer.close()


async def _read_chunked(reader: asyncio.StreamReader) -> None:
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        await reader.readexactly(size + 2)
        if size == 0:
            return


async def _load(port: int, path: str, seconds: float, connections: int) -> LoadResult:
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {LOOPBACK}:{port}\r\nAccept: application/json\r\n\r\n"
    ).encode()
    latencies: list[float] = []
    errors: list[int] = []
    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(
        *(_one_connection(port, request, deadline, latencies, errors) for _ in range(connections))
    )
    elapsed = time.perf_counter() - started
    ms = [x * 1000 for x in latencies]
    return LoadResult(
        tool=PYTHON,
        requests=len(latencies),
        errors=len(errors),
        seconds=elapsed,
        p50_ms=percentile(ms, 50),
        p99_ms=percentile(ms, 99),
    )


def _python_load(port: int, path: str, seconds: float, connections: int) -> LoadResult:
    try:
        import uvloop

        runner = uvloop.run
    except ImportError:  # pragma: no cover - uvloop comes with uvicorn[standard]
        runner = asyncio.run
    return runner(_load(port, path, seconds, connections))
