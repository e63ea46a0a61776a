"""The simulator over real HTTP: ESC's REST surface, callbacks, and the /sim control API."""

from __future__ import annotations

import json

import pytest
import requests

from tests.escsim.helpers import group, spec, xml
from vnfm.escsim.recorder import CallbackRecorder
from vnfm.escsim.server import SimulatorServer
from vnfm.southbound.esc.operations import parse_error_message
from vnfm.southbound.esc.safexml import parse, text
from vnfm.southbound.types import EventType

E = EventType
ESC = "/ESCManager/v0"
TIMEOUT = 10


def _headers(rec: CallbackRecorder) -> dict[str, str]:
    return {"Callback": rec.url("/callback"), "Callback-ESC-Events": rec.url("/events"),
            "Content-Type": "application/xml"}


def _deploy(server: SimulatorServer, rec: CallbackRecorder, name: str = "dep") -> None:
    answer = requests.post(f"{server.url}{ESC}/admin/deployments/{name}",
                           data=xml(spec(name, group(min_active=2, max_active=2))),
                           headers=_headers(rec), timeout=TIMEOUT)
    assert answer.status_code == 201, answer.text
    rec.wait_for(E.SERVICE_ALIVE, deployment=name, path="/events")
    rec.wait_for(E.SERVICE_ALIVE, deployment=name, path="/callback")


def test_deployment_xml_produces_deployed_alive_service_alive_callbacks(
    server: SimulatorServer, recorder: CallbackRecorder
) -> None:
    _deploy(server, recorder)
    expected = [E.VM_DEPLOYED, E.VM_DEPLOYED, E.VM_ALIVE, E.VM_ALIVE, E.SERVICE_ALIVE]
    assert recorder.types("/events") == expected
    assert recorder.types("/callback") == expected
    assert {r.content_type for r in recorder.received if r.path == "/events"} == {
        "application/json"}
    assert {r.content_type for r in recorder.received if r.path == "/callback"} == {
        "application/xml"}
    # Both wire forms carry the same event.
    assert recorder.events("/events") == recorder.events("/callback")
    assert all(r.error is None for r in recorder.received)


def test_one_url_in_both_headers_gets_each_event_once(
    server: SimulatorServer, recorder: CallbackRecorder
) -> None:
    same = recorder.url("/both")
    requests.post(f"{server.url}{ESC}/admin/deployments/dep", data=xml(spec()),
                  headers={"Callback": same, "Callback-ESC-Events": same}, timeout=TIMEOUT)
    recorder.wait_for(E.SERVICE_ALIVE)
    assert server.simulator.wait_idle()
    assert recorder.types("/both") == [E.VM_DEPLOYED, E.VM_ALIVE, E.SERVICE_ALIVE]


def test_get_deployment_answers_opdata(server: SimulatorServer, recorder: CallbackRecorder
                                       ) -> None:
    _deploy(server, recorder)
    answer = requests.get(f"{server.url}{ESC}/deployments/dep", timeout=TIMEOUT)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("application/xml")
    root = parse(answer.content)
    assert b"SERVICE_ACTIVE_STATE" in answer.content
    assert root.tag.endswith("esc_datamodel")


def test_refusals_are_escs_error_document(server: SimulatorServer) -> None:
    answer = requests.get(f"{server.url}{ESC}/deployments/ghost", timeout=TIMEOUT)
    assert answer.status_code == 404
    root = parse(answer.content)
    assert text(root, "error_code") == "404"
    assert text(root, "error_message") == "Deployment [ghost] not found."


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/admin/deployments/dep"),
        ("PUT", "/deployments/dep"),
        ("POST", "/admin/deployments/service/dep"),
        ("POST", "/admin/deployments/vm/vm1"),
        ("POST", "/admin/deployments/migrate-vm/vm1"),
        ("POST", "/admin/deployments/recovery/vm1"),
    ],
)
@pytest.mark.parametrize(
    "body",
    [
        b"<esc_datamodel><tenants>",  # truncated
        b"not xml at all",
        b"",
        b'<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><esc_datamodel>&b;</esc_datamodel>',
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        b"<esc_datamodel>&e;</esc_datamodel>",
        b"<a>" * 200 + b"</a>" * 200,
    ],
    ids=["truncated", "text", "empty", "entities", "external", "deep"],
)
def test_malformed_or_hostile_xml_is_refused_with_400(
    server: SimulatorServer, method: str, path: str, body: bytes
) -> None:
    answer = requests.request(method, f"{server.url}{ESC}{path}", data=body,
                              headers={"Content-Type": "application/xml"}, timeout=TIMEOUT)
    # The body is read before anything is looked up: one that does not parse never gets
    # further than 400, whatever the deployment or VM.
    assert answer.status_code == 400, answer.text
    assert parse_error_message(answer.content)


