"""The migration's steps against a scripted ESC: what is sent, what is waited for, how
failures are tagged, and that a step resumed after a crash does not send twice."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from vnfm.config import Settings
from vnfm.db.models import EscEventRow
from vnfm.engine.runtime import StepContext, StepFailed
from vnfm.lcm import deployment
from vnfm.lcm import monitoring_migration as mm
from vnfm.southbound.adapter import RequestRejected, Unavailable
from vnfm.southbound.types import (
    DeploymentSpec,
    DeploymentState,
    ServiceState,
    VmState,
    VmStateName,
)
from vnfm.vnfd import rules
from vnfm.vnfd.catalog import Catalog

CIRROS = "11111111-1111-4111-8111-111111111111"
KEY = "MONITORING_AGENT"
NAME = "vnf-inst-1"
CATALOG = Catalog.load(None)


@dataclass
class ScriptedEsc:
    """Adapter and event waiter in one: ESC's answers are scripted per request."""

    events: list[EscEventRow] = field(default_factory=list)
    sent: list[tuple[str, Any]] = field(default_factory=list)
    refuse: Exception | None = None
    #: Event (type, status, message, vm) lists appended when a request is sent.
    on_update: list[list[tuple[str, str, str, str | None]]] = field(default_factory=list)
    on_set: list[list[tuple[str, str, str, str | None]]] = field(default_factory=list)
    state: DeploymentState | None = None
    checkpoints_at_send: list[int] = field(default_factory=list)
    checkpoints: int = 0

    # -- adapter
    def update_service(self, spec: DeploymentSpec) -> None:
        self._request("update", spec, self.on_update)

    def set_monitoring(self, tenant: str, vm_name: str) -> None:
        self._request("set", vm_name, self.on_set)

    def get_deployment(self, name: str) -> DeploymentState | None:
        return self.state

    def _request(self, kind: str, what: Any, script: list[list[Any]]) -> None:
        self.checkpoints_at_send.append(self.checkpoints)
        if self.refuse is not None:
            raise self.refuse
        self.sent.append((kind, what))
        for event_type, status, message, vm in script.pop(0) if script else []:
            self.add(event_type, status, message, vm)

    def add(self, event_type: str, status: str = "SUCCESS", message: str = "",
            vm: str | None = None) -> None:
        self.events.append(EscEventRow(
            id=len(self.events) + 1, deployment_name=NAME, event_type=event_type,
            status=status, status_message=message, vm_name=vm))

    # -- waiter
    def watermark(self) -> int:
        return len(self.events)

    def find(self, name: str, types: Any, after: int) -> EscEventRow | None:
        return next((e for e in self.events[after:] if e.event_type in types), None)

    def events_since(self, name: str, after: int) -> list[EscEventRow]:
        return self.events[after:]

    def wait(self, name: str, types: Any, after: int, timeout: float,
             interrupt: Any = None) -> EscEventRow | None:
        return self.find(name, types, after)


def plan(agent: str) -> dict[str, Any]:
    vnfd = CATALOG.get(CIRROS)
    assert vnfd is not None
    flavour = vnfd.flavours["simple"]
    return deployment.make_plan(
        default_network="net", instance_id="inst-1", vnfd=vnfd, flavour=flavour,
        vdu_counts=rules.instances_for_level(flavour), scale_levels={}, level_id=None,
        request={}, tenant="admin", monitoring={KEY: agent}, vim_connection="default",
    )


def context(esc: ScriptedEsc, new: str = "dmona://mona2", step: str = "run:0:x"
            ) -> StepContext:
    catalog = CATALOG

    def checkpoint() -> None:
        esc.checkpoints += 1

    return StepContext(
        op_id="op-1", instance_id="inst-1", operation=mm.OPERATION,
        params={}, data={"plan": plan(new), "previousPlan": plan("dmona://mona1"),
                         "key": KEY, "agent": new},
        vnfd=catalog.get(CIRROS), catalog=catalog, adapter=esc,  # type: ignore[arg-type]
        waiter=esc, settings=Settings(esc_event_timeout=0.1),  # type: ignore[arg-type]
        checkpoint=checkpoint, cancel_requested=lambda: None, step_key=step,
    )


MIGRATED = [("SERVICE_UPDATED", "SUCCESS", "Service update completed.", None),
            ("VM_SET_MONITOR_STATUS", "SUCCESS", "Monitor set.", "vm-1"),
            ("SVC_SET_MONITOR_STATUS", "SUCCESS", "Monitor set on all VMs.", None)]


def agent_of(spec: DeploymentSpec) -> set[str]:
    return {g.monitoring_agent[KEY] for g in spec.vm_groups}


def test_one_update_with_the_new_agent_then_esc_sets_the_monitors() -> None:
    esc = ScriptedEsc(on_update=[MIGRATED])
    ctx = context(esc)
    mm.UpdateService().run(ctx)
    ((kind, spec),) = esc.sent
    assert kind == "update" and agent_of(spec) == {"dmona://mona2"}
    assert esc.checkpoints_at_send == [1]  # the watermark was committed before sending
    assert ctx.data["updated"] is True and ctx.data["monitorsFrom"] == 0
    ctx.step_key = "run:1:set-monitoring"
    mm.SetMonitoring().run(ctx)
    assert "monitorsFrom" not in ctx.data and len(esc.sent) == 1


