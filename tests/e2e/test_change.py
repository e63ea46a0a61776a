"""CHANGE_FLAVOUR, CHANGE_EXT_CONN and CHANGE_VNFPKG over real HTTP against the ESC
simulator (issue 5): each happy path, ESC failures to retry and to roll back, refusals."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import pytest

from tests.e2e.conftest import CIRROS, Api
from tests.etsi import assert_valid
from vnfm.config import Settings

CIRROS_V2 = "22222222-2222-4222-8222-222222222222"
LB_WORKER = "33333333-3333-4333-8333-333333333333"
PAIR = "44444444-4444-4444-8444-444444444444"
CIRROS_V3 = "55555555-5555-4555-8555-555555555555"
SMALL, LARGE = "SolTest-Cirros-Flavor", "SolTest-Cirros-Flavor-v2"
IMAGE_V1, IMAGE_V2 = "SolTest-Cirros-Image", "SolTest-Cirros-Image-v2"

_VDU = """
      VNF:
        type: tosca.nodes.nfv.VNF
        properties:
          descriptor_id: {vnfd_id}
          descriptor_version: "{version}"
          provider: {provider}
          product_name: {product}
          software_version: "{version}"
          flavour_id: {flavour}
      VDU1:
        type: tosca.nodes.nfv.Vdu.Compute
        properties:
          name: cirros
          description: Cirros VMs
          vdu_profile: {{min_number_of_instances: {count}, max_number_of_instances: {count}}}
          sw_image_data: {{name: cirros, version: "0.5.2", container_format: bare,
                          disk_format: qcow2}}
          vnfm_esc: {{flavor: {esc_flavor}, image: {image}, bootup_time: 60}}
        capabilities:
          virtual_compute:
            properties:
              virtual_cpu: {{num_virtual_cpu: 1}}
              virtual_memory: {{virtual_mem_size: 512 MB}}
      VDU1_CP_MGMT:
        type: tosca.nodes.nfv.VduCp
        properties: {{order: 0}}
        requirements:
          - virtual_binding: VDU1
    policies:
      - initial:
          type: tosca.policies.nfv.VduInitialDelta
          properties: {{initial_delta: {{number_of_instances: {count}}}}}
          targets: [VDU1]
