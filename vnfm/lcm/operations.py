"""The registry of LCM operations: each one a list of steps and what COMPLETED means.

A step is idempotent (running it twice leaves the same result as once) and knows
its own undo, so the engine can resume after a crash, retry after a failure and
roll back from any point by walking the list.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Protocol

from sqlalchemy.orm import Session

from vnfm.config import Settings
from vnfm.db.models import VnfInstanceRow, VnfLcmOpOccRow
from vnfm.domain.instance import InstantiationState
from vnfm.domain.op_occ import Action
from vnfm.engine.runtime import StepContext
from vnfm.vnfd.catalog import Catalog
from vnfm.vnfd.model import Vnfd


class Step(Protocol):
    name: str

    def run(self, ctx: StepContext) -> None: ...

    def undo(self, ctx: StepContext) -> None: ...


Finish = Callable[[StepContext, Session, VnfInstanceRow, VnfLcmOpOccRow], None]
#: What to do by itself after a failure (FAIL or ROLLBACK), or None to wait in FAILED_TEMP
#: for the NFVO; gets the settings, the error and the step data.
AfterFailure = Callable[[Settings, dict[str, Any], dict[str, Any]], Action | None]


@dataclass(frozen=True)
class TaskRequest:
    """What a task's ``prepare`` gets to check a request and plan the operation."""

    session: Session
    instance: VnfInstanceRow
    body: dict[str, Any]
    vnfd: Vnfd | None  # the instance's current VNFD (None if it left the catalog)
    catalog: Catalog
    settings: Settings


def require_vnfd(task: TaskRequest) -> Vnfd:
    if task.vnfd is None:
        from vnfm.api.problems import Unprocessable

        raise Unprocessable(f"VNFD {task.instance.vnfd_id} of this instance is no longer known")
    return task.vnfd


class TaskModule(Protocol):
    """A module of ``vnfm.lcm`` that implements one task resource.

    ``prepare`` refuses what the VNFD or the instance cannot do (422, 409) before
    anything exists, and returns the ``operationParams`` to show and the operation's
    private context (which may hold secrets and the plan).
    """

    OPERATION: str
    REQUIRED_STATE: InstantiationState | None

    def prepare(self, request: TaskRequest) -> tuple[dict[str, Any], dict[str, Any]]: ...


@dataclass(frozen=True)
class OperationSpec:
    operation: str
    steps: tuple[Step, ...]
    #: Applies the operation's effects to the instance, in the COMPLETED transaction.
    finish: Finish
    #: Whether a failed attempt can be undone; when not, rollback is refused with 409.
    can_rollback: bool = True
    #: Whether cancel is accepted while the operation runs (no: its ESC request is atomic).
    cancellable: bool = True
    after_failure: AfterFailure | None = None


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


#: Task resource (the URI's last segment) -> module of ``vnfm.lcm`` implementing it.
TASK_MODULES = {
    "instantiate": "instantiate",
    "terminate": "terminate",
    "modify": "modify",
    "scale": "scale",
    "scale_to_level": "scale_to_level",
    "change_flavour": "change_flavour",
    "heal": "heal",
    "operate": "operate",
    "change_ext_conn": "change_ext_conn",
    "change_vnfpkg": "change_vnfpkg",
    "create_snapshot": "create_snapshot",
    "revert_to_snapshot": "revert_to_snapshot",
    "monitoring_migration": "monitoring_migration",
}


def task_module(task: str) -> TaskModule | None:
    """The module implementing a task, or None when this build has none."""
    name = f"vnfm.lcm.{TASK_MODULES[task]}"
    try:
        module: ModuleType = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name == name:
            return None
        raise
    return module  # type: ignore[return-value]


_loaded = False


def _load_all() -> None:
    # Importing the operation modules registers them; done lazily to keep imports acyclic.
    global _loaded
    if not _loaded:
        for task in TASK_MODULES:
            task_module(task)
        _loaded = True
