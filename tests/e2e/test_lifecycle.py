"""Instantiate, terminate, modify, and the op-occ tasks, over real HTTP against the
ESC simulator (issue 4)."""

from __future__ import annotations

import concurrent.futures

from tests.e2e.conftest import Api
from tests.etsi import assert_valid

LB_WORKER = "33333333-3333-4333-8333-333333333333"


def test_instantiate_then_terminate(api: Api):
    instance_id = api.create_instance(vnfInstanceName="happy")
    op = api.instantiate(instance_id)
    assert op["operationState"] == "COMPLETED", op
    assert op["operation"] == "INSTANTIATE"
    assert_valid(op, "IndividualVnfLcmOpOcc.Get.200")
    added = op["resourceChanges"]["affectedVnfcs"]
    assert added and {a["changeType"] for a in added} == {"ADDED"}
    assert set(op["_links"]) == {"self", "vnfInstance"}

    instance = api.get(f"vnf_instances/{instance_id}").json()
    assert instance["instantiationState"] == "INSTANTIATED"
    info = instance["instantiatedVnfInfo"]
    assert info["flavourId"] == "simple" and info["vnfState"] == "STARTED"
    assert [v["computeResource"]["resourceId"] for v in info["vnfcResourceInfo"]] == [
        a["computeResource"]["resourceId"] for a in added
    ]
    assert_valid(instance, "IndividualVnfInstance.Get.200")
    assert len(api.sim_deployments()) == 1

    location = api.start(instance_id, "terminate", {"terminationType": "FORCEFUL"})
    op = api.wait_op(location)
    assert op["operationState"] == "COMPLETED", op
    assert {a["changeType"] for a in op["resourceChanges"]["affectedVnfcs"]} == {"REMOVED"}
    instance = api.get(f"vnf_instances/{instance_id}").json()
    assert instance["instantiationState"] == "NOT_INSTANTIATED"
    assert "instantiatedVnfInfo" not in instance
    assert api.sim_deployments() == []


def test_graceful_terminate_stops_before_undeploying(api: Api):
    instance_id = api.create_instance()
    assert api.instantiate(instance_id)["operationState"] == "COMPLETED"
    location = api.start(
        instance_id,
        "terminate",
        {"terminationType": "GRACEFUL", "gracefulTerminationTimeout": 5},
    )
    assert api.wait_op(location)["operationState"] == "COMPLETED"
    paths = [c["path"] for c in api.sim_calls()]
    stop = next(i for i, p in enumerate(paths) if "/deployments/service/" in p)
    undeploy = max(i for i, c in enumerate(api.sim_calls()) if c["method"] == "DELETE")
    assert stop < undeploy


def test_wrong_state_and_unknown_parameters(api: Api):
    instance_id = api.create_instance()
    response = api.post(f"vnf_instances/{instance_id}/terminate", {"terminationType": "FORCEFUL"})
    assert response.status_code == 409
    assert "NOT_INSTANTIATED" in response.json()["detail"]
    bad_flavour = api.post(f"vnf_instances/{instance_id}/instantiate", {"flavourId": "nope"})
    assert bad_flavour.status_code == 422
    assert "nope" in bad_flavour.json()["detail"]
    bad_level = api.post(
        f"vnf_instances/{instance_id}/instantiate",
        {"flavourId": "simple", "instantiationLevelId": "huge"},
    )
    assert bad_level.status_code == 422
    assert "huge" in bad_level.json()["detail"]
    missing = api.post("vnf_instances/nope/instantiate", {"flavourId": "simple"})
    assert missing.status_code == 404


def test_deploy_failure_then_retry_completes(api: Api):
    instance_id = api.create_instance()
    api.fault(step="deploy", effect="fail", message="no valid host was found")
    op = api.instantiate(instance_id)
    assert op["operationState"] == "FAILED_TEMP"
    # the service-level failure and the VM-level cause behind it
    assert "SERVICE_ALIVE FAILURE" in op["error"]["detail"]
    assert "VM_DEPLOYED" in op["error"]["detail"]
    assert "no valid host was found" in op["error"]["detail"]
    assert set(op["_links"]) >= {"retry", "rollback", "fail"}
    assert "cancel" not in op["_links"]
    assert_valid(op, "IndividualVnfLcmOpOcc.Get.200")
    busy = api.post(f"vnf_instances/{instance_id}/instantiate", {"flavourId": "simple"})
    assert busy.status_code == 409  # FAILED_TEMP still holds the instance

    assert api.post(op["_links"]["retry"]["href"]).status_code == 202
    op = api.wait_op(op["_links"]["self"]["href"], {"COMPLETED", "FAILED_TEMP"})
    assert op["operationState"] == "COMPLETED", op
    assert "error" not in op
    assert len(api.sim_deployments()) == 1


def test_rejected_deploy_then_rollback_leaves_nothing(api: Api):
    instance_id = api.create_instance()
    api.fault(step="deploy", effect="reject", status=400, message="image not found")
    op = api.instantiate(instance_id)
    assert op["operationState"] == "FAILED_TEMP"
    assert "image not found" in op["error"]["detail"]
    assert api.post(op["_links"]["rollback"]["href"]).status_code == 202
    op = api.wait_op(op["_links"]["self"]["href"], {"ROLLED_BACK", "FAILED_TEMP"})
    assert op["operationState"] == "ROLLED_BACK", op
    assert api.sim_deployments() == []
    instance = api.get(f"vnf_instances/{instance_id}").json()
    assert instance["instantiationState"] == "NOT_INSTANTIATED"


