"""Suite 3, operations end to end: concurrent instantiate + terminate pairs.

A standalone ESC simulator (``vnfm esc-sim``, zero boot time) plays ESC.  One
``vnfm serve`` process, and on PostgreSQL also one with a ``vnfm worker`` beside it
(its ``VNFM_PUBLIC_URL`` names the serve process, where ESC's callbacks arrive),
run N pairs: every instance is instantiated, and terminated (FORCEFUL) as soon as
its instantiation completed, all through the API.  The driver watches the op occs
in the database, so that watching costs the VNFM nothing.  VNFM processes are not
pinned here: with two of them, each may use a core.

Figures: operations per second, time per operation (the op occ's own
``startTime`` to ``stateEnteredTime`` of COMPLETED), and CPU seconds the VNFM
processes spent per operation (/proc/<pid>/stat, all threads).

Baseline: the work one operation cannot avoid, done alone and timed.  Once per
backend an in-process node counts the database commits and ESC requests an
operation makes (SQLAlchemy commit events; the simulator's call log); then the
benchmark times that many bare commits (an UPDATE of an op occ's ``step`` and
``context``, one transaction each) and bare adapter calls (``get_deployment``
against the same simulator), one after another.
"""

from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import requests
import sqlalchemy as sa
from sqlalchemy import event, update

from bench.context import RunContext
from bench.databases import POSTGRESQL, temp_database
from bench.figures import Figure, ratio_at_most
from bench.procs import LOOPBACK, Child, cpu_seconds, free_port
from bench.servers import Server, start_serve, start_simulator, start_worker
from bench.stats import percentile
from vnfm.config import Settings
from vnfm.db.engine import make_engine
from vnfm.db.models import VnfLcmOpOccRow
from vnfm.lcm import deployment
from vnfm.node import start_node
from vnfm.southbound.esc.client import EscAdapter
from vnfm.southbound.types import ServiceState
from vnfm.vnfd.catalog import Catalog

SUITE = "operations"
CIRROS = "11111111-1111-4111-8111-111111111111"
FLAVOUR = "simple"
BAD_STATES = frozenset({"FAILED_TEMP", "FAILED", "ROLLED_BACK"})
OVERHEAD_RATIO = 3.0
COUNTED_PAIRS = 2
POLL = 0.02
_STAMP = "%Y-%m-%dT%H:%M:%S.%fZ"


@dataclass
class WorkCount:
    """What one operation (the mean of an instantiate and a terminate) needs."""

    commits: float
    esc_calls: float
    callbacks: float
    context: dict[str, Any]


@dataclass
class Baseline:
    commit_s: float
    esc_call_s: float
    count: WorkCount

    @property
    def per_op_s(self) -> float:
        return self.count.commits * self.commit_s + self.count.esc_calls * self.esc_call_s


@dataclass
class Drive:
    completed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    timed_out: bool = False


@dataclass
class RunResult:
    processes: int
    pairs: int
    seconds: float
    cpu_s: float
    durations: list[float]
    drive: Drive

    @property
    def ops(self) -> int:
        return len(self.drive.completed)


def run(ctx: RunContext) -> list[Figure]:
    figures: list[Figure] = []
    for backend in ctx.every_backend():
        processes = (1, 2) if backend == POSTGRESQL else (1,)
        figures += _run_backend(ctx, backend, processes)
    return figures


def _run_backend(ctx: RunContext, backend: str, processes: tuple[int, ...]) -> list[Figure]:
    with temp_database(backend, ctx.workdir) as url:
        ctx.say(f"operations/{backend}: counting the commits and ESC calls of one operation")
        count = _count_work(ctx, url)
        simulator = start_simulator(ctx, f"operations-sim-{backend}")
        try:
            baseline = _time_baseline(ctx, url, simulator, count)
            results = [_run_config(ctx, backend, url, simulator, p) for p in processes]
        finally:
            simulator.stop()
    return _figures(ctx, backend, baseline, results)


# --------------------------------------------------------------------------- baseline


