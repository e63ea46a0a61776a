"""The application factory: one place that wires settings, database, catalog and API."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import connexion
from connexion.exceptions import ProblemException
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from connexion.middleware import MiddlewarePosition
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.exceptions import HTTPException

from vnfm.api import esc_callbacks, ext_monitoring
from vnfm.api.context import RequestContextMiddleware
from vnfm.api.problems import TITLES, Problem, problem_body
from vnfm.api.protocol import ProtocolMiddleware
from vnfm.api.responses import problem_response
from vnfm.config import Settings
from vnfm.db.engine import make_engine, make_session_factory, read_only_engine
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

    @cached_property
    def read_engine(self) -> Engine:
        return read_only_engine(self.engine)

    def read_connection(self) -> Connection:
        """A connection for a SELECT or two that read plain rows: no Session and no
        identity map, which on a single-row GET cost more than the query itself."""
        return self.read_engine.connect()


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


# The error handlers are coroutines because Connexion runs a plain function in its
# thread pool, a hop that building a small document does not need.


async def _on_problem(request: ConnexionRequest, exc: Problem) -> ConnexionResponse:
    """Ours: what a handler or a use case raised."""
    return problem_response(exc.body(), exc.status, exc.headers)


async def _on_connexion_problem(
    request: ConnexionRequest, exc: ProblemException
) -> ConnexionResponse:
    """Connexion's own validation errors, reworded as ours."""
    detail = exc.detail or exc.title or TITLES.get(exc.status, "Error")
    if exc.status == 415:
        detail = f"{detail}; send application/json"
    return problem_response(problem_body(exc.status, str(detail)), exc.status, exc.headers)


async def _on_http_exception(request: ConnexionRequest, exc: HTTPException) -> ConnexionResponse:
    if exc.status_code == 404:
        detail = f"no resource at {request.url.path}"
    elif exc.status_code == 405:
        allowed = (exc.headers or {}).get("Allow") or (exc.headers or {}).get("allow")
        detail = f"method {request.method} is not allowed on {request.url.path}"
        if allowed:
            detail += f"; allowed: {allowed}"
    else:
        detail = str(exc.detail or TITLES.get(exc.status_code, "Error"))
    return problem_response(problem_body(exc.status_code, detail), exc.status_code, exc.headers)


async def _on_unexpected(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(
        problem_body(500, "the VNFM failed to handle this request; see its log"), 500
    )


class VnfmApp(connexion.AsyncApp):
    """The API as an ASGI app, and the services its requests use."""

    def __init__(self, services: Services) -> None:
        super().__init__(__name__, specification_dir=str(OPENAPI_DIR))
        self.services = services


def create_app(settings: Settings, services: Services | None = None) -> VnfmApp:
    """The API on Connexion's AsyncApp: handlers stay synchronous (their database work
    blocks) and Connexion runs them in its thread pool, without the Flask and WSGI
    layers a FlaskApp puts around each of them."""
    app = VnfmApp(services or build_services(settings))
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
    # Both outside Connexion's exception middleware, so that they also see the answers
    # it produces; the first added is the outer one.
    app.add_middleware(
        RequestContextMiddleware, position=MiddlewarePosition.BEFORE_EXCEPTION,
        services=app.services,
    )
    app.add_middleware(ProtocolMiddleware, position=MiddlewarePosition.BEFORE_EXCEPTION)
    app.add_error_handler(Problem, _on_problem)
    app.add_error_handler(ProblemException, _on_connexion_problem)
    app.add_error_handler(HTTPException, _on_http_exception)
    app.add_error_handler(Exception, _on_unexpected)
    # Outside the OpenAPI contract: ESC's return channel and the vendor extension.
    esc_callbacks.add_routes(app)
    ext_monitoring.add_routes(app)
    return app
