"""ESC callback events: stored in the database, waited on by the steps that need them.

The database is the truth (the callback may reach any vnfm process, and a step
resumed after a crash must find events that came while nobody waited); the
in-process :class:`EventHub` only wakes local waiters early instead of letting
them sleep out their poll interval.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from vnfm.db.models import EscEventRow
from vnfm.southbound.types import EscEvent


class EventHub:
    def __init__(self) -> None:
        self._condition = threading.Condition()

    def notify(self) -> None:
        with self._condition:
            self._condition.notify_all()

    def sleep(self, seconds: float) -> None:
        with self._condition:
            self._condition.wait(seconds)


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


class EventWaiter:
    """Finds the first event of some types for a deployment, after a watermark."""

    def __init__(
        self, sessions: sessionmaker[Session], hub: EventHub, poll_interval: float = 0.2
    ) -> None:
        self.sessions = sessions
        self.hub = hub
        self.poll_interval = poll_interval

    def watermark(self) -> int:
        with self.sessions() as session:
            return int(session.scalar(select(func.max(EscEventRow.id))) or 0)

    def find(self, deployment: str, types: Collection[str], after: int) -> EscEventRow | None:
        with self.sessions() as session:
            return session.scalars(
                select(EscEventRow)
                .where(
                    EscEventRow.deployment_name == deployment,
                    EscEventRow.id > after,
                    EscEventRow.event_type.in_(list(types)),
                )
                .order_by(EscEventRow.id)
                .limit(1)
            ).first()

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
        while True:
            interrupt()  # first: a forceful cancel wins over an event that is already in
            event = self.find(deployment, types, after)
            if event is not None:
                return event
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            self.hub.sleep(min(self.poll_interval, remaining))
