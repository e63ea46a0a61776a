"""Delivery of queued notifications: claim through the database, POST, retry, give up.

How a notification travels:

1. **Claim.**  A worker takes the *head* of each subscription's queue (its oldest
   pending row) when it is due, by writing a lease (owner + expiry) on it in a short
   transaction.  On PostgreSQL the candidate rows are read ``FOR UPDATE SKIP
   LOCKED`` so concurrent workers of several processes pass each other by; on
   SQLite (one writer at a time) the lease is a compare-and-set ``UPDATE``.  A row
   whose lease expired (its worker died) is claimed again.
2. **Send.**  Outside any transaction: POST the JSON with ``Version`` and the
   subscriber's authentication, within the configured timeouts.  Up to
   ``notify_workers`` sends run at once, each to a different subscription, so a
   slow or dead subscriber holds one slot and its own queue, nobody else's.
3. **Record.**  2xx: the row is deleted.  Connection errors, timeouts, 5xx, 408,
   425 and 429: another attempt after an exponential, jittered delay (at least the
   subscriber's ``Retry-After``), until ``notify_max_attempts`` attempts or
   ``notify_max_age`` seconds; then, or at once for any other status, the row
   becomes a **dead letter** (kept, logged, counted, listable, re-queueable).

Order: only a subscription's head is ever sent, so its notifications arrive in the
order they were queued; a dead letter no longer holds back those after it.
Delivery is at least once: a worker that dies after the POST but before the
delete makes the row be sent again, with the same ``id``, for receivers to
de-duplicate.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, Update, bindparam, delete, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from vnfm.notify.auth import credentials, shared_tokens
from vnfm.notify.config import NotifySettings, api_href
from vnfm.notify.http import Outcome, call, safe_uri
from vnfm.notify.models import DEAD, PENDING, OutboxRow, SubscriptionRow

if TYPE_CHECKING:
    from vnfm.app import Services

log = logging.getLogger(__name__)

_STAMP = "%Y-%m-%dT%H:%M:%S.%fZ"
STATS_KEY = "vnfm.notify.stats"

DELIVERED = "delivered"
RETRY = "retry"
GAVE_UP = "dead"


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(_STAMP)


def parse_stamp(text: str) -> datetime:
    return datetime.strptime(text, _STAMP).replace(tzinfo=UTC)


def _now() -> datetime:
    return datetime.now(UTC)


# --------------------------------------------------------------------- counters


@dataclass
class DeliveryStats:
    """What this process's workers did since it started (for logs and metrics)."""

    delivered: int = 0
    failed_attempts: int = 0
    dead_letters: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def count(self, result: str) -> None:
        with self._lock:
            if result == DELIVERED:
                self.delivered += 1
            else:
                self.failed_attempts += 1
                if result == GAVE_UP:
                    self.dead_letters += 1

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return {
                "delivered": self.delivered,
                "failed_attempts": self.failed_attempts,
                "dead_letters": self.dead_letters,
            }


def delivery_stats(services: Services) -> DeliveryStats:
    return services.extras.setdefault(STATS_KEY, DeliveryStats())


# --------------------------------------------------------------------- claim


@dataclass(frozen=True)
class Claim:
    """A leased outbox row with what sending it needs, detached from any session."""

    seq: int
    notification_id: str
    notification_type: str
    subscription_id: str
    callback_uri: str
    authentication: dict[str, Any] | None
    payload: dict[str, Any]
    links: dict[str, str]
    attempts: int
    queued_at: str


