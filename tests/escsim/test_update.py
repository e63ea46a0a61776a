"""Service update: scale out/in (seed 000 table 3, seed 002 min/max), resize (seed 002)
and the update rules."""

from __future__ import annotations

import pytest

from tests.escsim.helpers import NO_CALLBACKS, Trace, deployed, group, spec, with_group, xml
from vnfm.escsim.errors import SimError
from vnfm.escsim.simulator import Simulator
from vnfm.southbound.esc.operations import recovery_operation_xml, vm_operation_xml
from vnfm.southbound.types import (
    EventStatus,
    EventType,
    InterfaceSpec,
    RecoveryAction,
    ServiceState,
    VimVmState,
    VmAction,
    VmStateName,
)

E = EventType
S = ServiceState
V = VmStateName


def _update(sim: Simulator, trace: Trace, s: object, until: EventType = E.SERVICE_UPDATED
            ) -> None:
    sim.update("dep", xml(s), NO_CALLBACKS)  # type: ignore[arg-type]
    trace.wait_for(until)
    assert sim.wait_idle()


def _rejected(sim: Simulator, s: object) -> SimError:
    with pytest.raises(SimError) as err:
        sim.update("dep", xml(s), NO_CALLBACKS)  # type: ignore[arg-type]
    return err.value


def test_update_with_nothing_to_change_is_rejected(sim: Simulator, trace: Trace) -> None:
    s = spec()
    deployed(sim, trace, s)
    err = _rejected(sim, s)
    assert err.status == 400 and "nothing to update" in err.message


def test_update_of_unknown_deployment_is_404(sim: Simulator) -> None:
    with pytest.raises(SimError) as err:
        sim.update("dep", xml(spec()), NO_CALLBACKS)
    assert err.value.status == 404


def test_raising_min_active_scales_out(sim: Simulator, trace: Trace) -> None:
    s = spec("dep", group(min_active=1, max_active=3))
    deployed(sim, trace, s)
    _update(sim, trace, with_group(s, "g1", scaling=group(min_active=2, max_active=3).scaling))
    assert trace.types() == [E.VM_SCALE_OUT_INIT, E.VM_SCALE_OUT_DEPLOYED, E.VM_ALIVE,
                             E.VM_SCALE_OUT_COMPLETE, E.SERVICE_UPDATED]
    assert trace.at(E.VM_SCALE_OUT_INIT).service is S.SERVICE_UPDATING_STATE
    state = sim.get("dep")
    assert len(state.vms) == 2 and state.state is S.SERVICE_ACTIVE_STATE
    assert all(v.state is V.VM_ALIVE_STATE for v in state.vms)
    assert trace.events(E.VM_SCALE_OUT_COMPLETE)[0].vm_name == state.vms[1].name


def test_lowering_max_active_scales_in_the_newest_vm(sim: Simulator, trace: Trace) -> None:
    s = spec("dep", group(min_active=3, max_active=3))
    deployed(sim, trace, s)
    newest = sim.get("dep").vms[2].name
    _update(sim, trace, with_group(s, "g1", scaling=group(min_active=1, max_active=2).scaling))
    assert trace.types() == [E.VM_SCALE_IN_INIT, E.VM_SCALE_IN_COMPLETE, E.SERVICE_UPDATED]
    assert trace.events(E.VM_SCALE_IN_COMPLETE)[0].vm_name == newest
    assert newest not in [v.name for v in sim.get("dep").vms]
    assert len(sim.get("dep").vms) == 2


def test_scaling_limits_that_keep_the_count_change_nothing_but_the_model(
    sim: Simulator, trace: Trace
) -> None:
    s = spec("dep", group(min_active=1, max_active=1))
    deployed(sim, trace, s)
    _update(sim, trace, with_group(s, "g1", scaling=group(min_active=1, max_active=4).scaling))
    assert trace.types() == [E.SERVICE_UPDATED]
    assert len(sim.get("dep").vms) == 1


def test_min_above_max_in_an_update_is_rejected(sim: Simulator, trace: Trace) -> None:
    s = spec()
    deployed(sim, trace, s)
    err = _rejected(sim, with_group(s, "g1", scaling=group(min_active=3, max_active=2).scaling))
    assert err.status == 400 and "greater than max_active" in err.message


