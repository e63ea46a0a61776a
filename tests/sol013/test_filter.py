"""The SOL013 filter grammar: what parses, into what, and how errors are reported."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vnfm.sol013 import MAX_TERMS, MAX_VALUES, Op, QueryError, Term, parse_filter, render_filter


def test_one_term() -> None:
    assert parse_filter("(eq,vnfdId,abc)") == (Term(Op.EQ, ("vnfdId",), ("abc",)),)


def test_terms_are_separated_by_semicolons_and_paths_by_slashes() -> None:
    parsed = parse_filter("(eq,a,1);(in,instantiatedVnfInfo/vnfcResourceInfo/vduId,x,y)")
    assert parsed == (
        Term(Op.EQ, ("a",), ("1",)),
        Term(Op.IN, ("instantiatedVnfInfo", "vnfcResourceInfo", "vduId"), ("x", "y")),
    )


@pytest.mark.parametrize(
    ("expr", "values"),
    [
        ("(in,a,'x,y')", ("x,y",)),
        ("(in,a,'it''s')", ("it's",)),
        ("(in,a,'f(x)')", ("f(x)",)),
        ("(in,a,'')", ("",)),
        ("(in,a,'''')", ("'",)),
        ("(in,a,'a,b',c,'d)')", ("a,b", "c", "d)")),
        ("(in,a,semi;colon)", ("semi;colon",)),
        ("(in,a,open(paren)", ("open(paren",)),
        ("(in,a, spaced out )", (" spaced out ",)),
        ("(in,a,x/y)", ("x/y",)),
    ],
)
def test_value_quoting(expr: str, values: tuple[str, ...]) -> None:
    (term,) = parse_filter(expr)
    assert term.values == values


@pytest.mark.parametrize("op", list(Op))
def test_every_operator_is_known(op: Op) -> None:
    (term,) = parse_filter(f"({op.value},x,1)")
    assert term.op is op


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("", "filter: the expression is empty"),
        ("(eqq,vnfdId,x)", "unknown operator 'eqq' in term 1 \"(eqq,vnfdId,x)\""),
        ("(eq,a,1);(eq,b,2);(eqq,vnfdId,x)", "unknown operator 'eqq' in term 3 \"(eqq,vnfdId,x)\""),
        ("(EQ,a,1)", "unknown operator 'EQ'"),
        ("(,a,1)", "missing operator in term 1"),
        ("(eq,a,1);", "empty term 2 after the final ';'"),
        ("(eq,a,1);;(eq,b,2)", "term 2 is empty"),
        ("eq,a,1", "expected '(' at the start in term 1"),
        ("(eq,a,1) ;(eq,b,2)", "expected ';' or the end after term 1"),
        ("(eq,a,1)(eq,b,2)", "expected ';' or the end after term 1"),
        ("(eq,a,1", "missing ')' at the end in term 1"),
        ("(eq,a)", "expected ',' after the attribute"),
        ("(eq)", "expected ',' after the operator"),
        ("(eq,,1)", "missing attribute in term 1"),
        ("(eq,a//b,1)", "an attribute name is empty in path 'a//b'"),
        ("(eq,/a,1)", "an attribute name is empty in path '/a'"),
        ("(eq,a/,1)", "an attribute name is empty in path 'a/'"),
        ("(eq,a b,1)", "attribute name 'a b' contains the character ' '"),
        ("(eq,a'b,1)", 'attribute name "a\'b" contains "\'"'),
        ("(eq,a(b,1)", "attribute name 'a(b' contains '('"),
        ("(eq,a,1,2)", "operator 'eq' takes exactly one value, got 2 in term 1"),
        ("(gte,a,1,2)", "operator 'gte' takes exactly one value, got 2"),
        ("(eq,a,)", "empty value"),
        ("(in,a,x,)", "empty value"),
        ("(in,a,,x)", "empty value"),
        ("(eq,a,'x)", "unterminated quoted value in term 1"),
        ("(eq,a,'it''s)", "unterminated quoted value"),
        ("(eq,a,it's)", "must be enclosed in single quotes"),
        ("(eq,a,'x'y)", "unexpected 'y' after the quoted value 'x'"),
    ],
)
def test_errors_name_the_offending_part(expr: str, message: str) -> None:
    with pytest.raises(QueryError) as caught:
        parse_filter(expr)
    assert message in caught.value.message
    assert str(caught.value) == caught.value.message


def test_term_count_is_bounded() -> None:
    parse_filter(";".join(["(eq,a,1)"] * MAX_TERMS))
    with pytest.raises(QueryError, match=f"more than {MAX_TERMS} terms"):
        parse_filter(";".join(["(eq,a,1)"] * (MAX_TERMS + 1)))


def test_value_count_is_bounded() -> None:
    parse_filter("(in,a," + ",".join(["x"] * MAX_VALUES) + ")")
    with pytest.raises(QueryError, match=f"more than {MAX_VALUES} values"):
        parse_filter("(in,a," + ",".join(["x"] * (MAX_VALUES + 1)) + ")")


def test_op_properties() -> None:
    assert {op for op in Op if op.single_valued} == {Op.EQ, Op.NEQ, Op.GT, Op.GTE, Op.LT, Op.LTE}
    assert {op: op.positive for op in Op if op.negated} == {
        Op.NEQ: Op.EQ,
        Op.NIN: Op.IN,
        Op.NCONT: Op.CONT,
    }


@pytest.mark.parametrize(
    "bad",
    [
        lambda: Term(Op.EQ, (), ("x",)),
        lambda: Term(Op.EQ, ("a",), ()),
        lambda: Term(Op.EQ, ("a",), ("x", "y")),
        lambda: Term(Op.EQ, ("a,b",), ("x",)),
        lambda: Term("eq", ("a",), ("x",)),  # type: ignore[arg-type]
    ],
)
def test_terms_refuse_to_be_built_invalid(bad) -> None:
    with pytest.raises(ValueError):
        bad()


# --- round trip ------------------------------------------------------------------------

names = st.text(
    st.characters(
        blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp"), blacklist_characters="/,;()'"
    ),
    min_size=1,
    max_size=8,
).filter(lambda n: not any(ch.isspace() or not ch.isprintable() for ch in n))
values = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)


@st.composite
def terms(draw: st.DrawFn) -> Term:
    op = draw(st.sampled_from(list(Op)))
    path = tuple(draw(st.lists(names, min_size=1, max_size=4)))
    count = 1 if op.single_valued else draw(st.integers(1, 4))
    return Term(op, path, tuple(draw(st.lists(values, min_size=count, max_size=count))))


@settings(max_examples=300, deadline=None)
@given(st.lists(terms(), min_size=1, max_size=4).map(tuple))
def test_a_rendered_filter_parses_back_to_the_same_terms(filt: tuple[Term, ...]) -> None:
    assert parse_filter(render_filter(filt)) == filt


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([*"(),;'/ ab", "eq", "in", "cont"]), max_size=30).map("".join))
def test_any_text_either_parses_or_raises_query_error(expr: str) -> None:
    try:
        parsed = parse_filter(expr)
    except QueryError as error:
        assert error.message.startswith("filter: ")
    else:
        assert parse_filter(render_filter(parsed)) == parsed
