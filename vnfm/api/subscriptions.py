"""Handlers of ``/subscriptions`` and ``/subscriptions/{subscriptionId}``."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from vnfm.api import links
from vnfm.api.context import services
from vnfm.api.listing import list_response
from vnfm.api.resources import Collection
from vnfm.api.responses import empty_response, json_response
from vnfm.notify import subscriptions as use_cases
from vnfm.notify.models import SubscriptionRow
from vnfm.sol013.sql import JsonField, Kind, ScalarField

S = SubscriptionRow


def _doc(row: SubscriptionRow) -> dict[str, Any]:
    return use_cases.subscription_doc(row, links.v2(f"subscriptions/{row.id}"))


#: GET /subscriptions: SOL013 filter (in SQL) and paging, by the shared listing code.
SUBSCRIPTIONS = Collection(
    name="subscriptions",
    model=SubscriptionRow,
    fields={
        "id": ScalarField(S.id, Kind.STRING),
        "callbackUri": ScalarField(S.callback_uri, Kind.STRING),
        "verbosity": ScalarField(S.verbosity, Kind.ENUM, frozenset({"FULL", "SHORT"})),
        "filter": JsonField(S.filter),
    },
    view=_doc,
    default_excluded=frozenset(),
    deferrable={},
)


def create(body: dict[str, Any]) -> Response:
    row, created = use_cases.create_subscription(services(), body)
    location = links.v2(f"subscriptions/{row.id}")
    if not created:
        return empty_response(303, {"Location": location})
    return json_response(_doc(row), 201, {"Location": location})


def search(**_query: Any) -> Response:
    return list_response(SUBSCRIPTIONS)


def get(subscriptionId: str) -> Response:  # noqa: N803 - name fixed by the contract
    with services().reader() as session:
        row = use_cases.get_subscription(session, subscriptionId)
        return json_response(_doc(row))


def delete(subscriptionId: str) -> Response:  # noqa: N803
    svc = services()
    with svc.session() as session, session.begin():
        use_cases.delete_subscription(session, subscriptionId)
    return empty_response(204)
