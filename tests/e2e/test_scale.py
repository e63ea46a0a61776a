"""SCALE and SCALE_TO_LEVEL over real HTTP against the ESC simulator (issue 5).

The LB-Worker sample scales its WORKER VDU by aspect ``workers`` (one VM per step, up
to level 3); its levels are ``small`` (1 LB, 1 worker) and ``large`` (2 LB, 3 workers).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import replace

import pytest

from tests.e2e.conftest import CIRROS, Api
from tests.etsi import assert_valid
from vnfm.config import Settings
from vnfm.node import Node, start_node

LB_WORKER = "33333333-3333-4333-8333-333333333333"


def lb_worker(api: Api) -> str:
    instance_id = api.create_instance(LB_WORKER)
    op = api.instantiate(instance_id, {"flavourId": "default"})
    assert op["operationState"] == "COMPLETED", op
    return instance_id


def instance(api: Api, instance_id: str) -> dict:
    doc = api.get(f"vnf_instances/{instance_id}").json()
    assert_valid(doc, "IndividualVnfInstance.Get.200")
    return doc


def vdu_counts(doc: dict) -> Counter:
    return Counter(v["vduId"] for v in doc["instantiatedVnfInfo"]["vnfcResourceInfo"])


def scale_level(doc: dict, aspect: str = "workers") -> int:
    status = doc["instantiatedVnfInfo"]["scaleStatus"]
    return next(s["scaleLevel"] for s in status if s["aspectId"] == aspect)


def sim_vms(api: Api) -> dict[str, tuple[str, str]]:
    """VM name -> (VM group, state) of the simulator's only deployment."""
    (deployment,) = api.sim_deployments()
    return {vm["name"]: (vm["group"], vm["state"]) for vm in deployment["vms"]}


def updates(api: Api) -> list[dict]:
    return [c for c in api.sim_calls() if c["method"] == "PUT"]


def scale(api: Api, instance_id: str, kind: str, steps: int = 1) -> dict:
    body = {"type": kind, "aspectId": "workers", "numberOfSteps": steps}
    return api.wait_op(api.start(instance_id, "scale", body))


def test_scale_out_and_in_by_steps(api: Api):
    instance_id = lb_worker(api)
    before = instance(api, instance_id)
    assert vdu_counts(before) == {"LB": 1, "WORKER": 1}
    assert before["instantiatedVnfInfo"]["metadata"]["instantiationLevelId"] == "small"

    op = scale(api, instance_id, "SCALE_OUT", 2)
    assert op["operationState"] == "COMPLETED", op
    assert op["operation"] == "SCALE"
    assert_valid(op, "IndividualVnfLcmOpOcc.Get.200")
    added = op["resourceChanges"]["affectedVnfcs"]
    assert [(a["vduId"], a["changeType"]) for a in added] == [("WORKER", "ADDED")] * 2
    after = instance(api, instance_id)
    assert scale_level(after) == 2
    assert vdu_counts(after) == {"LB": 1, "WORKER": 3}
    assert len(after["instantiatedVnfInfo"]["vnfcInfo"]) == 4
    # two more workers but one load balancer: no instantiation level is this size
    assert "metadata" not in after["instantiatedVnfInfo"]
    assert Counter(group for group, _ in sim_vms(api).values()) == {"LB": 1, "WORKER": 3}
    assert {state for _, state in sim_vms(api).values()} == {"VM_ALIVE_STATE"}
    new_ids = {a["id"] for a in added}
    assert new_ids <= {v["id"] for v in after["instantiatedVnfInfo"]["vnfcResourceInfo"]}

    op = scale(api, instance_id, "SCALE_IN")
    assert op["operationState"] == "COMPLETED", op
    (removed,) = op["resourceChanges"]["affectedVnfcs"]
    assert removed["changeType"] == "REMOVED" and removed["id"] in new_ids
    assert_valid(op, "IndividualVnfLcmOpOcc.Get.200")
    after = instance(api, instance_id)
    assert scale_level(after) == 1
    assert vdu_counts(after) == {"LB": 1, "WORKER": 2}
    assert removed["id"] not in sim_vms(api)

    op = scale(api, instance_id, "SCALE_IN")
    assert op["operationState"] == "COMPLETED", op
    after = instance(api, instance_id)
    assert scale_level(after) == 0
    assert after["instantiatedVnfInfo"]["metadata"]["instantiationLevelId"] == "small"
    assert set(sim_vms(api)) == {v["id"] for v in before["instantiatedVnfInfo"]["vnfcResourceInfo"]}


