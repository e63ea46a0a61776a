"""Our OpenAPI documents against ETSI's published SOL003 v3.3.1 OpenAPI.

The ETSI document stays outside the repository (in ``../shared`` next to it); the
tests read it only to compare facts: paths, methods, status codes, parameter names,
mandatory attributes and enumerations of request bodies.

Where ETSI's file disagrees with the SOL003 v3.3.1 specification text, we follow the
text. Each such case is listed below, and a test checks that ETSI's file still says
what we claim, so the list cannot go stale silently.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_spec_validator import validate

ROOT = Path(__file__).resolve().parents[2]
OURS_V2 = ROOT / "openapi" / "vnflcm_v2.yaml"
OURS_VERSIONS = ROOT / "openapi" / "api_versions.yaml"
ETSI = (
    ROOT.parent
    / "shared"
    / "reference"
    / "etsi-sol003-v3.3.1"
    / "VNFLifecycleManagement.openapi.json"
)

METHODS = ("get", "put", "post", "patch", "delete", "head", "options")

# Headers that vnfm's middleware handles; our documents must not declare them.
MIDDLEWARE_HEADERS = {"version", "authorization", "accept", "content-type"}

EXPECTED_OPERATION_IDS = {
    "vnfm.api.versions.get_api_versions",
    *(f"vnfm.api.vnf_instances.{n}" for n in ("create", "search", "get", "modify", "delete")),
    *(
        f"vnfm.api.tasks.{n}"
        for n in (
            "instantiate",
            "scale",
            "scale_to_level",
            "change_flavour",
            "terminate",
            "heal",
            "operate",
            "change_ext_conn",
            "change_vnfpkg",
            "create_snapshot",
            "revert_to_snapshot",
        )
    ),
    *(f"vnfm.api.op_occs.{n}" for n in ("search", "get", "retry", "rollback", "fail", "cancel")),
    *(f"vnfm.api.subscriptions.{n}" for n in ("create", "search", "get", "delete")),
    *(
        f"vnfm.api.snapshots.{n}"
        for n in ("create", "search", "get", "modify", "delete", "get_state_snapshot")
    ),
}

# Request bodies that ETSI's file lacks but the specification text asks for.
# (path, method): why
EXTRA_BODIES = {
    ("/vnf_lcm_op_occs/{vnfLcmOpOccId}/cancel", "post"): "SOL003 5.4.17.3.1: CancelMode, 1",
}

# Attributes that ETSI's file marks mandatory without defining them (names left over
# from drafts). We require the v3.3.1 attribute that each stands for.
REQUIRED_RENAMES = {
    "vnfSnapshotResId": "vnfSnapshotInfoId",  # CreateVnfSnapshotRequest
    "triggeredAt": "creationStartedAt",  # VnfSnapshot, VnfcSnapshotInfo
    "vnfInfo": "vnfInstance",  # VnfSnapshot
    "vnfcResourceId": "vnfcResourceInfoId",  # VnfcSnapshotInfo
}

# Mandatory in SOL003 v3.3.1 (cardinality 1 or 1..N) but not marked in ETSI's file.
# Keyed by the attribute path of the enclosing object, as a suffix.
REQUIRED_ADDITIONS = {
    "vnfInstance": {"_links"},  # VnfInstance, clause 5.5.2.2
    "vnfInstance.instantiatedVnfInfo": {"extCpInfo"},  # clause 5.5.2.2, 1..N
}

# Attribute paths renamed: ETSI's file uses the SOL003 v2 name.
PATH_RENAMES = {"virtualLinkResourceInfo": "vnfVirtualLinkResourceInfo"}

# Top-level request attributes renamed in v3.3.1 but not in ETSI's file:
# (path, method) -> (ETSI's file's name, the v3.3.1 name we use)
PROPERTY_ERRATA = {
    ("/vnf_instances/{vnfInstanceId}", "patch"): ("vnfPkgId", "vnfdId"),
}

# Enumerations that we extend on purpose (vnfm extensions), keyed by the attribute
# path inside the request body. Values: the extra members.
ENUM_EXTENSIONS = {
    "filter.operationTypes[]": {"MONITORING_MIGRATION"},
    "filter.notificationTypes[]": {"InfrastructureOperationOccurrenceNotification"},
}


# ---------------------------------------------------------------- helpers


def _load_yaml(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as f:
        return yaml.safe_load(f)


@cache
def ours() -> dict[str, Any]:
    return _load_yaml(OURS_V2)


@cache
def ours_versions() -> dict[str, Any]:
    return _load_yaml(OURS_VERSIONS)


@cache
def etsi() -> dict[str, Any]:
    # Missing reference documents fail the run: the contract is what these tests check.
    assert ETSI.is_file(), f"ETSI reference document not found at {ETSI}"
    with ETSI.open(encoding="utf-8") as f:
        return json.load(f)


def deref(doc: dict[str, Any], node: Any) -> Any:
    """Follow local ``$ref``s until reaching a node that is not a reference."""
    seen = 0
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        assert ref.startswith("#/"), f"only local references are expected: {ref}"
        node = doc
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        seen += 1
        assert seen < 50, f"reference loop at {ref}"
    return node


def operations(doc: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (path, method): op
        for path, item in doc["paths"].items()
        for method, op in item.items()
        if method in METHODS
    }


def parameters(doc: dict[str, Any], path: str, method: str) -> list[dict[str, Any]]:
    item = doc["paths"][path]
    raw = list(item.get("parameters", [])) + list(item[method].get("parameters", []))
    return [deref(doc, p) for p in raw]


def request_schema(doc: dict[str, Any], op: dict[str, Any]) -> dict[str, Any] | None:
    body = deref(doc, op.get("requestBody"))
    if not body:
        return None
    content = body["content"]
    media = "application/json" if "application/json" in content else next(iter(content))
    return deref(doc, content[media]["schema"])


def enums(doc: dict[str, Any], schema: Any, prefix: str = "", depth: int = 0) -> dict[str, set]:
    """Every enumeration inside ``schema``, keyed by a dotted attribute path."""
    schema = deref(doc, schema)
    found: dict[str, set] = {}
    if not isinstance(schema, dict) or depth > 12:
        return found
    if "enum" in schema:
        found[prefix] = set(schema["enum"])
    for name, prop in schema.get("properties", {}).items():
        name = PATH_RENAMES.get(name, name)
        found.update(enums(doc, prop, f"{prefix}.{name}" if prefix else name, depth + 1))
    if "items" in schema:
        found.update(enums(doc, schema["items"], f"{prefix}[]", depth + 1))
    if isinstance(schema.get("additionalProperties"), dict):
        found.update(enums(doc, schema["additionalProperties"], f"{prefix}{{}}", depth + 1))
    for key in ("allOf", "anyOf", "oneOf"):
        for sub in schema.get(key, []):
            found.update(enums(doc, sub, prefix, depth + 1))
    return found


def non_error_codes(op: dict[str, Any]) -> set[str]:
    return {code for code in op["responses"] if int(code) < 400}


def object_nodes(doc: dict[str, Any], schema: Any, prefix: str = "", depth: int = 0) -> dict:
    """Every object schema inside ``schema``, keyed by a dotted attribute path.

    ``[]`` marks array items and ``{}`` map values. ETSI's attribute names are
    translated with PATH_RENAMES so that both documents use the same keys.
    """
    schema = deref(doc, schema)
    nodes: dict[str, dict[str, Any]] = {}
    if not isinstance(schema, dict) or depth > 14:
        return nodes
    if "properties" in schema or "required" in schema:
        nodes[prefix] = schema
    for name, prop in schema.get("properties", {}).items():
        name = PATH_RENAMES.get(name, name)
        nodes.update(object_nodes(doc, prop, f"{prefix}.{name}" if prefix else name, depth + 1))
    if "items" in schema:
        nodes.update(object_nodes(doc, schema["items"], f"{prefix}[]", depth + 1))
    if isinstance(schema.get("additionalProperties"), dict):
        nodes.update(object_nodes(doc, schema["additionalProperties"], f"{prefix}{{}}", depth + 1))
    return nodes


def expected_required(where: str, etsi_node: dict[str, Any]) -> set[str]:
    """ETSI's mandatory attributes at ``where``, with the documented corrections."""
    defined = set(etsi_node.get("properties", {}))
    expected = set()
    for name in etsi_node.get("required", []):
        if name in defined:
            expected.add(name)
        else:
            assert name in REQUIRED_RENAMES, f"{where}: ETSI requires undefined {name!r}"
            expected.add(REQUIRED_RENAMES[name])
    for suffix, extra in REQUIRED_ADDITIONS.items():
        if where == suffix or where.endswith("." + suffix):
            assert not extra & expected, f"{where}: ETSI now marks {extra}; drop the addition"
            expected |= extra
    return expected