def _claim_statements() -> tuple[Select, Select, Update, Select]:
    """The claim's statements, built once: building SQLAlchemy statements per call
    cost more CPU than running them.  Parameters: ``at``, ``limit``, ``seqs``,
    ``owner``, ``until``."""
    Q = OutboxRow  # a short alias keeps the statements readable
    at = bindparam("at")
    free = or_(Q.lease_expires_at.is_(None), Q.lease_expires_at <= at)
    # Each subscription's head, found in one pass over the queue index; a row with an
    # earlier pending row waits, whatever its own schedule.
    queued = aliased(OutboxRow)
    heads = (
        select(func.min(queued.seq))
        .where(queued.status == PENDING)
        .group_by(queued.subscription_id)
    )
    candidates = (
        select(Q.seq)
        .where(Q.seq.in_(heads), Q.next_attempt_at <= at, free)
        .order_by(Q.next_attempt_at, Q.seq)
        .limit(bindparam("limit"))
    )
    seqs = bindparam("seqs", expanding=True)
    lease = (
        update(Q)
        .where(Q.seq.in_(seqs), Q.status == PENDING, free)
        .values(lease_owner=bindparam("owner"), lease_expires_at=bindparam("until"))
        .execution_options(synchronize_session=False)
    )
    claimed = (
        select(
            Q.seq,
            Q.notification_id,
            Q.notification_type,
            Q.subscription_id,
            SubscriptionRow.callback_uri,
            SubscriptionRow.authentication,
            Q.payload,
            Q.links,
            Q.attempts,
            Q.queued_at,
        )
        .join(SubscriptionRow, SubscriptionRow.id == Q.subscription_id)
        .where(
            Q.seq.in_(seqs),
            Q.lease_owner == bindparam("owner"),
            Q.lease_expires_at == bindparam("until"),
        )
        .order_by(Q.seq)
    )
    # PostgreSQL: concurrent workers skip the heads another one is leasing.
    locked = candidates.with_for_update(skip_locked=True, of=Q)
    return candidates, locked, lease, claimed


_CANDIDATES, _CANDIDATES_LOCKED, _LEASE, _CLAIMED = _claim_statements()


def claim_due(
    session: Session, owner: str, limit: int, settings: NotifySettings, now: datetime
) -> list[Claim]:
    """Lease up to ``limit`` due queue heads (one per subscription) to ``owner``."""
    at = stamp(now)
    postgresql = session.get_bind().dialect.name == "postgresql"
    candidates = _CANDIDATES_LOCKED if postgresql else _CANDIDATES
    seqs = list(session.scalars(candidates, {"at": at, "limit": limit}))
    if not seqs:
        return []
    lease = {
        "seqs": seqs,
        "owner": owner,
        "until": stamp(now + timedelta(seconds=settings.lease_seconds)),
    }
    session.execute(_LEASE, {**lease, "at": at})
    return [Claim(**row._asdict()) for row in session.execute(_CLAIMED, lease)]


# --------------------------------------------------------------------- send


def render(claim: Claim, settings: Any) -> dict[str, Any]:
    """The document as POSTed: the stored payload with absolute ``_links``."""
    doc = dict(claim.payload)
    doc["_links"] = {name: {"href": api_href(settings, path)} for name, path in claim.links.items()}
    return doc


def retry_delay(
    attempts: int,
    settings: NotifySettings,
    retry_after: float | None = None,
    rand: Callable[[], float] = random.random,
) -> float:
    """Seconds before attempt ``attempts + 1``: doubling from the base, half of it random."""
    ceiling = settings.notify_retry_max_delay
    full = min(ceiling, settings.notify_retry_base * 2 ** min(attempts - 1, 62))
    delay = full / 2 + rand() * full / 2
    if retry_after is not None:
        delay = max(delay, min(retry_after, ceiling))
    return delay


def record(
    session: Session,
    sent: list[tuple[Claim, Outcome]],
    owner: str,
    settings: NotifySettings,
    now: datetime,
) -> list[str]:
    """Write what attempts came to; returns DELIVERED, RETRY or GAVE_UP for each.

    Delivered rows go in one statement; a row whose lease this owner lost (it ran out
    and another worker took the row) is left to that worker.
    """
    delivered = [claim.seq for claim, outcome in sent if outcome.ok]
    if delivered:
        session.execute(
            delete(OutboxRow)
            .where(OutboxRow.seq.in_(delivered), OutboxRow.lease_owner == owner)
            .execution_options(synchronize_session=False)
        )
    return [
        DELIVERED if outcome.ok else _record_failure(session, claim, outcome, owner, settings, now)
        for claim, outcome in sent
    ]


