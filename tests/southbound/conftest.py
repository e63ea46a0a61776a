from __future__ import annotations

from collections.abc import Iterator

import pytest

from vnfm.escsim.recorder import CallbackRecorder
from vnfm.escsim.server import SimulatorServer
from vnfm.southbound.esc.client import EscAdapter


@pytest.fixture
def recorder() -> Iterator[CallbackRecorder]:
    with CallbackRecorder() as rec:
        yield rec


@pytest.fixture
def server() -> Iterator[SimulatorServer]:
    with SimulatorServer() as srv:
        yield srv


@pytest.fixture
def adapter(server: SimulatorServer, recorder: CallbackRecorder) -> Iterator[EscAdapter]:
    client = EscAdapter(
        server.url,
        callback_url=recorder.url("/callback"),
        esc_events_url=recorder.url("/events"),
        connect_timeout=2.0,
        read_timeout=5.0,
        retries=1,
        retry_backoff=0.0,
    )
    yield client
    client.close()
