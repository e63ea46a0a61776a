"""rules: instance counts per level and per scale level, and which scale steps are possible."""

from __future__ import annotations

from functools import cache
from types import MappingProxyType

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.vnfd.builders import CIRROS, LB_WORKER, policy, sample_doc, to_text
from vnfm.vnfd.model import (
    DeploymentFlavour,
    ScalingAspect,
    SwImage,
    Vdu,
    VirtualCompute,
)
from vnfm.vnfd.parser import parse_vnfd
from vnfm.vnfd.rules import (
    SCALE_IN,
    SCALE_OUT,
    RuleError,
    delta_for_step,
    instances_for_level,
    instances_for_scale_levels,
    instantiation_level_problem,
    scale_levels_for_level,
    scale_step_problem,
)


@cache  # flavours are immutable, so one parse serves every test
def lb_worker() -> DeploymentFlavour:
    return parse_vnfd(to_text(sample_doc(LB_WORKER))).flavours["default"]


@cache
def cirros() -> DeploymentFlavour:
    return parse_vnfd(to_text(sample_doc(CIRROS))).flavours["simple"]


# -- instantiation levels -------------------------------------------------------------------


def test_default_level_is_used_when_none_is_named() -> None:
    flavour = lb_worker()
    assert instances_for_level(flavour) == {"LB": 1, "WORKER": 1}
    assert instances_for_level(flavour, None) == instances_for_level(flavour, "small")
    assert scale_levels_for_level(flavour) == {"workers": 0}


def test_named_level_gives_counts_and_scale_levels() -> None:
    flavour = lb_worker()
    assert instances_for_level(flavour, "large") == {"LB": 2, "WORKER": 3}
    assert scale_levels_for_level(flavour, "large") == {"workers": 2}


def test_unknown_level_is_a_rule_error_listing_the_known_ones() -> None:
    flavour = lb_worker()
    with pytest.raises(RuleError, match=r"'huge' is not defined .*levels: small, large"):
        instances_for_level(flavour, "huge")
    with pytest.raises(RuleError):
        scale_levels_for_level(flavour, "huge")
    assert instantiation_level_problem(flavour, "huge") is not None
    assert instantiation_level_problem(flavour, "large") is None
    assert instantiation_level_problem(flavour, None) is None


def test_flavour_without_levels_starts_at_initial_deltas() -> None:
    flavour = cirros()
    assert flavour.instantiation_levels == {}
    assert instances_for_level(flavour) == {"VDU1": 1}
    assert scale_levels_for_level(flavour) == {}
    assert instantiation_level_problem(flavour, "small") is not None


def test_returned_counts_are_copies() -> None:
    flavour = lb_worker()
    instances_for_level(flavour, "large")["WORKER"] = 99
    assert instances_for_level(flavour, "large")["WORKER"] == 3


# -- scale levels -------------------------------------------------------------------------


@pytest.mark.parametrize(("level", "workers"), [(0, 1), (1, 2), (2, 3), (3, 4)])
def test_each_step_adds_the_worker_delta(level: int, workers: int) -> None:
    counts = instances_for_scale_levels(lb_worker(), {"workers": level})
    assert counts == {"LB": 1, "WORKER": workers}


def test_absent_aspects_count_as_level_zero() -> None:
    assert instances_for_scale_levels(lb_worker(), {}) == {"LB": 1, "WORKER": 1}


@pytest.mark.parametrize(
    ("levels", "message"),
    [
        ({"routers": 1}, "'routers' is not defined"),
        ({"workers": 4}, r"outside \[0, 3\]"),
        ({"workers": -1}, r"outside \[0, 3\]"),
    ],
)
def test_impossible_scale_levels_are_rule_errors(levels: dict[str, int], message: str) -> None:
    with pytest.raises(RuleError, match=message):
        instances_for_scale_levels(lb_worker(), levels)


def test_non_uniform_step_deltas_apply_in_order() -> None:
    doc = sample_doc(LB_WORKER)
    aspect = policy(doc, "scaling_aspects")["properties"]["aspects"]["workers"]
    aspect["step_deltas"] = ["one", "two", "two"]
    policy(doc, "WORKER_scaling_deltas")["properties"]["deltas"] = {
        "one": {"number_of_instances": 1},
        "two": {"number_of_instances": 2},
    }
    doc["topology_template"]["node_templates"]["WORKER"]["properties"]["vdu_profile"][
        "max_number_of_instances"
    ] = 6
    policy(doc, "WORKER_instantiation_levels")["properties"]["levels"]["large"] = {
        "number_of_instances": 4
    }
    flavour = parse_vnfd(to_text(doc)).flavours["default"]
    workers = [instances_for_scale_levels(flavour, {"workers": n})["WORKER"] for n in range(4)]
    assert workers == [1, 2, 4, 6]
    assert [delta_for_step(flavour.scaling_aspects["workers"], s) for s in (1, 2, 3)] == [
        "one",
        "two",
        "two",
    ]
    with pytest.raises(RuleError):
        delta_for_step(flavour.scaling_aspects["workers"], 4)


