"""MODIFY_INFO: change instance information (SOL003 5.4.3 PATCH, JSON merge patch).

Nothing changes on the instance until the operation completes.  When the VNF is
instantiated and its configurable properties change, ESC gets a service update
carrying them as day-0 variables; rolling back sends the previous model again.
"""

from __future__ import annotations

import copy
from typing import Any

from sqlalchemy.orm import Session

from vnfm.api.problems import Unprocessable
from vnfm.db.models import VnfInstanceRow, VnfLcmOpOccRow
from vnfm.domain.instance import InstantiationState
from vnfm.engine.runtime import StepContext, StepFailed, esc_request
from vnfm.lcm import deployment
from vnfm.lcm.operations import OperationSpec, TaskRequest, register
from vnfm.lcm.secrets import strip_secrets
from vnfm.southbound.types import DeploymentState, EventType, ServiceState

OPERATION = "MODIFY_INFO"

#: Request attribute -> instance column, for the attributes that are merged as maps.
MERGED = {
    "vnfConfigurableProperties": "vnf_configurable_properties",
    "metadata": "metadata_",
    "extensions": "extensions",
    "vimConnectionInfo": "vim_connection_info",
}
REPLACED = {
    "vnfInstanceName": "vnf_instance_name",
    "vnfInstanceDescription": "vnf_instance_description",
}


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396: objects merge key by key, ``null`` deletes, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


REQUIRED_STATE = None


def prepare(task: TaskRequest) -> tuple[dict[str, Any], dict[str, Any]]:
    instance, catalog, request = task.instance, task.catalog, task.body
    new_vnfd_id = request.get("vnfdId")
    if new_vnfd_id is not None and new_vnfd_id != instance.vnfd_id:
        if catalog.get(new_vnfd_id) is None:
            raise Unprocessable(f"vnfdId {new_vnfd_id!r} names no VNFD known to this VNFM")
        if instance.instantiation_state == InstantiationState.INSTANTIATED:
            raise Unprocessable(
                "the VNFD of an instantiated VNF changes through change_vnfpkg, not PATCH"
            )
    context: dict[str, Any] = {"request": request}
    plan = (instance.internal or {}).get("plan")
    changes_config = "vnfConfigurableProperties" in request
    if plan and instance.instantiation_state == InstantiationState.INSTANTIATED and changes_config:
        new_properties = merge_patch(
            instance.vnf_configurable_properties, request["vnfConfigurableProperties"]
        )
        context["plan"] = {**plan, "configurableProperties": new_properties or {}}
        context["previousPlan"] = plan
    return strip_secrets(request), context


def _judge_updated(state: DeploymentState | None) -> bool | None:
    # An update leaves an active service active, so only the event can say it is
    # done; the state can only say it has failed.
    if state is None or state.state is ServiceState.SERVICE_ERROR_STATE:
        return False
    return None


class UpdateService:
    """Send ESC the model with the new configurable properties (only when they changed)."""

    name = "update-service"

    def run(self, ctx: StepContext) -> None:
        if "plan" not in ctx.data:
            return
        self._send(ctx, ctx.data["plan"], "update")
        ctx.data["serviceUpdated"] = True

    def undo(self, ctx: StepContext) -> None:
        # A failed update leaves ESC on the previous model (it reports FAILURE and keeps
        # what it had), so only an update that went through needs sending back.
        if not ctx.data.get("serviceUpdated"):
            return
        self._send(ctx, ctx.data["previousPlan"], "restore")
        ctx.data["serviceUpdated"] = False

    @staticmethod
    def _send(ctx: StepContext, plan: dict[str, Any], label: str) -> None:
        if ctx.vnfd is None:
            raise StepFailed(f"VNFD {plan['vnfdId']} is no longer in the catalog")
        spec = deployment.deployment_spec(ctx.vnfd, plan)
        other = ctx.data["previousPlan"] if label == "update" else ctx.data["plan"]
        if spec == deployment.deployment_spec(ctx.vnfd, other):
            return  # the VNFD has no day-0 data the properties reach: nothing for ESC
        esc_request(
            ctx,
            what=f"service {label} of {plan['deployment']}",
            deployment=plan["deployment"],
            send=lambda: ctx.adapter.update_service(spec),
            done_events=(EventType.SERVICE_UPDATED,),
            judge=_judge_updated,
        )


def finish(
    ctx: StepContext, session: Session, instance: VnfInstanceRow, op: VnfLcmOpOccRow
) -> None:
    request = ctx.data["request"]
    changed: dict[str, Any] = {}
    for attribute, column in REPLACED.items():
        if attribute in request:
            setattr(instance, column, request[attribute])
            changed[attribute] = request[attribute]
    for attribute, column in MERGED.items():
        if attribute in request:
            merged = merge_patch(getattr(instance, column), request[attribute])
            setattr(instance, column, merged or None)
            changed[attribute] = request[attribute]
    if "vimConnectionInfo" in changed:
        changed["vimConnectionInfo"] = strip_secrets(
            {"vimConnectionInfo": changed["vimConnectionInfo"]}
        )["vimConnectionInfo"]
    new_vnfd_id = request.get("vnfdId")
    if new_vnfd_id is not None and new_vnfd_id != instance.vnfd_id and ctx.catalog:
        vnfd = ctx.catalog.get(new_vnfd_id)
        if vnfd is not None:
            instance.vnfd_id = vnfd.vnfd_id
            instance.vnf_provider = vnfd.provider
            instance.vnf_product_name = vnfd.product_name
            instance.vnf_software_version = vnfd.software_version
            instance.vnfd_version = vnfd.vnfd_version
            changed.update(
                vnfdId=vnfd.vnfd_id,
                vnfProvider=vnfd.provider,
                vnfProductName=vnfd.product_name,
                vnfSoftwareVersion=vnfd.software_version,
                vnfdVersion=vnfd.vnfd_version,
            )
    if "plan" in ctx.data:
        instance.internal = {**(instance.internal or {}), "plan": ctx.data["plan"]}
    op.changed_info = changed


register(OperationSpec(operation=OPERATION, steps=(UpdateService(),), finish=finish))
