"""The monitoring-agent migration extension (seed 003), end to end: a real node, its ESC
simulator and, for notifications, a subscriber, all over loopback HTTP.

Each row of the seed's error table is run with ``monitor_migration_terminal_state_on_error``
off (``node``) and on (``strict_node``); the tests check the final state, the ``error``,
the ESC requests the VNFM made (``/sim/calls``) and what ESC did (``/sim/deployments``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
import requests

from tests.e2e.conftest import CIRROS, Api
from tests.notify.receivers import Receiver
from vnfm.config import Settings
from vnfm.node import Node, start_node
from vnfm.notify.delivery import Deliverer

LB_WORKER = "33333333-3333-4333-8333-333333333333"
CIRROS_2 = "22222222-2222-4222-8222-222222222222"
KEY = "MONITORING_AGENT"
MONA1 = "dmona://mona1"
MONA2 = "dmona://mona2"
MONA3 = "dmona://mona3"
UPDATE_PATH = "/ESCManager/v0/deployments/"


# ----------------------------------------------------------------------------- fixtures


@pytest.fixture
def node(node_settings: Settings) -> Iterator[Node]:
    running = start_node(node_settings)
    yield running
    running.stop()


@pytest.fixture
def strict_node(node_settings: Settings) -> Iterator[Node]:
    settings = replace(node_settings, monitor_migration_terminal_state_on_error=True)
    running = start_node(settings)
    yield running
    running.stop()


@pytest.fixture(params=[False, True], ids=["property-off", "property-on"])
def any_node(request: pytest.FixtureRequest, node_settings: Settings
             ) -> Iterator[Node]:
    settings = replace(node_settings, monitor_migration_terminal_state_on_error=request.param)
    running = start_node(settings)
    yield running
    running.stop()


# ----------------------------------------------------------------------------- helpers


def migrate_url(api: Api, instance_id: str, version: str = "v1") -> str:
    return f"{api.node.api_url}/vnflcm/{version}/ext/vnf_instances/{instance_id}/monitoring/migrate"


def send(
    api: Api,
    instance_id: str,
    body: Any,
    *,
    method: str = "GET",
    version: str = "v1",
    raw: bytes | None = None,
    content_type: str = "application/json",
) -> requests.Response:
    data = raw if raw is not None else json.dumps(body).encode()
    return api.http.request(
        method,
        migrate_url(api, instance_id, version),
        data=data,
        headers={"Content-Type": content_type},
        timeout=10,
    )


def start_migration(api: Api, instance_id: str, agent: str = MONA2, key: str = KEY) -> str:
    response = send(api, instance_id, {"monitoring_agent": agent, "key": key})
    assert response.status_code == 202, response.text
    return response.headers["Location"]


def instantiated(api: Api, vnfd_id: str = CIRROS, flavour: str = "simple") -> str:
    instance_id = api.create_instance(vnfd_id)
    op = api.instantiate(instance_id, {"flavourId": flavour})
    assert op["operationState"] == "COMPLETED", op
    return instance_id


def final(api: Api, location: str) -> dict:
    """The op occ once it rests: a final state or FAILED_TEMP.  An automatic follow-up
    of FAILED_TEMP is recorded in the same transaction, so FAILED_TEMP seen here rests."""
    return api.wait_op(location, {"COMPLETED", "FAILED", "ROLLED_BACK", "FAILED_TEMP"}, 30)


def deployment_of(instance_id: str) -> str:
    return f"vnf-{instance_id}"


def esc_updates(api: Api, instance_id: str) -> list[str]:
    """The bodies of the service updates the VNFM sent for this instance, in order."""
    path = UPDATE_PATH + deployment_of(instance_id)
    return [c["body"] for c in api.sim_calls() if c["method"] == "PUT" and c["path"] == path]


def monitor_calls(api: Api) -> list[dict]:
    """VM-level requests (monitor set/unset are VM operations)."""
    return [c for c in api.sim_calls() if "/deployments/vm/" in c["path"]]


def vms(api: Api, instance_id: str) -> list[dict]:
    name = deployment_of(instance_id)
    return next(d for d in api.sim_deployments() if d["name"] == name)["vms"]


def agents(api: Api, instance_id: str) -> set[tuple[str, str | None]]:
    return {(vm["state"], vm["monitoring_agent"]) for vm in vms(api, instance_id)}


def carries(body: str, key: str, agent: str) -> bool:
    return f"<name>{key}</name><value>{agent}</value>" in body.replace("\n", "").replace(" ", "")


def sim_events(api: Api, event_type: str) -> list[dict]:
    journal = api.http.get(f"{api.sim}/sim/events", timeout=5).json()
    return [e for e in journal if e["event_type"] == event_type]


def faults_left(api: Api) -> list[dict]:
    return api.http.get(f"{api.sim}/sim/faults", timeout=5).json()


def ended_as(node: Node, off: str, on: str) -> str:
    return on if node.settings.monitor_migration_terminal_state_on_error else off


# ----------------------------------------------------------------------------- success


def test_migration_to_a_distributed_agent_completes(node: Node) -> None:
    api = Api(node)
    instance_id = instantiated(api)
    assert agents(api, instance_id) == {("VM_ALIVE_STATE", MONA1)}
    response = send(api, instance_id, {"monitoring_agent": "dmona://dmona1", "key": KEY})
    assert response.status_code == 202, response.text
    location = response.headers["Location"]
    assert location.startswith(f"{node.api_url}/vnflcm/v2/vnf_lcm_op_occs/")
    op = final(api, location)
    assert op["operationState"] == "COMPLETED", op
    assert op["operation"] == "MONITORING_MIGRATION"
    assert op["vnfInstanceId"] == instance_id
    assert op["operationParams"] == {"monitoring_agent": "dmona://dmona1", "key": KEY}
    # one service update carrying the new agent; ESC unsets and sets the monitors itself
    updates = esc_updates(api, instance_id)
    assert len(updates) == 1 and carries(updates[0], KEY, "dmona://dmona1")
    assert monitor_calls(api) == []
    assert agents(api, instance_id) == {("VM_ALIVE_STATE", "dmona://dmona1")}


def test_migration_from_local_to_distributed_and_back(node: Node) -> None:
    api = Api(node)
    instance_id = instantiated(api, CIRROS_2)
    assert agents(api, instance_id) == {("VM_ALIVE_STATE", "dmonaName://local_mona")}
    op = final(api, start_migration(api, instance_id, MONA2))
    assert op["operationState"] == "COMPLETED", op
    assert agents(api, instance_id) == {("VM_ALIVE_STATE", MONA2)}
    response = send(
        api, instance_id, {"monitoringAgent": "dmonaName://local_mona", "key": KEY},
        method="POST", version="v2",
    )
    assert response.status_code == 202, response.text
    op = final(api, response.headers["Location"])
    assert op["operationState"] == "COMPLETED", op
    assert agents(api, instance_id) == {("VM_ALIVE_STATE", "dmonaName://local_mona")}


def test_every_vm_of_every_group_moves(node: Node) -> None:
    api = Api(node)
    instance_id = instantiated(api, LB_WORKER, "default")
    assert len(vms(api, instance_id)) == 2
    op = final(api, start_migration(api, instance_id, MONA3))
    assert op["operationState"] == "COMPLETED", op
    assert agents(api, instance_id) == {("VM_ALIVE_STATE", MONA3)}
    assert len(sim_events(api, "VM_SET_MONITOR_STATUS")) == 2
    assert len(sim_events(api, "SVC_SET_MONITOR_STATUS")) == 1


def test_the_agent_survives_terminate_and_reinstantiate(node: Node) -> None:
    api = Api(node)
    instance_id = instantiated(api)
    assert final(api, start_migration(api, instance_id, MONA2))["operationState"] == "COMPLETED"
    terminated = api.wait_op(api.start(instance_id, "terminate", {"terminationType": "FORCEFUL"}))
    assert terminated["operationState"] == "COMPLETED", terminated
    assert api.instantiate(instance_id)["operationState"] == "COMPLETED"
    deploys = [c for c in api.sim_calls() if c["method"] == "POST"
               and c["path"].endswith(f"/deployments/{deployment_of(instance_id)}")]
    assert len(deploys) == 2
    assert carries(deploys[0]["body"], KEY, MONA1) and carries(deploys[1]["body"], KEY, MONA2)
    assert agents(api, instance_id) == {("VM_ALIVE_STATE", MONA2)}


def test_a_key_that_matches_none_adds_a_key_value(node: Node) -> None:
    api = Api(node)
    instance_id = instantiated(api)
    op = final(api, start_migration(api, instance_id, MONA2, key="BACKUP_AGENT"))
    assert op["operationState"] == "COMPLETED", op
    (update,) = esc_updates(api, instance_id)
    assert carries(update, KEY, MONA1) and carries(update, "BACKUP_AGENT", MONA2)
    # kept against the instance: the next instantiate sends both again
    api.wait_op(api.start(instance_id, "terminate", {"terminationType": "FORCEFUL"}))
    api.instantiate(instance_id)
    deploy = [c for c in api.sim_calls() if c["method"] == "POST" and "/deployments/vnf-" in
              c["path"]][-1]
    assert carries(deploy["body"], KEY, MONA1) and carries(deploy["body"], "BACKUP_AGENT", MONA2)


def test_migrating_to_the_current_agent_sends_nothing(node: Node) -> None:
    api = Api(node)
    instance_id = instantiated(api)
    op = final(api, start_migration(api, instance_id, MONA1))
    assert op["operationState"] == "COMPLETED", op
    assert esc_updates(api, instance_id) == []
    assert monitor_calls(api) == []


def test_many_instances_in_quick_succession(node: Node) -> None:
    """The disaster-recovery case: every instance moves to another agent at once."""
    api = Api(node)
    instance_ids = [instantiated(api) for _ in range(8)]
    locations = [start_migration(api, i, MONA3) for i in instance_ids]
    ops = [final(api, location) for location in locations]
    assert [op["operationState"] for op in ops] == ["COMPLETED"] * len(ops)
    for instance_id in instance_ids:
        assert len(esc_updates(api, instance_id)) == 1
        assert agents(api, instance_id) == {("VM_ALIVE_STATE", MONA3)}


# ----------------------------------------------------------------------------- error table


def test_validation_failure(any_node: Node) -> None:
    """Row 1: ESC rejects the update → FAILED_TEMP (property: FAILED), ESC's message."""
    api = Api(any_node)
    instance_id = instantiated(api)
    api.fault(step="update", effect="reject", status=400,
              message="Invalid monitoring agent reference dmona://mona2")
    op = final(api, start_migration(api, instance_id, MONA2))
    assert op["operationState"] == ended_as(any_node, "FAILED_TEMP", "FAILED"), op
    assert "Invalid monitoring agent reference dmona://mona2" in op["error"]["detail"]
    assert "HTTP 400" in op["error"]["detail"]
    assert len(esc_updates(api, instance_id)) == 1
    assert agents(api, instance_id) == {("VM_ALIVE_STATE", MONA1)}


