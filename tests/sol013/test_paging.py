"""Keyset paging, its opaque marker, and the next-page link."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.pool import StaticPool

from tests.sol013.conftest import BACKENDS, PG_URL
from vnfm.sol013 import QueryError, compile_filter, format_timestamp, parse_filter
from vnfm.sol013.paging import (
    decode_marker,
    encode_marker,
    link_header,
    next_link,
    page_statement,
    split_page,
)
from vnfm.sol013.sql import Kind, ScalarField

START = datetime(2024, 5, 1, tzinfo=UTC)


def _rows() -> list[dict[str, Any]]:
    # Few distinct times, so many rows tie on the first sort column.
    return [
        {
            "id": f"r{(i * 7919) % 1000:03d}",
            "created": format_timestamp(START + timedelta(seconds=i % 4)),
            "seen": (START + timedelta(minutes=i % 3)).replace(tzinfo=None),
            "n": i % 5,
        }
        for i in range(23)
    ]


ROWS = _rows()


class Pages:
    def __init__(self, engine: sa.Engine, table: sa.Table) -> None:
        self.engine = engine
        self.table = table

    def walk(self, order_by: tuple[Any, ...], page_size: int, where: Any = None) -> list[list[str]]:
        """All pages, following the markers as a client follows the links."""
        pages: list[list[str]] = []
        after = None
        while True:
            stmt = sa.select(self.table)
            if where is not None:
                stmt = stmt.where(where)
            stmt = page_statement(stmt, order_by, after, page_size)
            with self.engine.connect() as conn:
                rows = conn.execute(stmt).all()
            page = split_page(
                rows, page_size, lambda r: tuple(getattr(r, c.name) for c in order_by)
            )
            pages.append([row.id for row in page.items])
            if page.next_marker is None:
                return pages
            after = decode_marker(page.next_marker)
            assert len(pages) <= len(ROWS)  # a loop would be a bug


@pytest.fixture(scope="module", params=BACKENDS)
def pages(request: pytest.FixtureRequest) -> Iterator[Pages]:
    if request.param == "sqlite":
        engine = sa.create_engine("sqlite://", poolclass=StaticPool)
        schema = None
    else:
        engine = sa.create_engine(PG_URL)
        schema = f"sol013_{uuid.uuid4().hex[:12]}"
        with engine.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    metadata = sa.MetaData(schema=schema)
    table = sa.Table(
        "sol013_pages",
        metadata,
        sa.Column("id", sa.String(16), primary_key=True),
        sa.Column("created", sa.String(27), nullable=False),
        sa.Column("seen", sa.DateTime, nullable=False),
        sa.Column("n", sa.Integer, nullable=False),
    )
    try:
        metadata.create_all(engine)
        with engine.begin() as conn:
            conn.execute(table.insert(), ROWS)
        yield Pages(engine, table)
    finally:
        if schema:
            with engine.begin() as conn:
                conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        engine.dispose()


def _expected(order: tuple[str, ...], keep: Any = lambda row: True) -> list[str]:
    rows = sorted((r for r in ROWS if keep(r)), key=lambda r: tuple(r[c] for c in order))
    return [r["id"] for r in rows]


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    page_size=st.integers(1, 9),
    sort=st.sampled_from([("created", "id"), ("seen", "id"), ("n", "created", "id")]),
)
def test_pages_cover_every_row_once_in_order(
    pages: Pages, page_size: int, sort: tuple[str, ...]
) -> None:
    order_by = tuple(pages.table.c[name] for name in sort)
    walked = pages.walk(order_by, page_size)
    assert [row for page in walked for row in page] == _expected(sort)
    assert all(len(page) == page_size for page in walked[:-1])
    assert 1 <= len(walked[-1]) <= page_size


def test_paging_composes_with_a_filter(pages: Pages) -> None:
    fields = {"n": ScalarField(pages.table.c.n, Kind.INTEGER)}
    where = compile_filter(parse_filter("(gte,n,2)"), fields, pages.engine.dialect.name)
    walked = pages.walk((pages.table.c.created, pages.table.c.id), 4, where)
    assert [row for page in walked for row in page] == _expected(
        ("created", "id"), lambda r: r["n"] >= 2
    )


def test_an_exact_multiple_ends_without_an_empty_page(pages: Pages) -> None:
    walked = pages.walk((pages.table.c.id,), len(ROWS))
    assert walked == [_expected(("id",))]


def test_a_marker_of_the_wrong_shape_is_refused(pages: Pages) -> None:
    order_by = (pages.table.c.created, pages.table.c.id)
    stmt = sa.select(pages.table)
    with pytest.raises(QueryError, match="not a marker for this list"):
        page_statement(stmt, order_by, decode_marker(encode_marker(["x"])), 5)
    with pytest.raises(QueryError, match="not a marker for this list"):
        page_statement(stmt, (pages.table.c.n, pages.table.c.id), ("2", "r1"), 5)
    with pytest.raises(QueryError, match="not a marker for this list"):
        page_statement(stmt, (pages.table.c.seen, pages.table.c.id), ("2024", "r1"), 5)
    with pytest.raises(ValueError):
        page_statement(stmt, order_by, None, 0)


# --- markers -----------------------------------------------------------------------------

marker_values = st.one_of(
    st.text(max_size=20),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.datetimes(),
    st.datetimes(timezones=st.just(UTC)),
    st.decimals(allow_nan=False, allow_infinity=False, places=3),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(marker_values, min_size=1, max_size=3))
def test_markers_round_trip(values: list[Any]) -> None:
    marker = encode_marker(values)
    assert set(marker) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    decoded = decode_marker(marker)
    assert decoded == tuple(values)
    assert [type(v) for v in decoded] == [type(v) for v in values]


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "marker",
    [
        "",
        "not base64!",
        "%%%",
        _b64("not json"),
        _b64("{}"),
        _b64("[]"),
        _b64('"x"'),
        _b64("[NaN]"),
        _b64('[{"dt":"yesterday"}]'),
        _b64('[{"dec":"abc"}]'),
        _b64('[{"other":"x"}]'),
        _b64("[null]"),
        _b64("[[1]]"),
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
        "A" * 5000,
    ],
)
def test_bad_markers_are_query_errors(marker: str) -> None:
    with pytest.raises(QueryError) as caught:
        decode_marker(marker)
    assert caught.value.message.startswith("nextpage_opaque_marker: ")


def test_decimal_markers_keep_precision() -> None:
    assert decode_marker(encode_marker([Decimal("1.10")])) == (Decimal("1.10"),)


# --- links -------------------------------------------------------------------------------


def test_next_link_adds_the_marker() -> None:
    assert (
        next_link("http://h/vnflcm/v2/vnf_instances", "abc")
        == "http://h/vnflcm/v2/vnf_instances?nextpage_opaque_marker=abc"
    )


def test_next_link_replaces_the_marker_and_keeps_the_rest_verbatim() -> None:
    url = (
        "https://h:8443/vnflcm/v2/vnf_lcm_op_occs?filter=(eq,operationState,'A%2CB')"
        "&nextpage_opaque_marker=old&exclude_default&fields=error%2FdetaiL"
        "&nextpage%5Fopaque%5Fmarker=older"
    )
    assert next_link(url, "new-_") == (
        "https://h:8443/vnflcm/v2/vnf_lcm_op_occs?filter=(eq,operationState,'A%2CB')"
        "&exclude_default&fields=error%2FdetaiL&nextpage_opaque_marker=new-_"
    )


def test_link_header() -> None:
    assert link_header("http://h/x?a=1") == '<http://h/x?a=1>; rel="next"'
