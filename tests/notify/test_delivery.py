"""Delivery over real HTTP: order, retries, dead letters, authentication, several workers."""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter

from sqlalchemy import select, update

from tests.notify.conftest import make_services, with_settings
from tests.notify.helpers import (
    add_instance,
    begin_op,
    deliver_until_settled,
    move,
    pending_count,
    subscribe,
)
from tests.notify.receivers import HANG, closed_port_url
from vnfm.notify.delivery import (
    Deliverer,
    Pump,
    dead_letter_report,
    dead_letters,
    deliver_due,
    delivery_stats,
    requeue_dead_letters,
)
from vnfm.notify.models import OutboxRow

LIFECYCLE = ["STARTING", "PROCESSING", "FAILED_TEMP", "ROLLING_BACK", "ROLLED_BACK"]


def run_lifecycle(services, operations: int = 1) -> list[str]:
    """Operations that fail and are rolled back; returns the op occ ids in order."""
    ids = []
    with services.session() as session, session.begin():
        instance = add_instance(session)
        for _ in range(operations):
            op = begin_op(session, instance)
            move(session, op, "PROCESSING")
            move(session, op, "FAILED_TEMP", error={"status": 500, "detail": "boom"})
            move(session, op, "ROLLING_BACK")
            move(session, op, "ROLLED_BACK")
            ids.append(op.id)
    return ids


def states(bodies) -> list[str]:
    return [b["operationState"] for b in bodies]


def test_notifications_arrive_in_order_with_headers_and_absolute_links(services, receiver) -> None:
    sub = subscribe(services, {"callbackUri": receiver.url})
    (op_id,) = run_lifecycle(services)
    assert deliver_due(services) == 5
    hits = receiver.posts()
    assert states(h.body for h in hits) == LIFECYCLE
    assert [h.body["notificationStatus"] for h in hits] == [
        "START",
        "START",
        "RESULT",
        "START",
        "RESULT",
    ]
    for hit in hits:
        assert hit.path == "/callback"
        assert hit.headers["version"] == "2.0.0"
        assert hit.headers["content-type"] == "application/json"
        assert "authorization" not in hit.headers
        links = hit.body["_links"]
        base = "https://vnfm.example:9443/vnflcm/v2"
        assert links["subscription"] == {"href": f"{base}/subscriptions/{sub.id}"}
        assert links["vnfLcmOpOcc"] == {"href": f"{base}/vnf_lcm_op_occs/{op_id}"}
        assert links["vnfInstance"]["href"].startswith(f"{base}/vnf_instances/")
    assert pending_count(services) == 0


def test_links_fall_back_to_host_and_port_without_public_url(services, receiver) -> None:
    services = with_settings(services, public_url="", host="10.1.2.3", port=8443)
    sub = subscribe(services, {"callbackUri": receiver.url})
    run_lifecycle(services)
    deliver_due(services)
    link = receiver.posts()[0].body["_links"]["subscription"]["href"]
    assert link == f"http://10.1.2.3:8443/vnflcm/v2/subscriptions/{sub.id}"


def test_failures_are_retried_until_everything_arrived_once_and_in_order(
    services, receiver
) -> None:
    receiver.answer(500, 503, HANG, 502, 429, 204, 500, 504)
    receiver.hang_seconds = 1.0
    subscribe(services, {"callbackUri": receiver.url})
    run_lifecycle(services, operations=2)
    deliver_until_settled(services)
    accepted = receiver.accepted()
    assert states(accepted) == LIFECYCLE * 2
    counts = Counter(b["id"] for b in accepted)
    assert len(counts) == 10 and set(counts.values()) == {1}
    # Each retry sent the same notification again, with its id unchanged.
    first_id = receiver.posts()[0].body["id"]
    assert [h.body["id"] for h in receiver.posts()[:6]] == [first_id] * 6
    stats = delivery_stats(services).snapshot()
    assert stats["delivered"] == 10 and stats["failed_attempts"] == 7


