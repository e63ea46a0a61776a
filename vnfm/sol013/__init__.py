"""SOL013 query conventions for every SOL003 collection: filters, selectors, paging.

One list request, end to end (``args`` are the query parameters, ``dialect`` is
``session.get_bind().dialect.name``)::

    fields: FieldMap = {
        "id": ScalarField(VnfInstanceRow.id, Kind.STRING),
        "instantiationState": ScalarField(
            VnfInstanceRow.instantiation_state, Kind.ENUM,
            choices=frozenset({"NOT_INSTANTIATED", "INSTANTIATED"})),
        "instantiatedVnfInfo": JsonField(VnfInstanceRow.instantiated_vnf_info),
        "metadata": JsonField(VnfInstanceRow.metadata_),
    }
    selector = parse_selectors(args)                       # clause 5.3
    stmt = select(VnfInstanceRow)
    if "filter" in args:                                   # clause 5.2
        stmt = stmt.where(compile_filter(parse_filter(args["filter"]), fields, dialect))
    after = decode_marker(args[MARKER_PARAMETER]) if MARKER_PARAMETER in args else None
    order = (VnfInstanceRow.created_at, VnfInstanceRow.id)   # clause 5.4, keyset
    rows = session.scalars(page_statement(stmt, order, after, page_size)).all()
    page = split_page(rows, page_size, lambda r: (r.created_at, r.id))
    body = [selector.apply(to_api(r), DEFAULT_EXCLUDED) for r in page.items]
    if page.next_marker:
        headers["Link"] = link_header(next_link(request_url, page.next_marker))

``selector.needs("instantiatedVnfInfo", DEFAULT_EXCLUDED)`` tells whether that JSON
column is worth loading at all.

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
from vnfm.sol013.paging import (
    MARKER_PARAMETER,
    Page,
    decode_marker,
    encode_marker,
    link_header,
    next_link,
    page_statement,
    split_page,
)
from vnfm.sol013.selectors import ALWAYS_KEPT, SELECTOR_PARAMETERS, Selector, parse_selectors
from vnfm.sol013.sql import FieldMap, JsonField, Kind, ScalarField, compile_filter, format_timestamp

__all__ = [
    "ALWAYS_KEPT",
    "MARKER_PARAMETER",
    "MAX_TERMS",
    "MAX_VALUES",
    "SELECTOR_PARAMETERS",
    "compile_filter",
    "decode_marker",
    "encode_marker",
    "FieldMap",
    "Filter",
    "format_timestamp",
    "JsonField",
    "Kind",
    "link_header",
    "next_link",
    "Op",
    "Page",
    "page_statement",
    "parse_filter",
    "parse_selectors",
    "QueryError",
    "render_filter",
    "ScalarField",
    "Selector",
    "split_page",
    "Term",
]