def _leave_monitoring_unset(api: Api, instance_id: str, strict: bool) -> None:
    """A migration whose set fails everywhere leaves the VMs in VM_MONITOR_UNSET_STATE."""
    api.fault(step="set_monitor", effect="fail", mode="always")
    location = start_migration(api, instance_id, MONA2)
    op = final(api, location)
    if strict:  # rolled back by itself; the rollback's set failed too
        assert op["operationState"] == "ROLLED_BACK", op
    else:
        assert op["operationState"] == "FAILED_TEMP", op
        assert api.post(f"{location}/fail").status_code == 200
        assert api.get(location).json()["operationState"] == "FAILED"
    api.clear_faults()
    assert {state for state, _agent in agents(api, instance_id)} == {"VM_MONITOR_UNSET_STATE"}


def test_monitoring_already_unset(any_node: Node) -> None:
    """Row 2: ESC rejects a migration while a VM is in VM_MONITOR_UNSET_STATE."""
    api = Api(any_node)
    strict = any_node.settings.monitor_migration_terminal_state_on_error
    instance_id = instantiated(api)
    _leave_monitoring_unset(api, instance_id, strict)
    before = len(esc_updates(api, instance_id))
    op = final(api, start_migration(api, instance_id, MONA3))
    assert op["operationState"] == ended_as(any_node, "FAILED_TEMP", "FAILED"), op
    assert "already unset" in op["error"]["detail"]
    assert "HTTP 409" in op["error"]["detail"]
    assert len(esc_updates(api, instance_id)) == before + 1


