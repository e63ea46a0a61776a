"""Baseline servers for the API suite: the same two GETs, answered from memory.

    python -m bench.apps.bare KIND --port PORT --docs FILE

``FILE`` holds ``{"instance": {...}, "op_occ": {...}}``, the documents vnfm itself
returned, so every server sends the same bytes; it is read at the first request, so
the server may start before the file exists.  Each request encodes its document with
``json.dumps`` as vnfm does (vnfm.api.responses), nothing else.

KIND is one of

* ``connexion``: a Connexion 3 AsyncApp with a minimal spec, under uvicorn: the kind
  of app vnfm is, with synchronous handlers that Connexion runs in its thread pool as
  it runs vnfm's;
* ``flask-uvicorn``: a bare Flask app under uvicorn, through a2wsgi (the bridge
  Connexion's FlaskApp uses);
* ``flask-wsgi``: the same Flask app under Werkzeug's threaded WSGI server (the one
  WSGI server in our dependencies; gunicorn and waitress are not).  Werkzeug closes
  the connection after every response, so this one pays a TCP connect per request.

uvicorn runs with the settings of ``vnfm.node.start_node``.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import connexion
import flask
import uvicorn
from a2wsgi import WSGIMiddleware
from starlette.responses import Response
from werkzeug.serving import WSGIRequestHandler, make_server

from vnfm.node import bind_socket

KINDS = ("connexion", "flask-uvicorn", "flask-wsgi")
HERE = Path(__file__).resolve().parent
HOST = "127.0.0.1"

DOCS_FILE_VARIABLE = "BENCH_BARE_DOCS"
DOCS: dict[str, Any] = {}


def _encode(key: str) -> str:
    if not DOCS:
        DOCS.update(json.loads(Path(os.environ[DOCS_FILE_VARIABLE]).read_text()))
    return json.dumps(DOCS[key], separators=(",", ":"), ensure_ascii=False)


def _respond(key: str) -> flask.Response:
    return flask.Response(_encode(key), status=200, mimetype="application/json")


def connexion_instance(vnfInstanceId: str) -> Response:  # noqa: N803 - spec's name
    return Response(_encode("instance"), media_type="application/json")


def connexion_op_occ(vnfLcmOpOccId: str) -> Response:  # noqa: N803
    return Response(_encode("op_occ"), media_type="application/json")


def connexion_app() -> connexion.AsyncApp:
    app = connexion.AsyncApp(__name__, specification_dir=str(HERE))
    app.add_api(
        "bare_api.yaml", base_path="/vnflcm/v2", strict_validation=True, validate_responses=False
    )
    return app


def flask_app() -> flask.Flask:
    app = flask.Flask("bare")

    @app.get("/vnflcm/v2/vnf_instances/<vnf_instance_id>")
    def instance(vnf_instance_id: str) -> flask.Response:
        return _respond("instance")

    @app.get("/vnflcm/v2/vnf_lcm_op_occs/<op_occ_id>")
    def op_occ(op_occ_id: str) -> flask.Response:
        return _respond("op_occ")

    return app


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


def serve(kind: str, port: int, docs: Path) -> None:
    # Through the environment, because run as ``-m`` this file is ``__main__`` and
    # Connexion imports the handlers again as ``bench.apps.bare``, a second module.
    os.environ[DOCS_FILE_VARIABLE] = str(docs)
    if kind == "flask-wsgi":
        server = make_server(HOST, port, flask_app(), threaded=True, request_handler=_QuietHandler)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
        return
    app: Any = connexion_app() if kind == "connexion" else WSGIMiddleware(flask_app().wsgi_app)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    uvicorn.Server(config).run(sockets=[bind_socket(HOST, port)])


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=KINDS)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--docs", type=Path, required=True)
    args = parser.parse_args(argv)
    serve(args.kind, args.port, args.docs)


if __name__ == "__main__":
    main()