def _wait_op(http: requests.Session, location: str, timeout: float = 60.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        doc = http.get(location, timeout=10).json()
        if doc["operationState"] == "COMPLETED" or doc["operationState"] in BAD_STATES:
            return doc
        if time.monotonic() > deadline:
            raise RuntimeError(f"operation stuck in {doc['operationState']}: {location}")
        time.sleep(0.01)


def _count_work(ctx: RunContext, url: str) -> WorkCount:
    """Run a few pairs, one at a time, in a node in this process, and count."""
    settings = Settings(
        database_url=url,
        host=LOOPBACK,
        port=0,
        vnfd_dir=str(ctx.workdir / "vnfds"),
        # The first claim happens on request (kick); no idle polls inside the count.
        poll_interval=60.0,
    )
    node = start_node(settings)
    commits = 0
    lock = threading.Lock()

    def on_commit(_conn: Any) -> None:
        nonlocal commits
        with lock:
            commits += 1

    event.listen(node.services.engine, "commit", on_commit)
    http = requests.Session()
    base = f"{node.api_url}/vnflcm/v2"
    sim = node.simulator.url
    calls = events = counted_commits = 0
    try:
        for _ in range(COUNTED_PAIRS):
            created = http.post(f"{base}/vnf_instances", json={"vnfdId": CIRROS}, timeout=10)
            created.raise_for_status()
            instance = created.json()["id"]
            http.delete(f"{sim}/sim/calls", timeout=10)
            events_before = len(http.get(f"{sim}/sim/events", timeout=10).json())
            before = commits
            for task, body in (("instantiate", {"flavourId": FLAVOUR}), ("terminate", _FORCEFUL)):
                response = http.post(f"{base}/vnf_instances/{instance}/{task}", json=body)
                response.raise_for_status()
                doc = _wait_op(http, response.headers["Location"])
                if doc["operationState"] != "COMPLETED":
                    raise RuntimeError(f"{task} ended in {doc['operationState']}: {doc}")
            counted_commits += commits - before
            calls += len(http.get(f"{sim}/sim/calls", timeout=10).json())
            events += len(http.get(f"{sim}/sim/events", timeout=10).json()) - events_before
    finally:
        event.remove(node.services.engine, "commit", on_commit)
        node.stop()
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            context = conn.execute(
                sa.select(VnfLcmOpOccRow.context)
                .where(VnfLcmOpOccRow.operation == "INSTANTIATE")
                .limit(1)
            ).scalar_one()
    finally:
        engine.dispose()
    ops = 2 * COUNTED_PAIRS
    return WorkCount(counted_commits / ops, calls / ops, events / ops, context)


_FORCEFUL = {"terminationType": "FORCEFUL"}


def _time_baseline(ctx: RunContext, url: str, simulator: Server, count: WorkCount) -> Baseline:
    samples = ctx.size.baseline_samples
    engine = make_engine(url)  # the product's engine: same SQLite pragmas and BEGIN
    try:
        with engine.connect() as conn:
            op_id = conn.execute(sa.select(VnfLcmOpOccRow.id).limit(1)).scalar_one()
        table = VnfLcmOpOccRow.__table__
        statement = update(table).where(table.c.id == op_id)
        for n in range(5):
            with engine.begin() as conn:
                conn.execute(statement.values(step=n, context=count.context))
        started = time.perf_counter()
        for n in range(samples):
            with engine.begin() as conn:
                conn.execute(statement.values(step=n, context=count.context))
        commit_s = (time.perf_counter() - started) / samples
    finally:
        engine.dispose()

    dead = f"http://{LOOPBACK}:{free_port()}/esc/events"
    adapter = EscAdapter(simulator.url, callback_url=dead, esc_events_url=dead, retries=0)
    try:
        vnfd = Catalog.load(None).get(CIRROS)
        if vnfd is None:
            raise RuntimeError(f"bundled VNFD {CIRROS} is missing")
        flavour = vnfd.flavours[FLAVOUR]
        plan = deployment.make_plan(
            default_network="esc-net",
            instance_id=str(uuid.uuid4()),
            vnfd=vnfd,
            flavour=flavour,
            vdu_counts={vdu: 1 for vdu in flavour.vdus},
            scale_levels={},
            level_id=None,
            request={"flavourId": FLAVOUR},
            tenant="vnfm",
            monitoring={},
            vim_connection="default",
        )
        adapter.deploy(deployment.deployment_spec(vnfd, plan))
        name = plan["deployment"]
        deadline = time.monotonic() + 30
        while True:
            state = adapter.get_deployment(name)
            if state is not None and state.state is ServiceState.SERVICE_ACTIVE_STATE:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"the simulator did not deploy {name}")
            time.sleep(0.02)
        started = time.perf_counter()
        for _ in range(samples):
            adapter.get_deployment(name)
        esc_call_s = (time.perf_counter() - started) / samples
        adapter.undeploy("vnfm", name)
    finally:
        adapter.close()
    return Baseline(commit_s, esc_call_s, count)


