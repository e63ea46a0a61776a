"""Neutral, typed vocabulary of the southbound: what we ask ESC to do and what it tells us.

Nothing here knows about HTTP or XML.  The LCM engine builds a :class:`DeploymentSpec`,
hands it to an :class:`~vnfm.southbound.adapter.Adapter`, and later reads
:class:`EscEvent` callbacks and :class:`DeploymentState` snapshots.

This module is the single home of Cisco ESC's state and event names (seed documents
000/001 for states and deployment events, 002 for resize/migrate/snapshot/volume events,
003 for the monitor-status events).  The ESC client and the ESC simulator both import
them from here, so a typo can only happen once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

# --------------------------------------------------------------------------------------
# States
# --------------------------------------------------------------------------------------


class ServiceState(StrEnum):
    """State of a whole deployment (ESC "service"), seed 000 table 1 plus 001's extra."""

    SERVICE_UNDEF_STATE = "SERVICE_UNDEF_STATE"
    SERVICE_DEPLOYING_STATE = "SERVICE_DEPLOYING_STATE"
    SERVICE_INERT_STATE = "SERVICE_INERT_STATE"
    SERVICE_ACTIVE_STATE = "SERVICE_ACTIVE_STATE"
    SERVICE_ERROR_STATE = "SERVICE_ERROR_STATE"
    SERVICE_UNDEPLOYING_STATE = "SERVICE_UNDEPLOYING_STATE"
    SERVICE_STOPPING_STATE = "SERVICE_STOPPING_STATE"
    SERVICE_STOPPED_STATE = "SERVICE_STOPPED_STATE"
    SERVICE_STARTING_STATE = "SERVICE_STARTING_STATE"
    SERVICE_REBOOTING_STATE = "SERVICE_REBOOTING_STATE"
    # Only the Japanese edition (seed 001) lists it: components are being updated.
    SERVICE_UPDATING_STATE = "SERVICE_UPDATING_STATE"


class VmStateName(StrEnum):
    """ESC's state of one VM/VNFC, seed 000 table 2.

    Named ``...Name`` because :class:`VmState` is the per-VM record of a deployment.
    """

    VM_UNDEF_STATE = "VM_UNDEF_STATE"
    VM_DEPLOYING_STATE = "VM_DEPLOYING_STATE"
    VM_MONITOR_UNSET_STATE = "VM_MONITOR_UNSET_STATE"
    VM_MONITOR_DISABLED_STATE = "VM_MONITOR_DISABLED_STATE"
    VM_STOPPING_STATE = "VM_STOPPING_STATE"
    VM_SHUTOFF_STATE = "VM_SHUTOFF_STATE"
    VM_STARTING_STATE = "VM_STARTING_STATE"
    VM_REBOOTING_STATE = "VM_REBOOTING_STATE"
    VM_INERT_STATE = "VM_INERT_STATE"
    VM_ALIVE_STATE = "VM_ALIVE_STATE"
    VM_UNDEPLOYING_STATE = "VM_UNDEPLOYING_STATE"
    VM_ERROR_STATE = "VM_ERROR_STATE"


class VimVmState(StrEnum):
    """The VIM's (OpenStack's) own view of a server, which ESC reports for resize/migrate.

    A resized or cold-migrated server waits in ``VERIFY_RESIZE`` until ESC confirms or
    reverts, then returns to ``ACTIVE`` (seed 002).
    """

    ACTIVE = "ACTIVE"
    VERIFY_RESIZE = "VERIFY_RESIZE"
    SHUTOFF = "SHUTOFF"
    BUILD = "BUILD"
    ERROR = "ERROR"


class MonitorStatus(StrEnum):
    """Whether ESC's monitoring rules are applied to a VM (seed 003 set/unset)."""

    SET = "SET"
    UNSET = "UNSET"
    DISABLED = "DISABLED"


# --------------------------------------------------------------------------------------
# Events
# --------------------------------------------------------------------------------------


