"""The settings of subscriptions and notification delivery, read in one place.

They live in :class:`vnfm.config.Settings`; this is the typed view of them that the
notification code takes, so it can also be built directly in tests.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from vnfm.api.protocol import V2
from vnfm.config import Settings, public_base_url

_DEFAULT = {f.name: f.default for f in fields(Settings)}


@dataclass(frozen=True)
class NotifySettings:
    """The part of :class:`vnfm.config.Settings` notification code reads; the defaults
    (and the meaning of each, in the README table) come from there."""

    subscription_check_callback: bool = _DEFAULT["subscription_check_callback"]
    subscription_check_timeout: float = _DEFAULT["subscription_check_timeout"]
    subscription_allow_duplicates: bool = _DEFAULT["subscription_allow_duplicates"]
    notify_connect_timeout: float = _DEFAULT["notify_connect_timeout"]
    notify_read_timeout: float = _DEFAULT["notify_read_timeout"]
    notify_max_attempts: int = _DEFAULT["notify_max_attempts"]
    notify_max_age: float = _DEFAULT["notify_max_age"]
    notify_retry_base: float = _DEFAULT["notify_retry_base"]
    notify_retry_max_delay: float = _DEFAULT["notify_retry_max_delay"]
    notify_workers: int = _DEFAULT["notify_workers"]
    notify_verify_tls: bool = _DEFAULT["notify_verify_tls"]
    notify_ca_bundle: str = _DEFAULT["notify_ca_bundle"]
    notify_client_cert: str = _DEFAULT["notify_client_cert"]
    notify_client_key: str = _DEFAULT["notify_client_key"]
    poll_interval: float = _DEFAULT["poll_interval"]
    public_url: str = _DEFAULT["public_url"]
    host: str = _DEFAULT["host"]
    port: int = _DEFAULT["port"]

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


def api_href(settings: Any, path: str) -> str:
    """Absolute URL of ``path`` below our ``/vnflcm/v2`` API."""
    return f"{public_base_url(settings)}{V2.prefix}/{path.lstrip('/')}"
