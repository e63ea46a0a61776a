"""SCALE: add or remove VNFC instances by steps of a scaling aspect (SOL003 5.4.5).

A scale changes the plan's scale levels and VDU counts, and ESC gets a service update
whose VM groups carry the new ``min_active``/``max_active``: ESC scales out (VM_SCALE_OUT_INIT,
VM_SCALE_OUT_DEPLOYED, VM_SCALE_OUT_COMPLETE per VM) or in (VM_SCALE_IN_INIT,
VM_SCALE_IN_COMPLETE per VM) and ends with SERVICE_UPDATED.  SCALE_TO_LEVEL
(:mod:`vnfm.lcm.scale_to_level`) only computes its target differently and shares the
step and the finish defined here.

Rollback compares ESC's VMs with those the instance had before:

* nothing changed (ESC refused or failed the update, which leaves its model as it
  was): nothing to undo;
* VMs were only added (a scale out, wholly or partly done): a service update with the
  previous plan scales them back in, and ESC removes the newest VMs first;
* VMs were removed (a scale in that went through): refused.  SOL003 makes rollback of
  a scale in optional.  Scaling back out would make new VNFCs with new identities and
  empty state, which is a new scale out rather than an undo, so the NFVO should decide
  that itself: it can mark the operation FAILED and scale out.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from vnfm.api.problems import Conflict, Unprocessable
from vnfm.db.models import VnfInstanceRow, VnfLcmOpOccRow
from vnfm.domain.instance import InstantiationState, VnfOperationalState
from vnfm.engine.runtime import StepContext, StepFailed, esc_request
from vnfm.lcm import deployment
from vnfm.lcm.heal import recover_vms
from vnfm.lcm.operations import OperationSpec, TaskRequest, register, require_vnfd
from vnfm.southbound.types import (
    DeploymentState,
    EventType,
    RecoveryAction,
    ServiceState,
    VmStateName,
)
from vnfm.vnfd import rules
from vnfm.vnfd.model import DeploymentFlavour, Vnfd

OPERATION = "SCALE"
REQUIRED_STATE = InstantiationState.INSTANTIATED


def prepare(task: TaskRequest) -> tuple[dict[str, Any], dict[str, Any]]:
    """Check the aspect and the number of steps against the VNFD and the current level."""
    flavour, plan = current_flavour_and_plan(task)
    request = task.body
    aspect_id = request["aspectId"]
    steps = int(request.get("numberOfSteps", 1))
    direction = request["type"]
    current = int(plan["scaleLevels"].get(aspect_id, 0))
    problem = rules.scale_step_problem(flavour, aspect_id, current, steps, direction)
    if problem:
        raise Unprocessable(problem)
    target = current + steps if direction == rules.SCALE_OUT else current - steps
    new_plan = scaled_plan(flavour, plan, {**plan["scaleLevels"], aspect_id: target})
    return request, scale_context(task, plan, new_plan)


# ----------------------------------------------------------------------------- planning


def current_flavour_and_plan(task: TaskRequest) -> tuple[DeploymentFlavour, dict[str, Any]]:
    """The flavour and plan the instance runs with; 409 when ESC cannot scale it now.

    ESC scales neither a stopped service (seed 002: a stopped VNF accepts no recovery,
    scale out or scale in) nor a deployment it does not know, so both are refused
    here rather than failing at ESC.
    """
    vnfd = require_vnfd(task)
    plan = deployment.plan_of(task.instance.internal)
    if plan is None:
        raise Conflict(f"VNF instance {task.instance.id} has no deployment plan to scale")
    flavour = vnfd.flavours.get(plan["flavourId"])
    if flavour is None:
        raise Unprocessable(
            f"flavour {plan['flavourId']!r} of this instance is no longer in VNFD {vnfd.vnfd_id}"
        )
    state = deployment.vnf_state_of(task.instance.instantiated_vnf_info)
    if state != VnfOperationalState.STARTED:
        raise Conflict(
            f"VNF instance {task.instance.id} is {state}: ESC does not scale a stopped "
            "service; operate it to STARTED first"
        )
    return flavour, plan


def scaled_plan(
    flavour: DeploymentFlavour,
    plan: dict[str, Any],
    scale_levels: dict[str, int],
) -> dict[str, Any]:
    """The plan with every aspect at ``scale_levels``.

    VDUs that some aspect scales get the count the levels give; the others keep their
    current count (an instantiation level may run more of them than level 0 has, as
    the LB-Worker sample's ``large`` does with its load balancers).
    """
    try:
        by_levels = rules.instances_for_scale_levels(flavour, scale_levels)
    except rules.RuleError as exc:
        raise Unprocessable(str(exc)) from None
    scaled = {vdu for aspect in flavour.scaling_aspects.values() for vdu in aspect.vdu_deltas}
    counts = {
        vdu: (by_levels[vdu] if vdu in scaled else int(count))
        for vdu, count in plan["vduCounts"].items()
    }
    levels = {aspect: int(scale_levels.get(aspect, 0)) for aspect in flavour.scaling_aspects}
    return {
        **plan,
        "vduCounts": counts,
        "scaleLevels": levels,
        "instantiationLevelId": matching_level(flavour, counts, levels),
    }


def matching_level(
    flavour: DeploymentFlavour, counts: dict[str, int], scale_levels: dict[str, int]
) -> str | None:
    """The instantiation level that describes exactly this size, if one does; the
    instance's metadata shows it, and a size between levels has none."""
    for level in flavour.instantiation_levels.values():
        level_scales = {a: int(level.scale_levels.get(a, 0)) for a in flavour.scaling_aspects}
        if level_scales == scale_levels and dict(level.vdu_instances) == counts:
            return level.level_id
    return None


def scale_context(
    task: TaskRequest, plan: dict[str, Any], new_plan: dict[str, Any]
) -> dict[str, Any]:
    """What the step, its undo and the finish need: both plans and the VNFCs before."""
    info = task.instance.instantiated_vnf_info or {}
    return {
        "plan": new_plan,
        "previousPlan": plan,
        "before": list(info.get("vnfcResourceInfo") or []),
    }


# ----------------------------------------------------------------------------- the step


def _vnfd(ctx: StepContext) -> Vnfd:
    if ctx.vnfd is None:
        raise StepFailed(f"VNFD {ctx.plan['vnfdId']} is no longer in the catalog")
    return ctx.vnfd


def _before_names(ctx: StepContext) -> set[str]:
    return {vnfc["id"] for vnfc in ctx.data["before"]}


def _new_vms_alive(state: DeploymentState, before: set[str]) -> bool:
    return all(vm.state is VmStateName.VM_ALIVE_STATE for vm in state.vms if vm.name not in before)


def _read(ctx: StepContext) -> DeploymentState:
    name = ctx.plan["deployment"]
    state = ctx.read_deployment(name)
    if state is None:
        raise StepFailed(f"ESC no longer knows deployment {name}")
    return state


class ScaleService:
    """Bring ESC's VM groups to the plan's counts with one service update."""

    name = "scale-service"

    def run(self, ctx: StepContext) -> None:
        plan = ctx.plan
        name = plan["deployment"]
        before = _before_names(ctx)
        state = _read(ctx)
        if state.state is not ServiceState.SERVICE_UPDATING_STATE and deployment.has_counts(
            state, plan["vduCounts"]
        ):
            # Already at the target: a scale to the current level, a resumed step whose
            # update went through, or a retry after new VMs failed to come alive.  ESC
            # refuses an update that changes nothing, so VMs left broken are recovered.
            broken = [vm.name for vm in state.vms if vm.state is VmStateName.VM_ERROR_STATE]
            if broken:
                recover_vms(ctx, broken, RecoveryAction.DEFAULT, progress_key="scaleRecoveries")
            self._check(ctx, before, "scaling")
            return
        ctx.data.setdefault("forwardAfter", ctx.waiter.watermark())
        # The plan's whole model (images of a reverted snapshot included): only counts differ.
        spec = deployment.deployment_spec(_vnfd(ctx), plan)
        esc_request(
            ctx,
            what=f"scaling of {name}",
            deployment=name,
            send=lambda: ctx.adapter.update_service(spec),
            done_events=(EventType.SERVICE_UPDATED,),
            judge=lambda s: _judge(s, plan["vduCounts"], before),
            # Only after a crash between saving the marker and sending: ESC never got it.
            resend_if=lambda s: _untouched(s, before),
        )
        self._check(ctx, before, "scaling")

    def undo(self, ctx: StepContext) -> None:
        previous = ctx.data["previousPlan"]
        name = previous["deployment"]
        before = _before_names(ctx)
        state = _read(ctx)
        if state.state is ServiceState.SERVICE_UPDATING_STATE:
            # A forward update still under way (a forceful cancel left it): let it end.
            ctx.waiter.wait(
                name,
                (EventType.SERVICE_UPDATED,),
                int(ctx.data.get("forwardAfter", 0)),
                ctx.settings.esc_event_timeout,
                ctx.interrupt_if_forceful,
            )
            state = _read(ctx)
        now = {vm.name for vm in state.vms}
        removed = sorted(before - now)
        if removed:
            raise StepFailed(
                f"this scaling cannot be rolled back: ESC has already removed VM(s) "
                f"{', '.join(removed)}, and scaling out again would create new VNFCs rather "
                "than restore these. Mark the operation failed, then scale out if needed.",
                title="Rollback not possible",
                status=409,
            )
        if now == before:
            return  # ESC kept its previous model: nothing was scaled
        spec = deployment.deployment_spec(_vnfd(ctx), previous)
        esc_request(
            ctx,
            what=f"scaling back of {name}",
            deployment=name,
            send=lambda: ctx.adapter.update_service(spec),
            done_events=(EventType.SERVICE_UPDATED,),
            judge=lambda s: False if s is None else ({vm.name for vm in s.vms} == before or None),
        )
        left = {vm.name for vm in _read(ctx).vms}
        if left != before:
            raise StepFailed(
                f"after scaling back, ESC runs {', '.join(sorted(left))} instead of the VMs "
                f"before the operation ({', '.join(sorted(before))})"
            )

    @staticmethod
    def _check(ctx: StepContext, before: set[str], what: str) -> None:
        """ESC's SERVICE_UPDATED says the update ended, not that the new VMs came alive."""
        plan = ctx.plan
        state = _read(ctx)
        if not deployment.has_counts(state, plan["vduCounts"]):
            have = deployment.vm_counts(state)
            raise StepFailed(
                f"after {what}, ESC runs {have} VMs per VDU instead of {plan['vduCounts']}"
            )
        sick = [f"{vm.name} ({vm.state.value})" for vm in state.vms
                if vm.name not in before and vm.state is not VmStateName.VM_ALIVE_STATE]
        if sick:
            raise StepFailed(
                f"after {what}, new VM(s) did not come alive: {', '.join(sick)}",
                title="ESC operation failed",
            )


def _untouched(state: DeploymentState | None, before: set[str]) -> bool:
    return (
        state is not None
        and state.state is ServiceState.SERVICE_ACTIVE_STATE
        and {vm.name for vm in state.vms} == before
    )


def _judge(state: DeploymentState | None, counts: dict[str, int], before: set[str]) -> bool | None:
    """Reconcile a scaling whose SERVICE_UPDATED did not come (resumed, or lost)."""
    if state is None:
        return False
    if state.state is ServiceState.SERVICE_UPDATING_STATE:
        return None
    if deployment.has_counts(state, counts) and _new_vms_alive(state, before):
        return True
    return False if state.state is ServiceState.SERVICE_ERROR_STATE else None


def finish(
    ctx: StepContext, session: Session, instance: VnfInstanceRow, op: VnfLcmOpOccRow
) -> None:
    """The new size becomes the instance's: VNFC records, scaleStatus, plan, changes."""
    plan = ctx.plan
    state = _read(ctx)
    vnf_state = deployment.vnf_state_of(instance.instantiated_vnf_info)
    info = deployment.instantiated_vnf_info(_vnfd(ctx), plan, state, vnf_state)
    instance.instantiated_vnf_info = info
    instance.internal = {**(instance.internal or {}), "plan": plan}
    op.resource_changes = {
        "affectedVnfcs": deployment.affected_vnfcs(ctx.data["before"], info["vnfcResourceInfo"])
    }


register(OperationSpec(operation=OPERATION, steps=(ScaleService(),), finish=finish))
