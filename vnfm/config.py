"""Settings, read from ``VNFM_*`` environment variables with CLI flags on top.

Every setting lives here once: its environment name, its default and what it is
for.  The README's configuration table is generated from :data:`SETTINGS`
(``vnfm config``), so the two cannot drift apart.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

DEFAULT_DATA_DIR = Path("var")


def _bool(text: str) -> bool:
    value = text.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"not a boolean: {text!r}")


@dataclass(frozen=True)
class Settings:
    """Runtime configuration of one vnfm process."""

    host: str = field(default="127.0.0.1", metadata={"doc": "Address the API listens on."})
    port: int = field(default=8080, metadata={"doc": "Port the API listens on."})
    database_url: str = field(
        default="",
        metadata={
            "doc": "SQLAlchemy URL of the database; empty means the SQLite file "
            "`var/vnfm.sqlite`. Several processes may share one PostgreSQL database."
        },
    )
    public_url: str = field(
        default="",
        metadata={
            "doc": "Scheme, host and port the NFVO reaches us at, used for every `href` "
            "and `Location`; empty means the request's own host."
        },
    )
    vnfd_dir: str = field(
        default="var/vnfds",
        metadata={
            "doc": "Directory of extra VNFD YAML files, loaded beside the bundled samples; "
            "`vnfm vnfd add` copies files into it."
        },
    )
    page_size: int = field(
        default=100, metadata={"doc": "Entries per page of a paged collection (SOL013 paging)."}
    )
    esc_url: str = field(
        default="",
        metadata={
            "doc": "Base URL of ESC (e.g. `http://esc:8080`); empty starts the embedded "
            "ESC simulator on a loopback port."
        },
    )
    esc_username: str = field(default="", metadata={"doc": "Basic-auth user toward ESC."})
    esc_password: str = field(
        default="", metadata={"doc": "Basic-auth password toward ESC (never logged)."}
    )
    esc_connect_timeout: float = field(
        default=3.0, metadata={"doc": "Seconds to wait for a TCP connection to ESC."}
    )
    esc_read_timeout: float = field(
        default=30.0, metadata={"doc": "Seconds to wait for ESC to answer a request."}
    )
    esc_retries: int = field(
        default=2, metadata={"doc": "Retries of an ESC request that failed to connect."}
    )
    esc_boot_time_factor: float = field(
        default=0.0,
        metadata={
            "doc": "Embedded simulator only: VM boot time = VDU `bootup_time` x this "
            "factor (0 boots at once, 1 is realistic)."
        },
    )
    esc_tenant: str = field(
        default="vnfm",
        metadata={"doc": "ESC tenant for VNFs whose vimConnectionInfo names no tenant/project."},
    )
    esc_default_network: str = field(
        default="esc-net",
        metadata={
            "doc": "VIM network for external CPs the InstantiateVnfRequest does not connect "
            "(extCpInfo is mandatory, so every external CP gets a NIC)."
        },
    )
    esc_event_timeout: float = field(
        default=900.0,
        metadata={
            "doc": "Seconds a step waits for ESC's callback before it reads the "
            "deployment's operational state instead."
        },
    )
    workers: int = field(
        default=4, metadata={"doc": "Operations one process runs at the same time."}
    )
    lease_seconds: float = field(
        default=30.0,
        metadata={
            "doc": "How long a process's claim on an operation lasts without a heartbeat; "
            "after that another process resumes the operation."
        },
    )
    poll_interval: float = field(
        default=0.5,
        metadata={"doc": "Seconds between looks for runnable operations and due work."},
    )
    monitor_migration_terminal_state_on_error: bool = field(
        default=False,
        metadata={
            "doc": "The `monitorMigration.terminalStateOnError` property of seed 003: a "
            "failed monitoring migration ends by itself (FAILED, or rolled back) instead "
            "of waiting in FAILED_TEMP."
        },
    )
    subscription_check_callback: bool = field(
        default=True,
        metadata={
            "doc": "Before creating a subscription, GET its callbackUri, which must answer 204."
        },
    )
    subscription_check_timeout: float = field(
        default=5.0, metadata={"doc": "Seconds that callbackUri check may take."}
    )
    subscription_allow_duplicates: bool = field(
        default=False,
        metadata={
            "doc": "An identical subscription is created again (201) instead of answered "
            "with 303 See Other to the existing one."
        },
    )
    notify_connect_timeout: float = field(
        default=3.0, metadata={"doc": "Seconds to connect to a subscriber."}
    )
    notify_read_timeout: float = field(
        default=10.0, metadata={"doc": "Seconds to wait for a subscriber's answer."}
    )
    notify_max_attempts: int = field(
        default=10,
        metadata={"doc": "Attempts to deliver a notification before it is a dead letter."},
    )
    notify_max_age: float = field(
        default=3600.0,
        metadata={"doc": "Seconds a notification keeps being retried before it is a dead letter."},
    )
    notify_retry_base: float = field(
        default=1.0,
        metadata={"doc": "First retry delay (seconds); doubles per retry, with jitter."},
    )
    notify_retry_max_delay: float = field(
        default=300.0, metadata={"doc": "Longest delay between two delivery attempts (seconds)."}
    )
    notify_workers: int = field(
        # Threads mostly wait on subscribers; enough of them that a few slow
        # subscribers, each holding one, leave the others most of the slots.
        default=32,
        metadata={"doc": "Notifications one process sends at once (to distinct subscriptions)."},
    )
    notify_verify_tls: bool = field(
        default=True, metadata={"doc": "Verify subscribers' and token endpoints' TLS certificates."}
    )
    notify_ca_bundle: str = field(
        default="", metadata={"doc": "CA bundle for that verification; empty: the system's."}
    )
    notify_client_cert: str = field(
        default="", metadata={"doc": "Client certificate (PEM) for subscribers asking TLS_CERT."}
    )
    notify_client_key: str = field(
        default="", metadata={"doc": "Its private key (PEM), if not in the certificate file."}
    )
    log_level: str = field(default="INFO", metadata={"doc": "Python logging level."})

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(DEFAULT_DATA_DIR / 'vnfm.sqlite').resolve()}"


def public_base_url(settings: Settings) -> str:
    """``scheme://host:port`` of our API as others (subscribers, ESC's callbacks) reach it.

    Links are also made where there is no request to take a host from (the executor,
    the delivery worker), so this is the one rule for them: ``public_url`` when set,
    else the address we listen on (loopback for a wildcard bind).
    """
    if settings.public_url:
        return settings.public_url.rstrip("/")
    host = settings.host
    if host in ("", "0.0.0.0", "::"):
        host = "127.0.0.1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{settings.port}"


ENV_PREFIX = "VNFM_"

_PARSERS: dict[type | str, Callable[[str], Any]] = {
    "int": int,
    "float": float,
    "bool": _bool,
    "str": str,
}


def env_name(setting: str) -> str:
    return ENV_PREFIX + setting.upper()


def load_settings(environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Settings from the environment, then ``overrides`` (CLI flags) where not None."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for f in fields(Settings):
        raw = environ.get(env_name(f.name))
        if raw is None:
            continue
        parse = _PARSERS[str(f.type)]
        try:
            values[f.name] = parse(raw)
        except ValueError as exc:
            raise ValueError(f"{env_name(f.name)}: {exc}") from exc
    settings = Settings(**values)
    given = {k: v for k, v in overrides.items() if v is not None}
    return replace(settings, **given) if given else settings


def settings_table() -> str:
    """The configuration table of the README, in Markdown."""
    rows = ["| Variable | Default | Meaning |", "| --- | --- | --- |"]
    for f in fields(Settings):
        default = f.default if f.default != "" else "(empty)"
        rows.append(f"| `{env_name(f.name)}` | `{default}` | {f.metadata['doc']} |")
    return "\n".join(rows)
