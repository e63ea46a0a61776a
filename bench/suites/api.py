"""Suite 1, API overhead: single-resource GETs on the real server against bare apps.

``vnfm serve`` runs as its users start it (a child process: uvicorn, the executor and
the embedded ESC simulator) on a database seeded with realistic rows.  The same
documents it returns are then served from memory by a bare Connexion 3 AsyncApp and a
bare Flask app (bench/apps/bare.py), with the same uvicorn settings, and by the bare
Flask app under Werkzeug's WSGI server.  One load generator and 16 persistent
connections for all of them.
"""

from __future__ import annotations

import json
from contextlib import ExitStack

from bench.apps.bare import KINDS
from bench.context import RunContext
from bench.databases import analyze, temp_database
from bench.figures import Figure, at_least, at_most, ratio_at_least
from bench.load import LoadResult, combine, run_load
from bench.procs import (
    SERVER_CPUS,
    Child,
    free_port,
    http_get,
    python_module,
    spawn,
    wait_ready,
)
from bench.seed import Seeder
from bench.servers import ready, start_serve
from vnfm.db.engine import make_engine

SUITE = "api"
ENDPOINTS = {
    "instance": "GET vnf_instances/{id}",
    "op_occ": "GET vnf_lcm_op_occs/{id}",
}
#: Tacker's best single-GET throughput and p50 latency, each to be beaten ten times.
TACKER_RPS = 132.0
TACKER_P50_MS = 112.0


def run(ctx: RunContext) -> list[Figure]:
    figures: list[Figure] = []
    for backend in ctx.main_backends():
        figures += _run_backend(ctx, backend)
    return figures


def _run_backend(ctx: RunContext, backend: str) -> list[Figure]:
    size = ctx.size
    with temp_database(backend, ctx.workdir) as url:
        engine = make_engine(url)
        seeder = Seeder(engine)
        seeder.grow(size.api_rows, size.api_rows)
        engine.dispose()
        analyze(url)
        paths = {
            "instance": "/vnflcm/v2/vnf_instances/"
            + seeder.instantiated_ids[len(seeder.instantiated_ids) // 2],
            "op_occ": "/vnflcm/v2/vnf_lcm_op_occs/"
            + seeder.completed_instantiations[len(seeder.completed_instantiations) // 2],
        }
        ctx.say(f"api/{backend}: vnfm serve and the bare servers, {size.api_rows} rows")
        docs_file = ctx.workdir / "api-docs.json"
        docs_file.unlink(missing_ok=True)
        with ExitStack() as running:
            # All start at once; the bare ones read the documents at their first request.
            server = start_serve(ctx, f"api-vnfm-{backend}", url, wait=False)
            running.callback(server.stop)
            bare: dict[str, Child] = {}
            ports = {"vnfm": server.port}
            for kind in KINDS:
                ports[kind] = free_port()
                argv = ["bench.apps.bare", kind, "--port", str(ports[kind])]
                bare[kind] = running.enter_context(
                    spawn(
                        f"api-bare-{kind}",
                        python_module(*argv, "--docs", str(docs_file)),
                        log_dir=ctx.logs,
                        cpus=SERVER_CPUS,
                    )
                )
            ready(server)
            docs = {}
            for key, path in paths.items():
                status, body = http_get(server.port, path)
                if status != 200:
                    raise RuntimeError(f"GET {path} answered {status}: {body[:300]!r}")
                docs[key] = json.loads(body)
            docs_file.write_text(json.dumps(docs))
            for kind, child in bare.items():
                wait_ready(child, ports[kind], "/ready")  # any answer below 500: it listens
            results = _load_in_rounds(ctx, backend, ports, paths)

    sizes = {key: len(json.dumps(doc, separators=(",", ":"))) for key, doc in docs.items()}
    for name, server_results in results.items():
        for key, result in server_results.items():
            if result.errors:
                ctx.note(f"api/{backend}: {result.errors} failed requests to {name} on {key}")
    return _figures(backend, results, sizes)


def _load_in_rounds(
    ctx: RunContext, backend: str, ports: dict[str, int], paths: dict[str, str]
) -> dict[str, dict[str, LoadResult]]:
    """Every server and endpoint, warmed up, then loaded round after round in turn."""
    size = ctx.size
    rounds: dict[str, dict[str, list[LoadResult]]] = {
        name: {key: [] for key in paths} for name in ports
    }
    for number in range(size.api_rounds):
        ctx.say(f"api/{backend}: round {number + 1} of {size.api_rounds}")
        for name, port in ports.items():
            for key, path in paths.items():
                result = run_load(
                    port,
                    path,
                    seconds=size.api_seconds,
                    warmup=size.api_warmup if number == 0 else 0.0,
                    connections=size.api_connections,
                    tool=ctx.load_tool,
                )
                rounds[name][key].append(result)
    return {
        name: {key: combine(results) for key, results in per_key.items()}
        for name, per_key in rounds.items()
    }


def _figures(
    backend: str, results: dict[str, dict[str, LoadResult]], sizes: dict[str, int]
) -> list[Figure]:
    figures = []
    for key, label in ENDPOINTS.items():
        ours = results["vnfm"][key]
        flask = results["flask-uvicorn"][key]
        details = {
            "document_bytes": sizes[key],
            "load": {name: {**vars(r[key]), "rps": r[key].rps} for name, r in results.items()},
        }
        common = {"suite": SUITE, "backend": backend, "details": details}
        figures += [
            Figure(
                name=f"{label} req/s",
                value=ours.rps,
                unit="req/s",
                baseline=flask.rps,
                baseline_name="bare Flask/uvicorn",
                target=(ratio_at_least(0.7), at_least(10 * TACKER_RPS)),
                target_note="70% of bare Flask; 10x Tacker",
                **common,
            ),
            Figure(
                name=f"{label} p50",
                value=ours.p50_ms,
                unit="ms",
                baseline=flask.p50_ms,
                baseline_name="bare Flask/uvicorn",
                target=(at_most(TACKER_P50_MS / 10),),
                target_note="Tacker / 10",
                **common,
            ),
            Figure(
                name=f"{label} p99",
                value=ours.p99_ms,
                unit="ms",
                baseline=flask.p99_ms,
                baseline_name="bare Flask/uvicorn",
                **common,
            ),
            Figure(
                name=f"{label} req/s",
                value=ours.rps,
                unit="req/s",
                baseline=results["connexion"][key].rps,
                baseline_name="bare Connexion/uvicorn",
                **common,
            ),
            Figure(
                name=f"{label} req/s",
                value=ours.rps,
                unit="req/s",
                baseline=results["flask-wsgi"][key].rps,
                baseline_name="bare Flask/Werkzeug WSGI",
                **common,
            ),
        ]
    return figures