@pytest.mark.parametrize("path", ["/admin/deployments/snapshot-vm/vm1", "/snapshots/s/volumes"])
@pytest.mark.parametrize("body", [b"{", b"[1, 2]", b"[" * 5000 + b"]" * 5000, b"\xff\xfe"])
def test_malformed_json_is_refused_with_400(server: SimulatorServer, path: str, body: bytes
                                            ) -> None:
    answer = requests.post(f"{server.url}{ESC}{path}", data=body,
                           headers={"Content-Type": "application/json"}, timeout=TIMEOUT)
    assert answer.status_code == 400, answer.text


def test_oversized_body_is_refused(server: SimulatorServer) -> None:
    answer = requests.post(f"{server.url}{ESC}/admin/deployments/dep",
                           data=b"<a>" + b"x" * (2 * 1024 * 1024) + b"</a>", timeout=TIMEOUT)
    assert answer.status_code == 413


def test_unknown_route_and_method(server: SimulatorServer) -> None:
    assert requests.get(f"{server.url}{ESC}/nowhere", timeout=TIMEOUT).status_code == 404
    wrong = requests.patch(f"{server.url}{ESC}/deployments/dep", timeout=TIMEOUT)
    assert wrong.status_code == 405
    assert parse_error_message(wrong.content)


def test_snapshot_listing_as_xml_or_json(server: SimulatorServer, recorder: CallbackRecorder
                                         ) -> None:
    _deploy(server, recorder)
    vm = server.simulator.get("dep").vms[0].name
    answer = requests.post(f"{server.url}{ESC}/admin/deployments/snapshot-vm/{vm}",
                           json={"operation": "snapshot", "name": "s1"},
                           headers={"Callback-ESC-Events": recorder.url("/events")},
                           timeout=TIMEOUT)
    assert answer.status_code == 200 and answer.content == b""
    recorder.wait_for(E.VM_BACKUP_COMPLETE)
    as_xml = requests.get(f"{server.url}{ESC}/snapshots", timeout=TIMEOUT)
    assert b"<snapshots" in as_xml.content and b"s1" in as_xml.content
    as_json = requests.get(f"{server.url}{ESC}/snapshots",
                           params={"internalTenantId": "admin", "generatedVMName": vm},
                           headers={"Accept": "application/json"}, timeout=TIMEOUT)
    [snap] = as_json.json()["snapshots"]
    assert snap["name"] == "s1" and snap["created_from_generated_vm_name"] == vm


def test_volume_creation_answers_202(server: SimulatorServer, recorder: CallbackRecorder
                                     ) -> None:
    _deploy(server, recorder)
    vm = server.simulator.get("dep").vms[0].name
    requests.post(f"{server.url}{ESC}/admin/deployments/snapshot-vm/{vm}",
                  json={"operation": "snapshot", "name": "s1"}, timeout=TIMEOUT)
    assert server.simulator.wait_idle()
    snap = server.simulator.list_snapshots()[0]
    answer = requests.post(f"{server.url}{ESC}/snapshots/{snap.id}/volumes",
                           json={"name": "vol"}, timeout=TIMEOUT)
    assert answer.status_code == 202 and answer.content == b""


def test_calls_are_recorded_with_callback_headers(server: SimulatorServer,
                                                  recorder: CallbackRecorder) -> None:
    _deploy(server, recorder)
    requests.get(f"{server.url}{ESC}/deployments/dep", timeout=TIMEOUT)
    calls = requests.get(f"{server.url}/sim/calls", timeout=TIMEOUT).json()
    assert [(c["method"], c["path"]) for c in calls] == [
        ("POST", f"{ESC}/admin/deployments/dep"), ("GET", f"{ESC}/deployments/dep")]
    assert calls[0]["headers"]["Callback"] == recorder.url("/callback")
    assert calls[0]["headers"]["Callback-ESC-Events"] == recorder.url("/events")
    assert "<esc_datamodel" in calls[0]["body"]
    assert requests.delete(f"{server.url}/sim/calls", timeout=TIMEOUT).status_code == 204
    assert requests.get(f"{server.url}/sim/calls", timeout=TIMEOUT).json() == []