# --------------------------------------------------------------------------- measured run


def _run_config(
    ctx: RunContext, backend: str, url: str, simulator: Server, processes: int
) -> RunResult:
    pairs = ctx.size.op_pairs
    ctx.say(f"operations/{backend}: {pairs} concurrent pairs on {processes} process(es)")
    name = f"operations-{backend}-{processes}"
    esc = {"VNFM_ESC_URL": simulator.url}
    serve = start_serve(ctx, f"{name}-serve", url, settings=esc, cpus=None)
    children: list[Child] = []
    reader = sa.create_engine(url)
    try:
        if processes == 2:
            children.append(
                start_worker(
                    ctx, f"{name}-worker", url, public_url=serve.url, esc_url=simulator.url
                )
            )
        pids = [serve.pid, *(c.pid for c in children)]
        http = requests.Session()
        base = f"{serve.url}/vnflcm/v2"
        instances = []
        for _ in range(pairs + 1):
            created = http.post(f"{base}/vnf_instances", json={"vnfdId": CIRROS}, timeout=10)
            created.raise_for_status()
            instances.append(created.json()["id"])
        warm = _drive(base, instances[:1], reader, ctx.size.op_time_limit)
        if warm.failed or warm.errors or warm.timed_out:
            raise RuntimeError(f"the warm-up pair failed: {warm}")
        cpu_before = sum(cpu_seconds(pid) for pid in pids)
        started = time.perf_counter()
        drive = _drive(base, instances[1:], reader, ctx.size.op_time_limit)
        seconds = time.perf_counter() - started
        cpu = sum(cpu_seconds(pid) for pid in pids) - cpu_before
        durations = _durations(reader, drive.completed)
    finally:
        reader.dispose()
        for child in children:
            child.stop()
        serve.stop()
    if drive.failed or drive.errors or drive.timed_out:
        ctx.note(
            f"operations/{backend}/{processes}: {len(drive.failed)} failed, "
            f"{len(drive.errors)} refused, timed out: {drive.timed_out}"
        )
    return RunResult(processes, pairs, seconds, cpu, durations, drive)


def _drive(base: str, instances: list[str], reader: sa.Engine, time_limit: float) -> Drive:
    """Instantiate every instance at once; terminate each when its instantiation is done."""
    result = Drive()
    local = threading.local()

    def post(instance: str, task: str, body: dict[str, Any]) -> str:
        http = getattr(local, "http", None)
        if http is None:
            http = local.http = requests.Session()
        response = http.post(f"{base}/vnf_instances/{instance}/{task}", json=body, timeout=30)
        if response.status_code != 202:
            raise RuntimeError(f"{task} of {instance}: {response.status_code} {response.text}")
        return response.headers["Location"].rsplit("/", 1)[1]

    posting: dict[Future[str], tuple[str, str]] = {}
    open_ops: dict[str, tuple[str, str]] = {}
    deadline = time.monotonic() + time_limit
    with ThreadPoolExecutor(max_workers=8) as pool:
        for instance in instances:
            future = pool.submit(post, instance, "instantiate", {"flavourId": FLAVOUR})
            posting[future] = (instance, "instantiate")
        while posting or open_ops:
            for future in [f for f in posting if f.done()]:
                instance, task = posting.pop(future)
                try:
                    open_ops[future.result()] = (instance, task)
                except Exception as exc:
                    result.errors.append(str(exc))
            if open_ops:
                for op_id, state in _states(reader, list(open_ops)):
                    if state == "COMPLETED":
                        instance, task = open_ops.pop(op_id)
                        result.completed.append(op_id)
                        if task == "instantiate":
                            future = pool.submit(post, instance, "terminate", _FORCEFUL)
                            posting[future] = (instance, "terminate")
                    elif state in BAD_STATES:
                        open_ops.pop(op_id)
                        result.failed.append(op_id)
            if time.monotonic() > deadline:
                result.timed_out = True
                break
            time.sleep(POLL)
    return result


