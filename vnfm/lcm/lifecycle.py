"""Creating operation occurrences and moving them between states.

:func:`move` is the only code that writes ``operationState``; it asks the domain
state machine whether the move exists, stamps ``stateEnteredTime``, keeps
``error`` as SOL003 wants it, and hands the change to the notification outbox in
the same transaction.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from vnfm.api.problems import Conflict
from vnfm.db.models import VnfInstanceRow, VnfLcmOpOccRow, utcnow
from vnfm.domain.op_occ import ERROR_VISIBLE_STATES, Action, OpState, transition
from vnfm.lcm.identifiers import open_operation
from vnfm.notify import outbox


def begin_operation(
    session: Session,
    instance: VnfInstanceRow,
    operation: str,
    params: dict[str, Any],
    context: dict[str, Any],
    *,
    automatic: bool = False,
) -> VnfLcmOpOccRow:
    """A new op occ in STARTING; 409 when another operation on the instance is open.

    The check below gives the NFVO a useful message; the partial unique index on
    open operations is what makes it hold when two requests race.
    """
    busy = open_operation(session, instance.id)
    if busy is not None:
        raise _conflict(instance.id, busy)
    now = utcnow()
    op = VnfLcmOpOccRow(
        id=str(uuid.uuid4()),
        vnf_instance_id=instance.id,
        operation=operation,
        operation_state=OpState.STARTING,
        state_entered_time=now,
        start_time=now,
        is_automatic_invocation=automatic,
        is_cancel_pending=False,
        operation_params=params,
        step=0,
        context=context,
        # Snapshot operations name their VNF snapshot from STARTING on (SOL003
        # VnfLcmOpOcc.vnfSnapshotInfoId), so the NFVO can follow the link at once.
        vnf_snapshot_info_id=context.get("vnfSnapshotInfoId"),
        created_at=now,
    )
    session.add(op)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(
            f"another lifecycle operation on VNF instance {instance.id} started at the "
            "same moment; retry once it has ended"
        ) from None
    outbox.op_occ_changed(session, op, instance)
    return op


def _conflict(instance_id: str, busy: VnfLcmOpOccRow) -> Conflict:
    return Conflict(
        f"VNF instance {instance_id} has operation {busy.id} ({busy.operation}) in "
        f"{busy.operation_state}; only one lifecycle operation may be open at a time"
    )


def move(
    session: Session,
    op: VnfLcmOpOccRow,
    action: Action,
    *,
    error: dict[str, Any] | None = None,
    instance: VnfInstanceRow | None = None,
) -> OpState:
    new_state = transition(OpState(op.operation_state), action)
    op.operation_state = new_state
    op.state_entered_time = utcnow()
    if new_state is OpState.FAILED_TEMP:
        op.error = error or {"status": 500, "detail": "the operation failed"}
    elif new_state not in ERROR_VISIBLE_STATES:
        op.error = None
    if new_state is not OpState.PROCESSING and new_state is not OpState.ROLLING_BACK:
        # Nobody runs it any more: drop the claim and any cancel that has taken effect.
        op.lease_owner = None
        op.lease_expires_at = None
        op.is_cancel_pending = False
    outbox.op_occ_changed(session, op, instance)
    return new_state
