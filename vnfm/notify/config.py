"""The settings of subscriptions and notification delivery, read in one place.

They belong in :class:`vnfm.config.Settings`; until they are there each is read
with ``getattr`` and the default below, so the defaults live here once.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from vnfm.api.protocol import V2


@dataclass(frozen=True)
class NotifySettings:
    #: Check a new subscription's callbackUri with a GET that must answer 204.
    subscription_check_callback: bool = True
    #: Seconds the callbackUri check may take.
    subscription_check_timeout: float = 5.0
    #: True: an identical subscription is created again (201); False: 303 to the existing one.
    subscription_allow_duplicates: bool = False
    #: Seconds to wait for a TCP (and TLS) connection to a subscriber.
    notify_connect_timeout: float = 3.0
    #: Seconds to wait for a subscriber's answer to a notification.
    notify_read_timeout: float = 10.0
    #: Attempts to deliver one notification before it becomes a dead letter.
    notify_max_attempts: int = 10
    #: Seconds after its creation a notification is still retried; then a dead letter.
    notify_max_age: float = 3600.0
    #: First retry delay in seconds; each further retry doubles it (with jitter).
    notify_retry_base: float = 1.0
    #: Longest delay between two attempts, in seconds.
    notify_retry_max_delay: float = 300.0
    #: Notifications one process sends at the same time (to distinct subscriptions).
    notify_workers: int = 8
    #: Verify subscribers' (and token endpoints') TLS certificates.
    notify_verify_tls: bool = True
    #: CA bundle file for that verification; empty means the system's.
    notify_ca_bundle: str = ""
    #: Client certificate (PEM) presented to subscribers that ask for TLS_CERT.
    notify_client_cert: str = ""
    #: Its private key (PEM), if not in the certificate file.
    notify_client_key: str = ""
    #: Seconds between passes of the delivery worker.
    poll_interval: float = 0.5
    #: Where subscribers reach our API, for ``_links``; see :func:`public_base_url`.
    public_url: str = ""
    host: str = "127.0.0.1"
    port: int = 8080

    @classmethod
    def of(cls, settings: Any) -> NotifySettings:
        values = {f.name: getattr(settings, f.name, f.default) for f in fields(cls)}
        return cls(**values)

    @property
    def timeout(self) -> tuple[float, float]:
        return (self.notify_connect_timeout, self.notify_read_timeout)

    @property
    def verify(self) -> bool | str:
        """The ``verify`` argument of requests."""
        if not self.notify_verify_tls:
            return False
        return self.notify_ca_bundle or True

    @property
    def client_cert(self) -> str | tuple[str, str] | None:
        if not self.notify_client_cert:
            return None
        if self.notify_client_key:
            return (self.notify_client_cert, self.notify_client_key)
        return self.notify_client_cert

    @property
    def lease_seconds(self) -> float:
        """How long a claim on a notification lasts: longer than any one attempt."""
        return 2 * (self.notify_connect_timeout + self.notify_read_timeout) + 30.0


def public_base_url(settings: Any) -> str:
    """``scheme://host:port`` of our API as subscribers reach it.

    Notifications are also produced where there is no request to take a host from
    (the executor, the delivery worker), so this is the one rule for them:
    ``public_url`` when set, else the address we listen on.
    """
    public = str(getattr(settings, "public_url", "") or "")
    if public:
        return public.rstrip("/")
    host = str(getattr(settings, "host", "127.0.0.1"))
    port = int(getattr(settings, "port", 8080))
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"


def api_href(settings: Any, path: str) -> str:
    """Absolute URL of ``path`` below our ``/vnflcm/v2`` API."""
    return f"{public_base_url(settings)}{V2.prefix}/{path.lstrip('/')}"
