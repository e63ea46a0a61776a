"""Subscription filters: validation, match keys, and SQL selection against the reference."""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.notify.helpers import subscribe
from vnfm.notify.filters import (
    NOTIFICATION_TYPES,
    Event,
    FilterError,
    canonical,
    event_keys,
    filter_keys,
    key_value,
    matches,
    normalise_filter,
)
from vnfm.notify.matching import matching_subscriptions

VNFD_IDS = ["d1", "d2"]
PROVIDERS = ["P1", "P2"]
PRODUCTS = ["N1", "N2"]
SOFTWARE = ["1", "2"]
VNFD_VERSIONS = ["a", "b"]
INSTANCE_IDS = ["i1", "i2"]
NAMES = ["n1", "n2"]
OPERATIONS = ["INSTANTIATE", "SCALE", "TERMINATE"]
STATES = ["STARTING", "PROCESSING", "COMPLETED", "FAILED_TEMP"]


def _some(rng: random.Random, values: list[str]) -> list[str]:
    return rng.sample(values, rng.randint(1, len(values)))


def random_filter(rng: random.Random) -> dict[str, Any] | None:
    doc: dict[str, Any] = {}
    if rng.random() < 0.4:
        doc["notificationTypes"] = _some(rng, list(NOTIFICATION_TYPES))
    if rng.random() < 0.3:
        doc["operationTypes"] = _some(rng, OPERATIONS)
    if rng.random() < 0.3:
        doc["operationStates"] = _some(rng, STATES)
    inst: dict[str, Any] = {}
    choice = rng.random()
    if choice < 0.25:
        inst["vnfdIds"] = _some(rng, VNFD_IDS)
    elif choice < 0.5:
        inst["vnfProductsFromProviders"] = [_random_provider(rng, p) for p in _some(rng, PROVIDERS)]
    choice = rng.random()
    if choice < 0.25:
        inst["vnfInstanceIds"] = _some(rng, INSTANCE_IDS)
    elif choice < 0.4:
        inst["vnfInstanceNames"] = _some(rng, NAMES)
    if inst:
        doc["vnfInstanceSubscriptionFilter"] = inst
    return normalise_filter(doc) if doc else None


def _random_provider(rng: random.Random, provider: str) -> dict[str, Any]:
    entry: dict[str, Any] = {"vnfProvider": provider}
    if rng.random() < 0.7:
        products = []
        for name in _some(rng, PRODUCTS):
            product: dict[str, Any] = {"vnfProductName": name}
            if rng.random() < 0.6:
                versions = []
                for software in _some(rng, SOFTWARE):
                    version: dict[str, Any] = {"vnfSoftwareVersion": software}
                    if rng.random() < 0.5:
                        version["vnfdVersions"] = _some(rng, VNFD_VERSIONS)
                    versions.append(version)
                product["versions"] = versions
            products.append(product)
        entry["vnfProducts"] = products
    return entry


def random_event(rng: random.Random) -> Event:
    kind = rng.choice(NOTIFICATION_TYPES)
    operation = kind.endswith("OperationOccurrenceNotification")
    known = rng.random() < 0.9  # sometimes the instance is gone: only its id is known
    return Event(
        notification_type=kind,
        operation=rng.choice(OPERATIONS) if operation else None,
        operation_state=rng.choice(STATES) if operation else None,
        vnf_instance_id=rng.choice(INSTANCE_IDS),
        vnf_instance_name=rng.choice(NAMES + [None]) if known else None,
        vnfd_id=rng.choice(VNFD_IDS) if known else None,
        vnf_provider=rng.choice(PROVIDERS) if known else None,
        vnf_product_name=rng.choice(PRODUCTS) if known else None,
        vnf_software_version=rng.choice(SOFTWARE) if known else None,
        vnfd_version=rng.choice(VNFD_VERSIONS) if known else None,
    )


def key_rule(filter_doc: dict[str, Any] | None, event: Event) -> bool:
    """The rule matching.py runs in SQL, run over the same keys in Python."""
    keys = filter_keys(filter_doc)
    offered = event_keys(event)
    for dim in {d for d, _ in keys}:
        values = offered.get(dim)
        if values is None:
            continue
        if not any((dim, v) in keys for v in values):
            return False
    return True


# ------------------------------------------------------------------ validation


def test_empty_lists_and_objects_are_dropped() -> None:
    doc = {
        "notificationTypes": [],
        "operationStates": ["COMPLETED", "COMPLETED"],
        "vnfInstanceSubscriptionFilter": {"vnfdIds": []},
    }
    assert normalise_filter(doc) == {"operationStates": ["COMPLETED"]}
    assert normalise_filter({}) is None
    assert normalise_filter(None) is None


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"operationStates": ["DONE"]}, "filter.operationStates[0]"),
        ({"notificationTypes": "VnfIdentifierCreationNotification"}, "expected an array"),
        ({"colour": ["red"]}, "unknown attribute(s) colour"),
        (
            {
                "vnfInstanceSubscriptionFilter": {
                    "vnfdIds": ["a"],
                    "vnfProductsFromProviders": [{"vnfProvider": "P"}],
                }
            },
            "vnfdIds or vnfProductsFromProviders",
        ),
        (
            {"vnfInstanceSubscriptionFilter": {"vnfInstanceIds": ["a"], "vnfInstanceNames": ["b"]}},
            "vnfInstanceIds or vnfInstanceNames",
        ),
        (
            {"vnfInstanceSubscriptionFilter": {"vnfProductsFromProviders": [{"vnfProducts": []}]}},
            "vnfProductsFromProviders[0].vnfProvider",
        ),
        (
            {
                "vnfInstanceSubscriptionFilter": {
                    "vnfProductsFromProviders": [
                        {"vnfProvider": "P", "vnfProducts": [{"versions": []}]}
                    ]
                }
            },
            "vnfProducts[0].vnfProductName",
        ),
    ],
)
def test_malformed_filters_are_named(doc: dict[str, Any], message: str) -> None:
    with pytest.raises(FilterError) as caught:
        normalise_filter(doc)
    assert message in str(caught.value)


