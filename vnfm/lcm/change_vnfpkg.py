"""CHANGE_VNFPKG: move a running VNF to a newer VNF package of the same product
(SOL003 5.4.11a).

The VNF keeps its flavour, its VM counts and its networks; what the new VNFD changes
(typically the images) reaches ESC as a service update, and since ESC applies a new
image only when it redeploys a VM (seed 002), every VM of a group whose image
changed is then redeployed (:mod:`vnfm.lcm.model_change`).  Rolling back does the
same towards the previous package.  Images a revert to a snapshot put in place give
way to the new package's.
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
from vnfm.vnfd.model import DeploymentFlavour, Vnfd

OPERATION = "CHANGE_VNFPKG"
REQUIRED_STATE = InstantiationState.INSTANTIATED

#: VnfInstance attributes copied from the VNFD: (attribute, column, VNFD field).
PACKAGE_ATTRIBUTES = (
    ("vnfProvider", "vnf_provider", "provider"),
    ("vnfProductName", "vnf_product_name", "product_name"),
    ("vnfSoftwareVersion", "vnf_software_version", "software_version"),
    ("vnfdVersion", "vnfd_version", "vnfd_version"),
)


def prepare(task: TaskRequest) -> tuple[dict[str, Any], dict[str, Any]]:
    """Check that the new VNFD is another package of the same product that can run
    the VNF as it is (same flavour, same VDUs); plan the change."""
    instance, request = task.instance, task.body
    current = require_vnfd(task)
    plan = model_change.current_plan(instance)
    target = _target_vnfd(task, current)
    flavour = target.flavours.get(plan["flavourId"])
    if flavour is None:
        raise Unprocessable(
            f"VNFD {target.vnfd_id} has no flavour {plan['flavourId']!r}, the flavour VNF "
            f"instance {instance.id} runs (its flavours: {', '.join(target.flavours)})"
        )
    _check_vdus(plan, flavour)
    model_change.refuse_if_stopped(instance, OPERATION)
    model_change.refuse_group_resize(
        current.flavours[flavour.flavour_id], flavour, plan["vduCounts"]
    )
    changes = request.get("extVirtualLinks") or []
    model_change.check_ext_cps(flavour, changes, "extVirtualLinks")
    current_links = model_change.links_within(plan["extVirtualLinks"], flavour)
    links = model_change.merge_ext_virtual_links(current_links, changes)
    level_id = plan.get("instantiationLevelId")
    base = {k: v for k, v in plan.items() if k != "imageOverrides"}
    new_plan = model_change.connect(
        {
            **base,
            "vnfdId": target.vnfd_id,
            "instantiationLevelId": (
                level_id if level_id in flavour.instantiation_levels else flavour.default_level_id
            ),
            "scaleLevels": {
                aspect: int(plan["scaleLevels"].get(aspect, 0))
                for aspect in flavour.scaling_aspects
            },
            "managedVlNetworks": model_change.managed_networks(plan, request, flavour),
            "configurableProperties": model_change.configurable_properties(plan, instance, request),
        },
        links,
    )
    before = (instance.instantiated_vnf_info or {}).get("vnfcResourceInfo") or []
    context = {"plan": new_plan, "previousPlan": plan, "before": before, "request": request}
    return strip_secrets(request), context


def _target_vnfd(task: TaskRequest, current: Vnfd) -> Vnfd:
    vnfd_id = task.body["vnfdId"]
    if vnfd_id == current.vnfd_id:
        raise Unprocessable(
            f"VNF instance {task.instance.id} is already based on VNFD {vnfd_id}; "
            "change_vnfpkg needs another package"
        )
    target = task.catalog.get(vnfd_id)
    if target is None:
        raise Unprocessable(f"vnfdId {vnfd_id!r} names no VNFD known to this VNFM")
    if (target.provider, target.product_name) != (current.provider, current.product_name):
        raise Unprocessable(
            f"VNFD {vnfd_id} describes {target.product_name!r} of {target.provider!r}, not "
            f"{current.product_name!r} of {current.provider!r}: a VNF changes package only "
            "within its own product"
        )
    return target


def _check_vdus(plan: dict[str, Any], flavour: DeploymentFlavour) -> None:
    """The new package must run every VM the VNF has, within its VDU profiles."""
    for vdu_id, count in plan["vduCounts"].items():
        vdu = flavour.vdus.get(vdu_id)
        if vdu is None:
            raise Unprocessable(
                f"VDU {vdu_id} runs {count} VM(s), but flavour {flavour.flavour_id!r} of the "
                "new VNFD has no such VDU"
            )
        if not vdu.min_instances <= int(count) <= vdu.max_instances:
            raise Unprocessable(
                f"VDU {vdu_id} runs {count} VM(s), outside [{vdu.min_instances}, "
                f"{vdu.max_instances}] of the new VNFD"
            )
    missing = sorted(set(flavour.vdus) - set(plan["vduCounts"]))
    if missing:
        raise Unprocessable(
            f"flavour {flavour.flavour_id!r} of the new VNFD adds VDU(s) {', '.join(missing)}; "
            "this VNFM changes package only between VNFDs with the same VDUs"
        )


def finish(
    ctx: StepContext, session: Session, instance: VnfInstanceRow, op: VnfLcmOpOccRow
) -> None:
    target = model_change.vnfd_of(ctx, ctx.plan)
    info = model_change.adopt_plan(ctx, instance)
    modifications: dict[str, Any] = {"vnfdId": target.vnfd_id}
    instance.vnfd_id = target.vnfd_id
    for attribute, column, field in PACKAGE_ATTRIBUTES:
        value = getattr(target, field)
        if getattr(instance, column) != value:
            setattr(instance, column, value)
            modifications[attribute] = value
    request = ctx.data["request"]
    changed = model_change.apply_instance_changes(instance, request)
    for attribute in ("vnfConfigurableProperties", "extensions"):
        if attribute in changed:
            modifications[attribute] = changed[attribute]
    op.modifications_triggered_by_vnf_pkg_change = modifications
    op.changed_ext_connectivity = model_change.changed_ext_connectivity(
        info, request.get("extVirtualLinks") or []
    )
    op.resource_changes = model_change.resource_changes(
        ctx, ctx.data["before"], info["vnfcResourceInfo"], vnfd_id=target.vnfd_id
    )


register(OperationSpec(operation=OPERATION, steps=model_change.STEPS, finish=finish))
