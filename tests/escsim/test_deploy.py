"""Deploy and undeploy against seed 000 (tables 1-3) and the naming the seeds show."""

from __future__ import annotations

import re

import pytest

from tests.escsim.helpers import NO_CALLBACKS, Trace, deployed, group, spec, xml
from vnfm.escsim.errors import SimError
from vnfm.escsim.simulator import Simulator
from vnfm.southbound.types import (
    EventStatus,
    EventType,
    InterfaceSpec,
    MonitorStatus,
    ServiceState,
    VimVmState,
    VmStateName,
)

E = EventType
S = ServiceState
V = VmStateName
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def test_deploy_sends_vm_deployed_then_vm_alive_per_vm_then_service_alive(
    sim: Simulator, trace: Trace
) -> None:
    s = spec("dep", group("g1", min_active=2, max_active=2), group("g2"))
    sim.deploy("admin", "dep", xml(s), NO_CALLBACKS)
    trace.wait_for(E.SERVICE_ALIVE)
    assert trace.types() == [E.VM_DEPLOYED] * 3 + [E.VM_ALIVE] * 3 + [E.SERVICE_ALIVE]
    assert all(e.status is EventStatus.SUCCESS and e.status_code == 200 for e in trace.events())
    assert {e.vm_group for e in trace.events(E.VM_DEPLOYED)} == {"g1", "g2"}


def test_deploy_moves_service_deploying_inert_active_and_vms_inert_then_alive(
    sim: Simulator, trace: Trace
) -> None:
    sim.deploy("admin", "dep", xml(spec()), NO_CALLBACKS)
    trace.wait_for(E.SERVICE_ALIVE)
    first = trace.at(E.VM_DEPLOYED)
    assert first.service is S.SERVICE_DEPLOYING_STATE
    assert list(first.vms.values()) == [V.VM_INERT_STATE]
    alive = trace.at(E.VM_ALIVE)
    assert alive.service is S.SERVICE_INERT_STATE
    assert list(alive.vms.values()) == [V.VM_ALIVE_STATE]
    assert trace.at(E.SERVICE_ALIVE).service is S.SERVICE_ACTIVE_STATE
    state = sim.get("dep")
    assert state.state is S.SERVICE_ACTIVE_STATE
    assert state.vms[0].vim_state is VimVmState.ACTIVE
    assert state.vms[0].monitor_status is MonitorStatus.SET


def test_generated_names_ids_hosts_and_addresses_look_like_escs(
    sim: Simulator, trace: Trace
) -> None:
    s = spec("new-deployment-name", group("new-group", min_active=2, max_active=2,
                                            interfaces=(InterfaceSpec(0, "net-a"),
                                                        InterfaceSpec(1, "net-b", "172.16.0.9"))))
    deployed(sim, trace, s)
    vms = sim.get("new-deployment-name").vms
    for index, vm in enumerate(vms):
        assert re.fullmatch(rf"new-deployment-n_new-gr_{index}_{UUID}", vm.name)
        assert re.fullmatch(UUID, vm.vm_id)
        assert re.fullmatch(r"[0-9a-f]{56}", vm.host_id or "")
        assert vm.interfaces[1].ip_address == "172.16.0.9"
        assert (vm.interfaces[0].mac_address or "").startswith("fa:16:3e:")
    assert vms[0].interfaces[0].ip_address != vms[1].interfaces[0].ip_address
    assert re.fullmatch(UUID, sim.get("new-deployment-name").deployment_id)


def test_events_carry_deployment_tenant_group_and_vm_source(
    sim: Simulator, trace: Trace
) -> None:
    deployed(sim, trace, spec("dep", group("g1"), tenant="t1"))
    sim.undeploy("t1", "dep", NO_CALLBACKS)
    trace.wait_for(E.SERVICE_UNDEPLOYED)
    event = trace.events(E.VM_UNDEPLOYED)[0]
    assert event.deployment_name == "dep"
    assert event.tenant == "t1"
    assert event.vm_group == "g1"
    assert event.vm_source is not None and event.vm_source.vm_name is not None
    assert event.vm_source.host_name is not None
    assert event.transaction_id is not None


def test_vm_stays_inert_until_its_bootup_time_has_passed() -> None:
    sim = Simulator(boot_time_factor=1.0)  # bootup_time 30 s: far beyond this test
    trace = Trace(sim)
    try:
        sim.deploy("admin", "dep", xml(spec()), NO_CALLBACKS)
        trace.wait_for(E.VM_DEPLOYED)
        with sim.lock:
            assert sim.deployments["dep"].vms[0].state is V.VM_INERT_STATE
        assert E.VM_ALIVE not in trace.types()
    finally:
        sim.stop()


def test_boot_time_is_bootup_time_times_factor() -> None:
    from vnfm.escsim.simulator import Run

    sim = Simulator(boot_time_factor=0.25)
    sim.deploy("admin", "dep", xml(spec("dep", group("g1", bootup_time=8))), NO_CALLBACKS)
    try:
        run = Run(sim, sim.deployments["dep"], NO_CALLBACKS, "probe")
        assert run.boot_time("g1") == 2.0
    finally:
        sim.stop()


def test_existing_deployment_name_is_rejected_so_a_retry_makes_no_duplicate(
    sim: Simulator, trace: Trace
) -> None:
    deployed(sim, trace, spec())
    with pytest.raises(SimError) as err:
        sim.deploy("admin", "dep", xml(spec()), NO_CALLBACKS)
    assert err.value.status == 409
    assert len(sim.get("dep").vms) == 1
    assert trace.types() == []