def _record_failure(
    session: Session,
    claim: Claim,
    outcome: Outcome,
    owner: str,
    settings: NotifySettings,
    now: datetime,
) -> str:
    Q = OutboxRow  # a short alias keeps the statements readable
    mine = (Q.seq == claim.seq, Q.lease_owner == owner)
    attempts = claim.attempts + 1
    deadline = parse_stamp(claim.queued_at) + timedelta(seconds=settings.notify_max_age)
    reason = outcome.describe()
    if not outcome.retryable:
        verdict = f"{reason}, which is not retried"
    elif attempts >= settings.notify_max_attempts:
        verdict = f"{reason} at attempt {attempts} of {settings.notify_max_attempts}"
    elif now >= deadline:
        verdict = f"{reason}; retried for {settings.notify_max_age:g}s"
    else:
        verdict = ""
    if verdict:
        session.execute(
            update(Q)
            .where(*mine)
            .values(
                status=DEAD,
                attempts=attempts,
                last_error=verdict,
                dead_at=stamp(now),
                lease_owner=None,
                lease_expires_at=None,
            )
            .execution_options(synchronize_session=False)
        )
        log.warning(
            "dead letter: notification %s (%s) for subscription %s at %s: %s",
            claim.notification_id,
            claim.notification_type,
            claim.subscription_id,
            safe_uri(claim.callback_uri),
            verdict,
        )
        return GAVE_UP
    due = min(
        now + timedelta(seconds=retry_delay(attempts, settings, outcome.retry_after)), deadline
    )
    session.execute(
        update(Q)
        .where(*mine)
        .values(
            attempts=attempts,
            last_error=reason,
            next_attempt_at=stamp(due),
            lease_owner=None,
            lease_expires_at=None,
        )
        .execution_options(synchronize_session=False)
    )
    log.info(
        "notification %s for subscription %s at %s: %s (attempt %d); next attempt at %s",
        claim.notification_id,
        claim.subscription_id,
        safe_uri(claim.callback_uri),
        reason,
        attempts,
        stamp(due),
    )
    return RETRY


# --------------------------------------------------------------------- workers


class Pump:
    """Keeps up to ``notify_workers`` sends in flight, claiming new heads as slots free up.

    Worker threads only POST.  What their sends came to is written by the pump's own
    thread, together with the next claim, in one transaction: two commits per batch of
    notifications instead of two per notification (SQLite has one writer at a time).
    """

    def __init__(self, services: Services, owner: str | None = None) -> None:
        self.services = services
        self.settings = NotifySettings.of(services.settings)
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.tokens = shared_tokens(services.extras)
        self.stats = delivery_stats(services)
        self._pool = ThreadPoolExecutor(
            max_workers=max(self.settings.notify_workers, 1), thread_name_prefix="vnfm-notify"
        )
        self._in_flight: set[Future[tuple[Claim, Outcome]]] = set()
        self._finished: list[tuple[Claim, Outcome]] = []
        #: Notifications this pump delivered (and recorded) so far.
        self.delivered = 0

    def close(self) -> None:
        self._pool.shutdown(wait=True)

    def fill(self, claim: bool = True) -> int:
        """Record the sends that finished and claim due heads for the free slots, in
        one transaction, then start sending them; returns how many were claimed."""
        finished, self._finished = self._finished, []
        free = max(self.settings.notify_workers, 1) - len(self._in_flight) if claim else 0
        if not finished and free <= 0:
            return 0
        now = _now()
        with self.services.session() as session, session.begin():
            results = record(session, finished, self.owner, self.settings, now)
            claims = claim_due(session, self.owner, free, self.settings, now) if free > 0 else []
        for result in results:
            self.stats.count(result)
        self.delivered += results.count(DELIVERED)
        for leased in claims:
            self._in_flight.add(self._pool.submit(self._send, leased))
        return len(claims)

    def collect(self, timeout: float | None) -> int:
        """Wait up to ``timeout`` for sends to finish; returns how many finished.

        Their outcomes are written by the next :meth:`fill`.  A send that raised is
        not recorded: its lease runs out and a later pass sends it again.
        """
        if not self._in_flight:
            return 0
        done, _ = wait(self._in_flight, timeout=timeout, return_when=FIRST_COMPLETED)
        for future in done:
            self._in_flight.discard(future)
            try:
                self._finished.append(future.result())
            except Exception:
                log.exception("notification delivery failed unexpectedly")
        return len(done)

    @property
    def busy(self) -> bool:
        return bool(self._in_flight)

    def _send(self, claim: Claim) -> tuple[Claim, Outcome]:
        outcome = call(
            "POST",
            claim.callback_uri,
            credentials(claim.authentication),
            self.tokens,
            self.settings,
            json_body=render(claim, self.services.settings),
        )
        return claim, outcome

    def drain(self, max_claims: int = 100_000) -> int:
        """Send until nothing is due and nothing is in flight; returns deliveries."""
        start = self.delivered
        claimed = 0
        while True:
            claimed += self.fill(claim=claimed < max_claims)
            if not self.busy:
                return self.delivered - start
            self.collect(timeout=None)

    def finish(self) -> None:
        """Wait for the sends under way and record what they came to."""
        while self.busy:
            self.collect(timeout=None)
        self.fill(claim=False)


