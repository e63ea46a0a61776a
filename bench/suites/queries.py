"""Suite 2, queries at scale, and suite 5, the server's memory while it answers them.

The tables grow step by step (e.g. 1k, 10k, 100k op occs beside 1k, 10k, 50k
instances).  At each step two ``vnfm serve`` processes start on the database: one
with the default page size (for the first page of a filtered list) and one whose
page size exceeds every table (for the unpaged lists).  Every figure is measured
over HTTP on a persistent connection, from request to last byte, and set beside
the same rows fetched with plain SQL and encoded with ``json.dumps`` in the
benchmark's own process (bench/rawsql.py).

Memory: the unpaged server's VmHWM (peak resident set) after its lists, beside its
resident set when it had just started.
"""

from __future__ import annotations

import json
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa

from bench import rawsql
from bench.context import RunContext
from bench.databases import analyze, temp_database
from bench.figures import Figure, below, ratio_at_most
from bench.procs import peak_rss_mb, rss_mb
from bench.seed import Seeder
from bench.servers import Client, Server, ready, start_serve
from bench.sizes import ALL_FIELDS_ROWS, UNPAGED_ROWS
from bench.stats import median
from vnfm.db.engine import make_engine

SUITE = "queries"
MEMORY_SUITE = "memory"
V2 = "/vnflcm/v2"

OP_OCCS = "op_occs"
INSTANCES = "instances"
FILTERED = {
    OP_OCCS: (
        "GET vnf_lcm_op_occs?filter",
        V2
        + "/vnf_lcm_op_occs?"
        + urlencode({"filter": "(eq,operationState,COMPLETED);(eq,operation,INSTANTIATE)"}),
        rawsql.OP_OCCS_FILTERED,
    ),
    INSTANCES: (
        "GET vnf_instances?filter",
        V2 + "/vnf_instances?" + urlencode({"filter": "(eq,instantiationState,INSTANTIATED)"}),
        rawsql.INSTANCES_FILTERED,
    ),
}
UNPAGED_PATH = V2 + "/vnf_instances"
ALL_FIELDS_PATH = V2 + "/vnf_instances?all_fields"

FIRST_PAGE_MS = 5.0
FLAT_RATIO = 1.5
UNPAGED_SECONDS = 0.4  # for UNPAGED_ROWS
ALL_FIELDS_SECONDS = 0.6  # for ALL_FIELDS_ROWS
MEMORY_MB = 150.0
WARMUP = 3
#: Seconds of repeated requests after which a slow one is not repeated more.
LIST_BUDGET = 20.0
PAGE_BUDGET = 5.0
MIN_SAMPLES = 5


@dataclass
class Timing:
    ours: float
    baseline: float
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class Step:
    op_occs: int
    instances: int
    seed_seconds: float
    first_page: dict[str, Timing] = field(default_factory=dict)
    unpaged: Timing | None = None
    all_fields: Timing | None = None
    idle_mb: float = 0.0
    peak_mb: float = 0.0
    paged_peak_mb: float = 0.0


def run(ctx: RunContext) -> list[Figure]:
    figures: list[Figure] = []
    for backend in ctx.every_backend():
        figures += _run_backend(ctx, backend)
    return figures


