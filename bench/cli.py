"""``python -m bench``: run the suites, print one table, write the figures as JSON."""

from __future__ import annotations

import argparse
import logging
import os
import platform
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.context import RunContext
from bench.databases import BACKENDS, POSTGRESQL, SQLITE, postgres_available
from bench.figures import Figure, markdown_table, text_table, write_results
from bench.load import PYTHON, WRK, default_tool, wrk_version
from bench.procs import ALL_CPUS, CLIENT_CPUS, SERVER_CPUS, pin_self
from bench.sizes import FULL, QUICK, SIZES

RESULTS_DIR = Path(__file__).resolve().parent / "results"
SuiteRun = Callable[[RunContext], list[Figure]]


def _suites() -> dict[str, SuiteRun]:
    from bench.suites import api, notifications, operations, queries

    return {
        "api": api.run,
        "queries": queries.run,
        "operations": operations.run,
        "notifications": notifications.run,
    }


#: ``--only memory`` runs the queries suite, which measures the server's memory too.
ALIASES = {"memory": "queries"}
SUITE_NAMES = ("api", "queries", "memory", "operations", "notifications")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="vnfm benchmarks: each figure beside a baseline measured in the same run.",
    )
    parser.add_argument("--full", action="store_true", help="the large sizes (takes long)")
    parser.add_argument(
        "--size", choices=sorted(SIZES), help="size preset (default quick; --full = full)"
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=SUITE_NAMES,
        metavar="SUITE",
        help=f"run only this suite (repeatable): {', '.join(SUITE_NAMES)}",
    )
    parser.add_argument(
        "--backend",
        choices=BACKENDS,
        help="database to run on (default: SQLite, and PostgreSQL when reachable)",
    )
    parser.add_argument(
        "--load", choices=(WRK, PYTHON), help="load generator (default: wrk when installed)"
    )
    parser.add_argument(
        "--results", type=Path, default=RESULTS_DIR, help="directory for the JSON results"
    )
    parser.add_argument("--no-pin", action="store_true", help="do not pin processes to CPUs")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    size = SIZES[args.size] if args.size else (FULL if args.full else QUICK)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("connexion").setLevel(logging.ERROR)

    notes: list[str] = []
    if args.backend:
        if args.backend == POSTGRESQL and not postgres_available():
            print("bench: PostgreSQL is not reachable", file=sys.stderr)
            return 2
        backends: tuple[str, ...] = (args.backend,)
    elif postgres_available():
        backends = (SQLITE, POSTGRESQL)
    else:
        backends = (SQLITE,)
        notes.append("PostgreSQL not reachable: SQLite only")

    tool = args.load or default_tool()
    if tool == PYTHON and not args.load:
        notes.append("wrk not installed: the Python load generator was used")
    if not args.no_pin and CLIENT_CPUS:
        pin_self(CLIENT_CPUS)
        notes.append(
            f"bench and load generator pinned to CPU {sorted(CLIENT_CPUS)}, "
            f"measured servers to CPU {sorted(SERVER_CPUS or [])}"
        )

    workdir = Path(tempfile.mkdtemp(prefix="vnfm-bench-"))
    ctx = RunContext(
        size=size,
        backends=backends,
        backend_chosen=bool(args.backend),
        workdir=workdir,
        load_tool=tool,
        notes=notes,
    )
    wanted = [ALIASES.get(name, name) for name in (args.only or [])]
    suites = {n: run for n, run in _suites().items() if not wanted or n in wanted}
    started = datetime.now(UTC)
    figures: list[Figure] = []
    errors: list[dict[str, str]] = []
    ctx.say(f"size {size.name}, backends {', '.join(backends)}, load generator {tool}")
    for name, run in suites.items():
        ctx.say(f"suite {name}")
        try:
            figures += run(ctx)
        except Exception as exc:
            traceback.print_exc()
            errors.append({"suite": name, "error": f"{type(exc).__name__}: {exc}"})
    finished = datetime.now(UTC)

    table = text_table(figures)
    print(table)
    for note in ctx.notes:
        print(f"note: {note}")
    for error in errors:
        print(f"ERROR in suite {error['suite']}: {error['error']}")

    document = _document(ctx, args, started, finished, figures, errors, list(suites))
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    markdown = markdown_table(figures)
    latest = write_results(args.results, f"{stamp}-{size.name}", document, markdown)
    print(f"figures written to {latest}")
    if args.keep or errors:
        print(f"scratch directory (logs) kept: {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if errors else 0


def _document(
    ctx: RunContext,
    args: argparse.Namespace,
    started: datetime,
    finished: datetime,
    figures: list[Figure],
    errors: list[dict[str, str]],
    suites: list[str],
) -> dict[str, Any]:
    return {
        "tool": "vnfm bench",
        "format": 1,
        "size": ctx.size.name,
        "suites": suites,
        "backends": list(ctx.backends),
        "started": started.isoformat(),
        "finished": finished.isoformat(),
        "seconds": round((finished - started).total_seconds(), 1),
        "machine": {
            "cpus": len(ALL_CPUS),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "load_generator": ctx.load_tool,
            "wrk": wrk_version() if ctx.load_tool == WRK else "",
            "pinned": not args.no_pin and bool(CLIENT_CPUS),
            "loadavg_at_end": list(os.getloadavg()),
        },
        "sizes": vars(ctx.size),
        "figures": [f.as_dict() for f in figures],
        "notes": ctx.notes,
        "errors": errors,
        "elapsed": round(time.monotonic() - ctx.started, 1),
    }
