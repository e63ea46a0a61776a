"""``/vnf_snapshots``, CREATE_SNAPSHOT and REVERT_TO_SNAPSHOT over real HTTP against the
ESC simulator (issue 5)."""

from __future__ import annotations

import copy
from typing import Any

from openapi_schema_validator import OAS30Validator

from tests.e2e.conftest import CIRROS, Api
from tests.etsi import assert_valid, response_schema

LB_WORKER = "33333333-3333-4333-8333-333333333333"
CIRROS_V2 = "22222222-2222-4222-8222-222222222222"
IMAGE_V1 = "SolTest-Cirros-Image"


# ----------------------------------------------------------------------------- ETSI schemas

#: ETSI's file requires VnfSnapshot and VnfcSnapshotInfo attributes it does not define
#: (draft names); the text requires the v3.3.1 attribute each stands for.
REQUIRED_RENAMES = {
    "triggeredAt": "creationStartedAt",
    "vnfInfo": "vnfInstance",
    "vnfcResourceId": "vnfcResourceInfoId",
}


def _renamed(schema: Any, seen: list[str]) -> Any:
    if isinstance(schema, list):
        return [_renamed(item, seen) for item in schema]
    if not isinstance(schema, dict):
        return schema
    fixed = {key: _renamed(value, seen) for key, value in schema.items()}
    required = fixed.get("required")
    if isinstance(required, list) and "properties" in fixed:
        for old, new in REQUIRED_RENAMES.items():
            if old in required and old not in fixed["properties"]:
                seen.append(old)
                required[required.index(old)] = new
    return fixed