"""


def _vnfd(vnfd_id: str, provider: str, product: str, version: str, flavours: list[dict]) -> str:
    parts = ["tosca_definitions_version: tosca_simple_yaml_1_3", "topology_templates:"]
    for flavour in flavours:
        parts.append("  - node_templates:")
        parts.append(
            _VDU.format(
                vnfd_id=vnfd_id,
                provider=provider,
                product=product,
                version=version,
                image=IMAGE_V1,
                **flavour,
            ).strip("\n")
        )
    return "\n".join(parts) + "\n"


#: A VM group of two VMs whose two flavours differ in ESC flavor (ESC cannot resize it),
#: and a Cirros package that lacks the flavour "simple".
TEST_VNFDS = {
    "pair.yaml": _vnfd(
        PAIR,
        "vnfm-tests",
        "Cirros pair",
        "1.0",
        [
            {"flavour": "small", "count": 2, "esc_flavor": SMALL},
            {"flavour": "big", "count": 2, "esc_flavor": LARGE},
        ],
    ),
    "cirros_3.yaml": _vnfd(
        CIRROS_V3,
        "vnfm-samples",
        "Cirros",
        "3.0",
        [{"flavour": "large", "count": 1, "esc_flavor": LARGE}],
    ),
}


@pytest.fixture
def node_settings(node_settings: Settings) -> Settings:
    directory = Path(node_settings.vnfd_dir)
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in TEST_VNFDS.items():
        (directory / name).write_text(text)
    return replace(node_settings)


# ----------------------------------------------------------------------------- helpers


def started(api: Api, vnfd_id: str = CIRROS, body: dict | None = None) -> str:
    instance_id = api.create_instance(vnfd_id)
    op = api.instantiate(instance_id, body or {"flavourId": "simple"})
    assert op["operationState"] == "COMPLETED", op
    return instance_id


def instance(api: Api, instance_id: str) -> dict:
    doc = api.get(f"vnf_instances/{instance_id}").json()
    assert_valid(doc, "IndividualVnfInstance.Get.200")
    return doc


def vms(api: Api, instance_id: str) -> list[dict]:
    """The simulator's VMs of the instance's deployment, as it reports them."""
    (deployment,) = [d for d in api.sim_deployments() if d["name"] == f"vnf-{instance_id}"]
    return deployment["vms"]


def vm_shape(api: Api, instance_id: str) -> list[tuple]:
    """What must be as before after a rollback: name, flavor, image, states, networks."""
    return sorted(
        (
            vm["name"],
            vm["flavor"],
            vm["image"],
            vm["state"],
            vm["vim_state"],
            tuple(i["network"] for i in vm["interfaces"]),
        )
        for vm in vms(api, instance_id)
    )


def esc_requests(api: Api, method: str, fragment: str) -> list[dict]:
    return [c for c in api.sim_calls() if c["method"] == method and fragment in c["path"]]


def vm_actions(api: Api) -> list[str]:
    """The VM operations sent to ESC (confirm_resize, revert_resize ...), in order."""
    actions = []
    for call in esc_requests(api, "POST", "/deployments/vm/"):
        for action in ("confirm_resize", "revert_resize"):
            if action in call["body"]:
                actions.append(action)
    return actions


def sent_events(api: Api) -> list[str]:
    journal = api.http.get(f"{api.sim}/sim/events", timeout=5).json()
    return [entry["event_type"] for entry in journal]


def fail_then(api: Api, location: str, action: str, states: set[str]) -> dict:
    op = api.wait_op(location)
    assert op["operationState"] == "FAILED_TEMP", op
    assert api.post(op["_links"][action]["href"]).status_code == 202
    return api.wait_op(location, states | {"FAILED_TEMP"})


# ----------------------------------------------------------------------------- change_flavour


def test_change_flavour_resizes_the_vm_and_confirms(api: Api):
    instance_id = started(api)
    (vm_before,) = vms(api, instance_id)
    location = api.start(instance_id, "change_flavour", {"newFlavourId": "large"})
    op = api.wait_op(location)
    assert op["operationState"] == "COMPLETED", op
    assert op["operation"] == "CHANGE_FLAVOUR"
    assert op["operationParams"] == {"newFlavourId": "large"}
    assert_valid(op, "IndividualVnfLcmOpOcc.Get.200")
    (change,) = op["resourceChanges"]["affectedVnfcs"]
    assert (change["id"], change["changeType"]) == (vm_before["name"], "MODIFIED")

    doc = instance(api, instance_id)
    assert doc["instantiatedVnfInfo"]["flavourId"] == "large"
    (vm,) = vms(api, instance_id)
    assert (vm["name"], vm["vm_id"]) == (vm_before["name"], vm_before["vm_id"])  # resized
    assert (vm["flavor"], vm["vim_state"], vm["state"]) == (LARGE, "ACTIVE", "VM_ALIVE_STATE")
    assert vm_actions(api) == ["confirm_resize"]
    events = sent_events(api)
    order = [
        "SERVICE_UPDATED",
        "VM_VERIFY_RESIZE",
        "VM_CONFIRM_RESIZE_INIT",
        "VM_CONFIRM_RESIZE_COMPLETE",
        "VM_ALIVE",
    ]
    positions = [len(events) - 1 - events[::-1].index(name) for name in order]
    assert positions == sorted(positions), events


def test_change_flavour_refusals(api: Api):
    fresh = api.create_instance()
    not_instantiated = api.post(f"vnf_instances/{fresh}/change_flavour", {"newFlavourId": "large"})
    assert not_instantiated.status_code == 409
    missing = api.post("vnf_instances/nope/change_flavour", {"newFlavourId": "large"})
    assert missing.status_code == 404

    instance_id = started(api)
    url = f"vnf_instances/{instance_id}/change_flavour"
    unknown = api.post(url, {"newFlavourId": "huge"})
    assert unknown.status_code == 422 and "huge" in unknown.json()["detail"]
    same = api.post(url, {"newFlavourId": "simple"})
    assert same.status_code == 422 and "already runs flavour 'simple'" in same.json()["detail"]
    level = api.post(url, {"newFlavourId": "large", "instantiationLevelId": "nope"})
    assert level.status_code == 422 and "nope" in level.json()["detail"]
    cp = api.post(
        url,
        {
            "newFlavourId": "large",
            "extVirtualLinks": [
                {"id": "l1", "resourceId": "net-x", "extCps": [{"cpdId": "NO_SUCH_CP"}]}
            ],
        },
    )
    assert cp.status_code == 422 and "NO_SUCH_CP" in cp.json()["detail"]
    no_body = api.post(url, {})
    assert no_body.status_code == 400
    assert (
        api.get(f"vnf_lcm_op_occs?filter=(eq,vnfInstanceId,{instance_id})").json()[0]["operation"]
        == "INSTANTIATE"
    )  # none of the refusals left an operation

    stop = api.wait_op(api.start(instance_id, "operate", {"changeStateTo": "STOPPED"}))
    assert stop["operationState"] == "COMPLETED", stop
    stopped = api.post(url, {"newFlavourId": "large"})
    assert stopped.status_code == 409 and "STOPPED" in stopped.json()["detail"]


def test_change_flavour_of_a_group_of_several_vms_is_refused_with_escs_reason(api: Api):
    instance_id = started(api, PAIR, {"flavourId": "small"})
    assert len(vms(api, instance_id)) == 2
    response = api.post(f"vnf_instances/{instance_id}/change_flavour", {"newFlavourId": "big"})
    assert response.status_code == 422
    assert "resizes a VM group only when it holds a single VM" in response.json()["detail"]
    assert esc_requests(api, "PUT", "/deployments/") == []


def test_esc_refusing_the_resize_fails_the_operation_with_its_message(api: Api):
    instance_id = started(api)
    before = vm_shape(api, instance_id)
    message = "Resize of vm_group [VDU1] rejected: resize works only for a single VM."
    api.fault(step="resize", effect="reject", status=400, message=message)
    location = api.start(instance_id, "change_flavour", {"newFlavourId": "large"})
    op = api.wait_op(location)
    assert op["operationState"] == "FAILED_TEMP", op
    assert message in op["error"]["detail"] and "HTTP 400" in op["error"]["detail"]
    assert_valid(op, "IndividualVnfLcmOpOcc.Get.200")
    op = fail_then(api, location, "rollback", {"ROLLED_BACK"})
    assert op["operationState"] == "ROLLED_BACK", op
    assert vm_shape(api, instance_id) == before
    assert len(esc_requests(api, "PUT", "/deployments/")) == 1  # nothing to send back
    assert instance(api, instance_id)["instantiatedVnfInfo"]["flavourId"] == "simple"


def test_refused_confirm_then_retry_completes(api: Api):
    instance_id = started(api)
    api.fault(step="vm_action", effect="reject", status=500, message="nova: confirm failed")
    location = api.start(instance_id, "change_flavour", {"newFlavourId": "large"})
    op = api.wait_op(location)
    assert op["operationState"] == "FAILED_TEMP", op
    assert "nova: confirm failed" in op["error"]["detail"]
    (vm,) = vms(api, instance_id)
    assert (vm["flavor"], vm["vim_state"]) == (LARGE, "VERIFY_RESIZE")

    op = fail_then(api, location, "retry", {"COMPLETED"})
    assert op["operationState"] == "COMPLETED", op
    assert "error" not in op
    (vm,) = vms(api, instance_id)
    assert (vm["flavor"], vm["vim_state"], vm["state"]) == (LARGE, "ACTIVE", "VM_ALIVE_STATE")
    assert instance(api, instance_id)["instantiatedVnfInfo"]["flavourId"] == "large"


def test_refused_confirm_then_rollback_reverts_the_resize(api: Api):
    instance_id = started(api)
    before, doc_before = vm_shape(api, instance_id), instance(api, instance_id)
    api.fault(step="vm_action", effect="reject", status=500, message="nova: confirm failed")
    location = api.start(instance_id, "change_flavour", {"newFlavourId": "large"})
    op = fail_then(api, location, "rollback", {"ROLLED_BACK"})
    assert op["operationState"] == "ROLLED_BACK", op
    assert_valid(op, "IndividualVnfLcmOpOcc.Get.200")
    assert vm_actions(api) == ["confirm_resize", "revert_resize"]
    assert len(esc_requests(api, "PUT", "/deployments/")) == 1  # the revert restored ESC's model
    assert vm_shape(api, instance_id) == before
    assert instance(api, instance_id) == doc_before
    # ESC holds the old model again: the same change can be made afterwards
    op = api.wait_op(api.start(instance_id, "change_flavour", {"newFlavourId": "large"}))
    assert op["operationState"] == "COMPLETED", op


def test_rollback_after_the_confirm_sends_the_previous_flavor_back(api: Api):
    instance_id = started(api)
    before = vm_shape(api, instance_id)
    api.fault(step="vm_action", effect="latency", seconds=1.5)
    location = api.start(instance_id, "change_flavour", {"newFlavourId": "large"})
    deadline = time.monotonic() + 10
    while not vm_actions(api):
        assert time.monotonic() < deadline, "the confirm never reached ESC"
        time.sleep(0.05)
    assert api.post(f"{location}/cancel", {"cancelMode": "GRACEFUL"}).status_code == 202
    op = api.wait_op(location)
    assert op["operationState"] == "FAILED_TEMP", op
    assert op["error"]["title"] == "Operation cancelled"
    (vm,) = vms(api, instance_id)
    assert (vm["flavor"], vm["vim_state"]) == (LARGE, "ACTIVE")  # the step ended: confirmed

    op = fail_then(api, location, "rollback", {"ROLLED_BACK"})
    assert op["operationState"] == "ROLLED_BACK", op
    updates = esc_requests(api, "PUT", "/deployments/")
    assert len(updates) == 2 and f"<flavor>{SMALL}</flavor>" in updates[-1]["body"]
    assert vm_actions(api) == ["confirm_resize", "confirm_resize"]  # the resize back, confirmed
    assert vm_shape(api, instance_id) == before


# ----------------------------------------------------------------------------- change_ext_conn


def link(link_id: str, network: str) -> dict:
    return {"id": link_id, "resourceId": network, "extCps": [{"cpdId": "VDU1_CP_MGMT"}]}


def test_change_ext_conn_moves_the_cp_to_another_network(api: Api):
    instance_id = started(api, body={"flavourId": "simple", "extVirtualLinks": [link("m", "n-a")]})
    (vm_before,) = vms(api, instance_id)
    assert [i["network"] for i in vm_before["interfaces"]] == ["n-a"]
    body = {"extVirtualLinks": [link("m2", "n-b")]}
    op = api.wait_op(api.start(instance_id, "change_ext_conn", body))
    assert op["operationState"] == "COMPLETED", op
    assert_valid(op, "IndividualVnfLcmOpOcc.Get.200")
    (changed,) = op["changedExtConnectivity"]
    assert (changed["id"], changed["resourceHandle"]["resourceId"]) == ("m2", "n-b")
    (change,) = op["resourceChanges"]["affectedVnfcs"]
    assert change["changeType"] == "MODIFIED"
    assert change["affectedVnfcCpIds"] == [f"{vm_before['name']}-VDU1_CP_MGMT"]

    (vm,) = vms(api, instance_id)
    (interface,) = vm["interfaces"]
    assert interface["network"] == "n-b"
    assert interface["ip_address"] != vm_before["interfaces"][0]["ip_address"]
    info = instance(api, instance_id)["instantiatedVnfInfo"]
    assert [v["id"] for v in info["extVirtualLinkInfo"]] == ["m2"]  # the CP left link m
    (cp,) = info["extCpInfo"]
    addresses = cp["cpProtocolInfo"][0]["ipOverEthernet"]["ipAddresses"][0]["addresses"]
    assert addresses == [interface["ip_address"]]
    assert "VM_UPDATED" in sent_events(api)


def test_change_ext_conn_refuses_an_unknown_cp(api: Api):
    instance_id = started(api)
    body = {"extVirtualLinks": [{"id": "x", "resourceId": "n", "extCps": [{"cpdId": "NOPE"}]}]}
    response = api.post(f"vnf_instances/{instance_id}/change_ext_conn", body)
    assert response.status_code == 422
    assert "NOPE" in response.json()["detail"] and "VDU1_CP_MGMT" in response.json()["detail"]
    fresh = api.create_instance()
    assert api.post(f"vnf_instances/{fresh}/change_ext_conn", body).status_code == 409


def test_change_ext_conn_refused_update_then_retry(api: Api):
    instance_id = started(api)
    api.fault(step="update", effect="reject", status=500, message="network n-b is unknown")
    location = api.start(instance_id, "change_ext_conn", {"extVirtualLinks": [link("m", "n-b")]})
    op = api.wait_op(location)
    assert op["operationState"] == "FAILED_TEMP", op
    assert "network n-b is unknown" in op["error"]["detail"]
    op = fail_then(api, location, "retry", {"COMPLETED"})
    assert op["operationState"] == "COMPLETED", op
    assert [i["network"] for i in vms(api, instance_id)[0]["interfaces"]] == ["n-b"]


def test_change_ext_conn_failed_update_then_rollback(api: Api):
    instance_id = started(api, body={"flavourId": "simple", "extVirtualLinks": [link("m", "n-a")]})
    before, doc_before = vm_shape(api, instance_id), instance(api, instance_id)
    api.fault(step="update", effect="fail", message="port binding failed")
    location = api.start(instance_id, "change_ext_conn", {"extVirtualLinks": [link("m", "n-b")]})
    op = api.wait_op(location)
    assert op["operationState"] == "FAILED_TEMP", op
    assert "SERVICE_UPDATED FAILURE" in op["error"]["detail"]
    assert "port binding failed" in op["error"]["detail"]
    op = fail_then(api, location, "rollback", {"ROLLED_BACK"})
    assert op["operationState"] == "ROLLED_BACK", op
    assert vm_shape(api, instance_id) == before
    assert instance(api, instance_id) == doc_before


# ----------------------------------------------------------------------------- change_vnfpkg


def test_change_vnfpkg_moves_to_the_new_package_and_redeploys_on_its_image(api: Api):
    instance_id = started(api)
    (vm_before,) = vms(api, instance_id)
    assert vm_before["image"] == IMAGE_V1
    op = api.wait_op(api.start(instance_id, "change_vnfpkg", {"vnfdId": CIRROS_V2}))
    assert op["operationState"] == "COMPLETED", op
    assert op["operation"] == "CHANGE_VNFPKG"
    assert_valid(op, "IndividualVnfLcmOpOcc.Get.200")
    assert op["modificationsTriggeredByVnfPkgChange"] == {
        "vnfdId": CIRROS_V2,
        "vnfSoftwareVersion": "2.0",
        "vnfdVersion": "2.0",
    }
    assert "changedInfo" not in op
    (change,) = op["resourceChanges"]["affectedVnfcs"]
    assert (change["changeType"], change["vnfdId"]) == ("MODIFIED", CIRROS_V2)

    doc = instance(api, instance_id)
    assert (doc["vnfdId"], doc["vnfSoftwareVersion"], doc["vnfdVersion"]) == (
        CIRROS_V2,
        "2.0",
        "2.0",
    )
    (vm,) = vms(api, instance_id)
    assert (vm["name"], vm["image"], vm["state"]) == (vm_before["name"], IMAGE_V2, "VM_ALIVE_STATE")
    assert vm["vm_id"] != vm_before["vm_id"]  # ESC redeployed it to boot the new image
    (vnfc,) = doc["instantiatedVnfInfo"]["vnfcResourceInfo"]
    assert vnfc["computeResource"]["resourceId"] == vm["vm_id"]
    (update,) = esc_requests(api, "PUT", "/deployments/")
    assert f"<image>{IMAGE_V2}</image>" in update["body"]
    assert [c["path"].rsplit("/", 1)[1] for c in esc_requests(api, "POST", "/recovery/")] == [
        vm["name"]
    ]


def test_change_vnfpkg_refusals(api: Api):
    instance_id = started(api)
    url = f"vnf_instances/{instance_id}/change_vnfpkg"
    unknown = api.post(url, {"vnfdId": "no-such-vnfd"})
    assert unknown.status_code == 422 and "no-such-vnfd" in unknown.json()["detail"]
    other = api.post(url, {"vnfdId": LB_WORKER})
    assert other.status_code == 422 and "within its own product" in other.json()["detail"]
    same = api.post(url, {"vnfdId": CIRROS})
    assert same.status_code == 422 and "already based on" in same.json()["detail"]
    no_flavour = api.post(url, {"vnfdId": CIRROS_V3})
    assert no_flavour.status_code == 422 and "no flavour 'simple'" in no_flavour.json()["detail"]
    assert instance(api, instance_id)["vnfdId"] == CIRROS


def test_change_vnfpkg_failed_redeploy_then_retry(api: Api):
    instance_id = started(api)
    api.fault(step="recovery", effect="fail", message="image SolTest-Cirros-Image-v2 is queued")
    location = api.start(instance_id, "change_vnfpkg", {"vnfdId": CIRROS_V2})
    op = api.wait_op(location)
    assert op["operationState"] == "FAILED_TEMP", op
    assert "VM_RECOVERY_COMPLETE FAILURE" in op["error"]["detail"]
    assert "is queued" in op["error"]["detail"]
    assert instance(api, instance_id)["vnfdId"] == CIRROS
    op = fail_then(api, location, "retry", {"COMPLETED"})
    assert op["operationState"] == "COMPLETED", op
    (vm,) = vms(api, instance_id)
    assert (vm["image"], vm["state"]) == (IMAGE_V2, "VM_ALIVE_STATE")
    assert instance(api, instance_id)["vnfdId"] == CIRROS_V2


def test_change_vnfpkg_failed_redeploy_then_rollback(api: Api):
    instance_id = started(api)
    names_before = [vm["name"] for vm in vms(api, instance_id)]
    doc_before = instance(api, instance_id)
    api.fault(step="recovery", effect="fail", message="image SolTest-Cirros-Image-v2 is queued")
    location = api.start(instance_id, "change_vnfpkg", {"vnfdId": CIRROS_V2})
    op = fail_then(api, location, "rollback", {"ROLLED_BACK"})
    assert op["operationState"] == "ROLLED_BACK", op
    (vm,) = vms(api, instance_id)
    assert (vm["name"], vm["image"], vm["flavor"], vm["state"]) == (
        names_before[0],
        IMAGE_V1,
        SMALL,
        "VM_ALIVE_STATE",
    )
    updates = esc_requests(api, "PUT", "/deployments/")
    assert len(updates) == 2 and f"<image>{IMAGE_V1}</image>" in updates[-1]["body"]
    doc = instance(api, instance_id)
    assert (doc["vnfdId"], doc["vnfSoftwareVersion"]) == (CIRROS, "1.0")
    (vnfc,) = doc["instantiatedVnfInfo"]["vnfcResourceInfo"]
    assert vnfc["computeResource"]["resourceId"] == vm["vm_id"]  # the server it runs now
    assert without_servers(doc) == without_servers(doc_before)


def without_servers(doc: dict) -> dict:
    """An instance without what a redeploy changes: VIM server ids and hosts."""
    result = dict(doc)
    info = dict(result["instantiatedVnfInfo"])
    info["vnfcResourceInfo"] = [
        {
            **v,
            "computeResource": {**v["computeResource"], "resourceId": "-"},
            "metadata": {k: x for k, x in v["metadata"].items() if k != "host"},
        }
        for v in info["vnfcResourceInfo"]
    ]
    result["instantiatedVnfInfo"] = info
    return result


def test_change_flavour_merges_properties_extensions_and_links(api: Api):
    instance_id = started(
        api,
        body={
            "flavourId": "simple",
            "extVirtualLinks": [link("m", "n-a")],
            "vnfConfigurableProperties": {"a": "1", "b": "2"},
            "extensions": {"x": 1},
        },
    )
    body = {
        "newFlavourId": "large",
        "extVirtualLinks": [link("m", "n-b")],
        "vnfConfigurableProperties": {"b": None, "c": "3"},
        "extensions": {"y": 2},
    }
    op = api.wait_op(api.start(instance_id, "change_flavour", body))
    assert op["operationState"] == "COMPLETED", op
    assert_valid(op, "IndividualVnfLcmOpOcc.Get.200")
    assert op["changedInfo"] == {
        "vnfConfigurableProperties": {"b": None, "c": "3"},
        "extensions": {"y": 2},
    }
    (changed,) = op["changedExtConnectivity"]
    assert changed["resourceHandle"]["resourceId"] == "n-b"
    doc = instance(api, instance_id)
    assert doc["vnfConfigurableProperties"] == {"a": "1", "c": "3"}
    assert doc["extensions"] == {"x": 1, "y": 2}
    (vm,) = vms(api, instance_id)
    assert (vm["flavor"], [i["network"] for i in vm["interfaces"]]) == (LARGE, ["n-b"])


def test_a_lost_callback_is_reconciled_from_escs_state(api: Api):
    instance_id = started(api)
    api.fault(step="callback", effect="drop", event_type="VM_ALIVE")
    op = api.wait_op(api.start(instance_id, "change_flavour", {"newFlavourId": "large"}))
    # no VM_ALIVE came for the confirm: after esc_event_timeout, ESC's state says done
    assert op["operationState"] == "COMPLETED", op
    journal = api.http.get(f"{api.sim}/sim/events", timeout=5).json()
    last_alive = [e for e in journal if e["event_type"] == "VM_ALIVE"][-1]
    assert last_alive["dropped"] is True
    (vm,) = vms(api, instance_id)
    assert (vm["flavor"], vm["state"]) == (LARGE, "VM_ALIVE_STATE")
