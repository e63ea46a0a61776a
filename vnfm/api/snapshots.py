"""Handlers of ``/vnf_snapshots`` (SOL003 5.4.23-5.4.25): "Individual VNF snapshot"
resources, their SOL013 queries, and the VNF state snapshot this VNFM never holds.

The snapshot modules are imported inside the handlers: the ``vnf_snapshots`` table
joins the shared metadata only where snapshots are used (see vnfm/snapshots/models.py).
"""

from __future__ import annotations

import functools
from typing import Any

from starlette.responses import Response

from vnfm.api import links
from vnfm.api.context import services
from vnfm.api.listing import list_response
from vnfm.api.problems import Conflict, NotFound, Problem, ServiceUnavailable
from vnfm.api.resources import Collection
from vnfm.api.responses import empty_response, json_response
from vnfm.engine.events import EventWaiter
from vnfm.sol013.sql import JsonField, Kind, ScalarField

# ruff: noqa: N803 - the path parameter's name is fixed by the contract


def vnf_snapshot_info(row: Any) -> dict[str, Any]:
    """A VnfSnapshotInfo (SOL003 5.5.2.22) from a ``vnf_snapshots`` row."""
    here = f"vnf_snapshots/{row.id}"
    doc: dict[str, Any] = {"id": row.id}
    if row.vnf_snapshot_pkg_id is not None:
        doc["vnfSnapshotPkgId"] = row.vnf_snapshot_pkg_id
    snapshot = getattr(row, "vnf_snapshot", None)  # a list may leave the column out
    if snapshot is not None:
        record = {**snapshot, "_links": {"self": links.href(here)}}
        instance = record.get("vnfInstance")
        if row.vnf_instance_id is not None and isinstance(instance, dict):
            # A copy of the instance as it was: it links to the instance, to no task.
            self_link = links.href(f"vnf_instances/{instance.get('id')}")
            record["vnfInstance"] = {**instance, "_links": {"self": self_link}}
        doc["vnfSnapshot"] = record
    doc["_links"] = {"self": links.href(here)}
    if row.vnf_instance_id is not None:
        doc["_links"]["takenFrom"] = links.href(f"vnf_instances/{row.vnf_instance_id}")
    return doc


@functools.cache
def collection() -> Collection:
    """The ``vnf_snapshots`` collection for SOL013 queries.

    SOL003 names no attribute that ``exclude_default`` leaves out of a VnfSnapshotInfo,
    so a plain list shows whole records.
    """
    from vnfm.snapshots.models import VnfSnapshotRow as S  # noqa: N817

    return Collection(
        name="vnf_snapshots",
        model=S,
        fields={
            "id": ScalarField(S.id, Kind.STRING),
            "vnfSnapshotPkgId": ScalarField(S.vnf_snapshot_pkg_id, Kind.STRING),
            "vnfSnapshot": JsonField(S.vnf_snapshot),
        },
        view=vnf_snapshot_info,
        default_excluded=frozenset(),
        deferrable={"vnfSnapshot": S.vnf_snapshot},
    )


def create(body: dict[str, Any]) -> Response:
    from vnfm.snapshots import records

    with services().session() as session, session.begin():
        row = records.create(session, body)
        doc = vnf_snapshot_info(row)
    return json_response(doc, 201, {"Location": links.v2(f"vnf_snapshots/{row.id}")})


def search(**_query: Any) -> Response:
    return list_response(collection())


def get(vnfSnapshotInfoId: str) -> Response:
    from vnfm.snapshots import records

    with services().reader() as session:
        doc = vnf_snapshot_info(records.load(session, vnfSnapshotInfoId))
    return json_response(doc)


def modify(vnfSnapshotInfoId: str, body: dict[str, Any]) -> Response:
    from vnfm.snapshots import records

    with services().session() as session, session.begin():
        modifications = records.modify(session, vnfSnapshotInfoId, body)
    return json_response(modifications)


def delete(vnfSnapshotInfoId: str) -> Response:
    """Delete the ESC snapshots first, then the resource: 204 only once ESC lists none
    of them.  When ESC fails or is slow, the resource stays and DELETE may be sent again."""
    from vnfm.snapshots import records

    svc = services()
    with svc.session() as session, session.begin():
        esc_ids = records.begin_delete(session, vnfSnapshotInfoId)
    deleted = False
    try:
        if esc_ids:
            adapter = svc.extras.get("adapter")
            if adapter is None:
                raise ServiceUnavailable("this VNFM process has no ESC connection")
            timeout = min(svc.settings.esc_event_timeout, svc.settings.esc_read_timeout)
            waiter = EventWaiter(svc.readers, svc.events)
            try:
                records.delete_esc_snapshots(adapter, waiter, esc_ids, timeout)
            except records.SnapshotDeletionFailed as exc:
                raise Problem(
                    f"{exc}; VNF snapshot {vnfSnapshotInfoId} is kept, DELETE it again",
                    status=503,
                    title="ESC snapshot deletion failed",
                ) from exc
        deleted = True
    finally:
        with svc.session() as session, session.begin():
            records.end_delete(session, vnfSnapshotInfoId, deleted=deleted)
    return empty_response(204)


def get_state_snapshot(vnfSnapshotInfoId: str, **_headers: Any) -> Response:
    """This VNFM never holds a VNF state snapshot: ESC snapshots VM images and volumes,
    not VNF-specific state.  So the resource exists for no VNF snapshot (404), and
    before a snapshot is taken its content cannot be there yet (409)."""
    from vnfm.snapshots import records

    with services().reader() as session:
        row = records.load(session, vnfSnapshotInfoId)
        record = row.vnf_snapshot
    if record is None:
        raise Conflict(
            f"VNF snapshot {vnfSnapshotInfoId} holds no snapshot yet, so no VNF state snapshot"
        )
    raise NotFound(
        f"VNF snapshot {vnfSnapshotInfoId} has no VNF state snapshot content here: this VNFM "
        "snapshots VM images and volumes through ESC and keeps no VNF state snapshot file"
    )
