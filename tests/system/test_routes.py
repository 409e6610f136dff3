"""Health, readiness, the home page, OpenAPI, problem+json, request ids."""

from __future__ import annotations

from litestar.testing import TestClient

from chengxin import migrate
from chengxin.runtime import Runtime


def test_health_is_ok(client: TestClient) -> None:  # type: ignore[type-arg]
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert len(response.headers["x-request-id"]) == 32


def test_ready_reports_the_schema_revision(client: TestClient) -> None:  # type: ignore[type-arg]
    body = client.get("/ready").json()
    assert body == {
        "status": "ready",
        "database": True,
        "schema_revision": migrate.head_revision(),
        "expected_revision": migrate.head_revision(),
    }


def test_ready_is_503_when_the_schema_is_behind(runtime: Runtime) -> None:
    from chengxin.app import create_app
    from chengxin.db import make_engine
    from chengxin.runtime import build_runtime

    empty = build_runtime(
        runtime.settings.model_copy(
            update={"database_url": f"sqlite:///{runtime.settings.data_dir / 'empty.db'}"}
        ),
        keyring=runtime.keyring,
    )
    with TestClient(app=create_app(runtime=empty)) as c:
        response = c.get("/ready")
    assert response.status_code == 503
    assert response.json()["schema_revision"] is None
    del make_engine


def test_ready_is_503_when_the_database_is_unreachable(runtime: Runtime) -> None:
    from chengxin.app import create_app
    from chengxin.runtime import build_runtime

    broken = build_runtime(
        runtime.settings.model_copy(
            update={"database_url": "postgresql://nobody@127.0.0.1:1/none"}
        ),
        keyring=runtime.keyring,
    )
    with TestClient(app=create_app(runtime=broken)) as c:
        response = c.get("/ready")
    assert response.status_code == 503
    assert response.json()["database"] is False


def test_landing_page_is_the_portal_home_in_chinese_and_links_the_api_docs(
    client: TestClient,  # type: ignore[type-arg]
) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert "text/html" in response.headers["content-type"]
    assert '<html lang="zh-Hans">' in response.text
    assert "个人公共信用信息平台" in response.text
    assert "/schema/swagger" in response.text
    assert 'href="/lists"' in response.text


def test_openapi_documents_every_route(client: TestClient) -> None:  # type: ignore[type-arg]
    schema = client.get("/schema/openapi.json").json()
    assert "/api/v1/id-numbers/check" in schema["paths"]
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert operation.get("summary"), f"{method} {path} has no summary"


def test_unknown_route_is_a_problem(client: TestClient) -> None:  # type: ignore[type-arg]
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["type"].endswith("/not-found")
    assert body["request_id"] == response.headers["x-request-id"]


def test_invalid_body_is_a_validation_problem(client: TestClient) -> None:  # type: ignore[type-arg]
    response = client.post("/api/v1/id-numbers/check", json={"wrong": 1})
    assert response.status_code in (400, 422)
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"].endswith("/validation-failed")


def test_openapi_documents_every_route_with_a_summary(client: TestClient) -> None:  # type: ignore[type-arg]
    response = client.get("/schema/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for expected in (
        "/api/v1/ingestion/uploads",
        "/api/v1/catalog/kinds/{code}",
        "/api/v1/records/versions",
    ):
        assert expected in paths
    for path, operations in paths.items():
        for method, operation in operations.items():
            assert operation.get("summary"), f"{method.upper()} {path} has no summary"
