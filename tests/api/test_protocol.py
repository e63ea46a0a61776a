"""Rules every request obeys: Version header, Accept, errors as ProblemDetails."""

from __future__ import annotations

import pytest

V2 = "/vnflcm/v2"


def assert_problem(response, status: int, *words: str) -> None:
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == status
    for word in words:
        assert word in problem["detail"], problem["detail"]
    assert response.headers["version"] == "2.0.0"


def test_served_without_version_header(client):
    response = client.get(f"{V2}/vnf_instances")
    assert response.status_code == 200
    assert response.headers["version"] == "2.0.0"


@pytest.mark.parametrize("version", ["2.0.0", "2.0.1"])
def test_served_with_a_version_of_our_major_minor(client, version):
    assert client.get(f"{V2}/vnf_instances", headers={"Version": version}).status_code == 200


@pytest.mark.parametrize("version", ["1.3.0", "3.0.0", "banana"])
def test_unsupported_version_is_406(client, version):
    response = client.get(f"{V2}/vnf_instances", headers={"Version": version})
    assert_problem(response, 406, version)


def test_accept_without_json_is_406(client):
    response = client.get(f"{V2}/vnf_instances", headers={"Accept": "text/html"})
    assert_problem(response, 406, "text/html")


def test_accept_with_json_among_others_is_served(client):
    headers = {"Accept": "text/html;q=0.9, application/json"}
    assert client.get(f"{V2}/vnf_instances", headers=headers).status_code == 200


def test_unknown_route_is_404_problem(client):
    assert_problem(client.get(f"{V2}/nothing_here"), 404, "/nothing_here")
    assert_problem(client.get("/elsewhere"), 404, "/elsewhere")


def test_wrong_method_is_405_problem(client):
    assert_problem(client.put(f"{V2}/vnf_instances"), 405, "PUT")


def test_wrong_content_type_is_415_problem(client):
    response = client.post(
        f"{V2}/vnf_instances", content=b"vnfdId=x", headers={"Content-Type": "text/plain"}
    )
    assert response.status_code == 415
    assert response.headers["content-type"] == "application/problem+json"


def test_malformed_json_is_400_problem(client):
    response = client.post(
        f"{V2}/vnf_instances", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"


def test_unknown_query_parameter_is_400_naming_it(client):
    response = client.get(f"{V2}/vnf_instances", params={"filtr": "(eq,id,x)"})
    assert_problem(response, 400, "filtr")


def test_api_versions_both_places(client):
    for path in ("/vnflcm/api_versions", f"{V2}/api_versions"):
        response = client.get(path)
        assert response.status_code == 200
        doc = response.json()
        assert doc["apiVersions"][0]["version"] == "2.0.0"
        assert doc["uriPrefix"].endswith("/vnflcm/v2")
