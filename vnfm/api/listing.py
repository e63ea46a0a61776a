"""GET on a collection: SOL013 filter, attribute selectors and paging, all in SQL.

The filter becomes a WHERE clause, paging is keyset paging on ``(created_at, id)``
(stable while rows are added), and JSON columns the response will not show are not
even read.  Rows are plain rows from a Core connection (no ORM identity map), and the
work per row is the view alone whenever the selector needs nothing more.  A page of
more than :data:`BATCH` rows (a node set up with a large page size) is streamed.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Generator
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import Row, Select, select, tuple_
from starlette.responses import Response, StreamingResponse

from vnfm.api import links
from vnfm.api.context import carry, path_with_query, query_args, services
from vnfm.api.problems import BadRequest
from vnfm.api.resources import Collection
from vnfm.api.responses import JSON, dumps, dumps_documents
from vnfm.sol013 import (
    MARKER_PARAMETER,
    QueryError,
    Selector,
    compile_filter,
    decode_marker,
    encode_marker,
    link_header,
    next_link,
    page_statement,
    parse_filter,
    parse_selectors,
    split_page,
)

if TYPE_CHECKING:
    from vnfm.app import Services

#: Rows read and encoded at a time in a streamed page; a page of at most this many is
#: sent in one piece.  With every field, 500 instances are about 3 MB of JSON.
BATCH = 500

Render = Callable[[Row[Any]], dict[str, Any]]
Encode = Callable[[list[dict[str, Any]]], str]


def list_response(collection: Collection) -> Response:
    svc = services()
    args = query_args()
    model: Any = collection.model
    order = (model.created_at, model.id)
    page_size = svc.settings.page_size
    statement = select(model)
    try:
        selector = parse_selectors(args)
        if "filter" in args:
            terms = parse_filter(args["filter"])
            statement = statement.where(
                compile_filter(terms, collection.fields, svc.engine.dialect.name)
            )
        after = decode_marker(args[MARKER_PARAMETER]) if MARKER_PARAMETER in args else None
        statement = page_statement(statement, order, after, page_size)
    except QueryError as exc:
        raise BadRequest(str(exc)) from None

    # Only the columns the response shows are read; those holding a JSON document the
    # response shows whole, as it is stored, are read as text and sent as that text.
    excluded = collection.default_excluded
    skipped, as_text = set(), set()
    for attribute, column in collection.deferrable.items():
        if not selector.needs(attribute, excluded):
            skipped.add(column.key)
        elif attribute in collection.verbatim and selector.shows_whole(attribute, excluded):
            as_text.add(column.key)
    statement = statement.with_only_columns(*collection.columns(skipped, as_text))
    render = _renderer(collection, selector, tuple(statement.selected_columns.keys()))
    encode: Encode = dumps_documents if as_text else _dumps_members

    if page_size <= BATCH:
        with svc.read_connection() as connection:
            rows = connection.execute(statement).all()
        page = split_page(rows, page_size, lambda r: (r.created_at, r.id))
        body = f"[{encode([render(row) for row in page.items])}]"
        return Response(body, media_type=JSON, headers=_link_headers(page.next_marker))

    # The headers go before the body, so the Link header comes first, from the sort
    # keys alone: that of the page's last row, if a row follows it.  This query runs
    # the page's WHERE on the same rows: a database error is still a ProblemDetails.
    last = statement.with_only_columns(*order).limit(2).offset(page_size - 1)
    with svc.read_connection() as connection:
        tail = connection.execute(last).all()
    statement = statement.limit(None)
    marker = None
    if len(tail) == 2:
        marker = encode_marker(tuple(tail[0]))
        # Bounded by key, not by count: a row deleted meanwhile must not pull the next
        # page's first row into this one (the client would get it twice).
        statement = statement.where(tuple_(*order) <= tuple_(*tail[0]))
    body_parts = carry(_stream(svc, statement, render, encode))
    return StreamingResponse(body_parts, media_type=JSON, headers=_link_headers(marker))


def _renderer(collection: Collection, selector: Selector, keys: tuple[str, ...]) -> Render:
    """Row to document, selector applied.  Applying a selector walks every document; it
    is left out when all it could do is remove attributes the query did not read."""
    view = collection.view
    record = _record_type(keys)._make
    excluded = collection.default_excluded
    removed = selector.removes_only(excluded)
    if removed is not None and removed <= collection.deferrable.keys():
        return lambda row: view(record(row))
    return lambda row: selector.apply(view(record(row)), excluded)


@lru_cache(maxsize=64)
def _record_type(keys: tuple[str, ...]) -> Callable[..., Any]:
    """A named tuple of a list's columns, for the view: it reads some fifteen attributes
    of each row, and reading one of a SQLAlchemy ``Row`` costs as much as making this."""
    return namedtuple("Record", keys)  # type: ignore[misc]  # noqa: PYI024


def _dumps_members(docs: list[dict[str, Any]]) -> str:
    """The documents as the members of a JSON array, without its brackets."""
    return dumps(docs)[1:-1]


def _stream(
    svc: Services, statement: Select[Any], render: Render, encode: Encode
) -> Generator[str, None, None]:
    """The body of a large page, :data:`BATCH` rows at a time; the connection is held
    from the first piece to the last (or until the client goes away)."""
    with svc.read_connection() as connection:
        result = connection.execute(statement.execution_options(yield_per=BATCH))
        separator = "["
        for rows in result.partitions():
            yield separator + encode([render(row) for row in rows])
            separator = ","
        yield "]" if separator == "," else "[]"


def _link_headers(marker: str | None) -> dict[str, str]:
    if marker is None:
        return {}
    here = links.api_root() + path_with_query()
    return {"Link": link_header(next_link(here, marker))}
