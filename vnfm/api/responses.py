"""Every response the API builds, encoded one way everywhere.

Handlers return Starlette responses, which Connexion's AsyncApp sends as they are.
Error handlers return :class:`ConnexionResponse`, the type Connexion's exception
middleware expects of them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from connexion.lifecycle import ConnexionResponse
from sqlalchemy import Dialect, Text
from sqlalchemy.types import TypeDecorator
from starlette.responses import Response

from vnfm.api.problems import PROBLEM_JSON

JSON = "application/json"


_encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def dumps(doc: Any) -> str:
    return _encode(doc)


class RawJson:
    """A JSON value as the database stores it, sent as that text: a list of large
    documents spends most of its time decoding and re-encoding them otherwise.  Only
    :func:`dumps_documents` knows it; ``json`` refuses it, so it cannot slip out as a
    string."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


class RawJsonText(TypeDecorator[RawJson]):
    """A JSON column read as text (``CAST(... AS TEXT)``): a :class:`RawJson`, or None for
    SQL NULL and JSON ``null`` (what SQLAlchemy stores for None)."""

    impl = Text
    cache_ok = True

    def process_result_value(self, value: Any, dialect: Dialect) -> RawJson | None:
        return None if value is None or value == "null" else RawJson(value)


def dumps_documents(docs: Iterable[dict[str, Any]]) -> str:
    """The documents as the members of a JSON array, without its brackets.  Top-level
    :class:`RawJson` values go in as their text, in their place."""
    return ",".join(_with_raw(doc) for doc in docs)


def _with_raw(doc: dict[str, Any]) -> str:
    parts = []
    plain: dict[str, Any] = {}
    for key, value in doc.items():
        if type(value) is RawJson:
            if plain:
                parts.append(_encode(plain)[1:-1])
                plain = {}
            parts.append(f"{_encode(key)}:{value.text}")
        else:
            plain[key] = value
    if plain:
        parts.append(_encode(plain)[1:-1])
    return "{" + ",".join(parts) + "}"


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
