"""HEAL and OPERATE over real HTTP against the ESC simulator (issue 5)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from tests.e2e.conftest import Api
from tests.etsi import assert_valid
from vnfm.config import Settings
from vnfm.node import Node, start_node

LB_WORKER = "33333333-3333-4333-8333-333333333333"


def started(api: Api, vnfd_id: str = LB_WORKER) -> str:
    instance_id = api.create_instance(vnfd_id)
    flavour = "default" if vnfd_id == LB_WORKER else "simple"
    assert api.instantiate(instance_id, {"flavourId": flavour})["operationState"] == "COMPLETED"
    return instance_id


def info(api: Api, instance_id: str) -> dict:
    doc = api.get(f"vnf_instances/{instance_id}").json()
    assert_valid(doc, "IndividualVnfInstance.Get.200")
    return doc["instantiatedVnfInfo"]


def servers(api: Api, instance_id: str) -> dict[str, str]:
    """VNFC id -> VIM server id, as the instance records it."""
    return {
        v["id"]: v["computeResource"]["resourceId"]
        for v in info(api, instance_id)["vnfcResourceInfo"]
    }


def sim_deployment(api: Api) -> dict:
    (deployment,) = api.sim_deployments()
    return deployment


def sim_vms(api: Api) -> dict[str, tuple[str, str]]:
    """VM name -> (VIM server id, ESC VM state)."""
    return {vm["name"]: (vm["vm_id"], vm["state"]) for vm in sim_deployment(api)["vms"]}


def recoveries(api: Api) -> list[str]:
    return [c["path"].rsplit("/", 1)[1] for c in api.sim_calls() if "/recovery/" in c["path"]]


def operate(api: Api, instance_id: str, body: dict) -> dict:
    return api.wait_op(api.start(instance_id, "operate", body))


# ----------------------------------------------------------------------------- heal


def test_heal_one_vnfc_named_by_its_vnfc_info_id_reboots_it(api: Api):
    instance_id = started(api)
    before = servers(api, instance_id)
    vnfc = next(v for v in info(api, instance_id)["vnfcInfo"] if v["vduId"] == "WORKER")
    vm_name = vnfc["vnfcResourceInfoId"]

    location = api.start(instance_id, "heal", {"vnfcInstanceId": [vnfc["id"]], "cause": "hung"})
    op = api.wait_op(location)
    assert op["operationState"] == "COMPLETED", op
    assert op["operation"] == "HEAL"
    assert op["operationParams"]["cause"] == "hung"
    assert_valid(op, "IndividualVnfLcmOpOcc.Get.200")
    (change,) = op["resourceChanges"]["affectedVnfcs"]
    assert (change["id"], change["changeType"]) == (vm_name, "MODIFIED")
    assert recoveries(api) == [vm_name]
    assert servers(api, instance_id) == before  # a reboot keeps the server
    assert {state for _, state in sim_vms(api).values()} == {"VM_ALIVE_STATE"}


def test_heal_of_the_whole_vnf_by_redeploy_replaces_every_server(api: Api):
    instance_id = started(api)
    before = servers(api, instance_id)
    body = {"additionalParams": {"recoveryAction": "REDEPLOY_ONLY"}}
    op = api.wait_op(api.start(instance_id, "heal", body))
    assert op["operationState"] == "COMPLETED", op
    assert_valid(op, "IndividualVnfLcmOpOcc.Get.200")
    assert sorted(recoveries(api)) == sorted(before)
    after = servers(api, instance_id)
    assert set(after) == set(before)
    assert all(after[name] != before[name] for name in before)
    assert after == {name: vm_id for name, (vm_id, _) in sim_vms(api).items()}
    changes = op["resourceChanges"]["affectedVnfcs"]
    removed = {c["id"]: c["computeResource"]["resourceId"] for c in changes
               if c["changeType"] == "REMOVED"}
    added = {c["id"]: c["computeResource"]["resourceId"] for c in changes
             if c["changeType"] == "ADDED"}
    assert removed == before and added == after


def test_heal_accepts_vnfc_resource_ids_and_refuses_unknown_ones(api: Api):
    instance_id = started(api)
    vm_name = next(iter(servers(api, instance_id)))
    path = f"vnf_instances/{instance_id}/heal"

    unknown = api.post(path, {"vnfcInstanceId": [vm_name, "vnfc-nope"]})
    assert unknown.status_code == 422
    assert "vnfc-nope" in unknown.json()["detail"]
    bad_action = api.post(path, {"additionalParams": {"recoveryAction": "PRAY"}})
    assert bad_action.status_code == 422
    assert "PRAY" in bad_action.json()["detail"]
    assert api.post(path, {"vnfcInstanceId": "not-a-list"}).status_code == 400
    assert recoveries(api) == []

    op = api.wait_op(api.start(instance_id, "heal", {"vnfcInstanceId": [vm_name, vm_name]}))
    assert op["operationState"] == "COMPLETED", op
    assert recoveries(api) == [vm_name]  # named twice, healed once


def test_heal_refused_when_not_started_or_not_instantiated(api: Api):
    instance_id = api.create_instance(LB_WORKER)
    assert api.post(f"vnf_instances/{instance_id}/heal", {}).status_code == 409
    assert api.instantiate(instance_id, {"flavourId": "default"})["operationState"] == "COMPLETED"
    assert operate(api, instance_id, {"changeStateTo": "STOPPED"})["operationState"] == "COMPLETED"
    response = api.post(f"vnf_instances/{instance_id}/heal", {})
    assert response.status_code == 409
    assert "STOPPED" in response.json()["detail"]


def test_failed_heal_cannot_be_rolled_back_but_is_retried(api: Api):
    instance_id = started(api)
    names = list(servers(api, instance_id))
    api.fault(step="recovery", effect="fail", target=names[1], message="host unreachable")
    op = api.wait_op(api.start(instance_id, "heal", {}))
    assert op["operationState"] == "FAILED_TEMP", op
    assert "VM_RECOVERY_COMPLETE FAILURE" in op["error"]["detail"]
    assert names[1] in op["error"]["detail"]
    assert_valid(op, "IndividualVnfLcmOpOcc.Get.200")
    assert "rollback" not in op["_links"]
    response = api.post(op["_links"]["self"]["href"] + "/rollback")
    assert response.status_code == 409
    assert "cannot be rolled back" in response.json()["detail"]

    assert api.post(op["_links"]["retry"]["href"]).status_code == 202
    op = api.wait_op(op["_links"]["self"]["href"], {"COMPLETED", "FAILED_TEMP"})
    assert op["operationState"] == "COMPLETED", op
    # the first VM was healed once; the one that failed was healed again
    assert recoveries(api) == [names[0], names[1], names[1]]
    assert {c["id"] for c in op["resourceChanges"]["affectedVnfcs"]} == set(names)
    assert sim_deployment(api)["state"] == "SERVICE_ACTIVE_STATE"


# ----------------------------------------------------------------------------- operate


def test_stop_then_start(api: Api):
    instance_id = started(api)
    op = operate(api, instance_id, {"changeStateTo": "STOPPED", "stopType": "FORCEFUL"})
    assert op["operationState"] == "COMPLETED", op
    assert op["operation"] == "OPERATE"
    assert_valid(op, "IndividualVnfLcmOpOcc.Get.200")
    stopped = info(api, instance_id)
    assert stopped["vnfState"] == "STOPPED"
    assert {v["vnfcState"] for v in stopped["vnfcInfo"]} == {"STOPPED"}
    assert {v["metadata"]["escVmState"] for v in stopped["vnfcResourceInfo"]} == {
        "VM_SHUTOFF_STATE"
    }
    assert sim_deployment(api)["state"] == "SERVICE_STOPPED_STATE"

    again = api.post(f"vnf_instances/{instance_id}/operate", {"changeStateTo": "STOPPED"})
    assert again.status_code == 409
    assert "already STOPPED" in again.json()["detail"]

    op = operate(api, instance_id, {"changeStateTo": "STARTED"})
    assert op["operationState"] == "COMPLETED", op
    running = info(api, instance_id)
    assert running["vnfState"] == "STARTED"
    assert {v["vnfcState"] for v in running["vnfcInfo"]} == {"STARTED"}
    assert sim_deployment(api)["state"] == "SERVICE_ACTIVE_STATE"
    again = api.post(f"vnf_instances/{instance_id}/operate", {"changeStateTo": "STARTED"})
    assert again.status_code == 409
    assert "already STARTED" in again.json()["detail"]


def test_graceful_stop_and_refused_requests(api: Api):
    instance_id = api.create_instance(LB_WORKER)
    path = f"vnf_instances/{instance_id}/operate"
    assert api.post(path, {"changeStateTo": "STOPPED"}).status_code == 409  # not instantiated
    assert api.instantiate(instance_id, {"flavourId": "default"})["operationState"] == "COMPLETED"
    negative = {"changeStateTo": "STOPPED", "stopType": "GRACEFUL", "gracefulStopTimeout": -1}
    assert api.post(path, negative).status_code == 422
    assert api.post(path, {"changeStateTo": "PAUSED"}).status_code == 400
    body = {"changeStateTo": "STOPPED", "stopType": "GRACEFUL", "gracefulStopTimeout": 5}
    op = operate(api, instance_id, body)
    assert op["operationState"] == "COMPLETED", op
    assert op["operationParams"] == body
    assert info(api, instance_id)["vnfState"] == "STOPPED"


def test_failed_stop_is_retried(api: Api):
    instance_id = started(api)
    api.fault(step="service_action", effect="fail", message="VIM refused to stop the server")
    op = operate(api, instance_id, {"changeStateTo": "STOPPED"})
    assert op["operationState"] == "FAILED_TEMP", op
    assert "SERVICE_STOPPED FAILURE" in op["error"]["detail"]
    assert "VM_STOPPED" in op["error"]["detail"]
    assert_valid(op, "IndividualVnfLcmOpOcc.Get.200")
    assert info(api, instance_id)["vnfState"] == "STARTED"

    assert api.post(op["_links"]["retry"]["href"]).status_code == 202
    op = api.wait_op(op["_links"]["self"]["href"], {"COMPLETED", "FAILED_TEMP"})
    assert op["operationState"] == "COMPLETED", op
    assert info(api, instance_id)["vnfState"] == "STOPPED"
    assert sim_deployment(api)["state"] == "SERVICE_STOPPED_STATE"


def test_failed_stop_rolled_back_runs_again(api: Api):
    instance_id = started(api)
    before, vms = info(api, instance_id), sim_vms(api)
    api.fault(step="service_action", effect="fail", message="VIM refused to stop the server")
    op = operate(api, instance_id, {"changeStateTo": "STOPPED"})
    assert op["operationState"] == "FAILED_TEMP", op
    assert sim_deployment(api)["state"] == "SERVICE_ERROR_STATE"

    assert api.post(op["_links"]["rollback"]["href"]).status_code == 202
    op = api.wait_op(op["_links"]["self"]["href"], {"ROLLED_BACK", "FAILED_TEMP"})
    assert op["operationState"] == "ROLLED_BACK", op
    assert_valid(op, "IndividualVnfLcmOpOcc.Get.200")
    assert info(api, instance_id) == before
    assert sim_deployment(api)["state"] == "SERVICE_ACTIVE_STATE"
    assert sim_vms(api) == vms


def test_failed_start_is_rolled_back_to_stopped_or_retried(api: Api):
    instance_id = started(api)
    assert operate(api, instance_id, {"changeStateTo": "STOPPED"})["operationState"] == "COMPLETED"
    stopped = info(api, instance_id)

    api.fault(step="service_action", effect="fail", message="no host with enough memory")
    op = operate(api, instance_id, {"changeStateTo": "STARTED"})
    assert op["operationState"] == "FAILED_TEMP", op
    assert "SERVICE_STARTED FAILURE" in op["error"]["detail"]
    assert api.post(op["_links"]["rollback"]["href"]).status_code == 202
    op = api.wait_op(op["_links"]["self"]["href"], {"ROLLED_BACK", "FAILED_TEMP"})
    assert op["operationState"] == "ROLLED_BACK", op
    assert sim_deployment(api)["state"] == "SERVICE_STOPPED_STATE"
    assert info(api, instance_id)["vnfState"] == "STOPPED"
    assert info(api, instance_id)["vnfcInfo"] == stopped["vnfcInfo"]

    api.fault(step="service_action", effect="fail", message="no host with enough memory")
    op = operate(api, instance_id, {"changeStateTo": "STARTED"})
    assert op["operationState"] == "FAILED_TEMP", op
    assert api.post(op["_links"]["retry"]["href"]).status_code == 202
    op = api.wait_op(op["_links"]["self"]["href"], {"COMPLETED", "FAILED_TEMP"})
    assert op["operationState"] == "COMPLETED", op
    assert info(api, instance_id)["vnfState"] == "STARTED"
    assert sim_deployment(api)["state"] == "SERVICE_ACTIVE_STATE"
    assert {state for _, state in sim_vms(api).values()} == {"VM_ALIVE_STATE"}


@pytest.fixture
def impatient_node(node_settings: Settings) -> Iterator[Node]:
    running = start_node(replace(node_settings, esc_event_timeout=1.0))
    yield running
    running.stop()


def test_lost_callbacks_are_reconciled_from_the_deployment(impatient_node: Node):
    api = Api(impatient_node)
    instance_id = started(api)
    api.fault(step="callback", effect="drop", event_type="VM_RECOVERY_COMPLETE", mode="always")
    api.fault(step="callback", effect="drop", event_type="SERVICE_STOPPED", mode="always")
    op = api.wait_op(api.start(instance_id, "heal", {}))
    assert op["operationState"] == "COMPLETED", op
    assert len(recoveries(api)) == 2
    op = operate(api, instance_id, {"changeStateTo": "STOPPED"})
    assert op["operationState"] == "COMPLETED", op
    assert info(api, instance_id)["vnfState"] == "STOPPED"
    faults = api.http.get(f"{api.sim}/sim/faults", timeout=5).json()
    hits = {f["event_type"]: f["hits"] for f in faults}
    assert hits == {"VM_RECOVERY_COMPLETE": 2, "SERVICE_STOPPED": 1}  # all really lost


@pytest.fixture
def booting_node(node_settings: Settings) -> Iterator[Node]:
    # LB-Worker VMs boot in 120 s and 90 s; a factor of 0.01 makes each recovery last
    # about a second, long enough to cancel during the first and short enough to wait.
    running = start_node(replace(node_settings, esc_boot_time_factor=0.01, esc_event_timeout=10))
    yield running
    running.stop()


def test_graceful_cancel_stops_a_heal_between_two_vms(booting_node: Node):
    api = Api(booting_node)
    instance_id = started(api)
    names = list(servers(api, instance_id))
    location = api.start(instance_id, "heal", {})
    api.wait_op(location, {"PROCESSING"})
    assert api.post(f"{location}/cancel", {"cancelMode": "GRACEFUL"}).status_code == 202
    op = api.wait_op(location)
    assert op["operationState"] == "FAILED_TEMP", op
    assert "cancelled" in op["error"]["detail"]
    assert recoveries(api) == names[:1]  # the VM under way was finished, not the next

    assert api.post(f"{location}/retry").status_code == 202
    op = api.wait_op(location, {"COMPLETED", "FAILED_TEMP"})
    assert op["operationState"] == "COMPLETED", op
    assert recoveries(api) == names
    assert {c["id"] for c in op["resourceChanges"]["affectedVnfcs"]} == set(names)
