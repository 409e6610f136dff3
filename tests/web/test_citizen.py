"""The citizen's self-service pages (/me): real-name sign-in, every page in Chinese and English,
forms with bad input (the error shown, nothing lost), and who may open them."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from litestar.testing import TestClient

from chengxin.notifications import service as notifications_service
from chengxin.objections.models import Objection
from chengxin.organizations import service as organization_service
from chengxin.runtime import Runtime
from chengxin.security.roles import Role
from tests.objections.fixtures import RightsWorld, build_rights

PDF = b"%PDF-1.4\n%test evidence\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16

PAGES = (
    "/me",
    "/me/report",
    "/me/queries",
    "/me/objections",
    "/me/objections/new",
    "/me/repairs",
    "/me/repairs/new",
    "/me/grants",
    "/me/statements",
    "/me/notices",
    "/me/lists",
    "/me/score",
)


def _csrf(client: TestClient) -> str:  # type: ignore[type-arg]
    client.get("/me/signin")
    token = client.cookies.get("chengxin_csrf")
    assert token
    return token


def _lang(client: TestClient, lang: str) -> None:  # type: ignore[type-arg]
    client.cookies.set("chengxin_lang", lang)


@pytest.fixture
def world(runtime: Runtime, tmp_path: Any) -> RightsWorld:
    return build_rights(runtime, tmp_path)


@pytest.fixture
def signed_in(
    client: TestClient,  # type: ignore[type-arg]
    world: RightsWorld,
    citizen_for: Callable[..., tuple[str, uuid.UUID]],
) -> tuple[TestClient, Any]:  # type: ignore[type-arg]
    """A client signed in as a person with one tax-arrears record."""
    person = world.aw.with_records[0]
    token, _ = citizen_for(person)
    client.cookies.set("chengxin_session", token)
    return client, person


# -- who may open the pages ------------------------------------------------------------------------


def test_anonymous_is_sent_to_the_real_name_sign_in(client: TestClient) -> None:  # type: ignore[type-arg]
    for path in ("/me", "/me/report", "/me/grants"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == f"/me/signin?next={path}"


def test_staff_are_refused_the_personal_pages(
    client: TestClient,  # type: ignore[type-arg]
    user_for: Callable[..., str],
) -> None:
    client.cookies.set("chengxin_session", user_for(Role.PLATFORM_ADMIN))
    for path in ("/me", "/me/report", "/me/report.pdf", "/me/score"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 403, path
        assert "forbidden" in response.text


# -- real-name sign-in -----------------------------------------------------------------------------


def test_sign_in_with_a_code_sets_the_session_and_goes_on(
    client: TestClient,  # type: ignore[type-arg]
    runtime: Runtime,
    world: RightsWorld,
) -> None:
    person = world.aw.with_records[1]
    for lang, words in (("zh", "个人实名登录"), ("en", "Real-name sign-in")):
        _lang(client, lang)
        assert words in client.get("/me/signin").text
    _lang(client, "zh")
    token = _csrf(client)
    step = client.post(
        "/me/signin",
        data={
            "id_number": person.id_number,
            "name": person.name,
            "next": "/me/report",
            "_csrf_token": token,
        },
    )
    assert step.status_code == 200
    assert "139****1234" in step.text  # the masked phone
    assert person.id_number not in step.text  # the ID number is not echoed in the second step
    challenge = re.search(r'name="challenge_id" value="([0-9a-f-]+)"', step.text)
    assert challenge is not None
    with runtime.scope() as session:
        row = notifications_service.latest_for(session, world.subject(person))
        assert row is not None
        found = re.search(r"\d{6}", notifications_service.text_of(session, row))
        assert found is not None
    code = found.group()
    wrong = "000000" if code != "000000" else "111111"
    refused = client.post(
        "/me/signin/verify",
        data={
            "challenge_id": challenge.group(1),
            "code": wrong,
            "next": "/me/report",
            "masked_phone": "139****1234",
            "_csrf_token": token,
        },
    )
    assert refused.status_code == 401
    assert "code-invalid" in refused.text
    assert "还可尝试" in refused.text  # attempts left, from the service's answer
    assert challenge.group(1) in refused.text  # the form keeps its challenge: try again
    done = client.post(
        "/me/signin/verify",
        data={
            "challenge_id": challenge.group(1),
            "code": code,
            "next": "/me/report",
            "_csrf_token": token,
        },
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert done.headers["location"] == "/me/report"
    cookie = done.headers["set-cookie"]
    assert "chengxin_session=cxs_" in cookie
    assert "HttpOnly" in cookie
    assert "samesite=strict" in cookie.lower()
    assert client.get("/me").status_code == 200


def test_an_unknown_person_is_told_so_and_the_form_keeps_its_values(
    client: TestClient,  # type: ignore[type-arg]
    world: RightsWorld,
) -> None:
    person = world.aw.with_records[0]
    token = _csrf(client)
    response = client.post(
        "/me/signin",
        data={"id_number": person.id_number, "name": "张冒名", "_csrf_token": token},
    )
    assert response.status_code == 401
    assert "person-not-verified" in response.text
    assert f'value="{person.id_number}"' in response.text  # nothing lost (in the body only)
    assert 'value="张冒名"' in response.text
    assert 'role="alert"' in response.text
    expired = client.post(
        "/me/signin/verify",
        data={"challenge_id": "not-a-uuid", "code": "123456", "_csrf_token": token},
    )
    assert expired.status_code == 422
    assert "invalid-input" in expired.text


# -- every page, both languages --------------------------------------------------------------------


def test_every_page_renders_in_chinese_and_english(signed_in: tuple[TestClient, Any]) -> None:  # type: ignore[type-arg]
    client, _ = signed_in
    for lang in ("zh", "en"):
        _lang(client, lang)
        for path in PAGES:
            response = client.get(path)
            assert response.status_code == 200, (lang, path, response.text[:500])
            assert "<script>" not in response.text
            assert " style=" not in response.text
            if lang == "en":
                assert 'lang="en"' in response.text
                assert "My credit" in response.text
            else:
                assert "我的信用" in response.text
    _lang(client, "en")
    report = client.get("/me/report").text
    assert "Tax arrears" in report or "tax" in report.lower()  # the kind's English name
    assert "Download the PDF report" in report


def test_the_report_pdf_is_a_download(signed_in: tuple[TestClient, Any]) -> None:  # type: ignore[type-arg]
    client, _ = signed_in
    response = client.get("/me/report.pdf")
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("attachment;")


def test_who_queried_me_lists_entries_with_proofs(
    signed_in: tuple[TestClient, Any], world: RightsWorld
) -> None:  # type: ignore[type-arg]
    client, person = signed_in
    world.government_report(person)  # a government query about the person
    page = client.get("/me/queries")
    assert page.status_code == 200
    assert "测试市场监督管理局" in page.text
    seqs = re.findall(r"/me/queries/proof\.json\?seq=(\d+)", page.text)
    assert seqs
    proof = client.get(f"/me/queries/proof.json?seq={seqs[0]}")
    assert proof.status_code == 200
    assert proof.headers["content-disposition"].startswith("attachment;")
    body = json.loads(proof.content)
    assert body["entries"][0]["seq"] == int(seqs[0])
    assert body["entries"][0]["audit_path"] is not None
    assert body["tree_head"]["signature"]
    assert client.get("/me/queries/proof.json?seq=999999").status_code == 404


# -- objections ------------------------------------------------------------------------------------


def test_filing_an_objection_with_evidence(
    signed_in: tuple[TestClient, Any], world: RightsWorld, runtime: Runtime
) -> None:  # type: ignore[type-arg]
    client, person = signed_in
    record = world.record(person)
    token = _csrf(client)
    form = client.get(f"/me/objections/new?record_id={record.id}")
    assert form.status_code == 200
    assert f'<option value="{record.id}" selected>' in form.text
    # Too short a reason: the API's schema refuses it; the choice and the text stay.
    bad = client.post(
        "/me/objections/new",
        data={"record_id": str(record.id), "reason": "错", "_csrf_token": token},
        files={"evidence": ("proof.pdf", PDF, "application/pdf")},
    )
    assert bad.status_code == 422
    assert "invalid-input" in bad.text
    assert f'<option value="{record.id}" selected>' in bad.text
    assert ">错</textarea>" in bad.text
    # A file that is not what it says: the evidence service refuses it.
    fake = client.post(
        "/me/objections/new",
        data={"record_id": str(record.id), "reason": "欠税已于上月缴清", "_csrf_token": token},
        files={"evidence": ("proof.pdf", b"not a pdf", "application/pdf")},
    )
    assert fake.status_code == 422
    assert "evidence-invalid" in fake.text
    assert "欠税已于上月缴清" in fake.text
    done = client.post(
        "/me/objections/new",
        data={"record_id": str(record.id), "reason": "欠税已于上月缴清", "_csrf_token": token},
        files=[
            ("evidence", ("proof.pdf", PDF, "application/pdf")),
            ("evidence", ("receipt.png", PNG, "image/png")),
        ],
        follow_redirects=False,
    )
    assert done.status_code == 303
    location = done.headers["location"]
    assert location.startswith("/me/objections/")
    detail = client.get(location)
    assert detail.status_code == 200
    assert "欠税已于上月缴清" in detail.text
    assert "已受理" in detail.text
    assert "已提交" in detail.text  # the notice after the redirect
    evidence = re.findall(r'href="(/me/objections/[^"]+/evidence/[^"]+)"', detail.text)
    assert len(evidence) == 2  # both files
    assert {client.get(link).content for link in evidence} == {PDF, PNG}
    listed = client.get("/me/objections")
    assert location.rsplit("/", 1)[1] in listed.text
    # The record is in dispute at once; a second objection is refused on the form.
    again = client.post(
        "/me/objections/new",
        data={"record_id": str(record.id), "reason": "再次提出异议", "_csrf_token": token},
    )
    assert again.status_code == 409
    assert "objection-already-open" in again.text
    withdrawn = client.post(
        f"{location}/withdraw", data={"_csrf_token": token}, follow_redirects=False
    )
    assert withdrawn.status_code == 303
    with runtime.scope() as session:
        row = session.get(Objection, uuid.UUID(location.rsplit("/", 1)[1]))
        assert row is not None
        assert row.status == "withdrawn"


def test_another_persons_objection_is_not_found(signed_in: tuple[TestClient, Any]) -> None:  # type: ignore[type-arg]
    client, _ = signed_in
    response = client.get(f"/me/objections/{uuid.uuid4()}")
    assert response.status_code == 404
    assert "objection-not-found" in response.text


# -- repairs ---------------------------------------------------------------------------------------


def test_repair_shows_the_services_answer_and_keeps_a_bad_form(
    signed_in: tuple[TestClient, Any], world: RightsWorld
) -> None:  # type: ignore[type-arg]
    client, person = signed_in
    record = world.record(person)
    page = client.get(f"/me/repairs/new?record_id={record.id}")
    assert page.status_code == 200
    assert "修复条件" in page.text
    token = _csrf(client)
    bad = client.post(
        "/me/repairs/new",
        data={
            "record_id": str(record.id),
            "basis": "obligation_performed",
            "explanation": "已缴清",
            "_csrf_token": token,
        },
    )
    assert bad.status_code in (409, 422)
    assert 'role="alert"' in bad.text
    assert "已缴清" in bad.text or "repair-" in bad.text
    unknown = client.get(f"/me/repairs/new?record_id={uuid.uuid4()}")
    assert unknown.status_code == 404
    assert 'role="alert"' in unknown.text


# -- grants ----------------------------------------------------------------------------------------


def test_grant_revoke_and_uses(
    signed_in: tuple[TestClient, Any], world: RightsWorld, runtime: Runtime
) -> None:  # type: ignore[type-arg]
    client, _ = signed_in
    with runtime.scope() as session:
        bank = organization_service.get(session, world.aw.bank.organization_id)
        assert bank is not None
        credit_code = bank.credit_code
    token = _csrf(client)
    bad = client.post(
        "/me/grants",
        data={
            "credit_code": "000000000000000000",
            "scene": "loan",
            "purpose": "个人住房贷款审批",
            "valid_days": "30",
            "max_uses": "1",
            "_csrf_token": token,
        },
    )
    assert bad.status_code == 422
    assert "grant-" in bad.text or "invalid" in bad.text
    assert 'value="个人住房贷款审批"' in bad.text
    government = client.post(
        "/me/grants",
        data={
            "credit_code": credit_code,
            "scene": "administrative_licensing",
            "purpose": "个人住房贷款审批",
            "valid_days": "30",
            "max_uses": "1",
            "_csrf_token": token,
        },
    )
    assert government.status_code == 403
    assert "scene-not-permitted" in government.text or "forbidden" in government.text
    done = client.post(
        "/me/grants",
        data={
            "credit_code": credit_code,
            "scene": "loan",
            "purpose": "个人住房贷款审批",
            "valid_days": "30",
            "max_uses": "2",
            "_csrf_token": token,
        },
        follow_redirects=False,
    )
    assert done.status_code == 303
    page = client.get("/me/grants")
    assert "测试银行" in page.text
    grant = re.search(r'href="/me/grants/([0-9a-f-]{36})"', page.text)
    assert grant is not None
    detail = client.get(f"/me/grants/{grant.group(1)}")
    assert detail.status_code == 200
    assert "0 / 2" in detail.text
    revoked = client.post(
        f"/me/grants/{grant.group(1)}/revoke", data={"_csrf_token": token}, follow_redirects=False
    )
    assert revoked.status_code == 303
    assert "已撤销" in client.get("/me/grants").text


# -- statements and the score review ---------------------------------------------------------------


def test_statement_and_score_review_forms(
    signed_in: tuple[TestClient, Any], world: RightsWorld
) -> None:  # type: ignore[type-arg]
    client, person = signed_in
    record = world.record(person)
    token = _csrf(client)
    bad = client.post(
        "/me/statements", data={"record_id": str(record.id), "text": "", "_csrf_token": token}
    )
    assert bad.status_code == 422
    assert f'<option value="{record.id}" selected>' in bad.text
    done = client.post(
        "/me/statements",
        data={"record_id": str(record.id), "text": "因疫情期间停业导致逾期", "_csrf_token": token},
        follow_redirects=False,
    )
    assert done.status_code == 303
    page = client.get("/me/statements")
    assert "因疫情期间停业导致逾期" in page.text
    assert "因疫情期间停业导致逾期" in client.get("/me/report").text  # travels with the record
    statement = re.search(r'action="/me/statements/([0-9a-f-]{36})/withdraw"', page.text)
    assert statement is not None
    client.post(f"/me/statements/{statement.group(1)}/withdraw", data={"_csrf_token": token})
    assert "已撤回" in client.get("/me/statements").text

    short = client.post("/me/score/reviews", data={"reason": "错", "_csrf_token": token})
    assert short.status_code == 422
    assert ">错</textarea>" in short.text
    asked = client.post(
        "/me/score/reviews",
        data={"reason": "欠税已缴清，积分应当恢复", "_csrf_token": token},
        follow_redirects=False,
    )
    assert asked.status_code == 303
    score = client.get("/me/score")
    assert "复核中" in score.text
    assert "已提交复核申请" in score.text
