"""/subscriptions through the API (Connexion, our OpenAPI contract), checked against
ETSI's schemas, with a real receiver answering the callbackUri check."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.etsi import assert_valid
from tests.notify.conftest import empty_tables, fast_settings, make_services, with_settings
from tests.notify.receivers import closed_port_url

V2 = "/vnflcm/v2"
BASE = "https://vnfm.example:9443"
PASSWORD = "pw-never-shown-42"


@pytest.fixture(scope="module")
def api_services(notify_database_url: str, tmp_path_factory) -> Iterator:
    """One app per module and backend: building it is most of an API test's cost."""
    svc = make_services(fast_settings(notify_database_url, tmp_path_factory.mktemp("vnfds")))
    yield svc
    svc.engine.dispose()


@pytest.fixture(scope="module")
def api(api_services):
    from vnfm.app import create_app

    return create_app(api_services.settings, api_services)


@pytest.fixture
def client(api, api_services) -> Iterator:
    with api.test_client() as test_client:
        yield test_client
    empty_tables(api_services)


def post(client, **body):
    # A 303 is what is tested, not where it leads.
    return client.post(f"{V2}/subscriptions", json=body, follow_redirects=False)


def test_create_answers_201_with_location_and_no_credentials(client, receiver, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    response = post(
        client,
        callbackUri=receiver.url,
        filter={"notificationTypes": ["VnfLcmOperationOccurrenceNotification"]},
        authentication={
            "authType": ["BASIC"],
            "paramsBasic": {"userName": "nfvo", "password": PASSWORD},
        },
    )
    assert response.status_code == 201, response.text
    doc = response.json()
    location = f"{BASE}{V2}/subscriptions/{doc['id']}"
    assert response.headers["location"] == location
    assert response.headers["version"] == "2.0.0"
    assert doc["_links"] == {"self": {"href": location}}
    assert doc["verbosity"] == "FULL"
    assert "authentication" not in doc
    assert PASSWORD not in response.text and PASSWORD not in caplog.text
    assert_valid(doc, "Subscriptions.Post.201")
    got = client.get(f"{V2}/subscriptions/{doc['id']}")
    assert got.status_code == 200 and got.json() == doc
    assert_valid(got.json(), "IndividualSubscription.Get.200")


def test_an_identical_subscription_is_303_to_the_first(client, receiver) -> None:
    first = post(client, callbackUri=receiver.url, verbosity="SHORT")
    again = post(client, callbackUri=receiver.url, verbosity="SHORT")
    assert again.status_code == 303
    assert again.headers["location"] == first.headers["location"]
    assert again.content == b""


def test_duplicates_allowed_by_setting_are_201(api_services, receiver) -> None:
    from vnfm.app import create_app

    svc = with_settings(api_services, subscription_allow_duplicates=True)
    with create_app(svc.settings, svc).test_client() as client:
        first = post(client, callbackUri=receiver.url)
        again = post(client, callbackUri=receiver.url)
    empty_tables(api_services)
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json()["id"] != again.json()["id"]


def test_a_callback_that_does_not_answer_is_422(client) -> None:
    response = post(client, callbackUri=closed_port_url())
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert "connection refused" in response.json()["detail"]


def test_missing_oauth2_parameters_are_400(client, receiver) -> None:
    response = post(
        client,
        callbackUri=receiver.url,
        authentication={"authType": ["OAUTH2_CLIENT_CREDENTIALS"]},
    )
    assert response.status_code == 400
    assert "paramsOauth2ClientCredentials" in response.json()["detail"]
    assert receiver.gets() == []  # refused before any traffic


def test_list_filters_and_pages(client, receiver) -> None:
    created = [
        post(client, callbackUri=f"{receiver.url}/{i}", verbosity=v).json()
        for i, v in enumerate(["FULL", "SHORT", "SHORT", "SHORT", "FULL"])
    ]
    short_ids = [d["id"] for d in created if d["verbosity"] == "SHORT"]

    first = client.get(f"{V2}/subscriptions", params={"filter": "(eq,verbosity,SHORT)"})
    assert first.status_code == 200
    assert [d["id"] for d in first.json()] == short_ids[:2]  # page_size is 2
    assert_valid(first.json(), "Subscriptions.Get.200")
    link = first.headers["link"]
    assert link.endswith('>; rel="next"')
    next_url = link[1 : link.index(">")]
    assert next_url.startswith(f"{BASE}{V2}/subscriptions?")
    query = parse_qs(urlsplit(next_url).query)
    second = client.get(f"{V2}/subscriptions", params={k: v[0] for k, v in query.items()})
    assert [d["id"] for d in second.json()] == short_ids[2:]
    assert "link" not in second.headers

    by_filter = client.get(
        f"{V2}/subscriptions",
        params={"filter": "(cont,callbackUri,/4);(eq,verbosity,FULL)"},
    )
    assert [d["id"] for d in by_filter.json()] == [created[4]["id"]]


def test_list_filter_reaches_into_the_subscription_filter(client, receiver) -> None:
    wanted = post(
        client,
        callbackUri=f"{receiver.url}/a",
        filter={"operationStates": ["FAILED_TEMP", "COMPLETED"]},
    ).json()
    post(client, callbackUri=f"{receiver.url}/b", filter={"operationStates": ["STARTING"]})
    response = client.get(
        f"{V2}/subscriptions", params={"filter": "(eq,filter/operationStates,FAILED_TEMP)"}
    )
    assert response.status_code == 200
    assert [d["id"] for d in response.json()] == [wanted["id"]]


def test_bad_filter_and_marker_are_400(client) -> None:
    bad = client.get(f"{V2}/subscriptions", params={"filter": "(eq,password,x)"})
    assert bad.status_code == 400 and "password" in bad.json()["detail"]
    marker = client.get(f"{V2}/subscriptions", params={"nextpage_opaque_marker": "zzz"})
    assert marker.status_code == 400


def test_delete_then_gone(client, receiver) -> None:
    doc = post(client, callbackUri=receiver.url).json()
    assert client.delete(f"{V2}/subscriptions/{doc['id']}").status_code == 204
    gone = client.get(f"{V2}/subscriptions/{doc['id']}")
    assert gone.status_code == 404 and doc["id"] in gone.json()["detail"]
    assert client.delete(f"{V2}/subscriptions/{doc['id']}").status_code == 404
