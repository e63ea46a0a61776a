"""Handlers of ``/vnf_instances`` and ``/vnf_instances/{vnfInstanceId}``."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from vnfm.api import links, tasks, views
from vnfm.api.context import services
from vnfm.api.listing import list_response
from vnfm.api.problems import NotFound
from vnfm.api.resources import VNF_INSTANCES, read_one_soon
from vnfm.api.responses import empty_response, json_response
from vnfm.lcm import identifiers


def create(body: dict[str, Any]) -> Response:
    svc = services()
    with svc.session() as session, session.begin():
        row = identifiers.create_vnf_identifier(session, svc.catalog, body)
    doc = views.vnf_instance(row)
    return json_response(doc, 201, {"Location": links.v2(f"vnf_instances/{row.id}")})


def search(**_query: Any) -> Response:
    return list_response(VNF_INSTANCES)


async def get(vnfInstanceId: str) -> Response:  # noqa: N803 - name fixed by the contract
    row = await read_one_soon(VNF_INSTANCES, vnfInstanceId)
    if row is None:
        raise NotFound(f"no VNF instance with id {vnfInstanceId!r}")
    return json_response(views.vnf_instance(row))


def delete(vnfInstanceId: str) -> Response:  # noqa: N803
    svc = services()
    with svc.session() as session, session.begin():
        identifiers.delete_vnf_identifier(session, vnfInstanceId)
    return empty_response(204)


def modify(vnfInstanceId: str, body: dict[str, Any]) -> Response:  # noqa: N803
    return tasks.start_task("modify", vnfInstanceId, body)
