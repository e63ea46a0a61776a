"""Rows and steps the notification tests share: instances, operations, subscriptions."""

from __future__ import annotations

import time
import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vnfm.app import Services
from vnfm.db.models import VnfInstanceRow, VnfLcmOpOccRow, utcnow
from vnfm.notify import outbox
from vnfm.notify.delivery import deliver_due
from vnfm.notify.models import OutboxRow, SubscriptionRow
from vnfm.notify.subscriptions import add_subscription, validate_request


def add_instance(
    session: Session,
    *,
    name: str | None = "vnf-a",
    vnfd_id: str = "vnfd-1",
    provider: str = "Acme",
    product: str = "Router",
    software: str = "1.0",
    vnfd_version: str = "1.0.0",
) -> VnfInstanceRow:
    row = VnfInstanceRow(
        id=str(uuid.uuid4()),
        vnf_instance_name=name,
        vnfd_id=vnfd_id,
        vnf_provider=provider,
        vnf_product_name=product,
        vnf_software_version=software,
        vnfd_version=vnfd_version,
        instantiation_state="NOT_INSTANTIATED",
        internal={},
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return row


def begin_op(
    session: Session, instance: VnfInstanceRow, operation: str = "INSTANTIATE", **extra: Any
) -> VnfLcmOpOccRow:
    """An op occ in STARTING, announced as the LCM code does."""
    now = utcnow()
    op = VnfLcmOpOccRow(
        id=str(uuid.uuid4()),
        vnf_instance_id=instance.id,
        operation=operation,
        operation_state="STARTING",
        state_entered_time=now,
        start_time=now,
        is_automatic_invocation=False,
        is_cancel_pending=False,
        step=0,
        context={},
        created_at=now,
        **extra,
    )
    session.add(op)
    session.flush()
    outbox.op_occ_changed(session, op, instance)
    return op


def move(session: Session, op: VnfLcmOpOccRow, state: str, **changes: Any) -> None:
    """A state change, announced as ``lifecycle.move`` does (without the instance)."""
    op.operation_state = state
    op.state_entered_time = utcnow()
    for name, value in changes.items():
        setattr(op, name, value)
    session.flush()
    outbox.op_occ_changed(session, op)


def subscribe(services: Services, request: dict[str, Any]) -> SubscriptionRow:
    """A subscription stored directly (no callback check), as the API would store it."""
    with services.session() as session, session.begin():
        return add_subscription(session, validate_request(request))


def pending_count(services: Services) -> int:
    with services.reader() as session:
        return session.scalar(
            select(func.count()).select_from(OutboxRow).where(OutboxRow.status == "PENDING")
        )


def deliver_until_settled(services: Services, rounds: int = 400) -> int:
    """Run delivery passes until nothing is pending (retries wait a few ms each)."""
    delivered = 0
    for _ in range(rounds):
        delivered += deliver_due(services)
        if pending_count(services) == 0:
            return delivered
        time.sleep(0.01)
    raise AssertionError(f"notifications still pending after {rounds} passes")
