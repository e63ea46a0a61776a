"""MONITORING_MIGRATION: move a VNF's monitoring to another agent (extension, seed 003).

The seed's three steps (disable monitoring, service model update, re-enable
monitoring) are what ESC itself does when a service update changes the monitoring
agent of a deployment: it unsets the monitors on the current agent (silently: a
failure there does not stop it), updates the model (``SERVICE_UPDATED``), then sets
the monitors on the new agent (``VM_SET_MONITOR_STATUS`` per VM, then
``SVC_SET_MONITOR_STATUS``).  Sending the VM-level unset/set requests as well would
do that work twice, and ESC refuses to enable monitoring on a VM it monitors.  So
the VNFM sends one update and follows ESC's phases through their events:

* ``update-service``: the update carrying the new agent under the request's key,
  done when ``SERVICE_UPDATED`` succeeds;
* ``set-monitoring``: done when ``SVC_SET_MONITOR_STATUS`` succeeds.  When ESC will
  not set them by itself (a retry after a failed set, or a request that leaves the
  model as it is), it re-enables, VM by VM, the monitors left in
  ``VM_MONITOR_UNSET_STATE``.

Each failure is tagged with the row of the seed's error table it belongs to, so that
``monitor_migration_terminal_state_on_error`` (``monitorMigration.terminalStateOnError``)
can end it by itself: ESC's refusal → FAILED, a failed update or set → rollback.
Rollback sends the previous model back only if the update went through (a failed
update leaves ESC on the previous agent, and ESC refuses an update that changes
nothing); it looks only at ``SERVICE_UPDATED``, not at how the monitors were set.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.orm import Session

from vnfm.api.problems import BadRequest, Conflict, Unprocessable
from vnfm.config import Settings
from vnfm.db.models import EscEventRow, VnfInstanceRow, VnfLcmOpOccRow
from vnfm.domain.instance import InstantiationState
from vnfm.domain.op_occ import Action
from vnfm.engine.runtime import (
    StepContext,
    StepFailed,
    esc_failure,
    esc_request,
    failure_messages,
)
from vnfm.lcm import deployment
from vnfm.lcm.operations import OperationSpec, TaskRequest, register, require_vnfd
from vnfm.southbound.adapter import NotFound, RequestRejected, SouthboundError
from vnfm.southbound.types import DeploymentSpec, DeploymentState, EventType, VmStateName
from vnfm.vnfd.model import Vnfd

OPERATION = "MONITORING_MIGRATION"
REQUIRED_STATE = InstantiationState.INSTANTIATED

#: The two spellings of the agent attribute the seed shows.
AGENT_ATTRIBUTES = ("monitoring_agent", "monitoringAgent")
#: ESC's central monitoring agent (MONA); ``dmonaName://`` names nothing else.
LOCAL_MONA = "dmonaName://local_mona"
DMONA_PREFIX = "dmona://"
_DMONA_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,252})")
_KEY = re.compile(r"[A-Za-z0-9_.:-]{1,255}")

# What went wrong, as the rows of seed 003's error table (kept in the step data).
REJECTED = "rejected"  # validation failure, monitoring already unset: ESC refused
UPDATE_FAILED = "update-failed"  # ESC accepted the update, then reported it failed
SET_FAILED = "set-failed"  # the model was updated, setting the monitors failed

#: With ``monitor_migration_terminal_state_on_error``, what each failure leads to.
TERMINAL_ACTIONS = {
    REJECTED: Action.FAIL,
    UPDATE_FAILED: Action.ROLLBACK,
    SET_FAILED: Action.ROLLBACK,
}


# ----------------------------------------------------------------------------- request


def read_body(body: Any) -> tuple[Any, Any]:
    """The agent and key of a request, as sent; 400 when the body's shape is wrong.

    Both spellings of the agent are accepted (the seed's samples use both), but
    not together: which one should win would be a guess.
    """
    if not isinstance(body, dict):
        raise BadRequest("the request body must be a JSON object with monitoring_agent and key")
    given = [name for name in AGENT_ATTRIBUTES if name in body]
    if len(given) > 1:
        raise BadRequest(
            "monitoring_agent and monitoringAgent are two spellings of one attribute; "
            "send only one of them"
        )
    if not given:
        raise BadRequest("monitoring_agent (or monitoringAgent) is required")
    agent = body[given[0]]
    if not isinstance(agent, str):
        raise BadRequest(f"{given[0]} must be a string, not {_json_type(agent)}")
    if "key" not in body:
        raise BadRequest("key is required: the key under which the agent is stored")
    key = body["key"]
    if not isinstance(key, str):
        raise BadRequest(f"key must be a string, not {_json_type(key)}")
    return agent, key


def check_agent(agent: str) -> str:
    """``dmona://NAME`` (a distributed agent) or ``dmonaName://local_mona`` (ESC's own)."""
    if agent == LOCAL_MONA:
        return agent
    if agent.startswith("dmonaName://"):
        raise Unprocessable(
            f"monitoring agent {agent!r}: dmonaName:// names only ESC's central agent, "
            f"{LOCAL_MONA}; a distributed agent is dmona://NAME"
        )
    if agent.startswith(DMONA_PREFIX):
        name = agent[len(DMONA_PREFIX) :]
        if _DMONA_NAME.fullmatch(name):
            return agent
        raise Unprocessable(
            f"monitoring agent {agent!r}: the name after dmona:// must be 1 to 253 letters, "
            "digits, '.', '_' or '-', starting with a letter or digit"
        )
    raise Unprocessable(
        f"monitoring agent {agent!r} is neither dmona://NAME (a distributed agent) nor "
        f"{LOCAL_MONA} (ESC's central agent)"
    )


def check_key(key: str) -> str:
    if not _KEY.fullmatch(key):
        raise Unprocessable(
            f"key {key!r} must be 1 to 255 letters, digits, '_', '.', ':' or '-', "
            "like the VNFD's monitoring_agent_key"
        )
    return key


def with_agent(plan: dict[str, Any], key: str, agent: str) -> dict[str, Any]:
    """``plan`` with ``agent`` stored under ``key`` (seed 003): the key named at
    instantiation is updated in place; any other key is added as a new key/value."""
    monitoring = dict(plan.get("monitoring") or {})
    monitoring[key] = agent
    return {**plan, "monitoring": monitoring}


def prepare(task: TaskRequest) -> tuple[dict[str, Any], dict[str, Any]]:
    raw_agent, raw_key = read_body(task.body)
    agent, key = check_agent(raw_agent), check_key(raw_key)
    require_vnfd(task)
    plan = (task.instance.internal or {}).get("plan")
    if not plan:
        raise Conflict(
            f"VNF instance {task.instance.id} has no record of its ESC deployment; "
            "it cannot be migrated"
        )
    context = {
        "plan": with_agent(plan, key, agent),
        "previousPlan": plan,
        "key": key,
        "agent": agent,
    }
    return {"monitoring_agent": agent, "key": key}, context


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", int: "a number", float: "a number", list: "an array"}.get(
        type(value), "an object"
    )