def test_canonical_ignores_order_and_repetition_only() -> None:
    one = normalise_filter({"operationStates": ["FAILED", "COMPLETED"]})
    two = normalise_filter({"operationStates": ["COMPLETED", "FAILED", "COMPLETED"]})
    three = normalise_filter({"operationStates": ["COMPLETED"]})
    assert canonical(one) == canonical(two)
    assert canonical(one) != canonical(three)


def test_long_values_become_digests_of_bounded_length() -> None:
    long = "x" * 1000
    value = key_value("p", long, long)
    assert value.startswith("h:") and len(value) <= 255
    assert value != key_value("p", long, long + "y")
    assert key_value("d", "short") == "d\x1fshort"


# ------------------------------------------------------------------ semantics


def test_operation_filters_do_not_apply_to_identifier_notifications() -> None:
    only_failures = normalise_filter({"operationStates": ["FAILED"]})
    created = Event("VnfIdentifierCreationNotification", vnf_instance_id="i1")
    started = Event(
        "VnfLcmOperationOccurrenceNotification",
        operation="INSTANTIATE",
        operation_state="STARTING",
        vnf_instance_id="i1",
    )
    assert matches(only_failures, created) and key_rule(only_failures, created)
    assert not matches(only_failures, started) and not key_rule(only_failures, started)


def test_product_paths_narrow_from_provider_to_vnfd_version() -> None:
    flt = normalise_filter(
        {
            "vnfInstanceSubscriptionFilter": {
                "vnfProductsFromProviders": [
                    {
                        "vnfProvider": "P1",
                        "vnfProducts": [
                            {
                                "vnfProductName": "N1",
                                "versions": [{"vnfSoftwareVersion": "1", "vnfdVersions": ["a"]}],
                            }
                        ],
                    },
                    {"vnfProvider": "P2"},
                ]
            }
        }
    )

    def event(provider: str, product: str, software: str, version: str) -> Event:
        return Event(
            "VnfIdentifierCreationNotification",
            vnf_instance_id="i1",
            vnf_provider=provider,
            vnf_product_name=product,
            vnf_software_version=software,
            vnfd_version=version,
        )

    for ev, expected in [
        (event("P1", "N1", "1", "a"), True),
        (event("P1", "N1", "1", "b"), False),
        (event("P1", "N1", "2", "a"), False),
        (event("P1", "N2", "1", "a"), False),
        (event("P2", "anything", "9", "z"), True),
        (event("P3", "N1", "1", "a"), False),
    ]:
        assert matches(flt, ev) is expected
        assert key_rule(flt, ev) is expected


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=2**32))
def test_match_keys_agree_with_the_reference(seed: int) -> None:
    rng = random.Random(seed)
    flt = random_filter(rng)
    for _ in range(10):
        event = random_event(rng)
        assert key_rule(flt, event) == matches(flt, event), (flt, event)


# ------------------------------------------------------------------ SQL selection


def test_sql_selects_exactly_the_matching_subscriptions(services) -> None:
    rng = random.Random(20240607)
    filters = [random_filter(rng) for _ in range(120)]
    rows = [
        subscribe(services, {"callbackUri": f"http://127.0.0.1:9/{i}", "filter": f})
        for i, f in enumerate(filters)
    ]
    by_id = {row.id: row.filter for row in rows}
    checked = 0
    with services.reader() as session:
        for _ in range(150):
            event = random_event(rng)
            expected = {sid for sid, flt in by_id.items() if matches(flt, event)}
            selected = {row.id for row in matching_subscriptions(session, event)}
            assert selected == expected, event
            checked += len(expected)
    assert checked > 0  # the corpus is not degenerate: some events did match


def test_sql_candidates_need_no_residual_check(services) -> None:
    """The SQL statement alone is exact (the Python re-check is only a safety net)."""
    from vnfm.notify.matching import candidate_ids_statement

    rng = random.Random(7)
    rows = [
        subscribe(
            services, {"callbackUri": f"http://127.0.0.1:9/{i}", "filter": random_filter(rng)}
        )
        for i in range(60)
    ]
    with services.reader() as session:
        for _ in range(60):
            event = random_event(rng)
            ids = set(session.scalars(candidate_ids_statement(event)))
            assert ids == {r.id for r in rows if matches(r.filter, event)}