def test_sim_deployments_and_events(server: SimulatorServer, recorder: CallbackRecorder) -> None:
    _deploy(server, recorder)
    [dep] = requests.get(f"{server.url}/sim/deployments", timeout=TIMEOUT).json()
    assert dep["name"] == "dep" and dep["state"] == "SERVICE_ACTIVE_STATE"
    assert [vm["state"] for vm in dep["vms"]] == ["VM_ALIVE_STATE"] * 2
    events = requests.get(f"{server.url}/sim/events", timeout=TIMEOUT).json()
    assert [e["event_type"] for e in events][-1] == "SERVICE_ALIVE"
    assert {d["status"] for e in events for d in e["delivered_to"]} == {204}


def test_fault_api_arms_lists_and_disarms(server: SimulatorServer) -> None:
    url = f"{server.url}/sim/faults"
    made = requests.post(url, json={"step": "deploy", "effect": "reject", "mode": "always",
                                    "status": 503, "target": "dep"}, timeout=TIMEOUT)
    assert made.status_code == 201
    fault = made.json()
    assert (fault["step"], fault["effect"], fault["mode"]) == ("deploy", "reject", "always")
    assert [f["id"] for f in requests.get(url, timeout=TIMEOUT).json()] == [fault["id"]]
    assert requests.delete(f"{url}/{fault['id']}", timeout=TIMEOUT).status_code == 204
    assert requests.delete(f"{url}/{fault['id']}", timeout=TIMEOUT).status_code == 404
    requests.post(url, json={"step": "undeploy"}, timeout=TIMEOUT)
    assert requests.delete(url, timeout=TIMEOUT).status_code == 204
    assert requests.get(url, timeout=TIMEOUT).json() == []


@pytest.mark.parametrize(
    "doc",
    [
        {"step": "teleport"},
        {"step": "deploy", "effect": "explode"},
        {"step": "deploy", "effect": "drop"},
        {"step": "vm_alive", "effect": "reject"},
        {"step": "deploy", "mode": "sometimes"},
        {"step": "deploy", "effect": "reject", "status": 200},
        {"step": "deploy", "effect": "latency", "seconds": 3600},
        {"step": "callback", "effect": "drop", "event_type": "VM_EXPLODED"},
        ["not", "an", "object"],
    ],
)
def test_nonsensical_faults_are_refused(server: SimulatorServer, doc: object) -> None:
    answer = requests.post(f"{server.url}/sim/faults", json=doc, timeout=TIMEOUT)
    assert answer.status_code == 400
    assert answer.json()["error"]


def test_fault_once_hits_one_request_and_always_hits_all(server: SimulatorServer) -> None:
    url = f"{server.url}{ESC}/admin/deployments"
    requests.post(f"{server.url}/sim/faults", json={"step": "deploy", "effect": "reject"},
                  timeout=TIMEOUT)
    assert requests.post(f"{url}/a", data=xml(spec("a")), timeout=TIMEOUT).status_code == 500
    assert requests.post(f"{url}/a", data=xml(spec("a")), timeout=TIMEOUT).status_code == 201
    requests.post(f"{server.url}/sim/faults",
                  json={"step": "deploy", "effect": "reject", "mode": "always"}, timeout=TIMEOUT)
    for name in ("b", "c"):
        assert requests.post(f"{url}/{name}", data=xml(spec(name)),
                             timeout=TIMEOUT).status_code == 500
    [fault] = requests.get(f"{server.url}/sim/faults", timeout=TIMEOUT).json()
    assert fault["hits"] == 2


def test_fault_target_spares_other_deployments(server: SimulatorServer) -> None:
    url = f"{server.url}{ESC}/admin/deployments"
    requests.post(f"{server.url}/sim/faults",
                  json={"step": "deploy", "effect": "reject", "target": "victim",
                        "mode": "always"}, timeout=TIMEOUT)
    assert requests.post(f"{url}/bystander", data=xml(spec("bystander")),
                         timeout=TIMEOUT).status_code == 201
    assert requests.post(f"{url}/victim", data=xml(spec("victim")),
                         timeout=TIMEOUT).status_code == 500


