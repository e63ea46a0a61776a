"""Builders and a tracer shared by the simulator and client tests."""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace

from vnfm.escsim.notifier import CallbackTargets
from vnfm.escsim.simulator import Simulator
from vnfm.southbound.esc.datamodel import build_datamodel
from vnfm.southbound.types import (
    DeploymentSpec,
    EscEvent,
    EventType,
    InterfaceSpec,
    KpiSpec,
    RuleSpec,
    ScalingSpec,
    ServiceState,
    VmGroupSpec,
    VmStateName,
)

NO_CALLBACKS = CallbackTargets()


def group(name: str = "g1", *, min_active: int = 1, max_active: int = 1,
          bootup_time: int = 30, **changes: object) -> VmGroupSpec:
    base = VmGroupSpec(
        name=name,
        image="SolTest-Cirros-Image",
        flavor="SolTest-Cirros-Flavor",
        bootup_time=bootup_time,
        interfaces=(InterfaceSpec(0, "SolTest-Network"),),
        scaling=ScalingSpec(min_active, max_active),
        kpis=(KpiSpec("VM_ALIVE"),),
        rules=(RuleSpec("VM_ALIVE", ("ALWAYS log", "FALSE recover autohealing")),),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def spec(name: str = "dep", *groups: VmGroupSpec, tenant: str = "admin") -> DeploymentSpec:
    return DeploymentSpec(tenant=tenant, name=name, vm_groups=groups or (group(),))


def with_group(s: DeploymentSpec, name: str, **changes: object) -> DeploymentSpec:
    groups = tuple(replace(g, **changes) if g.name == name else g  # type: ignore[arg-type]
                   for g in s.vm_groups)
    return replace(s, vm_groups=groups)


def xml(s: DeploymentSpec) -> bytes:
    return build_datamodel(s)


@dataclass(frozen=True)
class Seen:
    """An event and the states the simulator was in when it was sent."""

    event: EscEvent
    service: ServiceState | None
    vms: dict[str, VmStateName]


class Trace:
    """Records every event a Simulator sends, with the deployment's states at that moment."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.seen: list[Seen] = []
        self._cond = threading.Condition()
        original = sim.notifier.send

        def send(event: EscEvent, targets: CallbackTargets) -> None:
            with sim.lock:
                dep = sim.deployments.get(event.deployment_name or "")
                service = dep.state if dep else None
                vms = {vm.name: vm.state for vm in dep.vms} if dep else {}
            original(event, targets)
            with self._cond:
                self.seen.append(Seen(event, service, vms))
                self._cond.notify_all()

        sim.notifier.send = send  # type: ignore[method-assign]

    def types(self) -> list[EventType]:
        with self._cond:
            return [s.event.event_type for s in self.seen]

    def events(self, event_type: EventType | None = None) -> list[EscEvent]:
        with self._cond:
            return [s.event for s in self.seen
                    if event_type is None or s.event.event_type is event_type]

    def at(self, event_type: EventType, index: int = 0) -> Seen:
        with self._cond:
            return [s for s in self.seen if s.event.event_type is event_type][index]

    def wait_for(self, event_type: EventType, count: int = 1, timeout: float = 10.0) -> None:
        def enough() -> bool:
            return sum(s.event.event_type is event_type for s in self.seen) >= count

        with self._cond:
            if not self._cond.wait_for(enough, timeout):
                raise TimeoutError(f"{event_type} x{count} not seen; saw "
                                   f"{[s.event.event_type for s in self.seen]}")

    def clear(self) -> None:
        with self._cond:
            self.seen.clear()


def deployed(sim: Simulator, trace: Trace, s: DeploymentSpec) -> None:
    """Deploy ``s`` and wait until it is alive."""
    sim.deploy(s.tenant, s.name, xml(s), NO_CALLBACKS)
    trace.wait_for(EventType.SERVICE_ALIVE)
    assert sim.wait_idle()
    trace.clear()
