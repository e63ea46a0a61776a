"""The monitoring-agent migration extension (seed 003), a plain route of the app.

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

import connexion
from starlette.concurrency import run_in_threadpool
from starlette.endpoints import HTTPEndpoint
from starlette.requests import Request
from starlette.responses import Response

from vnfm.api.bodies import read_at_most
from vnfm.api.problems import BadRequest, Problem, UnsupportedMediaType
from vnfm.api.tasks import start_task
from vnfm.lcm.monitoring_migration import read_body

#: A migration request is two short strings; anything much larger is not one.
MAX_BODY_BYTES = 64 * 1024
PATH = "/ext/vnf_instances/{vnfInstanceId}/monitoring/migrate"
PREFIXES = ("/vnflcm/v1", "/vnflcm/v2")


class Migrate(HTTPEndpoint):
    """GET (with a body, as the seed documents it) and POST start a migration; another
    method is answered 405 by Starlette's endpoint.  A class rather than a route naming
    its methods: under ``/vnflcm`` the contract's mounts would otherwise claim a request
    of another method and answer 404."""

    async def get(self, request: Request) -> Response:
        """Read the body on the event loop, then start the task (a database transaction)
        in the thread pool, as Connexion runs the contract's handlers."""
        body = await _json_body(request)
        return await run_in_threadpool(_start, request.path_params["vnfInstanceId"], body)

    post = get

    async def head(self, request: Request) -> Response:
        """Starlette answers HEAD with the GET handler; here GET starts a migration, and a
        HEAD must change nothing."""
        raise Problem(
            "HEAD is not allowed on the migration resource: GET with a body (or POST) "
            "starts a migration",
            status=405,
            headers={"Allow": "GET, POST"},
        )


async def _json_body(request: Request) -> Any:
    """The request's JSON body: 415 for another media type, 413 when too large, 400 when
    it is not JSON."""
    content_type = request.headers.get("content-type")
    mimetype = (content_type or "").split(";", 1)[0].strip().lower()
    if mimetype and mimetype != "application/json" and not mimetype.endswith("+json"):
        raise UnsupportedMediaType(
            f"the migration request is JSON; Content-Type {content_type!r} is not "
            "(send application/json)"
        )
    raw = await read_at_most(request, MAX_BODY_BYTES)
    if raw is None:
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


def _start(instance_id: str, body: Any) -> Response:
    read_body(body)  # a malformed body is 400 before the instance is looked up
    return start_task("monitoring_migration", instance_id, body)


def add_routes(app: connexion.AsyncApp) -> None:
    for prefix in PREFIXES:
        app.add_url_rule(prefix + PATH, f"migrate{prefix.replace('/', '_')}", Migrate)
