"""Suite 4, notifications: a burst of events to many subscribers, through the outbox.

``vnfm serve`` runs as deployed; its delivery worker (vnfm.notify.delivery, started by
every node) sends what the outbox holds.  The subscribers are ``/s/{n}`` of one
asyncio receiver (bench/apps/receiver.py), subscribed through the API.  The
benchmark commits a burst of ``VnfLcmOperationOccurrenceNotification`` events, each
in its own transaction through the product's own outbox (``publish`` of an op occ
draft: matching in SQL, one outbox row per subscriber), records when each commit
returned, and the receiver records when each notification arrived.

1. Healthy: every subscriber answers 204 at once.
2. Baseline: the same documents, made ready at the same moments, POSTed by plain
   ``requests`` from as many threads as vnfm has delivery workers (bench/apps/sender.py,
   pinned where the server runs): the HTTP work alone.
3. Unhealthy: the same burst while some subscribers answer slowly and some fail
   (500); the figures are those of the healthy subscribers, against step 1.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import requests

from bench.context import RunContext
from bench.databases import temp_database
from bench.figures import Figure, at_least, below, ratio_at_least
from bench.procs import (
    CLIENT_CPUS,
    LOOPBACK,
    SERVER_CPUS,
    Child,
    cpu_seconds,
    free_port,
    python_module,
    spawn,
    wait_ready,
)
from bench.servers import Server, start_serve
from bench.stats import percentile
from vnfm.app import Services, build_services
from vnfm.config import Settings
from vnfm.db.models import VnfInstanceRow, VnfLcmOpOccRow
from vnfm.notify import documents
from vnfm.notify.outbox import publish

SUITE = "notifications"
RATE = 1000.0
P99_MS = 200.0
UNAFFECTED = 0.9
SLOW_DELAY = 1.0
#: vnfm's default ``notify_workers``; the baseline sender uses as many threads.
WORKERS = Settings().notify_workers


@dataclass
class Burst:
    """When each event's outbox rows were committed (unix time), by notification id."""

    commits: dict[str, float] = field(default_factory=dict)
    documents: list[tuple[float, str, Any]] = field(default_factory=list)


@dataclass
class Outcome:
    delivered: int
    expected: int
    seconds: float
    latencies_ms: list[float]
    cpu_s: float = 0.0
    timed_out: bool = False

    @property
    def rate(self) -> float:
        return self.delivered / self.seconds if self.seconds > 0 else 0.0


def run(ctx: RunContext) -> list[Figure]:
    figures: list[Figure] = []
    for backend in ctx.main_backends():
        figures += _run_backend(ctx, backend)
    return figures


def _run_backend(ctx: RunContext, backend: str) -> list[Figure]:
    size = ctx.size
    port = free_port()
    receiver = spawn(
        f"notifications-receiver-{backend}",
        python_module("bench.apps.receiver", "--port", str(port)),
        log_dir=ctx.logs,
        cpus=CLIENT_CPUS,
    )
    with receiver, temp_database(backend, ctx.workdir) as url:
        wait_ready(receiver, port, "/stats")
        receiver_url = f"http://{LOOPBACK}:{port}"
        server = start_serve(ctx, f"notifications-vnfm-{backend}", url)
        services = build_services(Settings(database_url=url, vnfd_dir=str(ctx.workdir / "vnfds")))
        try:
            subscribers = _subscribe(server, receiver_url, size.subscribers)
            op_id = _operation(services)
            healthy_all = set(range(size.subscribers))

            ctx.say(f"notifications/{backend}: {size.events} events to {size.subscribers} healthy")
            _control(receiver_url, slow=[], failing=[])
            cpu_before = cpu_seconds(server.pid)
            burst = _burst(services, op_id, subscribers, server.url, receiver_url, size.events)
            healthy = _wait(ctx, receiver_url, burst, healthy_all)
            healthy.cpu_s = cpu_seconds(server.pid) - cpu_before

            ctx.say(f"notifications/{backend}: the same with plain requests (baseline)")
            _control(receiver_url, slow=[], failing=[])
            bare = _bare(ctx, receiver_url, burst)

            half = size.unhealthy // 2
            slow = list(range(half))
            failing = list(range(half, size.unhealthy))
            ctx.say(f"notifications/{backend}: {len(slow)} slow and {len(failing)} failing")
            _control(receiver_url, slow=slow, failing=failing)
            burst = _burst(services, op_id, subscribers, server.url, receiver_url, size.events)
            unhealthy = _wait(ctx, receiver_url, burst, healthy_all - set(slow) - set(failing))
        finally:
            services.engine.dispose()
            server.stop()
    return _figures(ctx, backend, healthy, bare, unhealthy, len(slow), len(failing))


# --------------------------------------------------------------------------- set-up


