"""Refusals are logged with their real status (issue 23, finding 8): a CSRF refusal is a 403 in
the access log, never an error or a 500; unrouted answers are logged as what they were."""

from __future__ import annotations

import logging

import pytest
from litestar.testing import TestClient
from structlog.testing import capture_logs


@pytest.mark.parametrize(
    ("path", "status"), [("/signin", 403), ("/me/signin", 403), ("/nope", 404)]
)
def test_a_refused_form_post_is_logged_with_its_status(
    client: TestClient,  # type: ignore[type-arg]
    caplog: pytest.LogCaptureFixture,
    path: str,
    status: int,
) -> None:
    caplog.set_level(logging.INFO, logger="chengxin.access")
    with capture_logs() as logs:
        response = client.post(path, data={"login": "a", "password": "b"})  # no CSRF token
    assert response.status_code == status
    lines = [entry for entry in logs if entry.get("event") == "request"]
    assert [(e["method"], e["path"], e["status"]) for e in lines] == [("POST", path, status)]
    assert not [e for e in logs if e.get("log_level") in ("error", "critical")]
