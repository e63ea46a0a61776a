"""Use cases of "Individual VNF snapshot" resources (SOL003 5.4.23-5.4.24), shared by
the ``/vnf_snapshots`` handlers and the CREATE_SNAPSHOT / REVERT_TO_SNAPSHOT operations.

Rules from the standard's text, and the choices we made where it is silent:

* POST may import a record (``vnfSnapshot``); a ``vnfSnapshotPkgId`` alone asks the
  VNFM to fetch the record from a VNF snapshot package, which this VNFM cannot (it
  reaches no package repository): 422, saying to send the record itself.
* PATCH is refused (409) once the resource holds a snapshot, or while an operation
  uses it; the same for create_snapshot on a filled resource, revert on an empty one.
* DELETE removes the ESC snapshots this VNFM took (never those of imported records,
  which other resources may share), waits until ESC no longer lists them, then the
  resource; while an operation uses the resource: 409.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vnfm.api.problems import Conflict, NotFound, Unprocessable
from vnfm.db.models import (
    FINAL_OPERATION_STATES,
    EscEventRow,
    VnfInstanceRow,
    VnfLcmOpOccRow,
    utcnow,
)
from vnfm.engine.events import EventWaiter
from vnfm.lcm.modify import merge_patch
from vnfm.lcm.secrets import strip_secrets
from vnfm.snapshots.models import VnfSnapshotRow
from vnfm.southbound.adapter import Adapter, SouthboundError
from vnfm.southbound.adapter import NotFound as EscNotFound
from vnfm.southbound.types import EventType

#: Status ESC lists for a snapshot it is deleting (seed 002 lists "available",
#: "active"; the simulator adds "creating", "deleting" and "error").
DELETING = "deleting"


# ----------------------------------------------------------------------------- reading


def load(session: Session, info_id: str, *, for_update: bool = False) -> VnfSnapshotRow:
    statement = select(VnfSnapshotRow).where(VnfSnapshotRow.id == info_id)
    if for_update:
        statement = statement.with_for_update()
    row = session.scalars(statement).one_or_none()
    if row is None:
        raise NotFound(f"no VNF snapshot information with id {info_id!r}")
    return row


def operation_using(session: Session, info_id: str) -> VnfLcmOpOccRow | None:
    """The operation that is not final yet and acts on this resource, if any."""
    return session.scalars(
        select(VnfLcmOpOccRow).where(
            VnfLcmOpOccRow.vnf_snapshot_info_id == info_id,
            VnfLcmOpOccRow.operation_state.not_in(FINAL_OPERATION_STATES),
        )
    ).first()


def _refuse_if_busy(session: Session, row: VnfSnapshotRow, doing: str) -> None:
    if row.is_deleting:
        raise Conflict(f"VNF snapshot {row.id} is being deleted; {doing} is not possible")
    busy = operation_using(session, row.id)
    if busy is not None:
        raise Conflict(
            f"VNF snapshot {row.id} is used by operation {busy.id} ({busy.operation}) in "
            f"{busy.operation_state}; {doing} must wait until it ends"
        )


def esc_snapshot_ids(record: dict[str, Any] | None) -> list[str]:
    """The ESC snapshot ids of a VnfSnapshot record (its VNFC compute snapshots)."""
    ids = []
    for vnfc in (record or {}).get("vnfcSnapshots") or []:
        resource = vnfc.get("computeSnapshotResource") or {}
        if resource.get("resourceId"):
            ids.append(resource["resourceId"])
    return ids


# ----------------------------------------------------------------------------- writing


def _imported(record: dict[str, Any] | None) -> dict[str, Any] | None:
    """An NFVO-supplied VnfSnapshot as stored: its ``_links`` are the API's to give."""
    if record is None:
        return None
    return {k: v for k, v in record.items() if k != "_links"}