def _subscribe(server: Server, receiver: str, count: int) -> dict[str, tuple[int, str]]:
    """Subscribe ``/s/0`` ... through the API; subscription id -> (index, verbosity)."""
    http = requests.Session()
    result = {}
    for index in range(count):
        response = http.post(
            f"{server.url}/vnflcm/v2/subscriptions",
            json={"callbackUri": f"{receiver}/s/{index}"},
            timeout=30,
        )
        if response.status_code != 201:
            raise RuntimeError(f"subscribing /s/{index}: {response.status_code} {response.text}")
        doc = response.json()
        result[doc["id"]] = (index, doc.get("verbosity", documents.FULL))
    return result


def _operation(services: Services) -> str:
    """A completed operation on an instance, whose notifications the bursts repeat."""
    instance_id, op_id = str(uuid.uuid4()), str(uuid.uuid4())
    stamp = "2026-01-01T00:00:00.000000Z"
    with services.session() as session, session.begin():
        session.add(
            VnfInstanceRow(
                id=instance_id,
                vnf_instance_name="notified",
                vnfd_id="11111111-1111-4111-8111-111111111111",
                vnf_provider="vnfm-samples",
                vnf_product_name="Cirros",
                vnf_software_version="1.0",
                vnfd_version="1.0",
                instantiation_state="INSTANTIATED",
                internal={},
                created_at=stamp,
            )
        )
        session.add(
            VnfLcmOpOccRow(
                id=op_id,
                vnf_instance_id=instance_id,
                operation="INSTANTIATE",
                operation_state="COMPLETED",
                state_entered_time=stamp,
                start_time=stamp,
                is_automatic_invocation=False,
                is_cancel_pending=False,
                operation_params={"flavourId": "simple"},
                resource_changes={"affectedVnfcs": []},
                step=1,
                context={},
                created_at=stamp,
            )
        )
    return op_id


def _burst(
    services: Services,
    op_id: str,
    subscribers: dict[str, tuple[int, str]],
    api_url: str,
    receiver: str,
    events: int,
) -> Burst:
    """Commit ``events`` notifications back to back, one transaction each."""
    burst = Burst()
    first = time.time()
    for _ in range(events):
        with services.session() as session, session.begin():
            op = session.get(VnfLcmOpOccRow, op_id)
            instance = session.get(VnfInstanceRow, op.vnf_instance_id) if op else None
            if op is None:
                raise RuntimeError(f"op occ {op_id} is gone")
            draft = documents.op_occ_draft(op, instance)
            queued = publish(session, draft)
        committed = time.time()
        if queued != len(subscribers):
            raise RuntimeError(f"{queued} subscriptions matched, not {len(subscribers)}")
        burst.commits[draft.id] = committed
        for subscription_id, (index, verbosity) in subscribers.items():
            payload, links = draft.addressed(subscription_id, verbosity)
            doc = {
                **payload,
                "_links": {k: {"href": f"{api_url}/vnflcm/v2/{v}"} for k, v in links.items()},
            }
            burst.documents.append((committed - first, f"{receiver}/s/{index}", doc))
    return burst


def _control(receiver: str, *, slow: list[int], failing: list[int]) -> None:
    http = requests.Session()
    http.post(f"{receiver}/reset", timeout=10).raise_for_status()
    body = {"slow": slow, "failing": failing, "delay": SLOW_DELAY}
    http.put(f"{receiver}/control", json=body, timeout=10).raise_for_status()


def _received(receiver: str) -> list[tuple[int, str, float]]:
    doc = requests.get(f"{receiver}/stats", timeout=30).json()
    return [(int(n), str(i), float(t)) for n, i, t in doc["received"]]


# --------------------------------------------------------------------------- measuring


def _wait(ctx: RunContext, receiver: str, burst: Burst, healthy: set[int]) -> Outcome:
    """Wait until every healthy subscriber has every notification (or the time limit)."""
    expected = len(healthy) * len(burst.commits)
    deadline = time.monotonic() + ctx.size.notify_time_limit
    while True:
        arrived = _arrivals(_received(receiver), burst.commits, healthy)
        if len(arrived) >= expected or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    return _outcome(arrived, burst.commits, expected, len(arrived) < expected)


def _arrivals(
    received: list[tuple[int, str, float]], commits: dict[str, float], healthy: set[int]
) -> dict[tuple[int, str], float]:
    """First arrival of each (subscriber, notification) of this burst at a healthy one."""
    first: dict[tuple[int, str], float] = {}
    for index, notification_id, at in received:
        if index in healthy and notification_id in commits:
            key = (index, notification_id)
            first[key] = min(at, first.get(key, at))
    return first


