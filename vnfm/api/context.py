"""Access to the process's services from inside a request."""

from __future__ import annotations

from typing import TYPE_CHECKING

import flask

if TYPE_CHECKING:
    from vnfm.app import Services

EXTENSION_KEY = "vnfm"


def services() -> Services:
    return flask.current_app.extensions[EXTENSION_KEY]