def _run_backend(ctx: RunContext, backend: str) -> list[Figure]:
    size = ctx.size
    big_page = max(size.op_occ_steps + size.instance_steps) + 1
    all_fields_at = max(
        (n for n in size.instance_steps if n <= ALL_FIELDS_ROWS), default=size.instance_steps[0]
    )
    steps: list[Step] = []
    with temp_database(backend, ctx.workdir) as url:
        engine = make_engine(url)
        seeder = Seeder(engine)
        raw = sa.create_engine(url)
        try:
            for op_occs, instances in zip(size.op_occ_steps, size.instance_steps, strict=True):
                ctx.say(f"queries/{backend}: seeding {instances:,} instances, {op_occs:,} op occs")
                started = time.perf_counter()
                seeder.grow(instances, op_occs)
                analyze(url)
                step = Step(op_occs, instances, time.perf_counter() - started)
                with ExitStack() as running:
                    name = f"queries-{backend}-{op_occs}"
                    paged = start_serve(ctx, f"{name}-paged", url, wait=False)
                    running.callback(paged.stop)
                    unpaged = start_serve(
                        ctx,
                        f"{name}-unpaged",
                        url,
                        settings={"VNFM_PAGE_SIZE": str(big_page)},
                        wait=False,
                    )
                    running.callback(unpaged.stop)
                    ready(paged)
                    ready(unpaged)
                    step.idle_mb = rss_mb(unpaged.pid)
                    with raw.connect() as conn:
                        _measure_step(ctx, backend, step, paged, unpaged, conn, all_fields_at)
                    step.peak_mb = peak_rss_mb(unpaged.pid)
                    step.paged_peak_mb = peak_rss_mb(paged.pid)
                steps.append(step)
        finally:
            raw.dispose()
            engine.dispose()
    info_sizes = seeder.info_sizes
    mean_info = sum(info_sizes) / len(info_sizes) if info_sizes else 0
    return _figures(backend, steps, round(mean_info))


def _measure_step(
    ctx: RunContext,
    backend: str,
    step: Step,
    paged: Server,
    unpaged: Server,
    conn: sa.Connection,
    all_fields_at: int,
) -> None:
    size = ctx.size
    ctx.say(f"queries/{backend}: measuring at {step.instances:,} instances, {step.op_occs:,} ops")
    client = Client(paged.port)
    try:
        base = paged.url + V2
        for key, (_label, path, query) in FILTERED.items():
            expect = [rawsql.timed_body(conn, query, base)[1] for _ in range(WARMUP)][0]
            ours = _http_times(client, path, size.page_repeats, expect=expect)
            baseline = [rawsql.timed_body(conn, query, base)[0] for _ in range(size.page_repeats)]
            step.first_page[key] = Timing(
                ours=median(ours) * 1000,
                baseline=median(baseline) * 1000,
                details={"samples": len(ours)},
            )
    finally:
        client.close()

    client = Client(unpaged.port)
    try:
        base = unpaged.url + V2
        if step.instances == size.instance_steps[-1]:
            step.unpaged = _list_timing(
                client, conn, UNPAGED_PATH, rawsql.INSTANCES_ALL, base, size.list_repeats
            )
        if step.instances == all_fields_at:
            step.all_fields = _list_timing(
                client, conn, ALL_FIELDS_PATH, rawsql.INSTANCES_ALL_FIELDS, base, size.list_repeats
            )
    finally:
        client.close()


def _http_times(client: Client, path: str, repeats: int, expect: int) -> list[float]:
    """Seconds per GET, after a warm-up; the first answer is checked."""
    for n in range(WARMUP):
        status, body, _ = client.get(path)
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}: {body[:300]!r}")
        if n == 0 and len(json.loads(body)) != expect:
            raise RuntimeError(f"GET {path} returned {len(json.loads(body))} of {expect} items")
    times: list[float] = []
    while len(times) < repeats and (len(times) < MIN_SAMPLES or sum(times) < PAGE_BUDGET):
        times.append(client.get(path)[2])
    return times


def _list_timing(
    client: Client,
    conn: sa.Connection,
    path: str,
    query: rawsql.Query,
    base: str,
    repeats: int,
) -> Timing:
    rows = int(conn.execute(sa.text("SELECT count(*) FROM vnf_instances")).scalar_one())
    status, body, first = client.get(path)
    if status != 200:
        raise RuntimeError(f"GET {path} answered {status}: {body[:300]!r}")
    returned = len(json.loads(body))
    if returned != rows:
        raise RuntimeError(f"GET {path} returned {returned} of {rows} instances")
    # A list slower than the budget is measured by its first (checked) request alone.
    ours: list[float] = [] if first < LIST_BUDGET else [first]
    while len(ours) < repeats and sum(ours) < LIST_BUDGET:
        ours.append(client.get(path)[2])
    rawsql.timed_body(conn, query, base)
    baseline = [rawsql.timed_body(conn, query, base)[0] for _ in range(repeats)]
    return Timing(
        ours=median(ours),
        baseline=median(baseline),
        details={
            "rows": rows,
            "body_bytes": len(body),
            "first_request_s": first,
            "samples": len(ours),
        },
    )


