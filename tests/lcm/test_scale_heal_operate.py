"""Pure pieces of SCALE, SCALE_TO_LEVEL, HEAL and OPERATE: targets, levels, changes."""

from __future__ import annotations

import pytest

from vnfm.api.problems import BadRequest, Unprocessable
from vnfm.lcm import deployment
from vnfm.lcm.heal import heal_targets, healed_changes
from vnfm.lcm.scale import matching_level, scaled_plan
from vnfm.lcm.scale_to_level import level_plan, target_levels
from vnfm.southbound.types import DeploymentState, ServiceState, VmState, VmStateName
from vnfm.vnfd.catalog import LB_WORKER_VNFD_ID, Catalog
from vnfm.vnfd.model import DeploymentFlavour


@pytest.fixture(scope="module")
def flavour() -> DeploymentFlavour:
    vnfd = Catalog.load().get(LB_WORKER_VNFD_ID)
    assert vnfd is not None
    return vnfd.flavours["default"]


def plan_at(counts: dict[str, int], workers: int, level: str | None) -> dict:
    return {
        "vnfdId": LB_WORKER_VNFD_ID,
        "vduCounts": counts,
        "scaleLevels": {"workers": workers},
        "instantiationLevelId": level,
    }


def test_scaling_moves_only_the_vdus_an_aspect_scales(flavour: DeploymentFlavour):
    large = plan_at({"LB": 2, "WORKER": 3}, 2, "large")
    out = scaled_plan(flavour, large, {"workers": 3})
    assert out["vduCounts"] == {"LB": 2, "WORKER": 4}  # the level's second LB stays
    assert out["scaleLevels"] == {"workers": 3}
    assert out["instantiationLevelId"] is None  # no level is this size
    back = scaled_plan(flavour, out, {"workers": 2})
    assert back["vduCounts"] == large["vduCounts"]
    assert back["instantiationLevelId"] == "large"


def test_scaling_beyond_the_aspect_is_unprocessable(flavour: DeploymentFlavour):
    small = plan_at({"LB": 1, "WORKER": 1}, 0, "small")
    with pytest.raises(Unprocessable, match="outside"):
        scaled_plan(flavour, small, {"workers": 4})


def test_matching_level_needs_every_count(flavour: DeploymentFlavour):
    assert matching_level(flavour, {"LB": 1, "WORKER": 1}, {"workers": 0}) == "small"
    assert matching_level(flavour, {"LB": 1, "WORKER": 3}, {"workers": 2}) is None


def test_scale_to_a_level_is_absolute(flavour: DeploymentFlavour):
    grown = plan_at({"LB": 1, "WORKER": 4}, 3, None)
    plan = level_plan(flavour, grown, "large")
    assert plan["vduCounts"] == {"LB": 2, "WORKER": 3}
    assert plan["scaleLevels"] == {"workers": 2}
    assert plan["instantiationLevelId"] == "large"
    with pytest.raises(Unprocessable, match="huge"):
        level_plan(flavour, grown, "huge")


def test_scale_info_is_checked_item_by_item(flavour: DeploymentFlavour):
    small = plan_at({"LB": 1, "WORKER": 1}, 0, "small")
    assert target_levels(flavour, small, [{"aspectId": "workers", "scaleLevel": 3}]) == {
        "workers": 3
    }
    for bad, reason in [
        ([{"aspectId": "lbs", "scaleLevel": 1}], "lbs"),
        ([{"aspectId": "workers", "scaleLevel": 9}], "outside"),
        ([{"aspectId": "workers", "scaleLevel": 1}] * 2, "more than once"),
        ([{"aspectId": "workers", "scaleLevel": 1, "vnfdId": "other"}], "other"),
    ]:
        with pytest.raises(Unprocessable, match=reason):
            target_levels(flavour, small, bad)


INFO = {
    "vnfcResourceInfo": [{"id": "vm-a"}, {"id": "vm-b"}],
    "vnfcInfo": [
        {"id": "vnfc-vm-a", "vnfcResourceInfoId": "vm-a"},
        {"id": "vnfc-vm-b", "vnfcResourceInfoId": "vm-b"},
    ],
}


def test_heal_targets_accept_both_kinds_of_id():
    assert heal_targets(None, INFO) == ["vm-a", "vm-b"]
    assert heal_targets([], INFO) == ["vm-a", "vm-b"]
    assert heal_targets(["vnfc-vm-b", "vm-b", "vm-a"], INFO) == ["vm-b", "vm-a"]
    with pytest.raises(Unprocessable, match="vm-c"):
        heal_targets(["vm-c"], INFO)
    with pytest.raises(BadRequest):
        heal_targets("vm-a", INFO)


def vnfc(name: str, server: str) -> dict:
    return {
        "id": name,
        "vduId": "VDU1",
        "computeResource": {"vimConnectionId": "default", "resourceId": server},
        "vnfcCpInfo": [],
    }


def test_healed_changes_tell_a_new_server_from_a_reboot():
    before = [vnfc("vm-a", "s1"), vnfc("vm-b", "s2")]
    after = [vnfc("vm-a", "s1"), vnfc("vm-b", "s3")]
    changes = healed_changes(before, after, ["vm-a", "vm-b"])
    assert [(c["id"], c["changeType"], c["computeResource"]["resourceId"]) for c in changes] == [
        ("vm-a", "MODIFIED", "s1"),
        ("vm-b", "REMOVED", "s2"),
        ("vm-b", "ADDED", "s3"),
    ]


def test_with_vnf_state_sets_every_vnfc():
    info = {
        "vnfState": "STARTED",
        "vnfcInfo": [{"id": "vnfc-vm-a", "vnfcState": "STARTED"}],
        "vnfcResourceInfo": [{"id": "vm-a", "metadata": {"escVmState": "VM_ALIVE_STATE"}}],
    }
    esc = DeploymentState(
        tenant="t",
        name="d",
        deployment_id="x",
        state=ServiceState.SERVICE_STOPPED_STATE,
        vms=(VmState(name="vm-a", vm_id="s1", vm_group="VDU1",
                     state=VmStateName.VM_SHUTOFF_STATE),),
    )
    stopped = deployment.with_vnf_state(info, "STOPPED", esc)
    assert stopped["vnfState"] == "STOPPED"
    assert stopped["vnfcInfo"][0]["vnfcState"] == "STOPPED"
    assert stopped["vnfcResourceInfo"][0]["metadata"]["escVmState"] == "VM_SHUTOFF_STATE"
    assert info["vnfState"] == "STARTED"  # the original is left alone
    assert deployment.has_counts(esc, {"VDU1": 1, "OTHER": 0})
    assert not deployment.has_counts(esc, {"VDU1": 2})
