"""The task resources of an operation occurrence: retry, rollback, fail, cancel."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from vnfm.api.problems import Conflict, NotFound
from vnfm.db.models import VnfLcmOpOccRow
from vnfm.domain.op_occ import Action, CancelMode, OpState, TransitionNotAllowed, can
from vnfm.lcm.lifecycle import move
from vnfm.lcm.operations import can_rollback, operation_spec


def load_op(session: Session, op_id: str, *, for_update: bool = False) -> VnfLcmOpOccRow:
    statement = select(VnfLcmOpOccRow).where(VnfLcmOpOccRow.id == op_id)
    if for_update:
        statement = statement.with_for_update()
    op = session.scalars(statement).one_or_none()
    if op is None:
        raise NotFound(f"no VNF LCM operation occurrence with id {op_id!r}")
    return op


def _move(session: Session, op: VnfLcmOpOccRow, action: Action) -> OpState:
    try:
        return move(session, op, action)
    except TransitionNotAllowed as refused:
        raise Conflict(f"operation {op.id} ({op.operation}): {refused}") from None


def retry(session: Session, op_id: str) -> VnfLcmOpOccRow:
    op = load_op(session, op_id, for_update=True)
    _move(session, op, Action.RETRY)
    return op


def rollback(session: Session, op_id: str) -> VnfLcmOpOccRow:
    op = load_op(session, op_id, for_update=True)
    if can(OpState(op.operation_state), Action.ROLLBACK) and not can_rollback(op.operation):
        raise Conflict(
            f"operation {op.id} ({op.operation}) cannot be rolled back: what it did has no "
            "undo. Retry it, or declare it failed."
        )
    _move(session, op, Action.ROLLBACK)
    return op


def fail(session: Session, op_id: str) -> VnfLcmOpOccRow:
    op = load_op(session, op_id, for_update=True)
    _move(session, op, Action.FAIL)
    return op


def cancel(session: Session, op_id: str, mode: CancelMode) -> VnfLcmOpOccRow:
    """STARTING ends at once in ROLLED_BACK; a running operation is flagged and the
    executor stops it (FORCEFUL: now, GRACEFUL: after the step under way)."""
    op = load_op(session, op_id, for_update=True)
    state = OpState(op.operation_state)
    if not can(state, Action.CANCEL):
        _move(session, op, Action.CANCEL)  # raises the 409 with the reason
    if state is not OpState.STARTING and not operation_spec(op.operation).cancellable:
        raise Conflict(
            f"operation {op.id} ({op.operation}) cannot be cancelled while it runs: each of "
            "its ESC requests is atomic. Wait for it to end."
        )
    op.cancel_mode = mode
    if state is OpState.STARTING:
        _move(session, op, Action.CANCEL)
    else:
        op.is_cancel_pending = True
    return op