# ----------------------------------------------------------------------------- steps


@contextmanager
def _attempt(ctx: StepContext) -> Iterator[None]:
    """One attempt of a step: a failure tag from before does not carry over, and a
    failed attempt's watermarks go, so the next attempt sends its requests afresh
    (a resumed attempt, after a crash, keeps them and does not send twice)."""
    ctx.data.pop("failure", None)
    try:
        yield
    except StepFailed:
        marks = ctx.data.get("marks", {})
        for name in [m for m in marks if m.startswith(ctx.step_key)]:
            del marks[name]
        raise


def _mark(ctx: StepContext, name: str, *, commit: bool = True) -> tuple[int, bool]:
    """The event watermark of request ``name`` of this step, and whether it is new.

    A new one must be committed before the request leaves (``commit``, unless the
    caller commits it with its own checkpoint), so that the events which come before
    the step waits for them are found, even by another process after a crash."""
    marks = ctx.data.setdefault("marks", {})
    key = f"{ctx.step_key}:{name}"
    if key in marks:
        return int(marks[key]), False
    marks[key] = ctx.waiter.watermark()
    if commit:
        ctx.checkpoint()
    return int(marks[key]), True


def _vnfd(ctx: StepContext) -> Vnfd:
    if ctx.vnfd is None:
        raise StepFailed(f"VNFD {ctx.plan['vnfdId']} is no longer in the catalog")
    return ctx.vnfd


def _judge_updated(state: DeploymentState | None) -> bool | None:
    # A monitoring update leaves the service as it was, so only the event says it is
    # done; a deployment ESC no longer knows cannot have been updated.
    return False if state is None else None


