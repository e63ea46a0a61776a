"""End-to-end fixtures: a real vnfm node (uvicorn + executor + embedded ESC simulator)
on loopback, driven over real HTTP with ``requests``."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
import requests

from vnfm.config import Settings
from vnfm.node import Node, start_node

CIRROS = "11111111-1111-4111-8111-111111111111"
FINAL = {"COMPLETED", "FAILED", "ROLLED_BACK"}


class Api:
    """A thin client of the node's v2 API and of its simulator's fault API."""

    def __init__(self, node: Node) -> None:
        self.node = node
        self.base = f"{node.api_url}/vnflcm/v2"
        self.http = requests.Session()
        self.sim = node.simulator.url if node.simulator is not None else ""

    def url(self, path: str) -> str:
        return path if path.startswith("http") else f"{self.base}/{path.lstrip('/')}"

    def get(self, path: str, **kw: Any) -> requests.Response:
        return self.http.get(self.url(path), timeout=10, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> requests.Response:
        return self.http.post(self.url(path), json=body, timeout=10, **kw)

    def patch(self, path: str, body: Any) -> requests.Response:
        return self.http.patch(
            self.url(path),
            json=body,
            headers={"Content-Type": "application/merge-patch+json"},
            timeout=10,
        )

    def create_instance(self, vnfd_id: str = CIRROS, **extra: Any) -> str:
        response = self.post("vnf_instances", {"vnfdId": vnfd_id, **extra})
        assert response.status_code == 201, response.text
        return response.json()["id"]

    def start(self, instance_id: str, task: str, body: Any = None) -> str:
        response = self.post(f"vnf_instances/{instance_id}/{task}", body)
        assert response.status_code == 202, response.text
        return response.headers["Location"]

    def wait_op(self, location: str, states: set[str] | None = None, timeout: float = 20) -> dict:
        states = states or (FINAL | {"FAILED_TEMP"})
        deadline = time.monotonic() + timeout
        while True:
            doc = self.get(location).json()
            if doc["operationState"] in states:
                return doc
            if time.monotonic() > deadline:
                raise AssertionError(f"operation stuck in {doc['operationState']}: {doc}")
            time.sleep(0.05)

    def instantiate(self, instance_id: str, body: dict | None = None) -> dict:
        location = self.start(instance_id, "instantiate", body or {"flavourId": "simple"})
        return self.wait_op(location)

    # --- the simulator's fault injection and inspection -------------------------------

    def fault(self, **spec: Any) -> None:
        response = self.http.post(f"{self.sim}/sim/faults", json=spec, timeout=5)
        assert response.status_code in (200, 201), response.text

    def clear_faults(self) -> None:
        self.http.delete(f"{self.sim}/sim/faults", timeout=5)

    def sim_deployments(self) -> list[dict]:
        return self.http.get(f"{self.sim}/sim/deployments", timeout=5).json()

    def sim_calls(self) -> list[dict]:
        return self.http.get(f"{self.sim}/sim/calls", timeout=5).json()


@pytest.fixture
def node_settings(settings: Settings) -> Settings:
    return replace(
        settings,
        host="127.0.0.1",
        port=0,
        esc_event_timeout=3.0,
        poll_interval=0.05,
        lease_seconds=5.0,
    )


@pytest.fixture
def node(node_settings: Settings) -> Iterator[Node]:
    running = start_node(node_settings)
    yield running
    running.stop()


@pytest.fixture
def api(node: Node) -> Api:
    return Api(node)
