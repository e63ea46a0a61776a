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
