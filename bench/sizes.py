"""How big each suite runs: ``tiny`` (the smoke test), ``quick`` (default), ``full``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Size:
    name: str
    # API overhead: rounds x seconds of load per endpoint and server (servers take turns
    # round by round, so a change in the machine's load hits all of them), after a warm-up.
    api_rounds: int
    api_seconds: float
    api_warmup: float
    api_rows: int
    api_connections: int
    # Queries at scale: the tables grow step by step; step i holds op_occ_steps[i]
    # op occs and instance_steps[i] instances.
    op_occ_steps: tuple[int, ...]
    instance_steps: tuple[int, ...]
    page_repeats: int
    list_repeats: int
    # Operations end to end.
    op_pairs: int
    op_time_limit: float
    baseline_samples: int
    # Notifications.
    subscribers: int
    events: int
    unhealthy: int
    notify_time_limit: float


TINY = Size(
    name="tiny",
    api_rounds=1,
    api_seconds=0.3,
    api_warmup=0.1,
    api_rows=20,
    api_connections=4,
    op_occ_steps=(50, 200),
    instance_steps=(40, 100),
    page_repeats=5,
    list_repeats=1,
    op_pairs=2,
    op_time_limit=60.0,
    baseline_samples=20,
    subscribers=10,
    events=3,
    unhealthy=2,
    notify_time_limit=30.0,
)

QUICK = Size(
    name="quick",
    api_rounds=3,
    api_seconds=1.0,
    api_warmup=1.0,
    api_rows=1000,
    api_connections=16,
    op_occ_steps=(1_000, 10_000),
    instance_steps=(1_000, 10_000),
    page_repeats=40,
    list_repeats=3,
    op_pairs=16,
    op_time_limit=120.0,
    baseline_samples=200,
    subscribers=100,
    events=10,
    unhealthy=10,
    notify_time_limit=60.0,
)

FULL = Size(
    name="full",
    api_rounds=5,
    api_seconds=3.0,
    api_warmup=2.0,
    api_rows=10_000,
    api_connections=16,
    op_occ_steps=(1_000, 10_000, 100_000),
    instance_steps=(1_000, 10_000, 50_000),
    page_repeats=100,
    list_repeats=5,
    op_pairs=64,
    op_time_limit=600.0,
    baseline_samples=1000,
    subscribers=100,
    events=50,
    unhealthy=10,
    notify_time_limit=180.0,
)

SIZES = {s.name: s for s in (TINY, QUICK, FULL)}

#: The instance count at which ``all_fields`` is measured against its target (issue 8).
ALL_FIELDS_ROWS = 10_000
#: The instance count the unpaged-list target is stated for.
UNPAGED_ROWS = 50_000
