"""Service and VM actions, migration and recovery (seed 000 tables 3-4, seed 002)."""

from __future__ import annotations

import pytest

from tests.escsim.helpers import NO_CALLBACKS, Trace, deployed, group, spec, xml
from vnfm.escsim.errors import SimError
from vnfm.escsim.simulator import Simulator
from vnfm.southbound.esc.operations import (
    MigrateRequest,
    migrate_operation_xml,
    recovery_operation_xml,
    service_operation_xml,
    snapshot_request_json,
    vm_operation_xml,
)
from vnfm.southbound.types import (
    EventStatus,
    EventType,
    MigrationType,
    RecoveryAction,
    ServiceAction,
    ServiceState,
    VimVmState,
    VmAction,
    VmStateName,
)

E = EventType
S = ServiceState
V = VmStateName
TWO = spec("dep", group(min_active=2, max_active=2))


def _service(sim: Simulator, trace: Trace, action: ServiceAction, final: EventType) -> None:
    sim.service_action("admin", "dep", service_operation_xml(action), NO_CALLBACKS)
    trace.wait_for(final)
    assert sim.wait_idle()


def _vm(sim: Simulator, trace: Trace, action: VmAction, final: EventType) -> str:
    vm = sim.get("dep").vms[0].name
    sim.vm_action("admin", vm, vm_operation_xml(action), NO_CALLBACKS)
    trace.wait_for(final)
    assert sim.wait_idle()
    return vm


def _stopped(sim: Simulator, trace: Trace) -> None:
    deployed(sim, trace, TWO)
    _service(sim, trace, ServiceAction.STOP, E.SERVICE_STOPPED)
    trace.clear()


def test_service_stop(sim: Simulator, trace: Trace) -> None:
    deployed(sim, trace, TWO)
    _service(sim, trace, ServiceAction.STOP, E.SERVICE_STOPPED)
    assert trace.types() == [E.VM_STOPPED, E.VM_STOPPED, E.SERVICE_STOPPED]
    assert trace.at(E.VM_STOPPED).service is S.SERVICE_STOPPING_STATE
    state = sim.get("dep")
    assert state.state is S.SERVICE_STOPPED_STATE
    assert {(v.state, v.vim_state) for v in state.vms} == {
        (V.VM_SHUTOFF_STATE, VimVmState.SHUTOFF)}


def test_service_start_after_stop(sim: Simulator, trace: Trace) -> None:
    _stopped(sim, trace)
    _service(sim, trace, ServiceAction.START, E.SERVICE_STARTED)
    assert trace.types() == [E.VM_STARTED, E.VM_STARTED, E.SERVICE_STARTED]
    assert trace.at(E.VM_STARTED).service is S.SERVICE_STARTING_STATE
    state = sim.get("dep")
    assert state.state is S.SERVICE_ACTIVE_STATE
    assert {v.state for v in state.vms} == {V.VM_ALIVE_STATE}


def test_service_reboot(sim: Simulator, trace: Trace) -> None:
    deployed(sim, trace, TWO)
    _service(sim, trace, ServiceAction.REBOOT, E.SERVICE_REBOOTED)
    assert trace.types() == [E.VM_REBOOTED, E.VM_REBOOTED, E.SERVICE_REBOOTED]
    assert trace.at(E.VM_REBOOTED).service is S.SERVICE_REBOOTING_STATE
    assert sim.get("dep").state is S.SERVICE_ACTIVE_STATE


def test_starting_a_running_service_is_rejected(sim: Simulator, trace: Trace) -> None:
    deployed(sim, trace, TWO)
    with pytest.raises(SimError) as err:
        sim.service_action("admin", "dep", service_operation_xml(ServiceAction.START),
                           NO_CALLBACKS)
    assert err.value.status == 409


def test_failed_service_action_puts_the_service_in_error(sim: Simulator, trace: Trace) -> None:
    deployed(sim, trace, TWO)
    sim.faults.add_from_json({"step": "service_action", "effect": "fail"})
    _service(sim, trace, ServiceAction.REBOOT, E.SERVICE_REBOOTED)
    assert [e.status for e in trace.events()] == [EventStatus.FAILURE] * 2
    assert sim.get("dep").state is S.SERVICE_ERROR_STATE


@pytest.mark.parametrize(
    "attempt",
    [
        lambda sim, vm: sim.update("dep", xml(spec("dep", group(min_active=3, max_active=3))),
                                   NO_CALLBACKS),
        lambda sim, vm: sim.service_action("admin", "dep",
                                           service_operation_xml(ServiceAction.REBOOT),
                                           NO_CALLBACKS),
        lambda sim, vm: sim.service_action("admin", "dep",
                                           service_operation_xml(ServiceAction.STOP),
                                           NO_CALLBACKS),
        lambda sim, vm: sim.vm_action("admin", vm, vm_operation_xml(VmAction.START),
                                      NO_CALLBACKS),
        lambda sim, vm: sim.migrate("admin", vm, migrate_operation_xml(
            MigrateRequest(MigrationType.COLD)), NO_CALLBACKS),
        lambda sim, vm: sim.recover("admin", vm, recovery_operation_xml(RecoveryAction.DEFAULT),
                                    NO_CALLBACKS),
    ],
    ids=["scale", "reboot", "stop", "vm-start", "migrate", "recover"],
)
def test_a_stopped_service_refuses_everything_but_undeploy_and_start(
    sim: Simulator, trace: Trace, attempt: object
) -> None:
    _stopped(sim, trace)
    vm = sim.get("dep").vms[0].name
    with pytest.raises(SimError) as err:
        attempt(sim, vm)  # type: ignore[operator]
    assert err.value.status == 409
    assert trace.types() == []
    sim.undeploy("admin", "dep", NO_CALLBACKS)
    trace.wait_for(E.SERVICE_UNDEPLOYED)


