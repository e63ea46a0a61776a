"""A vnfm process killed with SIGKILL in the middle of an instantiate: the next one
resumes the operation, and ESC ends up with exactly one deployment (issue 4)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.e2e.conftest import CIRROS
from tests.notify.receivers import Receiver

VNFM = [sys.executable, "-m", "vnfm.cli"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(url: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not come up")


class Processes:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.running: list[subprocess.Popen[bytes]] = []

    def start(self, args: list[str], env: dict[str, str], name: str) -> subprocess.Popen[bytes]:
        log = open(self.tmp / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(args, env={**os.environ, **env}, stdout=log, stderr=log)
        self.running.append(process)
        return process

    def stop_all(self) -> None:
        for process in self.running:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.running:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Processes]:
    procs = Processes(tmp_path)
    yield procs
    procs.stop_all()


def test_killed_process_operation_is_resumed_without_duplicate(
    processes: Processes, settings, tmp_path: Path
):
    sim_port, api_port = free_port(), free_port()
    sim_url = f"http://127.0.0.1:{sim_port}"
    processes.start(
        [*VNFM, "esc-sim", "--port", str(sim_port), "--boot-time-factor", "0.05"], {}, "sim"
    )
    wait_http(f"{sim_url}/sim/deployments")
    env = {
        "VNFM_DATABASE_URL": settings.database_url,
        "VNFM_PORT": str(api_port),
        "VNFM_ESC_URL": sim_url,
        "VNFM_LEASE_SECONDS": "2",
        "VNFM_POLL_INTERVAL": "0.1",
        "VNFM_ESC_EVENT_TIMEOUT": "4",
        "VNFM_VNFD_DIR": str(tmp_path / "vnfds"),
    }
    base = f"http://127.0.0.1:{api_port}/vnflcm/v2"
    first = processes.start([*VNFM, "serve"], env, "vnfm-1")
    wait_http(f"{base}/api_versions")

    created = requests.post(f"{base}/vnf_instances", json={"vnfdId": CIRROS}, timeout=5)
    instance_id = created.json()["id"]
    response = requests.post(
        f"{base}/vnf_instances/{instance_id}/instantiate", json={"flavourId": "simple"}, timeout=5
    )
    location = response.headers["Location"]
    deadline = time.monotonic() + 10
    while requests.get(location, timeout=5).json()["operationState"] != "PROCESSING":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    deployed = time.monotonic() + 10
    while not requests.get(f"{sim_url}/sim/deployments", timeout=5).json():
        assert time.monotonic() < deployed
        time.sleep(0.05)

    first.send_signal(signal.SIGKILL)  # mid-boot: the deploy request is out, no answer yet
    first.wait(timeout=10)

    processes.start([*VNFM, "serve"], env, "vnfm-2")
    wait_http(f"{base}/api_versions")
    deadline = time.monotonic() + 40
    while True:
        op = requests.get(location, timeout=5).json()
        if op["operationState"] in {"COMPLETED", "FAILED_TEMP", "FAILED"}:
            break
        assert time.monotonic() < deadline, op
        time.sleep(0.1)
    assert op["operationState"] == "COMPLETED", op
    deployments = requests.get(f"{sim_url}/sim/deployments", timeout=5).json()
    assert len(deployments) == 1
    calls = requests.get(f"{sim_url}/sim/calls", timeout=5).json()
    creates = [
        c
        for c in calls
        if c["method"] == "POST"
        and "/deployments/" in c["path"]
        and "/service/" not in c["path"]
        and "/vm/" not in c["path"]
    ]
    assert len(creates) == 1, creates
    instance = requests.get(f"{base}/vnf_instances/{instance_id}", timeout=5).json()
    assert instance["instantiationState"] == "INSTANTIATED"


def test_notifications_pending_in_a_killed_process_are_delivered_after_restart(
    processes: Processes, settings, tmp_path: Path
):
    """Issue 6: nothing queued for a subscriber is lost when the process dies."""
    api_port = free_port()
    env = {
        "VNFM_DATABASE_URL": settings.database_url,
        "VNFM_PORT": str(api_port),
        "VNFM_POLL_INTERVAL": "0.1",
        "VNFM_NOTIFY_RETRY_BASE": "0.2",
        "VNFM_NOTIFY_RETRY_MAX_DELAY": "0.5",
        "VNFM_NOTIFY_CONNECT_TIMEOUT": "1",
        "VNFM_NOTIFY_READ_TIMEOUT": "1",
        "VNFM_VNFD_DIR": str(tmp_path / "vnfds"),
    }
    base = f"http://127.0.0.1:{api_port}/vnflcm/v2"
    with Receiver() as receiver:
        receiver.answer(*[503] * 10_000)  # down until told otherwise
        first = processes.start([*VNFM, "serve"], env, "vnfm-1")
        wait_http(f"{base}/api_versions")
        subscribed = requests.post(
            f"{base}/subscriptions", json={"callbackUri": receiver.url}, timeout=5
        )
        assert subscribed.status_code == 201, subscribed.text
        created = requests.post(f"{base}/vnf_instances", json={"vnfdId": CIRROS}, timeout=5)
        instance_id = created.json()["id"]
        location = requests.post(
            f"{base}/vnf_instances/{instance_id}/instantiate",
            json={"flavourId": "simple"},
            timeout=5,
        ).headers["Location"]
        deadline = time.monotonic() + 20
        while requests.get(location, timeout=5).json()["operationState"] != "COMPLETED":
            assert time.monotonic() < deadline
            time.sleep(0.05)
        tried = time.monotonic() + 10
        while len(receiver.posts()) < 3:  # the queue is being retried
            assert time.monotonic() < tried
            time.sleep(0.05)

        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        assert receiver.accepted() == []
        with receiver.lock:
            receiver.script.clear()  # the subscriber is back

        processes.start([*VNFM, "serve"], env, "vnfm-2")
        # A claim the killed process held lasts its lease (about 30 s), then is taken over.
        deadline = time.monotonic() + 90
        while not _has_result(receiver.accepted()):
            assert time.monotonic() < deadline, receiver.accepted()
            time.sleep(0.1)

    accepted = receiver.accepted()
    ids = [n["id"] for n in accepted]
    assert len(ids) == len(set(ids))  # each once
    assert {h.body["id"] for h in receiver.posts()} == set(ids)  # every one tried arrived
    kinds = [(n["notificationType"], n.get("operationState")) for n in accepted]
    assert kinds[0] == ("VnfIdentifierCreationNotification", None)
    states = [state for kind, state in kinds if kind == "VnfLcmOperationOccurrenceNotification"]
    assert states[0] == "STARTING" and states[-1] == "COMPLETED"  # in order


def _has_result(accepted: list[dict]) -> bool:
    return any(n.get("operationState") == "COMPLETED" for n in accepted)
