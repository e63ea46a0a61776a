"""TERMINATE: stop (GRACEFUL) and undeploy the VNF (SOL003 5.4.8)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from vnfm.db.models import VnfInstanceRow, VnfLcmOpOccRow
from vnfm.domain.instance import InstantiationState
from vnfm.engine.runtime import StepContext, StepFailed
from vnfm.lcm import deployment
from vnfm.lcm.instantiate import Undeploy
from vnfm.lcm.operations import OperationSpec, TaskRequest, register
from vnfm.southbound.adapter import SouthboundError
from vnfm.southbound.types import EventType, ServiceAction, ServiceState

OPERATION = "TERMINATE"
REQUIRED_STATE = InstantiationState.INSTANTIATED


def prepare(task: TaskRequest) -> tuple[dict[str, Any], dict[str, Any]]:
    """The context of a terminate: the plan the instance was deployed with."""
    instance = task.instance
    plan = (instance.internal or {}).get("plan")
    if plan is None:
        plan = {"deployment": deployment.deployment_name(instance.id), "tenant": "vnfm"}
    before = (instance.instantiated_vnf_info or {}).get("vnfcResourceInfo") or []
    return task.body, {"plan": plan, "before": before}


class GracefulStop:
    """GRACEFUL: stop the VNF and give it ``gracefulTerminationTimeout`` seconds.

    Whether it stopped in time or not, termination goes on: the timeout bounds the
    wait, it does not veto the undeployment.
    """

    name = "graceful-stop"

    def run(self, ctx: StepContext) -> None:
        if ctx.params.get("terminationType") != "GRACEFUL":
            return
        plan = ctx.plan
        name = plan["deployment"]
        state = ctx.read_deployment(name)
        if state is None or state.state is ServiceState.SERVICE_STOPPED_STATE:
            return
        after = ctx.waiter.watermark()
        try:
            ctx.adapter.service_action(plan["tenant"], name, ServiceAction.STOP)
        except SouthboundError as exc:
            ctx.data["gracefulStop"] = f"stop refused by ESC: {exc.message}"
            return
        timeout = ctx.params.get("gracefulTerminationTimeout")
        wait = float(timeout) if timeout is not None else ctx.settings.esc_event_timeout
        event = ctx.waiter.wait(
            name, (EventType.SERVICE_STOPPED,), after, wait, ctx.interrupt_if_forceful
        )
        ctx.data["gracefulStop"] = "stopped" if event is not None else "timed out"

    def undo(self, ctx: StepContext) -> None:
        raise StepFailed("terminate cannot be rolled back")


def finish(
    ctx: StepContext, session: Session, instance: VnfInstanceRow, op: VnfLcmOpOccRow
) -> None:
    instance.instantiation_state = InstantiationState.NOT_INSTANTIATED
    instance.instantiated_vnf_info = None
    internal = dict(instance.internal or {})
    internal.pop("plan", None)  # the monitoring agent stays: seed 003 keeps it across terminate
    instance.internal = internal
    op.resource_changes = {"affectedVnfcs": deployment.affected_vnfcs(ctx.data["before"], [])}


register(
    OperationSpec(
        operation=OPERATION,
        steps=(GracefulStop(), Undeploy()),
        finish=finish,
        can_rollback=False,
    )
)
