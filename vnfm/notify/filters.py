"""LifecycleChangeNotificationsFilter: validation, match keys, and the reference match.

Pure functions, no I/O.  A filter is flattened into match keys along five
dimensions; an event is described by the keys it carries in the same dimensions.
A subscription matches an event when, in every dimension its filter constrains,
one of its keys equals one of the event's keys.  :mod:`vnfm.notify.matching`
runs that rule in SQL; :func:`matches` states it directly and serves as the check
applied to the candidates SQL returns (and as the oracle of the tests).

Dimensions and keys:

========  ======================================================================
``nt``    notification type
``op``    operation (only for notifications about an operation occurrence)
``st``    operation state (idem)
``vnf``   ``d:<vnfdId>``, or a provider / product / software version / VNFD version
          path from ``vnfProductsFromProviders`` (a shorter path covers more)
``inst``  ``i:<vnfInstanceId>`` or ``n:<vnfInstanceName>``
========  ======================================================================

SOL003 makes ``operationTypes`` and ``operationStates`` apply only to operation
occurrence notifications: for other notifications the event leaves ``op`` and ``st``
open (``None``), which any key of that dimension matches.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from vnfm.notify.models import KEY_VALUE_LENGTH

NOTIFICATION_TYPES = (
    "VnfLcmOperationOccurrenceNotification",
    "VnfIdentifierCreationNotification",
    "VnfIdentifierDeletionNotification",
    "InfrastructureOperationOccurrenceNotification",
)
OPERATION_TYPES = (
    "INSTANTIATE",
    "SCALE",
    "SCALE_TO_LEVEL",
    "CHANGE_FLAVOUR",
    "TERMINATE",
    "HEAL",
    "OPERATE",
    "CHANGE_EXT_CONN",
    "MODIFY_INFO",
    "CREATE_SNAPSHOT",
    "REVERT_TO_SNAPSHOT",
    "CHANGE_VNFPKG",
    "MONITORING_MIGRATION",  # our extension (seed 003), announced like the others
)
OPERATION_STATES = (
    "STARTING",
    "PROCESSING",
    "COMPLETED",
    "FAILED_TEMP",
    "FAILED",
    "ROLLING_BACK",
    "ROLLED_BACK",
)

ANY = "*"
_SEP = "\x1f"  # joins the parts of a product path; cannot occur in JSON-sourced text
_DIGEST_PREFIX = "h:"


class FilterError(ValueError):
    """The filter is malformed; the message names the attribute, for a 400/422."""


@dataclass(frozen=True)
class Event:
    """What a notification is about, as far as filters can see."""

    notification_type: str
    operation: str | None = None
    operation_state: str | None = None
    vnf_instance_id: str | None = None
    vnf_instance_name: str | None = None
    vnfd_id: str | None = None
    vnf_provider: str | None = None
    vnf_product_name: str | None = None
    vnf_software_version: str | None = None
    vnfd_version: str | None = None

    @property
    def is_operation(self) -> bool:
        return self.operation is not None


# ------------------------------------------------------------------ validation


def normalise_filter(raw: Any) -> dict[str, Any] | None:
    """The filter to store and show: checked, with empty lists and objects removed.

    An empty list constrains nothing (it is read as "not given") rather than
    matching nothing, which no subscriber could want.  Returns None for no filter.
    """
    if raw is None:
        return None
    doc = _object(raw, "filter")
    result: dict[str, Any] = {}
    for name, allowed in (
        ("notificationTypes", NOTIFICATION_TYPES),
        ("operationTypes", OPERATION_TYPES),
        ("operationStates", OPERATION_STATES),
    ):
        values = _strings(doc.get(name), f"filter.{name}", allowed)
        if values:
            result[name] = values
    unknown = set(doc) - {
        "notificationTypes",
        "operationTypes",
        "operationStates",
        "vnfInstanceSubscriptionFilter",
    }
    if unknown:
        raise FilterError(f"filter: unknown attribute(s) {', '.join(sorted(unknown))}")
    instances = _instance_filter(doc.get("vnfInstanceSubscriptionFilter"))
    if instances:
        result["vnfInstanceSubscriptionFilter"] = instances
    return result or None


def _instance_filter(raw: Any) -> dict[str, Any] | None:
    where = "filter.vnfInstanceSubscriptionFilter"
    if raw is None:
        return None
    doc = _object(raw, where)
    unknown = set(doc) - {
        "vnfdIds",
        "vnfProductsFromProviders",
        "vnfInstanceIds",
        "vnfInstanceNames",
    }
    if unknown:
        raise FilterError(f"{where}: unknown attribute(s) {', '.join(sorted(unknown))}")
    result: dict[str, Any] = {}
    for name in ("vnfdIds", "vnfInstanceIds", "vnfInstanceNames"):
        values = _strings(doc.get(name), f"{where}.{name}")
        if values:
            result[name] = values
    providers = _providers(doc.get("vnfProductsFromProviders"), f"{where}.vnfProductsFromProviders")
    if providers:
        result["vnfProductsFromProviders"] = providers
    for first, second in (
        ("vnfdIds", "vnfProductsFromProviders"),
        ("vnfInstanceIds", "vnfInstanceNames"),
    ):
        if first in result and second in result:
            raise FilterError(f"{where}: give {first} or {second}, not both")
    return result or None


def _providers(raw: Any, where: str) -> list[dict[str, Any]]:
    result = []
    for i, item in enumerate(_list(raw, where)):
        here = f"{where}[{i}]"
        entry = _object(item, here)
        provider = _string(entry.get("vnfProvider"), f"{here}.vnfProvider")
        out: dict[str, Any] = {"vnfProvider": provider}
        products = []
        for j, product_raw in enumerate(_list(entry.get("vnfProducts"), f"{here}.vnfProducts")):
            p_here = f"{here}.vnfProducts[{j}]"
            product = _object(product_raw, p_here)
            p_out: dict[str, Any] = {
                "vnfProductName": _string(product.get("vnfProductName"), f"{p_here}.vnfProductName")
            }
            versions = []
            for k, version_raw in enumerate(_list(product.get("versions"), f"{p_here}.versions")):
                v_here = f"{p_here}.versions[{k}]"
                version = _object(version_raw, v_here)
                v_out: dict[str, Any] = {
                    "vnfSoftwareVersion": _string(
                        version.get("vnfSoftwareVersion"), f"{v_here}.vnfSoftwareVersion"
                    )
                }
                vnfd_versions = _strings(version.get("vnfdVersions"), f"{v_here}.vnfdVersions")
                if vnfd_versions:
                    v_out["vnfdVersions"] = vnfd_versions
                versions.append(v_out)
            if versions:
                p_out["versions"] = versions
            products.append(p_out)
        if products:
            out["vnfProducts"] = products
        result.append(out)
    return result


def _object(raw: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise FilterError(f"{where}: expected an object")
    return raw


def _list(raw: Any, where: str) -> list[Any]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise FilterError(f"{where}: expected an array")
    return raw


def _string(raw: Any, where: str) -> str:
    if not isinstance(raw, str) or not raw:
        raise FilterError(f"{where}: expected a non-empty string")
    return raw


def _strings(raw: Any, where: str, allowed: Iterable[str] | None = None) -> list[str]:
    values = []
    allowed_set = set(allowed) if allowed is not None else None
    for i, item in enumerate(_list(raw, where)):
        value = _string(item, f"{where}[{i}]")
        if allowed_set is not None and value not in allowed_set:
            raise FilterError(f"{where}[{i}]: {value!r} is not one of {', '.join(allowed or ())}")
        if value not in values:
            values.append(value)
    return values


def canonical(filter_doc: dict[str, Any] | None) -> str:
    """A text equal for filters that select the same events: lists are sets here."""
    return json.dumps(_canonical(filter_doc or {}), sort_keys=True, separators=(",", ":"))


def _canonical(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        items = [_canonical(v) for v in value]
        unique = {json.dumps(v, sort_keys=True): v for v in items}
        return [unique[k] for k in sorted(unique)]
    return value


# ------------------------------------------------------------------ match keys


def key_value(*parts: str) -> str:
    """One stored key value; long values become a digest so the column stays indexable."""
    value = _SEP.join(parts)
    if len(value) <= KEY_VALUE_LENGTH - len(_DIGEST_PREFIX) and not value.startswith(
        _DIGEST_PREFIX
    ):
        return value
    return _DIGEST_PREFIX + hashlib.sha256(value.encode()).hexdigest()


def filter_keys(filter_doc: dict[str, Any] | None) -> set[tuple[str, str]]:
    """The ``(dimension, value)`` keys of a normalised filter; ``{("*", "*")}`` if none."""
    doc = filter_doc or {}
    keys: set[tuple[str, str]] = set()
    for name, dim in (
        ("notificationTypes", "nt"),
        ("operationTypes", "op"),
        ("operationStates", "st"),
    ):
        keys.update((dim, key_value(v)) for v in doc.get(name, ()))
    inst = doc.get("vnfInstanceSubscriptionFilter") or {}
    keys.update(("vnf", key_value("d", v)) for v in inst.get("vnfdIds", ()))
    for provider in inst.get("vnfProductsFromProviders", ()):
        keys.update(("vnf", key_value("p", *path)) for path in _product_paths(provider))
    keys.update(("inst", key_value("i", v)) for v in inst.get("vnfInstanceIds", ()))
    keys.update(("inst", key_value("n", v)) for v in inst.get("vnfInstanceNames", ()))
    return keys or {(ANY, ANY)}


def _product_paths(provider: dict[str, Any]) -> list[tuple[str, ...]]:
    """The most specific paths a provider entry names; each covers all below it."""
    name = provider["vnfProvider"]
    products = provider.get("vnfProducts") or []
    if not products:
        return [(name,)]
    paths: list[tuple[str, ...]] = []
    for product in products:
        product_name = product["vnfProductName"]
        versions = product.get("versions") or []
        if not versions:
            paths.append((name, product_name))
            continue
        for version in versions:
            software = version["vnfSoftwareVersion"]
            vnfd_versions = version.get("vnfdVersions") or []
            if not vnfd_versions:
                paths.append((name, product_name, software))
            paths.extend((name, product_name, software, v) for v in vnfd_versions)
    return paths


def event_keys(event: Event) -> dict[str, list[str] | None]:
    """The keys an event offers per dimension; None leaves the dimension open."""
    vnf: list[str] = []
    if event.vnfd_id is not None:
        vnf.append(key_value("d", event.vnfd_id))
    if event.vnf_provider is not None:
        path = (
            event.vnf_provider,
            event.vnf_product_name or "",
            event.vnf_software_version or "",
            event.vnfd_version or "",
        )
        vnf.extend(key_value("p", *path[:n]) for n in range(1, 5))
    inst: list[str] = []
    if event.vnf_instance_id is not None:
        inst.append(key_value("i", event.vnf_instance_id))
    if event.vnf_instance_name is not None:
        inst.append(key_value("n", event.vnf_instance_name))
    return {
        ANY: [ANY],
        "nt": [key_value(event.notification_type)],
        "op": [key_value(event.operation)] if event.is_operation else None,
        "st": [key_value(event.operation_state)]
        if event.is_operation and event.operation_state is not None
        else None,
        "vnf": vnf,
        "inst": inst,
    }


# ------------------------------------------------------------------ reference match


def matches(filter_doc: dict[str, Any] | None, event: Event) -> bool:
    """Whether a normalised filter selects the event, read straight from the filter."""
    doc = filter_doc or {}
    if "notificationTypes" in doc and event.notification_type not in doc["notificationTypes"]:
        return False
    if event.is_operation:
        if "operationTypes" in doc and event.operation not in doc["operationTypes"]:
            return False
        if (
            "operationStates" in doc
            and event.operation_state is not None
            and event.operation_state not in doc["operationStates"]
        ):
            return False
    inst = doc.get("vnfInstanceSubscriptionFilter") or {}
    if "vnfdIds" in inst and event.vnfd_id not in inst["vnfdIds"]:
        return False
    if "vnfProductsFromProviders" in inst and not any(
        _product_matches(p, event) for p in inst["vnfProductsFromProviders"]
    ):
        return False
    if "vnfInstanceIds" in inst and event.vnf_instance_id not in inst["vnfInstanceIds"]:
        return False
    return not (
        "vnfInstanceNames" in inst and event.vnf_instance_name not in inst["vnfInstanceNames"]
    )


def _product_matches(provider: dict[str, Any], event: Event) -> bool:
    if provider["vnfProvider"] != event.vnf_provider:
        return False
    products = provider.get("vnfProducts") or []
    if not products:
        return True
    for product in products:
        if product["vnfProductName"] != event.vnf_product_name:
            continue
        versions = product.get("versions") or []
        if not versions:
            return True
        for version in versions:
            if version["vnfSoftwareVersion"] != event.vnf_software_version:
                continue
            vnfd_versions = version.get("vnfdVersions") or []
            if not vnfd_versions or event.vnfd_version in vnfd_versions:
                return True
    return False
