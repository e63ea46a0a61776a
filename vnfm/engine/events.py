"""ESC callback events: stored in the database, waited on by the steps that need them.

The database is the truth (the callback may reach any vnfm process, and a step
resumed after a crash must find events that came while nobody waited); the
in-process :class:`EventHub` only wakes local waiters early instead of letting
them sleep out their poll interval.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session, sessionmaker

from vnfm.db.models import EscEventRow
from vnfm.southbound.types import EscEvent


class EventHub:
    """Wakes the local waiters of a deployment when one of its events is stored.

    A waiter watches its deployment (:meth:`watch`) and sleeps only while no event
    for it came since its last look: an event that lands between its query and its
    sleep is not slept through, and events of other deployments do not send it back
    to the database for nothing.  :meth:`sleep` wakes at any event.
    """

    def __init__(self) -> None:
        self._condition = threading.Condition()
        #: Deployments somebody watches -> [events stored since, watchers].
        self._watched: dict[str, list[int]] = {}

    def notify(self, deployment: str | None = None) -> None:
        """An event was stored (for ``deployment``; None: for any)."""
        with self._condition:
            if deployment is None:
                entries = list(self._watched.values())
            else:
                entries = [self._watched[deployment]] if deployment in self._watched else []
            for entry in entries:
                entry[0] += 1
            self._condition.notify_all()

    def sleep(self, seconds: float) -> None:
        with self._condition:
            self._condition.wait(seconds)

    @contextmanager
    def watch(self, deployment: str) -> Iterator[DeploymentWatch]:
        with self._condition:
            entry = self._watched.setdefault(deployment, [0, 0])
            entry[1] += 1
            watch = DeploymentWatch(self._condition, entry)
        try:
            yield watch
        finally:
            with self._condition:
                entry[1] -= 1
                if entry[1] == 0:
                    del self._watched[deployment]


class DeploymentWatch:
    def __init__(self, condition: threading.Condition, entry: list[int]) -> None:
        self._condition = condition
        self._entry = entry
        self._seen = entry[0]

    def sleep(self, seconds: float) -> None:
        """Until an event of the deployment came since the watch began or the last
        sleep ended, or ``seconds`` passed."""
        with self._condition:
            self._condition.wait_for(lambda: self._entry[0] != self._seen, seconds)
            self._seen = self._entry[0]


def store_event(session: Session, event: EscEvent) -> EscEventRow:
    row = EscEventRow(
        deployment_name=event.deployment_name,
        event_type=event.event_type.value,
        status=event.status.value,
        status_code=event.status_code,
        status_message=event.status_message,
        vm_name=event.vm_name,
        vm_group=event.vm_group,
    )
    session.add(row)
    return row


_WATERMARK = select(func.max(EscEventRow.id))
# Built once: a step looks for its event at every wake-up.
_FIRST_EVENT = (
    select(EscEventRow)
    .where(
        EscEventRow.deployment_name == bindparam("deployment"),
        EscEventRow.id > bindparam("after"),
        EscEventRow.event_type.in_(bindparam("types", expanding=True)),
    )
    .order_by(EscEventRow.id)
    .limit(1)
)


class EventWaiter:
    """Finds the first event of some types for a deployment, after a watermark.

    ``sessions`` only read: give it read-only sessions (on SQLite, a writing one would
    queue for the write lock for every look).
    """

    def __init__(
        self, sessions: sessionmaker[Session], hub: EventHub, poll_interval: float = 0.2
    ) -> None:
        self.sessions = sessions
        self.hub = hub
        self.poll_interval = poll_interval

    def watermark(self) -> int:
        with self.sessions() as session:
            return int(session.scalar(_WATERMARK) or 0)

    def find(self, deployment: str, types: Collection[str], after: int) -> EscEventRow | None:
        with self.sessions() as session:
            values = {"deployment": deployment, "after": after, "types": list(types)}
            return session.scalars(_FIRST_EVENT, values).first()

    def events_since(self, deployment: str, after: int) -> list[EscEventRow]:
        with self.sessions() as session:
            return list(
                session.scalars(
                    select(EscEventRow)
                    .where(EscEventRow.deployment_name == deployment, EscEventRow.id > after)
                    .order_by(EscEventRow.id)
                )
            )

    def wait(
        self,
        deployment: str,
        types: Collection[str],
        after: int,
        timeout: float,
        interrupt: Callable[[], None] = lambda: None,
    ) -> EscEventRow | None:
        """The event, or None when ``timeout`` passes first.

        ``interrupt`` is called between polls and may raise (a forceful cancel).
        """
        deadline = time.monotonic() + timeout
        with self.hub.watch(deployment) as watch:
            while True:
                interrupt()  # first: a forceful cancel wins over an event already in
                event = self.find(deployment, types, after)
                if event is not None:
                    return event
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                # The callback may reach another process: the poll interval bounds
                # how late a waiter notices an event that no local notify announces.
                watch.sleep(min(self.poll_interval, remaining))
