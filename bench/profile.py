"""Where the time goes: cProfile of one kind of work, in this process.

    python -m bench.profile TARGET [--rows N] [--backend sqlite|postgresql] [--top N]

TARGET is one of

* ``get-instance``, ``get-op-occ``, ``list-op-occs``, ``list-instances`` (the filtered
  first pages), ``unpaged``, ``all-fields``: a request's handler, called in this thread
  with the request bound as the app binds it, on a seeded database, and the whole
  request through the ASGI app (uvicorn's side of it, without a socket).  Printed
  beside the profiles: the median time of each (their difference is the framework's),
  and how many SQL statements one request runs;
* ``operation``: the executor running instantiate and terminate operations in this
  thread (the API and the embedded ESC simulator serve in the background);
* ``deliver``: the delivery worker's claim-and-send of queued notifications, in this
  thread, to a local receiver.

cProfile sees only the thread it runs in; that is why each target runs its work in
the calling thread.  Nothing here is part of ``python -m bench``'s figures.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import logging
import pstats
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import requests
import starlette.responses
from sqlalchemy import event

from bench.databases import BACKENDS, SQLITE, analyze, temp_database
from bench.procs import LOOPBACK, free_port, python_module, spawn, wait_ready
from bench.seed import Seeder
from bench.suites.queries import ALL_FIELDS_PATH, FILTERED, INSTANCES, OP_OCCS, UNPAGED_PATH
from vnfm.api import op_occs, vnf_instances
from vnfm.api.context import request_context
from vnfm.app import build_services, create_app
from vnfm.config import Settings
from vnfm.db.engine import make_engine
from vnfm.db.models import VnfInstanceRow, VnfLcmOpOccRow
from vnfm.engine.events import EventWaiter
from vnfm.engine.executor import Executor
from vnfm.node import start_node
from vnfm.notify import documents
from vnfm.notify.delivery import DELIVERED, Pump, claim_due
from vnfm.notify.outbox import publish
from vnfm.notify.subscriptions import add_subscription, validate_request

REQUEST_TARGETS = (
    "get-instance",
    "get-op-occ",
    "list-op-occs",
    "list-instances",
    "unpaged",
    "all-fields",
)
TARGETS = (*REQUEST_TARGETS, "operation", "deliver")
CIRROS = "11111111-1111-4111-8111-111111111111"


def _print_profile(profile: cProfile.Profile, top: int) -> None:
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profile, stream=out).strip_dirs().sort_stats(order).print_stats(top)
        print(f"--- by {order} ---")
        print(out.getvalue().split("\n", 6)[-1].rstrip())


@contextmanager
def _statements(engine: Any) -> Iterator[list[int]]:
    count = [0]

    def seen(*_args: Any) -> None:
        count[0] += 1

    event.listen(engine, "before_cursor_execute", seen)
    try:
        yield count
    finally:
        event.remove(engine, "before_cursor_execute", seen)


def profile_request(target: str, url: str, rows: int, repeats: int, top: int) -> None:
    seeder = Seeder(make_engine(url))
    seeder.grow(rows, rows)
    seeder.engine.dispose()
    analyze(url)
    instance_id = seeder.instantiated_ids[0]
    op_id = seeder.completed_instantiations[0]
    # Each target: its path, and its handler (the operationId of openapi/vnflcm_v2.yaml).
    targets: dict[str, tuple[str, Callable[[], Any]]] = {
        "get-instance": (
            f"/vnflcm/v2/vnf_instances/{instance_id}",
            lambda: vnf_instances.get(vnfInstanceId=instance_id),
        ),
        "get-op-occ": (
            f"/vnflcm/v2/vnf_lcm_op_occs/{op_id}",
            lambda: op_occs.get(vnfLcmOpOccId=op_id),
        ),
        "list-op-occs": (FILTERED[OP_OCCS][1], op_occs.search),
        "list-instances": (FILTERED[INSTANCES][1], vnf_instances.search),
        "unpaged": (UNPAGED_PATH, vnf_instances.search),
        "all-fields": (ALL_FIELDS_PATH, vnf_instances.search),
    }
    path, call = targets[target]
    page_size = rows + 1 if target in ("unpaged", "all-fields") else 100
    with tempfile.TemporaryDirectory() as scratch:
        settings = Settings(database_url=url, page_size=page_size, vnfd_dir=scratch)
        services = build_services(settings)
        app = create_app(settings, services)
        scope = get_scope(path)
        loop = asyncio.new_event_loop()

        def whole_requests() -> list[float]:
            # All in one task, as requests under uvicorn are: AnyIO stops its worker
            # threads when the task that started them ends.
            return loop.run_until_complete(timed_gets(app, path, repeats))

        def handler() -> None:
            with request_context(services, scope), _streams_inline():
                response = call()
                if response.status_code != 200:
                    raise RuntimeError(f"{path} answered {response.status_code}")
                if isinstance(response, starlette.responses.StreamingResponse):
                    loop.run_until_complete(_drain(response))

        whole_requests()
        whole = statistics.median(whole_requests())
        alone = _median(handler, repeats)
        with _statements(services.engine) as count:
            handler()
        framework = cProfile.Profile()
        framework.enable()
        whole_requests()
        framework.disable()
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(repeats):
            handler()
        profile.disable()
        loop.close()
        services.engine.dispose()
    print(f"{target}: GET {path} on {rows:,} instances and op occs")
    print(f"  whole request (ASGI app, no socket): {whole * 1000:.2f} ms (median of {repeats})")
    print(f"  handler alone (called in this thread): {alone * 1000:.2f} ms")
    print(f"  SQL statements per request: {count[0]}")
    print("== the ASGI side (event loop thread: Connexion's middleware; the handler runs in "
          "its thread pool)")
    _print_profile(framework, top)
    print("== the handler")
    _print_profile(profile, top)


@contextmanager
def _streams_inline() -> Iterator[None]:
    """A streamed body made in this thread, where cProfile sees it, instead of a step
    at a time in worker threads (``iterate_in_threadpool``)."""

    async def inline(iterator: Any) -> Any:
        for item in iterator:
            yield item

    real = starlette.responses.iterate_in_threadpool
    starlette.responses.iterate_in_threadpool = inline  # type: ignore[assignment]
    try:
        yield
    finally:
        starlette.responses.iterate_in_threadpool = real


async def _drain(response: starlette.responses.StreamingResponse) -> None:
    async for _ in response.body_iterator:
        pass


def get_scope(target: str) -> dict[str, Any]:
    """The ASGI scope of a GET of ``target`` (a path and query) as uvicorn builds it."""
    path, _, query = target.partition("?")
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": unquote(path),
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1:8080"), (b"accept", b"application/json")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8080),
    }


async def asgi_get(app: Any, target: str) -> int:
    """One GET through the ASGI app as uvicorn would send it; returns the status."""
    sent: list[dict[str, Any]] = []
    received = False

    async def receive() -> dict[str, Any]:
        # The request once; then, as under uvicorn, nothing until the client goes away
        # (a streamed response listens for that while it sends).
        nonlocal received
        if received:
            await asyncio.Event().wait()
        received = True
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(get_scope(target), receive, send)
    return int(sent[0]["status"])


async def timed_gets(app: Any, target: str, repeats: int) -> list[float]:
    """The time each of ``repeats`` GETs of ``target`` takes through the ASGI app."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        status = await asgi_get(app, target)
        times.append(time.perf_counter() - started)
        if status != 200:
            raise RuntimeError(f"{target} answered {status}")
    return times