def test_scale_to_level_small_to_large_and_back(api: Api):
    instance_id = lb_worker(api)
    before = instance(api, instance_id)

    op = api.wait_op(api.start(instance_id, "scale_to_level", {"instantiationLevelId": "large"}))
    assert op["operationState"] == "COMPLETED", op
    assert op["operation"] == "SCALE_TO_LEVEL"
    assert_valid(op, "IndividualVnfLcmOpOcc.Get.200")
    changes = Counter((a["vduId"], a["changeType"]) for a in op["resourceChanges"]["affectedVnfcs"])
    assert changes == {("LB", "ADDED"): 1, ("WORKER", "ADDED"): 2}
    large = instance(api, instance_id)
    assert vdu_counts(large) == {"LB": 2, "WORKER": 3}
    assert scale_level(large) == 2
    assert large["instantiatedVnfInfo"]["metadata"]["instantiationLevelId"] == "large"
    assert Counter(group for group, _ in sim_vms(api).values()) == {"LB": 2, "WORKER": 3}

    # scaleInfo moves the aspect only: the second load balancer stays
    body = {"scaleInfo": [{"aspectId": "workers", "scaleLevel": 3}]}
    op = api.wait_op(api.start(instance_id, "scale_to_level", body))
    assert op["operationState"] == "COMPLETED", op
    assert [a["changeType"] for a in op["resourceChanges"]["affectedVnfcs"]] == ["ADDED"]
    assert vdu_counts(instance(api, instance_id)) == {"LB": 2, "WORKER": 4}
    assert scale_level(instance(api, instance_id)) == 3

    op = api.wait_op(api.start(instance_id, "scale_to_level", {"instantiationLevelId": "small"}))
    assert op["operationState"] == "COMPLETED", op
    changes = Counter((a["vduId"], a["changeType"]) for a in op["resourceChanges"]["affectedVnfcs"])
    assert changes == {("LB", "REMOVED"): 1, ("WORKER", "REMOVED"): 3}
    small = instance(api, instance_id)
    assert vdu_counts(small) == {"LB": 1, "WORKER": 1}
    assert scale_level(small) == 0
    assert small["instantiatedVnfInfo"]["metadata"]["instantiationLevelId"] == "small"
    # ESC removes the newest VMs first, so the VNF is back on its first VMs
    first = {v["id"] for v in before["instantiatedVnfInfo"]["vnfcResourceInfo"]}
    assert set(sim_vms(api)) == first

    # the level it is at already: completes without a request to ESC
    sent = len(updates(api))
    op = api.wait_op(api.start(instance_id, "scale_to_level", {"instantiationLevelId": "small"}))
    assert op["operationState"] == "COMPLETED", op
    assert op["resourceChanges"]["affectedVnfcs"] == []
    assert len(updates(api)) == sent


def test_impossible_scaling_is_refused_before_anything_happens(api: Api):
    instance_id = lb_worker(api)
    path = f"vnf_instances/{instance_id}"
    refused = {
        "beyond max": ("scale", {"type": "SCALE_OUT", "aspectId": "workers", "numberOfSteps": 4}),
        "below 0": ("scale", {"type": "SCALE_IN", "aspectId": "workers"}),
        "unknown aspect": ("scale", {"type": "SCALE_OUT", "aspectId": "lbs"}),
        "unknown level": ("scale_to_level", {"instantiationLevelId": "huge"}),
        "level beyond max": (
            "scale_to_level",
            {"scaleInfo": [{"aspectId": "workers", "scaleLevel": 4}]},
        ),
        "aspect twice": (
            "scale_to_level",
            {"scaleInfo": [{"aspectId": "workers", "scaleLevel": 1}] * 2},
        ),
        "other vnfd": (
            "scale_to_level",
            {"scaleInfo": [{"aspectId": "workers", "scaleLevel": 1, "vnfdId": CIRROS}]},
        ),
    }
    for case, (task, body) in refused.items():
        response = api.post(f"{path}/{task}", body)
        assert response.status_code == 422, (case, response.text)
        assert response.headers["Content-Type"].startswith("application/problem+json")
    assert "4" in api.post(f"{path}/scale", refused["beyond max"][1]).json()["detail"]
    assert "lbs" in api.post(f"{path}/scale", refused["unknown aspect"][1]).json()["detail"]
    ops = api.get(f"vnf_lcm_op_occs?filter=(eq,vnfInstanceId,{instance_id})").json()
    assert [o["operation"] for o in ops] == ["INSTANTIATE"]
    assert updates(api) == []

    cirros = api.create_instance(CIRROS)
    body = {"type": "SCALE_OUT", "aspectId": "workers"}
    assert api.post(f"vnf_instances/{cirros}/scale", body).status_code == 409  # not instantiated
    assert api.instantiate(cirros)["operationState"] == "COMPLETED"
    response = api.post(f"vnf_instances/{cirros}/scale", body)
    assert response.status_code == 422 and "none" in response.json()["detail"]
    response = api.post(f"vnf_instances/{cirros}/scale_to_level", {"instantiationLevelId": "a"})
    assert response.status_code == 422