def test_image_change_updates_the_model_and_vms_keep_running_the_old_image(
    sim: Simulator, trace: Trace
) -> None:
    s = spec()
    deployed(sim, trace, s)
    _update(sim, trace, with_group(s, "g1", image="snapshot-image"))
    assert trace.types() == [E.VM_UPDATED, E.SERVICE_UPDATED]
    assert trace.at(E.VM_UPDATED).service is S.SERVICE_UPDATING_STATE
    vm = sim.get("dep").vms[0]
    assert vm.image == "SolTest-Cirros-Image"  # seed 002: new image on next redeploy
    trace.clear()
    sim.recover("admin", vm.name, recovery_operation_xml(RecoveryAction.REDEPLOY_ONLY),
                NO_CALLBACKS)
    trace.wait_for(E.VM_RECOVERY_COMPLETE)
    assert sim.get("dep").vms[0].image == "snapshot-image"


def test_added_interface_reaches_the_running_vms(sim: Simulator, trace: Trace) -> None:
    s = spec()
    deployed(sim, trace, s)
    nics = (InterfaceSpec(0, "SolTest-Network"), InterfaceSpec(1, "oam", "192.168.9.9"))
    _update(sim, trace, with_group(s, "g1", interfaces=nics))
    assert trace.types() == [E.VM_UPDATED, E.SERVICE_UPDATED]
    assert [i.ip_address for i in sim.get("dep").vms[0].interfaces][1] == "192.168.9.9"


def test_groups_can_be_added_and_removed(sim: Simulator, trace: Trace) -> None:
    s = spec("dep", group("g1"), group("g2"))
    deployed(sim, trace, s)
    new = spec("dep", group("g1"), group("g3"))
    _update(sim, trace, new)
    assert trace.types() == [E.VM_UNDEPLOYED, E.VM_DEPLOYED, E.VM_ALIVE, E.SERVICE_UPDATED]
    assert sorted(v.vm_group for v in sim.get("dep").vms) == ["g1", "g3"]


def test_flavor_change_resizes_and_waits_in_verify_resize(sim: Simulator, trace: Trace) -> None:
    s = spec()
    deployed(sim, trace, s)
    _update(sim, trace, with_group(s, "g1", flavor="SolTest-Cirros-Flavor-v2"),
            until=E.VM_VERIFY_RESIZE)
    assert trace.types() == [E.SERVICE_UPDATED, E.VM_VERIFY_RESIZE]
    assert trace.events(E.VM_VERIFY_RESIZE)[0].vm_state == "VERIFY_RESIZE"
    vm = sim.get("dep").vms[0]
    assert vm.vim_state is VimVmState.VERIFY_RESIZE
    assert vm.state is V.VM_MONITOR_DISABLED_STATE  # ESC stops monitoring while resizing
    assert vm.flavor == "SolTest-Cirros-Flavor-v2"


@pytest.mark.parametrize(
    ("action", "events", "flavor"),
    [
        (VmAction.CONFIRM_RESIZE,
         [E.VM_CONFIRM_RESIZE_INIT, E.VM_CONFIRM_RESIZE_COMPLETE, E.VM_ALIVE], "v2"),
        (VmAction.REVERT_RESIZE,
         [E.VM_REVERT_RESIZE_INIT, E.VM_REVERT_RESIZE_COMPLETE, E.VM_ALIVE],
         "SolTest-Cirros-Flavor"),
    ],
)
def test_confirm_or_revert_resize_returns_the_vm_to_active(
    sim: Simulator, trace: Trace, action: VmAction, events: list[EventType], flavor: str
) -> None:
    s = spec()
    deployed(sim, trace, s)
    _update(sim, trace, with_group(s, "g1", flavor="v2"), until=E.VM_VERIFY_RESIZE)
    trace.clear()
    vm = sim.get("dep").vms[0].name
    sim.vm_action("admin", vm, vm_operation_xml(action), NO_CALLBACKS)
    trace.wait_for(E.VM_ALIVE)
    assert trace.types() == events
    after = sim.get("dep")
    assert after.vms[0].vim_state is VimVmState.ACTIVE
    assert after.vms[0].state is V.VM_ALIVE_STATE
    assert after.vms[0].flavor == flavor
    assert after.state is S.SERVICE_ACTIVE_STATE
    # After a revert the model has the old flavor again, so v2 is a change once more.
    assert sim.deployments["dep"].spec.vm_groups[0].flavor == flavor


def test_resize_of_a_group_with_more_than_one_vm_is_rejected(
    sim: Simulator, trace: Trace
) -> None:
    s = spec("dep", group(min_active=2, max_active=2))
    deployed(sim, trace, s)
    err = _rejected(sim, with_group(s, "g1", flavor="v2"))
    assert err.status == 400 and "single VM" in err.message


