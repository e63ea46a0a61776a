"""The registry of LCM operations: each one a list of steps and what COMPLETED means.

A step is idempotent (running it twice leaves the same result as once) and knows
its own undo, so the engine can resume after a crash, retry after a failure and
roll back from any point by walking the list.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.orm import Session

from vnfm.db.models import VnfInstanceRow, VnfLcmOpOccRow
from vnfm.engine.runtime import StepContext


class Step(Protocol):
    name: str

    def run(self, ctx: StepContext) -> None: ...

    def undo(self, ctx: StepContext) -> None: ...


Finish = Callable[[StepContext, Session, VnfInstanceRow, VnfLcmOpOccRow], None]


@dataclass(frozen=True)
class OperationSpec:
    operation: str
    steps: tuple[Step, ...]
    #: Applies the operation's effects to the instance, in the COMPLETED transaction.
    finish: Finish
    #: Whether a failed attempt can be undone; when not, rollback is refused with 409.
    can_rollback: bool = True


_REGISTRY: dict[str, OperationSpec] = {}


def register(spec: OperationSpec) -> OperationSpec:
    _REGISTRY[spec.operation] = spec
    return spec


def operation_spec(operation: str) -> OperationSpec:
    _load_all()
    return _REGISTRY[operation]


def can_rollback(operation: str) -> bool:
    _load_all()
    spec = _REGISTRY.get(operation)
    return spec is not None and spec.can_rollback


def _load_all() -> None:
    # Importing the operation modules registers them; done lazily to keep imports acyclic.
    from vnfm.lcm import instantiate, modify, terminate  # noqa: F401
