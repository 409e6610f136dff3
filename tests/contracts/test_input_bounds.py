"""Input bounds every route shares (issue 23, finding 7): pagination parameters are bounded
(422 naming the parameter, never a database overflow), JSON bodies are refused past a nesting
depth before they are decoded (400 ``json-too-deep``), and routes that take JSON refuse other
content types (415 ``unsupported-media-type``)."""

from __future__ import annotations

import re
import uuid

from litestar.testing import TestClient

from chengxin.security.permissions import Permission
from tests.helpers import auth

HUGE = "9223372036854775808"  # 2**63: past SQLite's and PostgreSQL's integers


def _paged_operations(client: TestClient) -> list[str]:  # type: ignore[type-arg]
    paths = client.get("/schema/openapi.json").json()["paths"]
    return sorted(
        path
        for path, item in paths.items()
        if any(p["name"] == "offset" for p in item.get("get", {}).get("parameters", []))
    )


def test_every_list_route_bounds_its_offset_and_limit(client: TestClient, token_for) -> None:  # type: ignore[no-untyped-def, type-arg]
    headers = auth(token_for(*Permission))
    paged = _paged_operations(client)
    assert "/api/v1/public/lists/entries" in paged
    assert len(paged) >= 11
    for path in paged:
        url = re.sub(r"\{[^}]+\}", str(uuid.uuid4()), path)  # bounds come before lookups
        for query, field in (
            (f"offset={HUGE}", "offset"),
            ("offset=-1", "offset"),
            (f"limit={HUGE}", "limit"),
            ("limit=0", "limit"),
        ):
            response = client.get(f"{url}?{query}", headers=headers)
            assert response.status_code == 422, (path, query, response.text)
            body = response.json()
            assert body["type"].endswith("/validation-failed")
            assert [e["field"] for e in body["errors"]] == [field], (path, query)


def test_public_list_offset_past_the_bound_is_422_not_500(client: TestClient) -> None:  # type: ignore[type-arg]
    response = client.get(f"/api/v1/public/lists/entries?offset={HUGE}")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "offset"
    assert client.get("/api/v1/public/lists/entries?offset=1000000").status_code == 200
    assert client.get("/api/v1/public/lists/entries?offset=1000001").status_code == 422


def test_a_deeply_nested_login_body_is_refused_before_decoding(client: TestClient) -> None:  # type: ignore[type-arg]
    body = "[" * 5000 + "]" * 5000
    response = client.post(
        "/api/v1/auth/login", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["type"].endswith("/json-too-deep")
    nested = '{"login": ' + '{"a": ' * 40 + "1" + "}" * 40 + ', "password": "x"}'
    response = client.post(
        "/api/v1/auth/login", content=nested, headers={"content-type": "application/json"}
    )
    assert response.json()["type"].endswith("/json-too-deep")


def test_brackets_inside_strings_do_not_count_toward_the_depth() -> None:
    from chengxin.bounds import json_depth_exceeds

    assert not json_depth_exceeds(b'{"a": "[[[[[[[[[[[[[[[[[[\\"[[[[[[["}', 3)
    assert json_depth_exceeds(b'{"a": [[[1]]]}', 3)
    assert not json_depth_exceeds(b'{"a": [[1]]}', 3)
    assert not json_depth_exceeds(b"[" + b"{}," * 100_000 + b"{}]", 2)
    assert not json_depth_exceeds(b'{"a": "\\\\", "b": "\\"[[[[[[["}', 3)  # escapes in strings
    assert json_depth_exceeds(b"[" * 5000, 32)  # unclosed: the decoder would descend 5,000 deep
    assert not json_depth_exceeds(b"[[[}}}]]", 3)  # malformed but shallow: the decoder's to refuse
    assert json_depth_exceeds(b'[{"a": [{"b": []}]}]', 4)
    assert not json_depth_exceeds(b'[{"a": [{"b": []}]}]', 5)


def test_a_json_route_refuses_a_text_plain_body(client: TestClient, token_for) -> None:  # type: ignore[no-untyped-def, type-arg]
    headers = auth(token_for(Permission.INGESTION_BATCH_SUBMIT, Permission.INGESTION_BATCH_READ))
    response = client.post(
        "/api/v1/ingestion/revocations",
        content=b'{"records": []}',
        headers={**headers, "content-type": "text/plain"},
    )
    assert response.status_code == 415
    assert response.json()["type"].endswith("/unsupported-media-type")
    response = client.post(
        "/api/v1/ingestion/batches",  # reads its body itself
        content=b'{"records": []}',
        headers={**headers, "content-type": "text/plain"},
    )
    assert response.status_code == 415
    response = client.post(
        "/api/v1/auth/login",
        content=b'{"login": "a", "password": "b"}',
        headers={"content-type": "text/plain"},
    )
    assert response.status_code == 415
    batches = client.get("/api/v1/ingestion/batches", headers=headers).json()
    assert batches == [] or batches.get("items", batches) == []


def test_a_missing_required_query_parameter_is_named(client: TestClient, token_for) -> None:  # type: ignore[no-untyped-def, type-arg]
    headers = auth(token_for(Permission.RECORDS_RECORD_READ))
    response = client.get("/api/v1/records/versions", headers=headers)
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "source_id", "message": "a required parameter is missing"}
    ]
