"""Operation payloads, snapshot listings, error documents and opdata, both directions."""

from __future__ import annotations

import pytest

from vnfm.southbound.adapter import ProtocolError
from vnfm.southbound.esc import operations as ops
from vnfm.southbound.esc.opdata import opdata_xml, parse_opdata
from vnfm.southbound.esc.safexml import XmlError
from vnfm.southbound.types import (
    DeploymentState,
    MigrationType,
    MonitorStatus,
    RecoveryAction,
    ServiceAction,
    ServiceState,
    SnapshotInfo,
    VimVmState,
    VmAction,
    VmInterface,
    VmState,
    VmStateName,
)


@pytest.mark.parametrize("action", list(ServiceAction))
def test_service_operation_round_trip(action: ServiceAction) -> None:
    assert ops.parse_service_operation(ops.service_operation_xml(action)) is action


@pytest.mark.parametrize("action", list(VmAction))
@pytest.mark.parametrize("force", [True, False])
def test_vm_operation_round_trip(action: VmAction, force: bool) -> None:
    assert ops.parse_vm_operation(ops.vm_operation_xml(action, force)) == (action, force)


def test_seed_vm_operation_spellings_are_understood() -> None:
    seed = b"""<vm_operation xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">
      <operation>CONFIRM_RESIZE</operation></vm_operation>"""
    assert ops.parse_vm_operation(seed) == (VmAction.CONFIRM_RESIZE, False)


def test_seed_migrate_payload_with_odd_namespace_case_is_understood() -> None:
    seed = b"""<vm_migrate_operation xmlns="urn:iETF:params:xml:ns:netconf:base:1.0">
      <operation>migrate</operation><migrationType>live</migrationType><host>Host-24</host>
    </vm_migrate_operation>"""
    assert ops.parse_migrate_operation(seed) == ops.MigrateRequest(MigrationType.LIVE,
                                                                   "Host-24")


@pytest.mark.parametrize(
    "request_",
    [ops.MigrateRequest(MigrationType.COLD), ops.MigrateRequest(MigrationType.LIVE, "h", True)],
)
def test_migrate_round_trip(request_: ops.MigrateRequest) -> None:
    assert ops.parse_migrate_operation(ops.migrate_operation_xml(request_)) == request_


@pytest.mark.parametrize("action", list(RecoveryAction))
def test_recovery_round_trip(action: RecoveryAction) -> None:
    assert ops.parse_recovery_operation(ops.recovery_operation_xml(action)) is action


@pytest.mark.parametrize(
    ("parse", "body"),
    [
        (ops.parse_service_operation, b"<service_operation><operation>pause</operation>"
                                      b"</service_operation>"),
        (ops.parse_service_operation, b"<vm_operation><operation>stop</operation>"
                                      b"</vm_operation>"),
        (ops.parse_vm_operation, b"<vm_operation/>"),
        (ops.parse_vm_operation, b"<vm_operation><operation>stop</operation>"
                                 b"<force>perhaps</force></vm_operation>"),
        (ops.parse_migrate_operation, b"<vm_migrate_operation><operation>move</operation>"
                                      b"<migrationType>live</migrationType>"
                                      b"</vm_migrate_operation>"),
        (ops.parse_migrate_operation, b"<vm_migrate_operation><operation>migrate</operation>"
                                      b"<migrationType>warm</migrationType>"
                                      b"</vm_migrate_operation>"),
        (ops.parse_recovery_operation, b"<recovery_vm_operation><operation>recover</operation>"
                                       b"<recovery_action>PRAY</recovery_action>"
                                       b"</recovery_vm_operation>"),
        (ops.parse_snapshot_request, b'{"operation": "snapshot", "name": 7}'),
        (ops.parse_volume_request, b'{"name": "v", "bootable": "sometimes"}'),
        (ops.parse_volume_request, b'{"name": "v", "volume_type": 3}'),
    ],
)
def test_malformed_payloads_raise_protocol_errors(parse: object, body: bytes) -> None:
    with pytest.raises(ProtocolError):
        parse(body)  # type: ignore[operator]


def test_volume_request_defaults_and_round_trip() -> None:
    assert ops.parse_volume_request(b'{"name": "v"}') == ops.VolumeRequest("v", None, False, True)
    full = ops.VolumeRequest("v", "ceph", True, False)
    assert ops.parse_volume_request(ops.volume_request_json(full)) == full