def _refuse_package_only(request: dict[str, Any]) -> None:
    if request.get("vnfSnapshotPkgId") is not None and request.get("vnfSnapshot") is None:
        raise Unprocessable(
            "vnfSnapshotPkgId without vnfSnapshot asks the VNFM to read the VNF snapshot "
            "record from the package, but this VNFM reaches no VNF snapshot package "
            "repository; send the record in vnfSnapshot as well"
        )


def create(session: Session, request: dict[str, Any]) -> VnfSnapshotRow:
    """A new resource: empty (for create_snapshot to fill), or holding an imported record."""
    _refuse_package_only(request)
    row = VnfSnapshotRow(
        id=str(uuid.uuid4()),
        vnf_snapshot_pkg_id=request.get("vnfSnapshotPkgId"),
        vnf_snapshot=_imported(request.get("vnfSnapshot")),
        vnf_instance_id=None,
        is_deleting=False,
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return row


def modify(session: Session, info_id: str, patch: dict[str, Any]) -> dict[str, Any]:
    """Apply a JSON merge patch; returns the modifications (VnfSnapshotInfoModifications)."""
    row = load(session, info_id, for_update=True)
    if row.vnf_snapshot is not None:
        raise Conflict(
            f"VNF snapshot {info_id} already holds a VNF snapshot; its information can no "
            "longer be modified"
        )
    _refuse_if_busy(session, row, "a modification")
    _refuse_package_only(patch)
    modifications: dict[str, Any] = {}
    if "vnfSnapshotPkgId" in patch:
        row.vnf_snapshot_pkg_id = patch["vnfSnapshotPkgId"]
        modifications["vnfSnapshotPkgId"] = patch["vnfSnapshotPkgId"]
    if patch.get("vnfSnapshot") is not None:
        record = _imported(merge_patch(None, patch["vnfSnapshot"]))
        row.vnf_snapshot = record
        modifications["vnfSnapshot"] = record
    return modifications


def claim(session: Session, info_id: str, operation: str, *, filled: bool) -> VnfSnapshotRow:
    """The resource an operation is about to use, locked; refused when it is unknown
    (422: the request names it), busy, or not in the state the operation needs (409)."""
    row = session.scalars(
        select(VnfSnapshotRow).where(VnfSnapshotRow.id == info_id).with_for_update()
    ).one_or_none()
    if row is None:
        raise Unprocessable(
            f"vnfSnapshotInfoId {info_id!r} names no VNF snapshot resource; create one "
            "with POST /vnf_snapshots"
        )
    _refuse_if_busy(session, row, operation)
    if filled and row.vnf_snapshot is None:
        raise Conflict(f"VNF snapshot {info_id} holds no snapshot yet; {operation} needs one")
    if not filled and row.vnf_snapshot is not None:
        raise Conflict(
            f"VNF snapshot {info_id} already holds a snapshot; create another VNF snapshot "
            f"resource for {operation}"
        )
    return row


def fill(session: Session, info_id: str, instance_id: str, record: dict[str, Any]) -> None:
    """Store the snapshot CREATE_SNAPSHOT took (in its COMPLETED transaction)."""
    row = load(session, info_id, for_update=True)
    row.vnf_snapshot = record
    row.vnf_instance_id = instance_id


def instance_record(instance: VnfInstanceRow) -> dict[str, Any]:
    """The VnfInstance as it is now, for a VnfSnapshot: no credentials, no links."""
    doc: dict[str, Any] = {
        "id": instance.id,
        "vnfdId": instance.vnfd_id,
        "vnfProvider": instance.vnf_provider,
        "vnfProductName": instance.vnf_product_name,
        "vnfSoftwareVersion": instance.vnf_software_version,
        "vnfdVersion": instance.vnfd_version,
        "instantiationState": instance.instantiation_state,
    }
    vims = strip_secrets({"vimConnectionInfo": instance.vim_connection_info})
    optional = {
        "vnfInstanceName": instance.vnf_instance_name,
        "vnfInstanceDescription": instance.vnf_instance_description,
        "vnfConfigurableProperties": instance.vnf_configurable_properties,
        "vimConnectionInfo": vims["vimConnectionInfo"],
        "instantiatedVnfInfo": instance.instantiated_vnf_info,
        "metadata": instance.metadata_,
        "extensions": instance.extensions,
    }
    doc.update({k: v for k, v in optional.items() if v is not None})
    return doc


# ----------------------------------------------------------------------------- deleting


def begin_delete(session: Session, info_id: str) -> list[str]:
    """Mark the resource as being deleted; returns the ESC snapshots to delete first."""
    row = load(session, info_id, for_update=True)
    busy = operation_using(session, info_id)
    if busy is not None:
        raise Conflict(
            f"VNF snapshot {info_id} is used by operation {busy.id} ({busy.operation}) in "
            f"{busy.operation_state}; it can be deleted once that operation has ended"
        )
    row.is_deleting = True
    return esc_snapshot_ids(row.vnf_snapshot) if row.vnf_instance_id else []


def end_delete(session: Session, info_id: str, *, deleted: bool) -> None:
    row = session.get(VnfSnapshotRow, info_id)
    if row is None:
        return
    if deleted:
        session.delete(row)
    else:
        row.is_deleting = False


class SnapshotDeletionFailed(Exception):
    """ESC refused or failed to delete a snapshot, or did not within the time allowed."""


def delete_esc_snapshots(
    adapter: Adapter,
    waiter: EventWaiter,
    ids: Iterable[str],
    timeout: float,
    interrupt: Callable[[], None] = lambda: None,
) -> None:
    """Delete ESC snapshots by id and wait until ESC lists none of them any more.

    Safe to repeat: a snapshot ESC no longer knows counts as deleted, and one it is
    already deleting is not asked for twice.  A VM_SNAPSHOT_DELETED FAILURE, a
    refusal or ``timeout`` raise :class:`SnapshotDeletionFailed` with ESC's words.
    """
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return
    after = waiter.watermark()
    listed = {s.id: s for s in _list(adapter)}
    pending = {i: listed[i] for i in wanted if i in listed}
    for snapshot_id, snapshot in list(pending.items()):
        if snapshot.status == DELETING:
            continue
        try:
            adapter.delete_snapshot(snapshot_id)
        except EscNotFound:
            pending.pop(snapshot_id)
        except SouthboundError as exc:
            raise SnapshotDeletionFailed(
                f"ESC refused to delete snapshot {snapshot_id} ({snapshot.name}): {exc.message}"
            ) from exc
    deadline = time.monotonic() + timeout
    while pending:
        interrupt()
        failure = _failed_deletion(waiter, {s.vm_name for s in pending.values()}, after)
        if failure is not None:
            raise SnapshotDeletionFailed(
                f"ESC reported VM_SNAPSHOT_DELETED FAILURE for VM {failure.vm_name}: "
                f"{failure.status_message or 'no message'}"
            )
        still = {s.id for s in _list(adapter)}
        pending = {i: s for i, s in pending.items() if i in still}
        remaining = deadline - time.monotonic()
        if pending and remaining <= 0:
            raise SnapshotDeletionFailed(
                f"ESC has not deleted snapshot(s) {', '.join(sorted(pending))} within {timeout:g} s"
            )
        if pending:
            waiter.hub.sleep(min(waiter.poll_interval, remaining))


def _list(adapter: Adapter) -> list[Any]:
    try:
        return adapter.list_snapshots()
    except SouthboundError as exc:
        raise SnapshotDeletionFailed(f"ESC could not list its snapshots: {exc.message}") from exc


def _failed_deletion(
    waiter: EventWaiter, vm_names: set[str | None], after: int
) -> EscEventRow | None:
    with waiter.sessions() as session:
        return session.scalars(
            select(EscEventRow)
            .where(
                EscEventRow.id > after,
                EscEventRow.event_type == EventType.VM_SNAPSHOT_DELETED.value,
                EscEventRow.status != "SUCCESS",
                EscEventRow.vm_name.in_([n for n in vm_names if n]),
            )
            .order_by(EscEventRow.id)
            .limit(1)
        ).first()
