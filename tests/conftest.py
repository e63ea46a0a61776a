"""Shared fixtures: a migrated database per backend, an app on it, a client.

Every database test runs on SQLite, and on PostgreSQL too when
``VNFM_TEST_DATABASE_URL`` names a server: the tests create a database of their
own there and drop it at the end, so concurrent runs never collide.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from vnfm.config import Settings
from vnfm.db.migrate import upgrade
from vnfm.db.schema import metadata

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = REPO_ROOT.parent / "shared"
PG_URL = os.environ.get("VNFM_TEST_DATABASE_URL", "")

BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


def _create_pg_database() -> tuple[str, str]:
    name = f"vnfm_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return name, make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


def _drop_pg_database(name: str) -> None:
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """A migrated, empty database of each backend, for the whole session."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'vnfm.sqlite'}"
        upgrade(url)
        yield url
        return
    name, url = _create_pg_database()
    try:
        upgrade(url)
        yield url
    finally:
        _drop_pg_database(name)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Iterator[Settings]:
    yield Settings(
        database_url=database_url,
        vnfd_dir=str(tmp_path / "vnfds"),
        page_size=5,
    )
    _empty_tables(database_url)


def _empty_tables(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())
    engine.dispose()


@pytest.fixture
def app(settings: Settings):
    from vnfm.app import build_services, create_app

    services = build_services(settings)
    application = create_app(settings, services)
    yield application
    services.engine.dispose()


@pytest.fixture
def client(app):
    with app.test_client() as test_client:
        yield test_client
