"""The ``filter`` URI query parameter of ETSI GS NFV-SOL 013 (clause 5.2), parsed into terms.

The grammar, restated::

    filter   = term *( ";" term )                  ; the terms are ANDed
    term     = "(" op "," path "," value *( "," value ) ")"
    path     = name *( "/" name )                  ; a nested attribute
    op       = "eq" / "neq" / "gt" / "gte" / "lt" / "lte"   ; exactly one value
             / "in" / "nin" / "cont" / "ncont"              ; one or more values

A value that contains ``,``, ``'`` or ``)`` is written between single quotes, and a
single quote inside such a value is doubled (``'it''s'``). Any other value may be
written bare. The parser is a hand-written scanner rather than a regular expression
so that every error can say which term is wrong and why.

This module knows nothing of databases; :mod:`vnfm.sol013.sql` gives the terms
their meaning.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from vnfm.sol013.errors import QueryError

__all__ = ["MAX_TERMS", "MAX_VALUES", "Filter", "Op", "Term", "parse_filter", "render_filter"]

#: Upper bounds that keep one request from building an arbitrarily large SQL statement.
MAX_TERMS = 50
MAX_VALUES = 100

# Characters with a meaning in the grammar, hence forbidden inside attribute names.
_RESERVED_IN_NAMES = frozenset("/,;()'")
# Characters that force a value to be quoted when rendered.
_QUOTE_TRIGGERS = frozenset(",')")
_SNIPPET_LIMIT = 80


class Op(StrEnum):
    """A comparison operator of a filter term."""

    EQ = "eq"
    NEQ = "neq"
    GT = "gt"
    GTE = "gte"
    LT = "lt"
    LTE = "lte"
    IN = "in"
    NIN = "nin"
    CONT = "cont"
    NCONT = "ncont"

    @property
    def single_valued(self) -> bool:
        """True for the operators the grammar gives exactly one value (SOL013's "opOne")."""
        return self in _SINGLE_VALUED

    @property
    def negated(self) -> bool:
        """True for ``neq``, ``nin`` and ``ncont``: the complement of :attr:`positive`."""
        return self in _POSITIVE_OF

    @property
    def positive(self) -> Op:
        """The operator this one negates, or itself."""
        return _POSITIVE_OF.get(self, self)

    @property
    def ordering(self) -> bool:
        """True for ``gt``, ``gte``, ``lt`` and ``lte``."""
        return self in _ORDERING


_SINGLE_VALUED = frozenset({Op.EQ, Op.NEQ, Op.GT, Op.GTE, Op.LT, Op.LTE})
_ORDERING = frozenset({Op.GT, Op.GTE, Op.LT, Op.LTE})
_POSITIVE_OF = {Op.NEQ: Op.EQ, Op.NIN: Op.IN, Op.NCONT: Op.CONT}


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot be one segment of an attribute path, or None if it can."""
    if not name:
        return "is empty"
    for ch in name:
        if ch in _RESERVED_IN_NAMES:
            return f"contains {ch!r}"
        if ch.isspace() or not ch.isprintable():
            return f"contains the character {ch!r}"
    return None


@dataclass(frozen=True, slots=True)
class Term:
    """One ``(op,path,values)`` term: ``path`` is the attribute path split at ``/``."""

    op: Op
    path: tuple[str, ...]
    values: tuple[str, ...]

    def __post_init__(self) -> None:
        # Only programming errors reach here: the parser reports client errors itself.
        if not isinstance(self.op, Op):
            raise ValueError(f"not an operator: {self.op!r}")
        if not self.path:
            raise ValueError("a term needs an attribute path")
        for name in self.path:
            problem = name_problem(name)
            if problem:
                raise ValueError(f"attribute name {name!r} {problem}")
        if not self.values or (self.op.single_valued and len(self.values) != 1):
            raise ValueError(f"wrong number of values for {self.op}: {self.values!r}")

    @property
    def attribute(self) -> str:
        """The path written back with ``/``, as a client would write it."""
        return "/".join(self.path)

    def render(self) -> str:
        """This term in the filter grammar; :func:`parse_filter` reads it back unchanged."""
        values = ",".join(_render_value(v) for v in self.values)
        return f"({self.op},{self.attribute},{values})"


#: A parsed filter: its terms, all of which must hold (logical AND).
Filter = tuple[Term, ...]


def render_filter(terms: Filter) -> str:
    """The inverse of :func:`parse_filter`."""
    return ";".join(term.render() for term in terms)


def _render_value(value: str) -> str:
    if value and not any(ch in _QUOTE_TRIGGERS for ch in value):
        return value
    return "'" + value.replace("'", "''") + "'"


def parse_filter(expr: str) -> Filter:
    """Parse the value of a ``filter`` query parameter, or raise :class:`QueryError`."""
    if not expr:
        raise QueryError("filter: the expression is empty")
    terms: list[Term] = []
    pos = 0
    while True:
        if len(terms) == MAX_TERMS:
            raise QueryError(f"filter: more than {MAX_TERMS} terms")
        term, pos = _TermScanner(expr, pos, len(terms) + 1).scan()
        terms.append(term)
        if pos == len(expr):
            return tuple(terms)
        if expr[pos] != ";":
            raise QueryError(
                f"filter: expected ';' or the end after term {len(terms)} "
                f"{term.render()!r}, found {_snippet(expr, pos)!r}"
            )
        pos += 1
        if pos == len(expr):
            raise QueryError(f"filter: empty term {len(terms) + 1} after the final ';'")


def _snippet(expr: str, start: int, stop: int | None = None) -> str:
    text = expr[start:stop]
    return text if len(text) <= _SNIPPET_LIMIT else text[: _SNIPPET_LIMIT - 3] + "..."


class _TermScanner:
    """Reads one term starting at ``start``; ``scan`` returns it and the index after it."""

    def __init__(self, expr: str, start: int, number: int) -> None:
        self.expr = expr
        self.start = start
        self.number = number

    def error(self, problem: str) -> QueryError:
        return QueryError(f'filter: {problem} in term {self.number} "{self.text()}"')

    def text(self) -> str:
        """The term as written, as far as it can be delimited, for error messages."""
        expr, i, in_quotes = self.expr, self.start, False
        while i < len(expr):
            ch = expr[i]
            if ch == "'":
                in_quotes = not in_quotes
            elif not in_quotes and ch == ")":
                return _snippet(expr, self.start, i + 1)
            elif not in_quotes and ch == ";" and i == self.start:
                break
            i += 1
        return _snippet(expr, self.start, i)

    def scan(self) -> tuple[Term, int]:
        expr, start = self.expr, self.start
        if start == len(expr) or expr[start] == ";":
            raise QueryError(f"filter: term {self.number} is empty")
        if expr[start] != "(":
            raise self.error("expected '(' at the start")
        op_text, pos = self._until_comma(start + 1, "the operator")
        try:
            op = Op(op_text)
        except ValueError:
            if not op_text:
                raise self.error("missing operator") from None
            raise self.error(f"unknown operator {op_text!r}") from None
        path_text, pos = self._until_comma(pos, "the attribute")
        if not path_text:
            raise self.error("missing attribute")
        path = tuple(path_text.split("/"))
        for name in path:
            problem = name_problem(name)
            if problem:
                which = f"attribute name {name!r}" if name else "an attribute name"
                raise self.error(f"{which} {problem} in path {path_text!r}")
        values, pos = self._values(pos)
        if op.single_valued and len(values) != 1:
            raise self.error(f"operator '{op}' takes exactly one value, got {len(values)}")
        return Term(op, path, tuple(values)), pos

    def _until_comma(self, pos: int, what: str) -> tuple[str, int]:
        """The text up to the next ',' and the index after that comma."""
        expr = self.expr
        i = pos
        while i < len(expr) and expr[i] not in ",);":
            i += 1
        if i == len(expr) or expr[i] != ",":
            raise self.error(f"expected ',' after {what}; a term is (op,attribute,value...)")
        return expr[pos:i], i + 1

    def _values(self, pos: int) -> tuple[list[str], int]:
        """The values from ``pos`` to the closing ')', and the index after it."""
        expr = self.expr
        values: list[str] = []
        while True:
            if len(values) == MAX_VALUES:
                raise self.error(f"more than {MAX_VALUES} values")
            if pos < len(expr) and expr[pos] == "'":
                value, pos = self._quoted(pos)
            else:
                value, pos = self._bare(pos)
            values.append(value)
            if pos == len(expr):
                raise self.error("missing ')' at the end")
            if expr[pos] == ")":
                return values, pos + 1
            if expr[pos] != ",":
                raise self.error(f"unexpected {expr[pos]!r} after the quoted value {values[-1]!r}")
            pos += 1

    def _quoted(self, pos: int) -> tuple[str, int]:
        expr = self.expr
        chars: list[str] = []
        i = pos + 1
        while i < len(expr):
            ch = expr[i]
            if ch == "'":
                if i + 1 < len(expr) and expr[i + 1] == "'":
                    chars.append("'")
                    i += 2
                    continue
                return "".join(chars), i + 1
            chars.append(ch)
            i += 1
        raise self.error("unterminated quoted value")

    def _bare(self, pos: int) -> tuple[str, int]:
        expr = self.expr
        i = pos
        while i < len(expr) and expr[i] not in ",)":
            if expr[i] == "'":
                raise self.error(
                    "a value containing a single quote must be enclosed in single quotes"
                    " (with the quote doubled)"
                )
            i += 1
        if i == pos:
            raise self.error("empty value; write '' to compare with the empty string")
        return expr[pos:i], i