def _median(call: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def profile_operations(url: str, pairs: int, top: int) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        settings = Settings(
            database_url=url, host=LOOPBACK, port=0, vnfd_dir=scratch, poll_interval=3600
        )
        node = start_node(settings, run_executor=False)
        services = node.services
        executor = Executor(
            services, services.extras["adapter"], EventWaiter(services.readers, services.events)
        )
        http = requests.Session()
        base = f"{node.api_url}/vnflcm/v2"
        profile = cProfile.Profile()
        elapsed = 0.0
        try:
            for _ in range(pairs):
                created = http.post(f"{base}/vnf_instances", json={"vnfdId": CIRROS}, timeout=10)
                instance = created.json()["id"]
                for task, body in (
                    ("instantiate", {"flavourId": "simple"}),
                    ("terminate", {"terminationType": "FORCEFUL"}),
                ):
                    http.post(f"{base}/vnf_instances/{instance}/{task}", json=body, timeout=10)
                    started = time.perf_counter()
                    profile.enable()
                    for op_id in executor.claim(1):
                        executor.run(op_id)
                    profile.disable()
                    elapsed += time.perf_counter() - started
        finally:
            node.stop()
    print(f"operation: {2 * pairs} operations run by the executor in this thread")
    print(f"  {elapsed / (2 * pairs) * 1000:.1f} ms per operation (wall, waits included)")
    _print_profile(profile, top)


def profile_delivery(url: str, rows: int, top: int, logs: Path) -> None:
    port = free_port()
    argv = python_module("bench.apps.receiver", "--port", str(port))
    receiver = spawn("profile-receiver", argv, log_dir=logs)
    with receiver, tempfile.TemporaryDirectory() as scratch:
        wait_ready(receiver, port, "/stats")
        settings = Settings(database_url=url, vnfd_dir=scratch)
        services = build_services(settings)
        subscribers = 100
        with services.session() as session, session.begin():
            for index in range(subscribers):
                body = {"callbackUri": f"http://{LOOPBACK}:{port}/s/{index}"}
                add_subscription(session, validate_request(body))
        seeder = Seeder(services.engine)
        seeder.grow(1, 1)
        op_id = seeder.completed_instantiations[0]
        events = max(rows // subscribers, 1)
        with services.session() as session, session.begin():
            op = session.get(VnfLcmOpOccRow, op_id)
            if op is None:
                raise RuntimeError("no op occ to announce")
            instance = session.get(VnfInstanceRow, op.vnf_instance_id)
            for _ in range(events):
                publish(session, documents.op_occ_draft(op, instance))
        pump = Pump(services, owner=f"profile-{uuid.uuid4().hex[:6]}")
        delivered = 0
        profile = cProfile.Profile()
        started = time.perf_counter()
        profile.enable()
        while True:
            with services.session() as session, session.begin():
                claims = claim_due(session, pump.owner, 8, pump.settings, datetime.now(UTC))
            if not claims:
                break
            for claim in claims:
                delivered += pump._deliver(claim) == DELIVERED
        profile.disable()
        elapsed = time.perf_counter() - started
        pump.close()
        services.engine.dispose()
    print(f"deliver: {delivered} notifications claimed and sent one by one in this thread")
    print(f"  {elapsed / max(delivered, 1) * 1000:.2f} ms per notification")
    _print_profile(profile, top)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("target", choices=TARGETS)
    parser.add_argument("--rows", type=int, default=1000, help="rows per table (default 1000)")
    parser.add_argument("--backend", choices=BACKENDS, default=SQLITE)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("connexion").setLevel(logging.ERROR)
    with (
        tempfile.TemporaryDirectory() as workdir,
        temp_database(args.backend, Path(workdir)) as url,
    ):
        if args.target in REQUEST_TARGETS:
            profile_request(args.target, url, args.rows, args.repeats, args.top)
        elif args.target == "operation":
            profile_operations(url, max(args.repeats // 4, 1), args.top)
        else:
            profile_delivery(url, args.rows, args.top, Path(workdir) / "logs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