def test_unset_monitor_failure_is_ignored(any_node: Node) -> None:
    """Row 3: the unset fails silently at ESC; the migration completes either way."""
    api = Api(any_node)
    instance_id = instantiated(api)
    api.fault(step="unset_monitor", effect="fail")
    op = final(api, start_migration(api, instance_id, MONA2))
    assert op["operationState"] == "COMPLETED", op
    assert faults_left(api) == []  # the fault was hit
    assert agents(api, instance_id) == {("VM_ALIVE_STATE", MONA2)}


def test_service_update_failure(any_node: Node) -> None:
    """Row 4: ESC re-sets the previous agent → FAILED_TEMP; property: rolled back."""
    api = Api(any_node)
    instance_id = instantiated(api)
    api.fault(step="update", effect="fail")
    location = start_migration(api, instance_id, MONA2)
    op = final(api, location)
    assert op["operationState"] == ended_as(any_node, "FAILED_TEMP", "ROLLED_BACK"), op
    # ESC kept the previous agent and set its monitors again: nothing to send back
    assert len(esc_updates(api, instance_id)) == 1
    assert agents(api, instance_id) == {("VM_ALIVE_STATE", MONA1)}
    history = [e["status"] for e in sim_events(api, "SERVICE_UPDATED")]
    assert history == ["FAILURE"]
    if op["operationState"] == "FAILED_TEMP":
        assert "SERVICE_UPDATED FAILURE" in op["error"]["detail"]
        assert "Service update failed." in op["error"]["detail"]
        # the NFVO's rollback has nothing to undo either
        assert api.post(f"{location}/rollback").status_code == 202
        assert final(api, location)["operationState"] == "ROLLED_BACK"
        assert len(esc_updates(api, instance_id)) == 1


