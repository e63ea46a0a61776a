"""CHANGE_EXT_CONN: move external CPs to other networks (SOL003 5.4.11).

ESC connects a VM group's NICs to the networks of its ``<interfaces>``; moving an
external CP is a service update of those networks (:mod:`vnfm.lcm.model_change`),
after which ESC reports VM_UPDATED per VM and SERVICE_UPDATED.  The request lists
only the external VLs that change; the others stay as they are.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from vnfm.db.models import VnfInstanceRow, VnfLcmOpOccRow
from vnfm.domain.instance import InstantiationState
from vnfm.engine.runtime import StepContext
from vnfm.lcm import model_change
from vnfm.lcm.operations import OperationSpec, TaskRequest, register, require_vnfd
from vnfm.lcm.secrets import strip_secrets

OPERATION = "CHANGE_EXT_CONN"
REQUIRED_STATE = InstantiationState.INSTANTIATED


def prepare(task: TaskRequest) -> tuple[dict[str, Any], dict[str, Any]]:
    """Check the CPs named against the current flavour; plan the new networks."""
    instance, request = task.instance, task.body
    vnfd = require_vnfd(task)
    plan = model_change.current_plan(instance)
    flavour = vnfd.flavours[plan["flavourId"]]
    changes = request["extVirtualLinks"]
    model_change.check_ext_cps(flavour, changes, "extVirtualLinks")
    model_change.refuse_if_stopped(instance, OPERATION)
    links = model_change.merge_ext_virtual_links(plan["extVirtualLinks"], changes)
    before = (instance.instantiated_vnf_info or {}).get("vnfcResourceInfo") or []
    context = {
        "plan": model_change.connect(plan, links),
        "previousPlan": plan,
        "before": before,
        "request": request,
    }
    return strip_secrets(request), context


def finish(
    ctx: StepContext, session: Session, instance: VnfInstanceRow, op: VnfLcmOpOccRow
) -> None:
    info = model_change.adopt_plan(ctx, instance)
    request = ctx.data["request"]
    changed = model_change.apply_instance_changes(
        instance, {"vimConnectionInfo": request.get("vimConnectionInfo")}
    )
    op.changed_info = changed or None
    op.changed_ext_connectivity = model_change.changed_ext_connectivity(
        info, request["extVirtualLinks"]
    )
    op.resource_changes = model_change.resource_changes(
        ctx, ctx.data["before"], info["vnfcResourceInfo"]
    )


register(OperationSpec(operation=OPERATION, steps=model_change.STEPS, finish=finish))
