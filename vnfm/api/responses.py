"""Every response the API builds, encoded one way everywhere.

Handlers return Starlette responses, which Connexion's AsyncApp sends as they are.
Error handlers return :class:`ConnexionResponse`, the type Connexion's exception
middleware expects of them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from connexion.lifecycle import ConnexionResponse
from starlette.responses import Response

from vnfm.api.problems import PROBLEM_JSON

JSON = "application/json"


def dumps(doc: Any) -> str:
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False)


def json_response(
    doc: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    return Response(dumps(doc), status_code=status, media_type=JSON, headers=headers)


def empty_response(status: int, headers: Mapping[str, str] | None = None) -> Response:
    """A response without a body (202, 204, 303), so without a Content-Type either."""
    return Response(status_code=status, headers=headers)


def problem_response(
    body: dict[str, Any], status: int, headers: Mapping[str, str] | None = None
) -> ConnexionResponse:
    """A ProblemDetails document (SOL013 clause 6), as an error handler returns it."""
    return ConnexionResponse(
        status_code=status,
        mimetype=PROBLEM_JSON,
        content_type=PROBLEM_JSON,
        body=json.dumps(body),
        headers=dict(headers or {}),
    )
