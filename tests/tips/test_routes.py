"""Tips over HTTP: a member of the public submits and follows a tip; the department's staff work
their queue; abuse gets 429 problems with Retry-After."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient

from chengxin.organizations import service as organization_service
from chengxin.security.actor import system_actor
from chengxin.security.permissions import Permission
from chengxin.settings import Settings
from tests.helpers import auth
from tests.tips.fixtures import WHAT, TipWorld, build


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"tips_per_client_per_hour": 2})


@pytest.fixture
def tw(runtime: Any) -> TipWorld:
    return build(runtime)


def _token(tw: TipWorld, organization_id: Any, *permissions: Permission) -> str:
    with tw.scope() as session:
        return organization_service.issue_token(
            session,
            organization_id,
            name="test",
            permissions=list(permissions),
            valid_days=1,
            actor=system_actor("test"),
        ).secret


def _form(tw: TipWorld, **over: Any) -> dict[str, Any]:
    return {
        "domain": "black-tax-serious",
        "about": tw.person.name,
        "id_number": tw.person.id_number,
        "what": WHAT,
        "contact": "微信 abc123",
        **over,
    }


def test_submit_follow_handle_and_close(client: TestClient, tw: TipWorld) -> None:  # type: ignore[type-arg]
    domains = client.get("/api/v1/tips/domains").json()
    assert {"black-tax-serious", "other"} <= {d["code"] for d in domains}
    assert not any(d["code"].startswith("red-") for d in domains)

    submitted = client.post("/api/v1/tips", json=_form(tw))
    assert submitted.status_code == 201, submitted.text
    receipt = submitted.json()
    assert (receipt["status"], receipt["handled_by"]) == ("routed", "测试市税务局")
    assert tw.person.id_number not in submitted.text
    invalid = client.post("/api/v1/tips", json=_form(tw, id_number="420101199001011234"))
    assert invalid.status_code == 422
    assert "420101199001011234" not in invalid.text

    tax = _token(tw, tw.tax_org, Permission.TIPS_TIP_READ, Permission.TIPS_TIP_HANDLE)
    queue = client.get("/api/v1/tips/queue", headers=auth(tax)).json()
    assert (queue["open"], len(queue["items"])) == (1, 1)
    item = queue["items"][0]
    assert "what" not in item
    assert item["masked_id_number"].count("*") == 10
    opened = client.get(f"/api/v1/tips/queue/{item['id']}", headers=auth(tax)).json()
    assert (opened["what"], opened["contact"]) == (WHAT, "微信 abc123")

    closed = client.post(
        f"/api/v1/tips/queue/{item['id']}/state",
        json={"state": "closed", "outcome": "substantiated", "public_note": "经查属实，已依法处理"},
        headers=auth(tax),
    )
    assert closed.status_code == 200, closed.text
    again = client.post(
        f"/api/v1/tips/queue/{item['id']}/state", json={"state": "in_progress"}, headers=auth(tax)
    )
    assert again.status_code == 409
    assert again.json()["type"].endswith("/tip-transition-invalid")

    followed = client.post(
        "/api/v1/tips/lookup", json={"reference": receipt["reference"], "secret": receipt["secret"]}
    )
    assert followed.status_code == 200, followed.text
    public = followed.json()
    assert (public["status"], public["outcome"]) == ("closed", "substantiated")
    assert public["updates"][-1]["note"] == "经查属实，已依法处理"
    assert "what" not in public
    assert "contact" not in public


def test_other_organizations_and_missing_permissions(client: TestClient, tw: TipWorld) -> None:  # type: ignore[type-arg]
    tip_id = client.post("/api/v1/tips", json=_form(tw)).json()["reference"]
    education = _token(tw, tw.education_org, Permission.TIPS_TIP_READ)
    assert client.get("/api/v1/tips/queue", headers=auth(education)).json()["items"] == []
    no_permission = _token(tw, tw.tax_org, Permission.CATALOG_CATALOG_READ)
    assert client.get("/api/v1/tips/queue", headers=auth(no_permission)).status_code == 403
    assert client.get("/api/v1/tips/queue").status_code == 401
    assert tip_id.startswith("JB-")


def test_abuse_gets_problems(client: TestClient, tw: TipWorld) -> None:  # type: ignore[type-arg]
    assert client.post("/api/v1/tips", json=_form(tw)).status_code == 201
    assert (
        client.post("/api/v1/tips", json=_form(tw, what="第二条不同的举报内容")).status_code == 201
    )
    limited = client.post("/api/v1/tips", json=_form(tw, what="第三条不同的举报内容"))
    assert limited.status_code == 429
    assert limited.json()["type"].endswith("/tip-rate-limited")
    assert int(limited.headers["Retry-After"]) > 0

    bad = client.post(
        "/api/v1/tips/lookup", json={"reference": "JB-2026-AAAAAAAA", "secret": "not-the-secret"}
    )
    assert bad.status_code == 404
    assert bad.json()["type"].endswith("/tip-not-found")
