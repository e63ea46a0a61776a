"""VM snapshots, their deletion and volumes from them (seed 002, backup and restore)."""

from __future__ import annotations

import pytest

from tests.escsim.helpers import NO_CALLBACKS, Trace, deployed, group, spec
from vnfm.escsim.errors import SimError
from vnfm.escsim.simulator import Simulator
from vnfm.southbound.esc.operations import (
    VolumeRequest,
    snapshot_request_json,
    vm_operation_xml,
    volume_request_json,
)
from vnfm.southbound.types import EventStatus, EventType, VmAction

E = EventType


@pytest.fixture
def vm(sim: Simulator, trace: Trace) -> str:
    deployed(sim, trace, spec("dep", group(min_active=2, max_active=2)))
    return sim.get("dep").vms[0].name


def _snapshot(sim: Simulator, trace: Trace, vm: str, name: str, count: int = 1) -> str:
    sim.create_snapshot("admin", vm, snapshot_request_json(name), NO_CALLBACKS)
    trace.wait_for(E.VM_BACKUP_COMPLETE, count=count)
    assert sim.wait_idle()
    return trace.events(E.VM_BACKUP_COMPLETE)[-1].parameters["snapshot_id"]


def test_snapshot_sends_backup_init_created_complete(sim: Simulator, trace: Trace, vm: str
                                                     ) -> None:
    snap_id = _snapshot(sim, trace, vm, "my-snapshot-name")
    assert trace.types() == [E.VM_BACKUP_INIT, E.VM_BACKUP_CREATED, E.VM_BACKUP_COMPLETE]
    assert [e.status_code for e in trace.events()] == [200, 202, 200]
    assert trace.events()[0].vm_name == vm
    [listed] = sim.list_snapshots()
    assert (listed.id, listed.name, listed.status, listed.vm_name) == (
        snap_id, "my-snapshot-name", "active", vm)
    assert listed.volume_snapshot_id is not None


def test_snapshot_listing_filters_by_tenant_and_vm(sim: Simulator, trace: Trace, vm: str
                                                   ) -> None:
    other = sim.get("dep").vms[1].name
    _snapshot(sim, trace, vm, "a")
    _snapshot(sim, trace, other, "b", count=2)
    assert [s.name for s in sim.list_snapshots(vm_name=other)] == ["b"]
    assert len(sim.list_snapshots(tenant="admin")) == 2
    assert sim.list_snapshots(tenant="nobody") == []


def test_snapshot_needs_an_alive_or_stopped_vm(sim: Simulator, trace: Trace, vm: str) -> None:
    sim.vm_action("admin", vm, vm_operation_xml(VmAction.DISABLE_MONITOR), NO_CALLBACKS)
    trace.wait_for(E.VM_SET_MONITOR_STATUS)
    assert sim.wait_idle()
    with pytest.raises(SimError) as err:
        sim.create_snapshot("admin", vm, snapshot_request_json("x"), NO_CALLBACKS)
    assert err.value.status == 409


def test_snapshot_of_a_stopped_vm(sim: Simulator, trace: Trace, vm: str) -> None:
    sim.vm_action("admin", vm, vm_operation_xml(VmAction.STOP), NO_CALLBACKS)
    trace.wait_for(E.VM_STOPPED)
    assert sim.wait_idle()
    _snapshot(sim, trace, vm, "cold-backup")
    assert trace.events(E.VM_BACKUP_COMPLETE)[0].succeeded


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (snapshot_request_json("n" * 256), "255"),
        (b'{"operation": "export", "name": "x"}', "snapshot"),
        (b'{"operation": "snapshot"}', "name"),
        (b'{"operation": "snapshot", "name": ', "malformed"),
    ],
)
def test_invalid_snapshot_requests_are_400(sim: Simulator, vm: str, body: bytes, fragment: str
                                           ) -> None:
    with pytest.raises(SimError) as err:
        sim.create_snapshot("admin", vm, body, NO_CALLBACKS)
    assert err.value.status == 400 and fragment in err.value.message


def test_snapshot_name_of_255_characters_is_accepted(sim: Simulator, trace: Trace, vm: str
                                                     ) -> None:
    _snapshot(sim, trace, vm, "n" * 255)
    assert sim.list_snapshots()[0].name == "n" * 255


def test_snapshot_of_unknown_vm_is_404(sim: Simulator, vm: str) -> None:
    with pytest.raises(SimError) as err:
        sim.create_snapshot("admin", "ghost", snapshot_request_json("x"), NO_CALLBACKS)
    assert err.value.status == 404


def test_failed_snapshot_is_listed_in_error(sim: Simulator, trace: Trace, vm: str) -> None:
    sim.faults.add_from_json({"step": "snapshot", "effect": "fail"})
    _snapshot(sim, trace, vm, "broken")
    assert [(e.event_type, e.status, e.status_code) for e in trace.events()] == [
        (E.VM_BACKUP_INIT, EventStatus.SUCCESS, 200),
        (E.VM_BACKUP_COMPLETE, EventStatus.FAILURE, 500),
    ]
    assert sim.list_snapshots()[0].status == "error"


