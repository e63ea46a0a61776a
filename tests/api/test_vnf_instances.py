"""VNF instance identifiers through the API, checked against ETSI's schemas."""

from __future__ import annotations

from tests.etsi import assert_valid

CIRROS = "11111111-1111-4111-8111-111111111111"
V2 = "/vnflcm/v2"


def create(client, **extra):
    body = {"vnfdId": CIRROS, **extra}
    return client.post(f"{V2}/vnf_instances", json=body)


def test_create_answers_201_with_location_and_a_valid_instance(client):
    response = create(client, vnfInstanceName="vnf-a", metadata={"owner": "ops"})
    assert response.status_code == 201
    doc = response.json()
    assert response.headers["location"] == f"http://testserver{V2}/vnf_instances/{doc['id']}"
    assert doc["instantiationState"] == "NOT_INSTANTIATED"
    assert doc["vnfProvider"] and doc["vnfProductName"] and doc["vnfSoftwareVersion"]
    assert doc["metadata"] == {"owner": "ops"}
    assert doc["_links"]["instantiate"]["href"].endswith(f"/vnf_instances/{doc['id']}/instantiate")
    assert "terminate" not in doc["_links"]
    assert response.headers["version"] == "2.0.0"
    assert_valid(doc, "VNFInstances.Post.201")


def test_create_with_unknown_vnfd_is_422(client):
    response = client.post(f"{V2}/vnf_instances", json={"vnfdId": "no-such-vnfd"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 422 and "no-such-vnfd" in problem["detail"]


def test_create_without_vnfd_id_is_400_naming_it(client):
    response = client.post(f"{V2}/vnf_instances", json={"vnfInstanceName": "x"})
    assert response.status_code == 400
    assert "vnfdId" in response.json()["detail"]


def test_get_one_and_unknown(client):
    # Every attribute a create may set, so that none is lost on the way back.
    created = create(
        client, vnfInstanceName="vnf-b", vnfInstanceDescription="b", metadata={"owner": "ops"}
    ).json()
    response = client.get(f"{V2}/vnf_instances/{created['id']}")
    assert response.status_code == 200
    assert response.json() == created
    assert_valid(response.json(), "IndividualVnfInstance.Get.200")
    missing = client.get(f"{V2}/vnf_instances/does-not-exist")
    assert missing.status_code == 404
    assert "does-not-exist" in missing.json()["detail"]


def test_delete_then_gone(client):
    created = create(client).json()
    response = client.delete(f"{V2}/vnf_instances/{created['id']}")
    assert response.status_code == 204
    assert client.get(f"{V2}/vnf_instances/{created['id']}").status_code == 404
    assert client.delete(f"{V2}/vnf_instances/{created['id']}").status_code == 404


def test_list_is_valid_and_pages_with_link_header(client):
    ids = [create(client, vnfInstanceName=f"vnf-{i}").json()["id"] for i in range(7)]
    first = client.get(f"{V2}/vnf_instances")
    assert first.status_code == 200
    assert_valid(first.json(), "VNFInstances.Get.200")
    assert len(first.json()) == 5  # page size of the test settings
    link = first.headers["link"]
    assert link.endswith('>; rel="next"')
    next_url = link[1 : link.index(">")]
    second = client.get(next_url.replace("http://testserver", ""))
    assert second.status_code == 200
    assert "link" not in second.headers
    seen = [d["id"] for d in first.json() + second.json()]
    assert sorted(seen) == sorted(ids) and len(set(seen)) == 7


def test_list_filter_and_selectors(client):
    create(client, vnfInstanceName="alpha", metadata={"site": "north"})
    create(client, vnfInstanceName="beta", metadata={"site": "south"})
    by_name = client.get(f"{V2}/vnf_instances", params={"filter": "(eq,vnfInstanceName,beta)"})
    assert [d["vnfInstanceName"] for d in by_name.json()] == ["beta"]
    assert "metadata" not in by_name.json()[0]  # excluded by default in lists
    nested = client.get(
        f"{V2}/vnf_instances", params={"filter": "(eq,metadata/site,north)", "all_fields": ""}
    )
    assert [d["metadata"] for d in nested.json()] == [{"site": "north"}]
    fields = client.get(f"{V2}/vnf_instances", params={"fields": "metadata"})
    assert all("metadata" in d for d in fields.json())


def test_bad_filter_is_400_naming_the_problem(client):
    response = client.get(f"{V2}/vnf_instances", params={"filter": "(eqq,vnfdId,x)"})
    assert response.status_code == 400
    assert "eqq" in response.json()["detail"]
    unknown = client.get(f"{V2}/vnf_instances", params={"filter": "(eq,noSuchAttr,x)"})
    assert unknown.status_code == 400
    assert "noSuchAttr" in unknown.json()["detail"]


def test_delete_of_instantiated_instance_is_409(client, app):
    from vnfm.db.models import VnfInstanceRow

    created = create(client).json()
    services = app.services
    with services.session() as session, session.begin():
        session.get(VnfInstanceRow, created["id"]).instantiation_state = "INSTANTIATED"
    response = client.delete(f"{V2}/vnf_instances/{created['id']}")
    assert response.status_code == 409
    assert "INSTANTIATED" in response.json()["detail"]


def test_secrets_are_never_returned(client, app):
    from vnfm.api.views import vnf_instance
    from vnfm.db.models import VnfInstanceRow

    created = create(client).json()
    services = app.services
    with services.session() as session, session.begin():
        row = session.get(VnfInstanceRow, created["id"])
        row.vim_connection_info = {
            "vim1": {"vimType": "ETSINFV.OPENSTACK_KEYSTONE.V_3", "accessInfo": {"password": "s3"}}
        }
    body = client.get(f"{V2}/vnf_instances/{created['id']}").text
    assert "s3" not in body and "accessInfo" not in body
    assert vnf_instance is not None