def test_service_update_failure_then_retry_completes(node: Node) -> None:
    api = Api(node)
    instance_id = instantiated(api)
    api.fault(step="update", effect="fail")
    location = start_migration(api, instance_id, MONA2)
    assert final(api, location)["operationState"] == "FAILED_TEMP"
    assert api.post(f"{location}/retry").status_code == 202
    op = final(api, location)
    assert op["operationState"] == "COMPLETED", op
    assert len(esc_updates(api, instance_id)) == 2
    assert agents(api, instance_id) == {("VM_ALIVE_STATE", MONA2)}


def test_set_monitor_failure(any_node: Node) -> None:
    """Row 5: set fails on one VM, the agent's other VMs are skipped → FAILED_TEMP;
    property: rolled back to the previous agent."""
    api = Api(any_node)
    instance_id = instantiated(api, LB_WORKER, "default")
    api.fault(step="set_monitor", effect="fail")
    op = final(api, start_migration(api, instance_id, MONA2))
    set_events = sim_events(api, "VM_SET_MONITOR_STATUS")
    if any_node.settings.monitor_migration_terminal_state_on_error:
        assert op["operationState"] == "ROLLED_BACK", op
        updates = esc_updates(api, instance_id)
        assert len(updates) == 2
        assert carries(updates[0], KEY, MONA2) and carries(updates[1], KEY, MONA1)
        assert agents(api, instance_id) == {("VM_ALIVE_STATE", MONA1)}
    else:
        assert op["operationState"] == "FAILED_TEMP", op
        detail = op["error"]["detail"]
        assert "SVC_SET_MONITOR_STATUS FAILURE" in detail
        assert "Set monitor ended in failure." in detail
        assert f"Adding rules to monitoring agent {MONA2} failed." in detail
        assert len(set_events) == 1  # the other VM on that agent was skipped
        assert {s for s, _a in agents(api, instance_id)} == {"VM_MONITOR_UNSET_STATE"}


def test_set_monitor_partial_failure_names_the_failed_vm(node: Node) -> None:
    api = Api(node)
    instance_id = instantiated(api, LB_WORKER, "default")
    api.fault(step="set_monitor", effect="fail", target="WORKER")
    op = final(api, start_migration(api, instance_id, MONA2))
    assert op["operationState"] == "FAILED_TEMP", op
    assert "partial failure" in op["error"]["detail"]
    worker = next(vm["name"] for vm in vms(api, instance_id) if vm["group"] == "WORKER")
    assert worker in op["error"]["detail"]


def test_retry_after_a_set_failure_sets_the_monitors_left_unset(node: Node) -> None:
    api = Api(node)
    instance_id = instantiated(api, LB_WORKER, "default")
    api.fault(step="set_monitor", effect="fail")
    location = start_migration(api, instance_id, MONA2)
    assert final(api, location)["operationState"] == "FAILED_TEMP"
    assert api.post(f"{location}/retry").status_code == 202
    op = final(api, location)
    assert op["operationState"] == "COMPLETED", op
    assert len(esc_updates(api, instance_id)) == 1  # the model was updated already
    assert len(monitor_calls(api)) == 2  # one monitor set per VM left unset
    assert agents(api, instance_id) == {("VM_ALIVE_STATE", MONA2)}


