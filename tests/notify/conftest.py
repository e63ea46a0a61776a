"""Fixtures of the notification tests: a database of their own per backend, services on
it with fast delivery settings, and real HTTP receivers on loopback ports.

The database is created here (``metadata.create_all`` of every model) rather than by
the shared migration, so these tests depend only on the models; on PostgreSQL it is a database
named for this run, dropped at the end.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from tests.notify.receivers import Receiver, TokenEndpoint
from vnfm.app import Services, build_services
from vnfm.config import Settings
from vnfm.db.schema import metadata

PG_URL = os.environ.get("VNFM_TEST_DATABASE_URL", "")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


@dataclass(frozen=True)
class NotifyTestSettings(Settings):
    """Settings plus the notification settings, with values that keep tests fast."""

    subscription_check_callback: bool = True
    subscription_check_timeout: float = 0.5
    subscription_allow_duplicates: bool = False
    notify_connect_timeout: float = 0.5
    notify_read_timeout: float = 0.4
    notify_max_attempts: int = 6
    notify_max_age: float = 60.0
    notify_retry_base: float = 0.01
    notify_retry_max_delay: float = 0.05
    notify_workers: int = 4
    notify_verify_tls: bool = True
    notify_ca_bundle: str = ""
    notify_client_cert: str = ""
    notify_client_key: str = ""


@pytest.fixture(scope="session", params=BACKENDS)
def notify_database_url(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('notify') / 'notify.sqlite'}"
        engine = sa.create_engine(url)
        metadata.create_all(engine)
        engine.dispose()
        yield url
        return
    name = f"vnfm_notify_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    try:
        engine = sa.create_engine(url)
        metadata.create_all(engine)
        engine.dispose()
        yield url
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def fast_settings(database_url: str, vnfd_dir: Path) -> NotifyTestSettings:
    return NotifyTestSettings(
        database_url=database_url,
        vnfd_dir=str(vnfd_dir),
        page_size=2,
        public_url="https://vnfm.example:9443",
    )


@pytest.fixture
def notify_settings(notify_database_url: str, tmp_path: Path) -> NotifyTestSettings:
    return fast_settings(notify_database_url, tmp_path / "vnfds")


def make_services(settings: Settings) -> Services:
    return build_services(settings)


def empty_tables(services: Services) -> None:
    with services.engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def services(notify_settings: NotifyTestSettings) -> Iterator[Services]:
    svc = make_services(notify_settings)
    yield svc
    empty_tables(svc)
    svc.engine.dispose()


def with_settings(services: Services, **changes) -> Services:
    """The same database and caches, other settings."""
    return replace(services, settings=replace(services.settings, **changes))


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as r:
        yield r


@pytest.fixture
def another_receiver() -> Iterator[Receiver]:
    with Receiver() as r:
        yield r


@pytest.fixture
def token_endpoint() -> Iterator[TokenEndpoint]:
    with TokenEndpoint(client_id="vnfm-client", client_secret="oauth-s3cret-xyz") as t:
        yield t
