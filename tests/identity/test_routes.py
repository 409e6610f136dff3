"""Identity API: ID checks, verification, lookups and registry uploads."""

from __future__ import annotations

from litestar.testing import TestClient

from chengxin.security.permissions import Permission
from tests.helpers import auth, csv_bytes, people, person_rows


def test_id_check_returns_parsed_fields_masked(client: TestClient) -> None:  # type: ignore[type-arg]
    response = client.post("/api/v1/id-numbers/check", json={"id_number": "11010519491231002X"})
    assert response.status_code == 200
    body = response.json()
    assert body["birth_on"] == "1949-12-31"
    assert body["sex"] == "F"
    assert body["masked"] == "1101**********002X"
    assert "11010519491231002X" not in response.text


def test_id_check_failure_is_a_coded_problem(client: TestClient) -> None:  # type: ignore[type-arg]
    response = client.post("/api/v1/id-numbers/check", json={"id_number": "110105194912310021"})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"].endswith("/id-number-checksum")
    assert "110105194912310021" not in response.text


def _upload(client, token, data: bytes, filename="pop.csv", ctype="text/csv"):  # type: ignore[no-untyped-def]
    return client.post(
        "/api/v1/population/imports",
        params={"filename": filename},
        content=data,
        headers={**auth(token), "content-type": ctype},
    )


def test_upload_then_verify_and_lookup(client: TestClient, token_for) -> None:  # type: ignore[no-untyped-def, type-arg]
    token = token_for(
        Permission.IDENTITY_POPULATION_IMPORT,
        Permission.IDENTITY_PERSON_VERIFY,
        Permission.IDENTITY_SUBJECT_READ,
    )
    persons = people(8)
    rows = [*person_rows(persons), ["110105194912310021", "错号", "", ""]]
    response = _upload(client, token, csv_bytes(rows))
    assert response.status_code == 201, response.text
    report = response.json()
    assert (report["rows_read"], report["inserted"], report["rejected"], report["balanced"]) == (
        9,
        8,
        1,
        True,
    )
    errors = client.get(
        f"/api/v1/population/imports/{report['id']}/errors", headers=auth(token)
    ).json()
    assert errors["total"] == 1
    assert errors["items"][0] == {
        "row_no": 10,
        "code": "id-number-checksum",
        "field": "id_number",
        "message": errors["items"][0]["message"],
    }
    again = client.get(f"/api/v1/population/imports/{report['id']}", headers=auth(token)).json()
    assert again["status"] == "completed"

    p = persons[0]
    ok = client.post(
        "/api/v1/identity/verify",
        json={"id_number": p.id_number, "name": p.name},
        headers=auth(token),
    )
    assert ok.json() == {"matched": True}
    wrong = client.post(
        "/api/v1/identity/verify",
        json={"id_number": p.id_number, "name": "某某某"},
        headers=auth(token),
    )
    assert wrong.json() == {"matched": False}

    found = client.post(
        "/api/v1/subjects/lookup", json={"id_number": p.id_number}, headers=auth(token)
    )
    assert found.status_code == 200
    body = found.json()
    assert body["masked_name"][0] == p.name[0]
    assert p.name not in found.text
    assert p.id_number not in found.text
    assert body["masked_id_number"] == p.id_number[:4] + "*" * 10 + p.id_number[-4:]


def test_lookup_of_unknown_person_is_404_problem(client: TestClient, token_for) -> None:  # type: ignore[no-untyped-def, type-arg]
    token = token_for(Permission.IDENTITY_SUBJECT_READ)
    response = client.post(
        "/api/v1/subjects/lookup", json={"id_number": "11010519491231002X"}, headers=auth(token)
    )
    assert response.status_code == 404
    assert response.json()["type"].endswith("/subject-not-found")


def test_unsupported_upload_type_is_refused(client: TestClient, token_for) -> None:  # type: ignore[no-untyped-def, type-arg]
    token = token_for(Permission.IDENTITY_POPULATION_IMPORT)
    response = _upload(client, token, b"%PDF-1.4", filename="pop.pdf", ctype="application/pdf")
    assert response.status_code == 422
    assert response.json()["type"].endswith("/file-format-unsupported")


def test_oversized_upload_is_413(client: TestClient, token_for, runtime) -> None:  # type: ignore[no-untyped-def, type-arg]
    runtime.settings.max_upload_bytes = 100
    token = token_for(Permission.IDENTITY_POPULATION_IMPORT)
    response = _upload(client, token, csv_bytes(person_rows(people(10))))
    assert response.status_code == 413
    assert response.json()["type"].endswith("/payload-too-large")


def test_invalid_token_is_401_problem(client: TestClient) -> None:  # type: ignore[type-arg]
    response = client.post(
        "/api/v1/subjects/lookup", json={"id_number": "x"}, headers=auth("cxt_nothing_here")
    )
    assert response.status_code == 401
    assert response.json()["type"].endswith("/token-invalid")
