"""A value that passed validation but that the database cannot hold is the client's error, not a
crash: 422 ``value-not-storable`` (found by the schemathesis sweep on PostgreSQL: a NUL character
in a tip reference was a DataError 500)."""

from __future__ import annotations

import pytest
from litestar import Litestar, get
from litestar.testing import TestClient

from chengxin.errors import EXCEPTION_HANDLERS


@pytest.mark.postgresql
def test_a_nul_character_in_text_is_422_on_postgresql(client: TestClient) -> None:  # type: ignore[type-arg]
    response = client.post(
        "/api/v1/tips/lookup", json={"reference": "AB\x00CD", "secret": "12345678"}
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"].endswith("/value-not-storable")


def test_an_integer_the_database_cannot_hold_is_422() -> None:
    @get("/overflow", sync_to_thread=False)
    def overflow() -> None:
        raise OverflowError("Python int too large to convert to SQLite INTEGER")

    app = Litestar(route_handlers=[overflow], exception_handlers=EXCEPTION_HANDLERS)
    with TestClient(app=app) as client:
        response = client.get("/overflow")
    assert response.status_code == 422
    assert response.json()["type"].endswith("/value-not-storable")
    assert "SQLite" not in response.text  # the driver's message is not echoed
