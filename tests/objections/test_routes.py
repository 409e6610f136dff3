"""Objections, statements and repair over HTTP, as a citizen, a provider and an auditor use them:
the end-to-end paths record → objection → correction → notification, and record → repair →
archive, with the problems bad input gets."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import pytest
from litestar.testing import TestClient

from chengxin.organizations import service as organization_service
from chengxin.security.actor import system_actor
from chengxin.security.permissions import Permission
from chengxin.security.roles import Role
from tests.helpers import auth
from tests.ingestion.fixtures import tax_row
from tests.objections.fixtures import RightsWorld, build_rights, old_tax_row

PDF_BYTES = b"%PDF-1.7\n% a scanned receipt\n"
EVIDENCE = {
    "filename": "缴款凭证.pdf",
    "content_type": "application/pdf",
    "content_base64": base64.b64encode(PDF_BYTES).decode(),
}


@pytest.fixture
def rw(runtime: Any, tmp_path: Any) -> RightsWorld:
    world = build_rights(runtime, tmp_path)
    rows = [old_tax_row(world.aw.people[10], "OLD-1")]
    assert world.push(tmp_path, rows, "old").created == 1
    return world


def _token(rw: RightsWorld, organization_id: Any, *permissions: Permission) -> str:
    with rw.runtime.scope() as session:
        return organization_service.issue_token(
            session,
            organization_id,
            name="test",
            permissions=list(permissions),
            valid_days=1,
            actor=system_actor("test"),
        ).secret


def _my_marks(client: TestClient, token: str, record_id: Any) -> list[str]:  # type: ignore[type-arg]
    response = client.post("/api/v1/me/report", json={"format": "json"}, headers=auth(token))
    assert response.status_code == 200, response.text
    report = response.json()["report"]
    return next(r["marks"] for r in report["dishonest"] if r["id"] == str(record_id))


def test_record_objection_correction_notification(
    client: TestClient,  # type: ignore[type-arg]
    rw: RightsWorld,
    citizen_for: Callable[..., Any],
    tmp_path: Any,
) -> None:
    person = rw.aw.with_records[0]
    record = rw.record(person)
    rw.government_report(person)  # the government consumer received the record
    token, _ = citizen_for(person)
    filed = client.post(
        "/api/v1/me/objections",
        json={
            "record_id": str(record.id),
            "reason": "欠税已缴清，记录有误",
            "evidence": [EVIDENCE],
        },
        headers=auth(token),
    )
    assert filed.status_code == 201, filed.text
    objection = filed.json()
    assert objection["status"] == "filed"
    assert "in_dispute" in _my_marks(client, token, record.id)

    tax = _token(
        rw,
        rw.aw.world.tax_org_id,
        Permission.OBJECTIONS_OBJECTION_READ,
        Permission.OBJECTIONS_OBJECTION_DECIDE,
    )
    queue = client.get("/api/v1/objections", headers=auth(tax)).json()
    assert (queue["open"], queue["overdue"], len(queue["items"])) == (1, 0, 1)
    [evidence] = queue["items"][0]["evidence"]
    download = client.get(
        f"/api/v1/objections/{objection['id']}/evidence/{evidence['id']}", headers=auth(tax)
    )
    assert download.status_code == 200
    assert download.content == PDF_BYTES
    assert "缴款凭证" not in download.headers["content-disposition"]

    premature = client.post(
        f"/api/v1/objections/{objection['id']}/decision",
        json={"outcome": "corrected", "note": "已核对原始文书"},
        headers=auth(tax),
    )
    assert premature.status_code == 422
    assert premature.json()["type"].endswith("objection-correction-missing")
    assert rw.push(tmp_path, [tax_row(person, "S0", amount="10")], "fix").corrected == 1
    corrected = rw.record(person)
    decided = client.post(
        f"/api/v1/objections/{objection['id']}/decision",
        json={
            "outcome": "corrected",
            "note": "金额录入错误，已更正",
            "corrected_record_id": str(corrected.id),
        },
        headers=auth(tax),
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["notified_organizations"] == 1

    government = _token(rw, rw.aw.government.organization_id, Permission.NOTIFICATIONS_NOTICE_READ)
    inbox = client.get("/api/v1/notices", headers=auth(government)).json()
    assert inbox["unread"] == 1
    [notice] = inbox["items"]
    assert (notice["topic"], notice["object_id"]) == ("record-corrected", str(corrected.id))
    read = client.post(f"/api/v1/notices/{notice['id']}/read", headers=auth(government))
    assert read.status_code == 200
    assert client.get("/api/v1/notices", headers=auth(government)).json()["unread"] == 0

    mine = client.get("/api/v1/me/objections", headers=auth(token)).json()
    assert [(o["status"], o["outcome"]) for o in mine] == [("decided", "corrected")]
    assert mine[0]["appeal_route"]
    assert mine[0]["decision_note"] == "金额录入错误，已更正"


def test_bad_objections_get_problems(
    client: TestClient,  # type: ignore[type-arg]
    rw: RightsWorld,
    citizen_for: Callable[..., Any],
) -> None:
    person, other = rw.aw.with_records[0], rw.aw.with_records[1]
    token, _ = citizen_for(person)
    record = rw.record(person)
    wrong_type = client.post(
        "/api/v1/me/objections",
        json={
            "record_id": str(record.id),
            "reason": "记录有误",
            "evidence": [{**EVIDENCE, "content_type": "text/html"}],
        },
        headers=auth(token),
    )
    assert wrong_type.status_code == 422
    assert wrong_type.json()["type"].endswith("evidence-invalid")
    not_mine = client.post(
        "/api/v1/me/objections",
        json={"record_id": str(rw.record(other).id), "reason": "记录有误"},
        headers=auth(token),
    )
    assert not_mine.status_code == 404
    assert not_mine.json()["type"].endswith("record-not-found")
    ok = {"record_id": str(record.id), "reason": "记录有误"}
    assert client.post("/api/v1/me/objections", json=ok, headers=auth(token)).status_code == 201
    again = client.post("/api/v1/me/objections", json=ok, headers=auth(token))
    assert again.status_code == 409
    assert again.json()["type"].endswith("objection-already-open")


def test_statement_travels_into_my_report(
    client: TestClient,  # type: ignore[type-arg]
    rw: RightsWorld,
    citizen_for: Callable[..., Any],
) -> None:
    person = rw.aw.with_records[0]
    token, _ = citizen_for(person)
    record = rw.record(person)
    made = client.post(
        "/api/v1/me/statements",
        json={"record_id": str(record.id), "text": "已与税务机关达成分期缴纳协议。"},
        headers=auth(token),
    )
    assert made.status_code == 201, made.text
    response = client.post("/api/v1/me/report", json={"format": "json"}, headers=auth(token))
    [line] = response.json()["report"]["dishonest"]
    assert line["statements"] == ["已与税务机关达成分期缴纳协议。"]
    html = client.post("/api/v1/me/report", json={"format": "html"}, headers=auth(token))
    assert "已与税务机关达成分期缴纳协议。" in html.text


def test_record_repair_archive(
    client: TestClient,  # type: ignore[type-arg]
    rw: RightsWorld,
    citizen_for: Callable[..., Any],
    user_for: Callable[..., str],
) -> None:
    person = rw.aw.people[10]
    record = rw.record(person)
    token, _ = citizen_for(person)
    eligibility = client.get(f"/api/v1/me/repairs/eligibility/{record.id}", headers=auth(token))
    assert eligibility.status_code == 200
    assert eligibility.json()["eligible"] is True
    assert "本人郑重承诺" in eligibility.json()["commitment_text"]
    no_commitment = {
        "record_id": str(record.id),
        "basis": "obligation_performed",
        "explanation": "已全部缴清",
        "commitment_accepted": False,
        "evidence": [EVIDENCE],
    }
    refused = client.post("/api/v1/me/repairs", json=no_commitment, headers=auth(token))
    assert refused.status_code == 422
    assert refused.json()["type"].endswith("repair-commitment-missing")
    applied = client.post(
        "/api/v1/me/repairs",
        json={**no_commitment, "commitment_accepted": True},
        headers=auth(token),
    )
    assert applied.status_code == 201, applied.text
    application = applied.json()
    assert application["status"] == "received"

    tax = _token(
        rw,
        rw.aw.world.tax_org_id,
        Permission.REPAIR_APPLICATION_READ,
        Permission.REPAIR_APPLICATION_DECIDE,
    )
    approved = client.post(
        f"/api/v1/repairs/{application['id']}/decision",
        json={"outcome": "approved"},
        headers=auth(tax),
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"
    assert _my_marks(client, token, record.id) == ["repaired"]

    auditor = user_for(Role.AUDITOR)
    archived = client.get(f"/api/v1/records/{record.id}/archive", headers=auth(auditor))
    assert archived.status_code == 200, archived.text
    assert archived.json()["document_no"] == record.document_no
    figures = client.get("/api/v1/repairs/figures", headers=auth(auditor)).json()
    assert [(f["decided"], f["on_time"]) for f in figures] == [(1, 1)]
