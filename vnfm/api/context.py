"""What a request handler reaches without being passed it: the app's services and the
request it is serving.

:class:`RequestContextMiddleware`, outside all of Connexion's middleware but its
last-resort error handler, binds both to a ``ContextVar`` for the length of each
request.  A context variable rather than a
module global because one process may run several apps (the tests start several
nodes), and because it follows the request where Connexion takes it: Connexion runs
synchronous handlers in a thread pool with a copy of the caller's context
(``starlette.concurrency.run_in_threadpool``).
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from contextlib import closing, contextmanager
from contextvars import ContextVar
from functools import cached_property
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

if TYPE_CHECKING:
    from vnfm.app import Services


#: Ports a URL leaves out, as Werkzeug's ``host_url`` did before us.
_DEFAULT_PORTS = {"http": ":80", "https": ":443"}


class _Bound:
    def __init__(self, services: Services, scope: Scope) -> None:
        self.services = services
        self.scope = scope

    @cached_property
    def api_root(self) -> str:
        """Computed once per request: every ``href`` of a document starts with it."""
        public = self.services.settings.public_url
        if public:
            return public.rstrip("/")
        scope = self.scope
        scheme = scope.get("scheme", "http")
        host = next(
            (value.decode("latin-1") for name, value in scope["headers"] if name == b"host"),
            None,
        )
        if host is None:
            server_host, server_port = scope.get("server") or ("localhost", None)
            host = server_host if server_port is None else f"{server_host}:{server_port}"
        default_port = _DEFAULT_PORTS.get(scheme)
        if default_port and host.endswith(default_port):
            host = host[: -len(default_port)]
        return f"{scheme}://{host}"


_current: ContextVar[_Bound] = ContextVar("vnfm_request")


@contextmanager
def request_context(services: Services, scope: Scope) -> Iterator[None]:
    """Serve the request ``scope`` with ``services``: what the middleware does per request,
    and what code calling a handler directly (the profiler) does around the call."""
    token = _current.set(_Bound(services, scope))
    try:
        yield
    finally:
        _current.reset(token)


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, *, services: Services) -> None:
        self.app = app
        self.services = services

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with request_context(self.services, scope):
            await self.app(scope, receive, send)


T = TypeVar("T")


def carry(iterator: Generator[T, None, None]) -> Iterator[T]:
    """``iterator`` advanced in the current request's context, wherever it is advanced:
    a streamed body is produced after the handler returned, a piece at a time, in
    whichever worker thread Starlette hands each step to."""
    bound = _bound()  # now, in the handler: not when the first step runs

    def steps() -> Iterator[T]:
        with closing(iterator):
            while True:
                # Set and reset within one step: each step may run in another copy of
                # the context, and a token is only valid in the context that made it.
                token = _current.set(bound)
                try:
                    item = next(iterator)
                except StopIteration:
                    return
                finally:
                    _current.reset(token)
                yield item

    return steps()


def _bound() -> _Bound:
    try:
        return _current.get()
    except LookupError:
        raise RuntimeError("no request is being served in this context") from None


def services() -> Services:
    return _bound().services


def query_args() -> dict[str, str]:
    """The query parameters; of a repeated one, its first value (as Flask read them)."""
    args: dict[str, str] = {}
    query = _bound().scope.get("query_string", b"").decode("latin-1")
    for name, value in parse_qsl(query, keep_blank_values=True):
        args.setdefault(name, value)
    return args


def api_root() -> str:
    """``{scheme}://{host}[:{port}]`` as the NFVO reaches us: the public URL when one
    is set, else from the request's ``Host`` header (the server's address without
    one), default ports left out."""
    return _bound().api_root


def path_with_query() -> str:
    """The request's path and raw query string, for ``Link`` headers.  ``root_path`` is
    left out: uvicorn serves at the root, and Starlette's mounts rewrite it in place."""
    scope = _bound().scope
    return f"{scope['path']}?{scope.get('query_string', b'').decode('latin-1')}"
