"""Rows to SOL003 documents.  Secrets stop here: nothing below returns them."""

from __future__ import annotations

from typing import Any

from vnfm.api import links
from vnfm.db.models import VnfInstanceRow
from vnfm.domain.instance import TASK_LINKS, InstantiationState

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
    base = f"vnf_instances/{instance_id}"
    result = {"self": links.href(base)}
    for name, task in TASK_LINKS[state]:
        result[name] = links.href(f"{base}/{task}")
    return result
