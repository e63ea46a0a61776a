"""CREATE_SNAPSHOT: take a VNF snapshot into an "Individual VNF snapshot" resource
(SOL003 5.4.21).

ESC snapshots one VM at a time (seed 002): for each VNFC an ESC VM snapshot, i.e. an
image and, for a VM that boots from a volume, a volume snapshot, announced by
VM_BACKUP_INIT, VM_BACKUP_CREATED and VM_BACKUP_COMPLETE.  ESC snapshots only VMs that
are alive or stopped, so an instance with a VM in any other state is refused (409).
When every VNFC is done, the COMPLETED transaction writes the VnfSnapshot record
into the resource.  Rollback deletes the ESC snapshots taken so far.

The ESC snapshot of a VNFC is named ``vnfsnap-{vnfSnapshotInfoId}-{VM name}``, which
is also the image name ESC gives it, so a resumed step finds what it already asked for.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from vnfm.api.problems import Conflict
from vnfm.db.models import VnfInstanceRow, VnfLcmOpOccRow, utcnow
from vnfm.domain.instance import InstantiationState
from vnfm.engine.runtime import StepContext, StepFailed, esc_failure
from vnfm.lcm import model_change
from vnfm.lcm.operations import OperationSpec, TaskRequest, register
from vnfm.snapshots import records
from vnfm.southbound.adapter import SouthboundError
from vnfm.southbound.types import EventType, SnapshotInfo, VmStateName

OPERATION = "CREATE_SNAPSHOT"
REQUIRED_STATE = InstantiationState.INSTANTIATED

#: ESC VM states a snapshot may be taken in (seed 002: VM_ALIVE or VM_STOPPED).
SNAPSHOTTABLE = (VmStateName.VM_ALIVE_STATE.value, VmStateName.VM_SHUTOFF_STATE.value)
IMAGE = "OS::Glance::Image"
VOLUME_SNAPSHOT = "OS::Cinder::VolumeSnapshot"
ACTIVE = ("active", "available")  # what ESC lists for a finished snapshot (seed 002)


def snapshot_name(info_id: str, vm_name: str) -> str:
    return f"vnfsnap-{info_id}-{vm_name}"


def prepare(task: TaskRequest) -> tuple[dict[str, Any], dict[str, Any]]:
    """Claim the (empty) snapshot resource and list the VNFCs to snapshot."""
    instance, request = task.instance, task.body
    info_id = request["vnfSnapshotInfoId"]
    records.claim(task.session, info_id, "create_snapshot", filled=False)
    plan = model_change.current_plan(instance)
    info = instance.instantiated_vnf_info or {}
    vnfc_ids = {v["vnfcResourceInfoId"]: v["id"] for v in info.get("vnfcInfo") or []}
    vnfcs = []
    for vnfc in info.get("vnfcResourceInfo") or []:
        state = (vnfc.get("metadata") or {}).get("escVmState")
        if state not in SNAPSHOTTABLE:
            raise Conflict(
                f"ESC snapshots only VMs that are alive or stopped; VNFC {vnfc['id']} is "
                f"in {state or 'an unknown state'}"
            )
        vnfcs.append(
            {
                "vnfcResourceInfoId": vnfc["id"],
                "vnfcInstanceId": vnfc_ids.get(vnfc["id"], vnfc["id"]),
                "vduId": vnfc["vduId"],
            }
        )
    if not vnfcs:
        raise Conflict(f"VNF instance {instance.id} has no VNFC to snapshot")
    context = {
        "plan": plan,
        "vnfSnapshotInfoId": info_id,
        "snapshotId": str(uuid.uuid4()),
        "startedAt": utcnow(),
        "vnfcs": vnfcs,
        "request": request,
    }
    return request, context


def _snapshots_named(ctx: StepContext, vm_name: str, name: str) -> list[SnapshotInfo]:
    try:
        listed = ctx.adapter.list_snapshots(ctx.plan["tenant"], vm_name)
    except SouthboundError as exc:
        raise esc_failure(f"the snapshot list of VM {vm_name}", exc) from exc
    return [s for s in listed if s.name == name]


def _verdict(snapshots: list[SnapshotInfo]) -> bool | None:
    if any(s.status in ACTIVE for s in snapshots):
        return True
    return None


class SnapshotVnfcs:
    """One ESC VM snapshot per VNFC, in order; each recorded as soon as ESC is done."""

    name = "snapshot-vnfcs"

    def run(self, ctx: StepContext) -> None:
        info_id = ctx.data["vnfSnapshotInfoId"]
        plan = ctx.plan
        taken = ctx.data.setdefault("taken", {})
        started = ctx.data.setdefault("started", {})
        for vnfc in ctx.data["vnfcs"]:
            vm = vnfc["vnfcResourceInfoId"]
            if vm in taken:
                continue
            name = snapshot_name(info_id, vm)
            started.setdefault(vm, utcnow())
            self._discard_failed(ctx, vm, name)
            model_change.vm_request(
                ctx,
                what=f"snapshot of VM {vm}",
                deployment_name=plan["deployment"],
                vm_name=vm,
                send=lambda vm=vm, name=name: ctx.adapter.create_snapshot(plan["tenant"], vm, name),
                until=(EventType.VM_BACKUP_COMPLETE,),
                watch=(EventType.VM_BACKUP_INIT, EventType.VM_BACKUP_CREATED),
                judge=lambda vm=vm, name=name: _verdict(_snapshots_named(ctx, vm, name)),
            )
            done = [s for s in _snapshots_named(ctx, vm, name) if s.status in ACTIVE]
            if not done:
                raise StepFailed(f"ESC reported snapshot {name} of VM {vm} done but lists none")
            taken[vm] = {
                "id": done[-1].id,
                "name": name,
                "volumeSnapshotId": done[-1].volume_snapshot_id,
                "startedAt": started[vm],
                "finishedAt": utcnow(),
            }
            ctx.checkpoint()

    def _discard_failed(self, ctx: StepContext, vm: str, name: str) -> None:
        """A snapshot ESC failed to take (an earlier attempt) goes before the next try."""
        failed = [s.id for s in _snapshots_named(ctx, vm, name) if s.status == "error"]
        _delete(ctx, failed)

    def undo(self, ctx: StepContext) -> None:
        info_id = ctx.data["vnfSnapshotInfoId"]
        names = {snapshot_name(info_id, v["vnfcResourceInfoId"]) for v in ctx.data["vnfcs"]}
        try:
            listed = ctx.adapter.list_snapshots(ctx.plan["tenant"])
        except SouthboundError as exc:
            raise esc_failure("the snapshot list", exc) from exc
        _delete(ctx, [s.id for s in listed if s.name in names])
        ctx.data["taken"] = {}


def _delete(ctx: StepContext, ids: list[str]) -> None:
    try:
        records.delete_esc_snapshots(
            ctx.adapter,
            ctx.waiter,
            ids,
            ctx.settings.esc_event_timeout,
            ctx.interrupt_if_forceful,
        )
    except records.SnapshotDeletionFailed as exc:
        raise StepFailed(str(exc), title="ESC snapshot deletion failed") from exc


def finish(
    ctx: StepContext, session: Session, instance: VnfInstanceRow, op: VnfLcmOpOccRow
) -> None:
    """Fill the resource with the VnfSnapshot record (SOL003 5.5.2.23)."""
    info_id = ctx.data["vnfSnapshotInfoId"]
    vim = ctx.plan["vimConnectionId"]
    taken = ctx.data["taken"]
    vnfc_snapshots = []
    for vnfc in ctx.data["vnfcs"]:
        done = taken[vnfc["vnfcResourceInfoId"]]
        entry: dict[str, Any] = {
            "id": done["name"],
            "vnfcInstanceId": vnfc["vnfcInstanceId"],
            "creationStartedAt": done["startedAt"],
            "creationFinishedAt": done["finishedAt"],
            "vnfcResourceInfoId": vnfc["vnfcResourceInfoId"],
            "computeSnapshotResource": {
                "vimConnectionId": vim,
                "resourceId": done["id"],
                "vimLevelResourceType": IMAGE,
            },
        }
        if done.get("volumeSnapshotId"):
            # The VM's boot volume: ESC creates it with the VM; the instance lists no
            # virtual storage for it, so the id names it after the VNFC.
            entry["storageSnapshotResources"] = [
                {
                    "storageResourceId": f"{vnfc['vnfcResourceInfoId']}-boot-volume",
                    "storageSnapshotResource": {
                        "vimConnectionId": vim,
                        "resourceId": done["volumeSnapshotId"],
                        "vimLevelResourceType": VOLUME_SNAPSHOT,
                    },
                }
            ]
        vnfc_snapshots.append(entry)
    record: dict[str, Any] = {
        "id": ctx.data["snapshotId"],
        "vnfInstanceId": instance.id,
        "creationStartedAt": ctx.data["startedAt"],
        "creationFinishedAt": utcnow(),
        "vnfdId": instance.vnfd_id,
        "vnfInstance": records.instance_record(instance),
        "vnfcSnapshots": vnfc_snapshots,
    }
    user_data = ctx.data["request"].get("userDefinedData")
    if user_data is not None:
        record["userDefinedData"] = user_data
    records.fill(session, info_id, instance.id, record)
    op.vnf_snapshot_info_id = info_id


register(OperationSpec(operation=OPERATION, steps=(SnapshotVnfcs(),), finish=finish))
