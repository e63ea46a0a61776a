"""Task resources of a VNF instance: each starts one LCM operation and answers 202.

Every task has the same shape (404, then 409 on the instance's state or an open
operation, then 422 on what the VNFD cannot do, then 202 with the op occ's
``Location``); what differs lives in the task's module of ``vnfm.lcm``.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from vnfm.api import links
from vnfm.api.context import services
from vnfm.api.problems import Conflict, Problem
from vnfm.api.responses import empty_response
from vnfm.lcm.identifiers import load_instance
from vnfm.lcm.lifecycle import begin_operation
from vnfm.lcm.operations import TaskRequest, task_module


def start_task(task: str, instance_id: str, body: dict[str, Any] | None) -> Response:
    module = task_module(task)
    if module is None:
        raise Problem(f"the {task} task is not available in this VNFM yet", status=501)
    svc = services()
    with svc.session() as session, session.begin():
        instance = load_instance(session, instance_id, for_update=True)
        required = module.REQUIRED_STATE
        if required is not None and instance.instantiation_state != required:
            raise Conflict(
                f"{module.OPERATION} needs a VNF instance in {required.value}; "
                f"{instance_id} is {instance.instantiation_state}"
            )
        request = TaskRequest(
            session=session,
            instance=instance,
            body=body or {},
            vnfd=svc.catalog.get(instance.vnfd_id),
            catalog=svc.catalog,
            settings=svc.settings,
        )
        params, context = module.prepare(request)
        op = begin_operation(session, instance, module.OPERATION, params, context)
        op_id = op.id
    executor = svc.extras.get("executor")
    if executor is not None:
        executor.kick()
    return empty_response(202, {"Location": links.v2(f"vnf_lcm_op_occs/{op_id}")})


# One handler per operationId of the contract; the names are fixed by openapi/.
# ruff: noqa: N803 - the path parameter's name is fixed by the contract too


def instantiate(vnfInstanceId: str, body: dict[str, Any]) -> Response:
    return start_task("instantiate", vnfInstanceId, body)


def terminate(vnfInstanceId: str, body: dict[str, Any]) -> Response:
    return start_task("terminate", vnfInstanceId, body)


def scale(vnfInstanceId: str, body: dict[str, Any]) -> Response:
    return start_task("scale", vnfInstanceId, body)


def scale_to_level(vnfInstanceId: str, body: dict[str, Any]) -> Response:
    return start_task("scale_to_level", vnfInstanceId, body)


def change_flavour(vnfInstanceId: str, body: dict[str, Any]) -> Response:
    return start_task("change_flavour", vnfInstanceId, body)


def heal(vnfInstanceId: str, body: dict[str, Any] | None = None) -> Response:
    return start_task("heal", vnfInstanceId, body)


def operate(vnfInstanceId: str, body: dict[str, Any]) -> Response:
    return start_task("operate", vnfInstanceId, body)


def change_ext_conn(vnfInstanceId: str, body: dict[str, Any]) -> Response:
    return start_task("change_ext_conn", vnfInstanceId, body)


def change_vnfpkg(vnfInstanceId: str, body: dict[str, Any]) -> Response:
    return start_task("change_vnfpkg", vnfInstanceId, body)


def create_snapshot(vnfInstanceId: str, body: dict[str, Any]) -> Response:
    return start_task("create_snapshot", vnfInstanceId, body)


def revert_to_snapshot(vnfInstanceId: str, body: dict[str, Any]) -> Response:
    return start_task("revert_to_snapshot", vnfInstanceId, body)


def modify_info(vnfInstanceId: str, body: dict[str, Any]) -> Response:
    return start_task("modify", vnfInstanceId, body)
