"""The monitoring migration's request rules, key semantics and error-table policy,
without a server: what ``prepare`` accepts and what a failure leads to."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from vnfm.api.problems import BadRequest, Conflict, Unprocessable
from vnfm.config import Settings
from vnfm.db.models import VnfInstanceRow
from vnfm.domain.instance import InstantiationState
from vnfm.domain.op_occ import Action
from vnfm.lcm import monitoring_migration as mm
from vnfm.lcm.operations import TaskRequest, operation_spec
from vnfm.vnfd.catalog import Catalog

CIRROS = "11111111-1111-4111-8111-111111111111"
PLAN = {"deployment": "vnf-x", "monitoring": {"MONITORING_AGENT": "dmona://mona1"}}


def task(body: Any, internal: dict[str, Any] | None = None, vnfd: bool = True) -> TaskRequest:
    catalog = Catalog.load(None)
    instance = VnfInstanceRow(
        id="inst-1",
        vnfd_id=CIRROS,
        instantiation_state=InstantiationState.INSTANTIATED,
        internal={"plan": PLAN} if internal is None else internal,
    )
    return TaskRequest(
        session=None,  # type: ignore[arg-type] - prepare reads nothing from the database
        instance=instance,
        body=body,
        vnfd=catalog.get(CIRROS) if vnfd else None,
        catalog=catalog,
        settings=Settings(),
    )


# ----------------------------------------------------------------------------- the body


@pytest.mark.parametrize("name", ["monitoring_agent", "monitoringAgent"])
def test_either_spelling_is_read(name: str) -> None:
    assert mm.read_body({name: "dmona://a", "key": "K"}) == ("dmona://a", "K")


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"monitoring_agent": "dmona://a", "monitoringAgent": "dmona://b", "key": "K"},
         "only one"),
        ({"key": "K"}, "is required"),
        ({"monitoring_agent": "dmona://a"}, "key is required"),
        ({"monitoring_agent": ["dmona://a"], "key": "K"}, "not an array"),
        ({"monitoringAgent": None, "key": "K"}, "not null"),
        ({"monitoring_agent": "dmona://a", "key": 7}, "not a number"),
        ({"monitoring_agent": "dmona://a", "key": True}, "not a boolean"),
        ({"monitoring_agent": "dmona://a", "key": {}}, "not an object"),
        ("dmona://a", "JSON object"),
        (None, "JSON object"),
    ],
)
def test_malformed_bodies_are_bad_requests(body: Any, words: str) -> None:
    with pytest.raises(BadRequest) as refused:
        mm.read_body(body)
    assert words in refused.value.detail


@pytest.mark.parametrize(
    "agent", ["dmona://mona1", "dmona://dmona1", "dmona://d-mona.dc_2", "dmona://" + "a" * 253,
              "dmonaName://local_mona"],
)
def test_agent_forms_accepted(agent: str) -> None:
    assert mm.check_agent(agent) == agent


@pytest.mark.parametrize(
    ("agent", "words"),
    [
        ("dmonaName://mona1", "only ESC's central agent"),
        ("dmona://", "name after dmona://"),
        ("dmona://.hidden", "name after dmona://"),
        ("dmona://a/b", "name after dmona://"),
        ("dmona://" + "a" * 254, "name after dmona://"),
        ("local_mona", "neither"),
        ("Dmona://mona1", "neither"),
        ("", "neither"),
    ],
)
def test_other_agent_forms_are_unprocessable(agent: str, words: str) -> None:
    with pytest.raises(Unprocessable) as refused:
        mm.check_agent(agent)
    assert words in refused.value.detail and repr(agent) in refused.value.detail


@pytest.mark.parametrize("key", ["", "two words", "k" * 256, "tab\tkey", "é"])
def test_bad_keys_are_unprocessable(key: str) -> None:
    with pytest.raises(Unprocessable):
        mm.check_key(key)


# ----------------------------------------------------------------------------- keys


def test_the_key_of_the_instantiation_is_updated_in_place() -> None:
    plan = {"monitoring": {"MONITORING_AGENT": "dmona://mona1", "OTHER": "dmona://x"}}
    assert list(mm.with_agent(plan, "MONITORING_AGENT", "dmona://m2")["monitoring"].items()) == [
        ("MONITORING_AGENT", "dmona://m2"), ("OTHER", "dmona://x")]
    assert plan["monitoring"]["MONITORING_AGENT"] == "dmona://mona1"  # a copy


def test_a_new_key_is_added_after_the_existing_ones() -> None:
    plan = {"monitoring": {"MONITORING_AGENT": "dmona://mona1"}}
    assert mm.with_agent(plan, "NEW", "dmona://m2")["monitoring"] == {
        "MONITORING_AGENT": "dmona://mona1", "NEW": "dmona://m2"}
    assert mm.with_agent({}, "NEW", "dmona://m2")["monitoring"] == {"NEW": "dmona://m2"}


# ----------------------------------------------------------------------------- prepare


def test_prepare_plans_the_new_agent_and_shows_the_request_normalised() -> None:
    params, context = mm.prepare(
        task({"monitoringAgent": "dmonaName://local_mona", "key": "MONITORING_AGENT"}))
    assert params == {"monitoring_agent": "dmonaName://local_mona", "key": "MONITORING_AGENT"}
    assert context["plan"]["monitoring"] == {"MONITORING_AGENT": "dmonaName://local_mona"}
    assert context["previousPlan"] == PLAN
    assert context["plan"]["deployment"] == PLAN["deployment"]


def test_prepare_refuses_an_instance_without_a_deployment_record() -> None:
    with pytest.raises(Conflict):
        mm.prepare(task({"monitoring_agent": "dmona://a", "key": "K"}, internal={}))


def test_prepare_refuses_when_the_vnfd_is_gone() -> None:
    with pytest.raises(Unprocessable) as refused:
        mm.prepare(task({"monitoring_agent": "dmona://a", "key": "K"}, vnfd=False))
    assert CIRROS in refused.value.detail


# ----------------------------------------------------------------------------- the policy


@pytest.mark.parametrize(
    ("failure", "action"),
    [
        (mm.REJECTED, Action.FAIL),
        (mm.UPDATE_FAILED, Action.ROLLBACK),
        (mm.SET_FAILED, Action.ROLLBACK),
        (None, None),  # ESC unreachable, a timeout, a failed rollback
    ],
)
def test_terminal_state_on_error(failure: str | None, action: Action | None) -> None:
    data = {} if failure is None else {"failure": failure}
    strict = replace(Settings(), monitor_migration_terminal_state_on_error=True)
    assert mm.after_failure(strict, {}, data) is action
    assert mm.after_failure(Settings(), {}, data) is None


def test_the_operation_is_registered_as_not_cancellable() -> None:
    spec = operation_spec("MONITORING_MIGRATION")
    assert spec.cancellable is False and spec.can_rollback is True
    assert [step.name for step in spec.steps] == ["update-service", "set-monitoring"]
    assert spec.after_failure is mm.after_failure