def _failed_set_then_rollback(api: Api, node: Node, instance_id: str, **rollback_fault: Any
                              ) -> tuple[str, dict]:
    """A set failure, then its rollback with ``rollback_fault`` armed on the rollback."""
    strict = node.settings.monitor_migration_terminal_state_on_error
    if strict:  # the rollback follows at once: arm its fault to skip the first attempt
        api.fault(step="set_monitor", effect="fail")
        step = rollback_fault["step"]
        api.fault(**rollback_fault, skip=0 if step == "set_monitor" else 1)
        location = start_migration(api, instance_id, MONA2)
    else:
        api.fault(step="set_monitor", effect="fail")
        location = start_migration(api, instance_id, MONA2)
        assert final(api, location)["operationState"] == "FAILED_TEMP"
        api.fault(**rollback_fault)
        assert api.post(f"{location}/rollback").status_code == 202
    return location, final(api, location)


def test_unset_failure_during_rollback_does_not_stop_it(any_node: Node) -> None:
    api = Api(any_node)
    instance_id = instantiated(api)
    _location, op = _failed_set_then_rollback(
        api, any_node, instance_id, step="unset_monitor", effect="fail")
    assert op["operationState"] == "ROLLED_BACK", op
    assert faults_left(api) == []
    assert len(esc_updates(api, instance_id)) == 2
    assert agents(api, instance_id) == {("VM_ALIVE_STATE", MONA1)}


def test_service_update_failure_during_rollback(any_node: Node) -> None:
    api = Api(any_node)
    instance_id = instantiated(api)
    location, op = _failed_set_then_rollback(
        api, any_node, instance_id, step="update", effect="fail")
    assert op["operationState"] == "FAILED_TEMP", op
    assert f"back to monitoring agent {MONA1}" in op["error"]["detail"]
    assert "Service update failed." in op["error"]["detail"]
    assert faults_left(api) == []
    # a second rollback goes through
    assert api.post(f"{location}/rollback").status_code == 202
    assert final(api, location)["operationState"] == "ROLLED_BACK"
    assert agents(api, instance_id) == {("VM_ALIVE_STATE", MONA1)}


def test_set_failure_during_rollback_still_rolls_back(any_node: Node) -> None:
    api = Api(any_node)
    instance_id = instantiated(api)
    _location, op = _failed_set_then_rollback(
        api, any_node, instance_id, step="set_monitor", effect="fail")
    assert op["operationState"] == "ROLLED_BACK", op
    assert faults_left(api) == []
    updates = esc_updates(api, instance_id)
    assert len(updates) == 2 and carries(updates[1], KEY, MONA1)
    assert [e["status"] for e in sim_events(api, "SVC_SET_MONITOR_STATUS")] == [
        "FAILURE", "FAILURE"]


def test_cancel_during_the_service_update_is_refused(any_node: Node) -> None:
    api = Api(any_node)
    instance_id = instantiated(api)
    api.fault(step="update", effect="latency", seconds=2)
    location = start_migration(api, instance_id, MONA2)
    api.wait_op(location, {"PROCESSING"})
    response = api.post(f"{location}/cancel", {"cancelMode": "GRACEFUL"})
    assert response.status_code == 409
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert "atomic" in response.json()["detail"]
    assert api.get(location).json()["isCancelPending"] is False
    assert final(api, location)["operationState"] == "COMPLETED"


def test_cancel_while_the_monitors_are_set_is_refused(any_node: Node) -> None:
    """The last callback is lost: the step waits for it, then reads ESC's state."""
    api = Api(any_node)
    instance_id = instantiated(api)
    api.fault(step="callback", effect="drop", event_type="SVC_SET_MONITOR_STATUS")
    location = start_migration(api, instance_id, MONA2)
    deadline = time.monotonic() + 10
    while not sim_events(api, "SVC_SET_MONITOR_STATUS"):
        assert time.monotonic() < deadline, "ESC never got to the monitors"
        time.sleep(0.05)
    assert api.get(location).json()["operationState"] == "PROCESSING"
    response = api.post(f"{location}/cancel", {"cancelMode": "FORCEFUL"})
    assert response.status_code == 409
    assert "atomic" in response.json()["detail"]
    assert final(api, location)["operationState"] == "COMPLETED"
    assert agents(api, instance_id) == {("VM_ALIVE_STATE", MONA2)}


