"""One running vnfm process: the API server, the executor, and (when no ESC is named)
the embedded ESC simulator, wired together.  ``vnfm serve``, ``vnfm worker`` and the
end-to-end tests all start the product through :func:`start_node`.
"""

from __future__ import annotations

import logging
import socket
import threading
from dataclasses import dataclass, field, replace
from typing import Any

import uvicorn

from vnfm.api.esc_callbacks import CALLBACK_PATH
from vnfm.app import Services, build_services, create_app
from vnfm.config import Settings, public_base_url
from vnfm.engine.events import EventWaiter
from vnfm.engine.executor import Executor
from vnfm.notify.delivery import Deliverer
from vnfm.southbound.esc.client import EscAdapter

log = logging.getLogger(__name__)


def bind_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(1024)
    sock.set_inheritable(True)
    return sock


@dataclass
class Node:
    settings: Settings
    services: Services
    executor: Executor | None = None
    deliverer: Deliverer | None = None
    simulator: Any = None
    api_url: str = ""
    _server: uvicorn.Server | None = None
    _thread: threading.Thread | None = None
    _stoppers: list[Any] = field(default_factory=list)

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self.executor is not None:
            self.executor.stop(wait=True)
        if self.deliverer is not None:
            self.deliverer.stop()
        for stopper in reversed(self._stoppers):
            stopper()
        if self.simulator is not None:
            self.simulator.stop()
        self.services.engine.dispose()


def start_node(
    settings: Settings,
    *,
    serve_api: bool = True,
    run_executor: bool = True,
    background: bool = True,
) -> Node:
    """Start the parts of a vnfm process; with ``background`` False the API serves in
    the calling thread until it is stopped (Ctrl-C)."""
    sock = bind_socket(settings.host, settings.port) if serve_api else None
    if sock is not None:
        # Port 0 asks for any free port: from here on every part uses the real one.
        settings = replace(settings, port=sock.getsockname()[1])
    services = build_services(settings)
    node = Node(settings=settings, services=services)
    node.api_url = public_base_url(settings)

    esc_url = settings.esc_url
    if not esc_url:
        from vnfm.escsim.server import SimulatorServer

        node.simulator = SimulatorServer(
            host="127.0.0.1", port=0, boot_time_factor=settings.esc_boot_time_factor
        )
        node.simulator.start()
        esc_url = node.simulator.url
        log.info("embedded ESC simulator on %s", esc_url)

    callback = f"{node.api_url}{CALLBACK_PATH}"
    adapter = EscAdapter(
        esc_url,
        callback_url=callback,
        esc_events_url=callback,
        connect_timeout=settings.esc_connect_timeout,
        read_timeout=settings.esc_read_timeout,
        retries=settings.esc_retries,
        username=settings.esc_username or None,
        password=settings.esc_password or None,
    )
    services.extras["adapter"] = adapter
    node.deliverer = Deliverer(services).start()
    services.extras["deliverer"] = node.deliverer
    if run_executor:
        waiter = EventWaiter(services.readers, services.events, poll_interval=0.2)
        node.executor = Executor(services, adapter, waiter)
        services.extras["executor"] = node.executor
        node.executor.start()

    if sock is None:
        return node
    app = create_app(settings, services)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    node._server = server
    log.info("VNF LCM API on %s/vnflcm/v2", node.api_url)
    if background:
        node._thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="vnfm-api", daemon=True
        )
        node._thread.start()
        _wait_until_started(server)
    else:
        try:
            server.run(sockets=[sock])
        finally:
            node.stop()
    return node


def _wait_until_started(server: uvicorn.Server, timeout: float = 10.0) -> None:
    started = threading.Event()

    def poll() -> None:
        while not server.started and not server.should_exit:
            threading.Event().wait(0.01)
        started.set()

    threading.Thread(target=poll, daemon=True).start()
    if not started.wait(timeout):
        raise RuntimeError("the API server did not start")