def request_body_pairs() -> Iterator[tuple[tuple[str, str], dict[str, Any], dict[str, Any]]]:
    etsi_ops = operations(etsi())
    for key, op in operations(ours()).items():
        etsi_schema = request_schema(etsi(), etsi_ops[key])
        our_schema = request_schema(ours(), op)
        if etsi_schema is not None and our_schema is not None:
            yield key, etsi_schema, our_schema


# ------------------------------------------------------------------ tests


@pytest.mark.parametrize("path", [OURS_V2, OURS_VERSIONS], ids=lambda p: p.name)
def test_document_is_valid_openapi(path: Path) -> None:
    doc = _load_yaml(path)
    validate(doc)
    assert doc["openapi"].startswith("3.0.")
    assert doc["info"]["version"] == "2.0.0"
    assert doc["info"]["title"] and doc["info"]["description"]
    assert "servers" not in doc, "base paths are given when Connexion mounts the document"


def test_same_paths_and_methods_as_etsi() -> None:
    assert set(operations(ours())) == set(operations(etsi()))


def test_same_success_status_codes_as_etsi() -> None:
    etsi_ops = operations(etsi())
    mismatches = {
        key: (sorted(non_error_codes(op)), sorted(non_error_codes(etsi_ops[key])))
        for key, op in operations(ours()).items()
        if key in etsi_ops and non_error_codes(op) != non_error_codes(etsi_ops[key])
    }
    assert not mismatches, f"(ours, ETSI): {mismatches}"