SNAPS = [
    SnapshotInfo(id="171ffa7d", name="my-snapshot-name", status="active", vm_name="vm-1",
                 tenant="dave-2000", status_message="Snapshot image for [vm-1] is active.",
                 creation_start_date="2021-09-20T08:29:22.074+01:00",
                 creation_end_date="2021-09-20T08:33:41.193+01:00", vim_id="my-snapshot-vim",
                 volume_snapshot_id="c4548ba4"),
    SnapshotInfo(id="2", name="bare", status="error"),
]


def test_snapshot_listing_round_trip() -> None:
    assert ops.parse_snapshots_xml(ops.snapshots_xml(SNAPS)) == SNAPS
    assert ops.parse_snapshots_xml(ops.snapshots_xml([])) == []


def test_seed_snapshot_listing_parses() -> None:
    seed = b"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
    <snapshots><snapshot xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">
      <id>171ffa7d-8318-47d1-acab-b01db4501a39</id><name>my-snapshot-name</name>
      <status>active</status>
      <created_from_generated_vm_name>new-dep-4_new-gr_0_34b9</created_from_generated_vm_name>
      <tenant>dave-2000</tenant>
      <volume_snapshot_id>c4548ba4-0480-4b42-8229-ad98de44b3ea</volume_snapshot_id>
    </snapshot></snapshots>"""
    [snap] = ops.parse_snapshots_xml(seed)
    assert (snap.name, snap.vm_name, snap.volume_snapshot_id) == (
        "my-snapshot-name", "new-dep-4_new-gr_0_34b9", "c4548ba4-0480-4b42-8229-ad98de44b3ea")


def test_snapshot_listing_without_ids_is_refused() -> None:
    with pytest.raises(ProtocolError):
        ops.parse_snapshots_xml(b"<snapshots><snapshot><name>x</name></snapshot></snapshots>")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (ops.error_xml(404, "Snapshot image [x] not found."), "Snapshot image [x] not found."),
        (b'{"message": "quota exceeded"}', "quota exceeded"),
        (b"plain words", "plain words"),
        (b"<html><body>oops</body></html>", None),
        (b"<error><error_message>broken", "<error><error_message>broken"),
        (b"", None),
    ],
)
def test_error_messages_are_extracted_from_any_shape(body: bytes, message: str | None) -> None:
    assert ops.parse_error_message(body) == message


STATE = DeploymentState(
    tenant="admin", name="dep", deployment_id="84779a3b", state=ServiceState.SERVICE_ACTIVE_STATE,
    vms=(
        VmState(name="dep_g1_0_x", vm_id="3b24cef1", vm_group="g1",
                state=VmStateName.VM_ALIVE_STATE, host_id="549a", host_name="esc-soltest-116",
                flavor="f", image="i", vim_state=VimVmState.VERIFY_RESIZE,
                interfaces=(VmInterface(0, "net", "10.0.0.5", "fa:16:3e:00:00:01", "p1"),),
                monitor_status=MonitorStatus.DISABLED, monitoring_agent="dmona://mona1"),
        VmState(name="dep_g2_0_y", vm_id="2", vm_group="g2",
                state=VmStateName.VM_SHUTOFF_STATE),
    ),
)


def test_opdata_round_trip() -> None:
    assert parse_opdata(opdata_xml(STATE)) == STATE


@pytest.mark.parametrize(
    ("needle", "replacement"),
    [
        (b"SERVICE_ACTIVE_STATE", b"SERVICE_SLEEPY_STATE"),
        (b"VM_SHUTOFF_STATE", b"VM_GONE_STATE"),
        (b"<opdata>", b"<config>"),
        (b"<state_machine>", b"<machine>"),
        (b"<vm_id>2</vm_id>", b""),
        (b"<nicid>0</nicid>", b"<nicid>zero</nicid>"),
    ],
)
def test_broken_opdata_is_refused(needle: bytes, replacement: bytes) -> None:
    body = opdata_xml(STATE).replace(needle, replacement)
    body = body.replace(b"</opdata>", b"</config>") if needle == b"<opdata>" else body
    body = body.replace(b"</state_machine>", b"</machine>") if needle == b"<state_machine>" \
        else body
    with pytest.raises(XmlError):
        parse_opdata(body)