def deliver_due(services: Services) -> int:
    """One pass: send every notification due now (and those due after them in their
    queues) until nothing is due; returns how many were delivered.  For tests,
    benchmarks and the CLI; the server runs a :class:`Deliverer`."""
    pump = Pump(services)
    try:
        return pump.drain()
    finally:
        pump.close()


class Deliverer:
    """The delivery worker of a process: a plain background thread running a :class:`Pump`.

    A plain thread rather than an APScheduler job, because the loop must wake as soon
    as a send finishes (to send the next notification of that subscription), not on
    a fixed tick.  ``start()`` returns at once; ``stop()`` waits for sends under way.
    """

    def __init__(self, services: Services, *, interval: float | None = None) -> None:
        self.services = services
        settings = NotifySettings.of(services.settings)
        self.interval = settings.poll_interval if interval is None else interval
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> Deliverer:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="vnfm-deliverer", daemon=True)
            self._thread.start()
        return self

    def wake(self) -> None:
        """Look for due notifications now instead of at the next tick."""
        self._wake.set()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        pump = Pump(self.services)
        try:
            while not self._stop.is_set():
                try:
                    pump.fill()
                except Exception:
                    log.exception("claiming notifications failed; trying again")
                if pump.busy:
                    pump.collect(timeout=self.interval)
                else:
                    self._wake.wait(self.interval)
                    self._wake.clear()
            pump.finish()
        finally:
            pump.close()


# --------------------------------------------------------------------- dead letters


@dataclass(frozen=True)
class DeadLetter:
    seq: int
    notification_id: str
    notification_type: str
    subscription_id: str
    callback: str  # without user info or query
    attempts: int
    last_error: str | None
    created_at: str
    dead_at: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def dead_letters(
    session: Session, *, subscription_id: str | None = None, limit: int = 100
) -> list[DeadLetter]:
    """Dead letters, oldest first."""
    statement = (
        select(OutboxRow, SubscriptionRow.callback_uri)
        .join(SubscriptionRow, SubscriptionRow.id == OutboxRow.subscription_id)
        .where(OutboxRow.status == DEAD)
        .order_by(OutboxRow.seq)
        .limit(limit)
    )
    if subscription_id is not None:
        statement = statement.where(OutboxRow.subscription_id == subscription_id)
    return [
        DeadLetter(
            seq=row.seq,
            notification_id=row.notification_id,
            notification_type=row.notification_type,
            subscription_id=row.subscription_id,
            callback=safe_uri(uri),
            attempts=row.attempts,
            last_error=row.last_error,
            created_at=row.created_at,
            dead_at=row.dead_at,
        )
        for row, uri in session.execute(statement)
    ]


def dead_letter_count(session: Session) -> int:
    return (
        session.scalar(select(func.count()).select_from(OutboxRow).where(OutboxRow.status == DEAD))
        or 0
    )


def requeue_dead_letters(
    session: Session, *, seqs: Iterable[int] | None = None, subscription_id: str | None = None
) -> int:
    """Put dead letters back in their queues with a fresh retry budget; returns how many."""
    now = stamp(_now())
    statement = update(OutboxRow).where(OutboxRow.status == DEAD)
    if seqs is not None:
        statement = statement.where(OutboxRow.seq.in_(list(seqs)))
    if subscription_id is not None:
        statement = statement.where(OutboxRow.subscription_id == subscription_id)
    result = session.execute(
        statement.values(
            status=PENDING,
            attempts=0,
            next_attempt_at=now,
            queued_at=now,
            dead_at=None,
            lease_owner=None,
            lease_expires_at=None,
        ).execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def dead_letter_report(
    services: Services, *, subscription_id: str | None = None, limit: int = 100
) -> str:
    """Dead letters as lines of text, for the ``vnfm`` CLI."""
    with services.reader() as session:
        total = dead_letter_count(session)
        letters = dead_letters(session, subscription_id=subscription_id, limit=limit)
    if not letters:
        return "no dead letters"
    lines = [
        f"{total} dead letter(s); showing {len(letters)}",
        "seq\tnotification id\ttype\tsubscription\tcallback\tattempts\tdead since\tlast error",
    ]
    lines += [
        "\t".join(
            str(v)
            for v in (
                d.seq,
                d.notification_id,
                d.notification_type,
                d.subscription_id,
                d.callback,
                d.attempts,
                d.dead_at,
                d.last_error,
            )
        )
        for d in letters
    ]
    return "\n".join(lines)