def test_the_same_agent_sends_nothing() -> None:
    esc = ScriptedEsc()
    ctx = context(esc, new="dmona://mona1")
    mm.UpdateService().run(ctx)
    assert esc.sent == [] and ctx.data["updated"] is False


def test_a_resumed_update_waits_for_its_event_instead_of_sending_again() -> None:
    esc = ScriptedEsc(on_update=[MIGRATED])
    first = context(esc)
    mm.UpdateService().run(first)
    # another process takes over with the data committed before the first one sent
    resumed = context(esc)
    resumed.data.update(marks=dict(first.data["marks"]), requests=dict(first.data["requests"]))
    mm.UpdateService().run(resumed)
    assert len(esc.sent) == 1
    assert resumed.data["updated"] is True


@pytest.mark.parametrize(
    ("refusal", "tag"),
    [(RequestRejected("Monitoring migration rejected: monitoring already unset", 409),
      mm.REJECTED),
     (Unavailable("connection refused"), None)],
)
def test_a_refused_update_fails_with_escs_words(refusal: Exception, tag: str | None) -> None:
    esc = ScriptedEsc(refuse=refusal)
    ctx = context(esc)
    with pytest.raises(StepFailed) as failed:
        mm.UpdateService().run(ctx)
    assert str(refusal) in failed.value.problem["detail"]
    assert ctx.data.get("failure") == tag
    assert ctx.data["marks"] == {}  # a retry takes a new watermark


def test_a_failed_update_waits_for_esc_to_restore_the_monitors() -> None:
    esc = ScriptedEsc(on_update=[[
        ("SERVICE_UPDATED", "FAILURE", "Service update failed.", None),
        ("VM_SET_MONITOR_STATUS", "SUCCESS", "Monitor set on agent dmona://mona1.", "vm-1"),
        ("SVC_SET_MONITOR_STATUS", "SUCCESS", "Monitor set on all VMs.", None)]])
    ctx = context(esc)
    with pytest.raises(StepFailed) as failed:
        mm.UpdateService().run(ctx)
    assert "Service update failed." in failed.value.problem["detail"]
    assert ctx.data["failure"] == mm.UPDATE_FAILED
    assert "updated" not in ctx.data


def test_a_failed_set_is_tagged_and_names_the_vm() -> None:
    esc = ScriptedEsc(on_update=[[
        ("SERVICE_UPDATED", "SUCCESS", "Service update completed.", None),
        ("VM_SET_MONITOR_STATUS", "FAILURE", "Adding rules failed.", "vm-1"),
        ("SVC_SET_MONITOR_STATUS", "FAILURE", "Set monitor ended in failure.", None)]])
    ctx = context(esc)
    mm.UpdateService().run(ctx)
    ctx.step_key = "run:1:set-monitoring"
    with pytest.raises(StepFailed) as failed:
        mm.SetMonitoring().run(ctx)
    detail = failed.value.problem["detail"]
    assert "Set monitor ended in failure." in detail and "vm-1" in detail
    assert ctx.data["failure"] == mm.SET_FAILED and "monitorsFrom" not in ctx.data


def test_a_retried_set_sets_only_the_vms_left_unset() -> None:
    esc = ScriptedEsc(
        on_set=[[("VM_SET_MONITOR_STATUS", "SUCCESS", "Monitor enable completed.", "vm-2")]],
        state=DeploymentState(
            tenant="admin", name=NAME, deployment_id="d", state=ServiceState.SERVICE_ERROR_STATE,
            vms=(VmState(name="vm-1", vm_id="1", vm_group="g", state=VmStateName.VM_ALIVE_STATE),
                 VmState(name="vm-2", vm_id="2", vm_group="g",
                         state=VmStateName.VM_MONITOR_UNSET_STATE))))
    ctx = context(esc, step="run:1:set-monitoring")
    mm.SetMonitoring().run(ctx)
    assert esc.sent == [("set", "vm-2")]


def test_rollback_sends_the_previous_agent_only_after_an_update() -> None:
    esc = ScriptedEsc(on_update=[MIGRATED, MIGRATED])
    ctx = context(esc, step="undo:0:update-service")
    mm.UpdateService().undo(ctx)
    assert esc.sent == []  # nothing went through: ESC is on the previous agent
    ctx.step_key = "run:0:update-service"
    mm.UpdateService().run(ctx)
    ctx.step_key = "undo:0:update-service"
    mm.UpdateService().undo(ctx)
    assert [agent_of(spec) for _kind, spec in esc.sent] == [{"dmona://mona2"}, {"dmona://mona1"}]
    assert ctx.data["updated"] is False and ctx.data["rollbackMonitors"] == "SUCCESS"


def test_a_failed_rollback_is_not_tagged() -> None:
    esc = ScriptedEsc(on_update=[MIGRATED, [
        ("SERVICE_UPDATED", "FAILURE", "Service update failed.", None),
        ("SVC_SET_MONITOR_STATUS", "SUCCESS", "Monitor set on all VMs.", None)]])
    ctx = context(esc)
    mm.UpdateService().run(ctx)
    ctx.data["failure"] = mm.SET_FAILED  # left by the forward attempt
    ctx.step_key = "undo:0:update-service"
    with pytest.raises(StepFailed):
        mm.UpdateService().undo(ctx)
    assert "failure" not in ctx.data  # so the property cannot loop into another rollback
    assert ctx.data["updated"] is True
