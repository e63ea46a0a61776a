"""A running vnfm node (API, executor, ESC simulator) with a Deliverer beside it: an NFVO
subscribes over HTTP and hears about a VNF's whole life on its callbackUri."""

from __future__ import annotations

import time
from dataclasses import replace

import requests

from tests.notify.conftest import with_settings
from vnfm.node import start_node
from vnfm.notify.delivery import Deliverer

CIRROS = "11111111-1111-4111-8111-111111111111"


def wait_for(condition, what: str, timeout: float = 20.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.05)


def test_a_vnf_life_as_its_subscriber_hears_it(services, receiver) -> None:
    settings = replace(
        services.settings,
        public_url="",
        port=0,
        esc_event_timeout=3.0,
        poll_interval=0.05,
        lease_seconds=5.0,
    )
    node = start_node(settings)
    # The node listens on a port chosen at start: links must name it.
    deliverer = Deliverer(with_settings(node.services, public_url=node.api_url)).start()
    http = requests.Session()
    base = f"{node.api_url}/vnflcm/v2"
    try:
        response = http.post(
            f"{base}/subscriptions",
            json={
                "callbackUri": receiver.url,
                "filter": {
                    "notificationTypes": [
                        "VnfIdentifierCreationNotification",
                        "VnfLcmOperationOccurrenceNotification",
                        "VnfIdentifierDeletionNotification",
                    ]
                },
            },
            timeout=10,
        )
        assert response.status_code == 201, response.text
        subscription_id = response.json()["id"]

        created = http.post(f"{base}/vnf_instances", json={"vnfdId": CIRROS}, timeout=10)
        assert created.status_code == 201, created.text
        instance_id = created.json()["id"]
        started = http.post(
            f"{base}/vnf_instances/{instance_id}/instantiate",
            json={"flavourId": "simple"},
            timeout=10,
        )
        assert started.status_code == 202, started.text
        op_url = started.headers["Location"]
        wait_for(
            lambda: http.get(op_url, timeout=10).json()["operationState"] == "COMPLETED",
            "the instantiation",
        )
        wait_for(lambda: len(receiver.accepted()) >= 4, "four notifications")
    finally:
        deliverer.stop()
        node.stop()

    bodies = receiver.accepted()
    assert [(b["notificationType"], b.get("operationState")) for b in bodies] == [
        ("VnfIdentifierCreationNotification", None),
        ("VnfLcmOperationOccurrenceNotification", "STARTING"),
        ("VnfLcmOperationOccurrenceNotification", "PROCESSING"),
        ("VnfLcmOperationOccurrenceNotification", "COMPLETED"),
    ]
    assert {b["subscriptionId"] for b in bodies} == {subscription_id}
    result = bodies[-1]
    assert result["notificationStatus"] == "RESULT"
    assert result["affectedVnfcs"] and result["vnfInstanceId"] == instance_id
    assert result["_links"]["vnfLcmOpOcc"]["href"] == op_url
    assert result["_links"]["vnfInstance"]["href"] == f"{base}/vnf_instances/{instance_id}"
