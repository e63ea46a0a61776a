"""Collection GETs: a page sent in one piece and a page streamed in batches (a node
with a large page size) are the same documents, the same as the single GETs show,
with the same Link headers, and never a secret."""

from __future__ import annotations

from typing import Any

import pytest

from vnfm.api import listing
from vnfm.db.models import VnfInstanceRow, VnfLcmOpOccRow

V2 = "/vnflcm/v2"
CIRROS = "11111111-1111-4111-8111-111111111111"
VIM = {
    "vim1": {
        "vimType": "ETSINFV.OPENSTACK_KEYSTONE.V_3",
        "interfaceInfo": {"endpoint": "http://keystone:5000/v3"},
        "accessInfo": {"username": "nfv", "password": "s3cret"},
    }
}
INFO = {
    "flavourId": "simple",
    "vnfState": "STARTED",
    "vnfcResourceInfo": [{"id": "c1", "vduId": "VDU1", "computeResource": {"resourceId": "r1"}}],
    "extCpInfo": [{"id": "cp1", "cpdId": "CP1"}],
    "metadata": {"note": 'Ünïcode "quoted"'},
}


@pytest.fixture
def rows(client, app) -> list[str]:
    """Seven instances, every other one instantiated with secrets, and an op occ each."""
    ids = []
    for index in range(7):
        body: dict[str, Any] = {"vnfdId": CIRROS, "vnfInstanceName": f"vnf-{index}"}
        if index % 3:
            body["metadata"] = {"site": f"s{index}"}
        ids.append(client.post(f"{V2}/vnf_instances", json=body).json()["id"])
    with app.services.session() as session, session.begin():
        for index, instance_id in enumerate(ids):
            if index % 2 == 0:
                row = session.get(VnfInstanceRow, instance_id)
                row.instantiation_state = "INSTANTIATED"
                row.vim_connection_info = VIM
                row.instantiated_vnf_info = INFO
            session.add(
                VnfLcmOpOccRow(
                    id=f"op-{index}",
                    vnf_instance_id=instance_id,
                    operation="INSTANTIATE",
                    operation_state="FAILED_TEMP" if index % 2 else "COMPLETED",
                    state_entered_time=f"2026-01-01T00:00:0{index}.000000Z",
                    start_time=f"2026-01-01T00:00:0{index}.000000Z",
                    operation_params={"flavourId": "simple", "vimConnectionInfo": {}},
                    error={"status": 500, "detail": "broke"} if index % 2 else None,
                    resource_changes={"affectedVnfcs": [{"id": "c1"}]},
                )
            )
    return ids


def _walk(client, path: str, params: dict[str, str]) -> tuple[list[Any], list[str]]:
    """Every document of every page, and the Link headers on the way."""
    docs: list[Any] = []
    link_headers = []
    response = client.get(path, params=params)
    while True:
        assert response.status_code == 200, response.text
        assert "s3cret" not in response.text and "accessInfo" not in response.text
        docs.extend(response.json())
        link = response.headers.get("link")
        if link is None:
            return docs, link_headers
        link_headers.append(link)
        response = client.get(link[1 : link.index(">")].replace("http://testserver", ""))


@pytest.mark.parametrize(
    ("collection", "params"),
    [
        ("vnf_instances", {}),
        ("vnf_instances", {"all_fields": ""}),
        ("vnf_instances", {"fields": "instantiatedVnfInfo,vimConnectionInfo"}),
        ("vnf_instances", {"exclude_default": "", "fields": "instantiatedVnfInfo/extCpInfo"}),
        ("vnf_instances", {"exclude_fields": "metadata"}),
        ("vnf_instances", {"filter": "(eq,instantiationState,INSTANTIATED)", "all_fields": ""}),
        ("vnf_lcm_op_occs", {}),
        ("vnf_lcm_op_occs", {"all_fields": ""}),
        ("vnf_lcm_op_occs", {"exclude_fields": "resourceChanges"}),
        ("vnf_lcm_op_occs", {"filter": "(eq,operationState,COMPLETED)", "fields": "error"}),
    ],
)
def test_streamed_pages_are_the_pages_sent_whole(
    client, rows, monkeypatch, collection: str, params: dict[str, str]
) -> None:
    whole = _walk(client, f"{V2}/{collection}", params)
    monkeypatch.setattr(listing, "BATCH", 2)  # pages of 5 (the test settings) stream
    assert "content-length" not in client.get(f"{V2}/{collection}", params=params).headers
    streamed = _walk(client, f"{V2}/{collection}", params)
    assert streamed == whole
    docs, link_headers = whole
    assert len(link_headers) == (len(docs) - 1) // 5
    assert len({doc["id"] for doc in docs}) == len(docs)


@pytest.mark.parametrize("batch", [500, 2])
def test_a_list_with_every_field_shows_what_a_single_get_shows(
    client, rows, monkeypatch, batch: int
) -> None:
    monkeypatch.setattr(listing, "BATCH", batch)
    for collection in ("vnf_instances", "vnf_lcm_op_occs"):
        docs, _ = _walk(client, f"{V2}/{collection}", {"all_fields": ""})
        assert len(docs) == 7
        for doc in docs:
            assert doc == client.get(f"{V2}/{collection}/{doc['id']}").json()
    instances, _ = _walk(client, f"{V2}/vnf_instances", {"all_fields": ""})
    assert sum("instantiatedVnfInfo" in doc for doc in instances) == 4
    assert instances[0]["instantiatedVnfInfo"] == INFO
    assert (
        instances[0]["vimConnectionInfo"]["vim1"]["interfaceInfo"] == VIM["vim1"]["interfaceInfo"]
    )


def test_an_empty_streamed_list_is_an_empty_array(client, monkeypatch) -> None:
    monkeypatch.setattr(listing, "BATCH", 2)
    response = client.get(f"{V2}/vnf_instances", params={"all_fields": ""})
    assert response.status_code == 200
    assert response.json() == []
    assert "link" not in response.headers
