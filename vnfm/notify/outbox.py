"""The transactional outbox: notifications are written with the change they announce.

The LCM code calls these functions inside the transaction that changes state, so
the outbox rows commit (or roll back) together with the change: no notification
about a change that did not happen, none lost for a change that did.  Sending is
the delivery worker's job (:mod:`vnfm.notify.delivery`), after the commit.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from vnfm.db.models import VnfInstanceRow, VnfLcmOpOccRow, utcnow
from vnfm.notify import documents
from vnfm.notify.documents import Draft
from vnfm.notify.matching import matching_subscriptions
from vnfm.notify.models import PENDING, OutboxRow, SubscriptionRow

#: Whether any subscription exists at all: most state changes happen with none, and
#: this one-row primary-key read is far cheaper than building the draft and running
#: the matching query.
_ANY_SUBSCRIPTION = select(SubscriptionRow.id).limit(1)


def _subscribed(session: Session) -> bool:
    """Asked inside the transaction of the change, like the matching itself: a
    subscription committed before this read is matched, one committed after it would
    have been missed by the matching query as well."""
    return session.scalar(_ANY_SUBSCRIPTION) is not None


def publish(session: Session, draft: Draft) -> int:
    """Queue ``draft`` for every subscription it matches; returns how many."""
    if not _subscribed(session):
        return 0
    return _queue(session, draft)


def _queue(session: Session, draft: Draft) -> int:
    subscriptions = matching_subscriptions(session, draft.event)
    now = utcnow()
    for subscription in subscriptions:
        payload, links = draft.addressed(subscription.id, subscription.verbosity)
        session.add(
            OutboxRow(
                notification_id=draft.id,
                subscription_id=subscription.id,
                notification_type=draft.notification_type,
                payload=payload,
                links=links,
                status=PENDING,
                attempts=0,
                next_attempt_at=now,
                created_at=now,
                queued_at=now,
            )
        )
    if subscriptions:
        session.flush()
    return len(subscriptions)


def op_occ_changed(
    session: Session, op: VnfLcmOpOccRow, instance: VnfInstanceRow | None = None
) -> None:
    """An operation occurrence was created or changed state."""
    if not _subscribed(session):
        return  # nobody to tell: neither the instance nor the draft is needed
    if instance is None:
        instance = session.get(VnfInstanceRow, op.vnf_instance_id)
    _queue(session, documents.op_occ_draft(op, instance))


def identifier_created(session: Session, instance: VnfInstanceRow) -> None:
    publish(session, documents.identifier_draft(documents.CREATION_NOTIFICATION, instance))


def identifier_deleted(session: Session, instance: VnfInstanceRow) -> None:
    """Called before the row is deleted, so the filters can still see its attributes."""
    publish(session, documents.identifier_draft(documents.DELETION_NOTIFICATION, instance))
