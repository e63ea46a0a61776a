"""The transactional outbox: notifications are written with the change they announce.

The LCM code calls these functions inside the transaction that changes state, so
the outbox rows commit (or roll back) together with the change: no notification
about a change that did not happen, none lost for a change that did.  Sending is
the delivery worker's job (:mod:`vnfm.notify.delivery`), after the commit.
"""

from __future__ import annotations

import logging
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, inspect
from sqlalchemy.orm import Session

from vnfm.db.models import VnfInstanceRow, VnfLcmOpOccRow, utcnow
from vnfm.notify import documents
from vnfm.notify.documents import Draft
from vnfm.notify.matching import matching_subscriptions
from vnfm.notify.models import PENDING, OutboxRow, SubscriptionKeyRow

log = logging.getLogger(__name__)

# Transitional: until the shared migration creates the notification tables, a
# database without them must not make every state change fail.  Checked once per
# engine, and loudly, so a production database that was not upgraded is noticed.
_TABLES_PRESENT: WeakKeyDictionary[Engine, bool] = WeakKeyDictionary()


def _tables_present(session: Session) -> bool:
    engine = session.get_bind().engine
    present = _TABLES_PRESENT.get(engine)
    if present is None:
        present = inspect(session.connection()).has_table(SubscriptionKeyRow.__tablename__)
        _TABLES_PRESENT[engine] = present
        if not present:
            log.error(
                "table %s is missing: no notifications will be queued; run `vnfm db upgrade`",
                SubscriptionKeyRow.__tablename__,
            )
    return present


def publish(session: Session, draft: Draft) -> int:
    """Queue ``draft`` for every subscription it matches; returns how many."""
    if not _tables_present(session):
        return 0
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
    if instance is None:
        instance = session.get(VnfInstanceRow, op.vnf_instance_id)
    publish(session, documents.op_occ_draft(op, instance))


def identifier_created(session: Session, instance: VnfInstanceRow) -> None:
    publish(session, documents.identifier_draft(documents.CREATION_NOTIFICATION, instance))


def identifier_deleted(session: Session, instance: VnfInstanceRow) -> None:
    """Called before the row is deleted, so the filters can still see its attributes."""
    publish(session, documents.identifier_draft(documents.DELETION_NOTIFICATION, instance))