def test_a_dead_subscriber_becomes_dead_letters_and_holds_up_nobody_else(
    services, receiver, caplog
) -> None:
    services = with_settings(services, notify_max_attempts=3)
    down = subscribe(services, {"callbackUri": closed_port_url()})
    up = subscribe(services, {"callbackUri": receiver.url})
    run_lifecycle(services)
    caplog.set_level(logging.INFO, logger="vnfm.notify")
    deliver_until_settled(services)
    assert states(receiver.accepted()) == LIFECYCLE
    with services.reader() as session:
        letters = dead_letters(session)
        assert dead_letters(session, subscription_id=up.id) == []
    assert [d.subscription_id for d in letters] == [down.id] * 5
    assert all(d.attempts == 3 for d in letters)
    assert all("connection refused" in (d.last_error or "") for d in letters)
    dead_logs = [r for r in caplog.records if r.getMessage().startswith("dead letter")]
    assert len(dead_logs) == 5
    assert delivery_stats(services).snapshot()["dead_letters"] == 5
    report = dead_letter_report(services)
    assert report.startswith("5 dead letter(s)") and down.id in report


def test_order_holds_within_a_subscription_while_another_one_retries(
    services, receiver, another_receiver
) -> None:
    receiver.answer(*([503] * 4))
    slow = subscribe(services, {"callbackUri": receiver.url})
    fast = subscribe(services, {"callbackUri": another_receiver.url})
    run_lifecycle(services)
    deliver_until_settled(services)
    assert states(receiver.accepted()) == LIFECYCLE
    assert states(another_receiver.accepted()) == LIFECYCLE
    assert {h.body["subscriptionId"] for h in receiver.posts()} == {slow.id}
    assert {h.body["subscriptionId"] for h in another_receiver.posts()} == {fast.id}


def test_statuses_that_will_not_pass_are_not_retried(services, receiver) -> None:
    receiver.answer(404)
    subscribe(services, {"callbackUri": receiver.url})
    run_lifecycle(services)
    deliver_until_settled(services)
    assert len(receiver.posts()) == 5  # the 404 was not tried again
    with services.reader() as session:
        (letter,) = dead_letters(session)
    assert letter.attempts == 1 and "404" in (letter.last_error or "")
    assert states(receiver.accepted()) == LIFECYCLE[1:]


def test_retry_after_is_honoured(services, receiver) -> None:
    services = with_settings(services, notify_retry_max_delay=600.0, notify_max_age=900.0)
    receiver.retry_after = "120"
    receiver.answer(429)
    subscribe(services, {"callbackUri": receiver.url})
    run_lifecycle(services)
    before = time.time()
    assert deliver_due(services) == 0
    with services.reader() as session:
        head = session.scalars(select(OutboxRow).order_by(OutboxRow.seq)).first()
    from vnfm.notify.delivery import parse_stamp

    assert head.attempts == 1
    assert parse_stamp(head.next_attempt_at).timestamp() >= before + 119


def test_dead_letters_can_be_requeued(services, receiver) -> None:
    services = with_settings(services, notify_max_attempts=1)
    receiver.answer(500, 500, 500, 500, 500)
    subscribe(services, {"callbackUri": receiver.url})
    run_lifecycle(services)
    deliver_until_settled(services)
    assert receiver.accepted() == []
    with services.session() as session, session.begin():
        assert requeue_dead_letters(session) == 5
    deliver_until_settled(services)
    assert states(receiver.accepted()) == LIFECYCLE


def test_basic_authentication(services, receiver, caplog) -> None:
    password = "basic-pa55-word"
    receiver.accept = lambda headers: (
        headers.get("authorization")
        == (
            "Basic dXNlcjE6YmFzaWMtcGE1NS13b3Jk"  # user1:basic-pa55-word
        )
    )
    subscribe(
        services,
        {
            "callbackUri": receiver.url,
            "authentication": {
                "authType": ["OAUTH2_CLIENT_CREDENTIALS", "BASIC"],
                "paramsBasic": {"userName": "user1", "password": password},
                "paramsOauth2ClientCredentials": {
                    "clientId": "c",
                    "clientPassword": "unused-secret",
                    "tokenEndpoint": closed_port_url(),
                },
            },
        },
    )
    caplog.set_level(logging.DEBUG)
    run_lifecycle(services)
    deliver_until_settled(services)
    assert states(receiver.accepted()) == LIFECYCLE
    assert password not in caplog.text and "unused-secret" not in caplog.text