def test_stopped_vnf_is_not_scaled(api: Api):
    instance_id = lb_worker(api)
    stop = api.wait_op(api.start(instance_id, "operate", {"changeStateTo": "STOPPED"}))
    assert stop["operationState"] == "COMPLETED", stop
    response = api.post(
        f"vnf_instances/{instance_id}/scale", {"type": "SCALE_OUT", "aspectId": "workers"}
    )
    assert response.status_code == 409
    assert "STOPPED" in response.json()["detail"]


def test_failed_scale_out_is_retried(api: Api):
    instance_id = lb_worker(api)
    api.fault(step="update", effect="fail", message="quota of instances exceeded")
    op = scale(api, instance_id, "SCALE_OUT")
    assert op["operationState"] == "FAILED_TEMP", op
    assert "SERVICE_UPDATED FAILURE" in op["error"]["detail"]
    assert set(op["_links"]) >= {"retry", "rollback", "fail"}
    assert_valid(op, "IndividualVnfLcmOpOcc.Get.200")
    assert vdu_counts(instance(api, instance_id)) == {"LB": 1, "WORKER": 1}

    assert api.post(op["_links"]["retry"]["href"]).status_code == 202
    op = api.wait_op(op["_links"]["self"]["href"], {"COMPLETED", "FAILED_TEMP"})
    assert op["operationState"] == "COMPLETED", op
    assert [a["changeType"] for a in op["resourceChanges"]["affectedVnfcs"]] == ["ADDED"]
    assert scale_level(instance(api, instance_id)) == 1
    assert Counter(group for group, _ in sim_vms(api).values()) == {"LB": 1, "WORKER": 2}


def test_rollback_of_a_refused_scale_out_sends_nothing(api: Api):
    instance_id = lb_worker(api)
    before, vms = instance(api, instance_id), sim_vms(api)
    api.fault(step="update", effect="fail", message="no valid host")
    op = scale(api, instance_id, "SCALE_OUT", 3)
    assert op["operationState"] == "FAILED_TEMP", op
    assert api.post(op["_links"]["rollback"]["href"]).status_code == 202
    op = api.wait_op(op["_links"]["self"]["href"], {"ROLLED_BACK", "FAILED_TEMP"})
    assert op["operationState"] == "ROLLED_BACK", op
    assert_valid(op, "IndividualVnfLcmOpOcc.Get.200")
    assert len(updates(api)) == 1  # the failed one; ESC kept its model, nothing to undo
    assert sim_vms(api) == vms
    assert instance(api, instance_id)["instantiatedVnfInfo"] == before["instantiatedVnfInfo"]


def test_scale_out_whose_vm_never_comes_alive_rolls_back_to_the_old_vms(api: Api):
    instance_id = lb_worker(api)
    before, vms = instance(api, instance_id), sim_vms(api)
    api.fault(step="vm_alive", effect="fail", message="kernel panic")
    op = scale(api, instance_id, "SCALE_OUT", 2)
    assert op["operationState"] == "FAILED_TEMP", op
    assert "did not come alive" in op["error"]["detail"]
    assert "VM_ERROR_STATE" in op["error"]["detail"]

    assert api.post(op["_links"]["rollback"]["href"]).status_code == 202
    op = api.wait_op(op["_links"]["self"]["href"], {"ROLLED_BACK", "FAILED_TEMP"})
    assert op["operationState"] == "ROLLED_BACK", op
    assert len(updates(api)) == 2  # the scale out, then the scale back in
    assert sim_vms(api) == vms
    assert api.sim_deployments()[0]["state"] == "SERVICE_ACTIVE_STATE"
    assert instance(api, instance_id)["instantiatedVnfInfo"] == before["instantiatedVnfInfo"]


