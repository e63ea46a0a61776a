"""SOL013 protocol rules that hold for every request, as one ASGI middleware.

It sits outside Connexion's own middleware so that it also sees the answers
Connexion produces itself (routing and validation errors):

* every response carries the ``Version`` header of the API it belongs to;
* a request naming a ``Version`` we do not serve gets 406, a request with none is
  served (several NFVOs in the field send none);
* a request whose ``Accept`` admits no JSON gets 406.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vnfm.api.problems import PROBLEM_JSON, problem_bytes


@dataclass(frozen=True)
class ApiVersion:
    """One major version of the interface, as served under a URI prefix."""

    prefix: str
    version: str

    def accepts(self, requested: str) -> bool:
        # SOL013: a client names the version it was written for; any patch level of
        # our major.minor behaves the same.
        wanted = requested.strip().split(".")
        return wanted[:2] == self.version.split(".")[:2] and all(p.isdigit() for p in wanted)


V2 = ApiVersion(prefix="/vnflcm/v2", version="2.0.0")
#: Only the monitoring-migration extension lives under v1 today (seed 003's URI).
V1 = ApiVersion(prefix="/vnflcm/v1", version="1.3.0")
#: Newest first: unknown paths and /vnflcm/api_versions answer as the newest.
SERVED_VERSIONS: tuple[ApiVersion, ...] = (V2, V1)
JSON_MEDIA_RANGES = {
    "*/*",
    "application/*",
    "application/json",
    "application/problem+json",
    "application/merge-patch+json",
}


def api_version_for(path: str) -> ApiVersion:
    for api in SERVED_VERSIONS:
        if path == api.prefix or path.startswith(api.prefix + "/"):
            return api
    # /vnflcm/api_versions and anything unknown answer as the newest version.
    return SERVED_VERSIONS[0]


def accepts_json(accept: str) -> bool:
    for media_range in accept.split(","):
        parts = [p.strip() for p in media_range.split(";")]
        if not parts[0]:
            continue
        quality = next((p[2:] for p in parts[1:] if p.startswith("q=")), "1")
        try:
            if float(quality) <= 0:
                continue
        except ValueError:
            continue
        if parts[0].lower() in JSON_MEDIA_RANGES:
            return True
    return False


class ProtocolMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        api = api_version_for(scope["path"])
        version_header = (b"version", api.version.encode())
        requested_version = None
        accept = None
        for name, value in scope["headers"]:
            if name == b"version":
                requested_version = value.decode("latin-1")
            elif name == b"accept":
                accept = value.decode("latin-1")

        problem = None
        if requested_version is not None and not api.accepts(requested_version):
            problem = f"API version {requested_version!r} is not served here; use {api.version}"
        elif accept is not None and accept.strip() and not accepts_json(accept):
            problem = f"this API answers only in JSON; Accept {accept!r} admits none of it"
        if problem is not None:
            body = problem_bytes(406, problem)
            await send(
                {
                    "type": "http.response.start",
                    "status": 406,
                    "headers": [
                        (b"content-type", PROBLEM_JSON.encode()),
                        (b"content-length", str(len(body)).encode()),
                        version_header,
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return

        async def send_with_version(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0].lower() != b"version"]
                headers.append(version_header)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_version)
