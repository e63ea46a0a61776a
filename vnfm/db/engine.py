"""Engine and session factory: the only place that knows which database we run on."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

#: Execution option marking an engine whose sessions only read.
READ_ONLY = "vnfm_read_only"


def make_engine(url: str) -> Engine:
    """An engine tuned for the dialect.

    SQLite: the file's directory is created, WAL lets readers run beside the one
    writer, and a busy timeout makes concurrent writers queue instead of failing.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
            # We issue BEGIN ourselves (below) instead of pysqlite's late, implicit one.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection) -> None:  # type: ignore[no-untyped-def]
            # A transaction that may write takes the write lock at once: in WAL mode a
            # deferred one that read first fails (not waits) when another wrote meanwhile.
            # Read-only sessions (see make_session_factory) start no transaction at all:
            # each of their queries is one SELECT, atomic on its own, and skipping BEGIN
            # and COMMIT is a good part of a single-record GET's cost.
            if not connection.get_execution_options().get(READ_ONLY):
                connection.connection.driver_connection.execute("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def read_only_engine(engine: Engine) -> Engine:
    """``engine`` (the same pool) for queries that never write: on SQLite, their
    connections start no transaction (see ``_sqlite_begin``)."""
    return engine.execution_options(**{READ_ONLY: True})


def make_session_factory(engine: Engine, *, read_only: bool = False) -> sessionmaker[Session]:
    """Sessions for work that writes, or (``read_only``) for queries that never do."""
    bind = read_only_engine(engine) if read_only else engine
    return sessionmaker(bind=bind, expire_on_commit=False)
