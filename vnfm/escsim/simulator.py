"""The simulated ESC: validates requests the way the seeds say ESC does, then runs the
accepted work in the background (:mod:`vnfm.escsim.workflows`).

Rules enforced here, each with the error ESC documents (HTTP status + message):

* unknown deployment, VM or snapshot → 404;
* a deployment name that exists → 409, so a retried deploy never creates a duplicate;
* a stopped service accepts only undeploy (and start, and snapshots of its VMs) → 409;
* a deployment busy with a workflow accepts only undeploy → 409;
* scaling ``min_active`` above ``max_active`` → 400;
* a service update with nothing to change → 400;
* a flavor change (resize) only for a VM group of exactly one VM → 400;
* a monitoring-agent change while any VM is in ``VM_MONITOR_UNSET_STATE`` → 409,
  unless it puts back the agent the last migration replaced (its rollback, seed 003);
* snapshots only of VMs that are alive or stopped → 409; snapshot and volume names
  at most 255 characters → 400; a snapshot named for deletion must be unique → 409;
* a volume only from a snapshot that has a volume snapshot → 400.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from vnfm.escsim import workflows
from vnfm.escsim.errors import SimError
from vnfm.escsim.faults import Effect, FaultRegistry, Step
from vnfm.escsim.model import SimDeployment, SimSnapshot, SimVm
from vnfm.escsim.naming import Allocator, new_uuid, tenant_id
from vnfm.escsim.notifier import CallbackTargets, Notifier
from vnfm.southbound.adapter import ProtocolError
from vnfm.southbound.esc import operations as ops
from vnfm.southbound.esc.datamodel import parse_datamodel
from vnfm.southbound.types import (
    DeploymentSpec,
    DeploymentState,
    EscEvent,
    EventStatus,
    EventType,
    MigrationType,
    ServiceAction,
    ServiceState,
    SnapshotInfo,
    VimVmState,
    VmRef,
    VmStateName,
)

log = logging.getLogger(__name__)

MAX_NAME_LENGTH = ops.MAX_NAME_LENGTH
MAX_VMS_PER_GROUP = 50

T = TypeVar("T")


class Run:
    """One background workflow: its deployment, where its events go, and when to stop."""

    def __init__(
        self,
        sim: Simulator,
        dep: SimDeployment | None,
        targets: CallbackTargets,
        name: str,
        detached: bool = False,
    ) -> None:
        self.sim = sim
        self.dep = dep
        self.targets = targets
        self.name = name
        # A detached run (a snapshot) reports on its deployment without owning it:
        # it neither marks the deployment busy nor stops when an undeploy starts.
        self.detached = detached
        self.transaction_id = new_uuid()
        self.epoch = dep.epoch if dep is not None else 0
        self.fault_message: str | None = None

    @property
    def active(self) -> bool:
        """False once the simulator stops or an undeploy overtook this workflow."""
        if self.sim.stopping.is_set():
            return False
        return self.detached or self.dep is None or self.dep.epoch == self.epoch

    def pause(self, seconds: float) -> bool:
        """Wait ``seconds`` (boot time), waking early if the run is cut short."""
        if seconds > 0:
            with self.sim.wake:
                self.sim.wake.wait_for(lambda: not self.active, timeout=seconds)
        return self.active

    def finish(self) -> None:
        with self.sim.lock:
            dep = self.dep
            if dep is not None and not self.detached and self.active and dep.busy == self.name:
                dep.busy = None

    def boot_time(self, group: str) -> float:
        assert self.dep is not None
        return self.dep.group(group).bootup_time * self.sim.boot_time_factor

    def failure(self, step: Step, *targets: str | None) -> bool:
        """Whether a ``fail`` fault is armed for this step (and consume it).

        The fault's message then rides on this run's FAILURE events, the way ESC
        passes the VIM's reason along, so a test can follow it to the NFVO."""
        names = (self.dep.name if self.dep else None, *targets)
        fault = self.sim.faults.take(step, Effect.FAIL, names)
        if fault is not None:
            self.fault_message = fault.message
        return fault is not None

    def emit(
        self,
        event_type: EventType,
        vm: SimVm | None = None,
        *,
        ok: bool = True,
        code: int | None = None,
        message: str = "",
        vm_state: str | None = None,
        target: VmRef | None = None,
        parameters: dict[str, str] | None = None,
        snapshot: SimSnapshot | None = None,
        final: bool = False,
    ) -> None:
        """Send one event.  ``final`` marks the workflow's last event: the deployment is
        released first, so whoever reacts to that event may send the next request."""
        if final:
            self.finish()
        if not ok and self.fault_message and self.fault_message not in message:
            message = f"{message} Cause: {self.fault_message}".strip()
        dep = self.dep
        source = None
        group = None
        if vm is not None and dep is not None:
            group = vm.group
            source = VmRef(
                vm_name=vm.name, vm_id=vm.vm_id, generated_name=vm.name,
                host_id=vm.host_id, host_name=vm.host, vim_id=workflows.VIM_ID,
                vim_project=dep.tenant, vim_project_id=dep.tenant_id,
            )
        elif snapshot is not None:
            group = snapshot.vm_group
            source = VmRef(vm_name=snapshot.vm_name, vm_id=snapshot.vm_id,
                           generated_name=snapshot.vm_name, vim_id=workflows.VIM_ID)
        event = EscEvent(
            event_type=event_type,
            status=EventStatus.SUCCESS if ok else EventStatus.FAILURE,
            status_code=code if code is not None else (200 if ok else 500),
            status_message=message,
            deployment_name=dep.name if dep else (snapshot.deployment if snapshot else None),
            deployment_id=(
                dep.deployment_id if dep else (snapshot.deployment_id if snapshot else None)
            ),
            tenant=dep.tenant if dep else (snapshot.tenant if snapshot else None),
            tenant_id=dep.tenant_id if dep else None,
            vm_group=group,
            vm_source=source,
            vm_target=target,
            vm_state=vm_state,
            transaction_id=self.transaction_id,
            event_id=new_uuid(),
            event_time=datetime.now(UTC),
            parameters=parameters or {},
        )
        self.sim.notifier.send(event, self.targets)