def test_failed_deploy_rolled_back_removes_the_deployment(api: Api):
    instance_id = api.create_instance()
    api.fault(step="vm_alive", effect="fail", message="VM never came alive")
    op = api.instantiate(instance_id)
    assert op["operationState"] == "FAILED_TEMP", op
    assert api.post(op["_links"]["rollback"]["href"]).status_code == 202
    op = api.wait_op(op["_links"]["self"]["href"], {"ROLLED_BACK", "FAILED_TEMP"})
    assert op["operationState"] == "ROLLED_BACK", op
    assert api.sim_deployments() == []


def test_fail_task_answers_200_with_the_op(api: Api):
    instance_id = api.create_instance()
    api.fault(step="deploy", effect="fail", message="quota exceeded")
    op = api.instantiate(instance_id)
    response = api.post(op["_links"]["fail"]["href"])
    assert response.status_code == 200
    doc = response.json()
    assert doc["operationState"] == "FAILED"
    assert "quota exceeded" in doc["error"]["detail"]
    assert_valid(doc, "FailVnfLcmOpOcc.Post.200")
    again = api.post(op["_links"]["self"]["href"] + "/retry")
    assert again.status_code == 409
    assert "FAILED" in again.json()["detail"]


def test_tasks_on_unknown_op_are_404(api: Api):
    for task in ("retry", "rollback", "fail"):
        assert api.post(f"vnf_lcm_op_occs/nope/{task}").status_code == 404
    assert api.post("vnf_lcm_op_occs/nope/cancel", {"cancelMode": "FORCEFUL"}).status_code == 404


def test_terminate_cannot_be_rolled_back(api: Api):
    instance_id = api.create_instance()
    assert api.instantiate(instance_id)["operationState"] == "COMPLETED"
    api.fault(step="undeploy", effect="reject", status=500, message="VIM down")
    location = api.start(instance_id, "terminate", {"terminationType": "FORCEFUL"})
    op = api.wait_op(location)
    assert op["operationState"] == "FAILED_TEMP"
    assert "rollback" not in op["_links"]
    response = api.post(f"{location}/rollback")
    assert response.status_code == 409
    assert "cannot be rolled back" in response.json()["detail"]
    assert api.post(f"{location}/retry").status_code == 202
    assert api.wait_op(location)["operationState"] == "COMPLETED"


def test_modify_info_applies_on_completion(api: Api):
    instance_id = api.create_instance(vnfInstanceName="before", metadata={"a": "1", "b": "2"})
    response = api.patch(
        f"vnf_instances/{instance_id}",
        {"vnfInstanceName": "after", "metadata": {"b": None, "c": "3"}},
    )
    assert response.status_code == 202
    op = api.wait_op(response.headers["Location"])
    assert op["operationState"] == "COMPLETED"
    assert op["operation"] == "MODIFY_INFO"
    assert op["changedInfo"]["vnfInstanceName"] == "after"
    instance = api.get(f"vnf_instances/{instance_id}").json()
    assert instance["vnfInstanceName"] == "after"
    assert instance["metadata"] == {"a": "1", "c": "3"}


def test_modify_of_instantiated_vnf_updates_esc_and_rolls_back(api: Api):
    instance_id = api.create_instance(LB_WORKER)  # its VDUs have day-0 config data
    assert api.instantiate(instance_id, {"flavourId": "default"})["operationState"] == "COMPLETED"
    api.fault(step="update", effect="fail", message="bad day-0 variable")
    response = api.patch(
        f"vnf_instances/{instance_id}", {"vnfConfigurableProperties": {"ntp": "10.0.0.1"}}
    )
    op = api.wait_op(response.headers["Location"])
    assert op["operationState"] == "FAILED_TEMP", op
    assert "bad day-0 variable" in op["error"]["detail"]
    assert api.post(op["_links"]["rollback"]["href"]).status_code == 202
    op = api.wait_op(op["_links"]["self"]["href"], {"ROLLED_BACK", "FAILED_TEMP"})
    assert op["operationState"] == "ROLLED_BACK", op.get("error")
    instance = api.get(f"vnf_instances/{instance_id}?all_fields").json()
    assert "vnfConfigurableProperties" not in instance


def test_concurrent_conflicting_requests_yield_one_acceptance(api: Api):
    instance_id = api.create_instance()
    url = api.url(f"vnf_instances/{instance_id}/instantiate")

    def attempt(_: int) -> int:
        import requests

        return requests.post(url, json={"flavourId": "simple"}, timeout=30).status_code

    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
        codes = list(pool.map(attempt, range(50)))
    assert codes.count(202) == 1, codes
    assert codes.count(409) == 49, codes
    ops = api.get("vnf_lcm_op_occs", params={"filter": f"(eq,vnfInstanceId,{instance_id})"})
    assert len(ops.json()) == 1


def test_op_occ_list_filters_in_sql(api: Api):
    first = api.create_instance()
    second = api.create_instance()
    assert api.instantiate(first)["operationState"] == "COMPLETED"
    api.fault(step="deploy", effect="fail")
    assert api.instantiate(second)["operationState"] == "FAILED_TEMP"
    completed = api.get(
        "vnf_lcm_op_occs",
        params={"filter": "(eq,operationState,COMPLETED);(eq,operation,INSTANTIATE)"},
    ).json()
    assert [o["vnfInstanceId"] for o in completed] == [first]
    assert "operationParams" not in completed[0]
    assert_valid(completed, "VnfLcmOpOccs.Get.200")
    failed = api.get(
        "vnf_lcm_op_occs", params={"filter": "(eq,operationState,FAILED_TEMP)", "all_fields": ""}
    ).json()
    assert [o["vnfInstanceId"] for o in failed] == [second]
    assert "error" in failed[0]
