"""Figures, their baselines and targets; the printed table and the JSON file.

A figure is one measured number paired with a baseline measured in the same run on
the same machine, so that the ratio between them means something on any machine.
Targets (from issue 8) are conditions on the value, on the ratio, or on both.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

Check = Literal["value <", "value <=", "value >=", "ratio <=", "ratio >="]


@dataclass(frozen=True)
class Condition:
    """One part of a target, such as ``ratio >= 0.7`` or ``value < 5`` (in the unit)."""

    check: Check
    limit: float

    def holds(self, value: float, ratio: float) -> bool:
        subject, operator = self.check.split()
        x = value if subject == "value" else ratio
        if operator == "<":
            return x < self.limit
        if operator == "<=":
            return x <= self.limit
        return x >= self.limit

    def text(self, unit: str) -> str:
        subject, operator = self.check.split()
        symbol = {"<": "<", "<=": "≤", ">=": "≥"}[operator]
        if subject == "ratio":
            return f"{symbol} {self.limit:g}x"
        return f"{symbol} {_number(self.limit)} {unit}"


def at_most(limit: float) -> Condition:
    return Condition("value <=", limit)


def below(limit: float) -> Condition:
    return Condition("value <", limit)


def at_least(limit: float) -> Condition:
    return Condition("value >=", limit)


def ratio_at_most(limit: float) -> Condition:
    return Condition("ratio <=", limit)


def ratio_at_least(limit: float) -> Condition:
    return Condition("ratio >=", limit)


@dataclass
class Figure:
    suite: str
    name: str
    value: float
    unit: str
    baseline: float
    baseline_name: str
    backend: str = ""
    target: tuple[Condition, ...] = ()
    #: Where the target comes from, when it is worth saying (e.g. "Tacker x10").
    target_note: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        if self.baseline == 0:
            return math.inf
        return self.value / self.baseline

    @property
    def met(self) -> bool | None:
        if not self.target:
            return None
        return all(c.holds(self.value, self.ratio) for c in self.target)

    @property
    def target_text(self) -> str:
        if not self.target:
            return "—"
        text = ", ".join(c.text(self.unit) for c in self.target)
        return f"{text} ({self.target_note})" if self.target_note else text

    def as_dict(self) -> dict[str, Any]:
        doc = asdict(self)
        doc["target"] = [asdict(c) for c in self.target]
        doc["target_text"] = self.target_text
        doc["ratio"] = None if math.isinf(self.ratio) else round(self.ratio, 4)
        doc["met"] = self.met
        return doc


def _number(x: float) -> str:
    if x == 0:
        return "0"
    magnitude = abs(x)
    if magnitude >= 1000:
        return f"{x:,.0f}"
    if magnitude >= 100:
        return f"{x:.0f}"
    if magnitude >= 10:
        return f"{x:.1f}"
    if magnitude >= 1:
        return f"{x:.2f}"
    return f"{x:.3g}"


def _met_word(met: bool | None) -> str:
    return {True: "met", False: "MISSED", None: ""}[met]


HEADER = ("suite", "figure", "value", "baseline", "ratio", "target", "met")


def rows(figures: Sequence[Figure]) -> list[tuple[str, ...]]:
    result = []
    for f in figures:
        suite = f"{f.suite}/{f.backend}" if f.backend else f.suite
        ratio = "—" if math.isinf(f.ratio) else f"{f.ratio:.2f}x"
        result.append(
            (
                suite,
                f.name,
                f"{_number(f.value)} {f.unit}",
                f"{_number(f.baseline)} {f.unit} {f.baseline_name}",
                ratio,
                f.target_text,
                _met_word(f.met),
            )
        )
    return result


def text_table(figures: Sequence[Figure]) -> str:
    table = [HEADER, *rows(figures)]
    widths = [max(len(row[i]) for row in table) for i in range(len(HEADER))]
    lines = []
    for n, row in enumerate(table):
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown_table(figures: Sequence[Figure]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    for row in rows(figures):
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |")
    return "\n".join(lines)


def write_results(directory: Path, stamp: str, document: dict[str, Any], markdown: str) -> Path:
    """``latest.json`` and ``latest.md``, plus a dated copy of the JSON; returns latest.json."""
    directory.mkdir(parents=True, exist_ok=True)
    text = json.dumps(document, indent=2, sort_keys=False) + "\n"
    latest = directory / "latest.json"
    for path in (latest, directory / f"{stamp}.json"):
        temporary = path.with_suffix(".json.tmp")
        temporary.write_text(text)
        temporary.replace(path)
    (directory / "latest.md").write_text(markdown + "\n")
    return latest
