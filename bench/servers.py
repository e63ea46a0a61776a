"""The product's processes as its users start them: ``vnfm serve``, ``vnfm worker``,
``vnfm esc-sim``, each a child process on loopback."""

from __future__ import annotations

import http.client
import time
from collections.abc import Mapping
from dataclasses import dataclass

from bench.context import RunContext
from bench.procs import (
    LOOPBACK,
    SERVER_CPUS,
    Child,
    child_env,
    free_port,
    python_module,
    spawn,
    wait_ready,
)


@dataclass
class Server:
    child: Child
    port: int

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def pid(self) -> int:
        return self.child.pid

    def stop(self) -> None:
        self.child.stop()


def _vnfm_env(ctx: RunContext, database_url: str, extra: Mapping[str, str]) -> dict[str, str]:
    return child_env(
        {
            "VNFM_DATABASE_URL": database_url,
            "VNFM_HOST": LOOPBACK,
            "VNFM_VNFD_DIR": str(ctx.workdir / "vnfds"),
            "VNFM_LOG_LEVEL": "WARNING",
            **extra,
        }
    )


def start_serve(
    ctx: RunContext,
    name: str,
    database_url: str,
    *,
    settings: Mapping[str, str] | None = None,
    cpus: set[int] | None = SERVER_CPUS,
    wait: bool = True,
) -> Server:
    """``python -m vnfm.cli serve`` (API, executor, and the embedded ESC simulator unless
    ``VNFM_ESC_URL`` is in ``settings``)."""
    port = free_port()
    env = _vnfm_env(ctx, database_url, {"VNFM_PORT": str(port), **(settings or {})})
    child = spawn(name, python_module("vnfm.cli", "serve"), log_dir=ctx.logs, env=env, cpus=cpus)
    server = Server(child, port)
    if wait:
        ready(server)
    return server


def ready(server: Server) -> None:
    try:
        wait_ready(server.child, server.port, "/vnflcm/api_versions")
    except BaseException:
        server.stop()
        raise


def start_worker(
    ctx: RunContext,
    name: str,
    database_url: str,
    *,
    public_url: str,
    esc_url: str,
    cpus: set[int] | None = None,
) -> Child:
    """``python -m vnfm.cli worker``: an executor only; ESC's callbacks go to ``public_url``."""
    env = _vnfm_env(
        ctx,
        database_url,
        {"VNFM_PUBLIC_URL": public_url, "VNFM_ESC_URL": esc_url, "VNFM_LOG_LEVEL": "INFO"},
    )
    child = spawn(name, python_module("vnfm.cli", "worker"), log_dir=ctx.logs, env=env, cpus=cpus)
    deadline = time.monotonic() + 60
    while "running operations" not in child.log.read_text(errors="replace"):
        if not child.alive() or time.monotonic() > deadline:
            child.stop()
            raise RuntimeError(f"{name} did not start:\n{child.log_tail()}")
        time.sleep(0.05)
    return child


def start_simulator(ctx: RunContext, name: str, cpus: set[int] | None = None) -> Server:
    """``python -m vnfm.cli esc-sim`` at zero boot time."""
    port = free_port()
    argv = python_module(
        "vnfm.cli", "esc-sim", "--host", LOOPBACK, "--port", str(port), "--boot-time-factor", "0"
    )
    child = spawn(name, argv, log_dir=ctx.logs, env=child_env(), cpus=cpus)
    server = Server(child, port)
    try:
        wait_ready(child, port, "/sim/calls")
    except BaseException:
        server.stop()
        raise
    return server


class Client:
    """One persistent HTTP/1.1 connection, timing each GET from send to last byte."""

    def __init__(self, port: int, timeout: float = 300.0) -> None:
        self.port = port
        self.timeout = timeout
        self._conn = http.client.HTTPConnection(LOOPBACK, port, timeout=timeout)

    def get(self, path: str) -> tuple[int, bytes, float]:
        """Status, body and seconds; a connection the server closed while idle (uvicorn
        keeps one open for 5 s) is opened again and the request sent once more."""
        try:
            return self._get(path)
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            return self._get(path)

    def _get(self, path: str) -> tuple[int, bytes, float]:
        started = time.perf_counter()
        try:
            self._conn.request("GET", path, headers={"Accept": "application/json"})
            response = self._conn.getresponse()
            body = response.read()
        except (http.client.HTTPException, OSError):
            self._conn.close()
            self._conn = http.client.HTTPConnection(LOOPBACK, self.port, timeout=self.timeout)
            raise
        return response.status, body, time.perf_counter() - started

    def close(self) -> None:
        self._conn.close()