class EventType(StrEnum):
    """Every callback/notification type the seeds name."""

    # Seed 000 table 3: deployment lifecycle.
    VM_DEPLOYED = "VM_DEPLOYED"
    VM_ALIVE = "VM_ALIVE"
    SERVICE_ALIVE = "SERVICE_ALIVE"
    VM_UNDEPLOYED = "VM_UNDEPLOYED"
    SERVICE_UNDEPLOYED = "SERVICE_UNDEPLOYED"
    VM_UPDATED = "VM_UPDATED"
    SERVICE_UPDATED = "SERVICE_UPDATED"
    VM_RECOVERY_INIT = "VM_RECOVERY_INIT"
    VM_RECOVERY_DEPLOYED = "VM_RECOVERY_DEPLOYED"
    VM_RECOVERY_UNDEPLOYED = "VM_RECOVERY_UNDEPLOYED"
    VM_RECOVERY_COMPLETE = "VM_RECOVERY_COMPLETE"
    VM_RECOVERY_REBOOT = "VM_RECOVERY_REBOOT"
    VM_RECOVERY_CANCELLED = "VM_RECOVERY_CANCELLED"
    VM_MANUAL_RECOVERY_NEEDED = "VM_MANUAL_RECOVERY_NEEDED"
    VM_MANUAL_RECOVERY_NO_NEED = "VM_MANUAL_RECOVERY_NO_NEED"
    VM_SCALE_OUT_INIT = "VM_SCALE_OUT_INIT"
    VM_SCALE_OUT_DEPLOYED = "VM_SCALE_OUT_DEPLOYED"
    VM_SCALE_OUT_COMPLETE = "VM_SCALE_OUT_COMPLETE"
    VM_SCALE_IN_INIT = "VM_SCALE_IN_INIT"
    VM_SCALE_IN_COMPLETE = "VM_SCALE_IN_COMPLETE"
    # Seed 000 table 4: operations and actions.
    VM_REBOOTED = "VM_REBOOTED"
    VM_STOPPED = "VM_STOPPED"
    VM_STARTED = "VM_STARTED"
    SERVICE_STOPPED = "SERVICE_STOPPED"
    SERVICE_STARTED = "SERVICE_STARTED"
    SERVICE_REBOOTED = "SERVICE_REBOOTED"
    HOST_DISABLE = "HOST_DISABLE"
    HOST_ENABLE = "HOST_ENABLE"
    VIM_OPERATIONAL_STATE = "VIM_OPERATIONAL_STATE"
    # Seed 000 table 5: resources.
    CREATE_TENANT = "CREATE_TENANT"
    DELETE_TENANT = "DELETE_TENANT"
    CREATE_NETWORK = "CREATE_NETWORK"
    DELETE_NETWORK = "DELETE_NETWORK"
    CREATE_SUBNET = "CREATE_SUBNET"
    DELETE_SUBNET = "DELETE_SUBNET"
    CREATE_IMAGE = "CREATE_IMAGE"
    DELETE_IMAGE = "DELETE_IMAGE"
    CREATE_FLAVOR = "CREATE_FLAVOR"
    DELETE_FLAVOR = "DELETE_FLAVOR"
    # Seed 002: resize and migration.
    VM_VERIFY_RESIZE = "VM_VERIFY_RESIZE"
    VM_CONFIRM_RESIZE_INIT = "VM_CONFIRM_RESIZE_INIT"
    VM_CONFIRM_RESIZE_COMPLETE = "VM_CONFIRM_RESIZE_COMPLETE"
    VM_REVERT_RESIZE_INIT = "VM_REVERT_RESIZE_INIT"
    VM_REVERT_RESIZE_COMPLETE = "VM_REVERT_RESIZE_COMPLETE"
    VM_MIGRATE_INIT = "VM_MIGRATE_INIT"
    VM_MIGRATED = "VM_MIGRATED"
    VM_MIGRATE_COMPLETE = "VM_MIGRATE_COMPLETE"
    # Seed 002: snapshots (backup) and volumes.
    VM_BACKUP_INIT = "VM_BACKUP_INIT"
    VM_BACKUP_CREATED = "VM_BACKUP_CREATED"
    VM_BACKUP_COMPLETE = "VM_BACKUP_COMPLETE"
    VM_SNAPSHOT_DELETING = "VM_SNAPSHOT_DELETING"
    VM_SNAPSHOT_DELETED = "VM_SNAPSHOT_DELETED"
    VM_VOLUME_ACCEPTED_EVENT = "VM_VOLUME_ACCEPTED_EVENT"
    VM_VOLUME_CREATED_EVENT = "VM_VOLUME_CREATED_EVENT"
    # Seed 003: monitoring agent migration.
    VM_SET_MONITOR_STATUS = "VM_SET_MONITOR_STATUS"
    SVC_SET_MONITOR_STATUS = "SVC_SET_MONITOR_STATUS"


class EventStatus(StrEnum):
    SUCCESS = "SUCCESS"
    FAILURE = "FAILURE"


# --------------------------------------------------------------------------------------
# Requests
# --------------------------------------------------------------------------------------


class ServiceAction(StrEnum):
    """Operations on a whole deployment (seed 002 ``service_operation``)."""

    START = "start"
    STOP = "stop"
    REBOOT = "reboot"


class VmAction(StrEnum):
    """Operations on one VM (seed 002 ``vm_operation`` / ``vm-action``)."""

    START = "start"
    STOP = "stop"
    REBOOT = "reboot"
    CONFIRM_RESIZE = "confirm_resize"
    REVERT_RESIZE = "revert_resize"
    ENABLE_MONITOR = "enable_monitor"
    DISABLE_MONITOR = "disable_monitor"


class MigrationType(StrEnum):
    LIVE = "live"
    COLD = "cold"


class RecoveryAction(StrEnum):
    """How ESC should recover a VM: reboot first then redeploy, or one of the two."""

    DEFAULT = "DEFAULT"
    REBOOT_ONLY = "REBOOT_ONLY"
    REDEPLOY_ONLY = "REDEPLOY_ONLY"


@dataclass(frozen=True)
class InterfaceSpec:
    """One NIC of every VM of a group; ``ip_address`` pins a static address."""

    nicid: int
    network: str
    ip_address: str | None = None


