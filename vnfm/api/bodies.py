"""Request bodies of the routes outside the OpenAPI contract, read with a size limit
(Connexion reads and validates the bodies of the contract's operations)."""

from __future__ import annotations

from starlette.requests import Request


async def read_at_most(request: Request, limit: int) -> bytes | None:
    """The request body, or None once it is known to exceed ``limit`` bytes: from its
    ``Content-Length``, else while it arrives, so a larger body is never read whole."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)
