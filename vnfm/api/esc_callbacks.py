"""Where ESC posts its callback events (the ``Callback``/``Callback-ESC-Events`` URLs).

Not part of SOL003: it is the southbound's return channel, so it lives outside the
OpenAPI contract, on the Flask app itself.
"""

from __future__ import annotations

import logging

import flask

from vnfm.api.context import services
from vnfm.api.problems import BadRequest
from vnfm.engine.events import store_event
from vnfm.southbound.adapter import ProtocolError
from vnfm.southbound.esc.events import parse_event

log = logging.getLogger(__name__)

CALLBACK_PATH = "/esc/events"
MAX_EVENT_BYTES = 1 << 20

blueprint = flask.Blueprint("esc_callbacks", __name__)


@blueprint.post(CALLBACK_PATH)
def receive_event() -> flask.Response:
    body = flask.request.get_data(cache=False)
    if len(body) > MAX_EVENT_BYTES:
        raise BadRequest(f"an ESC event larger than {MAX_EVENT_BYTES} bytes is refused")
    try:
        event = parse_event(body, flask.request.content_type)
    except ProtocolError as exc:
        raise BadRequest(f"not an ESC event: {exc}") from None
    svc = services()
    with svc.session() as session, session.begin():
        store_event(session, event)
    svc.events.notify()
    log.debug("ESC %s %s for %s", event.event_type.value, event.status.value, event.deployment_name)
    return flask.Response(status=204)
