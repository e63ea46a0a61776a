"""Callback events in both wire forms (REST JSON, NETCONF escEvent XML) and the names the
seeds give them."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vnfm.southbound.esc.events import (
    EventParseError,
    event_to_json,
    event_to_xml,
    parse_event,
    parse_event_json,
    parse_event_xml,
)
from vnfm.southbound.types import (
    EscEvent,
    EventStatus,
    EventType,
    ServiceState,
    VmRef,
    VmStateName,
)


def _words(text: str) -> list[str]:
    return text.split()


SEED_EVENT_NAMES = _words("""
VM_DEPLOYED VM_ALIVE SERVICE_ALIVE VM_UNDEPLOYED SERVICE_UNDEPLOYED VM_UPDATED SERVICE_UPDATED
VM_RECOVERY_INIT VM_RECOVERY_DEPLOYED VM_RECOVERY_UNDEPLOYED VM_RECOVERY_COMPLETE
VM_RECOVERY_REBOOT VM_RECOVERY_CANCELLED VM_MANUAL_RECOVERY_NEEDED VM_MANUAL_RECOVERY_NO_NEED
VM_SCALE_OUT_INIT VM_SCALE_OUT_DEPLOYED VM_SCALE_OUT_COMPLETE VM_SCALE_IN_INIT
VM_SCALE_IN_COMPLETE VM_REBOOTED VM_STOPPED VM_STARTED SERVICE_STOPPED SERVICE_STARTED
SERVICE_REBOOTED HOST_DISABLE HOST_ENABLE VIM_OPERATIONAL_STATE CREATE_TENANT DELETE_TENANT
CREATE_NETWORK DELETE_NETWORK CREATE_SUBNET DELETE_SUBNET CREATE_IMAGE DELETE_IMAGE
CREATE_FLAVOR DELETE_FLAVOR VM_VERIFY_RESIZE VM_CONFIRM_RESIZE_INIT VM_CONFIRM_RESIZE_COMPLETE
VM_REVERT_RESIZE_INIT VM_REVERT_RESIZE_COMPLETE VM_MIGRATE_INIT VM_MIGRATED VM_MIGRATE_COMPLETE
VM_BACKUP_INIT VM_BACKUP_CREATED VM_BACKUP_COMPLETE VM_SNAPSHOT_DELETING VM_SNAPSHOT_DELETED
VM_VOLUME_ACCEPTED_EVENT VM_VOLUME_CREATED_EVENT VM_SET_MONITOR_STATUS SVC_SET_MONITOR_STATUS
""")
SEED_SERVICE_STATES = _words("""SERVICE_UNDEF_STATE SERVICE_DEPLOYING_STATE SERVICE_INERT_STATE
SERVICE_ACTIVE_STATE SERVICE_ERROR_STATE SERVICE_UNDEPLOYING_STATE SERVICE_STOPPING_STATE
SERVICE_STOPPED_STATE SERVICE_STARTING_STATE SERVICE_REBOOTING_STATE SERVICE_UPDATING_STATE
""")
SEED_VM_STATES = _words("""VM_UNDEF_STATE VM_DEPLOYING_STATE VM_MONITOR_UNSET_STATE
VM_MONITOR_DISABLED_STATE VM_STOPPING_STATE VM_SHUTOFF_STATE VM_STARTING_STATE
VM_REBOOTING_STATE VM_INERT_STATE VM_ALIVE_STATE VM_UNDEPLOYING_STATE VM_ERROR_STATE""")


def test_every_state_and_event_name_of_the_seeds_is_known_and_nothing_else() -> None:
    assert sorted(e.value for e in EventType) == sorted(SEED_EVENT_NAMES)
    assert sorted(s.value for s in ServiceState) == sorted(SEED_SERVICE_STATES)
    assert sorted(s.value for s in VmStateName) == sorted(SEED_VM_STATES)


# Seed 002's VM_BACKUP_CREATED notification, with its mismatched closing tag repaired.
SEED_NOTIFICATION = b"""<?xml version="1.0" encoding="UTF-8"?>
<notification xmlns="urn:ietf:params:xml:ns:netconf:notification:1.0">
  <eventTime>2021-09-14T12:18:39.836+00:00</eventTime>
  <escEvent xmlns="http://www.cisco.com/esc/esc">
    <status>SUCCESS</status>
    <status_code>202</status_code>
    <status_message>Snapshot is now active.</status_message>
    <depname>snapshot-deployment-name</depname>
    <tenant>snapshot-tenant</tenant>
    <tenant_id>7d61b5de73874f88a458d486759a9b83</tenant_id>
    <depid>ae0bea05-9630-4d17-a9e7-926f1f625dc7</depid>
    <vm_group>snapshot-group</vm_group>
    <vm_source>
      <vmid>1773914c-20cd-4f50-b337-1e46be2cf295</vmid>
      <vmname>new-deployment-n_new-gr_0_af0148e2-e74c-4be7-b8c1-49bd53def6ba</vmname>
      <generated_vmname>new-deployment-n_new-gr_0_af0148e2-e74c-4be7-b8c1-49bd53def6ba</generated_vmname>
      <vim_id>default_openstack_vim</vim_id>
      <hostid>95503baadecce2d33e5d924322390aee9d30c6ed24043284bf46984</hostid>
      <hostname>pf-ucs-27</hostname>
    </vm_source>
    <event><type>VM_BACKUP_CREATED</type></event>
  </escEvent>