def test_api_versions_document_matches_etsi_api_versions() -> None:
    ours_ops = operations(ours_versions())
    assert set(ours_ops) == {("/api_versions", "get")}
    etsi_op = operations(etsi())[("/api_versions", "get")]
    assert non_error_codes(ours_ops[("/api_versions", "get")]) == non_error_codes(etsi_op)


def test_request_bodies_present_where_etsi_has_them() -> None:
    etsi_ops = operations(etsi())
    for key, op in operations(ours()).items():
        etsi_body = deref(etsi(), etsi_ops[key].get("requestBody"))
        our_body = deref(ours(), op.get("requestBody"))
        if key in EXTRA_BODIES:
            assert etsi_body is None, f"{key}: ETSI now has a body; drop it from EXTRA_BODIES"
            assert our_body is not None
            continue
        assert (our_body is None) == (etsi_body is None), key
        if our_body is not None:
            assert bool(our_body.get("required")) == bool(etsi_body.get("required")), key
            assert "application/json" in our_body["content"], key


def test_request_body_mandatory_attributes_match_etsi() -> None:
    """Top level, one level down and deeper: same mandatory attributes as ETSI."""
    problems = []
    levels = {0: 0, 1: 0}
    for key, etsi_schema, our_schema in request_body_pairs():
        our_nodes = object_nodes(ours(), our_schema)
        for where, etsi_node in object_nodes(etsi(), etsi_schema).items():
            if where not in our_nodes:
                problems.append((key, where, "missing in ours"))
                continue
            ours_required = set(our_nodes[where].get("required", []))
            expected = expected_required(where, etsi_node)
            if ours_required != expected:
                problems.append((key, where or "<top>", sorted(ours_required), sorted(expected)))
            depth = where.count(".") + 1 if where else 0
            levels[min(depth, 1)] += 1
    assert levels[0] >= 15 and levels[1] >= 20, f"too few comparisons: {levels}"
    assert not problems, f"(operation, where, ours, expected): {problems}"


