"""Fault injection: make a chosen step of the simulator misbehave, once or every time.

A fault names a **step** (what ESC is doing), an **effect** and a **target** (a
deployment name, a generated VM name, a snapshot id or name, or ``*`` for any).

Effects:

``reject``   the HTTP request for the step is answered with ``status`` (default 500) and
             ESC's error document carrying ``message``, and nothing happens.
``fail``     the request is accepted but the workflow reports FAILURE events (status
             code 500) at the step, and the states go where the seeds say failures go.
``latency``  the HTTP answer for the step is delayed by ``seconds``.
``drop``     (step ``callback`` only) a callback is not sent; ``event_type`` narrows
             which one.

``mode`` is ``once`` (default: the fault disarms after its first hit) or ``always``.
``skip`` lets that many matching occurrences pass before the fault fires, so a test
can break the second update (a rollback's) and not the first.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from vnfm.southbound.types import EventType


class Step(StrEnum):
    DEPLOY = "deploy"
    VM_ALIVE = "vm_alive"  # a deployed VM never becomes alive
    UNDEPLOY = "undeploy"
    UPDATE = "update"
    RESIZE = "resize"
    SET_MONITOR = "set_monitor"
    UNSET_MONITOR = "unset_monitor"
    SERVICE_ACTION = "service_action"
    VM_ACTION = "vm_action"
    MIGRATE = "migrate"
    SNAPSHOT = "snapshot"
    SNAPSHOT_DELETE = "snapshot_delete"
    VOLUME = "volume"
    RECOVERY = "recovery"
    GET = "get"
    CALLBACK = "callback"


class Effect(StrEnum):
    REJECT = "reject"
    FAIL = "fail"
    LATENCY = "latency"
    DROP = "drop"


# Steps that only happen in the background cannot answer an HTTP request.
_BACKGROUND_ONLY = {Step.VM_ALIVE, Step.SET_MONITOR, Step.UNSET_MONITOR}
ALLOWED: dict[Effect, set[Step]] = {
    Effect.REJECT: set(Step) - _BACKGROUND_ONLY - {Step.CALLBACK},
    Effect.LATENCY: set(Step) - _BACKGROUND_ONLY - {Step.CALLBACK},
    Effect.FAIL: set(Step) - {Step.GET, Step.CALLBACK},
    Effect.DROP: {Step.CALLBACK},
}


class FaultSpecError(ValueError):
    """A fault request that makes no sense."""


@dataclass
class Fault:
    id: int
    step: Step
    effect: Effect
    target: str = "*"
    always: bool = False
    status: int = 500
    message: str = "injected fault"
    seconds: float = 0.0
    event_type: EventType | None = None
    hits: int = 0
    skip: int = 0

    def to_json(self) -> dict[str, Any]:
        doc = asdict(self)
        doc["mode"] = "always" if self.always else "once"
        del doc["always"]
        return doc


class FaultRegistry:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._ids = itertools.count(1)

    def add_from_json(self, doc: object) -> Fault:
        if not isinstance(doc, dict):
            raise FaultSpecError("fault must be a JSON object")
        try:
            step = Step(doc.get("step"))
            effect = Effect(doc.get("effect", Effect.FAIL))
        except ValueError as exc:
            raise FaultSpecError(str(exc)) from None
        if step not in ALLOWED[effect]:
            raise FaultSpecError(f"effect {effect} cannot apply to step {step}")
        mode = doc.get("mode", "once")
        if mode not in ("once", "always"):
            raise FaultSpecError("mode must be 'once' or 'always'")
        target = doc.get("target", "*")
        status = doc.get("status", 500)
        message = doc.get("message", f"injected {effect} at {step}")
        seconds = doc.get("seconds", 0.0)
        event_type = doc.get("event_type")
        skip = doc.get("skip", 0)
        if not isinstance(skip, int) or isinstance(skip, bool) or not 0 <= skip <= 1000:
            raise FaultSpecError("skip must be a whole number between 0 and 1000")
        if not isinstance(target, str) or not target:
            raise FaultSpecError("target must be a non-empty string")
        if not isinstance(status, int) or isinstance(status, bool) or not 400 <= status <= 599:
            raise FaultSpecError("status must be an HTTP error code (400-599)")
        if not isinstance(message, str):
            raise FaultSpecError("message must be a string")
        if (not isinstance(seconds, (int, float)) or isinstance(seconds, bool)
                or not 0 <= seconds <= 60):
            raise FaultSpecError("seconds must be a number between 0 and 60")
        try:
            etype = EventType(event_type) if event_type is not None else None
        except ValueError:
            raise FaultSpecError(f"unknown event type {event_type!r}") from None
        with self._lock:
            fault = Fault(next(self._ids), step, effect, target, mode == "always",
                          status, message, float(seconds), etype, skip=skip)
            self._faults.append(fault)
        return fault

    def take(
        self,
        step: Step,
        effect: Effect,
        targets: tuple[str | None, ...] = (),
        event_type: EventType | None = None,
    ) -> Fault | None:
        """The first armed fault matching, counted as hit (and disarmed if ``once``)."""
        with self._lock:
            for fault in self._faults:
                if fault.step is not step or fault.effect is not effect:
                    continue
                if fault.target != "*" and fault.target not in targets:
                    continue
                if fault.event_type is not None and fault.event_type is not event_type:
                    continue
                if fault.skip > 0:
                    fault.skip -= 1  # this occurrence passes unharmed
                    continue
                fault.hits += 1
                if not fault.always:
                    self._faults.remove(fault)
                return fault
        return None

    def list(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def remove(self, fault_id: int) -> bool:
        with self._lock:
            before = len(self._faults)
            self._faults = [f for f in self._faults if f.id != fault_id]
            return len(self._faults) != before

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