def test_a_stopped_service_still_takes_snapshots(sim: Simulator, trace: Trace) -> None:
    _stopped(sim, trace)
    vm = sim.get("dep").vms[0].name
    sim.create_snapshot("admin", vm, snapshot_request_json("backup"), NO_CALLBACKS)
    trace.wait_for(E.VM_BACKUP_COMPLETE)
    assert trace.events(E.VM_BACKUP_COMPLETE)[0].succeeded


@pytest.mark.parametrize(
    ("action", "event", "state"),
    [
        (VmAction.STOP, E.VM_STOPPED, V.VM_SHUTOFF_STATE),
        (VmAction.REBOOT, E.VM_REBOOTED, V.VM_ALIVE_STATE),
    ],
)
def test_vm_stop_and_reboot(sim: Simulator, trace: Trace, action: VmAction, event: EventType,
                            state: VmStateName) -> None:
    deployed(sim, trace, TWO)
    vm = _vm(sim, trace, action, event)
    assert trace.types() == [event]
    assert sim.get("dep").vm(vm).state is state  # type: ignore[union-attr]
    assert sim.get("dep").state is S.SERVICE_ACTIVE_STATE


def test_vm_start_after_vm_stop(sim: Simulator, trace: Trace) -> None:
    deployed(sim, trace, TWO)
    vm = _vm(sim, trace, VmAction.STOP, E.VM_STOPPED)
    _vm(sim, trace, VmAction.START, E.VM_STARTED)
    assert trace.types() == [E.VM_STOPPED, E.VM_STARTED]
    assert sim.get("dep").vm(vm).state is V.VM_ALIVE_STATE  # type: ignore[union-attr]


def test_vm_start_of_a_running_vm_is_rejected(sim: Simulator, trace: Trace) -> None:
    deployed(sim, trace, TWO)
    vm = sim.get("dep").vms[0].name
    with pytest.raises(SimError) as err:
        sim.vm_action("admin", vm, vm_operation_xml(VmAction.START), NO_CALLBACKS)
    assert err.value.status == 409


def test_unknown_vm_is_404(sim: Simulator, trace: Trace) -> None:
    deployed(sim, trace, TWO)
    with pytest.raises(SimError) as err:
        sim.vm_action("admin", "ghost", vm_operation_xml(VmAction.STOP), NO_CALLBACKS)
    assert err.value.status == 404


def test_failed_vm_action_leaves_the_vm_in_error(sim: Simulator, trace: Trace) -> None:
    deployed(sim, trace, TWO)
    sim.faults.add_from_json({"step": "vm_action", "effect": "fail"})
    vm = _vm(sim, trace, VmAction.REBOOT, E.VM_REBOOTED)
    assert trace.events()[0].status is EventStatus.FAILURE
    assert sim.get("dep").vm(vm).state is V.VM_ERROR_STATE  # type: ignore[union-attr]
    assert sim.get("dep").state is S.SERVICE_ERROR_STATE


def _migrate(sim: Simulator, trace: Trace, request: MigrateRequest, final: EventType) -> str:
    vm = sim.get("dep").vms[0]
    sim.migrate("admin", vm.name, migrate_operation_xml(request), NO_CALLBACKS)
    trace.wait_for(final)
    assert sim.wait_idle()
    return vm.host_name or ""


def test_live_migration_moves_the_vm(sim: Simulator, trace: Trace) -> None:
    deployed(sim, trace, TWO)
    before = _migrate(sim, trace, MigrateRequest(MigrationType.LIVE, block_migration=True),
                      E.VM_MIGRATE_COMPLETE)
    assert trace.types() == [E.VM_MIGRATE_INIT, E.VM_MIGRATED, E.VM_MIGRATE_COMPLETE]
    after = sim.get("dep").vms[0]
    assert after.host_name != before
    migrated = trace.events(E.VM_MIGRATED)[0]
    assert migrated.vm_target is not None and migrated.vm_target.host_name == after.host_name
    assert after.state is V.VM_ALIVE_STATE


def test_live_migration_to_a_chosen_host(sim: Simulator, trace: Trace) -> None:
    deployed(sim, trace, TWO)
    _migrate(sim, trace, MigrateRequest(MigrationType.LIVE, host="Host-24"),
             E.VM_MIGRATE_COMPLETE)
    assert sim.get("dep").vms[0].host_name == "Host-24"