class Simulator:
    """All simulated ESC state, guarded by one lock; HTTP-free so tests can drive it."""

    def __init__(self, boot_time_factor: float = 0.0, callback_timeout: float = 5.0) -> None:
        if boot_time_factor < 0:
            raise ValueError("boot_time_factor must not be negative")
        self.boot_time_factor = boot_time_factor
        self.lock = threading.RLock()
        # Notified whenever a running workflow may have to stop (undeploy, reset, stop).
        self.wake = threading.Condition(self.lock)
        self.stopping = threading.Event()
        self.faults = FaultRegistry()
        self.notifier = Notifier(self.faults, timeout=callback_timeout)
        self.alloc = Allocator()
        self.deployments: dict[str, SimDeployment] = {}
        self.snapshots: dict[str, SimSnapshot] = {}
        self.tenant_ids: dict[str, str] = {}
        self.calls: list[dict[str, Any]] = []
        self._threads: set[threading.Thread] = set()

    # ------------------------------------------------------------------ plumbing

    def _start(self, run: Run, work: Callable[[Run], None]) -> None:
        def body() -> None:
            try:
                work(run)
            except Exception:  # a bug in a workflow must not kill the simulator...
                log.exception("workflow %s failed", run.name)
                with self.lock:  # ...nor leave its deployment stuck in a transient state
                    if run.dep is not None and not run.detached and run.active:
                        run.dep.state = ServiceState.SERVICE_ERROR_STATE
            finally:
                run.finish()
                with self.lock:
                    self._threads.discard(threading.current_thread())

        thread = threading.Thread(target=body, name=f"escsim-{run.name}", daemon=True)
        with self.lock:
            if run.dep is not None and not run.detached:
                run.dep.busy = run.name
            self._threads.add(thread)
        thread.start()

    def _inject(self, step: Step, *targets: str | None) -> None:
        """Apply armed ``latency`` and ``reject`` faults before the request is looked at,
        as an overloaded or failing ESC would."""
        slow = self.faults.take(step, Effect.LATENCY, targets)
        if slow is not None:
            self.stopping.wait(slow.seconds)
        self._reject(step, *targets)

    def _vm_targets(self, tenant: str, vm_name: str) -> tuple[str | None, ...]:
        with self.lock:
            for dep in self.deployments.values():
                if dep.tenant == tenant and dep.vm(vm_name) is not None:
                    return vm_name, dep.name
        return (vm_name,)

    def _snapshot_targets(self, key: str) -> tuple[str | None, ...]:
        with self.lock:
            for snap in self.snapshots.values():
                if key in (snap.id, snap.name):
                    return key, snap.id, snap.name, snap.deployment
        return (key,)

    def _reject(self, step: Step, *targets: str | None) -> None:
        fault = self.faults.take(step, Effect.REJECT, targets)
        if fault is not None:
            raise SimError(fault.status, fault.message)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until no workflow runs (tests use it instead of sleeping)."""
        deadline = threading.Event()
        timer = threading.Timer(timeout, deadline.set)
        timer.start()
        try:
            while not deadline.is_set():
                with self.lock:
                    threads = list(self._threads)
                if not threads:
                    return True
                for t in threads:
                    t.join(0.05)
            return False
        finally:
            timer.cancel()

    def stop(self) -> None:
        self.stopping.set()
        with self.lock:
            self.wake.notify_all()
            threads = list(self._threads)
        for t in threads:
            t.join(2.0)

    def reset(self) -> None:
        """Forget everything; running workflows are cut short."""
        with self.lock:
            for dep in self.deployments.values():
                dep.epoch += 1
            self.deployments.clear()
            self.snapshots.clear()
            self.calls.clear()
            self.faults.clear()
            self.notifier.clear()
            self.wake.notify_all()

    def record_call(self, call: dict[str, Any]) -> None:
        with self.lock:
            self.calls.append(call)
            del self.calls[:-5000]

    # ------------------------------------------------------------------ lookups

    def _deployment(self, name: str, tenant: str | None = None) -> SimDeployment:
        dep = self.deployments.get(name)
        if dep is None or (tenant is not None and dep.tenant != tenant):
            raise SimError(404, f"Deployment [{name}] not found.")
        return dep

    def _vm(self, tenant: str, vm_name: str) -> tuple[SimDeployment, SimVm]:
        for dep in self.deployments.values():
            if dep.tenant == tenant and (vm := dep.vm(vm_name)) is not None:
                return dep, vm
        raise SimError(404, f"VM [{vm_name}] not found.")

    @staticmethod
    def _not_busy(dep: SimDeployment) -> None:
        if dep.busy is not None:
            raise SimError(409, f"Deployment [{dep.name}] is busy with {dep.busy}.")

    @staticmethod
    def _not_stopped(dep: SimDeployment) -> None:
        if dep.state is ServiceState.SERVICE_STOPPED_STATE:
            raise SimError(409, f"Deployment [{dep.name}] is stopped: only undeploy "
                                "or start is accepted.")

    @staticmethod
    def _parse_spec(body: bytes) -> DeploymentSpec:
        try:
            spec = parse_datamodel(body)
        except ProtocolError as exc:
            raise SimError(400, f"Invalid deployment request: {exc.message}") from None
        for name in (spec.tenant, spec.name, *(g.name for g in spec.vm_groups)):
            if len(name) > MAX_NAME_LENGTH:
                raise SimError(400, f"Name longer than {MAX_NAME_LENGTH} characters.")
        for g in spec.vm_groups:
            s = g.scaling
            if s.min_active > s.max_active:
                raise SimError(400, f"vm_group [{g.name}]: min_active {s.min_active} is "
                                    f"greater than max_active {s.max_active}.")
            if s.min_active < 0 or s.max_active > MAX_VMS_PER_GROUP:
                raise SimError(400, f"vm_group [{g.name}]: scaling out of range.")
            if g.bootup_time < 0 or g.recovery_wait_time < 0:
                raise SimError(400, f"vm_group [{g.name}]: negative time.")
        return spec

    # ------------------------------------------------------------------ deployments

    def deploy(self, tenant: str, name: str, body: bytes, targets: CallbackTargets) -> None:
        self._inject(Step.DEPLOY, name)
        spec = self._parse_spec(body)
        if spec.tenant != tenant or spec.name != name:
            raise SimError(400, "Tenant and deployment name in the URL and in the "
                                "payload differ.")
        with self.lock:
            if name in self.deployments:
                raise SimError(409, f"Deployment [{name}] already exists.")
            dep = SimDeployment(
                tenant=tenant,
                tenant_id=self.tenant_ids.setdefault(tenant, tenant_id()),
                name=name,
                deployment_id=new_uuid(),
                spec=spec,
            )
            self.deployments[name] = dep
            self._start(Run(self, dep, targets, "deploy"), workflows.deploy)

    def undeploy(self, tenant: str, name: str, targets: CallbackTargets) -> None:
        self._inject(Step.UNDEPLOY, name)
        with self.lock:
            dep = self._deployment(name, tenant)
            if dep.state is ServiceState.SERVICE_UNDEPLOYING_STATE and dep.busy:
                raise SimError(409, f"Deployment [{name}] is already being undeployed.")
            dep.epoch += 1  # cuts short whatever ran (seed 002: undeploy may interrupt)
            self.wake.notify_all()
            self._start(Run(self, dep, targets, "undeploy"), workflows.undeploy)

    def get(self, name: str) -> DeploymentState:
        self._inject(Step.GET, name)
        with self.lock:
            dep = self._deployment(name)
            return dep.snapshot()

    def update(self, name: str, body: bytes, targets: CallbackTargets) -> None:
        self._inject(Step.UPDATE, name)
        spec = self._parse_spec(body)
        if spec.name != name:
            raise SimError(400, "Deployment name in the URL and in the payload differ.")
        with self.lock:
            dep = self._deployment(name)
            if spec.tenant != dep.tenant:
                raise SimError(400, "A deployment cannot move to another tenant.")
            self._not_stopped(dep)
            self._not_busy(dep)
            plan = workflows.UpdatePlan.between(dep, spec)
            if plan.empty:
                raise SimError(400, "Service update rejected: nothing to update.")
            if any(vm.vim_state is VimVmState.VERIFY_RESIZE for vm in dep.vms):
                raise SimError(409, "A resize or migration awaits confirm or revert.")
            for group in plan.resized:
                if len(dep.vms_of(group)) != 1:
                    raise SimError(400, f"Resize of vm_group [{group}] rejected: resize "
                                        "works only for a VM group with a single VM.")
            if plan.agent_groups:
                unset = [vm.name for vm in dep.vms
                         if vm.state is VmStateName.VM_MONITOR_UNSET_STATE]
                rollback = all(
                    plan.new_agents[g] == dep.previous_agents.get(g) for g in plan.agent_groups
                )
                if unset and not rollback:
                    raise SimError(409, "Monitoring migration rejected: monitoring already "
                                        f"unset on VM(s) {', '.join(unset)}.")
            if plan.resized:
                self._reject(Step.RESIZE, name)
            run = Run(self, dep, targets, "update")
            self._start(run, lambda r: workflows.update(r, spec, plan))

    def service_action(
        self, tenant: str, name: str, body: bytes, targets: CallbackTargets
    ) -> None:
        self._inject(Step.SERVICE_ACTION, name)
        action = _payload(ops.parse_service_operation, body)
        with self.lock:
            dep = self._deployment(name, tenant)
            self._not_busy(dep)
            stopped = dep.state is ServiceState.SERVICE_STOPPED_STATE
            if action is ServiceAction.START and not stopped:
                raise SimError(409, f"Deployment [{name}] is not stopped; it cannot start.")
            if action is not ServiceAction.START and stopped:
                self._not_stopped(dep)
            if any(vm.vim_state is VimVmState.VERIFY_RESIZE for vm in dep.vms):
                raise SimError(409, "A resize or migration awaits confirm or revert.")
            run = Run(self, dep, targets, f"service-{action.value}")
            self._start(run, lambda r: workflows.service_action(r, action))

    # ------------------------------------------------------------------ VMs

    def vm_action(self, tenant: str, vm_name: str, body: bytes, targets: CallbackTargets) -> None:
        self._inject(Step.VM_ACTION, *self._vm_targets(tenant, vm_name))
        action, _force = _payload(ops.parse_vm_operation, body)
        with self.lock:
            dep, vm = self._vm(tenant, vm_name)
            self._not_busy(dep)
            self._not_stopped(dep)
            workflows.check_vm_action(vm, action)
            run = Run(self, dep, targets, f"vm-{action.value}")
            self._start(run, lambda r: workflows.vm_action(r, vm, action))

    def migrate(self, tenant: str, vm_name: str, body: bytes, targets: CallbackTargets) -> None:
        self._inject(Step.MIGRATE, *self._vm_targets(tenant, vm_name))
        request = _payload(ops.parse_migrate_operation, body)
        with self.lock:
            dep, vm = self._vm(tenant, vm_name)
            self._not_busy(dep)
            self._not_stopped(dep)
            if request.block_migration and request.migration_type is MigrationType.COLD:
                raise SimError(400, "Block migration applies to live migration only.")
            if vm.vim_state is VimVmState.VERIFY_RESIZE:
                raise SimError(409, f"VM [{vm_name}] awaits confirm or revert.")
            movable = {VmStateName.VM_ALIVE_STATE, VmStateName.VM_MONITOR_DISABLED_STATE}
            if request.migration_type is MigrationType.COLD:
                movable.add(VmStateName.VM_SHUTOFF_STATE)
            if vm.state not in movable:
                raise SimError(409, f"VM [{vm_name}] in {vm.state} cannot be migrated.")
            if request.host is not None and request.host == vm.host:
                raise SimError(400, f"VM [{vm_name}] already runs on host {vm.host}.")
            run = Run(self, dep, targets, "migrate")
            self._start(run, lambda r: workflows.migrate(r, vm, request))

    def recover(self, tenant: str, vm_name: str, body: bytes, targets: CallbackTargets) -> None:
        self._inject(Step.RECOVERY, *self._vm_targets(tenant, vm_name))
        action = _payload(ops.parse_recovery_operation, body)
        with self.lock:
            dep, vm = self._vm(tenant, vm_name)
            self._not_busy(dep)
            if dep.state is ServiceState.SERVICE_STOPPED_STATE:
                raise SimError(409, f"Deployment [{dep.name}] is stopped: no recovery.")
            if vm.state is VmStateName.VM_SHUTOFF_STATE:
                raise SimError(409, f"VM [{vm_name}] is stopped: no recovery.")
            run = Run(self, dep, targets, "recovery")
            self._start(run, lambda r: workflows.recover(r, vm, action))

    # ------------------------------------------------------------------ snapshots

    def create_snapshot(
        self, tenant: str, vm_name: str, body: bytes, targets: CallbackTargets
    ) -> None:
        self._inject(Step.SNAPSHOT, *self._vm_targets(tenant, vm_name))
        name = _payload(ops.parse_snapshot_request, body)
        with self.lock:
            dep, vm = self._vm(tenant, vm_name)
            if vm.state not in (VmStateName.VM_ALIVE_STATE, VmStateName.VM_SHUTOFF_STATE):
                raise SimError(409, f"VM [{vm_name}] is {vm.state}: a snapshot needs an "
                                    "alive or stopped VM.")
            snap = SimSnapshot(
                id=new_uuid(), name=name, tenant=tenant, vm_name=vm.name,
                deployment=dep.name, deployment_id=dep.deployment_id, vm_group=vm.group,
                vm_id=vm.vm_id, creation_start_date=datetime.now(UTC).isoformat(),
            )
            self.snapshots[snap.id] = snap
            # A snapshot leaves the VM as it is, so the deployment is not marked busy.
            run = Run(self, dep, targets, "snapshot", detached=True)
            self._start(run, lambda r: workflows.snapshot(r, vm, snap))

    def list_snapshots(
        self, tenant: str | None = None, vm_name: str | None = None
    ) -> list[SnapshotInfo]:
        with self.lock:
            return [
                SnapshotInfo(
                    id=s.id, name=s.name, status=s.status, vm_name=s.vm_name,
                    tenant=s.tenant, status_message=s.status_message or None,
                    creation_start_date=s.creation_start_date,
                    creation_end_date=s.creation_end_date, vim_id=workflows.VIM_ID,
                    volume_snapshot_id=s.volume_snapshot_id,
                )
                for s in self.snapshots.values()
                if (tenant is None or s.tenant == tenant)
                and (vm_name is None or s.vm_name == vm_name)
            ]

    def _snapshot(self, key: str) -> SimSnapshot:
        if key in self.snapshots:
            return self.snapshots[key]
        named = [s for s in self.snapshots.values() if s.name == key]
        if not named:
            raise SimError(404, f"Snapshot image [{key}] not found.")
        if len(named) > 1:
            raise SimError(409, f"Snapshot name [{key}] is not unique: use its id.")
        return named[0]

    def delete_snapshot(self, key: str, targets: CallbackTargets) -> None:
        self._inject(Step.SNAPSHOT_DELETE, *self._snapshot_targets(key))
        with self.lock:
            snap = self._snapshot(key)
            if snap.status == "deleting":
                raise SimError(409, f"Snapshot [{key}] is already being deleted.")
            snap.status = "deleting"
            run = Run(self, None, targets, "snapshot-delete")
            self._start(run, lambda r: workflows.delete_snapshot(r, snap))

    def create_volume(self, snapshot_id: str, body: bytes, targets: CallbackTargets) -> None:
        self._inject(Step.VOLUME, *self._snapshot_targets(snapshot_id))
        request = _payload(ops.parse_volume_request, body)
        with self.lock:
            snap = self.snapshots.get(snapshot_id)
            if snap is None:
                raise SimError(404, f"Snapshot [{snapshot_id}] not found.")
            if not snap.volume_snapshot_id:
                raise SimError(400, f"Snapshot [{snapshot_id}] has no volume snapshot: it "
                                    "was not taken of a VNF with a bootable volume.")
            run = Run(self, None, targets, "volume")
            self._start(run, lambda r: workflows.create_volume(r, snap, request))

    # ------------------------------------------------------------------ inspection

    def summary(self) -> list[dict[str, Any]]:
        with self.lock:
            return [
                {
                    "tenant": d.tenant,
                    "name": d.name,
                    "deployment_id": d.deployment_id,
                    "state": d.state.value,
                    "busy": d.busy,
                    "vms": [
                        {
                            "name": vm.name, "vm_id": vm.vm_id, "group": vm.group,
                            "state": vm.state.value, "vim_state": vm.vim_state.value,
                            "host": vm.host, "flavor": vm.flavor, "image": vm.image,
                            "monitor": vm.monitor.value, "monitoring_agent": vm.agent,
                            "interfaces": [
                                {"nicid": i.nicid, "network": i.network,
                                 "ip_address": i.ip_address, "mac_address": i.mac_address}
                                for i in vm.interfaces
                            ],
                        }
                        for vm in d.vms
                    ],
                }
                for d in self.deployments.values()
            ]


def _payload(parse: Callable[[bytes], T], body: bytes) -> T:
    try:
        return parse(body)
    except ProtocolError as exc:
        raise SimError(400, f"Invalid request: {exc.message}") from None
