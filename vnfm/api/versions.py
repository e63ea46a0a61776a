"""``/vnflcm/api_versions`` and ``/vnflcm/v2/api_versions`` (SOL013 clause 9.3)."""

from __future__ import annotations

from starlette.responses import Response

from vnfm.api import links
from vnfm.api.protocol import V2
from vnfm.api.responses import json_response


def get_api_versions() -> Response:
    # Both resources list the versions of the major version they sit under; the full
    # LCM interface is served in one major version today, so they are the same document.
    api = V2
    return json_response(
        {
            "uriPrefix": f"{links.api_root()}{api.prefix}",
            "apiVersions": [{"version": api.version, "isDeprecated": False}],
        }
    )