def assert_snapshot_valid(doc: Any, response_name: str) -> None:
    """Like ``assert_valid``, with the errata of ETSI's snapshot schemas corrected:
    the renamed required attributes, and the single resource that the file types as an
    array (5.4.24.3.2 answers one VnfSnapshotInfo)."""
    seen: list[str] = []
    schema = _renamed(copy.deepcopy(response_schema(response_name)), seen)
    assert seen, "ETSI fixed the snapshot schemas: drop the errata"
    if response_name.startswith("IndividualVnfSnapshot.Get"):
        assert schema["type"] == "array", "ETSI fixed the individual snapshot schema"
        schema = schema["items"]
    errors = sorted(OAS30Validator(schema).iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, "; ".join(
        f"{'/'.join(map(str, e.path)) or '<root>'}: {e.message}" for e in errors[:5]
    )


# ----------------------------------------------------------------------------- helpers


def started(api: Api, vnfd_id: str = CIRROS, flavour: str = "simple", **body: Any) -> str:
    instance_id = api.create_instance(vnfd_id)
    op = api.instantiate(instance_id, {"flavourId": flavour, **body})
    assert op["operationState"] == "COMPLETED", op
    return instance_id


def new_info(api: Api, body: dict | None = None) -> dict:
    response = api.post("vnf_snapshots", body or {})
    assert response.status_code == 201, response.text
    doc = response.json()
    assert response.headers["Location"] == doc["_links"]["self"]["href"]
    return doc


def snapshot(api: Api, instance_id: str, **extra: Any) -> tuple[str, dict]:
    info_id = new_info(api)["id"]
    body = {"vnfSnapshotInfoId": info_id, **extra}
    op = api.wait_op(api.start(instance_id, "create_snapshot", body))
    assert op["operationState"] == "COMPLETED", op
    return info_id, op


def esc_snapshots(api: Api) -> list[dict]:
    answer = api.http.get(
        f"{api.sim}/ESCManager/v0/snapshots", headers={"Accept": "application/json"}, timeout=5
    )
    return answer.json()["snapshots"]


def vms(api: Api, instance_id: str) -> list[dict]:
    (deployment,) = [d for d in api.sim_deployments() if d["name"] == f"vnf-{instance_id}"]
    return sorted(deployment["vms"], key=lambda vm: vm["name"])


def instance(api: Api, instance_id: str) -> dict:
    doc = api.get(f"vnf_instances/{instance_id}").json()
    assert_valid(doc, "IndividualVnfInstance.Get.200")
    return doc


def servers(doc: dict) -> dict[str, str]:
    return {
        v["id"]: v["computeResource"]["resourceId"]
        for v in doc["instantiatedVnfInfo"]["vnfcResourceInfo"]
    }


def delete(api: Api, path: str) -> Any:
    return api.http.delete(api.url(path), timeout=15)


def fail_then(api: Api, location: str, action: str, states: set[str]) -> dict:
    op = api.wait_op(location)
    assert op["operationState"] == "FAILED_TEMP", op
    assert api.post(op["_links"][action]["href"]).status_code == 202
    return api.wait_op(location, states | {"FAILED_TEMP"})


# ----------------------------------------------------------------------------- resources


def test_an_empty_snapshot_resource_and_its_queries(api: Api):
    doc = new_info(api)
    assert set(doc) == {"id", "_links"} and set(doc["_links"]) == {"self"}
    assert_snapshot_valid(doc, "VnfSnapshots.Post.201")
    got = api.get(f"vnf_snapshots/{doc['id']}")
    assert got.status_code == 200 and got.json() == doc
    assert_snapshot_valid(got.json(), "IndividualVnfSnapshot.Get.200")

    listed = api.get("vnf_snapshots").json()
    assert [d["id"] for d in listed] == [doc["id"]]
    assert_snapshot_valid(listed, "VnfSnapshots.Get.200")
    assert api.get(f"vnf_snapshots?filter=(eq,id,{doc['id']})").json() == [doc]
    assert api.get("vnf_snapshots?filter=(eq,id,nope)").json() == []
    bad = api.get("vnf_snapshots?filter=(eq,nosuchattribute,1)")
    assert bad.status_code == 400

    state = api.get(f"vnf_snapshots/{doc['id']}/vnf_state_snapshot")
    assert state.status_code == 409 and "no snapshot yet" in state.json()["detail"]
    assert api.get("vnf_snapshots/nope").status_code == 404
    assert api.get("vnf_snapshots/nope/vnf_state_snapshot").status_code == 404

    assert delete(api, f"vnf_snapshots/{doc['id']}").status_code == 204
    assert api.get(f"vnf_snapshots/{doc['id']}").status_code == 404
    assert delete(api, f"vnf_snapshots/{doc['id']}").status_code == 404


def test_listing_pages_through_many_resources(api: Api):
    ids = [new_info(api)["id"] for _ in range(7)]
    first = api.get("vnf_snapshots")
    assert len(first.json()) == 5  # the tests' page size
    next_url = first.headers["Link"].split(";")[0].strip("<>")
    second = api.get(next_url)
    assert "Link" not in second.headers
    assert [d["id"] for d in first.json() + second.json()] == ids


def test_a_package_id_alone_is_refused_and_a_record_is_imported(api: Api):
    alone = api.post("vnf_snapshots", {"vnfSnapshotPkgId": "pkg-1"})
    assert alone.status_code == 422 and "vnfSnapshot" in alone.json()["detail"]

    info_id = new_info(api)["id"]
    assert api.patch(f"vnf_snapshots/{info_id}", {"vnfSnapshotPkgId": "pkg-1"}).status_code == 422
    record = imported_record()
    patched = api.patch(
        f"vnf_snapshots/{info_id}", {"vnfSnapshotPkgId": "pkg-1", "vnfSnapshot": record}
    )
    assert patched.status_code == 200, patched.text
    assert patched.json() == {"vnfSnapshotPkgId": "pkg-1", "vnfSnapshot": record}
    assert_snapshot_valid(patched.json(), "IndividualVnfSnapshot.Patch.200")
    doc = api.get(f"vnf_snapshots/{info_id}").json()
    assert doc["vnfSnapshotPkgId"] == "pkg-1"
    assert doc["vnfSnapshot"]["vnfcSnapshots"] == record["vnfcSnapshots"]
    assert "takenFrom" not in doc["_links"]  # not taken by this VNFM
    assert_snapshot_valid(doc, "IndividualVnfSnapshot.Get.200")
    again = api.patch(f"vnf_snapshots/{info_id}", {"vnfSnapshotPkgId": "pkg-2"})
    assert again.status_code == 409 and "already holds" in again.json()["detail"]
    state = api.get(f"vnf_snapshots/{info_id}/vnf_state_snapshot")
    assert state.status_code == 404 and "no VNF state snapshot" in state.json()["detail"]

    posted = new_info(api, {"vnfSnapshotPkgId": "pkg-3", "vnfSnapshot": record})
    assert posted["vnfSnapshot"]["id"] == record["id"]
    assert_snapshot_valid(posted, "VnfSnapshots.Post.201")
    # an imported record's ESC snapshots are not this VNFM's to delete
    assert delete(api, f"vnf_snapshots/{posted['id']}").status_code == 204
    assert [c for c in api.sim_calls() if c["method"] == "DELETE"] == []


def imported_record(vnfd_id: str = CIRROS) -> dict:
    return {
        "id": "imported-1",
        "vnfInstanceId": "elsewhere-1",
        "creationStartedAt": "2026-01-02T03:04:05Z",
        "vnfdId": vnfd_id,
        "vnfInstance": {
            "id": "elsewhere-1",
            "vnfdId": vnfd_id,
            "vnfProvider": "vnfm-samples",
            "vnfProductName": "Cirros",
            "vnfSoftwareVersion": "1.0",
            "vnfdVersion": "1.0",
            "instantiationState": "NOT_INSTANTIATED",
            "_links": {"self": {"href": "http://elsewhere/vnflcm/v2/vnf_instances/elsewhere-1"}},
        },
        "vnfcSnapshots": [
            {
                "id": "c1",
                "vnfcInstanceId": "vnfc-1",
                "creationStartedAt": "2026-01-02T03:04:05Z",
                "vnfcResourceInfoId": "vm-1",
                "computeSnapshotResource": {"resourceId": "image-1"},
            }
        ],
    }


# ----------------------------------------------------------------------------- create_snapshot


def test_create_snapshot_takes_one_esc_snapshot_per_vnfc(api: Api):
    instance_id = started(api, LB_WORKER, "default")
    before = instance(api, instance_id)
    names = sorted(servers(before))
    assert len(names) == 2
    info_id, op = snapshot(api, instance_id, userDefinedData={"reason": "before upgrade"})
    assert op["operation"] == "CREATE_SNAPSHOT"
    assert op["vnfSnapshotInfoId"] == info_id
    assert op["_links"]["vnfSnapshot"]["href"].endswith(f"/vnf_snapshots/{info_id}")
    assert_valid(op, "IndividualVnfLcmOpOcc.Get.200")

    doc = api.get(f"vnf_snapshots/{info_id}").json()
    assert_snapshot_valid(doc, "IndividualVnfSnapshot.Get.200")
    assert doc["_links"]["takenFrom"]["href"].endswith(f"/vnf_instances/{instance_id}")
    record = doc["vnfSnapshot"]
    assert (record["vnfInstanceId"], record["vnfdId"]) == (instance_id, LB_WORKER)
    assert record["userDefinedData"] == {"reason": "before upgrade"}
    assert record["creationStartedAt"] <= record["creationFinishedAt"]
    taken_copy = {k: v for k, v in record["vnfInstance"].items() if k != "_links"}
    assert taken_copy == {k: v for k, v in before.items() if k != "_links"}
    escs = {s["id"]: s for s in esc_snapshots(api)}
    assert sorted(v["vnfcResourceInfoId"] for v in record["vnfcSnapshots"]) == names
    for vnfc in record["vnfcSnapshots"]:
        esc = escs[vnfc["computeSnapshotResource"]["resourceId"]]
        assert esc["name"] == vnfc["id"] == f"vnfsnap-{info_id}-{vnfc['vnfcResourceInfoId']}"
        assert esc["status"] == "active"
        (storage,) = vnfc["storageSnapshotResources"]
        assert storage["storageSnapshotResource"]["resourceId"] == esc["volume_snapshot_id"]
        assert vnfc["vnfcInstanceId"] == f"vnfc-{vnfc['vnfcResourceInfoId']}"

    matching = api.get(f"vnf_snapshots?filter=(eq,vnfSnapshot/vnfInstanceId,{instance_id})")
    assert [d["id"] for d in matching.json()] == [info_id]
    assert_snapshot_valid(matching.json(), "VnfSnapshots.Get.200")
    # taking a snapshot changes nothing on the VNF
    assert instance(api, instance_id) == before
    filled = api.post(
        f"vnf_instances/{instance_id}/create_snapshot", {"vnfSnapshotInfoId": info_id}
    )
    assert filled.status_code == 409 and "already holds a snapshot" in filled.json()["detail"]


def test_create_snapshot_refusals(api: Api):
    fresh = api.create_instance()
    info_id = new_info(api)["id"]
    not_instantiated = api.post(
        f"vnf_instances/{fresh}/create_snapshot", {"vnfSnapshotInfoId": info_id}
    )
    assert not_instantiated.status_code == 409
    instance_id = started(api)
    unknown = api.post(
        f"vnf_instances/{instance_id}/create_snapshot", {"vnfSnapshotInfoId": "nope"}
    )
    assert unknown.status_code == 422 and "POST /vnf_snapshots" in unknown.json()["detail"]
    missing = api.post(f"vnf_instances/{instance_id}/create_snapshot", {})
    assert missing.status_code == 400


def test_a_stopped_vnf_can_be_snapshotted(api: Api):
    instance_id = started(api)
    stop = api.wait_op(api.start(instance_id, "operate", {"changeStateTo": "STOPPED"}))
    assert stop["operationState"] == "COMPLETED", stop
    info_id, _ = snapshot(api, instance_id)
    assert len(api.get(f"vnf_snapshots/{info_id}").json()["vnfSnapshot"]["vnfcSnapshots"]) == 1


def test_esc_refusing_a_vm_it_cannot_snapshot_fails_the_operation(api: Api):
    instance_id = started(api)
    # A failed heal leaves the VM in error; the instance record still says alive.
    api.fault(step="recovery", effect="fail", message="host down")
    heal = api.wait_op(api.start(instance_id, "heal", {}))
    assert heal["operationState"] == "FAILED_TEMP", heal
    assert api.post(heal["_links"]["fail"]["href"]).status_code == 200
    info_id = new_info(api)["id"]
    location = api.start(instance_id, "create_snapshot", {"vnfSnapshotInfoId": info_id})
    op = api.wait_op(location)
    assert op["operationState"] == "FAILED_TEMP", op
    assert "a snapshot needs an alive or stopped VM" in op["error"]["detail"]
    assert op["vnfSnapshotInfoId"] == info_id
    assert_valid(op, "IndividualVnfLcmOpOcc.Get.200")


def test_failed_snapshot_then_retry_completes(api: Api):
    instance_id = started(api)
    info_id = new_info(api)["id"]
    api.fault(step="snapshot", effect="fail", message="glance quota exceeded")
    location = api.start(instance_id, "create_snapshot", {"vnfSnapshotInfoId": info_id})
    op = api.wait_op(location)
    assert op["operationState"] == "FAILED_TEMP", op
    assert "VM_BACKUP_COMPLETE FAILURE" in op["error"]["detail"]
    assert "glance quota exceeded" in op["error"]["detail"]
    assert op["_links"]["vnfSnapshot"]["href"].endswith(info_id)
    assert [s["status"] for s in esc_snapshots(api)] == ["error"]
    # the resource is in use: it can be neither deleted nor modified meanwhile
    in_use = delete(api, f"vnf_snapshots/{info_id}")
    assert in_use.status_code == 409 and op["id"] in in_use.json()["detail"]
    assert api.patch(f"vnf_snapshots/{info_id}", {"vnfSnapshotPkgId": "p"}).status_code == 409
    assert "vnfSnapshot" not in api.get(f"vnf_snapshots/{info_id}").json()

    op = fail_then(api, location, "retry", {"COMPLETED"})
    assert op["operationState"] == "COMPLETED", op
    (esc,) = esc_snapshots(api)  # the failed one was removed before the retry
    assert esc["status"] == "active"
    record = api.get(f"vnf_snapshots/{info_id}").json()["vnfSnapshot"]
    assert record["vnfcSnapshots"][0]["computeSnapshotResource"]["resourceId"] == esc["id"]


def test_failed_snapshot_then_rollback_deletes_what_was_taken(api: Api):
    instance_id = started(api, LB_WORKER, "default")
    order = [v["id"] for v in instance(api, instance_id)["instantiatedVnfInfo"]["vnfcResourceInfo"]]
    info_id = new_info(api)["id"]
    api.fault(step="snapshot", effect="fail", target=order[1], message="disk I/O error")
    location = api.start(instance_id, "create_snapshot", {"vnfSnapshotInfoId": info_id})
    op = api.wait_op(location)
    assert op["operationState"] == "FAILED_TEMP", op
    assert sorted(s["status"] for s in esc_snapshots(api)) == ["active", "error"]
    op = fail_then(api, location, "rollback", {"ROLLED_BACK"})
    assert op["operationState"] == "ROLLED_BACK", op
    assert esc_snapshots(api) == []
    doc = api.get(f"vnf_snapshots/{info_id}").json()
    assert "vnfSnapshot" not in doc and "takenFrom" not in doc["_links"]
    # free again: a new attempt fills it
    again = api.wait_op(api.start(instance_id, "create_snapshot", {"vnfSnapshotInfoId": info_id}))
    assert again["operationState"] == "COMPLETED", again


# ----------------------------------------------------------------------------- delete


def test_delete_removes_the_esc_snapshots_first(api: Api):
    instance_id = started(api)
    info_id, _ = snapshot(api, instance_id)
    (esc,) = esc_snapshots(api)
    api.fault(step="snapshot_delete", effect="fail", message="image in use")
    refused = delete(api, f"vnf_snapshots/{info_id}")
    assert refused.status_code == 503
    assert (
        "image in use" in refused.json()["detail"] and "DELETE it again" in refused.json()["detail"]
    )
    assert api.get(f"vnf_snapshots/{info_id}").status_code == 200
    assert [s["status"] for s in esc_snapshots(api)] == ["error"]

    assert delete(api, f"vnf_snapshots/{info_id}").status_code == 204
    assert esc_snapshots(api) == []
    assert api.get(f"vnf_snapshots/{info_id}").status_code == 404
    deletes = [c["path"] for c in api.sim_calls() if c["method"] == "DELETE"]
    assert deletes == [f"/ESCManager/v0/snapshots/{esc['id']}"] * 2


# ----------------------------------------------------------------------------- revert


def test_revert_to_snapshot_redeploys_the_vms_on_the_snapshot_images(api: Api):
    instance_id = started(api, LB_WORKER, "default")
    info_id, _ = snapshot(api, instance_id)
    before = vms(api, instance_id)
    location = api.start(instance_id, "revert_to_snapshot", {"vnfSnapshotInfoId": info_id})
    op = api.wait_op(location)
    assert op["operationState"] == "COMPLETED", op
    assert op["operation"] == "REVERT_TO_SNAPSHOT"
    assert op["vnfSnapshotInfoId"] == info_id and "vnfSnapshot" in op["_links"]
    assert_valid(op, "IndividualVnfLcmOpOcc.Get.200")
    assert {c["changeType"] for c in op["resourceChanges"]["affectedVnfcs"]} == {"MODIFIED"}

    after = vms(api, instance_id)
    assert [vm["name"] for vm in after] == [vm["name"] for vm in before]
    for old, new in zip(before, after, strict=True):
        assert new["image"] == f"vnfsnap-{info_id}-{new['name']}"
        assert new["vm_id"] != old["vm_id"] and new["state"] == "VM_ALIVE_STATE"
    doc = instance(api, instance_id)
    assert servers(doc) == {vm["name"]: vm["vm_id"] for vm in after}
    # later model updates keep the snapshot images
    scale = api.wait_op(
        api.start(instance_id, "scale", {"type": "SCALE_OUT", "aspectId": "workers"})
    )
    assert scale["operationState"] == "COMPLETED", scale
    update = [c for c in api.sim_calls() if c["method"] == "PUT"][-1]
    assert f"<image>vnfsnap-{info_id}-" in update["body"]


def test_revert_refusals(api: Api):
    instance_id = started(api)
    url = f"vnf_instances/{instance_id}/revert_to_snapshot"
    unknown = api.post(url, {"vnfSnapshotInfoId": "nope"})
    assert unknown.status_code == 422
    empty = api.post(url, {"vnfSnapshotInfoId": new_info(api)["id"]})
    assert empty.status_code == 409 and "holds no snapshot yet" in empty.json()["detail"]
    other = new_info(api, {"vnfSnapshot": imported_record(CIRROS_V2)})
    wrong = api.post(url, {"vnfSnapshotInfoId": other["id"]})
    assert wrong.status_code == 409 and CIRROS_V2 in wrong.json()["detail"]

    large = started(api, LB_WORKER, "default", instantiationLevelId="large")
    info_id, _ = snapshot(api, large)
    several = api.post(f"vnf_instances/{large}/revert_to_snapshot", {"vnfSnapshotInfoId": info_id})
    assert several.status_code == 422 and "one image" in several.json()["detail"]


def test_revert_to_a_snapshot_esc_no_longer_has_fails(api: Api):
    instance_id = started(api)
    info_id, _ = snapshot(api, instance_id)
    (esc,) = esc_snapshots(api)
    api.http.delete(f"{api.sim}/ESCManager/v0/snapshots/{esc['id']}", timeout=5)
    location = api.start(instance_id, "revert_to_snapshot", {"vnfSnapshotInfoId": info_id})
    op = api.wait_op(location)
    assert op["operationState"] == "FAILED_TEMP", op
    assert "no longer exists" in op["error"]["detail"] and op["error"]["status"] == 409
    assert api.post(op["_links"]["fail"]["href"]).status_code == 200
    assert vms(api, instance_id)[0]["image"] == IMAGE_V1


def test_failed_revert_then_retry_completes(api: Api):
    instance_id = started(api)
    info_id, _ = snapshot(api, instance_id)
    api.fault(step="recovery", effect="fail", message="no valid host")
    location = api.start(instance_id, "revert_to_snapshot", {"vnfSnapshotInfoId": info_id})
    op = api.wait_op(location)
    assert op["operationState"] == "FAILED_TEMP", op
    assert "VM_RECOVERY_COMPLETE FAILURE" in op["error"]["detail"]
    assert "no valid host" in op["error"]["detail"]
    assert op["vnfSnapshotInfoId"] == info_id
    op = fail_then(api, location, "retry", {"COMPLETED"})
    assert op["operationState"] == "COMPLETED", op
    (vm,) = vms(api, instance_id)
    assert (vm["image"], vm["state"]) == (f"vnfsnap-{info_id}-{vm['name']}", "VM_ALIVE_STATE")


def test_failed_revert_then_rollback_returns_to_the_images_before(api: Api):
    instance_id = started(api)
    info_id, _ = snapshot(api, instance_id)
    doc_before = instance(api, instance_id)
    api.fault(step="recovery", effect="fail", message="no valid host")
    location = api.start(instance_id, "revert_to_snapshot", {"vnfSnapshotInfoId": info_id})
    op = fail_then(api, location, "rollback", {"ROLLED_BACK"})
    assert op["operationState"] == "ROLLED_BACK", op
    (vm,) = vms(api, instance_id)
    assert (vm["image"], vm["state"]) == (IMAGE_V1, "VM_ALIVE_STATE")
    puts = [c for c in api.sim_calls() if c["method"] == "PUT"]
    assert len(puts) == 2 and f"<image>{IMAGE_V1}</image>" in puts[-1]["body"]
    doc = instance(api, instance_id)
    assert servers(doc) == {vm["name"]: vm["vm_id"]}  # the server the rollback redeployed
    assert doc["instantiatedVnfInfo"]["flavourId"] == doc_before["instantiatedVnfInfo"]["flavourId"]
    # the snapshot is free again once the operation ended
    assert delete(api, f"vnf_snapshots/{info_id}").status_code == 204
