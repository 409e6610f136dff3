"""Reports over HTTP: issue, verify, reproduce; own report only; problems for bad input."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from litestar.testing import TestClient

from chengxin.demo import generator
from chengxin.organizations.models import ApiToken
from chengxin.privacy import mask_id_number
from chengxin.reports.pdf import verify_pdf
from chengxin.runtime import Runtime
from chengxin.security.permissions import Permission
from chengxin.settings import Settings
from tests.access.fixtures import AccessWorld, build
from tests.helpers import auth

P = Permission
SCENE = "administrative_licensing"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"access_review_new_scene": False})


@pytest.fixture
def aw(runtime: Runtime, tmp_path: Any) -> AccessWorld:
    return build(runtime, tmp_path)


@pytest.fixture
def officer(client: TestClient, aw: AccessWorld, token_for: Callable[..., str]) -> str:  # type: ignore[type-arg]
    """A government system's token whose permission list covers administrative licensing."""
    admin, token = token_for(P.ACCESS_POLICY_MANAGE), token_for(P.ACCESS_QUERY_SUBMIT)
    with aw.runtime.scope() as session:
        org = session.get_one(ApiToken, uuid.UUID(hex=token.split("_")[1])).organization_id
    response = client.post(
        "/api/v1/access/permissions",
        json={
            "organization_id": str(org),
            "scene": SCENE,
            "sharing": ["authorized"],
            "basis": "《湖北省社会信用信息管理条例》第二十四条",
        },
        headers=auth(admin),
    )
    assert response.status_code == 201, response.text
    return token


def _body(person: Any, **over: Any) -> dict[str, Any]:
    return {
        "id_number": person.id_number,
        "name": person.name,
        "scene": SCENE,
        "purpose": "食品经营许可审查",
        **over,
    }


def test_an_organization_gets_a_report_anyone_can_verify_with_the_code(
    client: TestClient,  # type: ignore[type-arg]
    aw: AccessWorld,
    officer: str,
    token_for: Callable[..., str],
) -> None:
    person = aw.with_records[0]
    response = client.post("/api/v1/reports", json=_body(person), headers=auth(officer))
    assert response.status_code == 200, response.text
    issued = response.json()
    assert person.id_number not in response.text
    assert issued["report"]["audience"] == "government"
    assert len(issued["report"]["dishonest"]) == 1
    number, code = issued["report"]["number"], issued["verification_code"]
    assert response.headers["X-Report-Number"] == number
    checked = client.post("/api/v1/reports/verify", json={"number": number, "code": code})
    assert checked.status_code == 200, checked.text
    found = checked.json()
    assert (found["digest"], found["audience"], found["signature_valid"]) == (
        issued["digest"],
        "government",
        True,
    )
    assert "report" not in found
    assert found["signed_message"].startswith(f"chengxin-report-v1\n{number}\n")
    key = client.get("/api/v1/audit/public-key").json()
    assert key["key_id"] == found["key_id"]
    # Another organization, or anyone, with a wrong code: the same answer as an unknown number.
    for bad in (
        {"number": number, "code": "WRONG234"},
        {"number": "CX-20261128-AAAAAAAA", "code": code},
    ):
        denied = client.post("/api/v1/reports/verify", json=bad, headers=auth(token_for()))
        assert denied.status_code == 404
        assert denied.json()["type"].endswith("/report-not-verified")
    auditor = token_for(P.AUDIT_LOG_READ)
    again = client.post("/api/v1/reports/reproduce", json={"number": number}, headers=auth(auditor))
    assert again.status_code == 200, again.text
    assert again.json()["matches"] is True
    assert again.json()["digest"] == issued["digest"]


def test_bad_requests_answer_with_problems(
    client: TestClient,  # type: ignore[type-arg]
    aw: AccessWorld,
    officer: str,
) -> None:
    person = aw.with_records[0]
    stranger = next(iter(generator.people(1, seed=9090)))
    cases = [
        ({"id_number": stranger.id_number, "name": stranger.name}, 404, "subject-not-found"),
        ({"id_number": mask_id_number(person.id_number)}, 422, "id-number-characters"),
        ({"name": "某某某"}, 404, "subject-name-mismatch"),
        ({"scene": "bidding"}, 403, "scene-not-permitted"),
        ({"as_of": "2026-01-01T00:00:00+08:00"}, 403, "report-as-of-not-permitted"),
        ({"format": "docx"}, 422, "validation-failed"),
    ]
    for over, status, code in cases:
        response = client.post("/api/v1/reports", json=_body(person, **over), headers=auth(officer))
        assert response.status_code == status, (over, response.text)
        assert response.json()["type"].endswith(f"/{code}"), over
        assert person.id_number not in response.text


def test_a_citizen_only_ever_gets_their_own_report(
    client: TestClient,  # type: ignore[type-arg]
    aw: AccessWorld,
    officer: str,
    citizen_for: Callable[..., Any],
) -> None:
    person, other = aw.with_records[0], aw.with_records[1]
    assert client.post("/api/v1/reports", json=_body(person), headers=auth(officer)).is_success
    token, _ = citizen_for(person)
    mine = client.post("/api/v1/me/report", json={}, headers=auth(token))
    assert mine.status_code == 200, mine.text
    report = mine.json()["report"]
    assert report["audience"] == "subject"
    assert report["masked_id_number"] == mask_id_number(person.id_number)
    assert [q["purpose"] for q in report["queries"] if q["action"] == "access:query:disclose"] == [
        "食品经营许可审查"
    ]
    # Naming someone else in the body changes nothing: the subject is the account's own.
    forged = client.post(
        "/api/v1/me/report",
        json={"id_number": other.id_number, "name": other.name},
        headers=auth(token),
    )
    assert forged.status_code == 200
    assert forged.json()["report"]["masked_id_number"] == mask_id_number(person.id_number)
    # A citizen cannot use the organizations' route at all.
    assert client.post("/api/v1/reports", json=_body(other), headers=auth(token)).status_code == 403
    past = client.post(
        "/api/v1/me/report", json={"as_of": "2020-01-01T00:00:00+08:00"}, headers=auth(token)
    )
    assert past.status_code == 200, past.text
    assert past.json()["report"]["dishonest"] == []


def test_html_and_pdf_come_from_the_same_report(
    client: TestClient,  # type: ignore[type-arg]
    aw: AccessWorld,
    officer: str,
) -> None:
    person = aw.with_records[0]
    html = client.post(
        "/api/v1/reports", json=_body(person, format="html", lang="en"), headers=auth(officer)
    )
    assert html.status_code == 200, html.text
    assert html.headers["content-type"].startswith("text/html")
    assert html.headers["X-Report-Number"] in html.text
    sealed = client.post("/api/v1/reports", json=_body(person, format="pdf"), headers=auth(officer))
    assert sealed.status_code == 200, sealed.text[:300]
    assert sealed.headers["content-type"] == "application/pdf"
    key = client.get("/api/v1/audit/public-key").json()["pem"]
    result = verify_pdf(sealed.content, public_key_pem=key)
    assert result.ok, result
    assert result.number == sealed.headers["X-Report-Number"]
    assert result.digest == sealed.headers["X-Report-Digest"]
    changed = bytearray(sealed.content)
    changed[len(changed) // 2] ^= 1
    assert not verify_pdf(bytes(changed), public_key_pem=key).ok