@pytest.mark.parametrize(
    ("action", "events", "moved"),
    [
        (VmAction.CONFIRM_RESIZE,
         [E.VM_CONFIRM_RESIZE_INIT, E.VM_CONFIRM_RESIZE_COMPLETE, E.VM_ALIVE], True),
        (VmAction.REVERT_RESIZE,
         [E.VM_REVERT_RESIZE_INIT, E.VM_REVERT_RESIZE_COMPLETE, E.VM_ALIVE], False),
    ],
)
def test_cold_migration_waits_for_confirm_or_revert(
    sim: Simulator, trace: Trace, action: VmAction, events: list[EventType], moved: bool
) -> None:
    deployed(sim, trace, TWO)
    before = _migrate(sim, trace, MigrateRequest(MigrationType.COLD), E.VM_VERIFY_RESIZE)
    assert trace.types() == [E.VM_MIGRATE_INIT, E.VM_MIGRATED, E.VM_VERIFY_RESIZE]
    assert sim.get("dep").vms[0].vim_state is VimVmState.VERIFY_RESIZE
    trace.clear()
    _vm(sim, trace, action, E.VM_ALIVE)
    assert trace.types() == events
    vm = sim.get("dep").vms[0]
    assert (vm.host_name != before) is moved
    assert vm.vim_state is VimVmState.ACTIVE and vm.state is V.VM_ALIVE_STATE


def test_block_migration_is_for_live_migration_only(sim: Simulator, trace: Trace) -> None:
    deployed(sim, trace, TWO)
    vm = sim.get("dep").vms[0].name
    bad = MigrateRequest(MigrationType.COLD, block_migration=True)
    with pytest.raises(SimError) as err:
        sim.migrate("admin", vm, migrate_operation_xml(bad), NO_CALLBACKS)
    assert err.value.status == 400


def test_failed_migration_keeps_the_vm_where_it_was(sim: Simulator, trace: Trace) -> None:
    deployed(sim, trace, TWO)
    sim.faults.add_from_json({"step": "migrate", "effect": "fail"})
    before = _migrate(sim, trace, MigrateRequest(MigrationType.LIVE), E.VM_MIGRATE_COMPLETE)
    assert [(e.event_type, e.status) for e in trace.events()] == [
        (E.VM_MIGRATE_INIT, EventStatus.SUCCESS),
        (E.VM_MIGRATED, EventStatus.FAILURE),
        (E.VM_MIGRATE_COMPLETE, EventStatus.FAILURE),
    ]
    assert sim.get("dep").vms[0].host_name == before


def _recover(sim: Simulator, trace: Trace, action: RecoveryAction) -> str:
    vm = sim.get("dep").vms[0].name
    sim.recover("admin", vm, recovery_operation_xml(action), NO_CALLBACKS)
    trace.wait_for(E.VM_RECOVERY_COMPLETE)
    assert sim.wait_idle()
    return vm


@pytest.mark.parametrize("action", [RecoveryAction.DEFAULT, RecoveryAction.REBOOT_ONLY])
def test_recovery_by_reboot(sim: Simulator, trace: Trace, action: RecoveryAction) -> None:
    deployed(sim, trace, TWO)
    _recover(sim, trace, action)
    assert trace.types() == [E.VM_RECOVERY_INIT, E.VM_RECOVERY_REBOOT, E.VM_RECOVERY_COMPLETE]
    assert all(e.succeeded for e in trace.events())


def test_recovery_by_redeploy_gives_a_new_server_under_the_same_name(
    sim: Simulator, trace: Trace
) -> None:
    deployed(sim, trace, TWO)
    old_id = sim.get("dep").vms[0].vm_id
    vm = _recover(sim, trace, RecoveryAction.REDEPLOY_ONLY)
    assert trace.types() == [E.VM_RECOVERY_INIT, E.VM_RECOVERY_UNDEPLOYED,
                             E.VM_RECOVERY_DEPLOYED, E.VM_RECOVERY_COMPLETE]
    after = sim.get("dep").vm(vm)
    assert after is not None and after.vm_id != old_id
    assert after.state is V.VM_ALIVE_STATE


def test_failed_recovery_then_successful_recovery(sim: Simulator, trace: Trace) -> None:
    deployed(sim, trace, TWO)
    sim.faults.add_from_json({"step": "recovery", "effect": "fail"})
    _recover(sim, trace, RecoveryAction.DEFAULT)
    assert trace.events(E.VM_RECOVERY_COMPLETE)[0].status is EventStatus.FAILURE
    assert sim.get("dep").state is S.SERVICE_ERROR_STATE
    assert sim.get("dep").vms[0].state is V.VM_ERROR_STATE
    trace.clear()
    _recover(sim, trace, RecoveryAction.DEFAULT)
    assert trace.events(E.VM_RECOVERY_COMPLETE)[0].succeeded
    assert sim.get("dep").state is S.SERVICE_ACTIVE_STATE
