"""The VnfLcmOpOcc state machine (SOL003 clause 5.6.2), pure: no I/O, no clock.

Every change of ``operationState`` anywhere in the VNFM goes through
:func:`transition`; a move the table below does not hold cannot be made.
"""

from __future__ import annotations

from enum import StrEnum


class OpState(StrEnum):
    STARTING = "STARTING"
    PROCESSING = "PROCESSING"
    COMPLETED = "COMPLETED"
    FAILED_TEMP = "FAILED_TEMP"
    FAILED = "FAILED"
    ROLLING_BACK = "ROLLING_BACK"
    ROLLED_BACK = "ROLLED_BACK"


class Action(StrEnum):
    """What moves an operation: the engine's progress or a task the NFVO sent."""

    START = "start"  # the engine takes the operation up
    COMPLETE = "complete"  # the last step succeeded
    ERROR = "error"  # a step failed, or a cancel took effect
    RETRY = "retry"  # task resource: retry
    ROLLBACK = "rollback"  # task resource: rollback
    FAIL = "fail"  # task resource: fail
    ROLLBACK_DONE = "rollback_done"  # the last undo step succeeded
    CANCEL = "cancel"  # task resource: cancel (its effect depends on the state)


class CancelMode(StrEnum):
    GRACEFUL = "GRACEFUL"  # after the step under way
    FORCEFUL = "FORCEFUL"  # at once


FINAL_STATES = frozenset({OpState.COMPLETED, OpState.FAILED, OpState.ROLLED_BACK})

_TABLE: dict[tuple[OpState, Action], OpState] = {
    (OpState.STARTING, Action.START): OpState.PROCESSING,
    (OpState.STARTING, Action.CANCEL): OpState.ROLLED_BACK,
    (OpState.PROCESSING, Action.COMPLETE): OpState.COMPLETED,
    (OpState.PROCESSING, Action.ERROR): OpState.FAILED_TEMP,
    (OpState.PROCESSING, Action.CANCEL): OpState.FAILED_TEMP,
    (OpState.FAILED_TEMP, Action.RETRY): OpState.PROCESSING,
    (OpState.FAILED_TEMP, Action.ROLLBACK): OpState.ROLLING_BACK,
    (OpState.FAILED_TEMP, Action.FAIL): OpState.FAILED,
    (OpState.ROLLING_BACK, Action.ROLLBACK_DONE): OpState.ROLLED_BACK,
    (OpState.ROLLING_BACK, Action.ERROR): OpState.FAILED_TEMP,
    (OpState.ROLLING_BACK, Action.CANCEL): OpState.FAILED_TEMP,
}

#: Task resources of an op occ and the action each one asks for.
TASKS: dict[str, Action] = {
    "retry": Action.RETRY,
    "rollback": Action.ROLLBACK,
    "fail": Action.FAIL,
    "cancel": Action.CANCEL,
}

#: States in which the ``error`` attribute is shown (SOL003 VnfLcmOpOcc.error): the
#: failed states, and processing or rolling back after a FAILED_TEMP.  The engine
#: records an error only on entering FAILED_TEMP, so "after a FAILED_TEMP" follows.
ERROR_VISIBLE_STATES = frozenset(
    {OpState.FAILED_TEMP, OpState.FAILED, OpState.PROCESSING, OpState.ROLLING_BACK}
)


class TransitionNotAllowed(Exception):
    def __init__(self, state: OpState, action: Action) -> None:
        self.state = state
        self.action = action
        super().__init__(describe_refusal(state, action))


def can(state: OpState, action: Action) -> bool:
    return (state, action) in _TABLE


def transition(state: OpState, action: Action) -> OpState:
    try:
        return _TABLE[(state, action)]
    except KeyError:
        raise TransitionNotAllowed(state, action) from None


def allowed_tasks(state: OpState) -> list[str]:
    """Task resources the NFVO may call now, in a stable order (for ``_links``)."""
    return [name for name, action in TASKS.items() if can(state, action)]


def is_final(state: OpState) -> bool:
    return state in FINAL_STATES


def describe_refusal(state: OpState, action: Action) -> str:
    allowed_from = sorted(s.value for (s, a) in _TABLE if a is action)
    if not allowed_from:
        return f"'{action.value}' is not an operation task"
    return (
        f"cannot {action.value} an operation in {state.value}; "
        f"it is possible only from {', '.join(allowed_from)}"
    )
