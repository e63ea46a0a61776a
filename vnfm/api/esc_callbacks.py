"""Where ESC posts its callback events (the ``Callback``/``Callback-ESC-Events`` URLs).

Not part of SOL003: it is the southbound's return channel, so it lives outside the
OpenAPI contract, as a plain route of the app.
"""

from __future__ import annotations

import logging

import connexion
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from vnfm.api.bodies import read_at_most
from vnfm.api.context import services
from vnfm.api.problems import BadRequest
from vnfm.api.responses import empty_response
from vnfm.engine.events import store_event
from vnfm.southbound.adapter import ProtocolError
from vnfm.southbound.esc.events import parse_event

log = logging.getLogger(__name__)

CALLBACK_PATH = "/esc/events"
MAX_EVENT_BYTES = 1 << 20


async def receive_event(request: Request) -> Response:
    """Read the body on the event loop, then parse and store the event in the thread
    pool: parsing up to a megabyte and a database transaction would block the loop."""
    body = await read_at_most(request, MAX_EVENT_BYTES)
    if body is None:
        raise BadRequest(f"an ESC event larger than {MAX_EVENT_BYTES} bytes is refused")
    await run_in_threadpool(_record, body, request.headers.get("content-type"))
    return empty_response(204)


def _record(body: bytes, content_type: str | None) -> None:
    try:
        event = parse_event(body, content_type)
    except ProtocolError as exc:
        raise BadRequest(f"not an ESC event: {exc}") from None
    svc = services()
    with svc.session() as session, session.begin():
        store_event(session, event)
    svc.events.notify(event.deployment_name, event.event_type.value)
    log.debug("ESC %s %s for %s", event.event_type.value, event.status.value, event.deployment_name)


def add_routes(app: connexion.AsyncApp) -> None:
    app.add_url_rule(CALLBACK_PATH, "esc_events", receive_event, methods=["POST"])
