"""ETSI's own SOL003 v3.3.1 schemas, loaded from ../shared at test time (never copied)."""

from __future__ import annotations

import functools
import json
from typing import Any

from openapi_schema_validator import OAS30Validator

from tests.conftest import SHARED

LCM_DOCUMENT = SHARED / "reference" / "etsi-sol003-v3.3.1" / "VNFLifecycleManagement.openapi.json"


@functools.cache
def lcm_document() -> dict[str, Any]:
    # A missing document is an error, not a skip: the contract is what these tests check.
    return json.loads(LCM_DOCUMENT.read_text())


#: ETSI's file says a VnfLcmOpOcc has *exactly one* of these two attributes, but the
#: standard's text (and seed 004, note 2) says *not more than one*: an INSTANTIATE has
#: neither.  Tests check the text's rule.
AT_MOST_ONE = ("changedInfo", "modificationsTriggeredByVnfPkgChange")
ERRATUM_ONE_OF = [{"required": [name]} for name in AT_MOST_ONE]


#: ETSI's file puts "one of addresses / addressRange" on IpOverEthernetAddressInfo, where
#: no such attributes exist; the text puts it on each entry of ``ipAddresses``.
ADDRESS_ONE_OF = [{"required": ["addresses"]}, {"required": ["addressRange"]}]


def corrected(schema: Any) -> Any:
    """The schema with the named errata above replaced by what the text says."""
    if isinstance(schema, list):
        return [corrected(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    fixed = {key: corrected(value) for key, value in schema.items()}
    if fixed.get("oneOf") == ERRATUM_ONE_OF:
        del fixed["oneOf"]
        fixed["not"] = {"required": list(AT_MOST_ONE)}
    ip_addresses = fixed.get("properties", {}).get("ipAddresses")
    if fixed.get("oneOf") == ADDRESS_ONE_OF and ip_addresses is not None:
        del fixed["oneOf"]
        ip_addresses["items"] = {**ip_addresses["items"], "oneOf": ADDRESS_ONE_OF}
    return fixed


@functools.cache
def response_schema(response_name: str) -> dict[str, Any]:
    """The JSON schema of a named response, e.g. ``IndividualVnfInstance.Get.200``."""
    response = lcm_document()["components"]["responses"][response_name]
    return corrected(response["content"]["application/json"]["schema"])


def test_the_erratum_is_still_in_etsis_file() -> None:
    raw = lcm_document()["components"]["responses"]["IndividualVnfLcmOpOcc.Get.200"]
    assert raw["content"]["application/json"]["schema"]["oneOf"] == ERRATUM_ONE_OF


#: List responses whose schema in ETSI's file is the element's, not an array of them;
#: the text says the body is an array.
LIST_ERRATA = frozenset({"VnfLcmOpOccs.Get.200", "Subscriptions.Get.200"})


def assert_valid(doc: Any, response_name: str) -> None:
    schema = response_schema(response_name)
    if response_name in LIST_ERRATA:
        assert schema["type"] == "object", "ETSI fixed the list schema: drop the erratum"
        schema = {"type": "array", "items": schema}
    errors = sorted(OAS30Validator(schema).iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, "; ".join(
        f"{'/'.join(map(str, e.path)) or '<root>'}: {e.message}" for e in errors[:5]
    )
