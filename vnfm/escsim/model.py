"""The simulator's mutable records of deployments, VMs and snapshots.

They are changed only under :attr:`Simulator.lock`; :meth:`SimDeployment.snapshot`
turns one into the immutable :class:`DeploymentState` that answers a GET.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from vnfm.southbound.types import (
    DeploymentSpec,
    DeploymentState,
    MonitorStatus,
    ServiceState,
    VimVmState,
    VmGroupSpec,
    VmInterface,
    VmState,
    VmStateName,
)

# VM states in which monitoring rules are not doing their job (seed 000 table 2).
UNMONITORED = {VmStateName.VM_MONITOR_UNSET_STATE, VmStateName.VM_MONITOR_DISABLED_STATE}


@dataclass
class SimVm:
    name: str
    vm_id: str
    group: str
    index: int
    flavor: str
    image: str
    host: str
    host_id: str
    state: VmStateName = VmStateName.VM_UNDEF_STATE
    vim_state: VimVmState = VimVmState.BUILD
    interfaces: list[VmInterface] = field(default_factory=list)
    monitor: MonitorStatus = MonitorStatus.UNSET
    agent: str | None = None
    # What a pending VERIFY_RESIZE would go back to on revert.
    revert_flavor: str | None = None
    revert_host: tuple[str, str] | None = None

    def to_state(self) -> VmState:
        return VmState(
            name=self.name,
            vm_id=self.vm_id,
            vm_group=self.group,
            state=self.state,
            host_id=self.host_id,
            host_name=self.host,
            flavor=self.flavor,
            image=self.image,
            vim_state=self.vim_state,
            interfaces=tuple(self.interfaces),
            monitor_status=self.monitor,
            monitoring_agent=self.agent,
        )


@dataclass
class SimDeployment:
    tenant: str
    tenant_id: str
    name: str
    deployment_id: str
    spec: DeploymentSpec
    state: ServiceState = ServiceState.SERVICE_UNDEF_STATE
    vms: list[SimVm] = field(default_factory=list)
    busy: str | None = None  # the workflow running, if any
    epoch: int = 0  # bumped by undeploy so that an interrupted workflow stops
    next_index: dict[str, int] = field(default_factory=dict)
    # Monitoring agent per group before the last migration, so that its rollback
    # is accepted even while VMs are left unset (seed 003).
    previous_agents: dict[str, dict[str, str]] = field(default_factory=dict)

    def group(self, name: str) -> VmGroupSpec:
        found = self.spec.vm_group(name)
        if found is None:  # pragma: no cover - VMs only exist for groups of the spec
            raise KeyError(name)
        return found

    def vms_of(self, group: str) -> list[SimVm]:
        return [vm for vm in self.vms if vm.group == group]

    def vm(self, name: str) -> SimVm | None:
        return next((vm for vm in self.vms if vm.name == name), None)

    def take_index(self, group: str) -> int:
        index = self.next_index.get(group, 0)
        self.next_index[group] = index + 1
        return index

    def settle(self) -> None:
        """Service state after a workflow on an active service ends (seed 000 table 1)."""
        bad = {VmStateName.VM_ERROR_STATE, VmStateName.VM_MONITOR_UNSET_STATE}
        if any(vm.state in bad for vm in self.vms):
            self.state = ServiceState.SERVICE_ERROR_STATE
        else:
            self.state = ServiceState.SERVICE_ACTIVE_STATE

    def snapshot(self) -> DeploymentState:
        return DeploymentState(
            tenant=self.tenant,
            name=self.name,
            deployment_id=self.deployment_id,
            state=self.state,
            vms=tuple(vm.to_state() for vm in self.vms),
        )


@dataclass
class SimSnapshot:
    id: str
    name: str
    tenant: str
    vm_name: str
    deployment: str
    deployment_id: str
    vm_group: str
    vm_id: str
    status: str = "creating"
    status_message: str = ""
    creation_start_date: str | None = None
    creation_end_date: str | None = None
    volume_snapshot_id: str | None = None
