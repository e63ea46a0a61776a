"""A small table of documents with scalar and JSON columns, on SQLite and PostgreSQL.

PostgreSQL is used when ``VNFM_TEST_DATABASE_URL`` is set; the table then lives in a
schema named for this run, dropped at the end, so concurrent runs never collide.
"""

from __future__ import annotations

import os
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.pool import StaticPool

from vnfm.sol013.sql import FieldMap, JsonField, Kind, ScalarField, format_timestamp

PG_URL = os.environ.get("VNFM_TEST_DATABASE_URL", "")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])

Json = sa.JSON().with_variant(JSONB(), "postgresql")
STATES = ("STARTING", "PROCESSING", "COMPLETED", "FAILED_TEMP")

#: The attributes held in columns of their own, by kind (for the reference evaluator).
SCALAR_KINDS = {
    "id": "string",
    "name": "string",
    "count": "integer",
    "ratio": "number",
    "flag": "boolean",
    "state": "enum",
    "created": "datetime",
    "seen": "datetime",
}

# Strings chosen to trip up a careless compiler: LIKE wildcards, quotes, case, non-ASCII.
WORDS = [
    "alpha",
    "Alpha",
    "ALPHA",
    "a%b",
    "a_b",
    "ab",
    "O'Brien",
    "x,y",
    "f(x)",
    "Ünï",
    "5",
    "",
    "z",
]
NUMBERS = [0, 1, 2, 5, -3, 1.5, 2.0, 10, 9007199254740993]


def _scalar_or_mixed(rng: random.Random) -> Any:
    return rng.choice([rng.choice(WORDS), rng.choice(NUMBERS), rng.choice([True, False]), None])


def make_documents(count: int = 40, seed: int = 13) -> list[dict[str, Any]]:
    """API-style documents; an absent attribute is a missing key, never a null."""
    rng = random.Random(seed)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    docs = []
    for i in range(count):
        doc: dict[str, Any] = {
            "id": f"id-{i:03d}",
            "state": rng.choice(STATES),
            "created": format_timestamp(start + timedelta(hours=rng.randrange(0, 2000))),
        }
        optional = {
            "name": rng.choice(WORDS),
            "count": rng.choice([0, 1, 2, 5, 10, -3]),
            "ratio": rng.choice([0.5, 1.0, 1.5, 2.25, -1.0]),
            "flag": rng.choice([True, False]),
            "seen": (start + timedelta(minutes=rng.randrange(0, 5000))).isoformat(),
            "meta": {
                key: _scalar_or_mixed(rng)
                for key in rng.sample(["owner", "tier", "zone", "a.b", 'q"k'], rng.randrange(0, 4))
            },
            "info": {
                "state": rng.choice(STATES),
                "vnfcs": [
                    {
                        "vduId": rng.choice(["VDU1", "VDU2", "vdu1"]),
                        "storage": rng.choice(
                            [
                                {"size": rng.choice(NUMBERS)},
                                [{"size": rng.choice(NUMBERS)}, {"size": rng.choice(WORDS)}],
                                rng.choice(WORDS),
                            ]
                        ),
                        "ips": rng.sample(["10.0.0.1", "10.0.0.2", "fe80::1"], rng.randrange(0, 3)),
                    }
                    for _ in range(rng.randrange(0, 3))
                ],
                "level": rng.choice(NUMBERS + WORDS),
            },
            "tags": rng.sample(WORDS + NUMBERS, rng.randrange(0, 4)),
        }
        for key, value in optional.items():
            if rng.random() < 0.8:
                doc[key] = value
        docs.append(doc)
    return docs


def _row(doc: dict[str, Any]) -> dict[str, Any]:
    seen = doc.get("seen")
    return {
        "id": doc["id"],
        "name": doc.get("name"),
        "count": doc.get("count"),
        "ratio": doc.get("ratio"),
        "flag": doc.get("flag"),
        "state": doc["state"],
        "created": doc["created"],
        "seen": datetime.fromisoformat(seen).astimezone(UTC).replace(tzinfo=None) if seen else None,
        "meta": doc.get("meta"),
        "info": doc.get("info"),
        "tags": doc.get("tags"),
        "info_state": doc.get("info", {}).get("state"),
    }


@dataclass
class Db:
    """The engine, the table, where each attribute lives, and the documents stored."""

    engine: sa.Engine
    table: sa.Table
    fields: FieldMap
    docs: list[dict[str, Any]]

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def ids(self, condition: Any) -> set[str]:
        with self.engine.connect() as conn:
            return set(conn.scalars(sa.select(self.table.c.id).where(condition)))


def _make_table(metadata: sa.MetaData) -> sa.Table:
    return sa.Table(
        "sol013_docs",
        metadata,
        sa.Column("id", sa.String(64), primary_key=True),
        # A linguistic collation on PostgreSQL, so that code point ordering is really tested.
        sa.Column(
            "name", sa.String(64).with_variant(sa.String(64, collation="en-x-icu"), "postgresql")
        ),
        sa.Column("count", sa.Integer),
        sa.Column("ratio", sa.Float),
        sa.Column("flag", sa.Boolean),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("created", sa.String(27), nullable=False),
        sa.Column("seen", sa.DateTime),
        sa.Column("meta", Json),
        sa.Column("info", Json),
        sa.Column("tags", Json),
        sa.Column("info_state", sa.String(32)),
    )


def field_map(table: sa.Table) -> FieldMap:
    c = table.c
    return {
        "id": ScalarField(c.id, Kind.STRING),
        "name": ScalarField(c.name, Kind.STRING),
        "count": ScalarField(c.count, Kind.INTEGER),
        "ratio": ScalarField(c.ratio, Kind.NUMBER),
        "flag": ScalarField(c.flag, Kind.BOOLEAN),
        "state": ScalarField(c.state, Kind.ENUM, choices=frozenset(STATES)),
        "created": ScalarField(c.created, Kind.DATETIME),
        "seen": ScalarField(c.seen, Kind.DATETIME),
        "meta": JsonField(c.meta),
        "info": JsonField(c.info),
        "tags": JsonField(c.tags),
    }


@pytest.fixture(scope="module", params=BACKENDS)
def db(request: pytest.FixtureRequest) -> Iterator[Db]:
    """The documents of :func:`make_documents`, stored once per module and backend."""
    if request.param == "sqlite":
        engine = sa.create_engine("sqlite://", poolclass=StaticPool)
        schema = None
    else:
        engine = sa.create_engine(PG_URL)
        schema = f"sol013_{uuid.uuid4().hex[:12]}"
        with engine.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    metadata = sa.MetaData(schema=schema)
    table = _make_table(metadata)
    docs = make_documents()
    try:
        metadata.create_all(engine)
        with engine.begin() as conn:
            conn.execute(table.insert(), [_row(doc) for doc in docs])
        yield Db(engine, table, field_map(table), docs)
    finally:
        if schema:
            with engine.begin() as conn:
                conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        engine.dispose()