def test_errata_are_still_needed() -> None:
    """Each correction of ETSI's file must still correspond to something in it."""
    text = ETSI.read_text(encoding="utf-8")
    for stale in [*REQUIRED_RENAMES, *PATH_RENAMES]:
        assert f'"{stale}"' in text, f"ETSI's file no longer uses {stale!r}"
    for key, (old, _new) in PROPERTY_ERRATA.items():
        props = request_schema(etsi(), operations(etsi())[key])["properties"]
        assert old in props, f"{key}: ETSI's file no longer has {old!r}"


def test_cancel_body_requires_cancel_mode() -> None:
    op = ours()["paths"]["/vnf_lcm_op_occs/{vnfLcmOpOccId}/cancel"]["post"]
    body = deref(ours(), op["requestBody"])
    schema = request_schema(ours(), op)
    assert body["required"] is True
    assert schema["required"] == ["cancelMode"]
    assert deref(ours(), schema["properties"]["cancelMode"])["enum"] == ["GRACEFUL", "FORCEFUL"]


def test_request_body_attribute_names_match_etsi() -> None:
    problems = []
    for key, etsi_schema, our_schema in request_body_pairs():
        expected = set(etsi_schema.get("properties", {}))
        if key in PROPERTY_ERRATA:
            old, new = PROPERTY_ERRATA[key]
            expected = (expected - {old}) | {new}
        if set(our_schema.get("properties", {})) != expected:
            problems.append((key, sorted(our_schema.get("properties", {})), sorted(expected)))
    assert not problems, f"(operation, ours, ETSI): {problems}"


def test_request_body_enums_match_etsi() -> None:
    problems = []
    checked = 0
    for key, etsi_schema, our_schema in request_body_pairs():
        our_enums = enums(ours(), our_schema)
        for where, values in enums(etsi(), etsi_schema).items():
            checked += 1
            expected = values | ENUM_EXTENSIONS.get(where, set())
            if our_enums.get(where) != expected:
                problems.append((key, where, sorted(our_enums.get(where, [])), sorted(expected)))
    assert checked > 20, "the comparison did not find the enumerations"
    assert not problems, f"(operation, attribute, ours, expected): {problems}"


def test_operation_ids_are_exactly_the_agreed_ones() -> None:
    used: list[str] = []
    for doc in (ours(), ours_versions()):
        ids = [op.get("operationId") for op in operations(doc).values()]
        assert None not in ids, "every operation needs an operationId"
        assert len(ids) == len(set(ids)), "operationIds repeat within a document"
        used += ids
    assert set(used) <= EXPECTED_OPERATION_IDS, set(used) - EXPECTED_OPERATION_IDS
    assert set(used) >= EXPECTED_OPERATION_IDS, EXPECTED_OPERATION_IDS - set(used)


def test_query_parameters_match_etsi() -> None:
    etsi_ops = operations(etsi())
    for path, method in operations(ours()):
        ours_q = {p["name"] for p in parameters(ours(), path, method) if p["in"] == "query"}
        etsi_q = {p["name"] for p in parameters(etsi(), path, method) if p["in"] == "query"}
        assert ours_q == etsi_q, (path, method)
        assert (path, method) in etsi_ops


def test_list_operations_take_the_sol013_parameters() -> None:
    full = {"filter", "all_fields", "fields", "exclude_fields", "exclude_default"}
    full.add("nextpage_opaque_marker")
    expected = {
        "/vnf_instances": full,
        "/vnf_lcm_op_occs": full,
        "/vnf_snapshots": full,
        "/subscriptions": {"filter", "nextpage_opaque_marker"},
    }
    for path, names in expected.items():
        params = [p for p in parameters(ours(), path, "get") if p["in"] == "query"]
        assert {p["name"] for p in params} == names, path
        for p in params:
            assert p.get("required", False) is False
            assert p["schema"] == {"type": "string"}, (path, p["name"])
            flag = p["name"] in {"all_fields", "exclude_default"}
            assert p.get("allowEmptyValue", False) is flag, (path, p["name"])


