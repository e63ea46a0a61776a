"""Task resources of a VNF instance: each starts one LCM operation and answers 202."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flask
from sqlalchemy.orm import Session

from vnfm.api import links
from vnfm.api.context import services
from vnfm.api.problems import Conflict, Unprocessable
from vnfm.db.models import VnfInstanceRow
from vnfm.domain.instance import InstantiationState
from vnfm.lcm import instantiate as instantiate_op
from vnfm.lcm import modify as modify_op
from vnfm.lcm import terminate as terminate_op
from vnfm.lcm.identifiers import load_instance
from vnfm.lcm.lifecycle import begin_operation

#: (operation params shown, private context) for a new operation on this instance.
Prepare = Callable[[Session, VnfInstanceRow], tuple[dict[str, Any], dict[str, Any]]]


def start_operation(
    instance_id: str,
    operation: str,
    prepare: Prepare,
    *,
    required_state: InstantiationState | None,
) -> flask.Response:
    """The shape every task shares: 404, then 409 on state, then 422 on content, then 202."""
    svc = services()
    with svc.session() as session, session.begin():
        instance = load_instance(session, instance_id, for_update=True)
        if required_state is not None and instance.instantiation_state != required_state:
            raise Conflict(
                f"{operation} needs a VNF instance in {required_state.value}; "
                f"{instance_id} is {instance.instantiation_state}"
            )
        params, context = prepare(session, instance)
        op = begin_operation(session, instance, operation, params, context)
        op_id = op.id
    executor = svc.extras.get("executor")
    if executor is not None:
        executor.kick()
    return flask.Response(status=202, headers={"Location": links.v2(f"vnf_lcm_op_occs/{op_id}")})


def _vnfd_of(instance: VnfInstanceRow):  # type: ignore[no-untyped-def]
    vnfd = services().catalog.get(instance.vnfd_id)
    if vnfd is None:
        raise Unprocessable(f"VNFD {instance.vnfd_id} of this instance is no longer known")
    return vnfd


def instantiate(vnfInstanceId: str, body: dict[str, Any]) -> flask.Response:  # noqa: N803
    settings = services().settings
    return start_operation(
        vnfInstanceId,
        instantiate_op.OPERATION,
        lambda _s, inst: instantiate_op.prepare(inst, _vnfd_of(inst), body, settings),
        required_state=InstantiationState.NOT_INSTANTIATED,
    )


def terminate(vnfInstanceId: str, body: dict[str, Any] | None = None) -> flask.Response:  # noqa: N803
    request = body or {}
    if request.get("terminationType") is None:
        raise Unprocessable("terminationType is required: FORCEFUL or GRACEFUL")
    return start_operation(
        vnfInstanceId,
        terminate_op.OPERATION,
        lambda _s, inst: (request, terminate_op.prepare(inst, request)),
        required_state=InstantiationState.INSTANTIATED,
    )


def modify_info(instance_id: str, body: dict[str, Any]) -> flask.Response:
    catalog = services().catalog
    return start_operation(
        instance_id,
        modify_op.OPERATION,
        lambda _s, inst: modify_op.prepare(inst, catalog, body),
        required_state=None,
    )