def _outcome(
    arrived: dict[tuple[int, str], float],
    ready: dict[str, float],
    expected: int,
    timed_out: bool,
) -> Outcome:
    if not arrived:
        return Outcome(0, expected, 0.0, [], timed_out=True)
    latencies = [(at - ready[nid]) * 1000 for (_, nid), at in arrived.items()]
    span = max(arrived.values()) - min(ready.values())
    return Outcome(len(arrived), expected, span, latencies, timed_out=timed_out)


def _bare(ctx: RunContext, receiver: str, burst: Burst) -> Outcome:
    jobs = ctx.workdir / "sender-jobs.json"
    out = ctx.workdir / "sender-out.json"
    jobs.write_text(json.dumps(burst.documents))
    argv = python_module(
        "bench.apps.sender", "--jobs", str(jobs), "--workers", str(WORKERS), "--out", str(out)
    )
    sender: Child = spawn("notifications-sender", argv, log_dir=ctx.logs, cpus=SERVER_CPUS)
    with sender:
        sender.process.wait(ctx.size.notify_time_limit + 30)
    if sender.process.returncode != 0:
        raise RuntimeError(f"the baseline sender failed:\n{sender.log_tail()}")
    result = json.loads(out.read_text())
    started = float(result["started"])
    # The sender's clock: document k became ready at started + its offset.
    ready: dict[tuple[int, str], float] = {}
    for offset, url, doc in burst.documents:
        ready[(int(url.rsplit("/", 1)[1]), doc["id"])] = started + offset
    arrived: dict[tuple[int, str], float] = {}
    for index, notification_id, at in _received(receiver):
        key = (index, notification_id)
        if key in ready:
            arrived[key] = min(at, arrived.get(key, at))
    latencies = [(at - ready[key]) * 1000 for key, at in arrived.items()]
    span = max(arrived.values()) - started if arrived else 0.0
    outcome = Outcome(len(arrived), len(ready), span, latencies)
    outcome.cpu_s = float(result["cpu_seconds"])
    return outcome


# --------------------------------------------------------------------------- figures


def _figures(
    ctx: RunContext,
    backend: str,
    healthy: Outcome,
    bare: Outcome,
    unhealthy: Outcome,
    slow: int,
    failing: int,
) -> list[Figure]:
    size = ctx.size
    for name, outcome in (("healthy", healthy), ("baseline", bare), ("unhealthy", unhealthy)):
        if outcome.timed_out or outcome.delivered < outcome.expected:
            ctx.note(
                f"notifications/{backend} {name}: {outcome.delivered} of {outcome.expected} "
                f"delivered within {size.notify_time_limit:g}s"
            )

    def details(outcome: Outcome) -> dict[str, Any]:
        return {
            "delivered": outcome.delivered,
            "expected": outcome.expected,
            "seconds": outcome.seconds,
            "p50_ms": percentile(outcome.latencies_ms, 50),
            "timed_out": outcome.timed_out,
            "workers": WORKERS,
            "slow_delay_s": SLOW_DELAY,
        }

    common = {"suite": SUITE, "backend": backend}
    ok = size.subscribers - slow - failing
    plain = f"plain requests x{WORKERS}"
    return [
        Figure(
            name=f"{size.subscribers} subscribers x {size.events} events: delivered/s",
            value=healthy.rate,
            unit="/s",
            baseline=bare.rate,
            baseline_name=plain,
            target=(at_least(RATE),),
            details={**details(healthy), "baseline": details(bare)},
            **common,
        ),
        Figure(
            name="p99 commit to receipt",
            value=percentile(healthy.latencies_ms, 99),
            unit="ms",
            baseline=percentile(bare.latencies_ms, 99),
            baseline_name=plain,
            target=(below(P99_MS),),
            **common,
        ),
        Figure(
            name="CPU per notification",
            value=healthy.cpu_s / max(healthy.delivered, 1) * 1000,
            unit="ms",
            baseline=bare.cpu_s / max(bare.delivered, 1) * 1000,
            baseline_name=plain,
            details={"vnfm_cpu_s": healthy.cpu_s, "baseline_cpu_s": bare.cpu_s},
            **common,
        ),
        Figure(
            name=f"{slow} slow + {failing} failing: delivered/s to the {ok} others",
            value=unhealthy.rate,
            unit="/s",
            baseline=healthy.rate,
            baseline_name="all healthy",
            target=(at_least(RATE), ratio_at_least(UNAFFECTED)),
            details=details(unhealthy),
            **common,
        ),
        Figure(
            name=f"{slow} slow + {failing} failing: p99 for the {ok} others",
            value=percentile(unhealthy.latencies_ms, 99),
            unit="ms",
            baseline=percentile(healthy.latencies_ms, 99),
            baseline_name="all healthy",
            target=(below(P99_MS),),
            **common,
        ),
    ]
