"""Databases of a benchmark run: a SQLite file in the run's directory, or a PostgreSQL
database created for the run and dropped after it.

PostgreSQL is reached through ``VNFM_BENCH_DATABASE_URL``, else
``VNFM_TEST_DATABASE_URL`` (what CI sets), else the local default below; the
database named in that URL is only used to create and drop our own.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from vnfm.db.migrate import upgrade

SQLITE = "sqlite"
POSTGRESQL = "postgresql"
BACKENDS = (SQLITE, POSTGRESQL)
DEFAULT_PG_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"


def postgres_admin_url() -> str:
    return (
        os.environ.get("VNFM_BENCH_DATABASE_URL")
        or os.environ.get("VNFM_TEST_DATABASE_URL")
        or DEFAULT_PG_URL
    )


def postgres_available() -> bool:
    try:
        engine = sa.create_engine(postgres_admin_url(), connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        engine.dispose()
        return True
    except Exception:
        return False


def _admin_execute(sql: str) -> None:
    engine = sa.create_engine(postgres_admin_url(), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(sql)
    finally:
        engine.dispose()


@contextmanager
def temp_database(backend: str, workdir: Path) -> Iterator[str]:
    """A migrated, empty database of ``backend``; removed afterwards."""
    name = f"vnfm_bench_{uuid.uuid4().hex[:12]}"
    if backend == SQLITE:
        path = workdir / f"{name}.sqlite"
        url = f"sqlite:///{path}"
        try:
            upgrade(url)
            yield url
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    if backend != POSTGRESQL:
        raise ValueError(f"unknown backend {backend!r}")
    _admin_execute(f'CREATE DATABASE "{name}"')
    try:
        url = (
            make_url(postgres_admin_url()).set(database=name).render_as_string(hide_password=False)
        )
        upgrade(url)
        yield url
    finally:
        _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def analyze(url: str) -> None:
    """Refresh the planner's statistics, as autovacuum would soon after a bulk load.

    PostgreSQL only: the product never runs ANALYZE on SQLite, so neither do we.
    """
    if make_url(url).get_backend_name() != POSTGRESQL:
        return
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
    finally:
        engine.dispose()
