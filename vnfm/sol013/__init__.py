"""SOL013 query conventions for every SOL003 collection: filters, selectors, paging.

Filtering (clause 5.2)::

    terms = parse_filter("(eq,vnfdId,abc);(in,instantiatedVnfInfo/vnfState,STARTED)")

Every function here raises :class:`QueryError` for bad client input; its message is
meant for the ``detail`` of a 400 ProblemDetails.
"""

from vnfm.sol013.errors import QueryError
from vnfm.sol013.filter import (
    MAX_TERMS,
    MAX_VALUES,
    Filter,
    Op,
    Term,
    parse_filter,
    render_filter,
)

__all__ = [
    "MAX_TERMS",
    "MAX_VALUES",
    "Filter",
    "Op",
    "QueryError",
    "Term",
    "parse_filter",
    "render_filter",
]
