"""Filters compiled to SQL select exactly the documents the reference evaluator selects."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.sol013.conftest import NUMBERS, SCALAR_KINDS, STATES, WORDS, Db, make_documents
from tests.sol013.reference import select
from vnfm.sol013 import Op, QueryError, Term, parse_filter, render_filter
from vnfm.sol013.sql import JsonField, Kind, ScalarField, compile_filter

DOCS = make_documents()

CASES = [
    # scalar columns, every operator of every kind
    "(eq,id,id-007)",
    "(neq,id,id-007)",
    "(in,id,id-001,id-002,nope)",
    "(nin,id,id-001,id-002)",
    "(eq,name,alpha)",
    "(neq,name,alpha)",
    "(gt,name,Alpha)",
    "(gte,name,ab)",
    "(lt,name,a_b)",
    "(lte,name,'O''Brien')",
    "(cont,name,lph)",
    "(cont,name,LPH)",
    "(cont,name,%)",
    "(cont,name,_)",
    "(cont,name,a%b)",
    "(ncont,name,a,b)",
    "(in,name,'x,y','f(x)',Ünï,'')",
    "(eq,count,5)",
    "(neq,count,5)",
    "(gt,count,1)",
    "(gte,count,-3)",
    "(lt,count,+2)",
    "(lte,count,0)",
    "(in,count,0,10)",
    "(nin,count,0,10)",
    "(eq,ratio,1)",
    "(gt,ratio,1.4)",
    "(lte,ratio,-1e0)",
    "(nin,ratio,0.5,2.25)",
    "(eq,flag,true)",
    "(neq,flag,true)",
    "(in,flag,false)",
    "(nin,flag,false)",
    "(eq,state,STARTING)",
    "(neq,state,STARTING)",
    "(in,state,COMPLETED,FAILED_TEMP)",
    "(nin,state,COMPLETED,FAILED_TEMP)",
    "(cont,state,ING)",
    "(ncont,state,ING)",
    "(gt,created,2024-02-01T00:00:00Z)",
    "(gte,created,2024-02-01T01:00:00+01:00)",
    "(lt,created,2024-02-01)",
    f"(eq,created,{DOCS[3]['created']})",
    f"(neq,created,{DOCS[3]['created']})",
    "(gt,seen,2024-01-02T00:00:00Z)",
    "(lte,seen,2024-01-02T12:00:00+02:00)",
    "(in,seen,2024-01-01T00:00:00Z,2024-01-03T00:00:00Z)",
    # nested objects, arrays along the path, arrays at the end, mixed JSON types
    "(eq,meta/owner,alpha)",
    "(neq,meta/owner,alpha)",
    "(eq,meta/tier,5)",
    "(eq,meta/tier,true)",
    "(neq,meta/tier,5)",
    "(gt,meta/tier,1)",
    "(lt,meta/tier,b)",
    "(cont,meta/zone,a)",
    "(ncont,meta/zone,a)",
    "(in,meta/a.b,alpha,1.5,false)",
    "(nin,meta/a.b,alpha,1.5,false)",
    '(eq,meta/q"k,z)',
    "(eq,info/state,STARTING)",
    "(eq,info/vnfcs/vduId,VDU1)",
    "(neq,info/vnfcs/vduId,VDU1)",
    "(in,info/vnfcs/vduId,VDU2,vdu1)",
    "(nin,info/vnfcs/vduId,VDU2,vdu1)",
    "(cont,info/vnfcs/vduId,DU)",
    "(ncont,info/vnfcs/vduId,DU)",
    "(gt,info/vnfcs/vduId,VDU1)",
    "(eq,info/vnfcs/storage/size,2)",
    "(gte,info/vnfcs/storage/size,2)",
    "(lt,info/vnfcs/storage/size,alpha)",
    "(neq,info/vnfcs/storage/size,2)",
    "(eq,info/vnfcs/storage,ab)",
    "(eq,info/vnfcs/ips,10.0.0.1)",
    "(nin,info/vnfcs/ips,10.0.0.1,fe80::1)",
    "(cont,info/vnfcs/ips,::)",
    "(eq,info/level,9007199254740993)",
    "(gt,info/level,9007199254740992)",
    "(eq,info/level,2.0)",
    "(eq,tags,alpha)",
    "(neq,tags,alpha)",
    "(in,tags,5,a_b)",
    "(cont,tags,A)",
    "(gt,tags,1)",
    "(eq,info/vnfcs,x)",
    "(neq,meta,x)",
    "(eq,meta/missing,x)",
    "(neq,meta/missing,x)",
    # several terms
    "(eq,state,STARTING);(gt,count,0)",
    "(neq,info/vnfcs/vduId,VDU1);(cont,name,a);(nin,flag,true)",
]


@pytest.mark.parametrize("expr", CASES)
def test_matches_the_reference(db: Db, expr: str) -> None:
    terms = parse_filter(expr)
    expected = select(db.docs, terms, SCALAR_KINDS)
    assert db.ids(compile_filter(terms, db.fields, db.dialect)) == expected


def test_the_cases_are_not_vacuous() -> None:
    """Most cases must select some but not all documents, or they would prove little."""
    sizes = [len(select(DOCS, parse_filter(expr), SCALAR_KINDS)) for expr in CASES]
    discriminating = [size for size in sizes if 0 < size < len(DOCS)]
    assert len(discriminating) >= 0.8 * len(CASES)


def test_an_empty_filter_selects_everything(db: Db) -> None:
    assert db.ids(compile_filter((), db.fields, db.dialect)) == {d["id"] for d in db.docs}


def test_a_mirrored_nested_attribute_uses_its_own_column(db: Db) -> None:
    fields = {**db.fields, "info/state": ScalarField(db.table.c.info_state, Kind.STRING)}
    terms = parse_filter("(in,info/state,STARTING,FAILED_TEMP)")
    condition = compile_filter(terms, fields, db.dialect)
    assert "info_state" in str(condition.compile(db.engine))
    assert db.ids(condition) == select(db.docs, terms, SCALAR_KINDS)


def test_scalar_terms_are_plain_comparisons(db: Db) -> None:
    for expr, operator in [
        ("(eq,state,STARTING)", " = "),
        ("(in,state,STARTING,COMPLETED)", " IN "),
        ("(neq,state,STARTING)", " != "),
        ("(gte,created,2024-01-01T00:00:00Z)", " >= "),
    ]:
        sql = str(compile_filter(parse_filter(expr), db.fields, db.dialect).compile(db.engine))
        assert operator in sql
        assert "EXISTS" not in sql and " OR " not in sql and "IS NULL" not in sql


def test_json_terms_are_one_exists(db: Db) -> None:
    sql = str(
        compile_filter(parse_filter("(eq,info/vnfcs/vduId,VDU1)"), db.fields, db.dialect).compile(
            db.engine
        )
    )
    assert sql.count("EXISTS") >= 1
    assert "VDU1" not in sql and "vduId" not in sql  # both travel as bind parameters


# --- errors --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("(eq,nope,1)", "unknown attribute 'nope' in term 1 \"(eq,nope,1)\""),
        ("(eq,id,1);(eq,nope/deeper,1)", "unknown attribute 'nope/deeper' in term 2"),
        ("(eq,name/first,x)", "attribute 'name' has no attribute 'first'"),
        ("(gt,count,abc)", "value 'abc' is not an integer for attribute 'count'"),
        ("(in,count,1,1.5)", "value '1.5' is not an integer"),
        ("(eq,count,١)", "is not an integer"),
        ("(eq,ratio,1e999)", "is not a number"),
        ("(eq,ratio,nan)", "is not a number"),
        ("(eq,ratio,1_0)", "is not a number"),
        ("(eq,flag,yes)", "is not a boolean"),
        ("(eq,flag,True)", "is not a boolean"),
        ("(eq,state,RUNNING)", "value 'RUNNING' is not one of COMPLETED, FAILED_TEMP"),
        ("(eq,created,yesterday)", "is not an ISO 8601 date-time"),
        ("(cont,count,1)", "operator 'cont' does not apply to the integer attribute 'count'"),
        ("(gt,flag,true)", "operator 'gt' does not apply to the boolean attribute 'flag'"),
        ("(lt,state,X)", "operator 'lt' does not apply to the enum attribute 'state'"),
        ("(ncont,seen,2024)", "operator 'ncont' does not apply to the datetime attribute"),
    ],
)
def test_errors_name_the_problem(db: Db, expr: str, message: str) -> None:
    with pytest.raises(QueryError) as caught:
        compile_filter(parse_filter(expr), db.fields, db.dialect)
    assert message in caught.value.message
    assert caught.value.message.startswith("filter: ")


def test_unknown_dialect_is_a_programming_error(db: Db) -> None:
    with pytest.raises(ValueError, match="unsupported dialect 'oracle'"):
        compile_filter(parse_filter("(eq,id,x)"), db.fields, "oracle")


def test_field_specs_validate_themselves(db: Db) -> None:
    with pytest.raises(ValueError, match="choices"):
        ScalarField(db.table.c.state, Kind.ENUM)
    with pytest.raises(ValueError, match="choices"):
        ScalarField(db.table.c.name, Kind.STRING, choices=frozenset({"a"}))
    with pytest.raises(TypeError):
        JsonField("meta")  # type: ignore[arg-type]
    assert ScalarField(db.table.c.name, "string").kind is Kind.STRING  # type: ignore[arg-type]


def test_datetime_columns_accept_any_offset(db: Db) -> None:
    # The same instant written three ways selects the same rows.
    moment = datetime(2024, 1, 20, 12, 0, tzinfo=UTC)
    spellings = ["2024-01-20T12:00:00Z", "2024-01-20T14:00:00+02:00", "2024-01-20T12:00:00"]
    results = [
        db.ids(compile_filter(parse_filter(f"(lt,created,{s})"), db.fields, db.dialect))
        for s in spellings
    ]
    assert results[0] == results[1] == results[2]
    assert results[0] == {d["id"] for d in db.docs if datetime.fromisoformat(d["created"]) < moment}


# --- property: random filters over the same documents --------------------------------

PATHS: dict[str, list[str]] = {
    "id": [d["id"] for d in DOCS[:5]] + ["id-999"],
    "name": WORDS,
    "count": ["0", "1", "2", "5", "-3", "7"],
    "ratio": ["0.5", "1", "1.5", "2.25", "-1"],
    "flag": ["true", "false"],
    "state": list(STATES),
    "created": [DOCS[0]["created"], "2024-02-01T00:00:00Z", "2024-03-15T10:30:00+05:30"],
    "meta/owner": WORDS + ["true", "1"],
    "meta/tier": WORDS + [str(n) for n in NUMBERS] + ["true", "false"],
    "info/vnfcs/vduId": ["VDU1", "VDU2", "vdu1", "DU", "V"],
    "info/vnfcs/storage/size": WORDS + [str(n) for n in NUMBERS],
    "info/vnfcs/ips": ["10.0.0.1", "10.0.0.2", "fe80::1", "10."],
    "info/level": WORDS + [str(n) for n in NUMBERS],
    "tags": WORDS + [str(n) for n in NUMBERS] + ["2.0"],
    "meta": ["x"],
}
NO_ORDER = {"flag", "state"}
NO_CONT = {"count", "ratio", "flag", "created"}


@st.composite
def terms(draw: st.DrawFn) -> Term:
    attribute = draw(st.sampled_from(sorted(PATHS)))
    ops = [
        op
        for op in Op
        if not (op.ordering and attribute in NO_ORDER)
        and not (op.positive is Op.CONT and attribute in NO_CONT)
    ]
    op = draw(st.sampled_from(ops))
    pool = st.sampled_from(PATHS[attribute])
    if op.positive is Op.CONT or SCALAR_KINDS.get(attribute) == "string":
        pool = pool | st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=3)
    count = 1 if op.single_valued else draw(st.integers(1, 3))
    values = tuple(draw(st.lists(pool, min_size=count, max_size=count)))
    return Term(op, tuple(attribute.split("/")), values)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.lists(terms(), min_size=1, max_size=3).map(tuple))
def test_random_filters_match_the_reference(db: Db, filt: tuple[Term, ...]) -> None:
    # Going through the text form checks the grammar and the compiler together.
    parsed = parse_filter(render_filter(filt))
    expected = select(db.docs, parsed, SCALAR_KINDS)
    assert db.ids(compile_filter(parsed, db.fields, db.dialect)) == expected


def test_statements_with_the_same_shape_do_not_share_values(db: Db) -> None:
    """SQLAlchemy caches compiled statements by shape; values must still be per query."""
    for vdu in ["VDU1", "VDU2", "vdu1"]:
        terms = parse_filter(f"(eq,info/vnfcs/vduId,{vdu});(gt,count,{len(vdu)})")
        stmt = sa.select(db.table.c.id).where(compile_filter(terms, db.fields, db.dialect))
        with db.engine.connect() as conn:
            assert set(conn.scalars(stmt)) == select(db.docs, terms, SCALAR_KINDS)
