"""HEAL: recover VNFCs through ESC's VM recovery (SOL003 5.4.9).

``vnfcInstanceId`` names the VNFCs to heal, by the ``id`` of their ``vnfcInfo`` entry
(``vnfc-<VM name>``) or of their ``vnfcResourceInfo`` entry (the ESC VM name): an NFVO
may hold either, and both name one VM.  Without it (or with an empty list) every VM of
the VNF is healed.  ``additionalParams.recoveryAction`` picks ESC's recovery action:
``DEFAULT`` (ESC's choice, normally a reboot), ``REBOOT_ONLY`` or ``REDEPLOY_ONLY``.

ESC recovers one VM at a time and marks the deployment busy meanwhile, so the VMs are
recovered in turn: VM_RECOVERY_INIT, then VM_RECOVERY_REBOOT or
VM_RECOVERY_UNDEPLOYED + VM_RECOVERY_DEPLOYED, then VM_RECOVERY_COMPLETE.  A pending
cancel is honoured between two VMs; a retry goes on with the VMs not yet healed.

``affectedVnfcs`` says what was replaced: a VM that ESC redeployed has a new server
in the VIM, so it appears as REMOVED (the old server) and ADDED (the new one) under the
same VNFC id, which stays the ESC VM name; a VM that was rebooted is MODIFIED.

A heal has no undo: a rebooted or redeployed VM cannot be put back as it was.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy.orm import Session

from vnfm.api.problems import BadRequest, Conflict, Unprocessable
from vnfm.db.models import EscEventRow, VnfInstanceRow, VnfLcmOpOccRow
from vnfm.domain.instance import InstantiationState, VnfOperationalState
from vnfm.engine.runtime import (
    Cancelled,
    StepContext,
    StepFailed,
    esc_failure,
    failure_messages,
)
from vnfm.lcm import deployment
from vnfm.lcm.operations import OperationSpec, TaskRequest, register
from vnfm.southbound.adapter import SouthboundError
from vnfm.southbound.types import (
    DeploymentState,
    EventStatus,
    EventType,
    RecoveryAction,
    VmStateName,
)

OPERATION = "HEAL"
REQUIRED_STATE = InstantiationState.INSTANTIATED
RECOVERY_ACTION_PARAM = "recoveryAction"


def prepare(task: TaskRequest) -> tuple[dict[str, Any], dict[str, Any]]:
    """Resolve the VNFCs to heal to ESC VM names; 422 for one this instance lacks."""
    instance, request = task.instance, task.body
    plan = deployment.plan_of(instance.internal)
    if plan is None:
        raise Conflict(f"VNF instance {instance.id} has no deployment plan to heal")
    info = instance.instantiated_vnf_info or {}
    state = deployment.vnf_state_of(info)
    if state != VnfOperationalState.STARTED:
        raise Conflict(
            f"VNF instance {instance.id} is {state}: ESC does not recover the VMs of a "
            "stopped service; operate it to STARTED first"
        )
    targets = heal_targets(request.get("vnfcInstanceId"), info)
    action = (request.get("additionalParams") or {}).get(RECOVERY_ACTION_PARAM, "DEFAULT")
    known = [a.value for a in RecoveryAction]
    if action not in known:
        raise Unprocessable(
            f"additionalParams.{RECOVERY_ACTION_PARAM} {action!r} is not an ESC recovery "
            f"action ({', '.join(known)})"
        )
    context = {
        "plan": plan,
        "targets": targets,
        "action": action,
        "before": list(info.get("vnfcResourceInfo") or []),
    }
    return request, context


def heal_targets(ids: Any, info: dict[str, Any]) -> list[str]:
    """ESC VM names for ``vnfcInstanceId`` (all VMs when absent or empty), in order."""
    resources = [vnfc["id"] for vnfc in info.get("vnfcResourceInfo") or []]
    if ids is None or ids == []:
        return resources
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise BadRequest("vnfcInstanceId must be a list of VNFC instance identifiers")
    by_id = {vnfc_id: vnfc_id for vnfc_id in resources}
    for vnfc in info.get("vnfcInfo") or []:
        by_id[vnfc["id"]] = vnfc["vnfcResourceInfoId"]
    unknown = [i for i in ids if i not in by_id]
    if unknown:
        raise Unprocessable(
            f"vnfcInstanceId names no VNFC of this instance: {', '.join(unknown)} (known: "
            f"{', '.join(sorted(by_id))})"
        )
    return list(dict.fromkeys(by_id[i] for i in ids))


# ----------------------------------------------------------------------------- recovery


def recover_vms(
    ctx: StepContext, names: list[str], action: RecoveryAction, progress_key: str
) -> None:
    """Recover VMs one after the other, each waited for to VM_RECOVERY_COMPLETE.

    Progress per VM is kept in ``ctx.data[progress_key]``: ``after`` (the event
    watermark taken before the request), ``sent`` and ``done``.  A resumed step skips
    the VMs done, waits for the one in flight, and sends again only a request that
    ESC shows no sign of having received.  A VM whose recovery failed loses its entry,
    so that a retry recovers it afresh.
    """
    plan = ctx.plan
    progress: dict[str, Any] = ctx.data.setdefault(progress_key, {})
    for name in names:
        entry = progress.get(name)
        if entry is not None and entry.get("done"):
            continue
        mode = ctx.cancel_requested()
        if mode is not None:
            raise Cancelled(mode)
        if entry is not None and not entry.get("sent") and not _seen(ctx, name, entry["after"]):
            entry = None  # crashed between saving the watermark and sending: send now
        if entry is None:
            entry = {"after": ctx.waiter.watermark()}
            progress[name] = entry
            ctx.checkpoint()
            try:
                ctx.adapter.recover_vm(plan["tenant"], name, action)
            except SouthboundError as exc:
                del progress[name]
                raise esc_failure(f"the recovery of VM {name}", exc) from exc
            entry["sent"] = True
            ctx.checkpoint()
        _await_recovery(ctx, name, entry, progress)
        entry["done"] = True
        ctx.checkpoint()


def _seen(ctx: StepContext, vm_name: str, after: int) -> bool:
    deployment_name = ctx.plan["deployment"]
    return any(e.vm_name == vm_name for e in ctx.waiter.events_since(deployment_name, after))


def _await_recovery(
    ctx: StepContext, name: str, entry: dict[str, Any], progress: dict[str, Any]
) -> None:
    deployment_name = ctx.plan["deployment"]
    event = wait_vm_event(ctx, name, (EventType.VM_RECOVERY_COMPLETE,), int(entry["after"]))
    if event is not None:
        if event.status != EventStatus.SUCCESS:
            progress.pop(name, None)
            raise StepFailed(
                f"ESC reported VM_RECOVERY_COMPLETE {event.status} for VM {name}: "
                + failure_messages(ctx, deployment_name, int(entry["after"]), event.status_message),
                title="ESC operation failed",
            )
        return
    # No callback in time: ESC's own view decides.  A recovery ends with the VM alive.
    state = ctx.read_deployment(deployment_name)
    vm = state.vm(name) if state is not None else None
    if vm is not None and vm.state is VmStateName.VM_ALIVE_STATE:
        return
    shown = vm.state.value if vm is not None else "no such VM"
    raise StepFailed(
        f"no VM_RECOVERY_COMPLETE from ESC for VM {name} within "
        f"{ctx.settings.esc_event_timeout:g} s; ESC reports {shown}",
        title="ESC operation timed out",
        status=504,
    )


def wait_vm_event(
    ctx: StepContext, vm_name: str, types: tuple[str, ...], after: int
) -> EscEventRow | None:
    """The first event of ``types`` about one VM after ``after``, or None on timeout."""
    deployment_name = ctx.plan["deployment"]
    deadline = time.monotonic() + ctx.settings.esc_event_timeout
    cursor = after
    while True:
        remaining = max(deadline - time.monotonic(), 0.0)
        event = ctx.waiter.wait(
            deployment_name, types, cursor, remaining, ctx.interrupt_if_forceful
        )
        if event is None or event.vm_name == vm_name:
            return event
        cursor = event.id


class RecoverVms:
    name = "recover-vms"

    def run(self, ctx: StepContext) -> None:
        recover_vms(
            ctx, ctx.data["targets"], RecoveryAction(ctx.data["action"]), progress_key="healed"
        )

    def undo(self, ctx: StepContext) -> None:
        raise StepFailed("a heal cannot be rolled back: a recovered VM cannot be put back")


def healed_changes(
    before: list[dict[str, Any]], after: list[dict[str, Any]], healed: list[str]
) -> list[dict[str, Any]]:
    """AffectedVnfc entries: REMOVED + ADDED for a VM on a new server, else MODIFIED."""
    old = {vnfc["id"]: vnfc for vnfc in before}
    new = {vnfc["id"]: vnfc for vnfc in after}
    changes = []
    for name in healed:
        was, now = old.get(name), new.get(name)
        if now is None:
            continue
        if was is not None and _server(was) != _server(now):
            changes.append(deployment.affected_vnfc(was, "REMOVED"))
            changes.append(deployment.affected_vnfc(now, "ADDED"))
        else:
            changes.append(deployment.affected_vnfc(now, "MODIFIED"))
    return changes


def _server(vnfc: dict[str, Any]) -> str | None:
    return (vnfc.get("computeResource") or {}).get("resourceId")


def finish(
    ctx: StepContext, session: Session, instance: VnfInstanceRow, op: VnfLcmOpOccRow
) -> None:
    plan = ctx.plan
    state: DeploymentState | None = ctx.read_deployment(plan["deployment"])
    if state is None:
        raise StepFailed(f"ESC lost deployment {plan['deployment']} before it could be read")
    if ctx.vnfd is None:
        raise StepFailed(f"VNFD {plan['vnfdId']} is no longer in the catalog")
    vnf_state = deployment.vnf_state_of(instance.instantiated_vnf_info)
    info = deployment.instantiated_vnf_info(ctx.vnfd, plan, state, vnf_state)
    instance.instantiated_vnf_info = info
    op.resource_changes = {
        "affectedVnfcs": healed_changes(
            ctx.data["before"], info["vnfcResourceInfo"], ctx.data["targets"]
        )
    }


register(
    OperationSpec(operation=OPERATION, steps=(RecoverVms(),), finish=finish, can_rollback=False)
)
