"""Authentication toward a subscriber: HTTP Basic, or an OAuth 2.0 client-credentials token.

The subscription's ``authentication`` block says what the subscriber accepts.  When
it lists several types we use BASIC if it is there, else OAUTH2_CLIENT_CREDENTIALS;
TLS_CERT needs nothing per request (the client certificate is a setting).

Tokens are cached per (token endpoint, client id) until shortly before they expire,
and dropped when the subscriber answers 401, so the next attempt fetches a new one.
Nothing here logs or returns a credential; errors name the endpoint and the status.
"""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests

from vnfm.notify.config import NotifySettings

BASIC = "BASIC"
OAUTH2 = "OAUTH2_CLIENT_CREDENTIALS"
TLS_CERT = "TLS_CERT"
AUTH_TYPES = (BASIC, OAUTH2, TLS_CERT)

TOKENS_KEY = "vnfm.notify.tokens"
#: A token is renewed this many seconds before the expiry its endpoint announced.
EXPIRY_MARGIN = 10.0


class TokenError(Exception):
    """The token endpoint gave no token; the message holds no secret."""


@dataclass(frozen=True)
class Credentials:
    """What to present to one subscriber, chosen from its authentication block."""

    kind: str | None  # BASIC, OAUTH2 or None
    user: str = ""
    password: str = ""
    token_endpoint: str = ""

    def __repr__(self) -> str:  # keeps passwords out of tracebacks and debug logs
        return f"Credentials(kind={self.kind!r}, user={self.user!r})"


def credentials(authentication: Mapping[str, Any] | None) -> Credentials:
    """The credentials a (validated) authentication block asks us to use."""
    if not authentication:
        return Credentials(kind=None)
    types = authentication.get("authType") or []
    if BASIC in types:
        params = authentication.get("paramsBasic") or {}
        return Credentials(BASIC, params.get("userName", ""), params.get("password", ""))
    if OAUTH2 in types:
        params = authentication.get("paramsOauth2ClientCredentials") or {}
        return Credentials(
            OAUTH2,
            params.get("clientId", ""),
            params.get("clientPassword", ""),
            params.get("tokenEndpoint", ""),
        )
    return Credentials(kind=None)


def basic_header(user: str, password: str) -> str:
    raw = f"{user}:{password}".encode()
    return "Basic " + base64.b64encode(raw).decode("ascii")


class TokenCache:
    """OAuth 2.0 access tokens shared by the threads of one process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokens: dict[tuple[str, str], tuple[str, float]] = {}

    def token(self, creds: Credentials, settings: NotifySettings) -> str:
        key = (creds.token_endpoint, creds.user)
        with self._lock:
            cached = self._tokens.get(key)
        if cached is not None and time.monotonic() < cached[1]:
            return cached[0]
        token, lifetime = fetch_token(creds, settings)
        expires = (
            time.monotonic() + max(lifetime - EXPIRY_MARGIN, 0.0) if lifetime else float("inf")
        )
        with self._lock:
            self._tokens[key] = (token, expires)
        return token

    def forget(self, creds: Credentials) -> None:
        with self._lock:
            self._tokens.pop((creds.token_endpoint, creds.user), None)


def shared_tokens(extras: dict[str, Any]) -> TokenCache:
    """The process's token cache, kept in ``Services.extras`` so every user shares it."""
    return extras.setdefault(TOKENS_KEY, TokenCache())


def fetch_token(creds: Credentials, settings: NotifySettings) -> tuple[str, float | None]:
    """A client-credentials grant (RFC 6749 4.4): the token and its lifetime in seconds."""
    try:
        response = requests.post(
            creds.token_endpoint,
            data={"grant_type": "client_credentials"},
            headers={
                "Authorization": basic_header(creds.user, creds.password),
                "Accept": "application/json",
            },
            timeout=settings.timeout,
            verify=settings.verify,
            cert=settings.client_cert,
            allow_redirects=False,
        )
    except requests.RequestException as exc:
        raise TokenError(f"token endpoint unreachable ({type(exc).__name__})") from None
    if response.status_code != 200:
        raise TokenError(f"token endpoint answered {response.status_code}")
    try:
        doc = response.json()
        token = doc["access_token"]
    except (ValueError, KeyError, TypeError):
        raise TokenError("token endpoint answered without an access_token") from None
    if not isinstance(token, str) or not token:
        raise TokenError("token endpoint answered an empty access_token")
    lifetime = doc.get("expires_in")
    try:
        seconds = float(lifetime) if lifetime is not None else None
    except (TypeError, ValueError):
        seconds = None
    return token, seconds


def authorization(creds: Credentials, tokens: TokenCache, settings: NotifySettings) -> str | None:
    """The ``Authorization`` header value for one request, or None."""
    if creds.kind == BASIC:
        return basic_header(creds.user, creds.password)
    if creds.kind == OAUTH2:
        return "Bearer " + tokens.token(creds, settings)
    return None
