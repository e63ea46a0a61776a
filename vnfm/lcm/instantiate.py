"""INSTANTIATE: deploy the VNF's VDUs on ESC as one deployment (SOL003 5.4.4)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from vnfm.api.problems import Unprocessable
from vnfm.db.models import VnfInstanceRow, VnfLcmOpOccRow
from vnfm.domain.instance import InstantiationState, VnfOperationalState
from vnfm.engine.runtime import StepContext, StepFailed, esc_request
from vnfm.lcm import deployment
from vnfm.lcm.operations import OperationSpec, TaskRequest, register, require_vnfd
from vnfm.lcm.secrets import strip_secrets
from vnfm.southbound.types import DeploymentState, EventType, ServiceState
from vnfm.vnfd import rules
from vnfm.vnfd.model import Vnfd

OPERATION = "INSTANTIATE"
REQUIRED_STATE = InstantiationState.NOT_INSTANTIATED


def prepare(task: TaskRequest) -> tuple[dict[str, Any], dict[str, Any]]:
    """Check the request against the VNFD; return (operationParams to show, context).

    Everything the VNFD cannot satisfy is refused here, with 422, before an
    operation exists or anything is touched.
    """
    instance, request, settings = task.instance, task.body, task.settings
    vnfd = require_vnfd(task)
    flavour = vnfd.flavours.get(request["flavourId"])
    if flavour is None:
        raise Unprocessable(
            f"flavourId {request['flavourId']!r} is not a deployment flavour of VNFD "
            f"{vnfd.vnfd_id} (flavours: {', '.join(vnfd.flavours)})"
        )
    level_id = request.get("instantiationLevelId")
    problem = rules.instantiation_level_problem(flavour, level_id)
    if problem:
        raise Unprocessable(problem)
    known_cps = set(flavour.ext_cps)
    for cpd_id in deployment.ext_cp_networks(request):
        if cpd_id not in known_cps:
            raise Unprocessable(
                f"extVirtualLinks names cpdId {cpd_id!r}, which is not an external CP of "
                f"flavour {flavour.flavour_id!r} (external CPs: {', '.join(sorted(known_cps))})"
            )
    for vl_id in deployment.managed_vl_networks(request):
        if vl_id not in flavour.virtual_links:
            raise Unprocessable(
                f"extManagedVirtualLinks names vnfVirtualLinkDescId {vl_id!r}, which is not "
                f"a virtual link of flavour {flavour.flavour_id!r}"
            )
    vim_connection_info = request.get("vimConnectionInfo") or instance.vim_connection_info
    plan = deployment.make_plan(
        default_network=settings.esc_default_network,
        instance_id=instance.id,
        vnfd=vnfd,
        flavour=flavour,
        vdu_counts=rules.instances_for_level(flavour, level_id),
        scale_levels=rules.scale_levels_for_level(flavour, level_id),
        level_id=level_id or flavour.default_level_id,
        request=request,
        tenant=deployment.tenant_of(vim_connection_info, settings.esc_tenant),
        monitoring=monitoring_agent(instance, vnfd, request),
        vim_connection=deployment.vim_connection_id(vim_connection_info),
    )
    context = {"plan": plan, "vimConnectionInfo": request.get("vimConnectionInfo")}
    return strip_secrets(request), context


def monitoring_agent(
    instance: VnfInstanceRow, vnfd: Vnfd, request: dict[str, Any]
) -> dict[str, str]:
    """The monitoring agent under the VNFD's key: asked for now, else kept from before
    (it survives terminate and re-instantiate, seed 003), else the VNFD's default."""
    key = vnfd.esc.monitoring_agent_key
    if not key:
        return {}
    kept = (instance.internal or {}).get("monitoring") or {}
    asked = (request.get("additionalParams") or {}).get(key)
    value = asked or kept.get(key) or vnfd.esc.monitoring_agent
    result = dict(kept)
    if value:
        result[key] = value
    return result


def _judge_deployed(state: DeploymentState | None) -> bool | None:
    if state is None:
        return None
    if state.state is ServiceState.SERVICE_ACTIVE_STATE and deployment.is_alive(state):
        return True
    if state.state is ServiceState.SERVICE_ERROR_STATE:
        return False
    return None


def _judge_undeployed(state: DeploymentState | None) -> bool | None:
    return True if state is None else None


class Deploy:
    name = "deploy"

    def run(self, ctx: StepContext) -> None:
        plan = ctx.plan
        name = plan["deployment"]
        existing = ctx.read_deployment(name)
        if existing is not None and existing.state is ServiceState.SERVICE_ERROR_STATE:
            # What a failed attempt left behind goes first, so the retry starts clean.
            Undeploy().run(ctx)
        spec = deployment.deployment_spec(_vnfd(ctx), plan)
        esc_request(
            ctx,
            what=f"deployment {name}",
            deployment=name,
            send=lambda: ctx.adapter.deploy(spec),
            done_events=(EventType.SERVICE_ALIVE,),
            judge=_judge_deployed,
            resend_if=lambda state: state is None,
        )

    def undo(self, ctx: StepContext) -> None:
        Undeploy().run(ctx)


class Undeploy:
    """Remove the ESC deployment; done when ESC no longer knows it."""

    name = "undeploy"

    def run(self, ctx: StepContext) -> None:
        plan = ctx.plan
        name = plan["deployment"]
        if ctx.read_deployment(name) is None:
            return
        esc_request(
            ctx,
            what=f"undeployment of {name}",
            deployment=name,
            send=lambda: ctx.adapter.undeploy(plan["tenant"], name),
            done_events=(EventType.SERVICE_UNDEPLOYED,),
            judge=_judge_undeployed,
            resend_if=lambda state: (
                state is not None and state.state is not ServiceState.SERVICE_UNDEPLOYING_STATE
            ),
        )

    def undo(self, ctx: StepContext) -> None:
        raise StepFailed(f"an undeployment of {ctx.plan['deployment']} cannot be undone")


def _vnfd(ctx: StepContext) -> Vnfd:
    if ctx.vnfd is None:
        raise StepFailed(f"VNFD {ctx.plan['vnfdId']} is no longer in the catalog")
    return ctx.vnfd


def finish(
    ctx: StepContext, session: Session, instance: VnfInstanceRow, op: VnfLcmOpOccRow
) -> None:
    plan = ctx.plan
    state = ctx.read_deployment(plan["deployment"])
    if state is None:
        raise StepFailed(f"ESC lost deployment {plan['deployment']} before it could be read")
    info = deployment.instantiated_vnf_info(
        _vnfd(ctx), plan, state, VnfOperationalState.STARTED.value
    )
    instance.instantiation_state = InstantiationState.INSTANTIATED
    instance.instantiated_vnf_info = info
    if ctx.data.get("vimConnectionInfo"):
        instance.vim_connection_info = ctx.data["vimConnectionInfo"]
    if ctx.params.get("vnfConfigurableProperties") is not None:
        instance.vnf_configurable_properties = ctx.params["vnfConfigurableProperties"]
    if ctx.params.get("extensions") is not None:
        instance.extensions = ctx.params["extensions"]
    instance.internal = {
        **(instance.internal or {}),
        "plan": plan,
        "monitoring": plan["monitoring"],
    }
    op.resource_changes = {"affectedVnfcs": deployment.affected_vnfcs([], info["vnfcResourceInfo"])}


register(OperationSpec(operation=OPERATION, steps=(Deploy(),), finish=finish))
