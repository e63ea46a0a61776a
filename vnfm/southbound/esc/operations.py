"""Small ESC REST payloads: operations on services and VMs, snapshots, volumes, errors.

Both sides use these functions: the client builds what it sends and reads what it gets
back, the simulator reads what it receives and builds its answers, so the two cannot
drift apart.

Shapes from seed 002: ``service_operation`` and ``vm_operation`` (``operation``,
``force``), ``vm_migrate_operation`` (``operation`` = migrate, ``migrationType``,
``host``), the snapshot JSON (``operation`` = snapshot, ``name``), the volume JSON
(``name``, ``volume_type``, ``multiattach``, ``bootable``), the ``snapshots`` listing
and the NETCONF-style ``error`` (``error_code``, ``error_message``).  Our choices where
the seeds are silent: ``blockMigration`` in the migrate payload, and a
``recovery_vm_operation`` with ``operation`` = recover and ``recovery_action``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

from vnfm.southbound.adapter import ProtocolError
from vnfm.southbound.esc.safexml import (
    NETCONF_NS,
    XmlError,
    add,
    add_opt,
    children,
    element,
    local,
    parse,
    required_text,
    serialize,
    text,
    to_bool,
)
from vnfm.southbound.types import (
    MigrationType,
    RecoveryAction,
    ServiceAction,
    SnapshotInfo,
    VmAction,
)

E = TypeVar("E", bound=StrEnum)

MAX_JSON_BYTES = 64 * 1024
MAX_NAME_LENGTH = 255  # seed 002: snapshot and volume names


class PayloadError(ProtocolError):
    """A request or answer body that does not have the documented shape."""


def _root(data: bytes | str, name: str) -> Any:
    root = parse(data)
    if local(root.tag) != name:
        raise XmlError(f"root element must be <{name}>")
    return root


def _choice(enum: type[E], value: str, what: str) -> E:
    for member in enum:
        if member.value.lower() == value.strip().lower():
            return member
    raise PayloadError(f"unsupported {what} {value[:40]!r}")


# ------------------------------------------------------------------ service / VM


def service_operation_xml(action: ServiceAction) -> bytes:
    root = element("service_operation", NETCONF_NS)
    add(root, "operation", action.value, NETCONF_NS)
    return serialize(root, NETCONF_NS)


def parse_service_operation(data: bytes | str) -> ServiceAction:
    root = _root(data, "service_operation")
    return _choice(ServiceAction, required_text(root, "operation", "service_operation"),
                   "service operation")


def vm_operation_xml(action: VmAction, force: bool = False) -> bytes:
    root = element("vm_operation", NETCONF_NS)
    add(root, "operation", action.value, NETCONF_NS)
    add(root, "force", force, NETCONF_NS)
    return serialize(root, NETCONF_NS)


def parse_vm_operation(data: bytes | str) -> tuple[VmAction, bool]:
    root = _root(data, "vm_operation")
    action = _choice(VmAction, required_text(root, "operation", "vm_operation"), "VM operation")
    return action, to_bool(text(root, "force"), "force", False)


@dataclass(frozen=True)
class MigrateRequest:
    migration_type: MigrationType
    host: str | None = None
    block_migration: bool | None = None


def migrate_operation_xml(request: MigrateRequest) -> bytes:
    root = element("vm_migrate_operation", NETCONF_NS)
    add(root, "operation", "migrate", NETCONF_NS)
    add(root, "migrationType", request.migration_type.value, NETCONF_NS)
    add_opt(root, "host", request.host, NETCONF_NS)
    add_opt(root, "blockMigration", request.block_migration, NETCONF_NS)
    return serialize(root, NETCONF_NS)


def parse_migrate_operation(data: bytes | str) -> MigrateRequest:
    root = _root(data, "vm_migrate_operation")
    if required_text(root, "operation", "vm_migrate_operation").lower() != "migrate":
        raise PayloadError("operation must be 'migrate'")
    block = text(root, "blockMigration")
    return MigrateRequest(
        migration_type=_choice(
            MigrationType, required_text(root, "migrationType", "vm_migrate_operation"),
            "migration type",
        ),
        host=text(root, "host"),
        block_migration=None if block is None else to_bool(block, "blockMigration", False),
    )


def recovery_operation_xml(action: RecoveryAction) -> bytes:
    root = element("recovery_vm_operation", NETCONF_NS)
    add(root, "operation", "recover", NETCONF_NS)
    add(root, "recovery_action", action.value, NETCONF_NS)
    return serialize(root, NETCONF_NS)


def parse_recovery_operation(data: bytes | str) -> RecoveryAction:
    root = _root(data, "recovery_vm_operation")
    if required_text(root, "operation", "recovery_vm_operation").lower() != "recover":
        raise PayloadError("operation must be 'recover'")
    action = text(root, "recovery_action")
    return RecoveryAction.DEFAULT if action is None else _choice(
        RecoveryAction, action, "recovery action"
    )


# ------------------------------------------------------------------ snapshots / volumes


def _json_object(data: bytes | str) -> dict[str, Any]:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > MAX_JSON_BYTES:
        raise PayloadError("JSON body too large")
    try:
        doc = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise PayloadError(f"malformed JSON: {str(exc)[:120]}") from None
    if not isinstance(doc, dict):
        raise PayloadError("JSON body must be an object")
    return doc


def _name(doc: dict[str, Any], what: str) -> str:
    name = doc.get("name")
    if not isinstance(name, str) or not name.strip():
        raise PayloadError(f"{what} name must be given")
    if len(name) > MAX_NAME_LENGTH:
        raise PayloadError(f"{what} name longer than {MAX_NAME_LENGTH} characters")
    return name


def snapshot_request_json(name: str) -> bytes:
    return json.dumps({"operation": "snapshot", "name": name}).encode("utf-8")


def parse_snapshot_request(data: bytes | str) -> str:
    """The requested snapshot name, after the seed's checks."""
    doc = _json_object(data)
    if doc.get("operation") != "snapshot":
        raise PayloadError("operation must be 'snapshot'")
    return _name(doc, "snapshot")


