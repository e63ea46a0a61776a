"""The op-occ state machine, checked against SOL003's diagram pair by pair."""

from __future__ import annotations

import itertools

import pytest

from vnfm.domain.op_occ import (
    Action,
    OpState,
    TransitionNotAllowed,
    allowed_tasks,
    can,
    is_final,
    transition,
)

S = OpState
A = Action

# The whole diagram: anything not listed here must be refused.
EXPECTED = {
    (S.STARTING, A.START): S.PROCESSING,
    (S.STARTING, A.CANCEL): S.ROLLED_BACK,
    (S.PROCESSING, A.COMPLETE): S.COMPLETED,
    (S.PROCESSING, A.ERROR): S.FAILED_TEMP,
    (S.PROCESSING, A.CANCEL): S.FAILED_TEMP,
    (S.FAILED_TEMP, A.RETRY): S.PROCESSING,
    (S.FAILED_TEMP, A.ROLLBACK): S.ROLLING_BACK,
    (S.FAILED_TEMP, A.FAIL): S.FAILED,
    (S.ROLLING_BACK, A.ROLLBACK_DONE): S.ROLLED_BACK,
    (S.ROLLING_BACK, A.ERROR): S.FAILED_TEMP,
    (S.ROLLING_BACK, A.CANCEL): S.FAILED_TEMP,
}


@pytest.mark.parametrize(("state", "action"), list(itertools.product(OpState, Action)))
def test_every_pair_is_allowed_exactly_when_the_diagram_has_it(state, action):
    if (state, action) in EXPECTED:
        assert can(state, action)
        assert transition(state, action) is EXPECTED[(state, action)]
    else:
        assert not can(state, action)
        with pytest.raises(TransitionNotAllowed) as refused:
            transition(state, action)
        assert state.value in str(refused.value)


@pytest.mark.parametrize("state", list(OpState))
def test_final_states_allow_nothing(state):
    if is_final(state):
        assert not any(can(state, action) for action in Action)
        assert allowed_tasks(state) == []


def test_task_links_per_state():
    assert allowed_tasks(S.STARTING) == ["cancel"]
    assert allowed_tasks(S.PROCESSING) == ["cancel"]
    assert allowed_tasks(S.FAILED_TEMP) == ["retry", "rollback", "fail"]
    assert allowed_tasks(S.ROLLING_BACK) == ["cancel"]


def test_refusal_names_the_states_that_would_allow_it():
    with pytest.raises(TransitionNotAllowed) as refused:
        transition(S.COMPLETED, A.RETRY)
    assert "FAILED_TEMP" in str(refused.value)
    assert "COMPLETED" in str(refused.value)
