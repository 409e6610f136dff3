"""Task tracking over the API: the office records a task, a unit reports progress with a file
(base64 JSON), the file is downloaded, the office closes the task; units not on the task and
callers without the permission are refused with problems."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import select

from chengxin.audit.models import AuditEntry
from chengxin.organizations import service as organization_service
from chengxin.security.actor import system_actor
from chengxin.security.permissions import Permission
from tests.helpers import auth
from tests.tracking.fixtures import PDF, PNG, TrackingWorld, b64, build

P = Permission


@pytest.fixture
def tw(runtime: Any) -> TrackingWorld:
    return build(runtime)


def _token(tw: TrackingWorld, organization_id: uuid.UUID, *permissions: Permission) -> str:
    with tw.scope() as session:
        return organization_service.issue_token(
            session,
            organization_id,
            name="test",
            permissions=list(permissions),
            valid_days=1,
            actor=system_actor("test"),
        ).secret


def _task_body(tw: TrackingWorld, **over: Any) -> dict[str, Any]:
    return {
        "title": "建立个人诚信档案",
        "description": "按实施意见建立重点人群诚信档案",
        "basis": "实施意见 三、（二）",
        "lead_organization_id": str(tw.market_org),
        "responsible_organization_ids": [str(tw.education_org)],
        "milestones": [
            {"title": "报送方案", "start_on": "2026-09-30", "workdays": 3},
            {"title": "完成建档", "due_on": "2026-12-31"},
        ],
        **over,
    }


def test_create_report_download_close(client: TestClient, tw: TrackingWorld) -> None:  # type: ignore[type-arg]
    office = auth(_token(tw, tw.operator_org, P.TRACKING_TASK_MANAGE, P.TRACKING_TASK_READ))
    market = auth(_token(tw, tw.market_org, P.TRACKING_PROGRESS_REPORT, P.TRACKING_TASK_READ))
    created = client.post("/api/v1/tasks", json=_task_body(tw), headers=office)
    assert created.status_code == 201, created.text
    task = created.json()
    assert [(m["title"], m["due_on"]) for m in task["milestones"]] == [
        ("报送方案", "2026-10-10"),
        ("完成建档", "2026-12-31"),
    ]
    assert [(u["name"], u["role"]) for u in task["units"]] == [
        ("测试省市场监管局", "lead"),
        ("测试省教育厅", "responsible"),
    ]
    path = f"/api/v1/tasks/{task['id']}"

    reported = client.post(
        f"{path}/progress",
        json={
            "text": "方案已报送",
            "milestone_id": task["milestones"][0]["id"],
            "attachments": [
                {
                    "filename": "方案.pdf",
                    "content_type": "application/pdf",
                    "content_base64": b64(PDF),
                }
            ],
        },
        headers=market,
    )
    assert reported.status_code == 201, reported.text
    [progress] = reported.json()["progress"]
    assert progress["organization"] == "测试省市场监管局"
    assert reported.json()["milestones"][0]["done_on"] is not None
    [attachment] = progress["attachments"]
    download = client.get(f"{path}/attachments/{attachment['id']}", headers=office)
    assert download.status_code == 200
    assert download.content == PDF
    assert download.headers["content-type"].startswith("application/pdf")
    assert "方案" not in download.headers["content-disposition"]  # its own name stays sealed

    listed = client.get("/api/v1/tasks", headers=market).json()
    assert [t["id"] for t in listed["items"]] == [task["id"]]

    closed = client.post(f"{path}/close", json={"note": "已建立档案"}, headers=office)
    assert closed.status_code == 200, closed.text
    assert (closed.json()["status"], closed.json()["closing_note"]) == ("closed", "已建立档案")
    again = client.post(f"{path}/progress", json={"text": "再报"}, headers=market)
    assert (again.status_code, again.json()["type"].rsplit("/", 1)[-1]) == (409, "task-closed")
    with tw.scope() as session:
        actions = list(
            session.execute(
                select(AuditEntry.action)
                .where(AuditEntry.object_id == task["id"])
                .order_by(AuditEntry.seq)
            ).scalars()
        )
    assert actions == ["tracking:task:create", "tracking:progress:submit", "tracking:task:close"]


def test_problems(client: TestClient, tw: TrackingWorld) -> None:  # type: ignore[type-arg]
    office = auth(_token(tw, tw.operator_org, P.TRACKING_TASK_MANAGE, P.TRACKING_TASK_READ))
    yichang = auth(
        _token(tw, tw.yichang_market_org, P.TRACKING_PROGRESS_REPORT, P.TRACKING_TASK_READ)
    )
    task = client.post("/api/v1/tasks", json=_task_body(tw), headers=office).json()
    path = f"/api/v1/tasks/{task['id']}"

    def code(response: Any) -> tuple[int, str]:
        return response.status_code, response.json()["type"].rsplit("/", 1)[-1]

    not_unit = client.post(f"{path}/progress", json={"text": "x"}, headers=yichang)
    assert code(not_unit) == (403, "not-a-task-unit")
    assert code(client.get(path, headers=yichang)) == (404, "task-not-found")
    bad = _task_body(tw, milestones=[{"title": "x", "due_on": "2026-12-01", "workdays": 2}])
    assert code(client.post("/api/v1/tasks", json=bad, headers=office)) == (422, "task-invalid")
    unknown = _task_body(tw, lead_organization_id=str(uuid.uuid4()))
    assert code(client.post("/api/v1/tasks", json=unknown, headers=office)) == (
        422,
        "task-invalid",
    )
    market = auth(_token(tw, tw.market_org, P.TRACKING_PROGRESS_REPORT, P.TRACKING_TASK_READ))
    not_pdf = {
        "text": "x",
        "attachments": [
            {"filename": "a.pdf", "content_type": "application/pdf", "content_base64": b64(PNG)}
        ],
    }
    assert code(client.post(f"{path}/progress", json=not_pdf, headers=market)) == (
        422,
        "evidence-invalid",
    )
    missing = client.get(f"{path}/attachments/{uuid.uuid4()}", headers=office)
    assert code(missing) == (404, "task-attachment-not-found")
    more = {"title": "补充", "due_on": str(date(2027, 1, 8))}
    added = client.post(f"{path}/milestones", json=more, headers=office)
    assert added.status_code == 201
    assert [m["title"] for m in added.json()["milestones"]][-1] == "补充"


ROUTES = [
    ("GET", "/api/v1/tasks", P.TRACKING_TASK_READ),
    ("POST", "/api/v1/tasks", P.TRACKING_TASK_MANAGE),
    ("GET", "/api/v1/tasks/{id}", P.TRACKING_TASK_READ),
    ("POST", "/api/v1/tasks/{id}/milestones", P.TRACKING_TASK_MANAGE),
    ("POST", "/api/v1/tasks/{id}/progress", P.TRACKING_PROGRESS_REPORT),
    ("GET", "/api/v1/tasks/{id}/attachments/{id}", P.TRACKING_TASK_READ),
    ("POST", "/api/v1/tasks/{id}/close", P.TRACKING_TASK_MANAGE),
]


@pytest.mark.parametrize(("method", "path", "needed"), ROUTES)
def test_each_route_needs_its_permission(
    client: TestClient,  # type: ignore[type-arg]
    tw: TrackingWorld,
    method: str,
    path: str,
    needed: Permission,
) -> None:
    others = [
        p
        for p in (P.TRACKING_TASK_READ, P.TRACKING_TASK_MANAGE, P.TRACKING_PROGRESS_REPORT)
        if p != needed
    ]
    headers = auth(_token(tw, tw.operator_org, *others))
    url = path.replace("{id}", str(uuid.uuid4()))
    response = client.request(method, url, headers=headers, json={} if method == "POST" else None)
    assert response.status_code == 403, response.text
    assert client.request(method, url).status_code == 401
