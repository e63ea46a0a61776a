"""Typed, path-aware access to a loaded YAML document.

Every value the parser reads is wrapped in a ``Node`` that remembers where it came
from, so each check can fail with the exact path of the offending element
(``topology_template.node_templates.VDU1.properties.vdu_profile``) in one line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NoReturn

from vnfm.vnfd.errors import VnfdError


def _kind(value: object) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value)


@dataclass(frozen=True)
class Node:
    """A value of the document and its path in it."""

    source: str
    path: str
    value: object

    def fail(self, reason: str) -> NoReturn:
        raise VnfdError(self.source, self.path, reason)

    def _child(self, key: str | int, value: object) -> Node:
        if isinstance(key, int):
            path = f"{self.path}[{key}]"
        else:
            path = f"{self.path}.{key}" if self.path else key
        return Node(self.source, path, value)

    # -- containers ---------------------------------------------------------------

    def mapping(self) -> dict[str, object]:
        if not isinstance(self.value, dict):
            self.fail(f"must be a mapping, got {_kind(self.value)}")
        for key in self.value:
            if not isinstance(key, str):
                self.fail(f"keys must be strings, got {key!r}")
        return self.value

    def has(self, key: str) -> bool:
        return key in self.mapping()

    def get(self, key: str) -> Node | None:
        """The child ``key``, or ``None`` when absent (or explicitly null)."""
        mapping = self.mapping()
        if mapping.get(key) is None:
            return None
        return self._child(key, mapping[key])

    def req(self, key: str) -> Node:
        child = self.get(key)
        if child is None:
            self.fail(f"missing {key}")
        return child

    def items(self) -> list[tuple[str, Node]]:
        return [(key, self._child(key, value)) for key, value in self.mapping().items()]

    def seq(self) -> list[Node]:
        if not isinstance(self.value, list):
            self.fail(f"must be a list, got {_kind(self.value)}")
        return [self._child(index, value) for index, value in enumerate(self.value)]

    def single_entry(self) -> tuple[str, Node]:
        """A ``{name: body}`` mapping with exactly one entry, as TOSCA policy lists use."""
        entries = self.items()
        if len(entries) != 1:
            self.fail(f"must be a mapping with exactly one entry, got {len(entries)}")
        return entries[0]

    # -- scalars ------------------------------------------------------------------

    def text(self) -> str:
        # Numbers are refused rather than converted: an unquoted 1.10 would silently
        # become "1.1", which is a different version.
        if not isinstance(self.value, str) or not self.value.strip():
            self.fail(f"must be a non-empty string (quote numbers), got {_kind(self.value)}")
        return self.value

    def texts(self) -> tuple[str, ...]:
        return tuple(item.text() for item in self.seq())

    def integer(self, minimum: int = 0) -> int:
        value = self.value
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self.fail(f"must be an integer >= {minimum}, got {_kind(value)}")
        return value

    def flag(self) -> bool:
        if not isinstance(self.value, bool):
            self.fail(f"must be true or false, got {_kind(self.value)}")
        return self.value

    def choice(self, allowed: tuple[str, ...]) -> str:
        value = self.text()
        if value not in allowed:
            self.fail(f"must be one of {', '.join(allowed)}, got {value!r}")
        return value

    def matching(self, pattern: re.Pattern[str], meaning: str) -> str:
        value = self.text()
        if not pattern.fullmatch(value):
            self.fail(f"must be {meaning}, got {value!r}")
        return value

    # -- optional children with defaults -----------------------------------------

    def opt_text(self, key: str, default: str = "") -> str:
        child = self.get(key)
        return default if child is None else child.text()

    def opt_integer(self, key: str, default: int, minimum: int = 0) -> int:
        child = self.get(key)
        return default if child is None else child.integer(minimum)

    def opt_seq(self, key: str) -> list[Node]:
        child = self.get(key)
        return [] if child is None else child.seq()
