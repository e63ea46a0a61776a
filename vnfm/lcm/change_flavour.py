"""CHANGE_FLAVOUR: move a VNF to another deployment flavour of its VNFD (SOL003 5.4.7).

On ESC a flavour is the set of VM groups it deploys, each with a flavor (the VDU's
virtual compute), an image, a VM count and networks; changing flavour is a service
update to the new flavour's model (:mod:`vnfm.lcm.model_change`).  Where a VDU's
flavor changes, ESC resizes its VM, the VIM waits in VERIFY_RESIZE and the VNFM
confirms.  ESC resizes only a VM group of a single VM (seed 002), so a flavour change
that would resize a bigger group is refused here with ESC's reason, before anything
is sent; should ESC still refuse, its own message becomes the operation's error.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from vnfm.api.problems import Unprocessable
from vnfm.db.models import VnfInstanceRow, VnfLcmOpOccRow
from vnfm.domain.instance import InstantiationState
from vnfm.engine.runtime import StepContext
from vnfm.lcm import model_change
from vnfm.lcm.operations import OperationSpec, TaskRequest, register, require_vnfd
from vnfm.lcm.secrets import strip_secrets
from vnfm.vnfd import rules

OPERATION = "CHANGE_FLAVOUR"
REQUIRED_STATE = InstantiationState.INSTANTIATED


def prepare(task: TaskRequest) -> tuple[dict[str, Any], dict[str, Any]]:
    """Check the new flavour against the VNFD and the running VNF; plan the change."""
    instance, request = task.instance, task.body
    vnfd = require_vnfd(task)
    plan = model_change.current_plan(instance)
    new_id = request["newFlavourId"]
    flavour = vnfd.flavours.get(new_id)
    if flavour is None:
        raise Unprocessable(
            f"newFlavourId {new_id!r} is not a deployment flavour of VNFD {vnfd.vnfd_id} "
            f"(flavours: {', '.join(vnfd.flavours)})"
        )
    if new_id == plan["flavourId"]:
        raise Unprocessable(
            f"VNF instance {instance.id} already runs flavour {new_id!r}; a flavour change "
            "must name another flavour of the VNFD"
        )
    level_id = request.get("instantiationLevelId")
    problem = rules.instantiation_level_problem(flavour, level_id)
    if problem:
        raise Unprocessable(problem)
    model_change.refuse_if_stopped(instance, OPERATION)
    model_change.refuse_group_resize(vnfd.flavours[plan["flavourId"]], flavour, plan["vduCounts"])
    changes = request.get("extVirtualLinks") or []
    model_change.check_ext_cps(flavour, changes, "extVirtualLinks")
    current_links = model_change.links_within(plan["extVirtualLinks"], flavour)
    links = model_change.merge_ext_virtual_links(current_links, changes)
    new_plan = model_change.connect(
        {
            **plan,
            "flavourId": flavour.flavour_id,
            "instantiationLevelId": level_id or flavour.default_level_id,
            "vduCounts": rules.instances_for_level(flavour, level_id),
            "scaleLevels": rules.scale_levels_for_level(flavour, level_id),
            "managedVlNetworks": model_change.managed_networks(plan, request, flavour),
            "configurableProperties": model_change.configurable_properties(plan, instance, request),
        },
        links,
    )
    before = (instance.instantiated_vnf_info or {}).get("vnfcResourceInfo") or []
    context = {"plan": new_plan, "previousPlan": plan, "before": before, "request": request}
    return strip_secrets(request), context


def finish(
    ctx: StepContext, session: Session, instance: VnfInstanceRow, op: VnfLcmOpOccRow
) -> None:
    info = model_change.adopt_plan(ctx, instance)
    request = ctx.data["request"]
    changed = model_change.apply_instance_changes(instance, request)
    op.changed_info = changed or None
    op.changed_ext_connectivity = model_change.changed_ext_connectivity(
        info, request.get("extVirtualLinks") or []
    )
    op.resource_changes = model_change.resource_changes(
        ctx, ctx.data["before"], info["vnfcResourceInfo"]
    )


register(OperationSpec(operation=OPERATION, steps=model_change.STEPS, finish=finish))
