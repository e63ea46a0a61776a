"""Absolute URIs for ``href``s and ``Location`` headers (SOL013: links are absolute)."""

from __future__ import annotations

from vnfm.api.context import request_origin, services
from vnfm.api.protocol import V2


def api_root() -> str:
    """``{scheme}://{host}[:{port}]`` as the NFVO reaches us."""
    public = services().settings.public_url
    if public:
        return public.rstrip("/")
    return request_origin()


def v2(path: str) -> str:
    return f"{api_root()}{V2.prefix}/{path.lstrip('/')}"


def href(path: str) -> dict[str, str]:
    return {"href": v2(path)}