def _send(ctx: StepContext, spec: DeploymentSpec, tag: bool) -> None:
    try:
        ctx.adapter.update_service(spec)
    except (RequestRejected, NotFound):
        if tag:  # ESC said no (validation, or monitoring already unset): nothing changed
            ctx.data["failure"] = REJECTED
        raise


def _settled(ctx: StepContext, name: str, after: int) -> EscEventRow | None:
    """ESC's SVC_SET_MONITOR_STATUS after ``after``: the end of its work on the monitors,
    after which the deployment takes requests again (None if it never came)."""
    return ctx.waiter.wait(
        name,
        (EventType.SVC_SET_MONITOR_STATUS,),
        after,
        ctx.settings.esc_event_timeout,
        interrupt=ctx.interrupt_if_forceful,
    )


def _update(ctx: StepContext, spec: DeploymentSpec, what: str, *, tag: bool) -> int:
    """Send ``spec`` as a service update and wait for SERVICE_UPDATED; return the event
    watermark taken before it.  ``tag`` marks failures with their row of the table."""
    # esc_request commits the step data (this mark with it) before it sends.
    after, _new = _mark(ctx, "update", commit=False)
    try:
        esc_request(
            ctx,
            what=what,
            deployment=spec.name,
            send=lambda: _send(ctx, spec, tag),
            done_events=(EventType.SERVICE_UPDATED,),
            judge=_judge_updated,
        )
    except StepFailed:
        ended = ctx.waiter.find(spec.name, (EventType.SERVICE_UPDATED,), after)
        if ended is not None and ended.status != "SUCCESS":
            # ESC sets the monitors back on the agent it had; let it finish, so that
            # the deployment is free for the retry or the rollback that follows.
            _settled(ctx, spec.name, after)
            if tag:
                ctx.data["failure"] = UPDATE_FAILED
        raise
    return after


class UpdateService:
    """Send ESC the model with the new agent; ESC unsets the monitors first."""

    name = "update-service"

    def run(self, ctx: StepContext) -> None:
        with _attempt(ctx):
            vnfd = _vnfd(ctx)
            plan, previous = ctx.data["plan"], ctx.data["previousPlan"]
            spec = deployment.deployment_spec(vnfd, plan)
            if spec == deployment.deployment_spec(vnfd, previous):
                # The agent is already the one asked for: nothing for ESC to update.
                ctx.data["updated"] = False
                return
            after = _update(
                ctx,
                spec,
                f"service update of {spec.name} to monitoring agent {ctx.data['agent']}",
                tag=True,
            )
            ctx.data["updated"] = True
            ctx.data["monitorsFrom"] = after  # ESC now sets the monitors by itself

    def undo(self, ctx: StepContext) -> None:
        with _attempt(ctx):
            ctx.data.pop("monitorsFrom", None)
            if not ctx.data.get("updated"):
                return  # ESC kept (or put back) the previous agent by itself
            spec = deployment.deployment_spec(_vnfd(ctx), ctx.data["previousPlan"])
            previous = (ctx.data["previousPlan"].get("monitoring") or {}).get(ctx.data["key"])
            after = _update(
                ctx,
                spec,
                f"service update of {spec.name} back to monitoring agent "
                f"{previous or '(none)'}",
                tag=False,
            )
            ctx.data["updated"] = False
            # Seed 003: the rollback looks only at the service update; how the monitors
            # were set again is ESC's, but waiting for it leaves the deployment idle.
            settled = _settled(ctx, spec.name, after)
            ctx.data["rollbackMonitors"] = settled.status if settled is not None else "unknown"