# -- scale steps --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("aspect", "current", "steps", "direction", "fragment"),
    [
        ("workers", 0, 3, SCALE_OUT, None),
        ("workers", 3, 3, SCALE_IN, None),
        ("workers", 2, 2, SCALE_OUT, "would reach 4, above its max_scale_level 3"),
        ("workers", 1, 2, SCALE_IN, "would reach -1, below scale level 0"),
        ("routers", 0, 1, SCALE_OUT, "'routers' is not defined in flavour 'default'"),
        ("workers", 0, 0, SCALE_OUT, "numberOfSteps must be at least 1"),
        ("workers", 5, 1, SCALE_IN, "current scale level 5"),
        ("workers", 0, 1, "SCALE_SIDEWAYS", "must be SCALE_OUT or SCALE_IN"),
    ],
)
def test_scale_step_problem(
    aspect: str, current: int, steps: int, direction: str, fragment: str | None
) -> None:
    problem = scale_step_problem(lb_worker(), aspect, current, steps, direction)
    if fragment is None:
        assert problem is None
    else:
        assert problem is not None and fragment in problem


# -- properties over generated flavours ----------------------------------------------------


def _flavour(initial: int, max_level: int, deltas: list[int]) -> DeploymentFlavour:
    """One VDU scaled by one aspect whose steps add ``deltas`` (one per step, or one for all)."""
    delta_ids = tuple(f"d{index}" for index in range(len(deltas)))
    vdu = Vdu(
        vdu_id="V",
        name="V",
        description="",
        compute=VirtualCompute(1, 512, 1, "flavor"),
        image=SwImage("img", "1", "img", "bare", "qcow2"),
        bootup_time=1,
        recovery_wait_time=0,
        min_instances=0,
        max_instances=10_000,
        cps=(),
    )
    aspect = ScalingAspect(
        aspect_id="A",
        name="A",
        description="",
        max_scale_level=max_level,
        step_deltas=delta_ids,
        vdu_deltas=MappingProxyType({"V": dict(zip(delta_ids, deltas, strict=True))}),
    )
    return DeploymentFlavour(
        flavour_id="f",
        description="",
        vdus=MappingProxyType({"V": vdu}),
        virtual_links=MappingProxyType({}),
        ext_cps=(),
        scaling_aspects=MappingProxyType({"A": aspect}),
        initial_deltas=MappingProxyType({"V": initial}),
        instantiation_levels=MappingProxyType({}),
        default_level_id=None,
    )


@st.composite
def flavours(draw: st.DrawFn) -> DeploymentFlavour:
    max_level = draw(st.integers(1, 8))
    uniform = draw(st.booleans())
    deltas = draw(st.lists(st.integers(0, 5), min_size=1 if uniform else max_level,
                           max_size=1 if uniform else max_level))
    return _flavour(draw(st.integers(0, 5)), max_level, deltas)


@given(flavours(), st.data())
def test_each_step_adds_exactly_its_delta(flavour: DeploymentFlavour, data: st.DataObject) -> None:
    aspect = flavour.scaling_aspects["A"]
    level = data.draw(st.integers(1, aspect.max_scale_level))
    before = instances_for_scale_levels(flavour, {"A": level - 1})["V"]
    after = instances_for_scale_levels(flavour, {"A": level})["V"]
    assert after - before == aspect.vdu_deltas["V"][delta_for_step(aspect, level)]
    assert instances_for_scale_levels(flavour, {"A": 0})["V"] == flavour.initial_deltas["V"]


@given(flavours(), st.data())
def test_a_step_is_possible_exactly_when_it_stays_within_bounds(
    flavour: DeploymentFlavour, data: st.DataObject
) -> None:
    top = flavour.scaling_aspects["A"].max_scale_level
    current = data.draw(st.integers(0, top))
    steps = data.draw(st.integers(1, top + 2))
    out_ok = scale_step_problem(flavour, "A", current, steps, SCALE_OUT) is None
    in_ok = scale_step_problem(flavour, "A", current, steps, SCALE_IN) is None
    assert out_ok == (current + steps <= top)
    assert in_ok == (current - steps >= 0)
    if out_ok:
        # What was scaled out can be scaled back in, and out never removes instances.
        assert scale_step_problem(flavour, "A", current + steps, steps, SCALE_IN) is None
        low = instances_for_scale_levels(flavour, {"A": current})["V"]
        high = instances_for_scale_levels(flavour, {"A": current + steps})["V"]
        assert high >= low
