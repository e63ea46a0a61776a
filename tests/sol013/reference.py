"""A tiny, obviously-correct evaluator of filters on documents, to check the SQL against.

It restates the meaning documented in ``vnfm/sol013/sql.py`` in plain Python, on the
API representation of a resource (a dict), with no shared code.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from vnfm.sol013 import Op, Term

NUMBER_KINDS = ("integer", "number")


def _number(text: str) -> int | float | None:
    try:
        if text.strip() != text or "_" in text:
            return None
        if text.lstrip("+-").isdigit() and text.isascii():
            return int(text)
        value = float(text)
    except ValueError:
        return None
    if text.lower().lstrip("+-") in ("inf", "infinity", "nan") or value in (
        float("inf"),
        float("-inf"),
    ):
        return None
    return value


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def reached(doc: dict[str, Any], path: tuple[str, ...]) -> list[Any]:
    """Every value ``path`` reaches in ``doc``: arrays are looked through before a name
    (one level) and an array at the end yields its elements."""
    if path[0] not in doc:
        return []
    current = [doc[path[0]]]
    for name in path[1:]:
        following = []
        for value in current:
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, dict) and name in item:
                    following.append(item[name])
        current = following
    out: list[Any] = []
    for value in current:
        out.extend(value if isinstance(value, list) else [value])
    return out


def _json_matches(value: Any, op: Op, wanted: str) -> bool:
    if isinstance(value, bool):
        return op is Op.EQ and wanted in ("true", "false") and value == (wanted == "true")
    if isinstance(value, int | float):
        number = _number(wanted)
        return number is not None and op is not Op.CONT and _compare(value, op, number)
    if isinstance(value, str):
        return wanted in value if op is Op.CONT else _compare(value, op, wanted)
    return False


def _compare(left: Any, op: Op, right: Any) -> bool:
    return {
        Op.EQ: left == right,
        Op.GT: left > right,
        Op.GTE: left >= right,
        Op.LT: left < right,
        Op.LTE: left <= right,
    }[op]


def _scalar_matches(value: Any, kind: str, op: Op, wanted: str) -> bool:
    if op is Op.CONT:
        return wanted in value
    if kind == "boolean":
        return value == (wanted == "true")
    if kind in NUMBER_KINDS:
        return _compare(value, op, _number(wanted))
    if kind == "datetime":
        return _compare(_moment(value), op, _moment(wanted))
    return _compare(value, op, wanted)


def holds(doc: dict[str, Any], term: Term, scalar_kinds: dict[str, str]) -> bool:
    """Whether ``term`` holds for ``doc``; ``scalar_kinds`` names the scalar attributes."""
    positive = term.op.positive
    single = Op.EQ if positive is Op.IN else positive
    if term.path[0] in scalar_kinds:
        kind = scalar_kinds[term.path[0]]
        value = doc.get(term.path[0])
        found = value is not None and any(
            _scalar_matches(value, kind, single, wanted) for wanted in term.values
        )
    else:
        found = any(
            _json_matches(value, single, wanted)
            for value in reached(doc, term.path)
            for wanted in term.values
        )
    return found != term.op.negated


def select(
    docs: list[dict[str, Any]], terms: tuple[Term, ...], scalar_kinds: dict[str, str]
) -> set[str]:
    return {doc["id"] for doc in docs if all(holds(doc, t, scalar_kinds) for t in terms)}
