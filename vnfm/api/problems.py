"""ProblemDetails: the one shape every error of the API takes (SOL013 clause 6).

Handlers and use cases raise a :class:`Problem`; the app turns it into an
``application/problem+json`` response.  The subclasses name the status codes the
SOL003 resources use, so a call site reads as what went wrong.
"""

from __future__ import annotations

import json
from typing import Any

PROBLEM_JSON = "application/problem+json"

TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    409: "Conflict",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    416: "Requested Range Not Satisfiable",
    422: "Unprocessable Content",
    500: "Internal Server Error",
    501: "Not Implemented",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


class Problem(Exception):
    """An error answered to the client as ProblemDetails."""

    status = 500

    def __init__(
        self,
        detail: str,
        *,
        status: int | None = None,
        title: str | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        if status is not None:
            self.status = status
        self.detail = detail
        self.title = title or TITLES.get(self.status, "Error")
        self.headers = headers or {}
        self.extra = extra or {}

    def body(self) -> dict[str, Any]:
        return problem_body(self.status, self.detail, title=self.title, extra=self.extra)


class BadRequest(Problem):
    status = 400


class NotFound(Problem):
    status = 404


class MethodNotAllowed(Problem):
    status = 405


class NotAcceptable(Problem):
    status = 406


class Conflict(Problem):
    status = 409


class UnsupportedMediaType(Problem):
    status = 415


class Unprocessable(Problem):
    status = 422


class ServiceUnavailable(Problem):
    status = 503


def problem_body(
    status: int, detail: str, *, title: str | None = None, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title or TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if extra:
        body.update(extra)
    return body


def problem_bytes(status: int, detail: str, *, title: str | None = None) -> bytes:
    return json.dumps(problem_body(status, detail, title=title)).encode()