def test_no_middleware_headers_declared() -> None:
    for doc in (ours(), ours_versions()):
        for path, method in operations(doc):
            for p in parameters(doc, path, method):
                assert not (p["in"] == "header" and p["name"].lower() in MIDDLEWARE_HEADERS), (
                    path,
                    method,
                    p["name"],
                )


def test_other_header_parameters_are_etsi_ones() -> None:
    for path, method in operations(ours()):
        ours_h = {p["name"] for p in parameters(ours(), path, method) if p["in"] == "header"}
        etsi_h = {p["name"] for p in parameters(etsi(), path, method) if p["in"] == "header"}
        assert ours_h <= etsi_h, (path, method, ours_h - etsi_h)


def test_path_parameters_are_named_as_etsi_and_are_strings() -> None:
    for path, method in operations(ours()):
        params = [p for p in parameters(ours(), path, method) if p["in"] == "path"]
        names = {p["name"] for p in params}
        assert names == {seg[1:-1] for seg in path.split("/") if seg.startswith("{")}
        etsi_names = {p["name"] for p in parameters(etsi(), path, method) if p["in"] == "path"}
        assert names == etsi_names, (path, method)
        for p in params:
            assert p["required"] is True and p["schema"] == {"type": "string"}


def test_error_responses_are_problem_details() -> None:
    for doc in (ours(), ours_versions()):
        for key, op in operations(doc).items():
            for code, resp in op["responses"].items():
                if int(code) < 400:
                    continue
                content = deref(doc, resp)["content"]
                assert list(content) == ["application/problem+json"], (key, code)
                schema = content["application/problem+json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ProblemDetails"}, (key, code)


def test_error_status_codes_match_etsi() -> None:
    etsi_ops = operations(etsi())
    for key, op in operations(ours()).items():
        ours_e = {c for c in op["responses"] if int(c) >= 400}
        etsi_e = {c for c in etsi_ops[key]["responses"] if int(c) >= 400}
        assert ours_e == etsi_e, (key, sorted(ours_e ^ etsi_e))


def test_created_and_started_resources_have_location() -> None:
    for (path, method), op in operations(ours()).items():
        for code, resp in op["responses"].items():
            resp = deref(ours(), resp)
            starts_operation = code == "202" and path.startswith("/vnf_instances/")
            if code == "201" or starts_operation:
                assert "Location" in resp.get("headers", {}), (path, method, code)


def test_success_bodies_use_application_json() -> None:
    for (path, method), op in operations(ours()).items():
        for code, resp in op["responses"].items():
            content = deref(ours(), resp).get("content")
            if int(code) >= 400 or not content:
                continue
            if path.endswith("/vnf_state_snapshot"):
                assert list(content) == ["application/*"]
            else:
                assert list(content) == ["application/json"], (path, method, code)


def test_operation_type_extension_is_documented() -> None:
    op_type = ours()["components"]["schemas"]["LcmOperationType"]
    subscribe = etsi()["paths"]["/subscriptions"]["post"]
    standard = enums(etsi(), request_schema(etsi(), subscribe))["filter.operationTypes[]"]
    assert set(op_type["enum"]) == standard | {"MONITORING_MIGRATION"}
    assert "MONITORING_MIGRATION" in op_type["description"]
    occ = ours()["components"]["schemas"]["VnfLcmOpOcc"]["properties"]["operation"]
    assert deref(ours(), occ) is op_type


def test_op_occ_response_documents_seed_attributes() -> None:
    occ = ours()["components"]["schemas"]["VnfLcmOpOcc"]
    for name in (
        "error",
        "resourceChanges",
        "changedInfo",
        "changedExtConnectivity",
        "modificationsTriggeredByVnfPkgChange",
        "vnfSnapshotInfoId",
        "_links",
    ):
        assert name in occ["properties"], name
    links = occ["properties"]["_links"]["properties"]
    assert {"grant", "cancel", "retry", "rollback", "fail", "vnfSnapshot"} <= set(links)
