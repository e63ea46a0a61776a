"""Opening an operation: what the op occ holds from STARTING on."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from vnfm.api.problems import Conflict
from vnfm.app import build_services
from vnfm.config import Settings
from vnfm.db.models import VnfInstanceRow, VnfLcmOpOccRow
from vnfm.domain.instance import InstantiationState
from vnfm.lcm.lifecycle import begin_operation


def _instance(instance_id: str) -> VnfInstanceRow:
    return VnfInstanceRow(
        id=instance_id,
        vnfd_id="vnfd-1",
        vnf_provider="p",
        vnf_product_name="n",
        vnf_software_version="1",
        vnfd_version="1",
        instantiation_state=InstantiationState.INSTANTIATED,
        internal={},
    )


def test_a_snapshot_operation_names_its_snapshot_from_starting(settings: Settings):
    services = build_services(settings)
    with services.session() as session, session.begin():
        instance = _instance("inst-snap")
        session.add(instance)
        session.flush()
        op = begin_operation(
            session, instance, "CREATE_SNAPSHOT", {}, {"vnfSnapshotInfoId": "info-1"}
        )
        op_id = op.id
    with services.reader() as session:
        row = session.scalars(select(VnfLcmOpOccRow).where(VnfLcmOpOccRow.id == op_id)).one()
        assert row.operation_state == "STARTING"
        assert row.vnf_snapshot_info_id == "info-1"


def test_other_operations_name_no_snapshot_and_a_second_one_is_refused(settings: Settings):
    services = build_services(settings)
    with services.session() as session, session.begin():
        instance = _instance("inst-busy")
        session.add(instance)
        session.flush()
        op = begin_operation(session, instance, "MODIFY_INFO", {}, {})
        assert op.vnf_snapshot_info_id is None
        with pytest.raises(Conflict, match=op.id):
            begin_operation(session, instance, "MODIFY_INFO", {}, {})
