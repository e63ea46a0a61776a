"""Cancel in each cancellable state (issue 4)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace

import pytest

from tests.e2e.conftest import Api
from vnfm.config import Settings
from vnfm.node import Node, start_node


@pytest.fixture
def slow_node(node_settings: Settings) -> Iterator[Node]:
    # The cirros VDU boots in 60 s; a factor of 0.1 makes every deploy take ~6 s, long
    # enough to cancel while it runs and short enough to keep the test bounded.
    running = start_node(replace(node_settings, esc_boot_time_factor=0.1, esc_event_timeout=30))
    yield running
    running.stop()


@pytest.fixture
def idle_node(node_settings: Settings) -> Iterator[Node]:
    running = start_node(node_settings, run_executor=False)
    yield running
    running.stop()


def wait_for_state(api: Api, location: str, state: str, timeout: float = 10) -> dict:
    return api.wait_op(location, {state}, timeout=timeout)


def test_cancel_while_starting_rolls_back_at_once(idle_node: Node):
    api = Api(idle_node)
    instance_id = api.create_instance()
    location = api.start(instance_id, "instantiate", {"flavourId": "simple"})
    op = api.get(location).json()
    assert op["operationState"] == "STARTING"
    assert set(op["_links"]) == {"self", "vnfInstance", "cancel"}
    response = api.post(op["_links"]["cancel"]["href"], {"cancelMode": "GRACEFUL"})
    assert response.status_code == 202
    op = api.get(location).json()
    assert op["operationState"] == "ROLLED_BACK"
    assert op["cancelMode"] == "GRACEFUL"
    # ended: a second cancel is refused and the instance is free again
    again = api.post(f"{location}/cancel", {"cancelMode": "GRACEFUL"})
    assert again.status_code == 409
    assert (
        api.post(f"vnf_instances/{instance_id}/instantiate", {"flavourId": "simple"}).status_code
        == 202
    )


def test_forceful_cancel_while_processing(slow_node: Node):
    api = Api(slow_node)
    instance_id = api.create_instance()
    location = api.start(instance_id, "instantiate", {"flavourId": "simple"})
    wait_for_state(api, location, "PROCESSING")
    started = time.monotonic()
    response = api.post(f"{location}/cancel", {"cancelMode": "FORCEFUL"})
    assert response.status_code == 202
    pending = api.get(location).json()
    # The executor may have acted on the cancel already (it is woken at once).
    assert pending["isCancelPending"] is True or pending["operationState"] == "FAILED_TEMP"
    op = wait_for_state(api, location, "FAILED_TEMP")
    assert time.monotonic() - started < 5.5  # before the 6 s boot would have ended
    assert op["isCancelPending"] is False
    assert op["cancelMode"] == "FORCEFUL"
    assert "cancel" in op["error"]["detail"]
    # and it can be rolled back from there, leaving nothing on ESC
    assert api.post(f"{location}/rollback").status_code == 202
    op = api.wait_op(location, {"ROLLED_BACK", "FAILED_TEMP"}, timeout=30)
    assert op["operationState"] == "ROLLED_BACK", op
    assert api.sim_deployments() == []


def test_graceful_cancel_while_processing_waits_for_the_step(slow_node: Node):
    api = Api(slow_node)
    instance_id = api.create_instance()
    location = api.start(instance_id, "instantiate", {"flavourId": "simple"})
    wait_for_state(api, location, "PROCESSING")
    assert api.post(f"{location}/cancel", {"cancelMode": "GRACEFUL"}).status_code == 202
    op = api.wait_op(location, {"FAILED_TEMP", "COMPLETED"}, timeout=30)
    # instantiate has one ESC step: a graceful cancel lets it finish (the deployment
    # exists), then stops before the instance is marked instantiated
    assert op["operationState"] == "FAILED_TEMP", op
    assert "GRACEFUL" in op["error"]["detail"]
    assert len(api.sim_deployments()) == 1
    instance = api.get(f"vnf_instances/{instance_id}").json()
    assert instance["instantiationState"] == "NOT_INSTANTIATED"


def test_cancel_while_rolling_back(slow_node: Node):
    api = Api(slow_node)
    instance_id = api.create_instance()
    api.fault(step="vm_alive", effect="fail", message="never alive")
    location = api.start(instance_id, "instantiate", {"flavourId": "simple"})
    op = api.wait_op(location, {"FAILED_TEMP"}, timeout=30)
    api.fault(step="undeploy", effect="latency", seconds=3)
    assert api.post(f"{location}/rollback").status_code == 202
    wait_for_state(api, location, "ROLLING_BACK")
    assert api.post(f"{location}/cancel", {"cancelMode": "FORCEFUL"}).status_code == 202
    op = api.wait_op(location, {"FAILED_TEMP", "ROLLED_BACK"}, timeout=30)
    assert op["operationState"] == "FAILED_TEMP", op
    assert "cancel" in op["error"]["detail"]


def test_cancel_of_a_finished_operation_is_409(api: Api):
    instance_id = api.create_instance()
    op = api.instantiate(instance_id)
    response = api.post(f"{op['_links']['self']['href']}/cancel", {"cancelMode": "FORCEFUL"})
    assert response.status_code == 409
    assert "COMPLETED" in response.json()["detail"]
