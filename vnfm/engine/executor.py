"""The executor: claims runnable operations from the database and drives their steps.

Each vnfm process runs one.  Work is shared through the database only: an
operation is claimed with a lease (a compare-and-set on ``lease_owner`` /
``lease_expires_at``, with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL so that
processes do not queue on each other's candidates), renewed by a heartbeat while
it runs.  A process that dies stops renewing; once the lease expires any other
process (or the same one restarted) claims the operation and resumes it at the
step it had reached, which is safe because steps are idempotent.

After every step the step counter and the step's private data are committed, with
a check that the lease is still ours, so a process that lost its claim (a long
pause) notices and stops instead of racing the new owner.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Integer, bindparam, or_, select, update
from sqlalchemy.orm import Session

from vnfm.db.models import VnfInstanceRow, VnfLcmOpOccRow, utcnow
from vnfm.domain.op_occ import Action, CancelMode, OpState
from vnfm.engine.events import EventWaiter
from vnfm.engine.runtime import Cancelled, LeaseLost, StepContext, StepFailed
from vnfm.lcm.lifecycle import move
from vnfm.lcm.operations import OperationSpec, operation_spec
from vnfm.southbound.adapter import Adapter

log = logging.getLogger(__name__)

RUNNABLE_STATES = (OpState.STARTING, OpState.PROCESSING, OpState.ROLLING_BACK)

# The engine's bookkeeping statements, built once: they run several times per step,
# and building a statement (and its cache key) cost more than running it.  Core
# statements on the table, not ORM ones: these read and write plain columns.
_OPS = VnfLcmOpOccRow.__table__
_FREE_LEASE = or_(_OPS.c.lease_expires_at.is_(None), _OPS.c.lease_expires_at < bindparam("now"))
_CANDIDATES = (
    select(_OPS.c.id)
    .where(_OPS.c.operation_state.in_([state.value for state in RUNNABLE_STATES]), _FREE_LEASE)
    .order_by(_OPS.c.created_at)
    .limit(bindparam("limit", type_=Integer))
)
_CANDIDATES_SKIP_LOCKED = _CANDIDATES.with_for_update(skip_locked=True)
_CLAIM = (
    update(_OPS)
    .where(_OPS.c.id == bindparam("op_id"), _FREE_LEASE)
    .values(lease_owner=bindparam("owner"), lease_expires_at=bindparam("expires"))
)
_OURS = (_OPS.c.id == bindparam("op_id")) & (_OPS.c.lease_owner == bindparam("owner"))
_SAVE_CONTEXT = (
    update(_OPS).where(_OURS).values(context=bindparam("new_context", type_=_OPS.c.context.type))
)
_SAVE_STEP = _SAVE_CONTEXT.values(step=bindparam("new_step", type_=Integer))
_CANCEL = select(_OPS.c.is_cancel_pending, _OPS.c.cancel_mode).where(
    _OPS.c.id == bindparam("op_id")
)
_OWNED = select(VnfLcmOpOccRow).where(
    VnfLcmOpOccRow.id == bindparam("op_id"), VnfLcmOpOccRow.lease_owner == bindparam("owner")
)
_OWNED_FOR_UPDATE = _OWNED.with_for_update()


def timestamp_in(seconds: float) -> str:
    moment = datetime.now(UTC) + timedelta(seconds=seconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class _NoOverlapNotices(logging.Filter):
    """Drops APScheduler's notice that a job was skipped because its previous run is
    still going: under load a heartbeat may outlast its interval, and the one it skips
    would renew nothing the running one does not."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "maximum number of running instances" not in str(record.msg)


scheduler_log = logging.getLogger(__name__ + ".scheduler")
scheduler_log.addFilter(_NoOverlapNotices())