@dataclass(frozen=True)
class VolumeRequest:
    name: str
    volume_type: str | None = None
    multiattach: bool = False
    bootable: bool = True


def volume_request_json(request: VolumeRequest) -> bytes:
    doc: dict[str, Any] = {
        "name": request.name,
        "multiattach": request.multiattach,
        "bootable": request.bootable,
    }
    if request.volume_type is not None:
        doc["volume_type"] = request.volume_type
    return json.dumps(doc).encode("utf-8")


def _json_bool(doc: dict[str, Any], key: str, default: bool) -> bool:
    value = doc.get(key, default)
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if not isinstance(value, bool):
        raise PayloadError(f"{key} must be true or false")
    return value


def parse_volume_request(data: bytes | str) -> VolumeRequest:
    """Unsupported attributes are ignored, as seed 002 says ESC does."""
    doc = _json_object(data)
    volume_type = doc.get("volume_type")
    if volume_type is not None and not isinstance(volume_type, str):
        raise PayloadError("volume_type must be a string")
    return VolumeRequest(
        name=_name(doc, "volume"),
        volume_type=volume_type,
        multiattach=_json_bool(doc, "multiattach", False),
        bootable=_json_bool(doc, "bootable", True),
    )


_SNAPSHOT_FIELDS = (
    ("id", "id"),
    ("name", "name"),
    ("creation_start_date", "creation_start_date"),
    ("creation_end_date", "creation_end_date"),
    ("status", "status"),
    ("status_message", "status_message"),
    ("vm_name", "created_from_generated_vm_name"),
    ("vim_id", "vim_id"),
    ("tenant", "tenant"),
    ("volume_snapshot_id", "volume_snapshot_id"),
)


def snapshots_xml(snapshots: list[SnapshotInfo]) -> bytes:
    root = element("snapshots", None)
    for snap in snapshots:
        node = add(root, "snapshot", ns=NETCONF_NS)
        for attr, tag in _SNAPSHOT_FIELDS:
            add_opt(node, tag, getattr(snap, attr), NETCONF_NS)
    return serialize(root, None)


def snapshots_json(snapshots: list[SnapshotInfo]) -> bytes:
    return json.dumps(
        {"snapshots": [
            {tag: getattr(s, attr) for attr, tag in _SNAPSHOT_FIELDS
             if getattr(s, attr) is not None}
            for s in snapshots
        ]}
    ).encode("utf-8")


def parse_snapshots_xml(data: bytes | str) -> list[SnapshotInfo]:
    root = _root(data, "snapshots")
    result = []
    for node in children(root, "snapshot"):
        values = {attr: text(node, tag) for attr, tag in _SNAPSHOT_FIELDS}
        if not values["id"] or not values["name"]:
            raise PayloadError("snapshot without id or name")
        values["status"] = values["status"] or ""
        result.append(SnapshotInfo(**values))  # type: ignore[arg-type]
    return result


# ------------------------------------------------------------------ errors


def error_xml(code: int, message: str) -> bytes:
    root = element("error", NETCONF_NS)
    add(root, "error_code", code, NETCONF_NS)
    add(root, "error_message", message, NETCONF_NS)
    return serialize(root, NETCONF_NS)


def parse_error_message(body: bytes, limit: int = 500) -> str | None:
    """ESC's explanation from an error answer, whatever its shape; None if there is none."""
    if not body or not body.strip():
        return None
    stripped = body.lstrip()
    try:
        if stripped.startswith(b"<"):
            root = parse(body)
            for tag in ("error_message", "message", "error-message"):
                if (found := text(root, tag)) is not None:
                    return found[:limit]
            return None
        if stripped.startswith(b"{"):
            doc = _json_object(body)
            for key in ("error_message", "message", "detail", "error"):
                if isinstance(doc.get(key), str):
                    return doc[key][:limit]
            return None
    except ProtocolError:
        pass
    decoded = body.decode("utf-8", errors="replace").strip()
    return decoded[:limit] or None
