"""REVERT_TO_SNAPSHOT: put a VNF back on the images of a VNF snapshot (SOL003 5.4.22).

ESC restores a VM from a snapshot the way seed 002 describes: a service update with
the snapshot image as the VM group's image, then a redeploy of the VMs so that they
boot it (:mod:`vnfm.lcm.model_change`).  The images are recorded in the plan
(``imageOverrides``), so later operations keep them until a package change.

ESC holds one image per VM group, so a snapshot with several VNFC snapshots of one
VDU (a group of several VMs) cannot be reverted: 422.  A VM that boots from a volume
would also need a bootable volume made from its volume snapshot and swapped in by a
service update; the esc_datamodel this VNFM speaks carries no volumes, so the revert
restores the image only (the volume snapshot stays listed in the record).
Rollback goes back to the images the VNF ran before.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from vnfm.api.problems import Conflict, Unprocessable
from vnfm.db.models import VnfInstanceRow, VnfLcmOpOccRow
from vnfm.domain.instance import InstantiationState
from vnfm.engine.runtime import StepContext, StepFailed, esc_failure
from vnfm.lcm import deployment, model_change
from vnfm.lcm.create_snapshot import ACTIVE
from vnfm.lcm.operations import OperationSpec, TaskRequest, register, require_vnfd
from vnfm.snapshots import records
from vnfm.southbound.adapter import SouthboundError

OPERATION = "REVERT_TO_SNAPSHOT"
REQUIRED_STATE = InstantiationState.INSTANTIATED


def prepare(task: TaskRequest) -> tuple[dict[str, Any], dict[str, Any]]:
    """Claim the (filled) snapshot resource and map its VNFC snapshots to VM groups."""
    instance, request = task.instance, task.body
    vnfd = require_vnfd(task)
    info_id = request["vnfSnapshotInfoId"]
    row = records.claim(task.session, info_id, "revert_to_snapshot", filled=True)
    record = row.vnf_snapshot or {}
    if record.get("vnfdId") != instance.vnfd_id:
        raise Conflict(
            f"VNF snapshot {info_id} was taken of VNFD {record.get('vnfdId')}, but VNF "
            f"instance {instance.id} now runs VNFD {instance.vnfd_id}; change its package "
            "back first"
        )
    plan = model_change.current_plan(instance)
    model_change.refuse_if_stopped(instance, OPERATION)
    groups = _snapshot_per_group(record, instance)
    flavour = vnfd.flavours[plan["flavourId"]]
    unknown = sorted(set(groups) - set(flavour.vdus))
    if unknown:
        raise Unprocessable(
            f"VNF snapshot {info_id} holds VDU(s) {', '.join(unknown)}, which flavour "
            f"{plan['flavourId']!r} does not deploy"
        )
    before = (instance.instantiated_vnf_info or {}).get("vnfcResourceInfo") or []
    context = {
        "plan": plan,
        "previousPlan": plan,
        "vnfSnapshotInfoId": info_id,
        "snapshotPerGroup": groups,
        "before": before,
    }
    return request, context


def _snapshot_per_group(record: dict[str, Any], instance: VnfInstanceRow) -> dict[str, str]:
    """VDU id -> the ESC snapshot id holding its image."""
    vdu_of = {}
    for source in (record.get("vnfInstance") or {}, {"instantiatedVnfInfo": _info(instance)}):
        for vnfc in (source.get("instantiatedVnfInfo") or {}).get("vnfcResourceInfo") or []:
            vdu_of.setdefault(vnfc["id"], vnfc["vduId"])
    groups: dict[str, str] = {}
    for vnfc in record.get("vnfcSnapshots") or []:
        vdu_id = vdu_of.get(vnfc["vnfcResourceInfoId"])
        snapshot_id = (vnfc.get("computeSnapshotResource") or {}).get("resourceId")
        if vdu_id is None or not snapshot_id:
            raise Unprocessable(
                f"VNFC snapshot {vnfc['id']} names no VDU or no compute snapshot this VNFM "
                "can restore"
            )
        if groups.setdefault(vdu_id, snapshot_id) != snapshot_id:
            raise Unprocessable(
                f"the snapshot holds several VNFC snapshots of VDU {vdu_id}, but ESC gives "
                "all VMs of a group one image: only a VDU with a single VNFC snapshot can "
                "be reverted"
            )
    return groups


def _info(instance: VnfInstanceRow) -> dict[str, Any]:
    return instance.instantiated_vnf_info or {}


class ResolveImages:
    """Look the snapshot images up in ESC and put them in the plan.

    ESC names the image after the snapshot (seed 002); the record keeps ESC's
    snapshot id, so ESC's list says which image that is and that it still exists.
    """

    name = "resolve-images"

    def run(self, ctx: StepContext) -> None:
        if ctx.data.get("resolved"):
            return
        try:
            listed = {s.id: s for s in ctx.adapter.list_snapshots()}
        except SouthboundError as exc:
            raise esc_failure("the snapshot list", exc) from exc
        overrides = deployment.image_overrides(ctx.data["previousPlan"])
        for vdu_id, snapshot_id in ctx.data["snapshotPerGroup"].items():
            snapshot = listed.get(snapshot_id)
            if snapshot is None or snapshot.status not in ACTIVE:
                shown = "no longer exists" if snapshot is None else f"is {snapshot.status}"
                raise StepFailed(
                    f"ESC snapshot {snapshot_id} of VDU {vdu_id} {shown}; the VNF cannot be "
                    "reverted to it",
                    title="VNF snapshot unusable",
                    status=409,
                )
            overrides[vdu_id] = snapshot.name
        ctx.data["plan"] = {**ctx.data["previousPlan"], "imageOverrides": overrides}
        ctx.data["resolved"] = True

    def undo(self, ctx: StepContext) -> None:
        return None  # it only read


def finish(
    ctx: StepContext, session: Session, instance: VnfInstanceRow, op: VnfLcmOpOccRow
) -> None:
    info = model_change.adopt_plan(ctx, instance)
    op.resource_changes = model_change.resource_changes(
        ctx, ctx.data["before"], info["vnfcResourceInfo"]
    )


register(
    OperationSpec(operation=OPERATION, steps=(ResolveImages(), *model_change.STEPS), finish=finish)
)
