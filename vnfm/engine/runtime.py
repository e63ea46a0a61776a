"""What a step of an operation sees and may raise."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from vnfm.config import Settings
from vnfm.domain.op_occ import CancelMode
from vnfm.engine.events import EventWaiter
from vnfm.southbound.adapter import Adapter, SouthboundError
from vnfm.southbound.types import DeploymentState
from vnfm.vnfd.catalog import Catalog
from vnfm.vnfd.model import Vnfd


class StepFailed(Exception):
    """The operation cannot go on; ``problem`` becomes the op occ's ``error``."""

    def __init__(self, detail: str, *, title: str = "Operation step failed", status: int = 500):
        super().__init__(detail)
        self.problem = {"type": "about:blank", "title": title, "status": status, "detail": detail}


class Cancelled(Exception):
    def __init__(self, mode: CancelMode) -> None:
        super().__init__(f"cancelled ({mode.value})")
        self.mode = mode


class LeaseLost(Exception):
    """Another process has taken the operation over; stop touching it."""


@dataclass
class StepContext:
    op_id: str
    instance_id: str
    operation: str
    params: dict[str, Any]
    data: dict[str, Any]
    vnfd: Vnfd | None
    catalog: Catalog
    adapter: Adapter
    waiter: EventWaiter
    settings: Settings
    checkpoint: Callable[[], None]
    cancel_requested: Callable[[], CancelMode | None]
    step_key: str = ""

    def interrupt_if_forceful(self) -> None:
        if self.cancel_requested() is CancelMode.FORCEFUL:
            raise Cancelled(CancelMode.FORCEFUL)

    @property
    def plan(self) -> dict[str, Any]:
        return self.data["plan"]

    def read_deployment(self, name: str) -> DeploymentState | None:
        try:
            return self.adapter.get_deployment(name)
        except SouthboundError as exc:
            raise esc_failure("reading the deployment's state", exc) from exc


def failure_messages(ctx: StepContext, deployment: str, after: int, summary: str | None) -> str:
    """ESC's summary plus the per-VM failures that led to it: the cause an NFVO needs."""
    causes = [
        f"{e.event_type} {e.vm_name or ''}: {e.status_message}".replace("  ", " ")
        for e in ctx.waiter.events_since(deployment, after)
        if e.status != "SUCCESS" and e.status_message and e.status_message != summary
    ]
    return "; ".join([summary or "no message", *causes])


def esc_failure(what: str, exc: SouthboundError) -> StepFailed:
    code = f" (HTTP {exc.status_code})" if exc.status_code else ""
    return StepFailed(f"ESC refused {what}{code}: {exc.message}", title="ESC request failed")


Verdict = bool | None  # True: done, False: failed, None: still under way or unknown


def esc_request(
    ctx: StepContext,
    *,
    what: str,
    deployment: str,
    send: Callable[[], None],
    done_events: tuple[str, ...],
    judge: Callable[[DeploymentState | None], Verdict],
    resend_if: Callable[[DeploymentState | None], bool] = lambda _state: False,
) -> None:
    """Send one request to ESC and wait for the event that ends it.

    The event watermark is committed *before* the request leaves, so a process that
    resumes this step after a crash knows the request may be out: it asks ESC how
    the deployment stands (``judge``) rather than sending twice, and sends again
    only when the state shows ESC never got it (``resend_if``).  A missing callback
    ends in the same reconciliation when ``esc_event_timeout`` runs out.
    """
    requests = ctx.data.setdefault("requests", {})
    key = f"{ctx.step_key}:{what}"
    marker = requests.get(key)
    if marker is not None:
        state = ctx.read_deployment(deployment)
        verdict = judge(state)
        if verdict is True:
            return
        if resend_if(state):
            marker = None
    if marker is None:
        marker = {"after": ctx.waiter.watermark()}
        requests[key] = marker
        ctx.checkpoint()
        try:
            send()
        except SouthboundError as exc:
            raise esc_failure(what, exc) from exc
    event = ctx.waiter.wait(
        deployment,
        done_events,
        marker["after"],
        ctx.settings.esc_event_timeout,
        interrupt=ctx.interrupt_if_forceful,
    )
    if event is not None:
        if event.status != "SUCCESS":
            raise StepFailed(
                f"ESC reported {event.event_type} {event.status} for {what}: "
                + failure_messages(ctx, deployment, marker["after"], event.status_message),
                title="ESC operation failed",
            )
        return
    state = ctx.read_deployment(deployment)
    verdict = judge(state)
    if verdict is True:
        return
    shown = state.state.value if state is not None else "no such deployment"
    raise StepFailed(
        f"no {'/'.join(done_events)} from ESC for {what} within "
        f"{ctx.settings.esc_event_timeout:g} s; ESC reports {shown}",
        title="ESC operation timed out",
        status=504,
    )
