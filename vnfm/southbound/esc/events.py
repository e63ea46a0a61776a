"""ESC callback events on the wire, in both forms ESC uses, to and from :class:`EscEvent`.

* **REST callback JSON** (seed 002, ``VM_VOLUME_CREATED_EVENT`` example): top-level
  ``escTransactionId``, ``eventType``, ``message``, ``statusCode``,
  ``stateMachineEventNBInfo.id``, ``escParameter``, ``eventSourceContext`` and
  ``eventTargetContext``.  The seed leaves the two contexts ``null``; we fill them
  with the deployment/VM fields of the NETCONF form under camelCase names
  (``tenant``, ``deploymentName``, ``vmGroup``, ``vmName``, ``hostName`` ...), and add
  ``status`` and ``eventTime``.  Without ``status`` the outcome is read from
  ``statusCode`` (below 400 means success), as a real ESC message requires.
* **NETCONF ``escEvent`` XML** (seed 002 ``VM_BACKUP_CREATED`` example), either inside
  a ``<notification>`` with ``<eventTime>`` or bare.  We add optional ``<vm_target>``
  (migration destination), ``<vm_state>``, ``<transaction_id>``, ``<event_id>`` and
  ``<parameters>``, which a reader of the documented form may ignore.

Anything that is not one of these forms, too large, or names an unknown event type
raises :class:`EventParseError`.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from vnfm.southbound.adapter import ProtocolError
from vnfm.southbound.esc.safexml import (
    ESC_NS,
    NOTIFICATION_NS,
    XmlError,
    add,
    add_opt,
    child,
    children,
    element,
    local,
    parse,
    serialize,
    text,
)
from vnfm.southbound.types import EscEvent, EventStatus, EventType, VmRef

MAX_JSON_BYTES = 1024 * 1024


class EventParseError(ProtocolError):
    """A callback body that is not an ESC event we understand."""


# ------------------------------------------------------------------------ dispatch


def parse_event(body: bytes | str, content_type: str | None = None) -> EscEvent:
    """Parse a callback body; the form is chosen by content type, else by its first byte."""
    raw = body.encode("utf-8") if isinstance(body, str) else body
    kind = (content_type or "").lower()
    if "json" in kind:
        return parse_event_json(raw)
    if "xml" in kind:
        return parse_event_xml(raw)
    stripped = raw.lstrip()
    if stripped.startswith(b"{"):
        return parse_event_json(raw)
    if stripped.startswith(b"<"):
        return parse_event_xml(raw)
    raise EventParseError("callback body is neither JSON nor XML")


def _event_type(value: object) -> EventType:
    if not isinstance(value, str) or not value:
        raise EventParseError("event type missing")
    try:
        return EventType(value.strip())
    except ValueError:
        raise EventParseError(f"unknown ESC event type {value[:60]!r}") from None


def _status(status: object, code: int) -> EventStatus:
    if status is None:
        return EventStatus.SUCCESS if code < 400 else EventStatus.FAILURE
    if not isinstance(status, str):
        raise EventParseError("status must be a string")
    try:
        return EventStatus(status.strip().upper())
    except ValueError:
        raise EventParseError(f"unknown event status {status[:40]!r}") from None


def _code(value: object, status: object) -> int:
    if value is None or value == "":
        return 500 if isinstance(status, str) and status.upper() == "FAILURE" else 200
    if isinstance(value, bool):
        raise EventParseError("status code must be a number")
    try:
        code = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise EventParseError(f"status code is not a number: {str(value)[:40]!r}") from None
    if not 100 <= code <= 999:
        raise EventParseError(f"status code out of range: {code}")
    return code


def _time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.strip())
    except ValueError:
        return None  # an unreadable timestamp is not worth losing the event for


# ------------------------------------------------------------------------ JSON form

_JSON_REF_FIELDS = {
    "vm_name": "vmName",
    "vm_id": "vmId",
    "generated_name": "generatedVmName",
    "host_id": "hostId",
    "host_name": "hostName",
    "vim_id": "vimId",
    "vim_project": "vimProject",
    "vim_project_id": "vimProjectId",
}


def _opt_str(obj: dict[str, Any], key: str) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, (dict, list)):
        raise EventParseError(f"{key} must be a scalar")
    return str(value)


def _ref_from_json(ctx: dict[str, Any]) -> VmRef | None:
    values = {attr: _opt_str(ctx, key) for attr, key in _JSON_REF_FIELDS.items()}
    if not any(values.values()):
        return None
    return VmRef(**values)


def parse_event_json(body: bytes) -> EscEvent:
    if len(body) > MAX_JSON_BYTES:
        raise EventParseError(f"callback too large ({len(body)} bytes)")
    try:
        doc = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise EventParseError(f"malformed JSON: {str(exc)[:120]}") from None
    if not isinstance(doc, dict):
        raise EventParseError("callback JSON must be an object")
    source = doc.get("eventSourceContext") or {}
    target = doc.get("eventTargetContext") or {}
    nb_info = doc.get("stateMachineEventNBInfo") or {}
    params = doc.get("escParameter") or {}
    for name, value in (("eventSourceContext", source), ("eventTargetContext", target),
                        ("stateMachineEventNBInfo", nb_info), ("escParameter", params)):
        if not isinstance(value, dict):
            raise EventParseError(f"{name} must be an object")
    code = _code(doc.get("statusCode"), doc.get("status"))
    message = doc.get("message")
    return EscEvent(
        event_type=_event_type(doc.get("eventType")),
        status=_status(doc.get("status"), code),
        status_code=code,
        status_message=message if isinstance(message, str) else "",
        deployment_name=_opt_str(source, "deploymentName"),
        deployment_id=_opt_str(source, "deploymentId"),
        tenant=_opt_str(source, "tenant"),
        tenant_id=_opt_str(source, "tenantId"),
        vm_group=_opt_str(source, "vmGroup"),
        vm_source=_ref_from_json(source),
        vm_target=_ref_from_json(target),
        vm_state=_opt_str(source, "vmState"),
        transaction_id=_opt_str(doc, "escTransactionId"),
        event_id=_opt_str(nb_info, "id"),
        event_time=_time(doc.get("eventTime")),
        parameters={
            str(k): str(v) for k, v in params.items()
            if v is not None and not isinstance(v, (dict, list))
        },
    )


def _ref_to_json(ref: VmRef | None) -> dict[str, str]:
    if ref is None:
        return {}
    return {
        key: value
        for attr, key in _JSON_REF_FIELDS.items()
        if (value := getattr(ref, attr)) is not None
    }


def event_to_json(event: EscEvent) -> bytes:
    source: dict[str, str] = {
        key: value
        for key, value in (
            ("tenant", event.tenant),
            ("tenantId", event.tenant_id),
            ("deploymentName", event.deployment_name),
            ("deploymentId", event.deployment_id),
            ("vmGroup", event.vm_group),
            ("vmState", event.vm_state),
        )
        if value is not None
    }
    source.update(_ref_to_json(event.vm_source))
    doc = {
        "escTransactionId": event.transaction_id,
        "eventType": event.event_type.value,
        "eventSourceContext": source or None,
        "eventTargetContext": _ref_to_json(event.vm_target) or None,
        "message": event.status_message,
        "status": event.status.value,
        "stateMachineEventNBInfo": {"id": event.event_id},
        "escParameter": dict(event.parameters) or None,
        "statusCode": str(event.status_code),
        "notificationOnlyEvent": False,
        "eventTime": event.event_time.isoformat() if event.event_time else None,
    }
    return json.dumps(doc).encode("utf-8")


# ------------------------------------------------------------------------ XML form

_XML_REF_FIELDS = {
    "vm_name": "vmname",
    "vm_id": "vmid",
    "generated_name": "generated_vmname",
    "host_id": "hostid",
    "host_name": "hostname",
    "vim_id": "vim_id",
    "vim_project": "vim_project",
    "vim_project_id": "vim_project_id",
}


def _ref_from_xml(node: Any) -> VmRef | None:
    if node is None:
        return None
    values = {attr: text(node, name) for attr, name in _XML_REF_FIELDS.items()}
    return VmRef(**values) if any(values.values()) else None


def parse_event_xml(body: bytes) -> EscEvent:
    try:
        root = parse(body)
    except XmlError as exc:
        raise EventParseError(exc.message) from None
    event_time = None
    if local(root.tag) == "notification":
        event_time = _time(text(root, "eventTime"))
        node = child(root, "escEvent")
        if node is None:
            node = child(root, "esc_event")
        if node is None:
            raise EventParseError("<notification> holds no <escEvent>")
    elif local(root.tag) in ("escEvent", "esc_event"):
        node = root
    else:
        raise EventParseError(f"unexpected root element <{local(root.tag)[:40]}>")
    event_node = child(node, "event")
    type_name = text(event_node, "type") if event_node is not None else None
    status_text = text(node, "status")
    code = _code(text(node, "status_code"), status_text)
    params_node = child(node, "parameters")
    parameters = {}
    for p in children(params_node, "parameter") if params_node is not None else ():
        name = text(p, "name")
        if name:
            parameters[name] = text(p, "value") or ""
    return EscEvent(
        event_type=_event_type(type_name),
        status=_status(status_text, code),
        status_code=code,
        status_message=text(node, "status_message") or "",
        deployment_name=text(node, "depname"),
        deployment_id=text(node, "depid"),
        tenant=text(node, "tenant"),
        tenant_id=text(node, "tenant_id"),
        vm_group=text(node, "vm_group"),
        vm_source=_ref_from_xml(child(node, "vm_source")),
        vm_target=_ref_from_xml(child(node, "vm_target")),
        vm_state=text(node, "vm_state"),
        transaction_id=text(node, "transaction_id"),
        event_id=text(node, "event_id"),
        event_time=event_time,
        parameters=parameters,
    )


def _add_ref(parent: Any, name: str, ref: VmRef | None) -> None:
    if ref is None:
        return
    node = add(parent, name)
    for attr, tag in _XML_REF_FIELDS.items():
        add_opt(node, tag, getattr(ref, attr))


def event_to_xml(event: EscEvent) -> bytes:
    """The NETCONF notification form, ``<notification><escEvent>...``."""
    root = element("notification", NOTIFICATION_NS)
    if event.event_time is not None:
        add(root, "eventTime", event.event_time.isoformat(), NOTIFICATION_NS)
    node = add(root, "escEvent", ns=ESC_NS)
    add(node, "status", event.status.value)
    add(node, "status_code", event.status_code)
    add(node, "status_message", event.status_message)
    add_opt(node, "depname", event.deployment_name)
    add_opt(node, "tenant", event.tenant)
    add_opt(node, "tenant_id", event.tenant_id)
    add_opt(node, "depid", event.deployment_id)
    add_opt(node, "vm_group", event.vm_group)
    _add_ref(node, "vm_source", event.vm_source)
    _add_ref(node, "vm_target", event.vm_target)
    add_opt(node, "vm_state", event.vm_state)
    add_opt(node, "transaction_id", event.transaction_id)
    add_opt(node, "event_id", event.event_id)
    if event.parameters:
        params = add(node, "parameters")
        for name, value in event.parameters.items():
            p = add(params, "parameter")
            add(p, "name", name)
            add(p, "value", value)
    add(add(node, "event"), "type", event.event_type.value)
    return serialize(root, default_ns=NOTIFICATION_NS)
