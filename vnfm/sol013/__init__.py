"""SOL013 query conventions for every SOL003 collection: filters, selectors, paging.

Filtering (clause 5.2): parse the text, then compile it for the resource's columns::

    fields = {
        "id": ScalarField(VnfInstanceRow.id, Kind.STRING),
        "instantiationState": ScalarField(
            VnfInstanceRow.instantiation_state, Kind.ENUM,
            choices=frozenset({"NOT_INSTANTIATED", "INSTANTIATED"}),
        ),
        "instantiatedVnfInfo": JsonField(VnfInstanceRow.instantiated_vnf_info),
    }
    terms = parse_filter("(eq,instantiationState,INSTANTIATED);"
                         "(eq,instantiatedVnfInfo/vnfcResourceInfo/vduId,VDU1)")
    stmt = select(VnfInstanceRow).where(
        compile_filter(terms, fields, session.get_bind().dialect.name))

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
    "MARKER_PARAMETER",
    "Page",
    "decode_marker",
    "encode_marker",
    "link_header",
    "next_link",
    "page_statement",
    "split_page",
    "ALWAYS_KEPT",
    "SELECTOR_PARAMETERS",
    "Selector",
    "parse_selectors",
    "MAX_TERMS",
    "MAX_VALUES",
    "FieldMap",
    "Filter",
    "JsonField",
    "Kind",
    "Op",
    "QueryError",
    "ScalarField",
    "Term",
    "compile_filter",
    "format_timestamp",
    "parse_filter",
    "render_filter",
]
