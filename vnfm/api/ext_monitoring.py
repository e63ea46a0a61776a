"""The monitoring-agent migration extension (seed 003), routed by Flask directly.

``{apiRoot}/vnflcm/v1/ext/vnf_instances/{vnfInstanceId}/monitoring/migrate`` is not
part of SOL003, so it has no place in the OpenAPI contract.  The seed documents it
as a GET carrying a JSON body; clients that cannot send a body with GET use POST.
The same resource is served under ``/vnflcm/v2/ext/`` for NFVOs on the v2 API.
Everything after reading the body is the common task shape (404, 409, 422, 202
with the op occ's ``Location``) of :func:`vnfm.api.tasks.start_task`.
"""

from __future__ import annotations

import json
from typing import Any

import flask

from vnfm.api.problems import BadRequest, Problem, UnsupportedMediaType
from vnfm.api.tasks import start_task
from vnfm.lcm.monitoring_migration import read_body

#: A migration request is two short strings; anything much larger is not one.
MAX_BODY_BYTES = 64 * 1024
PATH = "/ext/vnf_instances/<vnfInstanceId>/monitoring/migrate"
PREFIXES = ("/vnflcm/v1", "/vnflcm/v2")

blueprint = flask.Blueprint("ext_monitoring", __name__)


def _json_body() -> Any:
    """The request's JSON body: 415 for another media type, 400 when it is not JSON."""
    request = flask.request
    mimetype = request.mimetype
    if mimetype and mimetype != "application/json" and not mimetype.endswith("+json"):
        raise UnsupportedMediaType(
            f"the migration request is JSON; Content-Type {request.content_type!r} is not "
            "(send application/json)"
        )
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise Problem(f"a migration request larger than {MAX_BODY_BYTES} bytes is refused",
                      status=413)
    raw = request.get_data(cache=False)
    if len(raw) > MAX_BODY_BYTES:
        raise Problem(f"a migration request larger than {MAX_BODY_BYTES} bytes is refused",
                      status=413)
    if not raw.strip():
        raise BadRequest(
            "the migration request needs a JSON body with monitoring_agent and key "
            f"(method {request.method})"
        )
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise BadRequest(f"the request body is not valid JSON: {exc}") from None


# ruff: noqa: N803 - the path parameter is named as in SOL003's task resources
def migrate(vnfInstanceId: str) -> flask.Response:
    body = _json_body()
    read_body(body)  # a malformed body is 400 before the instance is looked up
    return start_task("monitoring_migration", vnfInstanceId, body)


for _prefix in PREFIXES:
    blueprint.add_url_rule(
        _prefix + PATH,
        endpoint=f"migrate{_prefix.replace('/', '_')}",
        view_func=migrate,
        methods=["GET", "POST"],
    )
