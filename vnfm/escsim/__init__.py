"""A simulator of Cisco ESC's northbound REST API, faithful enough for our ESC client.

See ``README.md`` next to this file, :mod:`vnfm.escsim.app` for the HTTP API and
:mod:`vnfm.escsim.faults` for fault injection.
"""

from vnfm.escsim.app import create_app
from vnfm.escsim.server import SimulatorServer, run
from vnfm.escsim.simulator import Simulator

__all__ = ["Simulator", "SimulatorServer", "create_app", "run"]
