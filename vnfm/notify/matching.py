"""Which subscriptions an event concerns, selected in SQL.

One statement over the match keys (see :mod:`vnfm.notify.filters`): keep the keys
the event hits, group them by subscription, and keep the subscriptions that were
hit in as many dimensions as they constrain.  It reads only keys the event hits
(through the ``(dim, value)`` index), never every subscription; the few rows it
returns are then checked once more against their filter in Python, which costs
nothing and guards against digest collisions of very long key values.
"""

from __future__ import annotations

from sqlalchemy import Select, and_, distinct, func, or_, select
from sqlalchemy.orm import Session

from vnfm.notify.filters import Event, event_keys, matches
from vnfm.notify.models import SubscriptionKeyRow, SubscriptionRow


def filter_key_rows(subscription_id: str, keys: set[tuple[str, str]]) -> list[SubscriptionKeyRow]:
    required = len({dim for dim, _ in keys})
    return [
        SubscriptionKeyRow(subscription_id=subscription_id, dim=dim, value=value, required=required)
        for dim, value in sorted(keys)
    ]


def candidate_ids_statement(event: Event) -> Select[tuple[str]]:
    """``SELECT subscription_id`` of the subscriptions whose keys the event satisfies."""
    K = SubscriptionKeyRow  # a short alias keeps the statement readable
    hits = []
    for dim, values in event_keys(event).items():
        if values is None:
            hits.append(K.dim == dim)
        elif values:
            hits.append(and_(K.dim == dim, K.value.in_(values)))
    return (
        select(K.subscription_id)
        .where(or_(*hits))
        .group_by(K.subscription_id)
        .having(func.count(distinct(K.dim)) == func.max(K.required))
    )


def matching_subscriptions(session: Session, event: Event) -> list[SubscriptionRow]:
    """The subscriptions to notify of ``event``, oldest first."""
    ids = candidate_ids_statement(event).subquery()
    rows = session.scalars(
        select(SubscriptionRow)
        .where(SubscriptionRow.id.in_(select(ids.c.subscription_id)))
        .order_by(SubscriptionRow.created_at, SubscriptionRow.id)
    )
    return [row for row in rows if matches(row.filter, event)]