def test_oauth2_tokens_are_cached_and_renewed_on_401(
    services, receiver, token_endpoint, caplog
) -> None:
    receiver.accept = token_endpoint.bearer_ok
    subscribe(
        services,
        {
            "callbackUri": receiver.url,
            "authentication": {
                "authType": ["OAUTH2_CLIENT_CREDENTIALS"],
                "paramsOauth2ClientCredentials": {
                    "clientId": token_endpoint.client_id,
                    "clientPassword": token_endpoint.client_secret,
                    "tokenEndpoint": token_endpoint.url,
                },
            },
        },
    )
    caplog.set_level(logging.DEBUG)
    run_lifecycle(services)
    deliver_until_settled(services)
    assert states(receiver.accepted()) == LIFECYCLE
    assert token_endpoint.issued == ["token-1"]  # one token served all five
    assert token_endpoint.requests[0]["form"] == {"grant_type": "client_credentials"}

    token_endpoint.revoke_all()  # the subscriber stops accepting the cached token
    run_lifecycle(services)
    deliver_until_settled(services)
    assert states(receiver.accepted()) == LIFECYCLE * 2
    assert token_endpoint.issued == ["token-1", "token-2"]
    rejected = [h for h in receiver.posts() if h.answer == 401]
    assert len(rejected) == 1
    assert token_endpoint.client_secret not in caplog.text


def test_an_unreachable_token_endpoint_is_retried_then_dead(services, receiver) -> None:
    services = with_settings(services, notify_max_attempts=2)
    subscribe(
        services,
        {
            "callbackUri": receiver.url,
            "authentication": {
                "authType": ["OAUTH2_CLIENT_CREDENTIALS"],
                "paramsOauth2ClientCredentials": {
                    "clientId": "c",
                    "clientPassword": "p",
                    "tokenEndpoint": closed_port_url(),
                },
            },
        },
    )
    run_lifecycle(services)
    deliver_until_settled(services)
    assert receiver.posts() == []
    with services.reader() as session:
        letters = dead_letters(session)
    assert len(letters) == 5
    assert all("token endpoint unreachable" in (d.last_error or "") for d in letters)


def test_two_processes_deliver_each_notification_once_and_in_order(
    services, receiver, another_receiver
) -> None:
    """Two workers with their own engines (as two vnfm processes) drain one outbox."""
    receiver.answer(503, 503)
    subscribe(services, {"callbackUri": receiver.url})
    subscribe(services, {"callbackUri": another_receiver.url})
    run_lifecycle(services, operations=4)
    other = make_services(services.settings)
    try:
        errors: list[BaseException] = []

        def drain(svc) -> None:
            try:
                deliver_until_settled(svc)
            except BaseException as exc:  # reported below, in the test's thread
                errors.append(exc)

        workers = [threading.Thread(target=drain, args=(s,)) for s in (services, other)]
        for w in workers:
            w.start()
        for w in workers:
            w.join(60)
        assert errors == []
    finally:
        other.engine.dispose()
    for r in (receiver, another_receiver):
        accepted = r.accepted()
        assert states(accepted) == LIFECYCLE * 4
        assert len({b["id"] for b in accepted}) == 20


def test_the_deliverer_runs_in_the_background(services, receiver) -> None:
    subscribe(services, {"callbackUri": receiver.url})
    deliverer = Deliverer(services, interval=0.02).start()
    try:
        run_lifecycle(services)
        deliverer.wake()
        for _ in range(500):
            if len(receiver.accepted()) == 5:
                break
            time.sleep(0.01)
    finally:
        deliverer.stop()
    assert states(receiver.accepted()) == LIFECYCLE
    assert pending_count(services) == 0


def test_an_expired_lease_is_claimed_again(services, receiver) -> None:
    """A worker that died after claiming does not lose the notification."""
    from datetime import UTC, datetime, timedelta

    from vnfm.notify.config import NotifySettings
    from vnfm.notify.delivery import claim_due, stamp

    subscribe(services, {"callbackUri": receiver.url})
    run_lifecycle(services)
    ns = NotifySettings.of(services.settings)
    now = datetime.now(UTC)
    with services.session() as session, session.begin():
        (claim,) = claim_due(session, "crashed-worker", 4, ns, now)
    with services.session() as session, session.begin():
        # While the lease lasts nobody else may take the row, nor the rows behind it.
        assert claim_due(session, "me", 4, ns, now) == []
        # Time passes: the crashed worker's lease runs out.
        session.execute(
            update(OutboxRow)
            .where(OutboxRow.seq == claim.seq)
            .values(lease_expires_at=stamp(now - timedelta(seconds=1)))
        )
    pump = Pump(services)  # now the lease has run out
    try:
        assert pump.drain() == 5
    finally:
        pump.close()
    first = receiver.accepted()[0]
    assert first["id"] == claim.notification_id
    assert states(receiver.accepted()) == LIFECYCLE
