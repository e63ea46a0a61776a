"""Handlers of ``/vnf_lcm_op_occs`` and its task resources."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from vnfm.api import views
from vnfm.api.context import services
from vnfm.api.listing import list_response
from vnfm.api.problems import NotFound
from vnfm.api.resources import VNF_LCM_OP_OCCS, read_one_soon
from vnfm.api.responses import empty_response, json_response
from vnfm.domain.op_occ import CancelMode
from vnfm.lcm import op_tasks


def search(**_query: Any) -> Response:
    return list_response(VNF_LCM_OP_OCCS)


async def get(vnfLcmOpOccId: str) -> Response:  # noqa: N803 - name fixed by the contract
    row = await read_one_soon(VNF_LCM_OP_OCCS, vnfLcmOpOccId)
    if row is None:
        raise NotFound(f"no VNF LCM operation occurrence with id {vnfLcmOpOccId!r}")
    return json_response(views.vnf_lcm_op_occ(row))


def _accepted() -> Response:
    executor = services().extras.get("executor")
    if executor is not None:
        executor.kick()
    return empty_response(202)


def retry(vnfLcmOpOccId: str) -> Response:  # noqa: N803
    with services().session() as session, session.begin():
        op_tasks.retry(session, vnfLcmOpOccId)
    return _accepted()


def rollback(vnfLcmOpOccId: str) -> Response:  # noqa: N803
    with services().session() as session, session.begin():
        op_tasks.rollback(session, vnfLcmOpOccId)
    return _accepted()


def fail(vnfLcmOpOccId: str) -> Response:  # noqa: N803
    with services().session() as session, session.begin():
        op = op_tasks.fail(session, vnfLcmOpOccId)
        doc = views.vnf_lcm_op_occ(op)
    return json_response(doc)


def cancel(vnfLcmOpOccId: str, body: dict[str, Any] | None = None) -> Response:  # noqa: N803
    mode = CancelMode((body or {}).get("cancelMode") or CancelMode.GRACEFUL)
    with services().session() as session, session.begin():
        op_tasks.cancel(session, vnfLcmOpOccId, mode)
    return _accepted()
