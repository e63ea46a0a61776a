"""GET on a collection: SOL013 filter, attribute selectors and paging, all in SQL.

The filter becomes a WHERE clause, paging is keyset paging on ``(created_at, id)``
(stable while rows are added), and JSON columns the response will not show are not
even read.
"""

from __future__ import annotations

from sqlalchemy import select
from starlette.responses import Response

from vnfm.api import links
from vnfm.api.context import path_with_query, query_args, services
from vnfm.api.problems import BadRequest
from vnfm.api.resources import Collection
from vnfm.api.responses import json_response
from vnfm.sol013 import (
    MARKER_PARAMETER,
    QueryError,
    compile_filter,
    decode_marker,
    link_header,
    next_link,
    page_statement,
    parse_filter,
    parse_selectors,
    split_page,
)


def list_response(collection: Collection) -> Response:
    svc = services()
    args = query_args()
    model = collection.model
    order = (model.created_at, model.id)  # type: ignore[attr-defined]
    statement = select(model)
    try:
        selector = parse_selectors(args)
        if "filter" in args:
            terms = parse_filter(args["filter"])
            statement = statement.where(
                compile_filter(terms, collection.fields, svc.engine.dialect.name)
            )
        after = decode_marker(args[MARKER_PARAMETER]) if MARKER_PARAMETER in args else None
        statement = page_statement(statement, order, after, svc.settings.page_size)
    except QueryError as exc:
        raise BadRequest(str(exc)) from None

    # Only the columns the response shows are read, as plain rows (no ORM identity
    # map): a view reads what it needs with getattr, so a column left out reads as None.
    skipped = {
        column.key
        for attribute, column in collection.deferrable.items()
        if not selector.needs(attribute, collection.default_excluded)
    }
    statement = statement.with_only_columns(*collection.columns(skipped))

    with svc.reader() as session:
        rows = session.execute(statement).all()
    page = split_page(rows, svc.settings.page_size, lambda r: (r.created_at, r.id))
    docs = [
        selector.apply(collection.view(row), collection.default_excluded) for row in page.items
    ]
    headers = {}
    if page.next_marker is not None:
        here = links.api_root() + path_with_query()
        headers["Link"] = link_header(next_link(here, page.next_marker))
    return json_response(docs, headers=headers)
