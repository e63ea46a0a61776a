"""The simulator's background workflows: state transitions and events in the seeds' order.

Each function runs in its own thread once :class:`~vnfm.escsim.simulator.Simulator`
accepted a request.  State changes happen under the simulator's lock; events are sent
after it is released, one at a time, so a receiver sees them in order.  A workflow
checks :attr:`Run.active` before each step, so an undeploy (or the simulator stopping)
cuts it short.

Orders (seed 000 tables 3-4, seed 002, seed 003):

* deploy: VM_DEPLOYED per VM, VM_ALIVE per VM after its ``bootup_time``, SERVICE_ALIVE
* undeploy: VM_UNDEPLOYED per VM, SERVICE_UNDEPLOYED
* update: [unset monitors] VM_UPDATED per changed VM, VM_UNDEPLOYED/VM_DEPLOYED+VM_ALIVE
  for removed/added groups, VM_SCALE_OUT_INIT/DEPLOYED/(VM_ALIVE)/COMPLETE per added
  VM, VM_SCALE_IN_INIT/COMPLETE per removed VM, SERVICE_UPDATED, VM_VERIFY_RESIZE for
  a resized VM, [VM_SET_MONITOR_STATUS per VM, SVC_SET_MONITOR_STATUS]
* service stop/start/reboot: VM_STOPPED/VM_STARTED/VM_REBOOTED per VM, then
  SERVICE_STOPPED/SERVICE_STARTED/SERVICE_REBOOTED
* confirm/revert: VM_CONFIRM_RESIZE_INIT/COMPLETE (or REVERT), VM_ALIVE
* migrate: VM_MIGRATE_INIT, VM_MIGRATED, then VM_MIGRATE_COMPLETE (live) or
  VM_VERIFY_RESIZE (cold, to be confirmed or reverted)
* snapshot: VM_BACKUP_INIT, VM_BACKUP_CREATED, VM_BACKUP_COMPLETE; delete:
  VM_SNAPSHOT_DELETING, VM_SNAPSHOT_DELETED; volume: VM_VOLUME_ACCEPTED_EVENT,
  VM_VOLUME_CREATED_EVENT
* recovery: VM_RECOVERY_INIT, VM_RECOVERY_REBOOT or VM_RECOVERY_UNDEPLOYED +
  VM_RECOVERY_DEPLOYED, VM_RECOVERY_COMPLETE

Failures (from faults) follow the seeds: the failing step's event carries FAILURE and
status code 500, the VM goes to VM_ERROR_STATE and the service to SERVICE_ERROR_STATE
(seed 000), except a failed update, which ESC refuses before touching the VMs, so the
service keeps its state (and seed 003's monitors are set back on the previous agent).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from vnfm.escsim.errors import SimError
from vnfm.escsim.faults import Step
from vnfm.escsim.model import UNMONITORED, SimDeployment, SimSnapshot, SimVm
from vnfm.escsim.naming import host_id, new_uuid, vm_name
from vnfm.southbound.esc.operations import MigrateRequest, VolumeRequest
from vnfm.southbound.types import (
    DeploymentSpec,
    EventType,
    MigrationType,
    MonitorStatus,
    RecoveryAction,
    ServiceAction,
    ServiceState,
    VimVmState,
    VmAction,
    VmGroupSpec,
    VmInterface,
    VmRef,
    VmStateName,
)

if TYPE_CHECKING:
    from vnfm.escsim.simulator import Run

VIM_ID = "default_openstack_vim"

S = ServiceState
V = VmStateName
E = EventType


def agent_of(group: VmGroupSpec) -> str | None:
    return next(iter(group.monitoring_agent.values()), None)


# ----------------------------------------------------------------------------- helpers


def _new_vm(run: Run, group: VmGroupSpec) -> SimVm:
    """Create (under the lock) a VM of ``group`` in VM_DEPLOYING_STATE."""
    dep = run.dep
    assert dep is not None
    host = run.sim.alloc.host()
    vm = SimVm(
        name=vm_name(dep.name, group.name, dep.take_index(group.name)),
        vm_id=new_uuid(),
        group=group.name,
        index=dep.next_index[group.name] - 1,
        flavor=group.flavor,
        image=group.image,
        host=host,
        host_id=host_id(dep.tenant_id, host),
        state=V.VM_DEPLOYING_STATE,
        interfaces=_interfaces(run, group),
    )
    dep.vms.append(vm)
    return vm


def _interfaces(run: Run, group: VmGroupSpec, keep: list[VmInterface] | None = None
                ) -> list[VmInterface]:
    existing = {(i.nicid, i.network): i for i in keep or []}
    result = []
    for nic in group.interfaces:
        old = existing.get((nic.nicid, nic.network))
        if old is not None and (nic.ip_address is None or nic.ip_address == old.ip_address):
            result.append(old)
            continue
        result.append(
            VmInterface(
                nicid=nic.nicid,
                network=nic.network,
                ip_address=nic.ip_address or run.sim.alloc.ip(nic.network),
                mac_address=run.sim.alloc.mac(),
                port_id=new_uuid(),
            )
        )
    return result


def _deployed(vm: SimVm, group: VmGroupSpec) -> None:
    """The VIM built the server and ESC applied its KPI monitor: alive once booted."""
    vm.vim_state = VimVmState.ACTIVE
    vm.state = V.VM_INERT_STATE
    vm.monitor = MonitorStatus.SET
    vm.agent = agent_of(group)


def _alive(vm: SimVm) -> None:
    vm.state = V.VM_ALIVE_STATE
    vm.vim_state = VimVmState.ACTIVE
    vm.monitor = MonitorStatus.SET


def _broken(vm: SimVm) -> None:
    vm.state = V.VM_ERROR_STATE
    vm.vim_state = VimVmState.ERROR


def _boot_order(run: Run, vms: list[SimVm]) -> list[tuple[float, SimVm]]:
    return sorted(((run.boot_time(vm.group), vm) for vm in vms), key=lambda p: p[0])


def _bring_alive(run: Run, vms: list[SimVm]) -> list[SimVm]:
    """Wait each VM's boot time, mark it alive and send VM_ALIVE; return the ones that
    never came alive (a ``vm_alive`` fault)."""
    lock = run.sim.lock
    failed: list[SimVm] = []
    waited = 0.0
    for boot, vm in _boot_order(run, vms):
        if not run.pause(boot - waited):
            return failed
        waited = max(waited, boot)
        never = run.failure(Step.VM_ALIVE, vm.name, vm.group)
        with lock:
            if not run.active:
                return failed
            if never:
                _broken(vm)
                failed.append(vm)
                continue
            _alive(vm)
        run.emit(E.VM_ALIVE, vm, message="VM is alive.")
    return failed


# ----------------------------------------------------------------------------- deploy


def deploy(run: Run) -> None:
    dep = run.dep
    assert dep is not None
    lock = run.sim.lock
    with lock:
        if not run.active:
            return
        dep.state = S.SERVICE_DEPLOYING_STATE
    fail = run.failure(Step.DEPLOY)
    deployed: list[SimVm] = []
    for group in dep.spec.vm_groups:
        for _ in range(group.scaling.min_active):
            with lock:
                if not run.active:
                    return
                vm = _new_vm(run, group)
                if fail:
                    _broken(vm)
                    dep.state = S.SERVICE_ERROR_STATE
                else:
                    _deployed(vm, group)
            if fail:
                run.emit(E.VM_DEPLOYED, vm, ok=False,
                         message=f"VM deployment failed: {vm.name}.")
                run.emit(E.SERVICE_ALIVE, ok=False, final=True,
                         message=f"Service deployment failed: VM {vm.name} not deployed.")
                return
            deployed.append(vm)
            run.emit(E.VM_DEPLOYED, vm, message="VM deployed.")
    with lock:
        if not run.active:
            return
        dep.state = S.SERVICE_INERT_STATE
    failed = _bring_alive(run, deployed)
    with lock:
        if not run.active:
            return
        dep.state = S.SERVICE_ERROR_STATE if failed else S.SERVICE_ACTIVE_STATE
    if failed:
        names = ", ".join(vm.name for vm in failed)
        run.emit(E.SERVICE_ALIVE, ok=False, final=True,
                 message=f"Service deployment failed: VM(s) {names} never became alive.")
    else:
        run.emit(E.SERVICE_ALIVE, message="Service deployed; all VMs are alive.", final=True)


def undeploy(run: Run) -> None:
    dep = run.dep
    assert dep is not None
    lock = run.sim.lock
    with lock:
        if not run.active:
            return
        dep.state = S.SERVICE_UNDEPLOYING_STATE
    fail = run.failure(Step.UNDEPLOY)
    for vm in list(dep.vms):
        with lock:
            if not run.active:
                return
            if fail:
                _broken(vm)
                dep.state = S.SERVICE_ERROR_STATE
            else:
                vm.state = V.VM_UNDEPLOYING_STATE
                dep.vms.remove(vm)
        if fail:
            run.emit(E.VM_UNDEPLOYED, vm, ok=False, message=f"VM undeploy failed: {vm.name}.")
            run.emit(E.SERVICE_UNDEPLOYED, ok=False, message="Service undeploy failed.",
                     final=True)
            return
        run.emit(E.VM_UNDEPLOYED, vm, message="VM undeployed.")
    with lock:
        if not run.active:
            return
        if run.sim.deployments.get(dep.name) is dep:
            del run.sim.deployments[dep.name]
    run.emit(E.SERVICE_UNDEPLOYED, message="Service undeployed.", final=True)


# ----------------------------------------------------------------------------- update


@dataclass
class UpdatePlan:
    """What a service update changes, worked out before it is accepted."""

    empty: bool = True
    changed_groups: set[str] = field(default_factory=set)
    resized: dict[str, tuple[str, str]] = field(default_factory=dict)
    scale_out: dict[str, int] = field(default_factory=dict)
    scale_in: dict[str, int] = field(default_factory=dict)
    agent_groups: set[str] = field(default_factory=set)
    new_agents: dict[str, dict[str, str]] = field(default_factory=dict)
    added_groups: list[VmGroupSpec] = field(default_factory=list)
    removed_groups: list[str] = field(default_factory=list)

    @classmethod
    def between(cls, dep: SimDeployment, new: DeploymentSpec) -> UpdatePlan:
        plan = cls(empty=new == dep.spec)
        old_names = {g.name for g in dep.spec.vm_groups}
        new_names = {g.name for g in new.vm_groups}
        plan.removed_groups = [g for g in (x.name for x in dep.spec.vm_groups)
                               if g not in new_names]
        plan.added_groups = [g for g in new.vm_groups if g.name not in old_names]
        for g in new.vm_groups:
            old = dep.spec.vm_group(g.name)
            if old is None:
                continue
            if g.flavor != old.flavor:
                plan.resized[g.name] = (old.flavor, g.flavor)
            if g.monitoring_agent != old.monitoring_agent:
                plan.agent_groups.add(g.name)
                plan.new_agents[g.name] = dict(g.monitoring_agent)
            rest_old = _without(old, "flavor", "scaling", "monitoring_agent")
            rest_new = _without(g, "flavor", "scaling", "monitoring_agent")
            if rest_old != rest_new:
                plan.changed_groups.add(g.name)
            count = len(dep.vms_of(g.name))
            if count < g.scaling.min_active:
                plan.scale_out[g.name] = g.scaling.min_active - count
            elif count > g.scaling.max_active:
                plan.scale_in[g.name] = count - g.scaling.max_active
        return plan


def _without(group: VmGroupSpec, *names: str) -> dict[str, object]:
    return {k: v for k, v in vars(group).items() if k not in names}


def _resize(vm: SimVm, old_flavor: str, new_flavor: str) -> None:
    """ESC stops monitoring, the VIM resizes and waits in VERIFY_RESIZE (seed 002)."""
    vm.revert_flavor = old_flavor
    vm.flavor = new_flavor
    vm.vim_state = VimVmState.VERIFY_RESIZE
    vm.state = V.VM_MONITOR_DISABLED_STATE
    vm.monitor = MonitorStatus.DISABLED


def _set_monitors(
    run: Run, vms: list[SimVm], agents: dict[str, str | None], finish: Callable[[], None]
) -> None:
    """Set monitors on ``vms`` (seed 003): VM_SET_MONITOR_STATUS each, then
    SVC_SET_MONITOR_STATUS.  After a VM fails, the other VMs with the same agent are
    skipped and left unset.  ``finish`` runs under the lock before the last event, so
    whoever reacts to that event already sees the final states."""
    lock = run.sim.lock
    failed_agents: set[str | None] = set()
    ok_count = 0
    for vm in vms:
        agent = agents.get(vm.group)
        if agent in failed_agents:
            continue  # skipped, stays VM_MONITOR_UNSET_STATE
        fail = run.failure(Step.SET_MONITOR, vm.name, vm.group)
        with lock:
            if not run.active:
                return
            if not fail:
                vm.agent = agent
                if vm.vim_state is VimVmState.VERIFY_RESIZE:
                    # A VM waiting for its resize confirm stays unmonitored until then.
                    vm.state = V.VM_MONITOR_DISABLED_STATE
                    vm.monitor = MonitorStatus.DISABLED
                else:
                    _alive(vm)
        if fail:
            failed_agents.add(agent)
            run.emit(E.VM_SET_MONITOR_STATUS, vm, ok=False,
                     message=f"Adding rules to monitoring agent {agent or 'local'} failed.")
        else:
            ok_count += 1
            run.emit(E.VM_SET_MONITOR_STATUS, vm,
                     message=f"Monitor set on agent {agent or 'local'}.")
    with lock:
        if not run.active:
            return
        finish()
    if not failed_agents:
        run.emit(E.SVC_SET_MONITOR_STATUS, message="Monitor set on all VMs.", final=True)
    else:
        outcome = "partial failure" if ok_count else "failure"
        run.emit(E.SVC_SET_MONITOR_STATUS, ok=False, final=True,
                 message=f"Set monitor ended in {outcome}.")


def update(run: Run, spec: DeploymentSpec, plan: UpdatePlan) -> None:  # noqa: C901
    dep = run.dep
    assert dep is not None
    lock = run.sim.lock
    with lock:
        if not run.active:
            return
        before = dep.state
        dep.state = S.SERVICE_UPDATING_STATE
        old_agents = {g: agent_of(dep.group(g)) for g in plan.agent_groups}
        monitored = [vm for vm in dep.vms if vm.group in plan.agent_groups]
    # Seed 003 step 1: unset the monitors on the current agent.  Its failure is silent.
    if monitored:
        unset_failed = run.failure(Step.UNSET_MONITOR)
        with lock:
            for vm in monitored:
                vm.state = V.VM_MONITOR_UNSET_STATE
                if not unset_failed:
                    vm.monitor = MonitorStatus.UNSET
    failed = run.failure(Step.UPDATE) or (bool(plan.resized) and run.failure(Step.RESIZE))
    if failed:
        def restore() -> None:
            dep.state = before
            if monitored:
                dep.settle()

        with lock:
            if not run.active:
                return
            if not monitored:
                restore()
        run.emit(E.SERVICE_UPDATED, ok=False, message="Service update failed.",
                 final=not monitored)
        if monitored:  # put the monitors back on the previous agent (seed 003)
            _set_monitors(run, monitored, old_agents, restore)
        return
    with lock:
        if not run.active:
            return
        for g in plan.agent_groups:
            dep.previous_agents[g] = dict(dep.group(g).monitoring_agent)
        dep.spec = spec
        updated = [vm for vm in dep.vms if vm.group in plan.changed_groups | plan.agent_groups]
        for vm in updated:
            vm.interfaces = _interfaces(run, dep.group(vm.group), vm.interfaces)
        removed = [vm for vm in dep.vms if vm.group in plan.removed_groups]
        for vm in removed:
            dep.vms.remove(vm)
    for vm in updated:
        run.emit(E.VM_UPDATED, vm, message="VM updated.")
    for vm in removed:
        run.emit(E.VM_UNDEPLOYED, vm, message="VM undeployed: its group was removed.")
    added: list[SimVm] = []
    for group in plan.added_groups:
        for _ in range(group.scaling.min_active):
            with lock:
                if not run.active:
                    return
                vm = _new_vm(run, group)
                _deployed(vm, group)
            added.append(vm)
            run.emit(E.VM_DEPLOYED, vm, message="VM deployed.")
    _bring_alive(run, added)
    for name, count in plan.scale_out.items():
        group = spec.vm_group(name)
        assert group is not None
        for _ in range(count):
            with lock:
                if not run.active:
                    return
                vm = _new_vm(run, group)
            run.emit(E.VM_SCALE_OUT_INIT, vm, message="Scale out started.")
            with lock:
                _deployed(vm, group)
            run.emit(E.VM_SCALE_OUT_DEPLOYED, vm, message="VM deployed by scale out.")
            _bring_alive(run, [vm])
            run.emit(E.VM_SCALE_OUT_COMPLETE, vm, message="Scale out complete.")
    for name, count in plan.scale_in.items():
        for _ in range(count):
            with lock:
                if not run.active:
                    return
                vm = max(dep.vms_of(name), key=lambda v: v.index)  # newest goes first
                vm.state = V.VM_UNDEPLOYING_STATE
            run.emit(E.VM_SCALE_IN_INIT, vm, message="Scale in started.")
            with lock:
                dep.vms.remove(vm)
            run.emit(E.VM_SCALE_IN_COMPLETE, vm, message="Scale in complete.")
    resized = []
    with lock:
        if not run.active:
            return
        for name, (old_flavor, new_flavor) in plan.resized.items():
            # VMs this update created already have the new flavor; a scale in may have
            # removed the group's only VM, leaving nothing to resize.
            for vm in [v for v in dep.vms_of(name) if v.flavor != new_flavor]:
                _resize(vm, old_flavor, new_flavor)
                resized.append(vm)
        if not monitored:
            dep.settle()  # with monitors to set, the service stays updating until they are
    run.emit(E.SERVICE_UPDATED, message="Service update completed.",
             final=not monitored and not resized)
    for vm in resized:
        run.emit(E.VM_VERIFY_RESIZE, vm, message="VM resize request processed.",
                 vm_state=VimVmState.VERIFY_RESIZE.value,
                 final=not monitored and vm is resized[-1])
    if monitored:
        new_agents = {g: agent_of(dep.group(g)) for g in plan.agent_groups}
        _set_monitors(run, [vm for vm in monitored if vm in dep.vms], new_agents, dep.settle)


# ----------------------------------------------------------------------------- actions

_SERVICE_FLOW = {
    ServiceAction.STOP: (S.SERVICE_STOPPING_STATE, V.VM_STOPPING_STATE, E.VM_STOPPED,
                         E.SERVICE_STOPPED, S.SERVICE_STOPPED_STATE),
    ServiceAction.START: (S.SERVICE_STARTING_STATE, V.VM_STARTING_STATE, E.VM_STARTED,
                          E.SERVICE_STARTED, S.SERVICE_ACTIVE_STATE),
    ServiceAction.REBOOT: (S.SERVICE_REBOOTING_STATE, V.VM_REBOOTING_STATE, E.VM_REBOOTED,
                           E.SERVICE_REBOOTED, S.SERVICE_ACTIVE_STATE),
}


def _stopped(vm: SimVm) -> None:
    vm.state = V.VM_SHUTOFF_STATE
    vm.vim_state = VimVmState.SHUTOFF
    vm.monitor = MonitorStatus.DISABLED


def service_action(run: Run, action: ServiceAction) -> None:
    dep = run.dep
    assert dep is not None
    lock = run.sim.lock
    transient, vm_transient, vm_event, svc_event, final = _SERVICE_FLOW[action]
    with lock:
        if not run.active:
            return
        dep.state = transient
    fail = run.failure(Step.SERVICE_ACTION)
    for vm in list(dep.vms):
        with lock:
            if not run.active:
                return
            vm.state = vm_transient
        if action is not ServiceAction.STOP and not run.pause(run.boot_time(vm.group)):
            return
        with lock:
            if not run.active:
                return
            if fail:
                _broken(vm)
                dep.state = S.SERVICE_ERROR_STATE
            elif action is ServiceAction.STOP:
                _stopped(vm)
            else:
                _alive(vm)
        if fail:
            run.emit(vm_event, vm, ok=False, message=f"{action.value} of VM failed.")
            run.emit(svc_event, ok=False, message=f"Service {action.value} failed.",
                     final=True)
            return
        run.emit(vm_event, vm, message=f"VM {action.value} completed.")
    with lock:
        if not run.active:
            return
        dep.state = final
    run.emit(svc_event, message=f"Service {action.value} completed.", final=True)


def check_vm_action(vm: SimVm, action: VmAction) -> None:
    """Refuse (409) a VM action its current state does not allow."""
    verify = vm.vim_state is VimVmState.VERIFY_RESIZE
    if action in (VmAction.CONFIRM_RESIZE, VmAction.REVERT_RESIZE):
        if not verify:
            raise SimError(409, f"VM [{vm.name}] has no resize or migration to "
                                f"{action.value.split('_')[0]}.")
        return
    if verify:
        raise SimError(409, f"VM [{vm.name}] awaits confirm or revert of its resize.")
    allowed = {
        VmAction.STOP: {V.VM_ALIVE_STATE, V.VM_INERT_STATE, V.VM_ERROR_STATE,
                        V.VM_MONITOR_DISABLED_STATE},
        VmAction.START: {V.VM_SHUTOFF_STATE},
        VmAction.REBOOT: {V.VM_ALIVE_STATE, V.VM_INERT_STATE, V.VM_ERROR_STATE,
                          V.VM_MONITOR_DISABLED_STATE},
        VmAction.ENABLE_MONITOR: UNMONITORED,
        VmAction.DISABLE_MONITOR: {V.VM_ALIVE_STATE, V.VM_INERT_STATE},
    }[action]
    if vm.state not in allowed:
        raise SimError(409, f"VM [{vm.name}] in {vm.state} does not accept {action.value}.")


def vm_action(run: Run, vm: SimVm, action: VmAction) -> None:  # noqa: C901
    dep = run.dep
    assert dep is not None
    lock = run.sim.lock
    step = {VmAction.ENABLE_MONITOR: Step.SET_MONITOR,
            VmAction.DISABLE_MONITOR: Step.UNSET_MONITOR}.get(action, Step.VM_ACTION)
    fail = run.failure(step, vm.name) or (
        step is not Step.VM_ACTION and run.failure(Step.VM_ACTION, vm.name))
    if action in (VmAction.CONFIRM_RESIZE, VmAction.REVERT_RESIZE):
        confirm = action is VmAction.CONFIRM_RESIZE
        init, done = ((E.VM_CONFIRM_RESIZE_INIT, E.VM_CONFIRM_RESIZE_COMPLETE) if confirm
                      else (E.VM_REVERT_RESIZE_INIT, E.VM_REVERT_RESIZE_COMPLETE))
        run.emit(init, vm, message=f"{action.value} accepted by the VIM.")
        with lock:
            if not run.active:
                return
            if fail:
                _broken(vm)
            else:
                if not confirm:
                    if vm.revert_flavor is not None:
                        vm.flavor = vm.revert_flavor
                        dep.spec = _with_flavor(dep.spec, vm.group, vm.revert_flavor)
                    if vm.revert_host is not None:
                        vm.host, vm.host_id = vm.revert_host
                vm.revert_flavor = vm.revert_host = None
                _alive(vm)
            dep.settle()
        if fail:
            run.emit(done, vm, ok=False, message=f"{action.value} failed in the VIM.",
                     final=True)
            return
        run.emit(done, vm, message=f"{action.value} completed.")
        run.emit(E.VM_ALIVE, vm, message="VM is alive and monitored.", final=True)
        return
    if action in (VmAction.ENABLE_MONITOR, VmAction.DISABLE_MONITOR):
        enable = action is VmAction.ENABLE_MONITOR
        with lock:
            if not run.active:
                return
            if not fail:
                if enable:
                    _alive(vm)
                    vm.agent = agent_of(dep.group(vm.group))
                else:
                    vm.state = V.VM_MONITOR_DISABLED_STATE
                    vm.monitor = MonitorStatus.DISABLED
            dep.settle()
        verb = "enable" if enable else "disable"
        run.emit(E.VM_SET_MONITOR_STATUS, vm, ok=not fail,
                 message=f"Monitor {verb} {'failed' if fail else 'completed'}.",
                 vm_state=vm.state.value, final=True)
        return
    transient, final_event = {
        VmAction.STOP: (V.VM_STOPPING_STATE, E.VM_STOPPED),
        VmAction.START: (V.VM_STARTING_STATE, E.VM_STARTED),
        VmAction.REBOOT: (V.VM_REBOOTING_STATE, E.VM_REBOOTED),
    }[action]
    with lock:
        if not run.active:
            return
        vm.state = transient
    if action is not VmAction.STOP and not run.pause(run.boot_time(vm.group)):
        return
    with lock:
        if not run.active:
            return
        if fail:
            _broken(vm)
        elif action is VmAction.STOP:
            _stopped(vm)
        else:
            _alive(vm)
        dep.settle()
    run.emit(final_event, vm, ok=not fail, final=True,
             message=f"VM {action.value} {'failed' if fail else 'completed'}.")


def _with_flavor(spec: DeploymentSpec, group: str, flavor: str) -> DeploymentSpec:
    groups = tuple(replace(g, flavor=flavor) if g.name == group else g for g in spec.vm_groups)
    return replace(spec, vm_groups=groups)


def migrate(run: Run, vm: SimVm, request: MigrateRequest) -> None:
    dep = run.dep
    assert dep is not None
    lock = run.sim.lock
    fail = run.failure(Step.MIGRATE, vm.name)
    run.emit(E.VM_MIGRATE_INIT, vm, message=f"{request.migration_type.value} migration started.")
    with lock:
        if not run.active:
            return
        old = (vm.host, vm.host_id)
        if not fail:
            new_host = request.host or run.sim.alloc.host(avoid=vm.host)
            vm.host, vm.host_id = new_host, host_id(dep.tenant_id, new_host)
        target = VmRef(vm_name=vm.name, vm_id=vm.vm_id, host_name=vm.host, host_id=vm.host_id)
    live = request.migration_type is MigrationType.LIVE
    if fail:
        run.emit(E.VM_MIGRATED, vm, ok=False, message="Migration failed in the VIM.",
                 final=not live)
        if live:
            run.emit(E.VM_MIGRATE_COMPLETE, vm, ok=False, message="Migration failed.",
                     final=True)
        return
    run.emit(E.VM_MIGRATED, vm, target=target, message=f"VM moved to host {vm.host}.")
    if live:
        run.emit(E.VM_MIGRATE_COMPLETE, vm, message="Live migration complete.", final=True)
        return
    with lock:
        if not run.active:
            return
        vm.revert_host = old
        vm.vim_state = VimVmState.VERIFY_RESIZE
        vm.state = V.VM_MONITOR_DISABLED_STATE
        vm.monitor = MonitorStatus.DISABLED
    run.emit(E.VM_VERIFY_RESIZE, vm, message="Cold migration awaits confirm or revert.",
             vm_state=VimVmState.VERIFY_RESIZE.value, final=True)


def recover(run: Run, vm: SimVm, action: RecoveryAction) -> None:
    dep = run.dep
    assert dep is not None
    lock = run.sim.lock
    fail = run.failure(Step.RECOVERY, vm.name)
    run.emit(E.VM_RECOVERY_INIT, vm, message=f"Recovery ({action.value}) started.")
    if fail:
        with lock:
            if not run.active:
                return
            _broken(vm)
            dep.settle()
        run.emit(E.VM_RECOVERY_COMPLETE, vm, ok=False, message="VM recovery failed.",
                 final=True)
        return
    if action is RecoveryAction.REDEPLOY_ONLY:
        with lock:
            if not run.active:
                return
            vm.state = V.VM_UNDEPLOYING_STATE
        run.emit(E.VM_RECOVERY_UNDEPLOYED, vm, message="VM undeployed for recovery.")
        with lock:
            if not run.active:
                return
            group = dep.group(vm.group)
            host = run.sim.alloc.host(avoid=vm.host)
            vm.vm_id = new_uuid()  # a new server in the VIM; ESC keeps the VM's name
            vm.host, vm.host_id = host, host_id(dep.tenant_id, host)
            vm.image, vm.flavor = group.image, group.flavor
            vm.state = V.VM_DEPLOYING_STATE
            _deployed(vm, group)
        run.emit(E.VM_RECOVERY_DEPLOYED, vm, message="VM redeployed for recovery.")
    else:
        with lock:
            vm.state = V.VM_REBOOTING_STATE
    if not run.pause(run.boot_time(vm.group)):
        return
    with lock:
        if not run.active:
            return
        _alive(vm)
        dep.settle()
    if action is not RecoveryAction.REDEPLOY_ONLY:
        run.emit(E.VM_RECOVERY_REBOOT, vm, message="VM rebooted for recovery.")
    run.emit(E.VM_RECOVERY_COMPLETE, vm, message="VM recovered.", final=True)


# ----------------------------------------------------------------------------- snapshots


def _now() -> str:
    return datetime.now(UTC).isoformat()


def snapshot(run: Run, vm: SimVm, snap: SimSnapshot) -> None:
    lock = run.sim.lock
    params = {"snapshot_id": snap.id, "snapshot_name": snap.name}
    fail = run.failure(Step.SNAPSHOT, vm.name, snap.name)
    run.emit(E.VM_BACKUP_INIT, vm, message="Snapshot request validated.", parameters=params)
    if fail:
        with lock:
            snap.status = "error"
            snap.status_message = f"Snapshot of VM [{vm.name}] failed."
            snap.creation_end_date = _now()
        run.emit(E.VM_BACKUP_COMPLETE, vm, ok=False, message=snap.status_message,
                 parameters=params)
        return
    run.emit(E.VM_BACKUP_CREATED, vm, code=202, message="Snapshot request accepted by the VIM.",
             parameters=params)
    with lock:
        snap.status = "active"
        snap.status_message = f"Snapshot image for VM [{vm.name}] is active."
        snap.creation_end_date = _now()
        # The simulator's VMs boot from volume, so every snapshot has a volume snapshot.
        snap.volume_snapshot_id = new_uuid()
        params["volume_snapshot_id"] = snap.volume_snapshot_id
    run.emit(E.VM_BACKUP_COMPLETE, vm, message=snap.status_message, parameters=params)


def delete_snapshot(run: Run, snap: SimSnapshot) -> None:
    lock = run.sim.lock
    params = {"snapshot_id": snap.id, "snapshot_name": snap.name}
    fail = run.failure(Step.SNAPSHOT_DELETE, snap.id, snap.name, snap.deployment)
    run.emit(E.VM_SNAPSHOT_DELETING, snapshot=snap, message="Snapshot delete submitted.",
             parameters=params)
    with lock:
        if fail:
            snap.status = "error"
            snap.status_message = f"Snapshot image [{snap.id}] could not be deleted."
        else:
            run.sim.snapshots.pop(snap.id, None)
    if fail:
        run.emit(E.VM_SNAPSHOT_DELETED, snapshot=snap, ok=False, message=snap.status_message,
                 parameters=params)
    else:
        run.emit(E.VM_SNAPSHOT_DELETED, snapshot=snap, parameters=params,
                 message=f"Snapshot image [{snap.id}] has been deleted.")


def create_volume(run: Run, snap: SimSnapshot, request: VolumeRequest) -> None:
    fail = run.failure(Step.VOLUME, snap.id, snap.name)
    params = {"snapshot_id": snap.id, "name": request.name,
              "bootable": str(request.bootable).lower(),
              "multiattach": str(request.multiattach).lower()}
    if request.volume_type:
        params["type"] = request.volume_type
    run.emit(E.VM_VOLUME_ACCEPTED_EVENT, code=202, message="Create volume request accepted.",
             parameters=params)
    if fail:
        run.emit(E.VM_VOLUME_CREATED_EVENT, ok=False, message="Create volume request failed.",
                 parameters=params)
        return
    params["external_volume_id"] = new_uuid()
    run.emit(E.VM_VOLUME_CREATED_EVENT, code=201, message="Create volume request completed.",
             parameters=params)
