"""Attribute selectors: allowed combinations, and what each one leaves in a document."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vnfm.sol013 import QueryError, Selector, parse_selectors

INSTANCE: dict[str, Any] = {
    "id": "i-1",
    "vnfInstanceName": "web",
    "vnfdId": "d-1",
    "instantiationState": "INSTANTIATED",
    "vnfConfigurableProperties": {"autoScalable": True},
    "instantiatedVnfInfo": {
        "flavourId": "simple",
        "vnfState": "STARTED",
        "scaleStatus": [{"aspectId": "a", "scaleLevel": 1}],
        "vnfcResourceInfo": [
            {"id": "c1", "vduId": "VDU1", "computeResource": {"resourceId": "r1"}},
            {"id": "c2", "vduId": "VDU2", "computeResource": {"resourceId": "r2"}},
        ],
        "extCpInfo": [{"id": "cp1", "cpdId": "CP1"}],
    },
    "metadata": {"owner": "ops"},
    "_links": {"self": {"href": "/vnflcm/v2/vnf_instances/i-1"}},
}
DEFAULT_EXCLUDED = frozenset(
    {
        "vnfConfigurableProperties",
        "instantiatedVnfInfo/vnfcResourceInfo",
        "instantiatedVnfInfo/extCpInfo",
    }
)


def view(args: dict[str, str]) -> dict[str, Any]:
    return parse_selectors(args).apply(INSTANCE, DEFAULT_EXCLUDED)


def without(doc: dict[str, Any], *paths: str) -> dict[str, Any]:
    """``doc`` with ``paths`` deleted, written out by hand for the expectations."""
    out = copy.deepcopy(doc)
    for path in paths:
        *parents, last = path.split("/")
        node = out
        for name in parents:
            node = node[name]
        del node[last]
    return out


def test_all_fields_returns_everything() -> None:
    assert view({"all_fields": ""}) == INSTANCE


def test_no_selector_is_the_default_view() -> None:
    expected = without(
        INSTANCE,
        "vnfConfigurableProperties",
        "instantiatedVnfInfo/vnfcResourceInfo",
        "instantiatedVnfInfo/extCpInfo",
    )
    assert view({}) == expected
    assert view({"exclude_default": ""}) == expected
    assert view({"filter": "(eq,id,x)", "nextpage_opaque_marker": "abc"}) == expected


def test_fields_keeps_simple_attributes_and_the_listed_complex_ones() -> None:
    assert view({"fields": "metadata"}) == without(
        INSTANCE, "vnfConfigurableProperties", "instantiatedVnfInfo"
    )


def test_fields_with_a_nested_path() -> None:
    assert view({"fields": "instantiatedVnfInfo/vnfState"}) == without(
        INSTANCE,
        "vnfConfigurableProperties",
        "metadata",
        "instantiatedVnfInfo/scaleStatus",
        "instantiatedVnfInfo/vnfcResourceInfo",
        "instantiatedVnfInfo/extCpInfo",
    )


def test_fields_through_an_array_applies_to_every_element() -> None:
    result = view({"fields": "instantiatedVnfInfo/vnfcResourceInfo/computeResource"})
    assert (
        result["instantiatedVnfInfo"]["vnfcResourceInfo"]
        == INSTANCE["instantiatedVnfInfo"]["vnfcResourceInfo"]
    )
    result = view({"fields": "instantiatedVnfInfo/vnfcResourceInfo/vduId"})
    assert result["instantiatedVnfInfo"]["vnfcResourceInfo"] == [
        {"id": "c1", "vduId": "VDU1"},
        {"id": "c2", "vduId": "VDU2"},
    ]


def test_exclude_fields_removes_only_the_listed_complex_attributes() -> None:
    assert view({"exclude_fields": "metadata,instantiatedVnfInfo/scaleStatus"}) == without(
        INSTANCE, "metadata", "instantiatedVnfInfo/scaleStatus"
    )


def test_exclude_fields_through_an_array() -> None:
    result = view({"exclude_fields": "instantiatedVnfInfo/vnfcResourceInfo/computeResource"})
    assert result["instantiatedVnfInfo"]["vnfcResourceInfo"] == [
        {"id": "c1", "vduId": "VDU1"},
        {"id": "c2", "vduId": "VDU2"},
    ]
    assert result["vnfConfigurableProperties"] == INSTANCE["vnfConfigurableProperties"]


def test_simple_and_kept_attributes_are_never_removed() -> None:
    assert view({"exclude_fields": "id,vnfdId,_links,nonexistent"}) == INSTANCE
    assert view({"fields": "id"})["_links"] == INSTANCE["_links"]
    assert "_links" in view({})


def test_exclude_default_with_fields_brings_back_listed_parts() -> None:
    assert view({"exclude_default": "", "fields": "instantiatedVnfInfo/extCpInfo"}) == without(
        INSTANCE, "vnfConfigurableProperties", "instantiatedVnfInfo/vnfcResourceInfo"
    )
    # A listed ancestor brings back everything below it.
    assert view({"exclude_default": "", "fields": "instantiatedVnfInfo"}) == without(
        INSTANCE, "vnfConfigurableProperties"
    )
    # A listed descendant brings back its excluded ancestor with simple members only.
    result = view({"exclude_default": "", "fields": "instantiatedVnfInfo/vnfcResourceInfo/vduId"})
    assert result["instantiatedVnfInfo"]["vnfcResourceInfo"] == [
        {"id": "c1", "vduId": "VDU1"},
        {"id": "c2", "vduId": "VDU2"},
    ]
    assert "extCpInfo" not in result["instantiatedVnfInfo"]
    assert "metadata" in result


def test_the_document_is_not_modified() -> None:
    before = copy.deepcopy(INSTANCE)
    for args in [{}, {"fields": "metadata"}, {"exclude_fields": "instantiatedVnfInfo/extCpInfo"}]:
        view(args)
    assert before == INSTANCE


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"all_fields": "", "fields": "a"}, "all_fields, fields cannot be combined"),
        ({"all_fields": "", "exclude_default": ""}, "all_fields, exclude_default cannot be"),
        ({"fields": "a", "exclude_fields": "b"}, "fields, exclude_fields cannot be combined"),
        ({"exclude_fields": "a", "exclude_default": ""}, "exclude_fields, exclude_default"),
        ({"all_fields": "true"}, "all_fields: this parameter is a flag and takes no value"),
        ({"exclude_default": "1"}, "exclude_default: this parameter is a flag"),
        ({"fields": ""}, "fields: the list of attributes is empty"),
        ({"fields": "a,,b"}, "fields: attribute 2 of 'a,,b' is empty"),
        ({"exclude_fields": "a/"}, "exclude_fields: an attribute name is empty in 'a/'"),
        ({"fields": "a b"}, "fields: attribute name 'a b' contains the character ' '"),
    ],
)
def test_invalid_selectors(args: dict[str, str], message: str) -> None:
    with pytest.raises(QueryError) as caught:
        parse_selectors(args)
    assert message in caught.value.message


def test_parse_keeps_the_paths() -> None:
    assert parse_selectors({"exclude_default": "", "fields": "a/b,c"}) == Selector(
        fields=(("a", "b"), ("c",)), exclude_default=True
    )


@pytest.mark.parametrize(
    ("args", "needed"),
    [
        ({}, {"instantiatedVnfInfo", "metadata", "_links"}),
        ({"all_fields": ""}, {"instantiatedVnfInfo", "metadata", "vnfConfigurableProperties"}),
        ({"fields": "metadata"}, {"metadata", "_links"}),
        ({"fields": "instantiatedVnfInfo/vnfState"}, {"instantiatedVnfInfo", "_links"}),
        ({"exclude_fields": "metadata"}, {"instantiatedVnfInfo", "vnfConfigurableProperties"}),
        (
            {"exclude_default": "", "fields": "vnfConfigurableProperties"},
            {"instantiatedVnfInfo", "metadata", "vnfConfigurableProperties"},
        ),
    ],
)
def test_needs(args: dict[str, str], needed: set[str]) -> None:
    selector = parse_selectors(args)
    complex_attributes = {k for k, v in INSTANCE.items() if isinstance(v, dict | list)}
    got = {a for a in complex_attributes if selector.needs(a, DEFAULT_EXCLUDED)}
    assert got >= needed
    assert got == {a for a in complex_attributes if a in selector.apply(INSTANCE, DEFAULT_EXCLUDED)}


# --- properties ------------------------------------------------------------------------

NAMES = ["a", "b", "c", "_links"]
json_leaf = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.sampled_from(["x", "y"]))
documents = st.recursive(
    json_leaf,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(NAMES), inner, max_size=4)
    ),
    max_leaves=12,
)
paths = st.lists(st.sampled_from(NAMES[:3]), min_size=1, max_size=3).map("/".join)
path_lists = st.lists(paths, min_size=1, max_size=3).map(",".join)
selector_args = st.one_of(
    st.just({}),
    st.just({"all_fields": ""}),
    path_lists.map(lambda p: {"fields": p}),
    path_lists.map(lambda p: {"exclude_fields": p}),
    st.just({"exclude_default": ""}),
    path_lists.map(lambda p: {"exclude_default": "", "fields": p}),
)
default_sets = st.lists(paths, max_size=3).map(frozenset)


def _is_sub_document(small: Any, big: Any) -> bool:
    """``small`` is ``big`` with some complex members of objects removed."""
    if isinstance(big, dict):
        return (
            isinstance(small, dict)
            and small.keys() <= big.keys()
            and all(isinstance(big[k], dict | list) for k in big.keys() - small.keys())
            and all(_is_sub_document(small[k], big[k]) for k in small)
        )
    if isinstance(big, list):
        return (
            isinstance(small, list)
            and len(small) == len(big)
            and all(_is_sub_document(s, b) for s, b in zip(small, big, strict=True))
        )
    return small == big


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(NAMES), documents, max_size=4), selector_args, default_sets)
def test_selection_only_removes_complex_attributes_and_needs_agrees(
    doc: dict[str, Any], args: dict[str, str], default_excluded: frozenset[str]
) -> None:
    selector = parse_selectors(args)
    result = selector.apply(doc, default_excluded)
    assert _is_sub_document(result, doc)
    assert result.get("_links", None) == doc.get("_links")
    for key, value in doc.items():
        if isinstance(value, dict | list) and key in result:
            assert selector.needs(key, default_excluded)
        if not isinstance(value, dict | list):
            assert result[key] == value


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(NAMES), documents, max_size=4), selector_args, default_sets)
def test_removes_only_and_shows_whole_agree_with_apply(
    doc: dict[str, Any], args: dict[str, str], default_excluded: frozenset[str]
) -> None:
    # What lists rely on to skip apply() (removes_only: a list does not read what it
    # removes) and to send a stored JSON document as its text (shows_whole).
    selector = parse_selectors(args)
    result = selector.apply(doc, default_excluded)
    removed = selector.removes_only(default_excluded)
    if removed is not None:
        unread = {k: v for k, v in doc.items() if k not in removed}
        assert selector.apply(unread, default_excluded) == unread
    for key, value in doc.items():
        if selector.shows_whole(key, default_excluded):
            assert result[key] == value


@pytest.mark.parametrize(
    ("args", "removed"),
    [
        ({}, None),  # the default set reaches into instantiatedVnfInfo
        ({"all_fields": ""}, set()),
        ({"exclude_fields": "metadata,_links"}, {"metadata"}),
        (
            {"exclude_fields": "metadata,vnfConfigurableProperties"},
            {"metadata", "vnfConfigurableProperties"},
        ),
        ({"exclude_default": "", "fields": "vnfConfigurableProperties"}, None),
        ({"fields": "metadata"}, None),
        ({"exclude_fields": "instantiatedVnfInfo/extCpInfo"}, None),
    ],
)
def test_removes_only(args: dict[str, str], removed: set[str] | None) -> None:
    got = parse_selectors(args).removes_only(DEFAULT_EXCLUDED)
    assert got == (None if removed is None else frozenset(removed))
