"""``vnfm serve`` and ``vnfm worker``: migrate, then run a node in the foreground."""

from __future__ import annotations

import logging
import signal
import threading

from vnfm.config import Settings
from vnfm.db.migrate import upgrade
from vnfm.node import start_node

log = logging.getLogger(__name__)


def serve(settings: Settings) -> None:
    """The API, the executor and (with no ESC named) the embedded ESC simulator."""
    upgrade(settings.effective_database_url)
    start_node(settings, background=False)


def work(settings: Settings) -> None:
    """Only the executor: runs operations beside the API processes sharing its database.

    ESC's callbacks go to an API process (``VNFM_PUBLIC_URL``); this process reads
    them from the database.
    """
    upgrade(settings.effective_database_url)
    node = start_node(settings, serve_api=False)
    stopping = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopping.set())
    log.info("worker %s running operations", node.executor.owner if node.executor else "?")
    stopping.wait()
    node.stop()
