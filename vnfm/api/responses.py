"""JSON responses, encoded one way everywhere."""

from __future__ import annotations

import json
from typing import Any

import flask


def dumps(doc: Any) -> str:
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False)


def json_response(
    doc: Any, status: int = 200, headers: dict[str, str] | None = None
) -> flask.Response:
    return flask.Response(dumps(doc), status=status, mimetype="application/json", headers=headers)
