"""Notifications as SOL003 documents, drafted once per change and addressed per subscriber.

A :class:`Draft` holds what every subscriber of one change receives (one ``id``
for all of them, as SOL003 asks), what only FULL-verbosity subscribers receive,
and the ``_links`` as paths.  The links become absolute only when the notification
is sent (:func:`vnfm.notify.config.api_href`), so drafting needs no settings and
works in any transaction, with or without a request.

Adding a notification type means writing one ``*_draft`` function here and one
call of :func:`vnfm.notify.outbox.publish`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from vnfm.db.models import VnfInstanceRow, VnfLcmOpOccRow, utcnow
from vnfm.notify.filters import Event

OP_OCC_NOTIFICATION = "VnfLcmOperationOccurrenceNotification"
CREATION_NOTIFICATION = "VnfIdentifierCreationNotification"
DELETION_NOTIFICATION = "VnfIdentifierDeletionNotification"
INFRASTRUCTURE_NOTIFICATION = "InfrastructureOperationOccurrenceNotification"

#: Operations announced with another notification type than SOL003's own
#: (the monitoring-migration extension of reference/seeds/003).
OPERATION_NOTIFICATION_TYPES: dict[str, str] = {
    "MONITORING_MIGRATION": INFRASTRUCTURE_NOTIFICATION,
}

#: States whose notification has notificationStatus START; all others are RESULT.
START_STATES = frozenset({"STARTING", "PROCESSING", "ROLLING_BACK"})
#: States in which an operation notification carries ``error``.
ERROR_STATES = frozenset({"FAILED_TEMP", "FAILED"})
#: resourceChanges members that a FULL notification carries at top level.
AFFECTED_RESOURCES = (
    "affectedVnfcs",
    "affectedVirtualLinks",
    "affectedExtLinkPorts",
    "affectedVirtualStorages",
)

FULL = "FULL"
SHORT = "SHORT"


@dataclass(frozen=True)
class Draft:
    """One change, ready to be addressed to each subscription it concerns."""

    notification_type: str
    event: Event
    #: Attributes after id/notificationType/subscriptionId, for every subscriber.
    common: dict[str, Any]
    #: Attributes only FULL-verbosity subscribers get.
    full_only: dict[str, Any] = field(default_factory=dict)
    #: ``_links`` except ``subscription``, as paths below /vnflcm/v2/.
    links: dict[str, str] = field(default_factory=dict)
    #: Whether the document states its verbosity (operation notifications do).
    states_verbosity: bool = False
    id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def addressed(
        self, subscription_id: str, verbosity: str
    ) -> tuple[dict[str, Any], dict[str, str]]:
        """The payload (without ``_links``) and link paths for one subscription."""
        payload: dict[str, Any] = {
            "id": self.id,
            "notificationType": self.notification_type,
            "subscriptionId": subscription_id,
        }
        payload.update(self.common)
        if self.states_verbosity:
            payload["verbosity"] = verbosity
        if verbosity == FULL:
            payload.update(self.full_only)
        links = dict(self.links)
        links["subscription"] = f"subscriptions/{subscription_id}"
        return payload, links


def instance_event(
    notification_type: str,
    instance: VnfInstanceRow | None,
    instance_id: str,
    *,
    operation: str | None = None,
    operation_state: str | None = None,
) -> Event:
    if instance is None:
        return Event(
            notification_type=notification_type,
            operation=operation,
            operation_state=operation_state,
            vnf_instance_id=instance_id,
        )
    return Event(
        notification_type=notification_type,
        operation=operation,
        operation_state=operation_state,
        vnf_instance_id=instance.id,
        vnf_instance_name=instance.vnf_instance_name,
        vnfd_id=instance.vnfd_id,
        vnf_provider=instance.vnf_provider,
        vnf_product_name=instance.vnf_product_name,
        vnf_software_version=instance.vnf_software_version,
        vnfd_version=instance.vnfd_version,
    )


def notification_status(operation_state: str) -> str:
    return "START" if operation_state in START_STATES else "RESULT"


def op_occ_draft(op: VnfLcmOpOccRow, instance: VnfInstanceRow | None) -> Draft:
    """VnfLcmOperationOccurrenceNotification (or the type the operation is announced with)."""
    notification_type = OPERATION_NOTIFICATION_TYPES.get(op.operation, OP_OCC_NOTIFICATION)
    state = str(op.operation_state)
    status = notification_status(state)
    common: dict[str, Any] = {
        "timeStamp": utcnow(),
        "notificationStatus": status,
        "operationState": state,
        "vnfInstanceId": op.vnf_instance_id,
        "operation": op.operation,
        "isAutomaticInvocation": bool(op.is_automatic_invocation),
        "vnfLcmOpOccId": op.id,
    }
    if state in ERROR_STATES and op.error:
        common["error"] = op.error
    full_only: dict[str, Any] = {}
    if status == "RESULT":
        changes = op.resource_changes or {}
        for name in AFFECTED_RESOURCES:
            if changes.get(name):
                full_only[name] = changes[name]
        optional = {
            "changedInfo": op.changed_info,
            "changedExtConnectivity": op.changed_ext_connectivity,
            "modificationsTriggeredByVnfPkgChange": op.modifications_triggered_by_vnf_pkg_change,
        }
        full_only.update({k: v for k, v in optional.items() if v})
    return Draft(
        notification_type=notification_type,
        event=instance_event(
            notification_type,
            instance,
            op.vnf_instance_id,
            operation=op.operation,
            operation_state=state,
        ),
        common=common,
        full_only=full_only,
        links={
            "vnfInstance": f"vnf_instances/{op.vnf_instance_id}",
            "vnfLcmOpOcc": f"vnf_lcm_op_occs/{op.id}",
        },
        states_verbosity=True,
    )


def identifier_draft(notification_type: str, instance: VnfInstanceRow) -> Draft:
    """VnfIdentifierCreationNotification or VnfIdentifierDeletionNotification."""
    return Draft(
        notification_type=notification_type,
        event=instance_event(notification_type, instance, instance.id),
        common={"timeStamp": utcnow(), "vnfInstanceId": instance.id},
        links={"vnfInstance": f"vnf_instances/{instance.id}"},
    )
