"""Parsed SOL013 filters compiled into SQLAlchemy boolean expressions.

A resource tells the compiler where each attribute lives with a :data:`FieldMap`:
an attribute held in a column of its own is a :class:`ScalarField` (and compiles to a
plain, index-friendly comparison), an attribute held as a whole JSON document is a
:class:`JsonField` (and a term on it, or on anything nested below it, compiles to an
``EXISTS`` over the JSON values the path reaches).

Meaning given to the operators (SOL013 clause 5.2, restated):

* ``eq``/``in`` hold when the attribute equals the value / one of the values,
  ``gt``/``gte``/``lt``/``lte`` compare with the single value, ``cont`` holds when the
  string attribute contains one of the values (case-sensitive substring).
* ``neq``, ``nin`` and ``ncont`` are the exact complements of ``eq``, ``in`` and
  ``cont``: they hold when the positive term does not, including when the attribute is
  absent.
* A path that crosses arrays reaches every element: an array met before a name is
  looked through (one level), and an array at the end of the path is compared element
  by element. A positive term holds when at least one reached value satisfies it, so a
  negated term holds when none does.
* Values in JSON are compared by their JSON type: a filter value matches a JSON string
  as text, a JSON number numerically when the value is a number, and a JSON boolean
  when the value is ``true`` or ``false``. Strings order by code point on both
  databases.

Dialects: SQLite (json1 ``json_each``) and PostgreSQL (``jsonb_path_query`` on JSONB),
chosen with the ``dialect`` argument of :func:`compile_filter`; all the differences
live in the two ``_Sqlite``/``_Postgres`` classes at the end of this module. User values
only ever travel as bind parameters, and JSON path names are either bound (SQLite) or
escaped as JSON strings inside a bound ``jsonpath`` (PostgreSQL).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, JSONPATH
from sqlalchemy.sql.elements import ColumnElement

from vnfm.sol013.errors import QueryError
from vnfm.sol013.filter import Filter, Op, Term

__all__ = [
    "FieldMap",
    "JsonField",
    "Kind",
    "ScalarField",
    "compile_filter",
    "format_timestamp",
]

SUPPORTED_DIALECTS = ("sqlite", "postgresql")

_INTEGER = re.compile(r"[+-]?[0-9]+")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


class Kind(StrEnum):
    """How the value of a scalar column is written in a filter and compared."""

    STRING = "string"
    BOOLEAN = "boolean"  # the values "true" and "false"
    INTEGER = "integer"
    NUMBER = "number"
    #: ISO 8601 in the filter. A DateTime column is compared as datetimes; a string
    #: column is taken to hold :func:`format_timestamp` text and compared as such.
    DATETIME = "datetime"
    ENUM = "enum"  # a string restricted to ``choices``


def _as_column(column: Any) -> ColumnElement[Any]:
    # Accept ORM attributes (Model.col) as well as Core columns.
    clause = column.__clause_element__() if hasattr(column, "__clause_element__") else column
    if not isinstance(clause, ColumnElement):
        raise TypeError(f"not a column expression: {column!r}")
    return clause


@dataclass(frozen=True)
class ScalarField:
    """An attribute stored in a column of its own."""

    column: ColumnElement[Any]
    kind: Kind
    choices: frozenset[str] = field(default=frozenset())

    def __post_init__(self) -> None:
        object.__setattr__(self, "column", _as_column(self.column))
        object.__setattr__(self, "kind", Kind(self.kind))
        object.__setattr__(self, "choices", frozenset(self.choices))
        if (self.kind is Kind.ENUM) != bool(self.choices):
            raise ValueError("choices are required for, and only for, Kind.ENUM")


@dataclass(frozen=True)
class JsonField:
    """An attribute whose whole value (an object or an array) is one JSON column."""

    column: ColumnElement[Any]

    def __post_init__(self) -> None:
        object.__setattr__(self, "column", _as_column(self.column))


#: Attribute name -> where it is stored. Keys are top-level attribute names; a key may
#: also be a nested path ("instantiatedVnfInfo/vnfState") when that nested attribute is
#: mirrored in a column of its own, and the longest key that prefixes a term's path wins.
FieldMap = Mapping[str, ScalarField | JsonField]


def format_timestamp(moment: datetime) -> str:
    """The fixed-width UTC text (``2026-01-02T03:04:05.000006Z``) string timestamps use.

    Fixed width makes text order equal time order, so string columns holding it can be
    range-compared and indexed like any string.
    """
    m = moment.astimezone(UTC) if moment.tzinfo else moment
    return (
        f"{m.year:04d}-{m.month:02d}-{m.day:02d}T"
        f"{m.hour:02d}:{m.minute:02d}:{m.second:02d}.{m.microsecond:06d}Z"
    )


def compile_filter(terms: Filter, fields: FieldMap, dialect: str) -> ColumnElement[bool]:
    """The SQL condition for all ``terms`` (ANDed), for the database named by ``dialect``.

    ``dialect`` is SQLAlchemy's dialect name (``engine.dialect.name``): ``"sqlite"`` or
    ``"postgresql"``. Raises :class:`QueryError` for an unknown attribute, an operator
    the attribute's kind does not support, or a value of the wrong type.
    """
    backend = _backend(dialect)
    clauses = [_compile_term(term, number, fields, backend) for number, term in enumerate(terms, 1)]
    return sa.and_(*clauses) if clauses else sa.true()


def _backend(dialect: str) -> _Backend:
    if dialect == "sqlite":
        return _Sqlite()
    if dialect == "postgresql":
        return _Postgres()
    raise ValueError(f"unsupported dialect {dialect!r}; expected one of {SUPPORTED_DIALECTS}")


def _term_error(term: Term, number: int, problem: str) -> QueryError:
    return QueryError(f'filter: {problem} in term {number} "{term.render()}"')


def _compile_term(term: Term, number: int, fields: FieldMap, backend: _Backend) -> Any:
    where, rest = _resolve(term, number, fields)
    if isinstance(where, ScalarField):
        return _scalar_term(term, number, where, backend)
    positive = _json_condition(term, rest, where.column, backend)
    return sa.not_(positive) if term.op.negated else positive


def _resolve(
    term: Term, number: int, fields: FieldMap
) -> tuple[ScalarField | JsonField, tuple[str, ...]]:
    path = term.path
    for cut in range(len(path), 0, -1):
        where = fields.get("/".join(path[:cut]))
        if where is None:
            continue
        rest = path[cut:]
        if rest and isinstance(where, ScalarField):
            owner = "/".join(path[:cut])
            raise _term_error(term, number, f"attribute {owner!r} has no attribute {rest[0]!r}")
        return where, rest
    raise _term_error(term, number, f"unknown attribute {term.attribute!r}")


# --- scalar columns ------------------------------------------------------------------

_KIND_OPS: dict[Kind, frozenset[Op]] = {
    Kind.STRING: frozenset(Op),
    Kind.ENUM: frozenset({Op.EQ, Op.NEQ, Op.IN, Op.NIN, Op.CONT, Op.NCONT}),
    Kind.BOOLEAN: frozenset({Op.EQ, Op.NEQ, Op.IN, Op.NIN}),
    Kind.INTEGER: frozenset(Op) - {Op.CONT, Op.NCONT},
    Kind.NUMBER: frozenset(Op) - {Op.CONT, Op.NCONT},
    Kind.DATETIME: frozenset(Op) - {Op.CONT, Op.NCONT},
}


def _scalar_term(term: Term, number: int, where: ScalarField, backend: _Backend) -> Any:
    op, column, kind = term.op, where.column, where.kind
    if op not in _KIND_OPS[kind]:
        raise _term_error(
            term,
            number,
            f"operator '{op}' does not apply to the {kind} attribute {term.attribute!r}",
        )
    positive = op.positive
    if positive is Op.CONT:
        # Substrings are searched in the value as text, whatever the value is.
        target = sa.cast(column, sa.String) if kind is Kind.ENUM else column
        cond = sa.or_(*(backend.contains(target, v) for v in term.values))
    else:
        values = [_scalar_value(term, number, where, v) for v in term.values]
        if positive is Op.EQ:
            cond = column == values[0]
        elif positive is Op.IN:
            cond = column.in_(values)
        else:
            target = backend.text_order(column) if kind is Kind.STRING else column
            cond = _ORDER[positive](target, values[0])
    if not op.negated:
        return cond
    # An absent (NULL) attribute satisfies every negated term.
    if getattr(column, "nullable", True):
        return sa.or_(column.is_(None), sa.not_(cond))
    return sa.not_(cond)


_ORDER = {
    Op.GT: lambda a, b: a > b,
    Op.GTE: lambda a, b: a >= b,
    Op.LT: lambda a, b: a < b,
    Op.LTE: lambda a, b: a <= b,
}


def _scalar_value(term: Term, number: int, where: ScalarField, value: str) -> Any:
    kind = where.kind

    def bad(expected: str) -> QueryError:
        return _term_error(
            term, number, f"value {value!r} is not {expected} for attribute {term.attribute!r}"
        )

    if kind is Kind.STRING:
        return value
    if kind is Kind.ENUM:
        if value not in where.choices:
            raise bad("one of " + ", ".join(sorted(where.choices)))
        return value
    if kind is Kind.BOOLEAN:
        if value not in ("true", "false"):
            raise bad("a boolean (true or false)")
        return value == "true"
    if kind is Kind.INTEGER:
        if not _INTEGER.fullmatch(value):
            raise bad("an integer")
        return int(value)
    if kind is Kind.NUMBER:
        parsed = _parse_number(value)
        if parsed is None:
            raise bad("a number")
        column_type = where.column.type
        if isinstance(column_type, sa.Numeric) and column_type.asdecimal:
            return Decimal(value)
        return parsed
    moment = _parse_datetime(value)
    if moment is None:
        raise bad("an ISO 8601 date-time")
    column_type = where.column.type
    if isinstance(column_type, sa.DateTime):
        if column_type.timezone:
            return moment
        return moment.astimezone(UTC).replace(tzinfo=None)
    return format_timestamp(moment)


def _parse_number(value: str) -> int | float | None:
    """The JSON-compatible number ``value`` spells, or None."""
    if _INTEGER.fullmatch(value):
        return int(value)
    if not _NUMBER.fullmatch(value):
        return None
    parsed = float(value)
    return parsed if parsed not in (float("inf"), float("-inf")) else None


def _parse_datetime(value: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    # A time without an offset is read as UTC, the only zone this API speaks.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# --- JSON columns --------------------------------------------------------------------


@dataclass(frozen=True)
class _Candidates:
    """What one filter value can equal in JSON: a string always, perhaps a number or a
    boolean too, depending on how it is spelled."""

    text: str
    number: int | float | None
    boolean: bool | None

    @classmethod
    def of(cls, value: str) -> _Candidates:
        boolean = {"true": True, "false": False}.get(value)
        return cls(value, _parse_number(value), boolean)


def _json_condition(term: Term, rest: tuple[str, ...], column: Any, backend: _Backend) -> Any:
    """The positive form of ``term`` over a JSON column (EXISTS a matching value)."""
    op = term.op.positive
    candidates = [_Candidates.of(v) for v in term.values]

    def matches(value: Any, type_: Any) -> Any:
        if op is Op.CONT:
            return sa.or_(*(backend.json_contains(value, type_, c.text) for c in candidates))
        if op in (Op.EQ, Op.IN):
            return sa.or_(*(backend.json_equals(value, type_, c) for c in candidates))
        (candidate,) = candidates
        return backend.json_order(value, type_, op, candidate)

    return backend.json_any(column, rest, matches)


class _Matcher(Protocol):
    def __call__(self, value: Any, type_: Any) -> Any: ...


class _Backend(Protocol):
    def contains(self, column: Any, text: str) -> Any: ...

    def text_order(self, column: Any) -> Any: ...

    def json_any(self, column: Any, path: Sequence[str], matches: _Matcher) -> Any: ...

    def json_equals(self, value: Any, type_: Any, candidate: _Candidates) -> Any: ...

    def json_order(self, value: Any, type_: Any, op: Op, candidate: _Candidates) -> Any: ...

    def json_contains(self, value: Any, type_: Any, text: str) -> Any: ...


class _Sqlite:
    """SQLite with json1: the path is walked with chained ``json_each`` table functions.

    Each step unwraps the current value (an array yields its elements, an object
    itself) and then takes the member whose key equals the bound name.
    """

    def contains(self, column: Any, text: str) -> Any:
        # LIKE is case-insensitive on SQLite; instr is exact and needs no escaping.
        return sa.func.instr(column, text) > 0

    def text_order(self, column: Any) -> Any:
        return column  # SQLite's default BINARY collation is code point order already.

    def json_any(self, column: Any, path: Sequence[str], matches: _Matcher) -> Any:
        if not path:
            # The attribute itself: its elements if an array, itself if a scalar.
            values = sa.func.json_each(
                sa.case((sa.func.json_type(column) == "object", None), else_=column)
            ).table_valued("value", "type")
            return sa.exists().select_from(values).where(matches(values.c.value, values.c.type))
        level = sa.func.json_each(self._unwrapped(sa.func.json_type(column), column)).table_valued(
            "value", "type"
        )
        query = sa.select(sa.literal(1)).select_from(level)
        conditions = []
        for index, name in enumerate(path):
            member = sa.func.json_each(
                sa.case((level.c.type == "object", level.c.value))
            ).table_valued("key", "value", "type")
            query = query.join(member, sa.true())
            conditions.append(member.c.key == sa.literal(name, sa.String))
            if index < len(path) - 1:
                level = sa.func.json_each(
                    self._unwrapped(member.c.type, member.c.value)
                ).table_valued("value", "type")
                query = query.join(level, sa.true())
        elements = sa.func.json_each(member.c.value).table_valued("value", "type")
        in_array = (
            sa.exists().select_from(elements).where(matches(elements.c.value, elements.c.type))
        )
        last = sa.or_(
            sa.and_(member.c.type != "array", matches(member.c.value, member.c.type)),
            sa.and_(member.c.type == "array", in_array),
        )
        return sa.exists(query.where(*conditions, last))

    @staticmethod
    def _unwrapped(type_: Any, value: Any) -> Any:
        """JSON to iterate so that an array yields its elements and an object itself."""
        return sa.case(
            (type_ == "array", value),
            (type_ == "object", sa.func.json_array(sa.func.json(value))),
        )

    def json_equals(self, value: Any, type_: Any, candidate: _Candidates) -> Any:
        options = [sa.and_(type_ == "text", value == sa.literal(candidate.text, sa.String))]
        if candidate.number is not None:
            options.append(
                sa.and_(type_.in_(("integer", "real")), value == sa.literal(candidate.number))
            )
        if candidate.boolean is not None:
            options.append(type_ == ("true" if candidate.boolean else "false"))
        return sa.or_(*options)

    def json_order(self, value: Any, type_: Any, op: Op, candidate: _Candidates) -> Any:
        compare = _ORDER[op]
        options = [sa.and_(type_ == "text", compare(value, sa.literal(candidate.text, sa.String)))]
        if candidate.number is not None:
            options.append(
                sa.and_(
                    type_.in_(("integer", "real")), compare(value, sa.literal(candidate.number))
                )
            )
        return sa.or_(*options)

    def json_contains(self, value: Any, type_: Any, text: str) -> Any:
        return sa.and_(type_ == "text", self.contains(value, text))


class _Postgres:
    """PostgreSQL with JSONB: one ``jsonb_path_query`` lists the values a path reaches.

    The path is built as ``$."name"..."name"[*]`` in lax mode, which looks through an
    array before a member name and, with the final ``[*]``, yields the elements of an
    array at the end (or the value itself when it is not an array).
    """

    def contains(self, column: Any, text: str) -> Any:
        # LIKE is case-sensitive here; autoescape protects '%' and '_' in the text.
        return column.contains(text, autoescape=True)

    def text_order(self, column: Any) -> Any:
        # Code point order, as on SQLite and in JSON, whatever the database collation.
        return column.collate("C")

    def json_any(self, column: Any, path: Sequence[str], matches: _Matcher) -> Any:
        jsonpath = "$" + "".join("." + json.dumps(name, ensure_ascii=False) for name in path)
        values = sa.func.jsonb_path_query(
            sa.cast(column, JSONB),
            sa.cast(sa.literal(jsonpath + "[*]", sa.String), JSONPATH),
            type_=JSONB,
        ).column_valued("v")
        type_ = sa.func.jsonb_typeof(values)
        return sa.exists().where(matches(values, type_))

    @staticmethod
    def _jsonb(value: Any) -> Any:
        return sa.cast(sa.literal(json.dumps(value), sa.String), JSONB)

    @staticmethod
    def _text(value: Any) -> Any:
        return value.op("#>>", return_type=sa.Text)(sa.literal_column("'{}'"))

    def json_equals(self, value: Any, type_: Any, candidate: _Candidates) -> Any:
        # jsonb equality is type-aware: "1" never equals 1, and 1 equals 1.0.
        options = [value == self._jsonb(candidate.text)]
        if candidate.number is not None:
            options.append(value == self._jsonb(candidate.number))
        if candidate.boolean is not None:
            options.append(value == self._jsonb(candidate.boolean))
        return sa.or_(*options)

    def json_order(self, value: Any, type_: Any, op: Op, candidate: _Candidates) -> Any:
        compare = _ORDER[op]
        options = [
            sa.and_(
                type_ == "string",
                compare(self._text(value).collate("C"), sa.literal(candidate.text, sa.String)),
            )
        ]
        if candidate.number is not None:
            # Comparing jsonb with jsonb never fails; the type test keeps it to numbers.
            options.append(
                sa.and_(type_ == "number", compare(value, self._jsonb(candidate.number)))
            )
        return sa.or_(*options)

    def json_contains(self, value: Any, type_: Any, text: str) -> Any:
        return sa.and_(type_ == "string", self.contains(self._text(value), text))
