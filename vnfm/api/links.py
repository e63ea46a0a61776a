"""Absolute URIs for ``href``s and ``Location`` headers (SOL013: links are absolute)."""

from __future__ import annotations

from vnfm.api.context import api_root
from vnfm.api.protocol import V2

__all__ = ["api_root", "href", "v2"]


def v2(path: str) -> str:
    return f"{api_root()}{V2.prefix}/{path.lstrip('/')}"


def href(path: str) -> dict[str, str]:
    return {"href": v2(path)}
