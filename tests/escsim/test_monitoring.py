"""Monitoring-agent migration as a service update (seed 003) and the monitor VM actions."""

from __future__ import annotations

import pytest

from tests.escsim.helpers import NO_CALLBACKS, Trace, deployed, group, spec, with_group, xml
from vnfm.escsim.errors import SimError
from vnfm.escsim.simulator import Simulator
from vnfm.southbound.esc.operations import vm_operation_xml
from vnfm.southbound.types import (
    EventStatus,
    EventType,
    MonitorStatus,
    ServiceState,
    VmAction,
    VmStateName,
)

E = EventType
S = ServiceState
V = VmStateName
KEY = "monitoring_agent_key"
OLD = {KEY: "dmona://mona1"}
NEW = {KEY: "dmona://mona2"}


def _start(sim: Simulator, trace: Trace, min_active: int = 2) -> object:
    s = spec("dep", group(min_active=min_active, max_active=min_active, monitoring_agent=OLD))
    deployed(sim, trace, s)
    return s


def _migrate(sim: Simulator, trace: Trace, s: object, agent: dict[str, str]) -> object:
    new = with_group(s, "g1", monitoring_agent=agent)  # type: ignore[arg-type]
    sim.update("dep", xml(new), NO_CALLBACKS)
    trace.wait_for(E.SVC_SET_MONITOR_STATUS)
    assert sim.wait_idle()
    return new


def test_deployed_vms_are_monitored_by_the_agent_of_their_group(
    sim: Simulator, trace: Trace
) -> None:
    _start(sim, trace)
    assert {v.monitoring_agent for v in sim.get("dep").vms} == {"dmona://mona1"}


def test_migration_unsets_updates_then_sets_monitors(sim: Simulator, trace: Trace) -> None:
    s = _start(sim, trace)
    _migrate(sim, trace, s, NEW)
    assert trace.types() == [E.VM_UPDATED, E.VM_UPDATED, E.SERVICE_UPDATED,
                             E.VM_SET_MONITOR_STATUS, E.VM_SET_MONITOR_STATUS,
                             E.SVC_SET_MONITOR_STATUS]
    during = trace.at(E.SERVICE_UPDATED)
    assert during.service is S.SERVICE_UPDATING_STATE
    assert set(during.vms.values()) == {V.VM_MONITOR_UNSET_STATE}
    assert all(e.succeeded for e in trace.events())
    state = sim.get("dep")
    assert state.state is S.SERVICE_ACTIVE_STATE
    assert {(v.state, v.monitor_status, v.monitoring_agent) for v in state.vms} == {
        (V.VM_ALIVE_STATE, MonitorStatus.SET, "dmona://mona2")}


def test_unset_monitor_failure_is_silent_and_the_migration_completes(
    sim: Simulator, trace: Trace
) -> None:
    s = _start(sim, trace)
    sim.faults.add_from_json({"step": "unset_monitor", "effect": "fail"})
    _migrate(sim, trace, s, NEW)
    assert all(e.succeeded for e in trace.events())
    assert E.SVC_SET_MONITOR_STATUS in trace.types()
    assert {v.monitoring_agent for v in sim.get("dep").vms} == {"dmona://mona2"}


def test_failed_service_update_sets_monitors_back_on_the_previous_agent(
    sim: Simulator, trace: Trace
) -> None:
    s = _start(sim, trace)
    sim.faults.add_from_json({"step": "update", "effect": "fail"})
    new = _migrate(sim, trace, s, NEW)
    assert [(e.event_type, e.status) for e in trace.events()] == [
        (E.SERVICE_UPDATED, EventStatus.FAILURE),
        (E.VM_SET_MONITOR_STATUS, EventStatus.SUCCESS),
        (E.VM_SET_MONITOR_STATUS, EventStatus.SUCCESS),
        (E.SVC_SET_MONITOR_STATUS, EventStatus.SUCCESS),
    ]
    state = sim.get("dep")
    assert {v.monitoring_agent for v in state.vms} == {"dmona://mona1"}
    assert state.state is S.SERVICE_ACTIVE_STATE
    # Seed 003: the deployment was not updated, so the rollback has nothing to update.
    with pytest.raises(SimError) as err:
        sim.update("dep", xml(s), NO_CALLBACKS)  # type: ignore[arg-type]
    assert err.value.status == 400
    assert new != s


def test_set_monitor_failure_skips_the_agents_other_vms_and_fails_the_service(
    sim: Simulator, trace: Trace
) -> None:
    s = _start(sim, trace, min_active=3)
    sim.faults.add_from_json({"step": "set_monitor", "effect": "fail"})
    _migrate(sim, trace, s, NEW)
    assert [(e.event_type, e.status) for e in trace.events()][-2:] == [
        (E.VM_SET_MONITOR_STATUS, EventStatus.FAILURE),
        (E.SVC_SET_MONITOR_STATUS, EventStatus.FAILURE),
    ]
    assert trace.events(E.SERVICE_UPDATED)[0].succeeded
    assert len(trace.events(E.VM_SET_MONITOR_STATUS)) == 1  # the other two were skipped
    state = sim.get("dep")
    assert {v.state for v in state.vms} == {V.VM_MONITOR_UNSET_STATE}
    assert state.state is S.SERVICE_ERROR_STATE