def _states(reader: sa.Engine, op_ids: list[str]) -> list[tuple[str, str]]:
    table = VnfLcmOpOccRow.__table__
    with reader.connect() as conn:
        rows = conn.execute(
            sa.select(table.c.id, table.c.operation_state).where(table.c.id.in_(op_ids))
        )
        return [(row[0], row[1]) for row in rows]


def _durations(reader: sa.Engine, op_ids: list[str]) -> list[float]:
    if not op_ids:
        return []
    table = VnfLcmOpOccRow.__table__
    with reader.connect() as conn:
        rows = conn.execute(
            sa.select(table.c.start_time, table.c.state_entered_time).where(table.c.id.in_(op_ids))
        ).all()
    return [
        (datetime.strptime(end, _STAMP) - datetime.strptime(start, _STAMP)).total_seconds()
        for start, end in rows
    ]


# --------------------------------------------------------------------------- figures


def _figures(
    ctx: RunContext, backend: str, baseline: Baseline, results: list[RunResult]
) -> list[Figure]:
    per_op_ms = baseline.per_op_s * 1000
    count = baseline.count
    base_details = {
        "commits_per_op": count.commits,
        "esc_calls_per_op": count.esc_calls,
        "esc_callbacks_per_op": count.callbacks,
        "bare_commit_ms": baseline.commit_s * 1000,
        "bare_esc_call_ms": baseline.esc_call_s * 1000,
    }
    name = f"{count.commits:.1f} commits + {count.esc_calls:.1f} ESC calls"
    figures: list[Figure] = []
    for result in results:
        ops = max(result.ops, 1)
        durations_ms = [d * 1000 for d in result.durations]
        details = {
            **base_details,
            "pairs": result.pairs,
            "processes": result.processes,
            "completed_ops": result.ops,
            "failed_ops": len(result.drive.failed),
            "refused_requests": len(result.drive.errors),
            "timed_out": result.drive.timed_out,
            "seconds": result.seconds,
            "cpu_seconds": result.cpu_s,
        }
        label = f"{result.pairs} pairs, {result.processes} proc"
        common = {"suite": SUITE, "backend": backend, "details": details}
        figures += [
            Figure(
                name=f"{label}: ops/s",
                value=result.ops / result.seconds,
                unit="op/s",
                baseline=1 / baseline.per_op_s,
                baseline_name=f"1 / ({name})",
                **common,
            ),
            Figure(
                name=f"{label}: time per op p50",
                value=percentile(durations_ms, 50),
                unit="ms",
                baseline=per_op_ms,
                baseline_name=name,
                **common,
            ),
            Figure(
                name=f"{label}: time per op p99",
                value=percentile(durations_ms, 99),
                unit="ms",
                baseline=per_op_ms,
                baseline_name=name,
                **common,
            ),
            Figure(
                name=f"{label}: VNFM CPU per op",
                value=result.cpu_s / ops * 1000,
                unit="ms",
                baseline=per_op_ms,
                baseline_name=name,
                target=(ratio_at_most(OVERHEAD_RATIO),),
                **common,
            ),
        ]
    if len(results) > 1:
        one, two = results[0], results[1]
        figures.append(
            Figure(
                suite=SUITE,
                backend=backend,
                name=f"{two.pairs} pairs: ops/s on {two.processes} processes",
                value=two.ops / two.seconds,
                unit="op/s",
                baseline=one.ops / one.seconds,
                baseline_name=f"same on {one.processes} process",
            )
        )
    return figures
