"""A tiny callback receiver: what ESC's callbacks reach in tests and demos.

It accepts POSTs on any path, parses each body with the southbound's event parser and
keeps what it got, so a test can wait for an event instead of sleeping::

    with CallbackRecorder() as rec, SimulatorServer() as sim:
        ... deploy with callback URLs rec.url("/callback"), rec.url("/events") ...
        rec.wait_for(EventType.SERVICE_ALIVE, deployment="dep")

Bodies that do not parse are kept too (as ``error``) and answered with 400.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

from vnfm.southbound.adapter import ProtocolError
from vnfm.southbound.esc.events import parse_event
from vnfm.southbound.types import EscEvent, EventType

MAX_BODY = 1024 * 1024


@dataclass(frozen=True)
class Received:
    path: str
    content_type: str
    body: bytes
    event: EscEvent | None
    error: str | None


class CallbackRecorder:
    def __init__(self, host: str = "127.0.0.1", port: int = 0, status: int = 204) -> None:
        self.received: list[Received] = []
        self._cond = threading.Condition()
        self.status = status  # what to answer to a valid callback
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                if length > MAX_BODY:
                    self.send_response(413)
                    self.end_headers()
                    return
                body = self.rfile.read(length)
                ctype = self.headers.get("Content-Type", "")
                try:
                    event, error = parse_event(body, ctype), None
                except ProtocolError as exc:
                    event, error = None, exc.message
                recorder._add(Received(self.path, ctype, body, event, error))
                self.send_response(400 if error else recorder.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass  # keep test output quiet

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.01}, daemon=True)

    def url(self, path: str = "/") -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{path}"

    def _add(self, item: Received) -> None:
        with self._cond:
            self.received.append(item)
            self._cond.notify_all()

    def events(self, path: str | None = None) -> list[EscEvent]:
        with self._cond:
            return [r.event for r in self.received
                    if r.event is not None and (path is None or r.path == path)]

    def types(self, path: str | None = None, deployment: str | None = None) -> list[EventType]:
        return [e.event_type for e in self.events(path)
                if deployment is None or e.deployment_name == deployment]

    def wait_until(self, predicate: Callable[[list[EscEvent]], bool],
                   timeout: float = 10.0) -> bool:
        with self._cond:
            return self._cond.wait_for(
                lambda: predicate([r.event for r in self.received if r.event is not None]),
                timeout,
            )

    def wait_for(
        self,
        event_type: EventType,
        *,
        deployment: str | None = None,
        count: int = 1,
        path: str | None = None,
        timeout: float = 10.0,
    ) -> list[EscEvent]:
        """Wait until ``count`` events of ``event_type`` arrived; return them all."""

        def matching() -> list[EscEvent]:
            return [
                r.event for r in self.received
                if r.event is not None and r.event.event_type is event_type
                and (deployment is None or r.event.deployment_name == deployment)
                and (path is None or r.path == path)
            ]

        with self._cond:
            if not self._cond.wait_for(lambda: len(matching()) >= count, timeout):
                raise TimeoutError(f"{event_type} x{count} not received; got "
                                   f"{[r.event.event_type for r in self.received if r.event]}")
            return matching()

    def clear(self) -> None:
        with self._cond:
            self.received.clear()

    def start(self) -> CallbackRecorder:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5.0)

    def __enter__(self) -> CallbackRecorder:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