# ----------------------------------------------------------------------------- the endpoint


def problem(response: requests.Response, status: int) -> str:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/problem+json")
    doc = response.json()
    assert doc["status"] == status and doc["detail"]
    return doc["detail"]


def test_both_spellings_methods_and_prefixes_are_accepted(node: Node) -> None:
    api = Api(node)
    cases = [
        ("GET", "v1", {"monitoring_agent": MONA2, "key": KEY}, MONA2),
        ("POST", "v1", {"monitoringAgent": MONA3, "key": KEY}, MONA3),
        ("GET", "v2", {"monitoringAgent": MONA1, "key": KEY}, MONA1),
        ("POST", "v2", {"monitoring_agent": "dmonaName://local_mona", "key": KEY},
         "dmonaName://local_mona"),
    ]
    instance_id = instantiated(api)
    for method, version, body, agent in cases:
        response = send(api, instance_id, body, method=method, version=version)
        assert response.status_code == 202, (method, version, response.text)
        op = final(api, response.headers["Location"])
        assert op["operationState"] == "COMPLETED", op
        assert op["operationParams"]["monitoring_agent"] == agent
        assert agents(api, instance_id) == {("VM_ALIVE_STATE", agent)}


def test_malformed_requests_are_400(node: Node) -> None:
    api = Api(node)
    instance_id = instantiated(api)
    both = {"monitoring_agent": MONA2, "monitoringAgent": MONA3, "key": KEY}
    assert "only one" in problem(send(api, instance_id, both), 400)
    assert "required" in problem(send(api, instance_id, {"key": KEY}), 400)
    assert "key is required" in problem(send(api, instance_id, {"monitoring_agent": MONA2}), 400)
    assert "string" in problem(send(api, instance_id, {"monitoring_agent": 5, "key": KEY}), 400)
    assert "string" in problem(
        send(api, instance_id, {"monitoring_agent": MONA2, "key": None}), 400)
    assert "JSON object" in problem(send(api, instance_id, [MONA2, KEY]), 400)
    assert "not valid JSON" in problem(send(api, instance_id, None, raw=b'{"key": '), 400)
    assert "JSON body" in problem(send(api, instance_id, None, raw=b""), 400)
    assert "application/json" in problem(
        send(api, instance_id, None, raw=b"agent=x", content_type="text/plain"), 415)
    assert esc_updates(api, instance_id) == []


@pytest.mark.parametrize(
    "agent",
    ["mona1", "dmona://", "dmonaName://mona1", "DMONA://mona1", "http://mona1",
     "dmona://mona 1", "dmona://-mona", "dmona://" + "m" * 254, ""],
)
def test_agents_of_other_forms_are_422(node: Node, agent: str) -> None:
    api = Api(node)
    instance_id = instantiated(api)
    detail = problem(send(api, instance_id, {"monitoring_agent": agent, "key": KEY}), 422)
    assert repr(agent) in detail


def test_bad_keys_are_422(node: Node) -> None:
    api = Api(node)
    instance_id = instantiated(api)
    for key in ("", "with space", "k" * 256):
        detail = problem(send(api, instance_id, {"monitoring_agent": MONA2, "key": key}), 422)
        assert "key" in detail


def test_unknown_instance_is_404_and_other_methods_405(node: Node) -> None:
    api = Api(node)
    body = {"monitoring_agent": MONA2, "key": KEY}
    missing = "00000000-0000-4000-8000-000000000000"
    for version in ("v1", "v2"):
        assert missing in problem(send(api, missing, body, version=version), 404)
    assert "PUT" in problem(send(api, missing, body, method="PUT"), 405)


def test_head_starts_nothing(node: Node) -> None:
    """HEAD must be safe, though GET on this resource is not."""
    api = Api(node)
    instance_id = instantiated(api)
    response = send(api, instance_id, {"monitoring_agent": MONA2, "key": KEY}, method="HEAD")
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, POST"
    ops = api.get(f"vnf_lcm_op_occs?filter=(eq,vnfInstanceId,{instance_id})").json()
    assert [op["operation"] for op in ops] == ["INSTANTIATE"]
    assert esc_updates(api, instance_id) == []


