"""Creating and deleting VNF instance identifiers (SOL003 5.4.2 POST, 5.4.3 DELETE).

These are not lifecycle operations (no op occ), but they change state that
subscribers hear about, so they live beside the operations.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vnfm.api.problems import Conflict, NotFound, Unprocessable
from vnfm.db.models import FINAL_OPERATION_STATES, VnfInstanceRow, VnfLcmOpOccRow, utcnow
from vnfm.domain.instance import InstantiationState
from vnfm.notify import outbox
from vnfm.vnfd.catalog import Catalog


def create_vnf_identifier(
    session: Session, catalog: Catalog, request: dict[str, Any]
) -> VnfInstanceRow:
    vnfd_id = request["vnfdId"]
    vnfd = catalog.get(vnfd_id)
    if vnfd is None:
        raise Unprocessable(f"vnfdId {vnfd_id!r} names no VNFD known to this VNFM")
    row = VnfInstanceRow(
        id=str(uuid.uuid4()),
        vnf_instance_name=request.get("vnfInstanceName"),
        vnf_instance_description=request.get("vnfInstanceDescription"),
        vnfd_id=vnfd.vnfd_id,
        vnf_provider=vnfd.provider,
        vnf_product_name=vnfd.product_name,
        vnf_software_version=vnfd.software_version,
        vnfd_version=vnfd.vnfd_version,
        instantiation_state=InstantiationState.NOT_INSTANTIATED,
        metadata_=request.get("metadata"),
        internal={},
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    outbox.identifier_created(session, row)
    return row


def load_instance(
    session: Session, instance_id: str, *, for_update: bool = False
) -> VnfInstanceRow:
    statement = select(VnfInstanceRow).where(VnfInstanceRow.id == instance_id)
    if for_update:
        statement = statement.with_for_update()
    row = session.scalars(statement).one_or_none()
    if row is None:
        raise NotFound(f"no VNF instance with id {instance_id!r}")
    return row


def open_operation(session: Session, instance_id: str) -> VnfLcmOpOccRow | None:
    """The operation on this instance that is not final yet, if any."""
    return session.scalars(
        select(VnfLcmOpOccRow).where(
            VnfLcmOpOccRow.vnf_instance_id == instance_id,
            VnfLcmOpOccRow.operation_state.not_in(FINAL_OPERATION_STATES),
        )
    ).first()


def delete_vnf_identifier(session: Session, instance_id: str) -> VnfInstanceRow:
    row = load_instance(session, instance_id, for_update=True)
    if row.instantiation_state != InstantiationState.NOT_INSTANTIATED:
        raise Conflict(
            f"VNF instance {instance_id} is {row.instantiation_state}; terminate it before "
            "deleting its identifier"
        )
    busy = open_operation(session, instance_id)
    if busy is not None:
        raise Conflict(
            f"VNF instance {instance_id} has operation {busy.id} ({busy.operation}) in "
            f"{busy.operation_state}; it must end before the identifier can be deleted"
        )
    outbox.identifier_deleted(session, row)
    session.delete(row)
    return row
