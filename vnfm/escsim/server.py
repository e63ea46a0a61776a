"""Serving the simulator: in a background thread (tests, the embedded mode) or in the
foreground (``vnfm esc-sim``)."""

from __future__ import annotations

import logging
import threading
from types import TracebackType

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from vnfm.escsim.app import create_app
from vnfm.escsim.simulator import Simulator

log = logging.getLogger(__name__)


class _QuietHandler(WSGIRequestHandler):
    """No access log line per request: the embedded simulator would flood test output."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class SimulatorServer:
    """A simulator on a real socket; the port is bound at construction, so ``url`` is
    known before :meth:`start`.  ``port=0`` picks a free port."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        boot_time_factor: float = 0.0,
        *,
        credentials: tuple[str, str] | None = None,
        callback_timeout: float = 5.0,
        quiet: bool = True,
    ) -> None:
        self.app = create_app(boot_time_factor, credentials=credentials,
                              callback_timeout=callback_timeout)
        self.simulator: Simulator = self.app.extensions["escsim"]
        self._server: BaseWSGIServer = make_server(
            host, port, self.app, threaded=True,
            request_handler=_QuietHandler if quiet else None,
        )
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._server.server_port

    @property
    def url(self) -> str:
        host = self._server.server_address[0]
        return f"http://{host}:{self.port}"

    def start(self) -> SimulatorServer:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever, kwargs={"poll_interval": 0.01},
                name="escsim-server", daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        self.simulator.stop()
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(5.0)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def run(host: str = "127.0.0.1", port: int = 8080, boot_time_factor: float = 1.0) -> None:
    """Serve a simulator in the foreground until interrupted."""
    server = SimulatorServer(host, port, boot_time_factor, quiet=False)
    log.info("ESC simulator listening on %s/ESCManager/v0", server.url)
    print(f"ESC simulator on {server.url}/ESCManager/v0 (control API: {server.url}/sim)",
          flush=True)
    try:
        server._server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.simulator.stop()
        server._server.server_close()
