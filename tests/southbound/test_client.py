"""EscAdapter against the simulator over real HTTP, with a local callback receiver."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from tests.escsim.helpers import group, spec, with_group
from vnfm.escsim.recorder import CallbackRecorder
from vnfm.escsim.server import SimulatorServer
from vnfm.southbound.adapter import (
    Adapter,
    AlreadyExists,
    NotFound,
    ProtocolError,
    RequestRejected,
    SouthboundTimeout,
    Unavailable,
)
from vnfm.southbound.esc.client import EscAdapter
from vnfm.southbound.types import (
    DeploymentSpec,
    EventStatus,
    EventType,
    MigrationType,
    MonitorStatus,
    RecoveryAction,
    ScalingSpec,
    ServiceAction,
    ServiceState,
    VimVmState,
    VmAction,
    VmStateName,
)

E = EventType
S = ServiceState
V = VmStateName
EV = "/events"


def _calls(server: SimulatorServer) -> list[dict[str, object]]:
    return requests.get(f"{server.url}/sim/calls", timeout=5).json()


def _fault(server: SimulatorServer, **doc: object) -> None:
    assert requests.post(f"{server.url}/sim/faults", json=doc, timeout=5).status_code == 201


def _deployed(adapter: EscAdapter, recorder: CallbackRecorder, s: DeploymentSpec | None = None
              ) -> DeploymentSpec:
    s = s or spec("dep", group(min_active=1, max_active=3))
    adapter.deploy(s)
    recorder.wait_for(E.SERVICE_ALIVE, deployment=s.name, path=EV)
    recorder.clear()
    return s


def _vm(adapter: EscAdapter) -> str:
    state = adapter.get_deployment("dep")
    assert state is not None
    return state.vms[0].name


def test_the_adapter_implements_the_protocol(adapter: EscAdapter) -> None:
    assert isinstance(adapter, Adapter)


def test_deploy_produces_deployed_alive_service_alive_in_both_callback_forms(
    adapter: EscAdapter, recorder: CallbackRecorder
) -> None:
    adapter.deploy(spec("dep", group(min_active=2, max_active=2)))
    recorder.wait_for(E.SERVICE_ALIVE, path=EV)
    recorder.wait_for(E.SERVICE_ALIVE, path="/callback")
    expected = [E.VM_DEPLOYED, E.VM_DEPLOYED, E.VM_ALIVE, E.VM_ALIVE, E.SERVICE_ALIVE]
    assert recorder.types(EV) == expected
    assert recorder.types("/callback") == expected
    state = adapter.get_deployment("dep")
    assert state is not None and state.state is S.SERVICE_ACTIVE_STATE
    assert {v.name for v in state.vms} == {e.vm_name for e in recorder.events(EV)
                                          if e.event_type is E.VM_ALIVE}


def test_requests_carry_the_callback_headers_and_escs_paths(
    server: SimulatorServer, adapter: EscAdapter, recorder: CallbackRecorder
) -> None:
    _deployed(adapter, recorder)
    vm = _vm(adapter)
    adapter.vm_action("admin", vm, VmAction.REBOOT)
    recorder.wait_for(E.VM_REBOOTED, path=EV)
    calls = _calls(server)
    assert [(c["method"], c["path"]) for c in calls] == [
        ("POST", "/ESCManager/v0/admin/deployments/dep"),
        ("GET", "/ESCManager/v0/deployments/dep"),
        ("POST", f"/ESCManager/v0/admin/deployments/vm/{vm}"),
    ]
    headers = calls[0]["headers"]
    assert headers["Callback"] == recorder.url("/callback")  # type: ignore[index]
    assert headers["Callback-ESC-Events"] == recorder.url(EV)  # type: ignore[index]
    assert headers["Content-Type"] == "application/xml"  # type: ignore[index]


def test_names_are_quoted_into_the_url(adapter: EscAdapter, recorder: CallbackRecorder) -> None:
    _deployed(adapter, recorder, spec("dep one", tenant="tenant a"))
    state = adapter.get_deployment("dep one")
    assert state is not None and state.tenant == "tenant a"
    adapter.undeploy("tenant a", "dep one")
    recorder.wait_for(E.SERVICE_UNDEPLOYED, path=EV)


def test_undeploy_then_the_deployment_is_unknown(adapter: EscAdapter, recorder: CallbackRecorder
                                                 ) -> None:
    _deployed(adapter, recorder)
    adapter.undeploy("admin", "dep")
    recorder.wait_for(E.SERVICE_UNDEPLOYED, path=EV)
    assert recorder.types(EV) == [E.VM_UNDEPLOYED, E.SERVICE_UNDEPLOYED]
    assert adapter.get_deployment("dep") is None
    with pytest.raises(NotFound) as err:
        adapter.undeploy("admin", "dep")
    assert err.value.status_code == 404 and "not found" in err.value.message


def test_a_retried_deploy_meets_already_exists(adapter: EscAdapter, recorder: CallbackRecorder
                                               ) -> None:
    s = _deployed(adapter, recorder)
    with pytest.raises(AlreadyExists) as err:
        adapter.deploy(s)
    assert isinstance(err.value, RequestRejected) and err.value.status_code == 409


def test_rejections_carry_escs_message(adapter: EscAdapter) -> None:
    bad = spec("dep", dataclasses.replace(group(), scaling=ScalingSpec(3, 2)))
    with pytest.raises(RequestRejected) as err:
        adapter.deploy(bad)
    assert err.value.status_code == 400
    assert "min_active 3 is greater than max_active 2" in err.value.message
    assert not err.value.retryable


def test_update_scales_out_and_in(adapter: EscAdapter, recorder: CallbackRecorder) -> None:
    s = _deployed(adapter, recorder)
    bigger = with_group(s, "g1", scaling=ScalingSpec(2, 3))
    adapter.update_service(bigger)
    recorder.wait_for(E.SERVICE_UPDATED, path=EV)
    assert recorder.types(EV) == [E.VM_SCALE_OUT_INIT, E.VM_SCALE_OUT_DEPLOYED, E.VM_ALIVE,
                                  E.VM_SCALE_OUT_COMPLETE, E.SERVICE_UPDATED]
    recorder.clear()
    adapter.update_service(with_group(bigger, "g1", scaling=ScalingSpec(1, 1)))
    recorder.wait_for(E.SERVICE_UPDATED, path=EV)
    assert recorder.types(EV) == [E.VM_SCALE_IN_INIT, E.VM_SCALE_IN_COMPLETE, E.SERVICE_UPDATED]
    state = adapter.get_deployment("dep")
    assert state is not None and len(state.vms) == 1


def test_update_with_nothing_to_change_is_rejected(adapter: EscAdapter,
                                                   recorder: CallbackRecorder) -> None:
    s = _deployed(adapter, recorder)
    with pytest.raises(RequestRejected) as err:
        adapter.update_service(s)
    assert "nothing to update" in err.value.message


def test_resize_then_confirm(adapter: EscAdapter, recorder: CallbackRecorder) -> None:
    s = _deployed(adapter, recorder)
    adapter.update_service(with_group(s, "g1", flavor="SolTest-Cirros-Flavor-v2"))
    [verify] = recorder.wait_for(E.VM_VERIFY_RESIZE, path=EV)
    assert verify.vm_state == "VERIFY_RESIZE"
    state = adapter.get_deployment("dep")
    assert state is not None and state.vms[0].vim_state is VimVmState.VERIFY_RESIZE
    adapter.vm_action("admin", verify.vm_name or "", VmAction.CONFIRM_RESIZE)
    recorder.wait_for(E.VM_ALIVE, path=EV)
    assert recorder.types(EV)[-3:] == [E.VM_CONFIRM_RESIZE_INIT, E.VM_CONFIRM_RESIZE_COMPLETE,
                                       E.VM_ALIVE]
    state = adapter.get_deployment("dep")
    assert state is not None and state.vms[0].flavor == "SolTest-Cirros-Flavor-v2"


def test_service_stop_start_reboot(adapter: EscAdapter, recorder: CallbackRecorder) -> None:
    _deployed(adapter, recorder)
    for action, done in ((ServiceAction.STOP, E.SERVICE_STOPPED),
                         (ServiceAction.START, E.SERVICE_STARTED),
                         (ServiceAction.REBOOT, E.SERVICE_REBOOTED)):
        adapter.service_action("admin", "dep", action)
        recorder.wait_for(done, path=EV)
    assert recorder.types(EV) == [E.VM_STOPPED, E.SERVICE_STOPPED, E.VM_STARTED,
                                  E.SERVICE_STARTED, E.VM_REBOOTED, E.SERVICE_REBOOTED]


def test_stopped_service_only_accepts_undeploy(adapter: EscAdapter, recorder: CallbackRecorder
                                               ) -> None:
    _deployed(adapter, recorder)
    adapter.service_action("admin", "dep", ServiceAction.STOP)
    recorder.wait_for(E.SERVICE_STOPPED, path=EV)
    with pytest.raises(RequestRejected) as err:
        adapter.recover_vm("admin", _vm(adapter))
    assert err.value.status_code == 409
    adapter.undeploy("admin", "dep")
    recorder.wait_for(E.SERVICE_UNDEPLOYED, path=EV)


def test_vm_stop_and_start(adapter: EscAdapter, recorder: CallbackRecorder) -> None:
    _deployed(adapter, recorder)
    vm = _vm(adapter)
    adapter.vm_action("admin", vm, VmAction.STOP, force=True)
    recorder.wait_for(E.VM_STOPPED, path=EV)
    state = adapter.get_deployment("dep")
    assert state is not None and state.vms[0].state is V.VM_SHUTOFF_STATE
    adapter.vm_action("admin", vm, VmAction.START)
    recorder.wait_for(E.VM_STARTED, path=EV)
    with pytest.raises(NotFound):
        adapter.vm_action("admin", "ghost", VmAction.STOP)


def test_live_migration_to_a_host(server: SimulatorServer, adapter: EscAdapter,
                                  recorder: CallbackRecorder) -> None:
    _deployed(adapter, recorder)
    adapter.migrate_vm("admin", _vm(adapter), MigrationType.LIVE, host="Host-24",
                       block_migration=True)
    recorder.wait_for(E.VM_MIGRATE_COMPLETE, path=EV)
    assert recorder.types(EV) == [E.VM_MIGRATE_INIT, E.VM_MIGRATED, E.VM_MIGRATE_COMPLETE]
    body = str(_calls(server)[-1]["body"])
    assert "<migrationType>live</migrationType>" in body and "<host>Host-24</host>" in body
    state = adapter.get_deployment("dep")
    assert state is not None and state.vms[0].host_name == "Host-24"


def test_cold_migration_then_revert(adapter: EscAdapter, recorder: CallbackRecorder) -> None:
    _deployed(adapter, recorder)
    vm = _vm(adapter)
    adapter.migrate_vm("admin", vm, MigrationType.COLD)
    recorder.wait_for(E.VM_VERIFY_RESIZE, path=EV)
    adapter.vm_action("admin", vm, VmAction.REVERT_RESIZE)
    recorder.wait_for(E.VM_REVERT_RESIZE_COMPLETE, path=EV)
    with pytest.raises(RequestRejected):
        adapter.migrate_vm("admin", vm, MigrationType.COLD, block_migration=True)


def test_snapshot_list_volume_and_delete(adapter: EscAdapter, recorder: CallbackRecorder) -> None:
    _deployed(adapter, recorder)
    vm = _vm(adapter)
    adapter.create_snapshot("admin", vm, "my-snapshot-name")
    recorder.wait_for(E.VM_BACKUP_COMPLETE, path=EV)
    assert recorder.types(EV) == [E.VM_BACKUP_INIT, E.VM_BACKUP_CREATED, E.VM_BACKUP_COMPLETE]
    [snap] = adapter.list_snapshots(tenant="admin", vm_name=vm)
    assert (snap.name, snap.status, snap.vm_name) == ("my-snapshot-name", "active", vm)
    assert adapter.list_snapshots(tenant="someone-else") == []
    adapter.create_volume_from_snapshot(snap.id, "restore-volume", volume_type="ssd",
                                        multiattach=True)
    [volume] = recorder.wait_for(E.VM_VOLUME_CREATED_EVENT, path=EV)
    assert volume.parameters["name"] == "restore-volume"
    assert volume.parameters["external_volume_id"]
    adapter.delete_snapshot("my-snapshot-name")
    recorder.wait_for(E.VM_SNAPSHOT_DELETED, path=EV)
    assert adapter.list_snapshots() == []
    with pytest.raises(NotFound) as err:
        adapter.delete_snapshot("my-snapshot-name")
    assert err.value.message == "Snapshot image [my-snapshot-name] not found."


def test_snapshot_name_too_long_is_rejected(adapter: EscAdapter, recorder: CallbackRecorder
                                            ) -> None:
    _deployed(adapter, recorder)
    with pytest.raises(RequestRejected) as err:
        adapter.create_snapshot("admin", _vm(adapter), "n" * 256)
    assert err.value.status_code == 400 and "255" in err.value.message


def test_recovery_by_redeploy(adapter: EscAdapter, recorder: CallbackRecorder) -> None:
    _deployed(adapter, recorder)
    adapter.recover_vm("admin", _vm(adapter), RecoveryAction.REDEPLOY_ONLY)
    recorder.wait_for(E.VM_RECOVERY_COMPLETE, path=EV)
    assert recorder.types(EV) == [E.VM_RECOVERY_INIT, E.VM_RECOVERY_UNDEPLOYED,
                                  E.VM_RECOVERY_DEPLOYED, E.VM_RECOVERY_COMPLETE]


def test_unset_and_set_monitoring(adapter: EscAdapter, recorder: CallbackRecorder) -> None:
    _deployed(adapter, recorder)
    vm = _vm(adapter)
    adapter.unset_monitoring("admin", vm)
    recorder.wait_for(E.VM_SET_MONITOR_STATUS, path=EV)
    state = adapter.get_deployment("dep")
    assert state is not None and state.vms[0].monitor_status is MonitorStatus.DISABLED
    adapter.set_monitoring("admin", vm)
    recorder.wait_for(E.VM_SET_MONITOR_STATUS, count=2, path=EV)
    state = adapter.get_deployment("dep")
    assert state is not None and state.vms[0].monitor_status is MonitorStatus.SET


def test_monitoring_agent_migration_through_service_update(
    adapter: EscAdapter, recorder: CallbackRecorder
) -> None:
    s = _deployed(adapter, recorder, spec("dep", group(monitoring_agent={"k": "dmona://a"})))
    adapter.update_service(with_group(s, "g1", monitoring_agent={"k": "dmona://b"}))
    recorder.wait_for(E.SVC_SET_MONITOR_STATUS, path=EV)
    assert recorder.types(EV) == [E.VM_UPDATED, E.SERVICE_UPDATED, E.VM_SET_MONITOR_STATUS,
                                  E.SVC_SET_MONITOR_STATUS]
    state = adapter.get_deployment("dep")
    assert state is not None and state.state is S.SERVICE_ACTIVE_STATE
    assert state.vms[0].monitoring_agent == "dmona://b"


# ---------------------------------------------------------------- injected faults

Op = Callable[[EscAdapter], None]
S1 = spec("dep", group(min_active=1, max_active=3))


def _first_vm(a: EscAdapter) -> str:
    state = a.get_deployment("dep")
    assert state is not None
    return state.vms[0].name


REJECTABLE: dict[str, Op] = {
    "deploy": lambda a: a.deploy(spec("other")),
    "undeploy": lambda a: a.undeploy("admin", "dep"),
    "update": lambda a: a.update_service(with_group(S1, "g1", scaling=ScalingSpec(2, 3))),
    "resize": lambda a: a.update_service(with_group(S1, "g1", flavor="v2")),
    "service_action": lambda a: a.service_action("admin", "dep", ServiceAction.REBOOT),
    "vm_action": lambda a: a.vm_action("admin", _first_vm(a), VmAction.REBOOT),
    "migrate": lambda a: a.migrate_vm("admin", _first_vm(a), MigrationType.LIVE),
    "snapshot": lambda a: a.create_snapshot("admin", _first_vm(a), "s"),
    "recovery": lambda a: a.recover_vm("admin", _first_vm(a)),
}


@pytest.mark.parametrize("step", sorted(REJECTABLE))
def test_injected_http_errors_become_request_rejected(
    server: SimulatorServer, adapter: EscAdapter, recorder: CallbackRecorder, step: str
) -> None:
    _deployed(adapter, recorder, S1)
    _fault(server, step=step, effect="reject", status=422, message=f"VIM refused {step}")
    with pytest.raises(RequestRejected) as err:
        REJECTABLE[step](adapter)
    assert (err.value.status_code, err.value.message) == (422, f"VIM refused {step}")


def _snap(a: EscAdapter, recorder: CallbackRecorder) -> str:
    a.create_snapshot("admin", _first_vm(a), "s")
    recorder.wait_for(E.VM_BACKUP_COMPLETE, path=EV)
    recorder.clear()
    return a.list_snapshots()[0].id


@pytest.mark.parametrize(
    ("step", "operation", "failing"),
    [
        ("deploy", lambda a, r: a.deploy(spec("other")), E.SERVICE_ALIVE),
        ("vm_alive", lambda a, r: a.deploy(spec("other")), E.SERVICE_ALIVE),
        ("undeploy", lambda a, r: a.undeploy("admin", "dep"), E.SERVICE_UNDEPLOYED),
        ("update", lambda a, r: a.update_service(with_group(S1, "g1", image="x")),
         E.SERVICE_UPDATED),
        ("resize", lambda a, r: a.update_service(with_group(S1, "g1", flavor="v2")),
         E.SERVICE_UPDATED),
        ("set_monitor", lambda a, r: a.update_service(
            with_group(S1, "g1", monitoring_agent={"k": "dmona://b"})),
         E.SVC_SET_MONITOR_STATUS),
        ("service_action", lambda a, r: a.service_action("admin", "dep", ServiceAction.STOP),
         E.SERVICE_STOPPED),
        ("vm_action", lambda a, r: a.vm_action("admin", _first_vm(a), VmAction.STOP),
         E.VM_STOPPED),
        ("migrate", lambda a, r: a.migrate_vm("admin", _first_vm(a), MigrationType.LIVE),
         E.VM_MIGRATE_COMPLETE),
        ("snapshot", lambda a, r: a.create_snapshot("admin", _first_vm(a), "s"),
         E.VM_BACKUP_COMPLETE),
        ("snapshot_delete", lambda a, r: a.delete_snapshot(_snap(a, r)),
         E.VM_SNAPSHOT_DELETED),
        ("volume", lambda a, r: a.create_volume_from_snapshot(_snap(a, r), "v"),
         E.VM_VOLUME_CREATED_EVENT),
        ("recovery", lambda a, r: a.recover_vm("admin", _first_vm(a)), E.VM_RECOVERY_COMPLETE),
    ],
)
def test_injected_failures_arrive_as_failure_events(
    server: SimulatorServer, adapter: EscAdapter, recorder: CallbackRecorder,
    step: str, operation: Callable[[EscAdapter, CallbackRecorder], None], failing: EventType
) -> None:
    _deployed(adapter, recorder, S1)
    _fault(server, step=step, effect="fail", mode="always")
    operation(adapter, recorder)
    [event] = recorder.wait_for(failing, path=EV)
    assert event.status is EventStatus.FAILURE
    assert event.status_code == 500


def test_unset_monitor_failure_stays_silent(server: SimulatorServer, adapter: EscAdapter,
                                            recorder: CallbackRecorder) -> None:
    _deployed(adapter, recorder, S1)
    _fault(server, step="unset_monitor", effect="fail")
    adapter.update_service(with_group(S1, "g1", monitoring_agent={"k": "dmona://b"}))
    recorder.wait_for(E.SVC_SET_MONITOR_STATUS, path=EV)
    assert all(e.status is EventStatus.SUCCESS for e in recorder.events(EV))


def test_dropped_callback_is_found_by_reconciliation(
    server: SimulatorServer, adapter: EscAdapter, recorder: CallbackRecorder
) -> None:
    _fault(server, step="callback", effect="drop", event_type="SERVICE_ALIVE")
    adapter.deploy(S1)
    recorder.wait_for(E.VM_ALIVE, path=EV)
    assert server.simulator.wait_idle()
    assert E.SERVICE_ALIVE not in recorder.types()
    state = adapter.get_deployment("dep")
    assert state is not None and state.state is S.SERVICE_ACTIVE_STATE


def test_service_unavailable_is_retried_then_raised(server: SimulatorServer,
                                                    adapter: EscAdapter) -> None:
    _fault(server, step="get", effect="reject", status=503, mode="always",
           message="ESC is starting")
    with pytest.raises(Unavailable) as err:
        adapter.get_deployment("dep")
    assert err.value.retryable and "ESC is starting" in err.value.message
    assert len(_calls(server)) == 2  # first attempt + retries=1


def test_service_unavailable_once_is_absorbed_by_the_retry(
    server: SimulatorServer, adapter: EscAdapter, recorder: CallbackRecorder
) -> None:
    _fault(server, step="deploy", effect="reject", status=503)
    adapter.deploy(S1)
    recorder.wait_for(E.SERVICE_ALIVE, path=EV)
    assert [c["method"] for c in _calls(server)] == ["POST", "POST"]


def test_slow_get_times_out_and_is_retried(server: SimulatorServer) -> None:
    _fault(server, step="get", effect="latency", seconds=1.0, mode="always")
    client = EscAdapter(server.url, read_timeout=0.2, retries=1, retry_backoff=0.0)
    with pytest.raises(SouthboundTimeout):
        client.get_deployment("dep")
    assert len(_calls(server)) == 2


def test_slow_post_times_out_and_is_not_sent_twice(server: SimulatorServer) -> None:
    _fault(server, step="deploy", effect="latency", seconds=1.0, mode="always")
    client = EscAdapter(server.url, read_timeout=0.2, retries=3, retry_backoff=0.0)
    with pytest.raises(SouthboundTimeout):
        client.deploy(S1)
    assert len(_calls(server)) == 1


def test_unreachable_esc_is_unavailable_after_retries() -> None:
    with CallbackRecorder() as gone:
        dead = gone.url("").rstrip("/")
    client = EscAdapter(dead, connect_timeout=0.5, retries=2, retry_backoff=0.0)
    with pytest.raises(Unavailable) as err:
        client.deploy(S1)  # never reached ESC, so even a POST may be retried
    assert err.value.retryable


def test_basic_auth() -> None:
    with SimulatorServer(credentials=("esc", "pw")) as server:
        anonymous = EscAdapter(server.url, retries=0)
        with pytest.raises(RequestRejected) as err:
            anonymous.get_deployment("dep")
        assert err.value.status_code == 401
        authenticated = EscAdapter(server.url, username="esc", password="pw", retries=0)
        assert authenticated.get_deployment("dep") is None


# ---------------------------------------------------------------- a misbehaving ESC

class FakeEsc:
    """Answers every request with one canned response."""

    def __init__(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        fake = self
        self.status, self.body, self.headers = status, body, headers or {}

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                self.send_response(fake.status)
                for k, v in fake.headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(fake.body)))
                self.end_headers()
                self.wfile.write(fake.body)

            do_GET = do_POST = do_PUT = do_DELETE = _answer  # noqa: N815

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.01}, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake() -> Iterator[Callable[..., EscAdapter]]:
    servers: list[FakeEsc] = []

    def make(status: int, body: bytes, **headers: str) -> EscAdapter:
        esc = FakeEsc(status, body, headers)
        servers.append(esc)
        return EscAdapter(esc.url, retries=0, read_timeout=5.0, max_response_bytes=64 * 1024)

    yield make
    for esc in servers:
        esc.close()


@pytest.mark.parametrize(
    "body",
    [
        b"<esc_datamodel><opdata>",
        b"definitely not xml",
        b'<!DOCTYPE d [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]><esc_datamodel>&b;'
        b"</esc_datamodel>",
        b"<esc_datamodel><opdata/></esc_datamodel>",
        b"<a>" * 100 + b"</a>" * 100,
        b"<esc_datamodel>" + b"x" * (128 * 1024) + b"</esc_datamodel>",
    ],
    ids=["truncated", "text", "entities", "empty-opdata", "deep", "oversized"],
)
def test_malformed_deployment_answers_are_protocol_errors(
    fake: Callable[..., EscAdapter], body: bytes
) -> None:
    with pytest.raises(ProtocolError):
        fake(200, body).get_deployment("dep")


def test_malformed_snapshot_listing_is_a_protocol_error(fake: Callable[..., EscAdapter]) -> None:
    with pytest.raises(ProtocolError):
        fake(200, b"<snapshots><snapshot><id>1</id>").list_snapshots()


def test_error_answer_without_escs_document_keeps_its_text(
    fake: Callable[..., EscAdapter]
) -> None:
    with pytest.raises(RequestRejected) as err:
        fake(400, b"Bad things happened").deploy(S1)
    assert err.value.message == "Bad things happened"


def test_redirects_are_not_followed(fake: Callable[..., EscAdapter]) -> None:
    with pytest.raises(ProtocolError) as err:
        fake(302, b"", Location="http://127.0.0.1:9/elsewhere").undeploy("admin", "dep")
    assert err.value.status_code == 302


def test_server_errors_are_rejections_with_escs_message(fake: Callable[..., EscAdapter]) -> None:
    body = (b'<error xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><error_code>500'
            b"</error_code><error_message>OpenStack API error: quota</error_message></error>")
    with pytest.raises(RequestRejected) as err:
        fake(500, body).create_snapshot("admin", "vm", "s")
    assert err.value.message == "OpenStack API error: quota"
