"""ESC callback events: stored in the database, waited on by the steps that need them.

The database is the truth (the callback may reach any vnfm process, and a step
resumed after a crash must find events that came while nobody waited); the
in-process :class:`EventHub` only wakes local waiters early instead of letting
them sleep out their poll interval.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session, sessionmaker

from vnfm.db.models import EscEventRow
from vnfm.southbound.types import EscEvent


class EventHub:
    """Wakes the local waiters of a deployment when an event they wait for is stored.

    A waiter watches its deployment and event types (:meth:`watch`) and sleeps only
    while no such event came since its last look: an event that lands between its
    query and its sleep is not slept through, and other events (of other deployments,
    or the VM events before a deployment's SERVICE_ALIVE) do not send it back to the
    database for nothing.  :meth:`sleep` wakes at any event.
    """

    def __init__(self) -> None:
        self._condition = threading.Condition()
        #: Deployments somebody watches -> what came for them since.
        self._watched: dict[str, _Watched] = {}

    def notify(self, deployment: str | None = None, event_type: str | None = None) -> None:
        """An event was stored (for ``deployment``, of ``event_type``; None: any)."""
        with self._condition:
            if deployment is None:
                entries = list(self._watched.values())
            else:
                entries = [self._watched[deployment]] if deployment in self._watched else []
            for entry in entries:
                entry.counts[event_type or ANY_TYPE] += 1
            self._condition.notify_all()

    def sleep(self, seconds: float) -> None:
        with self._condition:
            self._condition.wait(seconds)

    @contextmanager
    def watch(
        self, deployment: str, types: Collection[str] | None = None
    ) -> Iterator[DeploymentWatch]:
        """Watch ``deployment``'s events of ``types`` (None: of every type)."""
        with self._condition:
            entry = self._watched.setdefault(deployment, _Watched())
            entry.watchers += 1
            watch = DeploymentWatch(self._condition, entry, types)
        try:
            yield watch
        finally:
            with self._condition:
                entry.watchers -= 1
                if entry.watchers == 0:
                    del self._watched[deployment]


#: The type counted for an event announced without one: it wakes every watcher.
ANY_TYPE = "*"


@dataclass
class _Watched:
    counts: Counter[str] = field(default_factory=Counter)
    watchers: int = 0


class DeploymentWatch:
    def __init__(
        self, condition: threading.Condition, entry: _Watched, types: Collection[str] | None
    ) -> None:
        self._condition = condition
        self._entry = entry
        self._types = None if types is None else (ANY_TYPE, *types)
        self._seen = self._count()

    def _count(self) -> int:
        counts = self._entry.counts
        if self._types is None:
            return sum(counts.values())
        return sum(counts[t] for t in self._types)

    def sleep(self, seconds: float) -> None:
        """Until a watched event came since the watch began or the last sleep ended,
        or ``seconds`` passed."""
        with self._condition:
            self._condition.wait_for(lambda: self._count() != self._seen, seconds)
            self._seen = self._count()


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
        with self.hub.watch(deployment, types) as watch:
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