def test_scale_out_whose_vm_never_comes_alive_is_retried_by_recovering_it(api: Api):
    instance_id = lb_worker(api)
    api.fault(step="vm_alive", effect="fail", message="kernel panic")
    op = scale(api, instance_id, "SCALE_OUT")
    assert op["operationState"] == "FAILED_TEMP", op
    (broken,) = [name for name, (_, state) in sim_vms(api).items() if state == "VM_ERROR_STATE"]

    assert api.post(op["_links"]["retry"]["href"]).status_code == 202
    op = api.wait_op(op["_links"]["self"]["href"], {"COMPLETED", "FAILED_TEMP"})
    assert op["operationState"] == "COMPLETED", op
    recoveries = [c["path"] for c in api.sim_calls() if "/recovery/" in c["path"]]
    assert recoveries and recoveries[0].endswith(f"/recovery/{broken}")
    assert len(updates(api)) == 1  # ESC already had the new model
    assert {state for _, state in sim_vms(api).values()} == {"VM_ALIVE_STATE"}
    assert [a["id"] for a in op["resourceChanges"]["affectedVnfcs"]] == [broken]


@pytest.fixture
def patient_node(node_settings: Settings) -> Iterator[Node]:
    # Long enough a wait for SERVICE_UPDATED that a cancel surely lands inside it.
    running = start_node(replace(node_settings, esc_event_timeout=30))
    yield running
    running.stop()


def test_rollback_of_a_scale_in_that_removed_vms_is_refused(patient_node: Node):
    api = Api(patient_node)
    instance_id = lb_worker(api)
    op = scale(api, instance_id, "SCALE_OUT", 2)
    assert op["operationState"] == "COMPLETED", op
    before = instance(api, instance_id)

    # ESC scales in, but its SERVICE_UPDATED never arrives; the NFVO cancels the wait.
    api.fault(step="callback", effect="drop", event_type="SERVICE_UPDATED")
    location = api.start(
        instance_id, "scale", {"type": "SCALE_IN", "aspectId": "workers", "numberOfSteps": 2}
    )
    api.wait_op(location, {"PROCESSING"})
    assert api.post(f"{location}/cancel", {"cancelMode": "FORCEFUL"}).status_code == 202
    op = api.wait_op(location)
    assert op["operationState"] == "FAILED_TEMP", op
    assert Counter(group for group, _ in sim_vms(api).values()) == {"LB": 1, "WORKER": 1}

    assert api.post(f"{location}/rollback").status_code == 202
    op = api.wait_op(location, {"FAILED_TEMP", "ROLLED_BACK"})
    assert op["operationState"] == "FAILED_TEMP", op
    assert op["error"]["status"] == 409
    assert "cannot be rolled back" in op["error"]["detail"]
    assert len(updates(api)) == 2  # no scale out was sent to "undo" the scale in

    response = api.post(f"{location}/fail")
    assert response.status_code == 200 and response.json()["operationState"] == "FAILED"
    # FAILED leaves the record as it was; the NFVO knows the VNF needs attention
    assert instance(api, instance_id)["instantiatedVnfInfo"] == before["instantiatedVnfInfo"]


@pytest.fixture
def impatient_node(node_settings: Settings) -> Iterator[Node]:
    running = start_node(replace(node_settings, esc_event_timeout=1.0))
    yield running
    running.stop()


def test_lost_service_updated_is_reconciled_from_the_deployment(impatient_node: Node):
    api = Api(impatient_node)
    instance_id = lb_worker(api)
    api.fault(step="callback", effect="drop", event_type="SERVICE_UPDATED", mode="always")
    op = scale(api, instance_id, "SCALE_OUT")
    assert op["operationState"] == "COMPLETED", op
    (fault,) = api.http.get(f"{api.sim}/sim/faults", timeout=5).json()
    assert fault["hits"] == 1  # the callback really was lost
    assert scale_level(instance(api, instance_id)) == 1
    assert len(updates(api)) == 1
