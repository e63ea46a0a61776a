"""Secrets in requests: kept for the southbound, removed from anything shown or logged."""

from __future__ import annotations

import copy
from typing import Any


def strip_secrets(request: dict[str, Any]) -> dict[str, Any]:
    """A copy of an LCM request without VIM credentials (``vimConnectionInfo.*.accessInfo``).

    The copy is what ``operationParams`` shows; the VNFM keeps the original in the
    operation's private context until the instance stores it.
    """
    shown = copy.deepcopy(request)
    vims = shown.get("vimConnectionInfo")
    if isinstance(vims, dict):
        for info in vims.values():
            if isinstance(info, dict):
                info.pop("accessInfo", None)
    return shown