@pytest.mark.parametrize(
    ("s", "url_tenant", "fragment"),
    [
        (spec("dep", group(min_active=3, max_active=2)), "admin", "min_active 3 is greater"),
        (spec("d" * 256), "admin", "255"),
        (spec("dep"), "other", "differ"),
    ],
)
def test_invalid_deploy_requests_are_rejected_with_400(
    sim: Simulator, s: object, url_tenant: str, fragment: str
) -> None:
    with pytest.raises(SimError) as err:
        sim.deploy(url_tenant, s.name, xml(s), NO_CALLBACKS)  # type: ignore[attr-defined]
    assert err.value.status == 400
    assert fragment in err.value.message
    assert sim.deployments == {}


def test_malformed_deployment_xml_is_rejected_with_400(sim: Simulator) -> None:
    with pytest.raises(SimError) as err:
        sim.deploy("admin", "dep", b"<esc_datamodel><tenants>", NO_CALLBACKS)
    assert err.value.status == 400


def test_deploy_failure_sends_failed_vm_deployed_and_service_alive(
    sim: Simulator, trace: Trace
) -> None:
    sim.faults.add_from_json({"step": "deploy", "effect": "fail", "target": "dep",
                              "message": "no valid host"})
    sim.deploy("admin", "dep", xml(spec()), NO_CALLBACKS)
    trace.wait_for(E.SERVICE_ALIVE)
    assert trace.types() == [E.VM_DEPLOYED, E.SERVICE_ALIVE]
    for event in trace.events():
        assert event.status is EventStatus.FAILURE and event.status_code == 500
    state = sim.get("dep")
    assert state.state is S.SERVICE_ERROR_STATE
    assert state.vms[0].state is V.VM_ERROR_STATE


def test_vm_that_never_comes_alive_fails_the_service(sim: Simulator, trace: Trace) -> None:
    sim.faults.add_from_json({"step": "vm_alive", "effect": "fail"})
    sim.deploy("admin", "dep", xml(spec("dep", group(min_active=2, max_active=2))),
               NO_CALLBACKS)
    trace.wait_for(E.SERVICE_ALIVE)
    assert trace.types() == [E.VM_DEPLOYED, E.VM_DEPLOYED, E.VM_ALIVE, E.SERVICE_ALIVE]
    final = trace.events(E.SERVICE_ALIVE)[0]
    assert final.status is EventStatus.FAILURE
    assert "never became alive" in final.status_message
    assert sorted(v.state for v in sim.get("dep").vms) == sorted(
        [V.VM_ALIVE_STATE, V.VM_ERROR_STATE])
    assert sim.get("dep").state is S.SERVICE_ERROR_STATE


def test_undeploy_sends_vm_undeployed_per_vm_then_service_undeployed(
    sim: Simulator, trace: Trace
) -> None:
    deployed(sim, trace, spec("dep", group(min_active=2, max_active=2)))
    sim.undeploy("admin", "dep", NO_CALLBACKS)
    trace.wait_for(E.SERVICE_UNDEPLOYED)
    assert trace.types() == [E.VM_UNDEPLOYED, E.VM_UNDEPLOYED, E.SERVICE_UNDEPLOYED]
    assert trace.at(E.VM_UNDEPLOYED).service is S.SERVICE_UNDEPLOYING_STATE
    with pytest.raises(SimError) as err:
        sim.get("dep")
    assert err.value.status == 404


@pytest.mark.parametrize(("tenant", "name"), [("admin", "nope"), ("other", "dep")])
def test_undeploy_of_unknown_deployment_is_404(
    sim: Simulator, trace: Trace, tenant: str, name: str
) -> None:
    deployed(sim, trace, spec())
    with pytest.raises(SimError) as err:
        sim.undeploy(tenant, name, NO_CALLBACKS)
    assert err.value.status == 404


def test_failed_undeploy_keeps_the_deployment_in_error_and_can_be_retried(
    sim: Simulator, trace: Trace
) -> None:
    deployed(sim, trace, spec())
    sim.faults.add_from_json({"step": "undeploy", "effect": "fail"})
    sim.undeploy("admin", "dep", NO_CALLBACKS)
    trace.wait_for(E.SERVICE_UNDEPLOYED)
    assert [e.status for e in trace.events()] == [EventStatus.FAILURE] * 2
    assert sim.get("dep").state is S.SERVICE_ERROR_STATE
    assert sim.wait_idle()
    sim.undeploy("admin", "dep", NO_CALLBACKS)
    trace.wait_for(E.SERVICE_UNDEPLOYED, count=2)
    assert trace.events(E.SERVICE_UNDEPLOYED)[1].status is EventStatus.SUCCESS
    assert "dep" not in sim.deployments


def test_undeploy_interrupts_a_deployment_still_booting() -> None:
    sim = Simulator(boot_time_factor=1.0)
    trace = Trace(sim)
    try:
        sim.deploy("admin", "dep", xml(spec()), NO_CALLBACKS)
        trace.wait_for(E.VM_DEPLOYED)
        sim.undeploy("admin", "dep", NO_CALLBACKS)
        trace.wait_for(E.SERVICE_UNDEPLOYED)
        assert sim.wait_idle(5.0)
        assert E.SERVICE_ALIVE not in trace.types()
        assert "dep" not in sim.deployments
    finally:
        sim.stop()


def test_a_busy_deployment_refuses_everything_but_undeploy() -> None:
    sim = Simulator(boot_time_factor=1.0)
    trace = Trace(sim)
    try:
        s = spec()
        sim.deploy("admin", "dep", xml(s), NO_CALLBACKS)
        trace.wait_for(E.VM_DEPLOYED)
        with pytest.raises(SimError) as err:
            sim.update("dep", xml(spec("dep", group(min_active=1, max_active=2))),
                       NO_CALLBACKS)
        assert err.value.status == 409
        assert "busy" in err.value.message
    finally:
        sim.stop()
