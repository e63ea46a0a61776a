from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.escsim.helpers import Trace
from vnfm.escsim.recorder import CallbackRecorder
from vnfm.escsim.server import SimulatorServer
from vnfm.escsim.simulator import Simulator


@pytest.fixture
def sim() -> Iterator[Simulator]:
    simulator = Simulator(boot_time_factor=0.0)
    yield simulator
    simulator.stop()


@pytest.fixture
def trace(sim: Simulator) -> Trace:
    return Trace(sim)


@pytest.fixture
def recorder() -> Iterator[CallbackRecorder]:
    with CallbackRecorder() as rec:
        yield rec


@pytest.fixture
def server() -> Iterator[SimulatorServer]:
    with SimulatorServer() as srv:
        yield srv
