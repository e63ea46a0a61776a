"""Rules about a VNF instance that hold whatever stores or serves it."""

from __future__ import annotations

from enum import StrEnum


class InstantiationState(StrEnum):
    NOT_INSTANTIATED = "NOT_INSTANTIATED"
    INSTANTIATED = "INSTANTIATED"


class VnfOperationalState(StrEnum):
    STARTED = "STARTED"
    STOPPED = "STOPPED"


#: Task resources offered as ``_links`` of a VnfInstance, by instantiation state
#: (SOL003 VnfInstance._links: present only when the task is currently possible).
TASK_LINKS: dict[InstantiationState, tuple[tuple[str, str], ...]] = {
    InstantiationState.NOT_INSTANTIATED: (("instantiate", "instantiate"),),
    InstantiationState.INSTANTIATED: (
        ("terminate", "terminate"),
        ("scale", "scale"),
        ("scaleToLevel", "scale_to_level"),
        ("changeFlavour", "change_flavour"),
        ("heal", "heal"),
        ("operate", "operate"),
        ("changeExtConn", "change_ext_conn"),
        ("createSnapshot", "create_snapshot"),
        ("revertToSnapshot", "revert_to_snapshot"),
    ),
}