class SetMonitoring:
    """Wait for ESC to set the monitors on the new agent, or set them again VM by VM."""

    name = "set-monitoring"

    def run(self, ctx: StepContext) -> None:
        with _attempt(ctx):
            name = ctx.plan["deployment"]
            after = ctx.data.get("monitorsFrom")
            if after is not None:
                self._follow(ctx, name, int(after))
                ctx.data.pop("monitorsFrom", None)
                return
            state = ctx.read_deployment(name)
            if state is None:
                raise StepFailed(f"ESC no longer knows deployment {name}")
            for vm in state.vms:
                if vm.state is VmStateName.VM_MONITOR_UNSET_STATE:
                    self._set_vm(ctx, state.tenant, name, vm.name)

    def undo(self, ctx: StepContext) -> None:
        # The update's undo sends the previous model; ESC sets its monitors with it.
        with _attempt(ctx):
            pass

    def _follow(self, ctx: StepContext, name: str, after: int) -> None:
        event = _settled(ctx, name, after)
        if event is None:
            state = ctx.read_deployment(name)
            if state is not None and not _unset_vms(state):
                return  # the callback was lost, but every monitor is set
            ctx.data.pop("monitorsFrom", None)  # a retry sets what is left, VM by VM
            raise StepFailed(
                f"no SVC_SET_MONITOR_STATUS from ESC for {name} within "
                f"{ctx.settings.esc_event_timeout:g} s; monitors still unset on: "
                f"{', '.join(_unset_vms(state)) if state else 'no such deployment'}",
                title="ESC operation timed out",
                status=504,
            )
        if event.status != "SUCCESS":
            ctx.data.pop("monitorsFrom", None)
            ctx.data["failure"] = SET_FAILED
            raise StepFailed(
                f"ESC reported SVC_SET_MONITOR_STATUS {event.status} for the monitors of "
                f"{name} on {ctx.data['agent']}: "
                + failure_messages(ctx, name, after, event.status_message),
                title="ESC operation failed",
            )

    def _set_vm(self, ctx: StepContext, tenant: str, name: str, vm: str) -> None:
        after, new = _mark(ctx, vm)
        if new:
            try:
                ctx.adapter.set_monitoring(tenant, vm)
            except SouthboundError as exc:
                if isinstance(exc, (RequestRejected, NotFound)):
                    ctx.data["failure"] = SET_FAILED
                raise esc_failure(f"setting the monitor of VM {vm}", exc) from exc
        event = self._vm_event(ctx, name, vm, after)
        if event is None:
            raise StepFailed(
                f"no VM_SET_MONITOR_STATUS from ESC for VM {vm} within "
                f"{ctx.settings.esc_event_timeout:g} s",
                title="ESC operation timed out",
                status=504,
            )
        if event.status != "SUCCESS":
            ctx.data["failure"] = SET_FAILED
            raise StepFailed(
                f"ESC reported VM_SET_MONITOR_STATUS {event.status} for VM {vm} on "
                f"{ctx.data['agent']}: {event.status_message or 'no message'}",
                title="ESC operation failed",
            )

    @staticmethod
    def _vm_event(ctx: StepContext, name: str, vm: str, after: int) -> EscEventRow | None:
        """The first VM_SET_MONITOR_STATUS of ``vm`` after ``after``."""
        while True:
            event = ctx.waiter.wait(
                name,
                (EventType.VM_SET_MONITOR_STATUS,),
                after,
                ctx.settings.esc_event_timeout,
                interrupt=ctx.interrupt_if_forceful,
            )
            if event is None or event.vm_name == vm:
                return event
            after = event.id


def _unset_vms(state: DeploymentState) -> list[str]:
    return [vm.name for vm in state.vms if vm.state is VmStateName.VM_MONITOR_UNSET_STATE]


# ----------------------------------------------------------------------------- outcome


def finish(
    ctx: StepContext, session: Session, instance: VnfInstanceRow, op: VnfLcmOpOccRow
) -> None:
    """The agent is stored against the instance, where it survives terminate and is
    used again by the next instantiate unless that names another (seed 003)."""
    monitoring = dict(ctx.plan.get("monitoring") or {})
    internal = dict(instance.internal or {})
    plan = internal.get("plan") or ctx.plan
    internal["plan"] = {**plan, "monitoring": monitoring}
    internal["monitoring"] = monitoring
    instance.internal = internal


def after_failure(
    settings: Settings, problem: dict[str, Any], data: dict[str, Any]
) -> Action | None:
    """``monitorMigration.terminalStateOnError``: end by itself what the seed's table
    says, leave anything else (ESC unreachable, timeouts, a failed rollback) in
    FAILED_TEMP for the NFVO."""
    if not settings.monitor_migration_terminal_state_on_error:
        return None
    return TERMINAL_ACTIONS.get(data.get("failure", ""))


register(
    OperationSpec(
        operation=OPERATION,
        steps=(UpdateService(), SetMonitoring()),
        finish=finish,
        cancellable=False,
        after_failure=after_failure,
    )
)
