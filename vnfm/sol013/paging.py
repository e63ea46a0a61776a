"""Paging of ETSI GS NFV-SOL 013 (clause 5.4): ``nextpage_opaque_marker`` and
``Link: <...>; rel="next"``, done as keyset paging.

A page is the rows strictly after the last row of the previous page in a fixed, total
order (for example ``created_at, id``), so pages stay stable while rows are added and
each page costs one index range scan however deep the client has paged. The marker
is the sort key of the last row sent, as urlsafe base64 of a small JSON document; it
is opaque to clients, and it is validated like any other input when it comes back.

Typical use in a list handler::

    stmt = page_statement(stmt, (Row.created_at, Row.id), after, page_size)
    page = split_page(session.scalars(stmt).all(), page_size,
                      lambda row: (row.created_at, row.id))
    if page.next_marker:
        headers["Link"] = link_header(next_link(request.url, page.next_marker))

where ``after`` is ``decode_marker(args["nextpage_opaque_marker"])`` or None.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Generic, NamedTuple, TypeVar
from urllib.parse import quote, unquote_plus, urlsplit, urlunsplit

import sqlalchemy as sa
from sqlalchemy.sql import Select
from sqlalchemy.sql.elements import ColumnElement

from vnfm.sol013.errors import QueryError

__all__ = [
    "MARKER_PARAMETER",
    "Page",
    "decode_marker",
    "encode_marker",
    "link_header",
    "next_link",
    "page_statement",
    "split_page",
]

MARKER_PARAMETER = "nextpage_opaque_marker"
_MAX_MARKER_LENGTH = 1024

#: What a sort key may hold.
MarkerValue = str | int | float | bool | datetime | Decimal

T = TypeVar("T")


class Page(NamedTuple, Generic[T]):
    """The rows to return, and the marker of the next page (None on the last page)."""

    items: list[T]
    next_marker: str | None


def _bad_marker(reason: str) -> QueryError:
    return QueryError(f"{MARKER_PARAMETER}: {reason}; restart from the first page")


def _to_json(value: MarkerValue) -> Any:
    # JSON has no datetimes or decimals: those are wrapped in a one-key object.
    if isinstance(value, datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, Decimal):
        return {"dec": str(value)}
    if isinstance(value, str | int | float):  # bool is an int
        return value
    raise TypeError(f"cannot put {type(value).__name__} in a paging marker")


def _from_json(item: Any) -> MarkerValue:
    if isinstance(item, str | int | float):
        return item
    if isinstance(item, dict) and len(item) == 1:
        ((tag, text),) = item.items()
        if isinstance(text, str):
            try:
                if tag == "dt":
                    return datetime.fromisoformat(text)
                if tag == "dec":
                    return Decimal(text)
            except (ValueError, InvalidOperation):
                pass
    raise _bad_marker("not a marker issued by this API")


def encode_marker(values: Sequence[MarkerValue]) -> str:
    """The opaque marker for a page that starts after the row whose sort key is ``values``."""
    text = json.dumps([_to_json(v) for v in values], separators=(",", ":"), allow_nan=False)
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_marker(marker: str) -> tuple[MarkerValue, ...]:
    """The sort key :func:`encode_marker` put in ``marker``; :class:`QueryError` if it is
    not such a marker."""
    if not marker or len(marker) > _MAX_MARKER_LENGTH:
        raise _bad_marker("not a marker issued by this API")
    try:
        raw = base64.b64decode(marker + "=" * (-len(marker) % 4), altchars=b"-_", validate=True)
        items = json.loads(raw.decode(), parse_constant=_refuse_constant)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise _bad_marker("not a marker issued by this API") from None
    if not isinstance(items, list) or not items:
        raise _bad_marker("not a marker issued by this API")
    return tuple(_from_json(item) for item in items)


def _refuse_constant(name: str) -> Any:
    raise ValueError(name)  # NaN and Infinity are not sort keys


def next_link(request_url: str, marker: str) -> str:
    """``request_url`` with its ``nextpage_opaque_marker`` set to ``marker``.

    Every other query parameter is kept exactly as the client wrote it (filters,
    selectors, flags without a value), so the next page answers the same query.
    """
    parts = urlsplit(request_url)
    kept = [
        piece
        for piece in parts.query.split("&")
        if piece and unquote_plus(piece.split("=", 1)[0]) != MARKER_PARAMETER
    ]
    kept.append(f"{MARKER_PARAMETER}={quote(marker, safe='')}")
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "&".join(kept), ""))


def link_header(url: str) -> str:
    """The ``Link`` header value announcing ``url`` as the next page."""
    return f'<{url}>; rel="next"'


def _column(column: Any) -> ColumnElement[Any]:
    return column.__clause_element__() if hasattr(column, "__clause_element__") else column


def page_statement(
    stmt: Select[Any],
    order_by: Sequence[Any],
    after: Sequence[MarkerValue] | None,
    page_size: int,
) -> Select[Any]:
    """``stmt`` restricted to one page: ordered by ``order_by`` (ascending), after the
    sort key ``after`` if given, and limited to ``page_size + 1`` rows so that the
    caller learns whether another page follows (see :func:`split_page`).

    ``order_by`` must be a total order over non-null columns, typically a creation
    time and then the primary key; an index on those columns serves the query.
    """
    if page_size < 1:
        raise ValueError("page_size must be at least 1")
    columns = [_column(c) for c in order_by]
    stmt = stmt.order_by(*columns).limit(page_size + 1)
    if after is None:
        return stmt
    if len(after) != len(columns):
        raise _bad_marker("not a marker for this list")
    for value, column in zip(after, columns, strict=True):
        _check_type(value, column)
    bound = [sa.literal(value, column.type) for value, column in zip(after, columns, strict=True)]
    return stmt.where(sa.tuple_(*columns) > sa.tuple_(*bound))


def _check_type(value: MarkerValue, column: ColumnElement[Any]) -> None:
    """Refuse a marker whose values could not be bound to the sort columns, so that a
    tampered marker is a 400 and never a database error."""
    try:
        expected = column.type.python_type
    except NotImplementedError:
        return
    if expected is bool:
        ok = isinstance(value, bool)
    elif expected is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif expected in (float, Decimal):
        ok = isinstance(value, int | float | Decimal) and not isinstance(value, bool)
    elif expected in (datetime, date):
        ok = isinstance(value, datetime)
    else:
        ok = isinstance(value, expected)
    if not ok:
        raise _bad_marker("not a marker for this list")


def split_page(
    rows: Sequence[T], page_size: int, sort_key: Callable[[T], Sequence[MarkerValue]]
) -> Page[T]:
    """The first ``page_size`` of the rows a :func:`page_statement` query returned, and
    the marker of the next page if there was a row beyond them."""
    items = list(rows[:page_size])
    if len(rows) <= page_size:
        return Page(items, None)
    return Page(items, encode_marker(sort_key(items[-1])))
