"""Rows to SOL003 documents.  Secrets stop here: nothing below returns them."""

from __future__ import annotations

from typing import Any

from vnfm.api import links
from vnfm.db.models import VnfInstanceRow, VnfLcmOpOccRow
from vnfm.domain.instance import TASK_LINKS, InstantiationState
from vnfm.domain.op_occ import ERROR_VISIBLE_STATES, OpState, allowed_tasks
from vnfm.lcm.operations import can_rollback

#: Attributes a VnfInstance list leaves out unless asked for (SOL003 5.4.2.3.2).
VNF_INSTANCE_DEFAULT_EXCLUDED = frozenset(
    {
        "vnfConfigurableProperties",
        "vimConnectionInfo",
        "instantiatedVnfInfo",
        "metadata",
        "extensions",
    }
)


def without_secrets(vim_connection_info: dict[str, Any] | None) -> dict[str, Any] | None:
    """VimConnectionInfo as it may be shown: ``accessInfo`` is write-only."""
    if vim_connection_info is None:
        return None
    return {
        key: {k: v for k, v in info.items() if k != "accessInfo"}
        for key, info in vim_connection_info.items()
        if isinstance(info, dict)
    }


def vnf_instance(row: VnfInstanceRow) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": row.id,
        "vnfdId": row.vnfd_id,
        "vnfProvider": row.vnf_provider,
        "vnfProductName": row.vnf_product_name,
        "vnfSoftwareVersion": row.vnf_software_version,
        "vnfdVersion": row.vnfd_version,
        "instantiationState": row.instantiation_state,
    }
    # A list reads a column it does not show as NULL (Collection.columns): absent here.
    optional = {
        "vnfInstanceName": row.vnf_instance_name,
        "vnfInstanceDescription": row.vnf_instance_description,
        "vnfConfigurableProperties": row.vnf_configurable_properties,
        "vimConnectionInfo": without_secrets(row.vim_connection_info),
        "instantiatedVnfInfo": row.instantiated_vnf_info,
        "metadata": row.metadata_,
        "extensions": row.extensions,
    }
    doc.update({k: v for k, v in optional.items() if v is not None})
    doc["_links"] = vnf_instance_links(row.id, InstantiationState(row.instantiation_state))
    return doc


def vnf_instance_links(instance_id: str, state: InstantiationState) -> dict[str, Any]:
    here = links.v2(f"vnf_instances/{instance_id}")
    result = {"self": {"href": here}}
    for name, task in TASK_LINKS[state]:
        result[name] = {"href": f"{here}/{task}"}
    return result


#: Attributes a VnfLcmOpOcc list leaves out unless asked for (SOL003 5.4.12.3.2).
OP_OCC_DEFAULT_EXCLUDED = frozenset(
    {"operationParams", "error", "resourceChanges", "changedInfo", "changedExtConnectivity"}
)


def vnf_lcm_op_occ(row: VnfLcmOpOccRow) -> dict[str, Any]:
    state = OpState(row.operation_state)
    doc: dict[str, Any] = {
        "id": row.id,
        "operationState": row.operation_state,
        "stateEnteredTime": row.state_entered_time,
        "startTime": row.start_time,
        "vnfInstanceId": row.vnf_instance_id,
        "operation": row.operation,
        "isAutomaticInvocation": row.is_automatic_invocation,
        "isCancelPending": row.is_cancel_pending,
    }
    optional = {
        "grantId": row.grant_id,
        "operationParams": row.operation_params,
        "cancelMode": row.cancel_mode,
        "error": row.error if state in ERROR_VISIBLE_STATES else None,
        "resourceChanges": row.resource_changes,
        "changedInfo": row.changed_info,
        "changedExtConnectivity": row.changed_ext_connectivity,
        "modificationsTriggeredByVnfPkgChange": row.modifications_triggered_by_vnf_pkg_change,
        "vnfSnapshotInfoId": row.vnf_snapshot_info_id,
    }
    doc.update({k: v for k, v in optional.items() if v is not None})
    doc["_links"] = op_occ_links(row, state)
    return doc


#: The task links of each state, worked out once rather than for every op occ of a list.
_ALLOWED_TASKS = {state: tuple(allowed_tasks(state)) for state in OpState}


def op_occ_links(row: VnfLcmOpOccRow, state: OpState) -> dict[str, Any]:
    root = links.v2("")  # one API root for all of them
    here = f"{root}vnf_lcm_op_occs/{row.id}"
    result: dict[str, Any] = {
        "self": {"href": here},
        "vnfInstance": {"href": f"{root}vnf_instances/{row.vnf_instance_id}"},
    }
    for task in _ALLOWED_TASKS[state]:
        if task == "rollback" and not can_rollback(row.operation):
            continue
        result[task] = {"href": f"{here}/{task}"}
    if row.vnf_snapshot_info_id:
        result["vnfSnapshot"] = {"href": f"{root}vnf_snapshots/{row.vnf_snapshot_info_id}"}
    return result