@pytest.mark.parametrize("by", ["id", "name"])
def test_delete_snapshot_by_id_or_unique_name(sim: Simulator, trace: Trace, vm: str, by: str
                                              ) -> None:
    snap_id = _snapshot(sim, trace, vm, "to-delete")
    trace.clear()
    sim.delete_snapshot(snap_id if by == "id" else "to-delete", NO_CALLBACKS)
    trace.wait_for(E.VM_SNAPSHOT_DELETED)
    assert trace.types() == [E.VM_SNAPSHOT_DELETING, E.VM_SNAPSHOT_DELETED]
    deleted = trace.events(E.VM_SNAPSHOT_DELETED)[0]
    assert deleted.succeeded and snap_id in deleted.status_message
    assert deleted.deployment_name == "dep"
    assert sim.list_snapshots() == []


def test_delete_by_a_name_that_is_not_unique_is_rejected(sim: Simulator, trace: Trace, vm: str
                                                         ) -> None:
    _snapshot(sim, trace, vm, "twin")
    _snapshot(sim, trace, vm, "twin", count=2)
    with pytest.raises(SimError) as err:
        sim.delete_snapshot("twin", NO_CALLBACKS)
    assert err.value.status == 409 and "unique" in err.value.message


def test_delete_of_unknown_snapshot_is_404(sim: Simulator) -> None:
    with pytest.raises(SimError) as err:
        sim.delete_snapshot("my-snapshot-name-1", NO_CALLBACKS)
    assert (err.value.status, err.value.message) == (
        404, "Snapshot image [my-snapshot-name-1] not found.")


def test_failed_delete_keeps_the_snapshot(sim: Simulator, trace: Trace, vm: str) -> None:
    snap_id = _snapshot(sim, trace, vm, "sticky")
    sim.faults.add_from_json({"step": "snapshot_delete", "effect": "fail", "target": "sticky"})
    sim.delete_snapshot(snap_id, NO_CALLBACKS)
    trace.wait_for(E.VM_SNAPSHOT_DELETED)
    assert trace.events(E.VM_SNAPSHOT_DELETED)[0].status is EventStatus.FAILURE
    assert [s.id for s in sim.list_snapshots()] == [snap_id]


def test_volume_from_a_snapshot(sim: Simulator, trace: Trace, vm: str) -> None:
    snap_id = _snapshot(sim, trace, vm, "with-volume")
    trace.clear()
    request = VolumeRequest("my-bootable-volume", multiattach=True)
    sim.create_volume(snap_id, volume_request_json(request), NO_CALLBACKS)
    trace.wait_for(E.VM_VOLUME_CREATED_EVENT)
    assert trace.types() == [E.VM_VOLUME_ACCEPTED_EVENT, E.VM_VOLUME_CREATED_EVENT]
    created = trace.events(E.VM_VOLUME_CREATED_EVENT)[0]
    assert created.status_code == 201
    assert created.parameters["name"] == "my-bootable-volume"
    assert created.parameters["multiattach"] == "true"
    assert created.parameters["external_volume_id"]


def test_volume_ignores_unsupported_attributes(sim: Simulator, trace: Trace, vm: str) -> None:
    snap_id = _snapshot(sim, trace, vm, "s")
    sim.create_volume(snap_id, b'{"name": "v", "colour": "blue"}', NO_CALLBACKS)
    trace.wait_for(E.VM_VOLUME_CREATED_EVENT)
    assert "colour" not in trace.events(E.VM_VOLUME_CREATED_EVENT)[0].parameters


@pytest.mark.parametrize(
    ("body", "status"),
    [(b'{"name": "' + b"v" * 256 + b'"}', 400), (b'{"bootable": true}', 400)],
)
def test_invalid_volume_requests(sim: Simulator, trace: Trace, vm: str, body: bytes, status: int
                                 ) -> None:
    snap_id = _snapshot(sim, trace, vm, "s")
    with pytest.raises(SimError) as err:
        sim.create_volume(snap_id, body, NO_CALLBACKS)
    assert err.value.status == status


def test_volume_from_an_unknown_snapshot_is_404(sim: Simulator) -> None:
    with pytest.raises(SimError) as err:
        sim.create_volume("nope", volume_request_json(VolumeRequest("v")), NO_CALLBACKS)
    assert err.value.status == 404


def test_volume_from_a_snapshot_without_volume_snapshot_is_400(
    sim: Simulator, trace: Trace, vm: str
) -> None:
    sim.faults.add_from_json({"step": "snapshot", "effect": "fail"})
    snap_id = _snapshot(sim, trace, vm, "imageonly")
    with pytest.raises(SimError) as err:
        sim.create_volume(snap_id, volume_request_json(VolumeRequest("v")), NO_CALLBACKS)
    assert err.value.status == 400


def test_failed_volume_creation(sim: Simulator, trace: Trace, vm: str) -> None:
    snap_id = _snapshot(sim, trace, vm, "s")
    sim.faults.add_from_json({"step": "volume", "effect": "fail"})
    sim.create_volume(snap_id, volume_request_json(VolumeRequest("v")), NO_CALLBACKS)
    trace.wait_for(E.VM_VOLUME_CREATED_EVENT)
    assert trace.events(E.VM_VOLUME_CREATED_EVENT)[0].status is EventStatus.FAILURE
