"""Subscribers for the notification suite: one asyncio HTTP/1.1 server, many callbackUris.

    python -m bench.apps.receiver --port PORT

``/s/{n}`` is subscriber ``n``.  GET answers 204 (the check vnfm makes before it
creates a subscription).  POST is a notification: a healthy subscriber records it
(its ``id``, and the time it arrived) and answers 204 at once; a slow one does the
same after ``delay`` seconds; a failing one answers 500 and records nothing.

Control (JSON): ``PUT /control {"slow": [n...], "failing": [n...], "delay": s}``,
``GET /stats`` -> ``{"received": [[n, id, unix time], ...], "failures": k}``,
``POST /reset`` forgets what was received.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass
class State:
    slow: set[int] = field(default_factory=set)
    failing: set[int] = field(default_factory=set)
    delay: float = 1.0
    received: list[tuple[int, str, float]] = field(default_factory=list)
    failures: int = 0


STATE = State()
REASONS = {200: "OK", 204: "No Content", 400: "Bad Request", 404: "Not Found", 500: "Error"}


async def _answer(writer: asyncio.StreamWriter, status: int, body: bytes = b"") -> None:
    head = f"HTTP/1.1 {status} {REASONS.get(status, 'Status')}\r\nContent-Length: {len(body)}\r\n"
    if body:
        head += "Content-Type: application/json\r\n"
    writer.write(head.encode() + b"\r\n" + body)
    await writer.drain()


async def _notification(writer: asyncio.StreamWriter, subscriber: int, body: bytes) -> None:
    if subscriber in STATE.failing:
        STATE.failures += 1
        await _answer(writer, 500)
        return
    if subscriber in STATE.slow:
        await asyncio.sleep(STATE.delay)
    try:
        notification_id = str(json.loads(body)["id"])
    except (ValueError, KeyError, TypeError):
        await _answer(writer, 400)
        return
    STATE.received.append((subscriber, notification_id, time.time()))
    await _answer(writer, 204)


async def _control(writer: asyncio.StreamWriter, method: str, path: str, body: bytes) -> None:
    if method == "GET" and path == "/stats":
        doc = {"received": STATE.received, "failures": STATE.failures}
        await _answer(writer, 200, json.dumps(doc).encode())
    elif method == "PUT" and path == "/control":
        wanted = json.loads(body)
        STATE.slow = set(wanted.get("slow", []))
        STATE.failing = set(wanted.get("failing", []))
        STATE.delay = float(wanted.get("delay", STATE.delay))
        await _answer(writer, 204)
    elif method == "POST" and path == "/reset":
        STATE.received.clear()
        STATE.failures = 0
        await _answer(writer, 204)
    else:
        await _answer(writer, 404)


async def _connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, ConnectionError):
                return
            lines = head.decode("latin-1").split("\r\n")
            method, path, _version = lines[0].split(" ", 2)
            headers = {}
            for line in lines[1:]:
                if ":" in line:
                    name, value = line.split(":", 1)
                    headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length") or 0)
            body = await reader.readexactly(length) if length else b""
            if path.startswith("/s/"):
                subscriber = int(path[3:].split("?")[0])
                if method == "GET":
                    await _answer(writer, 204)
                else:
                    await _notification(writer, subscriber, body)
            else:
                await _control(writer, method, path, body)
            if headers.get("connection", "").lower() == "close":
                return
    finally:
        writer.close()


async def _serve(port: int) -> None:
    server = await asyncio.start_server(_connection, "127.0.0.1", port, backlog=1024)
    async with server:
        await server.serve_forever()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.port))


if __name__ == "__main__":
    main()
