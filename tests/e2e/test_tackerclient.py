"""OpenStack's python-tackerclient, a real NFVO client, drives the VNFM over HTTP."""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO_ROOT
from tests.e2e.conftest import CIRROS
from vnfm.config import Settings
from vnfm.node import Node, start_node

NFVO_PYTHON = REPO_ROOT / ".venv-nfvo" / "bin" / "python"
SESSION = Path(__file__).with_name("tacker_session.py")
RECOVERY = Path(__file__).with_name("tacker_recovery.py")


class Receiver(ThreadingHTTPServer):
    """A subscriber: answers the VNFM's GET check with 204 and records notifications."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.arrived = threading.Condition()
        super().__init__(("127.0.0.1", 0), _Handler)


class _Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self.send_response(204)
        self.end_headers()

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with self.server.arrived:
            self.server.received.append(json.loads(body))
            self.server.arrived.notify_all()
        self.send_response(204)
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        pass


def run_nfvo(script: Path, *args: str) -> dict[str, Any]:
    """Run an NFVO session script with python-tackerclient; its steps, by name."""
    # `make test` builds .venv-nfvo; a missing one is a failure, not a skip.
    assert NFVO_PYTHON.exists(), "run `make test` (it creates .venv-nfvo with python-tackerclient)"
    done = subprocess.run(
        [str(NFVO_PYTHON), str(script), *args], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return {s["step"]: s["value"] for s in map(json.loads, done.stdout.splitlines())}


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_tackerclient_drives_a_whole_lifecycle(node: Node, receiver: Receiver):
    callback = f"http://127.0.0.1:{receiver.server_address[1]}/notify"
    steps = run_nfvo(SESSION, node.api_url, CIRROS, callback)
    assert steps["create"] == "NOT_INSTANTIATED"
    assert steps["instantiate"] == "COMPLETED"
    assert steps["show"] == "INSTANTIATED"
    assert len(steps["list"]) == 1
    assert steps["terminate"] == "COMPLETED"
    assert steps["delete"] == []
    assert steps["ops"] == ["INSTANTIATE", "TERMINATE"]

    with receiver.arrived:
        receiver.arrived.wait_for(
            lambda: any(
                n.get("notificationStatus") == "RESULT" and n["operationState"] == "COMPLETED"
                for n in receiver.received
            ),
            timeout=20,
        )
    states = [
        (n["operation"], n["operationState"])
        for n in receiver.received
        if n["notificationType"] == "VnfLcmOperationOccurrenceNotification"
    ]
    assert states[0] == ("INSTANTIATE", "STARTING")
    assert ("INSTANTIATE", "COMPLETED") in states
    assert all(op == "INSTANTIATE" for op, _ in states)  # the filter kept TERMINATE out


@pytest.fixture
def patient_node(node_settings: Settings) -> Iterator[Node]:
    # Long enough a wait for a missing ESC event that the client's cancel lands in it.
    running = start_node(replace(node_settings, esc_event_timeout=15.0))
    yield running
    running.stop()


def test_tackerclient_recovers_failed_operations(patient_node: Node):
    assert patient_node.simulator is not None
    steps = run_nfvo(RECOVERY, patient_node.api_url, CIRROS, patient_node.simulator.url)
    assert steps["instantiate with a fault"] == "FAILED_TEMP"
    assert steps["retry"] == "COMPLETED"
    assert steps["terminate with a fault"] == "FAILED_TEMP"
    assert steps["fail"] == "FAILED"
    assert steps["after fail"] == "INSTANTIATED"  # a failed terminate changed nothing
    assert steps["second instantiate with a fault"] == "FAILED_TEMP"
    assert steps["rollback"] == "ROLLED_BACK"
    assert steps["after rollback"] == "NOT_INSTANTIATED"
    assert steps["cancel"] == "FAILED_TEMP"
    assert steps["rollback after cancel"] == "ROLLED_BACK"
    assert steps["ops"] == sorted(
        [
            ["INSTANTIATE", "COMPLETED"],
            ["TERMINATE", "FAILED"],
            ["INSTANTIATE", "ROLLED_BACK"],
            ["INSTANTIATE", "ROLLED_BACK"],
        ]
    )