def test_new_migration_is_rejected_while_monitoring_is_unset(
    sim: Simulator, trace: Trace
) -> None:
    s = _start(sim, trace)
    sim.faults.add_from_json({"step": "set_monitor", "effect": "fail"})
    new = _migrate(sim, trace, s, NEW)
    third = with_group(new, "g1", monitoring_agent={KEY: "dmona://mona3"})  # type: ignore[arg-type]
    with pytest.raises(SimError) as err:
        sim.update("dep", xml(third), NO_CALLBACKS)
    assert err.value.status == 409
    assert "already unset" in err.value.message


def test_rollback_to_the_previous_agent_is_accepted_after_a_set_failure(
    sim: Simulator, trace: Trace
) -> None:
    s = _start(sim, trace)
    sim.faults.add_from_json({"step": "set_monitor", "effect": "fail"})
    _migrate(sim, trace, s, NEW)
    trace.clear()
    _migrate(sim, trace, s, OLD)
    assert all(e.succeeded for e in trace.events())
    state = sim.get("dep")
    assert state.state is S.SERVICE_ACTIVE_STATE
    assert {(v.state, v.monitoring_agent) for v in state.vms} == {
        (V.VM_ALIVE_STATE, "dmona://mona1")}


def test_set_failure_on_one_agent_is_a_partial_failure_when_another_succeeds(
    sim: Simulator, trace: Trace
) -> None:
    s = spec("dep", group("ga", monitoring_agent=OLD), group("gb", monitoring_agent=OLD))
    deployed(sim, trace, s)
    sim.faults.add_from_json({"step": "set_monitor", "effect": "fail", "target": "ga"})
    new = with_group(with_group(s, "ga", monitoring_agent=NEW), "gb",
                     monitoring_agent={KEY: "local"})
    sim.update("dep", xml(new), NO_CALLBACKS)
    trace.wait_for(E.SVC_SET_MONITOR_STATUS)
    final = trace.events(E.SVC_SET_MONITOR_STATUS)[0]
    assert final.status is EventStatus.FAILURE
    assert "partial failure" in final.status_message


def test_disable_then_enable_monitor_on_a_vm(sim: Simulator, trace: Trace) -> None:
    _start(sim, trace, min_active=1)
    vm = sim.get("dep").vms[0].name
    sim.vm_action("admin", vm, vm_operation_xml(VmAction.DISABLE_MONITOR), NO_CALLBACKS)
    trace.wait_for(E.VM_SET_MONITOR_STATUS)
    assert sim.wait_idle()
    assert sim.get("dep").vms[0].state is V.VM_MONITOR_DISABLED_STATE
    assert sim.get("dep").vms[0].monitor_status is MonitorStatus.DISABLED
    sim.vm_action("admin", vm, vm_operation_xml(VmAction.ENABLE_MONITOR), NO_CALLBACKS)
    trace.wait_for(E.VM_SET_MONITOR_STATUS, count=2)
    assert sim.wait_idle()
    assert sim.get("dep").vms[0].state is V.VM_ALIVE_STATE
    assert [e.vm_state for e in trace.events()] == ["VM_MONITOR_DISABLED_STATE",
                                                    "VM_ALIVE_STATE"]


def test_monitoring_cannot_be_enabled_on_a_vm_already_monitored(
    sim: Simulator, trace: Trace
) -> None:
    _start(sim, trace, min_active=1)
    vm = sim.get("dep").vms[0].name
    with pytest.raises(SimError) as err:
        sim.vm_action("admin", vm, vm_operation_xml(VmAction.ENABLE_MONITOR), NO_CALLBACKS)
    assert err.value.status == 409


def test_failed_enable_monitor_reports_failure(sim: Simulator, trace: Trace) -> None:
    _start(sim, trace, min_active=1)
    vm = sim.get("dep").vms[0].name
    sim.vm_action("admin", vm, vm_operation_xml(VmAction.DISABLE_MONITOR), NO_CALLBACKS)
    trace.wait_for(E.VM_SET_MONITOR_STATUS)
    assert sim.wait_idle()
    sim.faults.add_from_json({"step": "set_monitor", "effect": "fail", "target": vm})
    sim.vm_action("admin", vm, vm_operation_xml(VmAction.ENABLE_MONITOR), NO_CALLBACKS)
    trace.wait_for(E.VM_SET_MONITOR_STATUS, count=2)
    assert trace.events()[1].status is EventStatus.FAILURE
    assert sim.get("dep").vms[0].state is V.VM_MONITOR_DISABLED_STATE
