"""Tables of subscriptions and of the notification outbox.

Three tables:

* ``lccn_subscriptions``: one row per subscription, holding what the API shows plus
  the ``authentication`` block (credentials toward the subscriber: write-only, never
  returned, never logged);
* ``lccn_subscription_keys``: the filter of each subscription flattened into
  ``(dimension, value)`` match keys, so that the subscriptions an event concerns are
  selected by one indexed query instead of by reading every subscription
  (see :mod:`vnfm.notify.matching`);
* ``notification_outbox``: one row per (notification, subscription), written in
  the transaction that made the change and deleted once delivered; rows that can
  no longer be delivered stay as dead letters.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from vnfm.db.models import TIMESTAMP_LENGTH, Base, Json, utcnow

#: Length of a match key value; longer values are stored as a digest (filters.py).
KEY_VALUE_LENGTH = 255

# SQLite only gives an autoincrementing rowid to a column declared INTEGER.
_Sequence = BigInteger().with_variant(Integer(), "sqlite")


class SubscriptionRow(Base):
    __tablename__ = "lccn_subscriptions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    callback_uri: Mapped[str] = mapped_column(Text)
    verbosity: Mapped[str] = mapped_column(String(8))
    #: The filter as the subscriber gave it, minus empty lists and objects.
    filter: Mapped[dict[str, Any] | None] = mapped_column(Json)
    #: SubscriptionAuthentication as given: holds passwords, so it is never shown.
    authentication: Mapped[dict[str, Any] | None] = mapped_column(Json)
    #: Digest of (callbackUri, canonical filter, verbosity): finds identical subscriptions.
    fingerprint: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[str] = mapped_column(String(TIMESTAMP_LENGTH), default=utcnow)

    __table_args__ = (Index("ix_lccn_subscriptions_created", "created_at", "id"),)


class SubscriptionKeyRow(Base):
    """One match key of a subscription's filter.

    ``required`` is the number of distinct dimensions the subscription constrains
    (the same on all its rows): an event matches when it hits keys in that many
    dimensions.  A subscription without any constraint has the single key
    ``("*", "*")`` with ``required`` 1, which every event hits.
    """

    __tablename__ = "lccn_subscription_keys"

    subscription_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("lccn_subscriptions.id", ondelete="CASCADE"), primary_key=True
    )
    dim: Mapped[str] = mapped_column(String(8), primary_key=True)
    value: Mapped[str] = mapped_column(String(KEY_VALUE_LENGTH), primary_key=True)
    required: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        Index("ix_lccn_subscription_keys_lookup", "dim", "value", "subscription_id", "required"),
    )


#: Outbox row states.  Delivered rows are deleted, so there is no DELIVERED.
PENDING = "PENDING"
DEAD = "DEAD"


class OutboxRow(Base):
    __tablename__ = "notification_outbox"

    #: Insertion order; a subscription's notifications are sent in this order.
    seq: Mapped[int] = mapped_column(_Sequence, primary_key=True, autoincrement=True)
    #: The notification's ``id``: the same for every subscriber and every retry.
    notification_id: Mapped[str] = mapped_column(String(64))
    subscription_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("lccn_subscriptions.id", ondelete="CASCADE")
    )
    notification_type: Mapped[str] = mapped_column(String(64))
    #: The notification without ``_links``; those are made absolute when it is sent.
    payload: Mapped[dict[str, Any]] = mapped_column(Json)
    #: ``_links`` as paths below ``/vnflcm/v2/`` (name -> path).
    links: Mapped[dict[str, str]] = mapped_column(Json)
    status: Mapped[str] = mapped_column(String(8), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[str] = mapped_column(String(TIMESTAMP_LENGTH))
    lease_owner: Mapped[str | None] = mapped_column(String(128))
    lease_expires_at: Mapped[str | None] = mapped_column(String(TIMESTAMP_LENGTH))
    #: Why the last attempt failed (status code or error class); never holds secrets.
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[str] = mapped_column(String(TIMESTAMP_LENGTH), default=utcnow)
    #: When the row (re)entered the queue: the start of its retry window (max age).
    queued_at: Mapped[str] = mapped_column(String(TIMESTAMP_LENGTH), default=utcnow)
    dead_at: Mapped[str | None] = mapped_column(String(TIMESTAMP_LENGTH))

    __table_args__ = (
        # The head of each subscription's queue: its first pending row.
        Index("ix_notification_outbox_queue", "subscription_id", "status", "seq"),
        # Due rows, for the delivery workers' claim.
        Index(
            "ix_notification_outbox_due",
            "next_attempt_at",
            sqlite_where=text("status = 'PENDING'"),
            postgresql_where=text("status = 'PENDING'"),
        ),
        Index(
            "ix_notification_outbox_dead",
            "dead_at",
            sqlite_where=text("status = 'DEAD'"),
            postgresql_where=text("status = 'DEAD'"),
        ),
    )