def test_not_instantiated_or_busy_is_409(node: Node) -> None:
    api = Api(node)
    body = {"monitoring_agent": MONA2, "key": KEY}
    fresh = api.create_instance()
    assert "INSTANTIATED" in problem(send(api, fresh, body), 409)
    instance_id = instantiated(api)
    api.fault(step="update", effect="latency", seconds=1.5)
    location = start_migration(api, instance_id)
    detail = problem(send(api, instance_id, {"monitoring_agent": MONA3, "key": KEY}), 409)
    assert "MONITORING_MIGRATION" in detail
    assert final(api, location)["operationState"] == "COMPLETED"
    assert len(esc_updates(api, instance_id)) == 1


# ----------------------------------------------------------------------------- notifications


SEED_FIELDS = {
    "vnfInstanceId", "timeStamp", "isAutomaticInvocation", "notificationType",
    "operationState", "notificationStatus", "vnfLcmOpOccId", "_links", "subscriptionId",
    "operation", "id",
}


def _subscribe(api: Api, receiver: Receiver) -> str:
    response = api.post("subscriptions", {
        "callbackUri": receiver.url,
        "filter": {"notificationTypes": ["InfrastructureOperationOccurrenceNotification"]},
    })
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _heard(receiver: Receiver, count: int) -> list[dict]:
    deadline = time.monotonic() + 20
    while len(receiver.accepted()) < count:
        assert time.monotonic() < deadline, f"heard only {receiver.accepted()}"
        time.sleep(0.05)
    return receiver.accepted()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as r:
        yield r


def _deliverer(node: Node) -> Deliverer:
    settings = replace(node.services.settings, public_url=node.api_url)
    return Deliverer(replace(node.services, settings=settings)).start()


def test_subscribers_hear_start_and_result(node: Node, receiver: Receiver) -> None:
    api = Api(node)
    deliverer = _deliverer(node)
    try:
        subscription_id = _subscribe(api, receiver)
        instance_id = instantiated(api)  # an INSTANTIATE: filtered out
        location = start_migration(api, instance_id, MONA2)
        assert final(api, location)["operationState"] == "COMPLETED"
        bodies = _heard(receiver, 3)
    finally:
        deliverer.stop()
    assert [(b["operationState"], b["notificationStatus"]) for b in bodies] == [
        ("STARTING", "START"), ("PROCESSING", "START"), ("COMPLETED", "RESULT")]
    op_id = location.rsplit("/", 1)[1]
    for body in bodies:
        assert set(body) >= SEED_FIELDS, body
        assert body["notificationType"] == "InfrastructureOperationOccurrenceNotification"
        assert body["operation"] == "MONITORING_MIGRATION"
        assert body["isAutomaticInvocation"] is False
        assert body["vnfInstanceId"] == instance_id and body["vnfLcmOpOccId"] == op_id
        assert body["subscriptionId"] == subscription_id
        links = body["_links"]
        assert links["vnfLcmOpOcc"]["href"] == location
        assert links["vnfInstance"]["href"].endswith(f"/vnf_instances/{instance_id}")
        assert links["subscription"]["href"].endswith(f"/subscriptions/{subscription_id}")
    assert len({b["id"] for b in bodies}) == 3


def test_subscribers_hear_escs_message_on_failure(strict_node: Node, receiver: Receiver
                                                   ) -> None:
    api = Api(strict_node)
    deliverer = _deliverer(strict_node)
    try:
        _subscribe(api, receiver)
        instance_id = instantiated(api)
        api.fault(step="update", effect="reject", status=422, message="agent mona9 unknown")
        location = start_migration(api, instance_id, "dmona://mona9")
        assert final(api, location)["operationState"] == "FAILED"
        bodies = _heard(receiver, 4)
    finally:
        deliverer.stop()
    assert [b["operationState"] for b in bodies] == [
        "STARTING", "PROCESSING", "FAILED_TEMP", "FAILED"]
    for body in bodies[2:]:
        assert body["notificationStatus"] == "RESULT"
        assert "agent mona9 unknown" in body["error"]["detail"]


# ----------------------------------------------------------------------------- benchmark


def test_the_benchmark_runs_at_a_tiny_size(node_settings: Settings) -> None:
    from bench.monitoring_migration import run

    result = run(instances=3, settings=replace(node_settings, workers=4))
    assert result.migrations == 3
    assert result.migrations_per_second > 0 and result.updates_per_second > 0
