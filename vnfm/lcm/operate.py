"""OPERATE: start or stop the VNF (SOL003 5.4.10) with ESC's service start and stop.

ESC stops every VM of the service (VM_STOPPED per VM, then SERVICE_STOPPED) or starts
them (VM_STARTED per VM, then SERVICE_STARTED).  ESC has no separate graceful stop:
its stop already asks the VIM for an orderly shutdown of each VM.  So a GRACEFUL
stop sends the same request and lets it take ``gracefulStopTimeout`` seconds longer
before the VNFM gives up waiting; a GRACEFUL stop without a timeout waits as long as
a FORCEFUL one.  ``stopType`` and ``gracefulStopTimeout`` on a start are ignored.

Asking for the state the VNF is already in is refused with 409 (SOL003: the
operation conflicts with the state of the resource).

ESC starts only a stopped service.  A stop or start that failed half-way leaves the
service in SERVICE_ERROR_STATE with some VMs stopped and some not; the way back to
STARTED from there (a retried start, or the rollback of a failed stop) first stops
the whole service, so the start begins from a known state.  Rollback is the opposite
action, and a no-op when ESC is still in the state the VNF had before.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy.orm import Session

from vnfm.api.problems import Conflict, Unprocessable
from vnfm.db.models import VnfInstanceRow, VnfLcmOpOccRow
from vnfm.domain.instance import InstantiationState, VnfOperationalState
from vnfm.engine.runtime import StepContext, StepFailed, esc_request
from vnfm.lcm import deployment
from vnfm.lcm.operations import OperationSpec, TaskRequest, register
from vnfm.southbound.types import DeploymentState, EventType, ServiceAction, ServiceState

OPERATION = "OPERATE"
REQUIRED_STATE = InstantiationState.INSTANTIATED

STARTED = VnfOperationalState.STARTED.value
STOPPED = VnfOperationalState.STOPPED.value


def prepare(task: TaskRequest) -> tuple[dict[str, Any], dict[str, Any]]:
    """Refuse a change to the state the VNF is in; remember the state to go back to."""
    instance, request = task.instance, task.body
    plan = deployment.plan_of(instance.internal)
    if plan is None:
        raise Conflict(f"VNF instance {instance.id} has no deployment to operate")
    current = deployment.vnf_state_of(instance.instantiated_vnf_info)
    target = request["changeStateTo"]
    if target == current:
        raise Conflict(f"VNF instance {instance.id} is already {current}")
    timeout = request.get("gracefulStopTimeout")
    if timeout is not None and timeout < 0:
        raise Unprocessable(f"gracefulStopTimeout must not be negative, got {timeout}")
    extra = 0
    if target == STOPPED and request.get("stopType") == "GRACEFUL" and timeout:
        extra = int(timeout)
    context = {"plan": plan, "from": current, "to": target, "gracefulSeconds": extra}
    return request, context


def _stopped(state: DeploymentState | None) -> bool | None:
    if state is None:
        return False
    return True if state.state is ServiceState.SERVICE_STOPPED_STATE else None


def _started(state: DeploymentState | None) -> bool | None:
    if state is None:
        return False
    if state.state is ServiceState.SERVICE_ACTIVE_STATE and deployment.is_alive(state):
        return True
    return None


def _read(ctx: StepContext) -> DeploymentState:
    name = ctx.plan["deployment"]
    state = ctx.read_deployment(name)
    if state is None:
        raise StepFailed(f"ESC no longer knows deployment {name}")
    return state


def _service_action(ctx: StepContext, action: ServiceAction, extra_wait: float = 0) -> None:
    plan = ctx.plan
    name = plan["deployment"]
    waiting = ctx
    if extra_wait:
        longer = ctx.settings.esc_event_timeout + extra_wait
        waiting = dataclasses.replace(
            ctx, settings=dataclasses.replace(ctx.settings, esc_event_timeout=longer)
        )
    stop = action is ServiceAction.STOP
    esc_request(
        waiting,
        what=f"{action.value} of {name}",
        deployment=name,
        send=lambda: ctx.adapter.service_action(plan["tenant"], name, action),
        done_events=(EventType.SERVICE_STOPPED if stop else EventType.SERVICE_STARTED,),
        judge=_stopped if stop else _started,
        # Only after a crash between saving the marker and sending: ESC never got it.
        resend_if=_never_stopping if stop else _never_starting,
    )


def _never_stopping(state: DeploymentState | None) -> bool:
    return state is not None and state.state is ServiceState.SERVICE_ACTIVE_STATE


def _never_starting(state: DeploymentState | None) -> bool:
    return state is not None and state.state is ServiceState.SERVICE_STOPPED_STATE


def drive_to(ctx: StepContext, target: str, graceful_seconds: float = 0) -> None:
    """Bring ESC's service to ``target`` (STARTED or STOPPED); nothing if it is there."""
    state = _read(ctx)
    if target == STOPPED:
        if _stopped(state):
            return
        _service_action(ctx, ServiceAction.STOP, graceful_seconds)
        return
    if _started(state):
        return
    if state.state is ServiceState.SERVICE_ERROR_STATE:
        _service_action(ctx, ServiceAction.STOP)
    _service_action(ctx, ServiceAction.START)


class ChangeState:
    name = "change-state"

    def run(self, ctx: StepContext) -> None:
        drive_to(ctx, ctx.data["to"], float(ctx.data.get("gracefulSeconds") or 0))

    def undo(self, ctx: StepContext) -> None:
        drive_to(ctx, ctx.data["from"])


def finish(
    ctx: StepContext, session: Session, instance: VnfInstanceRow, op: VnfLcmOpOccRow
) -> None:
    """``vnfState`` becomes ``changeStateTo``, and every VNFC's state with it."""
    state = ctx.read_deployment(ctx.plan["deployment"])
    info = instance.instantiated_vnf_info or {}
    instance.instantiated_vnf_info = deployment.with_vnf_state(info, ctx.data["to"], state)


register(OperationSpec(operation=OPERATION, steps=(ChangeState(),), finish=finish))
