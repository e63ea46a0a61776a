"""The contract between the LCM engine and whatever manages the VMs (ESC or its simulator).

Every call returns as soon as the infrastructure manager has *accepted* the request;
the outcome arrives later as :class:`~vnfm.southbound.types.EscEvent` callbacks, which
the LCM engine receives on its own HTTP endpoint.  When a callback never comes, the
engine reconciles through :meth:`Adapter.get_deployment`.

Failures to get a request accepted are raised as one of the typed errors below, so
the engine can tell "ESC said no" (do not retry, report ESC's message) from "ESC could
not be reached" (retry later) from "ESC answered nonsense" (report, do not trust).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from vnfm.southbound.types import (
    DeploymentSpec,
    DeploymentState,
    MigrationType,
    RecoveryAction,
    ServiceAction,
    SnapshotInfo,
    VmAction,
)


class SouthboundError(Exception):
    """Base of every error the southbound raises.

    ``status_code`` is ESC's HTTP status when there was one; ``message`` is ESC's own
    explanation when it gave one, else ours.
    """

    retryable: bool = False

    def __init__(self, message: str, status_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code


class RequestRejected(SouthboundError):
    """ESC refused the request (validation error, rule violation, VIM error)."""


class AlreadyExists(RequestRejected):
    """The deployment name is taken: a retried deploy must not create a second one."""


class NotFound(SouthboundError):
    """The deployment, VM or snapshot the request names does not exist."""


class Unavailable(SouthboundError):
    """ESC could not be reached or answered that it cannot serve now; worth retrying."""

    retryable = True


class SouthboundTimeout(Unavailable):
    """No answer within the configured connect/read timeout."""


class ProtocolError(SouthboundError):
    """ESC (or a callback claiming to be ESC) sent something we cannot parse."""


@runtime_checkable
class Adapter(Protocol):
    """Operations the LCM engine drives on the infrastructure manager."""

    def deploy(self, spec: DeploymentSpec) -> None:
        """Create a deployment; VM_DEPLOYED, VM_ALIVE per VM, then SERVICE_ALIVE follow."""

    def undeploy(self, tenant: str, deployment: str) -> None:
        """Delete a deployment; VM_UNDEPLOYED per VM, then SERVICE_UNDEPLOYED follow."""

    def update_service(self, spec: DeploymentSpec) -> None:
        """Replace the deployment's model (flavor, scaling, image, interfaces, monitoring).

        ESC works out what changed: scaling min/max → scale out/in events, a flavor
        change → a resize (VM_VERIFY_RESIZE, to be confirmed or reverted), a new
        monitoring agent → unset, update, set (VM_SET_MONITOR_STATUS,
        SVC_SET_MONITOR_STATUS), anything else → VM_UPDATED/SERVICE_UPDATED.
        """

    def service_action(self, tenant: str, deployment: str, action: ServiceAction) -> None:
        """Start, stop or reboot every VM of a deployment."""

    def vm_action(self, tenant: str, vm_name: str, action: VmAction, force: bool = False) -> None:
        """Start/stop/reboot one VM, confirm/revert its resize, enable/disable its monitor."""

    def migrate_vm(
        self,
        tenant: str,
        vm_name: str,
        migration_type: MigrationType,
        host: str | None = None,
        block_migration: bool | None = None,
    ) -> None:
        """Move a VM to another host (the VIM's scheduler picks one when ``host`` is None)."""

    def create_snapshot(self, tenant: str, vm_name: str, snapshot_name: str) -> None:
        """Snapshot an alive or stopped VM; VM_BACKUP_INIT/CREATED/COMPLETE follow."""

    def list_snapshots(
        self, tenant: str | None = None, vm_name: str | None = None
    ) -> list[SnapshotInfo]:
        """The snapshots ESC manages, optionally only a tenant's or a VM's."""

    def delete_snapshot(self, snapshot: str) -> None:
        """Delete by id, or by name when the name is unique; VM_SNAPSHOT_DELETING/DELETED."""

    def create_volume_from_snapshot(
        self,
        snapshot_id: str,
        volume_name: str,
        volume_type: str | None = None,
        multiattach: bool = False,
        bootable: bool = True,
    ) -> None:
        """Make a bootable volume from a snapshot's volume snapshot (VM_VOLUME_* events)."""

    def recover_vm(
        self, tenant: str, vm_name: str, action: RecoveryAction = RecoveryAction.DEFAULT
    ) -> None:
        """Heal one VM: VM_RECOVERY_INIT, reboot or undeploy/deploy, VM_RECOVERY_COMPLETE."""

    def set_monitoring(self, tenant: str, vm_name: str) -> None:
        """Apply the monitoring rules to a VM again (VM_SET_MONITOR_STATUS follows)."""

    def unset_monitoring(self, tenant: str, vm_name: str) -> None:
        """Stop monitoring a VM, e.g. before work that would trip its KPIs."""

    def get_deployment(self, deployment: str) -> DeploymentState | None:
        """ESC's operational state of a deployment, or None when ESC does not know it."""
