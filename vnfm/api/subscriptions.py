"""Handlers of ``/subscriptions`` and ``/subscriptions/{subscriptionId}``."""

from __future__ import annotations

from typing import Any

import flask
from sqlalchemy import select

from vnfm.api import links
from vnfm.api.context import services
from vnfm.api.problems import BadRequest
from vnfm.api.responses import json_response
from vnfm.notify import subscriptions as use_cases
from vnfm.notify.models import SubscriptionRow
from vnfm.sol013 import QueryError, parse_filter
from vnfm.sol013.paging import (
    MARKER_PARAMETER,
    decode_marker,
    link_header,
    next_link,
    page_statement,
    split_page,
)
from vnfm.sol013.sql import FieldMap, JsonField, Kind, ScalarField, compile_filter

S = SubscriptionRow

#: Where each LccnSubscription attribute lives, for SOL013 filters.
FIELDS: FieldMap = {
    "id": ScalarField(S.id, Kind.STRING),
    "callbackUri": ScalarField(S.callback_uri, Kind.STRING),
    "verbosity": ScalarField(S.verbosity, Kind.ENUM, frozenset({"FULL", "SHORT"})),
    "filter": JsonField(S.filter),
}
ORDER = (S.created_at, S.id)


def _doc(row: SubscriptionRow) -> dict[str, Any]:
    return use_cases.subscription_doc(row, links.v2(f"subscriptions/{row.id}"))


def create(body: dict[str, Any]) -> flask.Response:
    row, created = use_cases.create_subscription(services(), body)
    location = links.v2(f"subscriptions/{row.id}")
    if not created:
        return flask.Response(status=303, headers={"Location": location})
    return json_response(_doc(row), 201, {"Location": location})


def search(**_query: Any) -> flask.Response:
    svc = services()
    args = flask.request.args
    try:
        after = decode_marker(args[MARKER_PARAMETER]) if MARKER_PARAMETER in args else None
        statement = select(S)
        if "filter" in args:
            terms = parse_filter(args["filter"])
            statement = statement.where(compile_filter(terms, FIELDS, svc.engine.dialect.name))
        statement = page_statement(statement, ORDER, after, svc.settings.page_size)
    except QueryError as exc:
        raise BadRequest(exc.message) from None
    with svc.reader() as session:
        rows = session.scalars(statement).all()
        page = split_page(rows, svc.settings.page_size, lambda r: (r.created_at, r.id))
        docs = [_doc(row) for row in page.items]
    headers = {}
    if page.next_marker:
        here = links.api_root() + flask.request.full_path
        headers["Link"] = link_header(next_link(here, page.next_marker))
    return json_response(docs, 200, headers)


def get(subscriptionId: str) -> flask.Response:  # noqa: N803 - name fixed by the contract
    with services().reader() as session:
        row = use_cases.get_subscription(session, subscriptionId)
        return json_response(_doc(row))


def delete(subscriptionId: str) -> flask.Response:  # noqa: N803
    svc = services()
    with svc.session() as session, session.begin():
        use_cases.delete_subscription(session, subscriptionId)
    return flask.Response(status=204)
