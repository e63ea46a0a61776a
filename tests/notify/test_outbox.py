"""The outbox: what is queued for whom, in the transaction of the change."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from tests.notify.helpers import add_instance, begin_op, move, subscribe
from vnfm.db.models import VnfLcmOpOccRow
from vnfm.notify.models import OutboxRow

RESOURCE_CHANGES = {
    "affectedVnfcs": [{"id": "vnfc-1", "vduId": "vdu1", "changeType": "ADDED"}],
    "affectedVirtualLinks": [],
    "affectedVirtualStorages": [{"id": "st-1", "changeType": "ADDED"}],
}
ERROR = {"status": 500, "detail": "ESC reported a deployment failure"}


def queued(services, subscription_id: str | None = None) -> list[OutboxRow]:
    with services.reader() as session:
        statement = select(OutboxRow).order_by(OutboxRow.seq)
        if subscription_id:
            statement = statement.where(OutboxRow.subscription_id == subscription_id)
        return list(session.scalars(statement))


def run_failing_then_retried_operation(services) -> None:
    """STARTING, PROCESSING, FAILED_TEMP, PROCESSING (retry), COMPLETED."""
    with services.session() as session, session.begin():
        instance = add_instance(session)
        op = begin_op(session, instance)
        move(session, op, "PROCESSING")
        move(session, op, "FAILED_TEMP", error=ERROR)
        move(session, op, "PROCESSING")
        move(session, op, "COMPLETED", resource_changes=RESOURCE_CHANGES)


def test_each_state_change_queues_one_notification_with_its_status(services) -> None:
    sub = subscribe(services, {"callbackUri": "http://127.0.0.1:9/full"})
    run_failing_then_retried_operation(services)
    payloads = [row.payload for row in queued(services, sub.id)]
    assert [(p["operationState"], p["notificationStatus"]) for p in payloads] == [
        ("STARTING", "START"),
        ("PROCESSING", "START"),
        ("FAILED_TEMP", "RESULT"),
        ("PROCESSING", "START"),
        ("COMPLETED", "RESULT"),
    ]
    mandatory = {
        "id",
        "notificationType",
        "subscriptionId",
        "timeStamp",
        "notificationStatus",
        "operationState",
        "vnfInstanceId",
        "operation",
        "isAutomaticInvocation",
        "vnfLcmOpOccId",
    }
    for p in payloads:
        assert mandatory <= set(p)
        assert p["notificationType"] == "VnfLcmOperationOccurrenceNotification"
        assert p["subscriptionId"] == sub.id
        assert p["isAutomaticInvocation"] is False
        assert p["verbosity"] == "FULL"
        assert ("error" in p) == (p["operationState"] == "FAILED_TEMP")
    assert payloads[2]["error"] == ERROR
    assert len({p["id"] for p in payloads}) == 5


def test_full_carries_the_changes_and_short_does_not(services) -> None:
    full = subscribe(services, {"callbackUri": "http://127.0.0.1:9/full", "verbosity": "FULL"})
    short = subscribe(services, {"callbackUri": "http://127.0.0.1:9/short", "verbosity": "SHORT"})
    run_failing_then_retried_operation(services)
    full_result = queued(services, full.id)[-1].payload
    short_result = queued(services, short.id)[-1].payload
    assert full_result["affectedVnfcs"] == RESOURCE_CHANGES["affectedVnfcs"]
    assert full_result["affectedVirtualStorages"] == RESOURCE_CHANGES["affectedVirtualStorages"]
    assert "affectedVirtualLinks" not in full_result  # empty: nothing was changed
    assert short_result["verbosity"] == "SHORT"
    for name in ("affectedVnfcs", "affectedVirtualStorages", "changedInfo"):
        assert name not in short_result
    # Apart from the subscriber and the details, both got the same notification.
    assert full_result["id"] == short_result["id"]
    assert full_result["timeStamp"] == short_result["timeStamp"]
    start = queued(services, full.id)[0].payload
    assert "affectedVnfcs" not in start  # START notifications carry no results


def test_changed_info_on_a_full_modify_result(services) -> None:
    sub = subscribe(services, {"callbackUri": "http://127.0.0.1:9/full"})
    changed = {"vnfInstanceName": "renamed"}
    with services.session() as session, session.begin():
        instance = add_instance(session)
        op = begin_op(session, instance, "MODIFY_INFO")
        move(session, op, "PROCESSING")
        move(session, op, "COMPLETED", changed_info=changed)
    assert queued(services, sub.id)[-1].payload["changedInfo"] == changed


def test_links_are_paths_completed_with_the_subscription(services) -> None:
    sub = subscribe(services, {"callbackUri": "http://127.0.0.1:9/full"})
    with services.session() as session, session.begin():
        instance = add_instance(session)
        op = begin_op(session, instance)
        instance_id, op_id = instance.id, op.id
    (row,) = queued(services, sub.id)
    assert row.links == {
        "vnfInstance": f"vnf_instances/{instance_id}",
        "vnfLcmOpOcc": f"vnf_lcm_op_occs/{op_id}",
        "subscription": f"subscriptions/{sub.id}",
    }


def test_identifier_notifications(services) -> None:
    from vnfm.notify import outbox

    sub = subscribe(services, {"callbackUri": "http://127.0.0.1:9/ids"})
    with services.session() as session, session.begin():
        instance = add_instance(session)
        outbox.identifier_created(session, instance)
        outbox.identifier_deleted(session, instance)
        session.delete(instance)
        instance_id = instance.id
    rows = queued(services, sub.id)
    assert [r.notification_type for r in rows] == [
        "VnfIdentifierCreationNotification",
        "VnfIdentifierDeletionNotification",
    ]
    for row in rows:
        assert set(row.payload) == {
            "id",
            "notificationType",
            "subscriptionId",
            "timeStamp",
            "vnfInstanceId",
        }
        assert row.payload["vnfInstanceId"] == instance_id
        assert row.links == {
            "vnfInstance": f"vnf_instances/{instance_id}",
            "subscription": f"subscriptions/{sub.id}",
        }


def test_the_notification_id_is_shared_by_all_subscribers(services) -> None:
    subs = [subscribe(services, {"callbackUri": f"http://127.0.0.1:9/{i}"}) for i in range(3)]
    with services.session() as session, session.begin():
        begin_op(session, add_instance(session))
    rows = queued(services)
    assert sorted(r.subscription_id for r in rows) == sorted(s.id for s in subs)
    assert len({r.notification_id for r in rows}) == 1
    assert {r.payload["id"] for r in rows} == {rows[0].notification_id}


def test_filters_decide_who_gets_what(services) -> None:
    only_results = subscribe(
        services,
        {
            "callbackUri": "http://127.0.0.1:9/results",
            "filter": {"operationStates": ["COMPLETED", "FAILED_TEMP"]},
        },
    )
    only_creation = subscribe(
        services,
        {
            "callbackUri": "http://127.0.0.1:9/creation",
            "filter": {"notificationTypes": ["VnfIdentifierCreationNotification"]},
        },
    )
    other_vnfd = subscribe(
        services,
        {
            "callbackUri": "http://127.0.0.1:9/other",
            "filter": {"vnfInstanceSubscriptionFilter": {"vnfdIds": ["vnfd-other"]}},
        },
    )
    by_name = subscribe(
        services,
        {
            "callbackUri": "http://127.0.0.1:9/name",
            "filter": {
                "operationTypes": ["INSTANTIATE"],
                "vnfInstanceSubscriptionFilter": {"vnfInstanceNames": ["vnf-a"]},
            },
        },
    )
    run_failing_then_retried_operation(services)
    states = {
        sub.id: [r.payload.get("operationState") for r in queued(services, sub.id)]
        for sub in (only_results, only_creation, other_vnfd, by_name)
    }
    assert states[only_results.id] == ["FAILED_TEMP", "COMPLETED"]
    assert states[only_creation.id] == []
    assert states[other_vnfd.id] == []
    assert len(states[by_name.id]) == 5


def test_a_rolled_back_transaction_queues_nothing(services) -> None:
    subscribe(services, {"callbackUri": "http://127.0.0.1:9/x"})
    with pytest.raises(RuntimeError), services.session() as session, session.begin():
        begin_op(session, add_instance(session))
        raise RuntimeError("the state change failed")
    assert queued(services) == []


def test_without_subscriptions_nothing_is_queued(services) -> None:
    run_failing_then_retried_operation(services)
    assert queued(services) == []


def test_monitoring_migration_is_announced_as_the_infrastructure_extension(services) -> None:
    everything = subscribe(services, {"callbackUri": "http://127.0.0.1:9/all"})
    only_lcm = subscribe(
        services,
        {
            "callbackUri": "http://127.0.0.1:9/lcm",
            "filter": {"notificationTypes": ["VnfLcmOperationOccurrenceNotification"]},
        },
    )
    with services.session() as session, session.begin():
        begin_op(session, add_instance(session), "MONITORING_MIGRATION")
    (row,) = queued(services, everything.id)
    payload: dict[str, Any] = row.payload
    assert payload["notificationType"] == "InfrastructureOperationOccurrenceNotification"
    assert payload["operation"] == "MONITORING_MIGRATION"
    assert payload["notificationStatus"] == "START"
    assert queued(services, only_lcm.id) == []


def test_changes_without_subscribers_queue_nothing_until_one_subscribes(services) -> None:
    """No subscription: nothing is matched or queued; the first subscription is
    matched by the very next change, in an operation that was already running."""
    with services.session() as session, session.begin():
        instance = add_instance(session)
        op = begin_op(session, instance)
        move(session, op, "PROCESSING")
        op_id = op.id
    assert queued(services) == []
    sub = subscribe(services, {"callbackUri": "http://127.0.0.1:9/late"})
    with services.session() as session, session.begin():
        op = session.get(VnfLcmOpOccRow, op_id)
        move(session, op, "COMPLETED")
    assert [row.payload["operationState"] for row in queued(services, sub.id)] == ["COMPLETED"]