class Executor:
    def __init__(
        self,
        services: Any,
        adapter: Adapter,
        waiter: EventWaiter,
        owner: str | None = None,
    ) -> None:
        self.services = services
        self.settings = services.settings
        self.adapter = adapter
        self.waiter = waiter
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._pool = ThreadPoolExecutor(
            max_workers=self.settings.workers, thread_name_prefix="vnfm-op"
        )
        self._running: dict[str, Future[None]] = {}
        self._lock = threading.Lock()
        self._scheduler: BackgroundScheduler | None = None
        self._claimer: threading.Thread | None = None
        self._wake = threading.Event()
        self._stopping = threading.Event()
        #: The last claim pass filled every free worker (or found none free), so
        #: runnable operations may be waiting: a worker that frees up looks at once.
        self._backlog = False

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        self._stopping.clear()
        self._claimer = threading.Thread(target=self._claim_loop, name="vnfm-claim", daemon=True)
        self._claimer.start()
        scheduler = BackgroundScheduler(timezone=UTC, logger=scheduler_log)
        scheduler.add_job(
            self.heartbeat,
            "interval",
            seconds=max(self.settings.lease_seconds / 3, 0.1),
            id="renew-leases",
            max_instances=1,
            coalesce=True,
        )
        scheduler.start()
        self._scheduler = scheduler

    def stop(self, wait: bool = True) -> None:
        self._stopping.set()
        self._wake.set()
        if self._claimer is not None:
            if wait:
                self._claimer.join()
            self._claimer = None
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=wait)
            self._scheduler = None
        self._pool.shutdown(wait=wait, cancel_futures=True)

    def kick(self) -> None:
        """Look for work now rather than at the next poll (after a request created some).

        Only sets an event: kicks that come while a pass runs, or many at once (a burst
        of requests), are answered by one more pass, not lost and not one pass each."""
        self._wake.set()

    def _claim_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                self.poll()
            except Exception:
                log.exception("looking for runnable operations failed; trying again")
            self._wake.wait(self.settings.poll_interval)
            # Cleared before the next pass: a kick from here on is seen by that pass
            # (its work is committed before the kick) or wakes the wait after it.
            self._wake.clear()

    # ------------------------------------------------------------------ claiming

    def poll(self) -> int:
        with self._lock:
            free = self.settings.workers - len(self._running)
            if free <= 0:
                self._backlog = True
                return 0
        claimed = self.claim(free)
        with self._lock:
            self._backlog = len(claimed) == free
            for op_id in claimed:
                future = self._pool.submit(self.run, op_id)
                self._running[op_id] = future
                future.add_done_callback(lambda _f, op_id=op_id: self._forget(op_id))
        return len(claimed)

    def _forget(self, op_id: str) -> None:
        with self._lock:
            self._running.pop(op_id, None)
            backlog = self._backlog
        if backlog:
            # Without this, queued operations would wait for the next poll (or request).
            self.kick()

    def claim(self, limit: int) -> list[str]:
        now = utcnow()
        # A look first, without a transaction that may write: most polls find nothing,
        # and on SQLite that transaction would queue for the one write lock.
        with self.services.read_connection() as conn:
            if conn.execute(_CANDIDATES, {"now": now, "limit": 1}).first() is None:
                return []
        with self.services.engine.begin() as conn:
            postgresql = conn.dialect.name == "postgresql"
            candidates = _CANDIDATES_SKIP_LOCKED if postgresql else _CANDIDATES
            claimed = []
            for op_id in conn.execute(candidates, {"now": now, "limit": limit}).scalars().all():
                values = {
                    "op_id": op_id,
                    "now": now,
                    "owner": self.owner,
                    "expires": timestamp_in(self.settings.lease_seconds),
                }
                if conn.execute(_CLAIM, values).rowcount == 1:
                    claimed.append(op_id)
        return claimed

    def heartbeat(self) -> None:
        with self._lock:
            running = list(self._running)
        if not running:
            return
        with self.services.session() as session, session.begin():
            session.execute(
                update(VnfLcmOpOccRow)
                .where(VnfLcmOpOccRow.id.in_(running), VnfLcmOpOccRow.lease_owner == self.owner)
                .values(lease_expires_at=timestamp_in(self.settings.lease_seconds))
            )

    # ------------------------------------------------------------------ running

    def run(self, op_id: str) -> None:
        try:
            self._drive(op_id)
        except LeaseLost:
            log.warning("operation %s was taken over by another process; leaving it", op_id)
        except Exception:
            log.exception("operation %s failed unexpectedly", op_id)
            self._fail_unexpectedly(op_id)

    def _owned(self, session: Session, op_id: str) -> VnfLcmOpOccRow:
        postgresql = session.get_bind().dialect.name == "postgresql"
        statement = _OWNED_FOR_UPDATE if postgresql else _OWNED
        op = session.scalars(statement, {"op_id": op_id, "owner": self.owner}).one_or_none()
        if op is None:
            raise LeaseLost(op_id)
        return op

    def _drive(self, op_id: str) -> None:
        with self.services.session() as session, session.begin():
            op = self._owned(session, op_id)
            if op.operation_state not in RUNNABLE_STATES:
                return  # ended meanwhile (e.g. cancelled while STARTING)
            if op.operation_state == OpState.STARTING:
                move(session, op, Action.START)
            state = OpState(op.operation_state)
            operation = op.operation
            step = op.step or 0  # the step reached: only the lease holder changes it
            ctx = self._context(session, op)
        spec = operation_spec(operation)
        try:
            if state is OpState.PROCESSING:
                self._forward(spec, ctx, op_id, step)
            elif state is OpState.ROLLING_BACK:
                self._backward(spec, ctx, op_id, step)
        except StepFailed as failure:
            self._end_attempt(spec, op_id, ctx, Action.ERROR, failure.problem)
        except Cancelled as cancelled:
            problem = {
                "type": "about:blank",
                "title": "Operation cancelled",
                "status": 409,
                "detail": f"cancelled by request ({cancelled.mode.value}) during "
                f"{ctx.step_key or 'start-up'}",
            }
            self._end_attempt(spec, op_id, ctx, Action.CANCEL, problem)

    def _context(self, session: Session, op: VnfLcmOpOccRow) -> StepContext:
        data: dict[str, Any] = dict(op.context or {})
        vnfd_id = (data.get("plan") or {}).get("vnfdId")
        if not vnfd_id:  # the instance (a wide row) is read only when the plan lacks it
            instance = session.get(VnfInstanceRow, op.vnf_instance_id)
            vnfd_id = instance.vnfd_id if instance else ""
        op_id = op.id
        return StepContext(
            op_id=op_id,
            instance_id=op.vnf_instance_id,
            operation=op.operation,
            params=dict(op.operation_params or {}),
            data=data,
            vnfd=self.services.catalog.get(vnfd_id),
            catalog=self.services.catalog,
            adapter=self.adapter,
            waiter=self.waiter,
            settings=self.settings,
            checkpoint=lambda: self._save(op_id, data),
            cancel_requested=lambda: self._cancel_requested(op_id),
        )

    def _forward(self, spec: OperationSpec, ctx: StepContext, op_id: str, first: int) -> None:
        ctx.data.pop("rollbackNext", None)
        for index in range(first, len(spec.steps)):
            self._check_cancel(ctx)
            ctx.step_key = f"run:{index}:{spec.steps[index].name}"
            spec.steps[index].run(ctx)
            self._save(op_id, ctx.data, step=index + 1)
        self._check_cancel(ctx)  # a cancel that came during the last step still counts
        ctx.step_key = "finish"
        with self.services.session() as session, session.begin():
            op = self._owned(session, op_id)
            instance = session.get(VnfInstanceRow, op.vnf_instance_id)
            if instance is None:
                raise StepFailed(f"VNF instance {op.vnf_instance_id} no longer exists")
            spec.finish(ctx, session, instance, op)
            op.context = ctx.data
            move(session, op, Action.COMPLETE, instance=instance)

    def _backward(self, spec: OperationSpec, ctx: StepContext, op_id: str, reached: int) -> None:
        index = ctx.data.get("rollbackNext", min(reached, len(spec.steps) - 1))
        while index >= 0:
            self._check_cancel(ctx)
            ctx.step_key = f"undo:{index}:{spec.steps[index].name}"
            spec.steps[index].undo(ctx)
            index -= 1
            ctx.data["rollbackNext"] = index
            self._save(op_id, ctx.data)
        self._check_cancel(ctx)
        with self.services.session() as session, session.begin():
            op = self._owned(session, op_id)
            ctx.data.pop("rollbackNext", None)
            op.context = ctx.data
            move(session, op, Action.ROLLBACK_DONE)

    def _end_attempt(
        self,
        spec: OperationSpec,
        op_id: str,
        ctx: StepContext,
        action: Action,
        problem: dict[str, Any],
    ) -> None:
        # The failed step's request markers go, so that a retry sends its request afresh.
        requests = ctx.data.get("requests", {})
        for key in [k for k in requests if k.startswith(ctx.step_key)]:
            del requests[key]
        follow_up = None
        if action is Action.ERROR and spec.after_failure is not None:
            follow_up = spec.after_failure(self.settings, problem, ctx.data)
        with self.services.session() as session, session.begin():
            op = self._owned(session, op_id)
            op.context = ctx.data
            move(session, op, action, error=problem)
            if follow_up is not None:
                # The operation decides by itself (e.g. a configured terminal state):
                # FAILED_TEMP is still recorded and announced, then left at once.
                move(session, op, follow_up)
                op.lease_owner = None
                op.lease_expires_at = None
        log.info("operation %s: %s (%s)", op_id, problem["detail"], action.value)
        if follow_up is Action.ROLLBACK:
            self.kick()

    def _fail_unexpectedly(self, op_id: str) -> None:
        problem = {
            "type": "about:blank",
            "title": "Internal error",
            "status": 500,
            "detail": "the VNFM hit an unexpected error while running this operation; "
            "see its log. Retry, roll back or fail the operation.",
        }
        try:
            with self.services.session() as session, session.begin():
                op = self._owned(session, op_id)
                if op.operation_state in (OpState.PROCESSING, OpState.ROLLING_BACK):
                    move(session, op, Action.ERROR, error=problem)
        except Exception:
            log.exception("could not record the failure of operation %s", op_id)

    # ------------------------------------------------------------------ helpers

    def _save(self, op_id: str, context: dict[str, Any], *, step: int | None = None) -> None:
        """Commit the step data (and the step reached), if the lease is still ours."""
        values = {"op_id": op_id, "owner": self.owner, "new_context": context}
        statement = _SAVE_CONTEXT
        if step is not None:
            statement = _SAVE_STEP
            values["new_step"] = step
        with self.services.engine.begin() as conn:
            if conn.execute(statement, values).rowcount != 1:
                raise LeaseLost(op_id)

    def _cancel_requested(self, op_id: str) -> CancelMode | None:
        with self.services.read_connection() as conn:
            row = conn.execute(_CANCEL, {"op_id": op_id}).first()
        if row is None or not row[0]:
            return None
        return CancelMode(row[1] or CancelMode.GRACEFUL)

    def _check_cancel(self, ctx: StepContext) -> None:
        mode = ctx.cancel_requested()
        if mode is not None:
            raise Cancelled(mode)
