"""Checks over HTTP: a public body's system runs single and batch checks, reads its own checks,
sends feedback; problems for bad input; the person sees who checked them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from litestar.testing import TestClient

from chengxin.organizations import service as organization_service
from chengxin.security.actor import system_actor
from chengxin.security.permissions import Permission
from chengxin.security.roles import Role
from chengxin.settings import Settings
from tests.checks.fixtures import NOW, CheckWorld, build_checks
from tests.helpers import auth
from tests.lists.fixtures import listed

PURPOSE = "食品经营许可审查"
OFFICER = (
    Permission.CHECKS_CHECK_RUN,
    Permission.CHECKS_CHECK_READ,
    Permission.CHECKS_FEEDBACK_SUBMIT,
)


@pytest.fixture
def cw(runtime: Any, tmp_path: Any, settings: Settings) -> CheckWorld:
    return build_checks(runtime, tmp_path, settings)


def _token(cw: CheckWorld, actor: Any, *permissions: Permission) -> str:
    with cw.runtime.scope() as session:
        return organization_service.issue_token(
            session,
            actor.organization_id,
            name="test",
            permissions=list(permissions or OFFICER),
            valid_days=1,
            actor=system_actor("test"),
        ).secret


def _body(*persons: Any, scene: str = "administrative_licensing") -> dict[str, Any]:
    return {
        "scene": scene,
        "purpose": PURPOSE,
        "persons": [{"id_number": p.id_number, "name": p.name} for p in persons],
    }


def test_single_check_feedback_and_detail(client: TestClient, cw: CheckWorld) -> None:  # type: ignore[type-arg]
    token = _token(cw, cw.licensing)
    person = cw.people[5]
    listed(cw.runtime, cw.sid(person), "black-judgment-defaulter", now=NOW - timedelta(days=1))
    response = client.post("/api/v1/checks", json=_body(person), headers=auth(token))
    assert response.status_code == 200, response.text
    body = response.json()
    [subject] = body["subjects"]
    assert subject["error"] is None
    assert person.id_number not in response.text
    assert person.name not in response.text
    assert [m["code"] for m in subject["measures"]] == ["P07", "P12"]
    assert subject["measures"][1]["basis"]
    assert subject["measures"][1]["why"][0]["trigger"] == "list"
    assert subject["memberships"][0]["list_type"] == "black-judgment-defaulter"
    check_id = body["check_id"]

    feedback = {
        "items": [{"measure": "P12", "decision": "applied", "reason": "不予许可", "index": 0}]
    }
    response = client.post(
        f"/api/v1/checks/{check_id}/feedback", json=feedback, headers=auth(token)
    )
    assert response.status_code == 201, response.text
    unknown = {"items": [{"measure": "I01", "decision": "applied", "reason": "优先办理"}]}
    response = client.post(f"/api/v1/checks/{check_id}/feedback", json=unknown, headers=auth(token))
    assert response.status_code == 422
    assert response.json()["type"].endswith("/check-feedback-measure-unknown")

    detail = client.get(f"/api/v1/checks/{check_id}", headers=auth(token)).json()
    assert detail["subjects"] == [{"index": 0, "outcome": "found", "measures": ["P07", "P12"]}]
    assert [f["measure"] for f in detail["feedback"]] == ["P12"]

    other = _token(cw, cw.procurement)
    for response in (
        client.get(f"/api/v1/checks/{check_id}", headers=auth(other)),
        client.post(f"/api/v1/checks/{check_id}/feedback", json=feedback, headers=auth(other)),
    ):
        assert response.status_code == 404
        assert response.json()["type"].endswith("/check-not-found")


def test_batch_with_per_person_errors(client: TestClient, cw: CheckWorld) -> None:  # type: ignore[type-arg]
    token = _token(cw, cw.licensing)
    body = _body(cw.volunteer, cw.people[6])
    body["persons"].insert(1, {"id_number": "123", "name": "张三"})
    response = client.post("/api/v1/checks", json=body, headers=auth(token))
    assert response.status_code == 200, response.text
    subjects = response.json()["subjects"]
    assert [s["error"]["code"] if s["error"] else None for s in subjects] == [
        None,
        "id-number-invalid",
        None,
    ]
    assert [m["code"] for m in subjects[0]["measures"]] == ["I01", "I02", "I03", "I04"]


def test_problems(client: TestClient, cw: CheckWorld) -> None:  # type: ignore[type-arg]
    token = _token(cw, cw.licensing)
    response = client.post(
        "/api/v1/checks", json=_body(cw.volunteer, scene="bidding"), headers=auth(token)
    )
    assert response.status_code == 403
    assert response.json()["type"].endswith("/scene-not-permitted")
    cw.settings.check_batch_limit = 2
    response = client.post("/api/v1/checks", json=_body(*cw.people[:3]), headers=auth(token))
    assert response.status_code == 413
    assert response.json()["type"].endswith("/check-batch-too-large")
    response = client.post("/api/v1/checks", json=_body(), headers=auth(token))
    assert response.status_code == 422
    response = client.post(
        "/api/v1/checks", json=_body(cw.volunteer) | {"scene": "nowhere"}, headers=auth(token)
    )
    assert response.status_code == 422
    bank = _token(cw, cw.aw.bank)
    response = client.post(
        "/api/v1/checks", json=_body(cw.volunteer, scene="loan"), headers=auth(bank)
    )
    assert response.status_code == 403
    assert response.json()["type"].endswith("/check-needs-public-body")


def test_the_person_sees_who_checked_them(
    client: TestClient,  # type: ignore[type-arg]
    cw: CheckWorld,
    citizen_for: Callable[..., Any],
) -> None:
    token = _token(cw, cw.licensing)
    response = client.post(
        "/api/v1/checks", json=_body(cw.volunteer, cw.people[6]), headers=auth(token)
    )
    check_id = response.json()["check_id"]
    citizen_token, _ = citizen_for(cw.volunteer)
    [line] = client.get("/api/v1/me/checks", headers=auth(citizen_token)).json()
    assert line["check_id"] == check_id
    assert line["purpose"] == PURPOSE
    assert line["organization"] == "测试市场监督管理局（核查）"
    assert line["tree_size"] == 2


def test_feedback_rates_for_operators(
    client: TestClient,  # type: ignore[type-arg]
    cw: CheckWorld,
    user_for: Callable[..., str],
) -> None:
    token = _token(cw, cw.licensing)
    client.post("/api/v1/checks", json=_body(cw.volunteer), headers=auth(token))
    operator = user_for(Role.OPERATOR)
    response = client.get("/api/v1/checks/feedback-rates", headers=auth(operator))
    assert response.status_code == 200, response.text
    assert response.json() == [
        {
            "department": None,
            "scene": "administrative_licensing",
            "checks": 1,
            "with_feedback": 0,
            "rate": 0.0,
        }
    ]
    response = client.get("/api/v1/checks/feedback-rates", headers=auth(token))
    assert response.status_code == 403
