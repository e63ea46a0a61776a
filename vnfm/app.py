"""The application factory: one place that wires settings, database, catalog and API."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import connexion
import flask
from connexion.exceptions import ProblemException
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from connexion.middleware import MiddlewarePosition
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.exceptions import HTTPException

from vnfm.api import esc_callbacks, ext_monitoring
from vnfm.api.context import EXTENSION_KEY
from vnfm.api.problems import PROBLEM_JSON, TITLES, Problem, problem_body
from vnfm.api.protocol import ProtocolMiddleware
from vnfm.config import Settings
from vnfm.db.engine import make_engine, make_session_factory
from vnfm.engine.events import EventHub
from vnfm.vnfd.catalog import Catalog

log = logging.getLogger(__name__)

OPENAPI_DIR = Path(__file__).resolve().parents[1] / "openapi"


@dataclass
class Services:
    """What a request handler or a worker may use; built once per process."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    readers: sessionmaker[Session]
    catalog: Catalog
    events: EventHub = field(default_factory=EventHub)
    extras: dict[str, Any] = field(default_factory=dict)

    def session(self) -> Session:
        """A session for work that writes."""
        return self.sessions()

    def reader(self) -> Session:
        """A session for queries only (cheaper locking on SQLite)."""
        return self.readers()


def build_services(settings: Settings) -> Services:
    engine = make_engine(settings.effective_database_url)
    extra_dir = Path(settings.vnfd_dir) if settings.vnfd_dir else None
    catalog = Catalog.load(extra_dir)
    for error in catalog.errors:
        log.warning("VNFD not loaded: %s", error)
    return Services(
        settings=settings,
        engine=engine,
        sessions=make_session_factory(engine),
        readers=make_session_factory(engine, read_only=True),
        catalog=catalog,
    )


def _problem_response(status: int, detail: str, headers: dict[str, str] | None = None):
    return ConnexionResponse(
        status_code=status,
        mimetype=PROBLEM_JSON,
        content_type=PROBLEM_JSON,
        body=json.dumps(problem_body(status, detail)),
        headers=headers or {},
    )


def _on_connexion_problem(request: ConnexionRequest, exc: ProblemException) -> ConnexionResponse:
    """Connexion's own validation errors, reworded as ours."""
    detail = exc.detail or exc.title or TITLES.get(exc.status, "Error")
    if exc.status == 415:
        detail = f"{detail}; send application/json"
    return _problem_response(exc.status, str(detail), dict(exc.headers or {}))


def _on_http_exception(request: ConnexionRequest, exc: HTTPException) -> ConnexionResponse:
    if exc.status_code == 404:
        detail = f"no resource at {request.url.path}"
    elif exc.status_code == 405:
        allowed = (exc.headers or {}).get("Allow") or (exc.headers or {}).get("allow")
        detail = f"method {request.method} is not allowed on {request.url.path}"
        if allowed:
            detail += f"; allowed: {allowed}"
    else:
        detail = str(exc.detail or TITLES.get(exc.status_code, "Error"))
    return _problem_response(exc.status_code, detail, dict(exc.headers or {}))


def _on_unexpected(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return _problem_response(500, "the VNFM failed to handle this request; see its log")


def _flask_problem(exc: Problem) -> flask.Response:
    response = flask.Response(
        json.dumps(exc.body()), status=exc.status, mimetype=PROBLEM_JSON, headers=exc.headers
    )
    return response


def create_app(settings: Settings, services: Services | None = None) -> connexion.FlaskApp:
    services = services or build_services(settings)
    app = connexion.FlaskApp(__name__, specification_dir=str(OPENAPI_DIR))
    # resolver_error: an operation whose handler is not written yet answers 501
    # (ProblemDetails) instead of keeping the whole API from starting.
    app.add_api(
        "vnflcm_v2.yaml",
        base_path="/vnflcm/v2",
        strict_validation=True,
        validate_responses=False,
        resolver_error=501,
    )
    app.add_api("api_versions.yaml", base_path="/vnflcm", strict_validation=True)
    app.add_middleware(ProtocolMiddleware, position=MiddlewarePosition.BEFORE_EXCEPTION)
    app.add_error_handler(ProblemException, _on_connexion_problem)
    app.add_error_handler(HTTPException, _on_http_exception)
    app.add_error_handler(Exception, _on_unexpected)

    flask_app: flask.Flask = app.app
    flask_app.extensions[EXTENSION_KEY] = services
    flask_app.register_error_handler(Problem, _flask_problem)
    flask_app.register_blueprint(esc_callbacks.blueprint)
    flask_app.register_blueprint(ext_monitoring.blueprint)
    return app