def test_dropped_callback_is_journaled_but_not_sent(server: SimulatorServer,
                                                    recorder: CallbackRecorder) -> None:
    requests.post(f"{server.url}/sim/faults",
                  json={"step": "callback", "effect": "drop", "event_type": "SERVICE_ALIVE"},
                  timeout=TIMEOUT)
    requests.post(f"{server.url}{ESC}/admin/deployments/dep", data=xml(spec()),
                  headers=_headers(recorder), timeout=TIMEOUT)
    recorder.wait_for(E.VM_ALIVE, path="/events")
    assert server.simulator.wait_idle()
    assert E.SERVICE_ALIVE not in recorder.types()
    journal = requests.get(f"{server.url}/sim/events", timeout=TIMEOUT).json()
    assert [e["dropped"] for e in journal if e["event_type"] == "SERVICE_ALIVE"] == [True]
    # The state moved on anyway: reconciliation through GET finds it.
    assert server.simulator.get("dep").state.value == "SERVICE_ACTIVE_STATE"


def test_unreachable_receiver_does_not_stop_the_workflow(server: SimulatorServer) -> None:
    with CallbackRecorder() as gone:
        dead = gone.url("/events")
    requests.post(f"{server.url}{ESC}/admin/deployments/dep", data=xml(spec()),
                  headers={"Callback-ESC-Events": dead}, timeout=TIMEOUT)
    assert server.simulator.wait_idle()
    journal = requests.get(f"{server.url}/sim/events", timeout=TIMEOUT).json()
    assert [e["event_type"] for e in journal][-1] == "SERVICE_ALIVE"
    assert all(e["errors"] and not e["delivered_to"] for e in journal)
    assert server.simulator.get("dep").state.value == "SERVICE_ACTIVE_STATE"


def test_reset_forgets_everything(server: SimulatorServer, recorder: CallbackRecorder) -> None:
    _deploy(server, recorder)
    requests.post(f"{server.url}/sim/faults", json={"step": "deploy"}, timeout=TIMEOUT)
    assert requests.post(f"{server.url}/sim/reset", timeout=TIMEOUT).status_code == 204
    for what in ("deployments", "faults", "calls", "events"):
        assert requests.get(f"{server.url}/sim/{what}", timeout=TIMEOUT).json() == []


def test_basic_auth_guards_the_esc_api_but_not_the_control_api() -> None:
    with SimulatorServer(credentials=("admin", "s3cret")) as server:
        url = f"{server.url}{ESC}/deployments/dep"
        denied = requests.get(url, timeout=TIMEOUT)
        assert denied.status_code == 401 and "Basic" in denied.headers["WWW-Authenticate"]
        assert requests.get(url, auth=("admin", "wrong"), timeout=TIMEOUT).status_code == 401
        assert requests.get(url, headers={"Authorization": "Basic !!!"},
                            timeout=TIMEOUT).status_code == 401
        assert requests.get(url, auth=("admin", "s3cret"), timeout=TIMEOUT).status_code == 404
        assert requests.get(f"{server.url}/sim/deployments", timeout=TIMEOUT).status_code == 200


def test_server_binds_a_free_port_and_stops(recorder: CallbackRecorder) -> None:
    first, second = SimulatorServer(), SimulatorServer()
    try:
        assert first.port != second.port and first.port > 0
        assert first.url == f"http://127.0.0.1:{first.port}"
        first.start()
        assert requests.get(f"{first.url}/sim/faults", timeout=TIMEOUT).json() == []
    finally:
        first.stop()
        second.stop()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{first.url}/sim/faults", timeout=TIMEOUT)


def test_event_journal_is_json_serialisable_even_with_failures(
    server: SimulatorServer, recorder: CallbackRecorder
) -> None:
    requests.post(f"{server.url}/sim/faults", json={"step": "deploy", "effect": "fail"},
                  timeout=TIMEOUT)
    requests.post(f"{server.url}{ESC}/admin/deployments/dep", data=xml(spec()),
                  headers=_headers(recorder), timeout=TIMEOUT)
    [failed_alive] = recorder.wait_for(E.SERVICE_ALIVE, path="/events")
    assert failed_alive.status_code == 500
    assert server.simulator.wait_idle()
    body = requests.get(f"{server.url}/sim/events", timeout=TIMEOUT).text
    assert [e["status"] for e in json.loads(body)] == ["FAILURE", "FAILURE"]