</notification>"""


def test_seed_netconf_notification_parses() -> None:
    event = parse_event(SEED_NOTIFICATION, "application/xml")
    assert event.event_type is EventType.VM_BACKUP_CREATED
    assert (event.status, event.status_code) == (EventStatus.SUCCESS, 202)
    assert event.deployment_name == "snapshot-deployment-name"
    assert event.tenant_id == "7d61b5de73874f88a458d486759a9b83"
    assert event.vm_group == "snapshot-group"
    assert event.vm_source is not None
    assert event.vm_source.host_name == "pf-ucs-27"
    assert event.vm_name == "new-deployment-n_new-gr_0_af0148e2-e74c-4be7-b8c1-49bd53def6ba"
    assert event.event_time == datetime.fromisoformat("2021-09-14T12:18:39.836+00:00")


def test_seed_notification_as_printed_is_malformed_and_refused() -> None:
    broken = SEED_NOTIFICATION.replace(b"<generated_vmname>", b"<gen_vm_name>", 1)
    with pytest.raises(EventParseError):
        parse_event(broken)


def test_bare_esc_event_without_notification_wrapper() -> None:
    event = parse_event_xml(
        b"<esc_event><status>FAILURE</status><status_code>500</status_code>"
        b"<status_message>boom</status_message><depname>d</depname>"
        b"<event><type>SERVICE_ALIVE</type></event></esc_event>"
    )
    assert (event.event_type, event.status, event.status_message) == (
        EventType.SERVICE_ALIVE, EventStatus.FAILURE, "boom")


# Seed 002's VM_VOLUME_CREATED_EVENT callback, without its trailing comma.
SEED_CALLBACK = {
    "escTransactionId": "5acac790-9213-45c0-8fde-9dd7d3111fdb",
    "eventType": "VM_VOLUME_CREATED_EVENT",
    "eventSourceContext": None,
    "eventTargetContext": None,
    "message": "Create volume snapshot request completed",
    "stateMachineEventNBInfo": {"id": "de9440c0-1342-441d-a16e-5c8267231ae5", "message": {},
                                "logNames": [], "keywords": {}, "actionInfo": {},
                                "stackTrace": ""},
    "escParameter": {"external_volume_id": "c3cd5d13-63bf-49f0-b864-df3bc024d5e4",
                     "size": "2", "sizeunit": None, "bus": "virtio", "outOfBand": "false",
                     "name": "daves-ooband-bootable-volume-for-restore"},
    "vmUpdateType": None,
    "requestDetails": None,
    "statusCode": "201",
    "notificationOnlyEvent": False,
}


def test_seed_rest_callback_parses_and_success_comes_from_the_status_code() -> None:
    event = parse_event(json.dumps(SEED_CALLBACK).encode(), "application/json")
    assert event.event_type is EventType.VM_VOLUME_CREATED_EVENT
    assert (event.status, event.status_code) == (EventStatus.SUCCESS, 201)
    assert event.transaction_id == "5acac790-9213-45c0-8fde-9dd7d3111fdb"
    assert event.event_id == "de9440c0-1342-441d-a16e-5c8267231ae5"
    assert event.parameters["external_volume_id"] == "c3cd5d13-63bf-49f0-b864-df3bc024d5e4"
    assert "sizeunit" not in event.parameters
    assert event.deployment_name is None and event.vm_source is None


def test_rest_callback_with_an_error_code_is_a_failure() -> None:
    doc = dict(SEED_CALLBACK, statusCode="500")
    assert parse_event_json(json.dumps(doc).encode()).status is EventStatus.FAILURE


def test_seed_rest_callback_as_printed_is_malformed_and_refused() -> None:
    printed = json.dumps(SEED_CALLBACK)[:-1] + ', }'
    with pytest.raises(EventParseError):
        parse_event(printed.encode())


@pytest.mark.parametrize(
    "body",
    [
        b'{"eventType": "VM_EXPLODED", "statusCode": "200"}',
        b'{"statusCode": "200"}',
        b'{"eventType": "VM_ALIVE", "statusCode": "two hundred"}',
        b'{"eventType": "VM_ALIVE", "statusCode": 99999}',
        b'{"eventType": "VM_ALIVE", "status": "MAYBE"}',
        b'{"eventType": "VM_ALIVE", "eventSourceContext": "dep"}',
        b'{"eventType": "VM_ALIVE", "eventSourceContext": {"vmName": {"x": 1}}}',
        b'["VM_ALIVE"]',
        b"[" * 100_000 + b"]" * 100_000,
        b'{"eventType": "VM_ALIVE", "message": "' + b"x" * (1024 * 1024) + b'"}',
        b"{",
        b"<escEvent><event><type>VM_EXPLODED</type></event></escEvent>",
        b"<escEvent><status>SUCCESS</status></escEvent>",
        b"<notification><eventTime>now</eventTime></notification>",
        b"<rpc-reply><ok/></rpc-reply>",
        b"<escEvent><event><type>VM_ALIVE</type></event>",
        b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><escEvent>&e;</escEvent>',
        b"hello",
        b"",
    ],
)
def test_anything_else_is_one_clear_parse_error(body: bytes) -> None:
    with pytest.raises(EventParseError):
        parse_event(body)


def test_content_type_picks_the_form_even_if_the_body_lies() -> None:
    xml_body = event_to_xml(EscEvent(EventType.VM_ALIVE, EventStatus.SUCCESS, 200))
    with pytest.raises(EventParseError):
        parse_event(xml_body, "application/json")


def test_unreadable_event_time_does_not_lose_the_event() -> None:
    event = parse_event_json(b'{"eventType": "VM_ALIVE", "eventTime": "yesterday"}')
    assert event.event_type is EventType.VM_ALIVE and event.event_time is None


names = st.none() | st.text(
    alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=12)
refs = st.none() | st.builds(VmRef, vm_name=names, vm_id=names, generated_name=names,
                             host_id=names, host_name=names, vim_id=names,
                             vim_project=names, vim_project_id=names).filter(
    lambda r: any(vars(r).values()))
events = st.builds(
    EscEvent,
    event_type=st.sampled_from(EventType),
    status=st.sampled_from(EventStatus),
    status_code=st.integers(100, 599),
    status_message=st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E),
                           max_size=30).map(str.strip),
    deployment_name=names, deployment_id=names, tenant=names, tenant_id=names,
    vm_group=names, vm_source=refs, vm_target=refs, vm_state=names,
    transaction_id=names, event_id=names,
    event_time=st.none() | st.datetimes(timezones=st.just(UTC)),
    parameters=st.dictionaries(st.text("abcdef_", min_size=1, max_size=8),
                               st.text("xyz0123", min_size=1, max_size=8), max_size=3),
)


@settings(max_examples=80, deadline=None)
@given(events)
def test_any_event_survives_both_wire_forms(event: EscEvent) -> None:
    assert parse_event(event_to_json(event)) == event
    from_xml = parse_event(event_to_xml(event))
    assert from_xml == event