def test_update_while_a_resize_awaits_confirmation_is_rejected(
    sim: Simulator, trace: Trace
) -> None:
    s = spec()
    deployed(sim, trace, s)
    resized = with_group(s, "g1", flavor="v2")
    _update(sim, trace, resized, until=E.VM_VERIFY_RESIZE)
    err = _rejected(sim, with_group(resized, "g1", image="other"))
    assert err.status == 409


def test_confirm_without_a_pending_resize_is_rejected(sim: Simulator, trace: Trace) -> None:
    deployed(sim, trace, spec())
    vm = sim.get("dep").vms[0].name
    with pytest.raises(SimError) as err:
        sim.vm_action("admin", vm, vm_operation_xml(VmAction.CONFIRM_RESIZE), NO_CALLBACKS)
    assert err.value.status == 409


def test_injected_update_rejection_answers_the_error_and_changes_nothing(
    sim: Simulator, trace: Trace
) -> None:
    s = spec("dep", group(min_active=1, max_active=2))
    deployed(sim, trace, s)
    sim.faults.add_from_json({"step": "update", "effect": "reject", "status": 422,
                              "message": "flavor not found in VIM"})
    err = _rejected(sim, with_group(s, "g1", scaling=group(min_active=2, max_active=2).scaling))
    assert (err.status, err.message) == (422, "flavor not found in VIM")
    assert len(sim.get("dep").vms) == 1 and trace.types() == []


def test_failed_update_reports_failure_and_keeps_the_model(sim: Simulator, trace: Trace) -> None:
    s = spec("dep", group(min_active=1, max_active=2))
    deployed(sim, trace, s)
    sim.faults.add_from_json({"step": "update", "effect": "fail"})
    _update(sim, trace, with_group(s, "g1", scaling=group(min_active=2, max_active=2).scaling))
    assert trace.types() == [E.SERVICE_UPDATED]
    assert trace.events()[0].status is EventStatus.FAILURE
    assert len(sim.get("dep").vms) == 1
    assert sim.get("dep").state is S.SERVICE_ACTIVE_STATE
    assert sim.deployments["dep"].spec == s


def test_failed_resize_reports_a_failed_service_update(sim: Simulator, trace: Trace) -> None:
    s = spec()
    deployed(sim, trace, s)
    sim.faults.add_from_json({"step": "resize", "effect": "fail"})
    _update(sim, trace, with_group(s, "g1", flavor="v2"))
    assert [(e.event_type, e.status) for e in trace.events()] == [
        (E.SERVICE_UPDATED, EventStatus.FAILURE)]
    assert sim.get("dep").vms[0].flavor == "SolTest-Cirros-Flavor"


def test_injected_resize_rejection_only_hits_flavor_changes(
    sim: Simulator, trace: Trace
) -> None:
    s = spec()
    deployed(sim, trace, s)
    sim.faults.add_from_json({"step": "resize", "effect": "reject", "mode": "always"})
    _update(sim, trace, with_group(s, "g1", image="other"))  # no resize: accepted
    err = _rejected(sim, with_group(s, "g1", image="other", flavor="v2"))
    assert err.status == 500


def test_flavor_change_with_scale_in_to_zero_has_nothing_to_resize(
    sim: Simulator, trace: Trace
) -> None:
    s = spec()
    deployed(sim, trace, s)
    _update(sim, trace, with_group(s, "g1", flavor="v2", scaling=group(
        min_active=0, max_active=0).scaling))
    assert trace.types() == [E.VM_SCALE_IN_INIT, E.VM_SCALE_IN_COMPLETE, E.SERVICE_UPDATED]
    assert sim.get("dep").state is S.SERVICE_ACTIVE_STATE and sim.get("dep").vms == ()


def test_vms_added_with_a_flavor_change_start_at_the_new_size(
    sim: Simulator, trace: Trace
) -> None:
    s = spec("dep", group(min_active=1, max_active=2))
    deployed(sim, trace, s)
    _update(sim, trace, with_group(s, "g1", flavor="v2", scaling=group(
        min_active=2, max_active=2).scaling), until=E.VM_VERIFY_RESIZE)
    assert len(trace.events(E.VM_VERIFY_RESIZE)) == 1  # only the VM that existed before
    assert {v.flavor for v in sim.get("dep").vms} == {"v2"}