def _figures(backend: str, steps: list[Step], mean_info_bytes: int) -> list[Figure]:
    figures: list[Figure] = []
    common = {"backend": backend}
    seeding = [
        {
            "op_occs": s.op_occs,
            "instances": s.instances,
            "seed_seconds": round(s.seed_seconds, 2),
            "idle_mb": round(s.idle_mb, 1),
            "peak_mb": round(s.peak_mb, 1),
            "paged_server_peak_mb": round(s.paged_peak_mb, 1),
            "unpaged_s": s.unpaged.ours if s.unpaged else None,
        }
        for s in steps
    ]
    for key, (label, _path, _query) in FILTERED.items():
        for step in steps:
            rows = step.op_occs if key == OP_OCCS else step.instances
            timing = step.first_page[key]
            figures.append(
                Figure(
                    suite=SUITE,
                    name=f"{label} page 1 p50, {rows:,} rows",
                    value=timing.ours,
                    unit="ms",
                    baseline=timing.baseline,
                    baseline_name="raw SQL + json",
                    target=(below(FIRST_PAGE_MS),),
                    target_note="Tacker 13-16 ms",
                    details=timing.details,
                    **common,
                )
            )
        first, last = steps[0], steps[-1]
        if len(steps) > 1:
            rows_first = first.op_occs if key == OP_OCCS else first.instances
            rows_last = last.op_occs if key == OP_OCCS else last.instances
            figures.append(
                Figure(
                    suite=SUITE,
                    name=f"{label} page 1 p50 at {rows_last:,} rows",
                    value=last.first_page[key].ours,
                    unit="ms",
                    baseline=first.first_page[key].ours,
                    baseline_name=f"same at {rows_first:,} rows",
                    target=(ratio_at_most(FLAT_RATIO),),
                    target_note="flat",
                    **common,
                )
            )

    last = steps[-1]
    if last.unpaged is not None:
        rows = last.unpaged.details["rows"]
        figures.append(
            Figure(
                suite=SUITE,
                name=f"GET vnf_instances unpaged, {rows:,} rows",
                value=last.unpaged.ours,
                unit="s",
                baseline=last.unpaged.baseline,
                baseline_name="raw SQL + json",
                target=(below(UNPAGED_SECONDS * rows / UNPAGED_ROWS), ratio_at_most(3)),
                target_note=_scaled_note(UNPAGED_SECONDS, UNPAGED_ROWS, rows, "Tacker 2.2-2.5 s"),
                details={**last.unpaged.details, "steps": seeding},
                **common,
            )
        )
    for step in steps:
        if step.all_fields is None:
            continue
        rows = step.all_fields.details["rows"]
        figures.append(
            Figure(
                suite=SUITE,
                name=f"GET vnf_instances?all_fields, {rows:,} rows",
                value=step.all_fields.ours,
                unit="s",
                baseline=step.all_fields.baseline,
                baseline_name="raw SQL + json",
                target=(below(ALL_FIELDS_SECONDS * rows / ALL_FIELDS_ROWS),),
                target_note=_scaled_note(
                    ALL_FIELDS_SECONDS, ALL_FIELDS_ROWS, rows, "Tacker 3.9-4.1 s"
                ),
                details={**step.all_fields.details, "instantiated_vnf_info_bytes": mean_info_bytes},
                **common,
            )
        )

    worst = max(steps, key=lambda s: s.peak_mb)
    figures.append(
        Figure(
            suite=MEMORY_SUITE,
            name=f"server peak RSS, lists of up to {worst.instances:,} instances",
            value=worst.peak_mb,
            unit="MB",
            baseline=worst.idle_mb,
            baseline_name="same server idle",
            target=(below(MEMORY_MB),),
            target_note="Tacker 365 MB",
            details={"steps": seeding},
            **common,
        )
    )
    return figures


def _scaled_note(seconds: float, for_rows: int, rows: int, tacker: str) -> str:
    if rows == for_rows:
        return tacker
    return f"{seconds:g} s per {for_rows:,} rows; {tacker} @{for_rows // 1000}k"
