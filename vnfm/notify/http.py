"""One HTTP call toward a subscriber, reduced to an :class:`Outcome`.

Used for notifications (POST) and for the check of a new callbackUri (GET), so both
authenticate, time out and describe failures the same way.  Descriptions are made
for logs and ProblemDetails: they name what happened, never a credential.
"""

from __future__ import annotations

import email.utils
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter

from vnfm.api.protocol import V2
from vnfm.notify.auth import OAUTH2, Credentials, TokenCache, TokenError, authorization
from vnfm.notify.config import NotifySettings

#: Statuses worth another attempt besides 5xx: the subscriber asks us to come back.
RETRYABLE_STATUSES = frozenset({408, 425, 429})


@dataclass(frozen=True)
class Outcome:
    status: int | None  # None: no HTTP answer at all
    error: str | None = None  # why there was no answer, or a failed status described
    retry_after: float | None = None  # seconds, from the answer's Retry-After

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def retryable(self) -> bool:
        """Connection errors, timeouts, 5xx and the statuses above may pass; others will not."""
        if self.status is None:
            return True
        return self.status >= 500 or self.status in RETRYABLE_STATUSES

    def describe(self) -> str:
        if self.status is None:
            return self.error or "no answer"
        return self.error or f"answered {self.status}"


def safe_uri(uri: str) -> str:
    """The URI without user info, query or fragment: what may appear in logs."""
    try:
        parts = urlsplit(uri)
        host = parts.hostname or ""
        if ":" in host:
            host = f"[{host}]"
        netloc = f"{host}:{parts.port}" if parts.port else host
        return urlunsplit((parts.scheme, netloc, parts.path, "", ""))
    except ValueError:
        return "(unparsable URI)"


def call(
    method: str,
    url: str,
    creds: Credentials,
    tokens: TokenCache,
    settings: NotifySettings,
    *,
    json_body: Any = None,
    timeout: float | tuple[float, float] | None = None,
) -> Outcome:
    """Send one request; with OAuth 2.0 a 401 gets one more try with a fresh token."""
    outcome = _once(method, url, creds, tokens, settings, json_body, timeout)
    if outcome.status == 401 and creds.kind == OAUTH2:
        tokens.forget(creds)
        outcome = _once(method, url, creds, tokens, settings, json_body, timeout)
    return outcome


def _once(
    method: str,
    url: str,
    creds: Credentials,
    tokens: TokenCache,
    settings: NotifySettings,
    json_body: Any,
    timeout: float | tuple[float, float] | None,
) -> Outcome:
    limit = timeout if timeout is not None else settings.timeout
    headers = {"Version": V2.version, "Accept": "application/json"}
    try:
        header = authorization(creds, tokens, settings)
    except TokenError as exc:
        return Outcome(status=None, error=str(exc))
    if header is not None:
        headers["Authorization"] = header
    try:
        response = _session().request(
            method,
            url,
            json=json_body,
            headers=headers,
            timeout=limit,
            verify=settings.verify,
            cert=settings.client_cert,
            allow_redirects=False,
        )
        response.close()  # the body is read: the connection goes back to the pool
    except requests.exceptions.Timeout:
        return Outcome(status=None, error=f"timed out (limit {_seconds(limit)})")
    except requests.exceptions.SSLError:
        return Outcome(status=None, error="TLS handshake failed")
    except requests.exceptions.ConnectionError as exc:
        reason = "connection refused" if _refused(exc) else "connection failed"
        return Outcome(status=None, error=reason)
    except requests.RequestException as exc:
        return Outcome(status=None, error=f"request failed ({type(exc).__name__})")
    return Outcome(
        status=response.status_code,
        retry_after=_retry_after(response.headers.get("Retry-After")),
    )


_local = threading.local()
#: Subscribers one thread keeps a connection open to (LRU beyond that).
KEPT_CONNECTIONS = 128


def _session() -> requests.Session:
    """This thread's HTTP session: connections to subscribers are kept open between
    notifications (a new TCP connection per notification costs more than the POST)."""
    http: requests.Session | None = getattr(_local, "session", None)
    if http is None:
        http = requests.Session()
        http.trust_env = False  # no proxies from the environment between us and a subscriber
        adapter = HTTPAdapter(pool_connections=KEPT_CONNECTIONS, pool_maxsize=1)
        http.mount("http://", adapter)
        http.mount("https://", adapter)
        _local.session = http
    return http


def _refused(exc: BaseException) -> bool:
    """Whether a ConnectionRefusedError is somewhere in the chain requests wraps it in."""
    todo: list[BaseException] = [exc]
    seen: set[int] = set()
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, ConnectionRefusedError):
            return True
        linked = (current.__cause__, current.__context__, getattr(current, "reason", None))
        todo.extend(x for x in (*linked, *current.args) if isinstance(x, BaseException))
    return False


def _seconds(limit: float | tuple[float, float]) -> str:
    if isinstance(limit, tuple):
        return f"{limit[0]:g}s to connect, {limit[1]:g}s to answer"
    return f"{limit:g}s"


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - time.time(), 0.0)
