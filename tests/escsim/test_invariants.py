"""Random sequences of requests, faults included: the simulator only ever refuses with a
4xx/5xx SimError, never breaks, and once idle every deployment rests in a stable state."""

from __future__ import annotations

import logging

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from tests.escsim.helpers import NO_CALLBACKS, group, spec, with_group, xml
from vnfm.escsim.errors import SimError
from vnfm.escsim.simulator import Simulator
from vnfm.southbound.esc import operations as ops
from vnfm.southbound.types import (
    MigrationType,
    RecoveryAction,
    ScalingSpec,
    ServiceAction,
    ServiceState,
    VmAction,
    VmStateName,
)

STABLE_SERVICE = {ServiceState.SERVICE_ACTIVE_STATE, ServiceState.SERVICE_ERROR_STATE,
                  ServiceState.SERVICE_STOPPED_STATE}
STABLE_VM = {VmStateName.VM_ALIVE_STATE, VmStateName.VM_ERROR_STATE,
             VmStateName.VM_SHUTOFF_STATE, VmStateName.VM_MONITOR_DISABLED_STATE,
             VmStateName.VM_MONITOR_UNSET_STATE}
NAMES = st.sampled_from(["d1", "d2"])
STEPS = st.sampled_from(["deploy", "vm_alive", "undeploy", "update", "resize", "set_monitor",
                         "unset_monitor", "service_action", "vm_action", "migrate",
                         "recovery", "snapshot"])


class Broken(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


class SimulatorMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.sim = Simulator()
        self.broken = Broken()
        logging.getLogger("vnfm.escsim").addHandler(self.broken)

    def teardown(self) -> None:
        self.sim.stop()
        logging.getLogger("vnfm.escsim").removeHandler(self.broken)

    def _call(self, fn: object, *args: object) -> None:
        try:
            fn(*args)  # type: ignore[operator]
        except SimError as err:
            assert 400 <= err.status <= 599 and err.message
        assert self.sim.wait_idle(10.0)

    def _vm(self, name: str) -> tuple[str, str] | None:
        with self.sim.lock:
            dep = self.sim.deployments.get(name)
            if dep is None or not dep.vms:
                return None
            return dep.tenant, dep.vms[0].name

    @rule(name=NAMES, size=st.integers(0, 2), agent=st.sampled_from(["a", "b"]))
    def deploy(self, name: str, size: int, agent: str) -> None:
        s = spec(name, group(min_active=size, max_active=2, monitoring_agent={"k": agent}))
        self._call(self.sim.deploy, "admin", name, xml(s), NO_CALLBACKS)

    @rule(name=NAMES)
    def undeploy(self, name: str) -> None:
        self._call(self.sim.undeploy, "admin", name, NO_CALLBACKS)

    @rule(name=NAMES, lo=st.integers(0, 3), hi=st.integers(0, 3),
          flavor=st.sampled_from(["f1", "f2"]), agent=st.sampled_from(["a", "b", "c"]))
    def update(self, name: str, lo: int, hi: int, flavor: str, agent: str) -> None:
        s = with_group(spec(name, group()), "g1", scaling=ScalingSpec(lo, hi), flavor=flavor,
                       monitoring_agent={"k": agent})
        self._call(self.sim.update, name, xml(s), NO_CALLBACKS)

    @rule(name=NAMES, action=st.sampled_from(ServiceAction))
    def service_action(self, name: str, action: ServiceAction) -> None:
        self._call(self.sim.service_action, "admin", name, ops.service_operation_xml(action),
                   NO_CALLBACKS)

    @rule(name=NAMES, action=st.sampled_from(VmAction))
    def vm_action(self, name: str, action: VmAction) -> None:
        if (found := self._vm(name)) is not None:
            self._call(self.sim.vm_action, *found, ops.vm_operation_xml(action), NO_CALLBACKS)

    @rule(name=NAMES, kind=st.sampled_from(MigrationType))
    def migrate(self, name: str, kind: MigrationType) -> None:
        if (found := self._vm(name)) is not None:
            body = ops.migrate_operation_xml(ops.MigrateRequest(kind))
            self._call(self.sim.migrate, *found, body, NO_CALLBACKS)

    @rule(name=NAMES, action=st.sampled_from(RecoveryAction))
    def recover(self, name: str, action: RecoveryAction) -> None:
        if (found := self._vm(name)) is not None:
            self._call(self.sim.recover, *found, ops.recovery_operation_xml(action),
                       NO_CALLBACKS)

    @rule(name=NAMES)
    def snapshot(self, name: str) -> None:
        if (found := self._vm(name)) is not None:
            self._call(self.sim.create_snapshot, *found, ops.snapshot_request_json("s"),
                       NO_CALLBACKS)

    @rule(step=STEPS, effect=st.sampled_from(["fail", "reject"]))
    def arm_fault(self, step: str, effect: str) -> None:
        if effect == "reject" and step in ("vm_alive", "set_monitor", "unset_monitor"):
            effect = "fail"
        self.sim.faults.add_from_json({"step": step, "effect": effect})

    @invariant()
    def idle_deployments_rest_in_stable_states(self) -> None:
        with self.sim.lock:
            for dep in self.sim.deployments.values():
                assert dep.busy is None
                assert dep.state in STABLE_SERVICE
                for vm in dep.vms:
                    assert vm.state in STABLE_VM

    @invariant()
    def no_workflow_ever_broke(self) -> None:
        assert self.broken.records == []


@pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")
def test_random_request_sequences_keep_the_simulator_sound() -> None:
    SimulatorMachine.TestCase.settings = settings(
        max_examples=25, stateful_step_count=12, deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    SimulatorMachine.TestCase().runTest()
