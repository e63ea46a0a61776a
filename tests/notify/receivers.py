"""Real HTTP endpoints on 127.0.0.1 for the notification tests.

:class:`Receiver` plays a subscriber: it records every request and answers POSTs
from a script (a status, or ``HANG`` to answer too late), then 204 once the script
is used up.  :class:`TokenEndpoint` plays an OAuth 2.0 authorization server that
issues client-credentials tokens.  Both stop by themselves at the end of a ``with``.
"""

from __future__ import annotations

import base64
import json
import socket
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

HANG = "hang"

Answer = tuple[int, dict[str, str], bytes]


@dataclass
class Hit:
    method: str
    path: str
    headers: dict[str, str]
    body: Any
    answer: int | str  # the status sent, or HANG


class _Server:
    def __init__(self) -> None:
        self.stopping = threading.Event()
        handle = self.handle

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, extra, body = handle(self.command, self.path, headers, raw)
                if status < 0:  # the handler hung and the client has gone
                    self.close_connection = True
                    return
                self.send_response(status)
                for name, value in extra.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if body:
                    self.wfile.write(body)

            do_GET = _serve  # noqa: N815 - names fixed by http.server
            do_POST = _serve  # noqa: N815

            def log_message(self, *_args: Any) -> None:
                return None

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def handle(self, method: str, path: str, headers: dict[str, str], raw: bytes) -> Answer:
        raise NotImplementedError

    def __enter__(self):  # type: ignore[no-untyped-def]
        self.thread.start()
        return self

    def __exit__(self, *_exc: Any) -> None:
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


class Receiver(_Server):
    """A subscriber's notification endpoint."""

    def __init__(self) -> None:
        super().__init__()
        self.lock = threading.Lock()
        self.hits: list[Hit] = []
        self.script: deque[int | str] = deque()
        self.get_status = 204
        self.hang_seconds = 2.0
        self.retry_after: str | None = None
        self.accept: Callable[[dict[str, str]], bool] = lambda _headers: True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/callback"

    def answer(self, *actions: int | str) -> None:
        """Answer the next POSTs with these, in order (then 204 again)."""
        with self.lock:
            self.script.extend(actions)

    def handle(self, method: str, path: str, headers: dict[str, str], raw: bytes) -> Answer:
        body = json.loads(raw) if raw else None
        if method == "GET":
            action: int | str = self.get_status
        elif not self.accept(headers):
            action = 401
        else:
            with self.lock:
                action = self.script.popleft() if self.script else 204
        with self.lock:
            self.hits.append(Hit(method, path, headers, body, action))
        if action == HANG:
            self.stopping.wait(self.hang_seconds)
            return -1, {}, b""
        extra = {"Retry-After": self.retry_after} if self.retry_after and action == 429 else {}
        return int(action), extra, b""

    # -- what arrived

    def posts(self) -> list[Hit]:
        with self.lock:
            return [h for h in self.hits if h.method == "POST"]

    def gets(self) -> list[Hit]:
        with self.lock:
            return [h for h in self.hits if h.method == "GET"]

    def accepted(self) -> list[dict[str, Any]]:
        """Notifications answered with 2xx, in arrival order."""
        return [h.body for h in self.posts() if isinstance(h.answer, int) and 200 <= h.answer < 300]


class TokenEndpoint(_Server):
    """An OAuth 2.0 token endpoint for one client (client credentials grant only)."""

    def __init__(self, client_id: str, client_secret: str, lifetime: int = 3600) -> None:
        super().__init__()
        self.client_id = client_id
        self.client_secret = client_secret
        self.lifetime = lifetime
        self.lock = threading.Lock()
        self.issued: list[str] = []
        self.valid: set[str] = set()
        self.requests: list[dict[str, Any]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/oauth/token"

    def revoke_all(self) -> None:
        with self.lock:
            self.valid.clear()

    def bearer_ok(self, headers: dict[str, str]) -> bool:
        value = headers.get("authorization", "")
        with self.lock:
            return value.startswith("Bearer ") and value[len("Bearer ") :] in self.valid

    def handle(self, method: str, path: str, headers: dict[str, str], raw: bytes) -> Answer:
        form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        expected = (
            "Basic " + base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        )
        with self.lock:
            self.requests.append({"method": method, "form": form, "headers": headers})
        if method != "POST" or path != "/oauth/token":
            return 404, {}, b""
        if headers.get("authorization") != expected:
            return 401, {"Content-Type": "application/json"}, b'{"error":"invalid_client"}'
        if form.get("grant_type") != "client_credentials":
            return 400, {"Content-Type": "application/json"}, b'{"error":"unsupported_grant_type"}'
        with self.lock:
            token = f"token-{len(self.issued) + 1}"
            self.issued.append(token)
            self.valid.add(token)
        doc = {"access_token": token, "token_type": "Bearer", "expires_in": self.lifetime}
        return 200, {"Content-Type": "application/json"}, json.dumps(doc).encode()


def closed_port_url() -> str:
    """A loopback URL where nothing listens: connections are refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/callback"
