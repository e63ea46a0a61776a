"""``vnfm serve``: migrations, the embedded ESC simulator when no ESC is named, the API."""

from __future__ import annotations

import logging

import uvicorn

from vnfm.app import build_services, create_app
from vnfm.config import Settings
from vnfm.db.migrate import upgrade

log = logging.getLogger(__name__)


def serve(settings: Settings) -> None:
    upgrade(settings.effective_database_url)
    services = build_services(settings)
    app = create_app(settings, services)
    log.info(
        "VNF LCM API on http://%s:%d/vnflcm/v2 (database %s)",
        settings.host,
        settings.port,
        services.engine.url.render_as_string(hide_password=True),
    )
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning")
