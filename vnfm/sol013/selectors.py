"""Attribute selectors of ETSI GS NFV-SOL 013 (clause 5.3): which parts of a resource a
GET returns.

The four query parameters and their allowed combinations, restated:

===========================  ============================================================
(none)                       the default view, the same as ``exclude_default``
``all_fields``               everything
``fields=<list>``            everything except the complex attributes not in <list>
``exclude_fields=<list>``    everything except the complex attributes in <list>
``exclude_default``          everything except the resource's "default exclude set"
``exclude_default&fields=``  the default view, plus what <list> names from the
                             default exclude set
===========================  ============================================================

Any other combination is refused. A <list> is comma-separated attribute paths with
``/`` between the names; a path crossing an array applies to every element.

Only *complex* attributes (objects and arrays) are ever removed: simple attributes
always stay, and so do the attributes a resource must always carry (``keep``, by
default ``_links``). Naming a simple or kept attribute in a list is therefore a no-op.
With ``exclude_default&fields``, a listed path brings back itself and everything
below it, and a listed path below an excluded attribute brings back that attribute
with its simple members and the listed part.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from vnfm.sol013.errors import QueryError
from vnfm.sol013.filter import name_problem

__all__ = ["ALWAYS_KEPT", "SELECTOR_PARAMETERS", "Selector", "parse_selectors"]

#: Top-level attributes no selector removes: those every resource must carry.
ALWAYS_KEPT: frozenset[str] = frozenset({"_links"})

SELECTOR_PARAMETERS = ("all_fields", "fields", "exclude_fields", "exclude_default")
_FLAGS = ("all_fields", "exclude_default")
_ALLOWED = (
    frozenset(),
    frozenset({"all_fields"}),
    frozenset({"fields"}),
    frozenset({"exclude_fields"}),
    frozenset({"exclude_default"}),
    frozenset({"exclude_default", "fields"}),
)

Path = tuple[str, ...]

# A set of paths as a tree: name -> subtree, where None means "this whole attribute".
_Tree = dict[str, "_Tree | None"]
_ABSENT: Any = object()


@dataclass(frozen=True)
class Selector:
    """A validated combination of attribute selector parameters."""

    all_fields: bool = False
    fields: tuple[Path, ...] = ()
    exclude_fields: tuple[Path, ...] = ()
    exclude_default: bool = False

    def apply(
        self,
        doc: Mapping[str, Any],
        default_excluded: frozenset[str],
        keep: frozenset[str] = ALWAYS_KEPT,
    ) -> dict[str, Any]:
        """A copy of ``doc`` (a resource representation) with what this selector removes
        removed. ``default_excluded`` is the resource's default exclude set, as paths
        (``"instantiatedVnfInfo/vnfcResourceInfo"``); ``keep`` are top-level names never
        removed. ``doc`` itself is not modified; untouched parts are shared, not copied.
        """
        if self.all_fields:
            return dict(doc)
        include = _tree(self.fields)
        if self.fields and not self.exclude_default:
            return _only(doc, include, keep)
        exclude = _tree(self.exclude_fields or _split(default_excluded))
        return _without(doc, exclude, include, keep)

    def needs(
        self, attr: str, default_excluded: frozenset[str], keep: frozenset[str] = ALWAYS_KEPT
    ) -> bool:
        """Whether any of the complex top-level attribute ``attr`` can be in the result,
        so that a query can leave out the JSON columns the response will not show."""
        if self.all_fields or attr in keep:
            return True
        include = _tree(self.fields)
        if self.fields and not self.exclude_default:
            return attr in include
        exclude = _tree(self.exclude_fields or _split(default_excluded))
        return attr in include or exclude.get(attr, _ABSENT) is not None

    def shows_whole(
        self, attr: str, default_excluded: frozenset[str], keep: frozenset[str] = ALWAYS_KEPT
    ) -> bool:
        """Whether the top-level attribute ``attr``, when in a document, is in the result
        as it is (not pruned below), so that a list can send it without looking inside."""
        if self.all_fields or attr in keep:
            return True
        include = _tree(self.fields)
        if self.fields and not self.exclude_default:
            return attr in include and include[attr] is None
        exclude = _tree(self.exclude_fields or _split(default_excluded))
        return attr not in exclude or (attr in include and include[attr] is None)

    def removes_only(
        self, default_excluded: frozenset[str], keep: frozenset[str] = ALWAYS_KEPT
    ) -> frozenset[str] | None:
        """The top-level attributes this selector may take out of a document, when that
        is all it can do, else None (it may prune inside attributes, or what it keeps
        depends on the values).

        A list whose query did not read those attributes (see :meth:`needs`) need not
        :meth:`apply` the selector to each document: it would change nothing.
        """
        if self.all_fields:
            return frozenset()
        if self.fields and not self.exclude_default:
            return None  # which attributes go depends on which values are complex
        include = _tree(self.fields)
        exclude = _tree(self.exclude_fields or _split(default_excluded))
        if any(below is not None for below in (*include.values(), *exclude.values())):
            return None  # something is pruned inside an attribute
        return frozenset(exclude) - frozenset(include) - keep


def parse_selectors(args: Mapping[str, str]) -> Selector:
    """The selector the query parameters ``args`` ask for; other parameters are ignored.

    Raises :class:`QueryError` for a flag given a value, a malformed list, or a
    combination SOL013 does not allow.
    """
    present = frozenset(name for name in SELECTOR_PARAMETERS if name in args)
    for flag in _FLAGS:
        if flag in present and args[flag] != "":
            raise QueryError(f"{flag}: this parameter is a flag and takes no value")
    if present not in _ALLOWED:
        given = ", ".join(name for name in SELECTOR_PARAMETERS if name in present)
        raise QueryError(
            f"attribute selectors: {given} cannot be combined; use at most one of "
            "all_fields, fields, exclude_fields and exclude_default, or exclude_default "
            "with fields"
        )
    return Selector(
        all_fields="all_fields" in present,
        fields=_parse_list("fields", args["fields"]) if "fields" in present else (),
        exclude_fields=(
            _parse_list("exclude_fields", args["exclude_fields"])
            if "exclude_fields" in present
            else ()
        ),
        exclude_default="exclude_default" in present,
    )


def _parse_list(parameter: str, text: str) -> tuple[Path, ...]:
    if not text:
        raise QueryError(f"{parameter}: the list of attributes is empty")
    paths = []
    for position, item in enumerate(text.split(","), 1):
        if not item:
            raise QueryError(f"{parameter}: attribute {position} of {text!r} is empty")
        path = tuple(item.split("/"))
        for name in path:
            problem = name_problem(name)
            if problem:
                which = f"attribute name {name!r}" if name else "an attribute name"
                raise QueryError(f"{parameter}: {which} {problem} in {item!r}")
        paths.append(path)
    return tuple(paths)


def _split(paths: Iterable[str]) -> tuple[Path, ...]:
    return tuple(sorted(tuple(path.split("/")) for path in paths))


@lru_cache(maxsize=256)
def _tree(paths: tuple[Path, ...]) -> _Tree:
    root: _Tree = {}
    for path in paths:
        node: _Tree | None = root
        for name in path[:-1]:
            child = node.setdefault(name, {})  # type: ignore[union-attr]
            if child is None:  # an ancestor is already there whole
                break
            node = child
        else:
            node[path[-1]] = None  # type: ignore[index]
    return root


def _is_complex(value: Any) -> bool:
    return isinstance(value, dict | list)


def _each(value: Any, change: Callable[[Mapping[str, Any]], dict[str, Any]]) -> Any:
    """``change`` applied to an object, or to every object in an array."""
    if isinstance(value, dict):
        return change(value)
    return [change(item) if isinstance(item, dict) else item for item in value]


def _only(doc: Mapping[str, Any], include: _Tree, keep: frozenset[str]) -> dict[str, Any]:
    """``fields`` mode: simple attributes, kept ones, and the complex ones in ``include``."""
    out: dict[str, Any] = {}
    for key, value in doc.items():
        below = include.get(key, _ABSENT)
        if key in keep or not _is_complex(value) or below is None:
            out[key] = value
        elif below is not _ABSENT:
            out[key] = _each(value, lambda item, b=below: _only(item, b, frozenset()))
    return out


def _without(
    doc: Mapping[str, Any], exclude: _Tree, include: _Tree, keep: frozenset[str]
) -> dict[str, Any]:
    """Exclusion modes: all but the complex attributes in ``exclude``, unless brought
    back by ``include``."""
    out: dict[str, Any] = {}
    for key, value in doc.items():
        excluded = exclude.get(key, _ABSENT)
        included = include.get(key, _ABSENT)
        if key in keep or not _is_complex(value) or excluded is _ABSENT or included is None:
            out[key] = value
        elif excluded is None:
            if included is not _ABSENT:
                out[key] = _each(value, lambda item, i=included: _only(item, i, frozenset()))
        else:
            deeper = {} if included is _ABSENT else included
            out[key] = _each(
                value, lambda item, e=excluded, i=deeper: _without(item, e, i, frozenset())
            )
    return out
