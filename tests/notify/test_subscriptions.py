"""Subscription use cases: validation, the callbackUri check, duplicates, deletion."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.notify.conftest import with_settings
from tests.notify.helpers import add_instance, begin_op, subscribe
from tests.notify.receivers import HANG, closed_port_url
from vnfm.api.problems import BadRequest, NotFound, Unprocessable
from vnfm.notify.models import OutboxRow, SubscriptionKeyRow, SubscriptionRow
from vnfm.notify.subscriptions import (
    create_subscription,
    delete_subscription,
    get_subscription,
    subscription_doc,
    validate_authentication,
)

BASIC_AUTH = {
    "authType": ["BASIC"],
    "paramsBasic": {"userName": "nfvo", "password": "very-secret-pw"},
}


def test_the_callback_is_checked_with_a_get_and_credentials(services, receiver) -> None:
    row, created = create_subscription(
        services, {"callbackUri": receiver.url, "authentication": BASIC_AUTH}
    )
    assert created
    (check,) = receiver.gets()
    assert check.headers["version"] == "2.0.0"
    assert check.headers["authorization"].startswith("Basic ")
    assert receiver.posts() == []
    doc = subscription_doc(row, "https://x/vnflcm/v2/subscriptions/" + row.id)
    assert doc == {
        "id": row.id,
        "callbackUri": receiver.url,
        "verbosity": "FULL",
        "_links": {"self": {"href": "https://x/vnflcm/v2/subscriptions/" + row.id}},
    }


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        ("status", "it answered 405 where 204 was expected"),
        ("refused", "connection refused"),
        ("timeout", "timed out"),
    ],
)
def test_a_failed_check_is_422_saying_why(services, receiver, setup: str, expected: str) -> None:
    uri = receiver.url
    if setup == "status":
        receiver.get_status = 405
    elif setup == "refused":
        uri = closed_port_url()
    else:
        receiver.get_status = HANG
        receiver.hang_seconds = 1.5
    with pytest.raises(Unprocessable) as caught:
        create_subscription(services, {"callbackUri": uri})
    assert expected in caught.value.detail
    with services.reader() as session:
        assert session.scalar(select(func.count()).select_from(SubscriptionRow)) == 0


def test_the_check_can_be_switched_off(services) -> None:
    services = with_settings(services, subscription_check_callback=False)
    row, created = create_subscription(services, {"callbackUri": closed_port_url()})
    assert created and row.id


def test_identical_subscriptions_are_found_not_repeated(services, receiver) -> None:
    request: dict[str, Any] = {
        "callbackUri": receiver.url,
        "filter": {
            "operationStates": ["COMPLETED", "FAILED"],
            "notificationTypes": [],
        },
    }
    first, created = create_subscription(services, request)
    assert created
    same = {
        "callbackUri": receiver.url,
        "verbosity": "FULL",
        "filter": {"operationStates": ["FAILED", "COMPLETED", "FAILED"]},
        "authentication": BASIC_AUTH,  # credentials do not make a subscription different
    }
    again, created = create_subscription(services, same)
    assert not created and again.id == first.id
    assert len(receiver.gets()) == 1  # a duplicate is not checked again

    for different in (
        {**request, "verbosity": "SHORT"},
        {**request, "filter": {"operationStates": ["COMPLETED"]}},
        {**request, "callbackUri": receiver.url + "/other"},
    ):
        row, created = create_subscription(services, different)
        assert created and row.id != first.id


def test_duplicates_may_be_allowed(services, receiver) -> None:
    services = with_settings(services, subscription_allow_duplicates=True)
    one, _ = create_subscription(services, {"callbackUri": receiver.url})
    two, created = create_subscription(services, {"callbackUri": receiver.url})
    assert created and one.id != two.id


@pytest.mark.parametrize(
    ("authentication", "message"),
    [
        ({"authType": []}, "authType: a non-empty array"),
        ({"authType": ["KERBEROS"]}, "'KERBEROS' is not one of"),
        ({"authType": ["BASIC"]}, "paramsBasic: required when authType includes BASIC"),
        (
            {"authType": ["BASIC"], "paramsBasic": {"userName": "u"}},
            "paramsBasic: password required",
        ),
        (
            {"authType": ["OAUTH2_CLIENT_CREDENTIALS"], "paramsBasic": BASIC_AUTH["paramsBasic"]},
            "paramsOauth2ClientCredentials: required",
        ),
        (
            {
                "authType": ["OAUTH2_CLIENT_CREDENTIALS"],
                "paramsOauth2ClientCredentials": {"clientId": "c", "clientPassword": "p"},
            },
            "tokenEndpoint required",
        ),
        (
            {
                "authType": ["OAUTH2_CLIENT_CREDENTIALS"],
                "paramsOauth2ClientCredentials": {
                    "clientId": "c",
                    "clientPassword": "p",
                    "tokenEndpoint": "ftp://tokens",
                },
            },
            "tokenEndpoint: must be an absolute http or https URI",
        ),
    ],
)
def test_authentication_is_validated(authentication: dict[str, Any], message: str) -> None:
    with pytest.raises(BadRequest) as caught:
        validate_authentication(authentication)
    assert message in caught.value.detail
    assert "very-secret-pw" not in caught.value.detail


def test_tls_cert_needs_no_parameters_and_several_types_may_be_asked() -> None:
    assert validate_authentication({"authType": ["TLS_CERT"]}) == {"authType": ["TLS_CERT"]}
    both = validate_authentication(
        {
            "authType": ["TLS_CERT", "BASIC"],
            "paramsBasic": {"userName": "u", "password": "p", "extra": "dropped"},
        }
    )
    assert both == {
        "authType": ["TLS_CERT", "BASIC"],
        "paramsBasic": {"userName": "u", "password": "p"},
    }


@pytest.mark.parametrize(
    "request_body",
    [
        {},
        {"callbackUri": "not a uri"},
        {"callbackUri": "ftp://127.0.0.1/x"},
        {"callbackUri": "http:///nohost"},
        {"callbackUri": "http://127.0.0.1/x", "verbosity": "LOUD"},
        {"callbackUri": "http://127.0.0.1/x", "filter": {"operationTypes": ["DANCE"]}},
    ],
)
def test_malformed_requests_are_400(services, request_body: dict[str, Any]) -> None:
    with pytest.raises(BadRequest):
        create_subscription(services, request_body)


def test_deleting_a_subscription_drops_its_keys_and_queue(services) -> None:
    keep = subscribe(services, {"callbackUri": "http://127.0.0.1:9/keep"})
    gone = subscribe(
        services,
        {"callbackUri": "http://127.0.0.1:9/gone", "filter": {"operationStates": ["STARTING"]}},
    )
    with services.session() as session, session.begin():
        begin_op(session, add_instance(session))
    with services.session() as session, session.begin():
        delete_subscription(session, gone.id)
    with services.reader() as session:
        with pytest.raises(NotFound):
            get_subscription(session, gone.id)
        assert get_subscription(session, keep.id).id == keep.id
        owners = set(session.scalars(select(OutboxRow.subscription_id)))
        key_owners = set(session.scalars(select(SubscriptionKeyRow.subscription_id)))
    assert owners == {keep.id} and key_owners == {keep.id}
    with services.session() as session, session.begin(), pytest.raises(NotFound):
        delete_subscription(session, gone.id)


def test_secrets_are_kept_for_delivery_but_never_shown_or_logged(
    services, receiver, caplog
) -> None:
    caplog.set_level(logging.DEBUG)
    oauth = {
        "authType": ["OAUTH2_CLIENT_CREDENTIALS", "BASIC"],
        "paramsBasic": {"userName": "nfvo", "password": "very-secret-pw"},
        "paramsOauth2ClientCredentials": {
            "clientId": "cid",
            "clientPassword": "oauth-secret-pw",
            "tokenEndpoint": "http://127.0.0.1:9/token",
        },
    }
    row, _ = create_subscription(services, {"callbackUri": receiver.url, "authentication": oauth})
    doc = subscription_doc(row, "https://x/s")
    text = repr(doc) + caplog.text
    assert "very-secret-pw" not in text and "oauth-secret-pw" not in text
    with services.reader() as session:
        stored = get_subscription(session, row.id).authentication
    assert stored["paramsBasic"]["password"] == "very-secret-pw"
