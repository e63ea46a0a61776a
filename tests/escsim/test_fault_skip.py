"""The ``skip`` field of a fault: the first matching occurrences pass, then it fires."""

from __future__ import annotations

import pytest

from vnfm.escsim.faults import Effect, FaultRegistry, FaultSpecError, Step


def test_a_fault_fires_after_the_occurrences_it_skips() -> None:
    registry = FaultRegistry()
    registry.add_from_json({"step": "update", "effect": "fail", "skip": 2})
    assert registry.take(Step.UPDATE, Effect.FAIL, ("dep",)) is None
    assert registry.take(Step.UPDATE, Effect.FAIL, ("dep",)) is None
    fired = registry.take(Step.UPDATE, Effect.FAIL, ("dep",))
    assert fired is not None and fired.hits == 1
    assert registry.list() == []  # once: gone after it fired


def test_other_steps_do_not_use_up_the_skip() -> None:
    registry = FaultRegistry()
    registry.add_from_json({"step": "update", "effect": "fail", "skip": 1, "target": "dep"})
    assert registry.take(Step.SET_MONITOR, Effect.FAIL, ("dep",)) is None
    assert registry.take(Step.UPDATE, Effect.FAIL, ("other",)) is None
    assert registry.take(Step.UPDATE, Effect.FAIL, ("dep",)) is None  # the one skipped
    assert registry.take(Step.UPDATE, Effect.FAIL, ("dep",)) is not None


@pytest.mark.parametrize("skip", [-1, 1001, True, 1.5, "1"])
def test_skip_must_be_a_small_whole_number(skip: object) -> None:
    with pytest.raises(FaultSpecError):
        FaultRegistry().add_from_json({"step": "update", "effect": "fail", "skip": skip})
