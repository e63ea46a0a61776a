"""The baselines of the query suite: the same rows fetched with plain SQL and encoded
with ``json.dumps``, with none of the product's machinery in between.

The documents carry the same members as the product's views (including the
``_links`` an NFVO gets), so the baseline is the least work that produces the same
response body; what the product spends beyond it is its own overhead.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from vnfm.domain.instance import TASK_LINKS, InstantiationState
from vnfm.domain.op_occ import OpState, allowed_tasks

PAGE = 100

INSTANCE_COLUMNS = (
    "id, vnf_instance_name, vnf_instance_description, vnfd_id, vnf_provider, "
    "vnf_product_name, vnf_software_version, vnfd_version, instantiation_state"
)
INSTANCE_JSON_COLUMNS = (
    "vnf_configurable_properties, vim_connection_info, instantiated_vnf_info, metadata, extensions"
)
OP_OCC_COLUMNS = (
    "id, operation_state, state_entered_time, start_time, vnf_instance_id, operation, "
    "is_automatic_invocation, is_cancel_pending, grant_id, cancel_mode, "
    "modifications_triggered_by_vnf_pkg_change, vnf_snapshot_info_id"
)


def _json(value: Any) -> Any:
    """JSON columns come back as text from SQLite and already decoded from psycopg2."""
    return json.loads(value) if isinstance(value, str) else value


def instance_doc(row: Any, base: str, all_fields: bool = False) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": row[0],
        "vnfdId": row[3],
        "vnfProvider": row[4],
        "vnfProductName": row[5],
        "vnfSoftwareVersion": row[6],
        "vnfdVersion": row[7],
        "instantiationState": row[8],
    }
    if row[1] is not None:
        doc["vnfInstanceName"] = row[1]
    if row[2] is not None:
        doc["vnfInstanceDescription"] = row[2]
    if all_fields:
        names = (
            "vnfConfigurableProperties",
            "vimConnectionInfo",
            "instantiatedVnfInfo",
            "metadata",
            "extensions",
        )
        for name, column in zip(names, row[9:14], strict=True):
            value = _json(column)  # SQLAlchemy stores None as JSON null, not SQL NULL
            if value is None:
                continue
            if name == "vimConnectionInfo":  # accessInfo is write-only
                value = {
                    k: {a: b for a, b in v.items() if a != "accessInfo"} for k, v in value.items()
                }
            doc[name] = value
    href = f"{base}/vnf_instances/{row[0]}"
    links = {"self": {"href": href}}
    for name, task in TASK_LINKS[InstantiationState(row[8])]:
        links[name] = {"href": f"{href}/{task}"}
    doc["_links"] = links
    return doc


def op_occ_doc(row: Any, base: str) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": row[0],
        "operationState": row[1],
        "stateEnteredTime": row[2],
        "startTime": row[3],
        "vnfInstanceId": row[4],
        "operation": row[5],
        "isAutomaticInvocation": bool(row[6]),
        "isCancelPending": bool(row[7]),
    }
    for name, value in (
        ("grantId", row[8]),
        ("cancelMode", row[9]),
        ("modificationsTriggeredByVnfPkgChange", _json(row[10])),
        ("vnfSnapshotInfoId", row[11]),
    ):
        if value is not None:
            doc[name] = value
    href = f"{base}/vnf_lcm_op_occs/{row[0]}"
    links: dict[str, Any] = {
        "self": {"href": href},
        "vnfInstance": {"href": f"{base}/vnf_instances/{row[4]}"},
    }
    for task in allowed_tasks(OpState(row[1])):
        links[task] = {"href": f"{href}/{task}"}
    doc["_links"] = links
    return doc


@dataclass(frozen=True)
class Query:
    sql: str
    params: dict[str, Any]
    make: Callable[[Any, str], dict[str, Any]]
    paged: bool = False


OP_OCCS_FILTERED = Query(
    f"SELECT {OP_OCC_COLUMNS} FROM vnf_lcm_op_occs "
    "WHERE operation_state = :state AND operation = :operation "
    f"ORDER BY created_at, id LIMIT {PAGE + 1}",
    {"state": "COMPLETED", "operation": "INSTANTIATE"},
    op_occ_doc,
    paged=True,
)
INSTANCES_FILTERED = Query(
    f"SELECT {INSTANCE_COLUMNS} FROM vnf_instances WHERE instantiation_state = :state "
    f"ORDER BY created_at, id LIMIT {PAGE + 1}",
    {"state": "INSTANTIATED"},
    instance_doc,
    paged=True,
)
INSTANCES_ALL = Query(
    f"SELECT {INSTANCE_COLUMNS} FROM vnf_instances ORDER BY created_at, id", {}, instance_doc
)
INSTANCES_ALL_FIELDS = Query(
    f"SELECT {INSTANCE_COLUMNS}, {INSTANCE_JSON_COLUMNS} FROM vnf_instances "
    "ORDER BY created_at, id",
    {},
    lambda row, base: instance_doc(row, base, all_fields=True),
)


def timed_body(conn: Connection, query: Query, base: str) -> tuple[float, int]:
    """Seconds to fetch and encode one response body, and how many documents it held.

    A paged query fetches one row more than it shows, as keyset paging does to know
    whether there is a next page.
    """
    started = time.perf_counter()
    rows = conn.execute(text(query.sql), query.params).fetchall()
    if query.paged:
        rows = rows[:PAGE]
    docs = [query.make(row, base) for row in rows]
    json.dumps(docs, separators=(",", ":"), ensure_ascii=False)
    return time.perf_counter() - started, len(docs)