@dataclass(frozen=True)
class ScalingSpec:
    """How many VMs of the group ESC keeps: at least ``min_active``, at most ``max_active``."""

    min_active: int = 1
    max_active: int = 1
    elastic: bool = True


@dataclass(frozen=True)
class KpiSpec:
    """A KPI ESC watches; the ``VM_ALIVE`` KPI is what turns a booted VM alive."""

    event_name: str
    metric_value: str = "1"
    metric_cond: str = "GT"
    metric_type: str = "UINT32"
    collector_type: str = "ICMPPing"
    collector_nicid: int = 0
    poll_frequency: int = 3
    polling_unit: str = "seconds"
    continuous_alarm: bool = False


@dataclass(frozen=True)
class RuleSpec:
    """An admin rule: what ESC does when the KPI event fires (e.g. ``"FALSE recover"``)."""

    event_name: str
    actions: tuple[str, ...] = ()


@dataclass(frozen=True)
class ConfigFileSpec:
    """A day-0 configuration file: a template (``file`` URL or inline ``data``) + variables."""

    dst: str
    file: str | None = None
    data: str | None = None
    variables: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class VmGroupSpec:
    """A group of identical VMs (ESC ``vm_group``), i.e. one VDU of the VNF.

    ``monitoring_agent`` holds the key/value under which the VNF's monitoring agent is
    stored (seed 003), e.g. ``{"monitoring_agent_key": "dmona://mona1"}``; an empty
    mapping means ESC's local monitor.
    """

    name: str
    image: str
    flavor: str
    bootup_time: int = 60
    recovery_wait_time: int = 0
    interfaces: tuple[InterfaceSpec, ...] = ()
    scaling: ScalingSpec = field(default_factory=ScalingSpec)
    kpis: tuple[KpiSpec, ...] = ()
    rules: tuple[RuleSpec, ...] = ()
    config_data: tuple[ConfigFileSpec, ...] = ()
    monitoring_agent: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DeploymentSpec:
    """A whole deployment for one tenant: what ``esc_datamodel`` describes."""

    tenant: str
    name: str
    vm_groups: tuple[VmGroupSpec, ...]

    def vm_group(self, name: str) -> VmGroupSpec | None:
        return next((g for g in self.vm_groups if g.name == name), None)


# --------------------------------------------------------------------------------------
# Observations
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VmInterface:
    nicid: int
    network: str
    ip_address: str | None = None
    mac_address: str | None = None
    port_id: str | None = None


@dataclass(frozen=True)
class VmState:
    """ESC's operational view of one VM of a deployment."""

    name: str  # the generated VM name, which ESC's VM operations address
    vm_id: str  # the VIM's server uuid
    vm_group: str
    state: VmStateName
    host_id: str | None = None
    host_name: str | None = None
    flavor: str | None = None
    image: str | None = None
    vim_state: VimVmState | None = None
    interfaces: tuple[VmInterface, ...] = ()
    monitor_status: MonitorStatus = MonitorStatus.UNSET
    monitoring_agent: str | None = None


@dataclass(frozen=True)
class DeploymentState:
    """ESC's operational data for one deployment (its service state and its VMs)."""

    tenant: str
    name: str
    deployment_id: str
    state: ServiceState
    vms: tuple[VmState, ...] = ()

    def vm(self, name: str) -> VmState | None:
        return next((v for v in self.vms if v.name == name), None)

    def vms_of(self, group: str) -> tuple[VmState, ...]:
        return tuple(v for v in self.vms if v.vm_group == group)


@dataclass(frozen=True)
class VmRef:
    """The VM an event is about (``vm_source``) or, for migrations, where it went."""

    vm_name: str | None = None
    vm_id: str | None = None
    generated_name: str | None = None
    host_id: str | None = None
    host_name: str | None = None
    vim_id: str | None = None
    vim_project: str | None = None
    vim_project_id: str | None = None


@dataclass(frozen=True)
class EscEvent:
    """One callback/notification from ESC, whichever wire form it came in."""

    event_type: EventType
    status: EventStatus
    status_code: int
    status_message: str = ""
    deployment_name: str | None = None
    deployment_id: str | None = None
    tenant: str | None = None
    tenant_id: str | None = None
    vm_group: str | None = None
    vm_source: VmRef | None = None
    vm_target: VmRef | None = None
    vm_state: str | None = None  # e.g. the VIM state VERIFY_RESIZE (seed 002)
    transaction_id: str | None = None
    event_id: str | None = None
    event_time: datetime | None = None
    parameters: dict[str, str] = field(default_factory=dict)

    @property
    def succeeded(self) -> bool:
        return self.status is EventStatus.SUCCESS

    @property
    def vm_name(self) -> str | None:
        return self.vm_source.vm_name if self.vm_source else None


@dataclass(frozen=True)
class SnapshotInfo:
    """A VM snapshot ESC manages (seed 002 ``snapshots`` listing)."""

    id: str
    name: str
    status: str
    vm_name: str | None = None  # created_from_generated_vm_name
    tenant: str | None = None
    status_message: str | None = None
    creation_start_date: str | None = None
    creation_end_date: str | None = None
    vim_id: str | None = None
    volume_snapshot_id: str | None = None
