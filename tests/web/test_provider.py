"""The provider console over HTTP: upload and receipt, rejected rows, batches, objection and
repair queues with decisions, list proposals, quality, notices; both languages; permissions."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from litestar.testing import TestClient

from chengxin.accounts import service as accounts_service
from chengxin.db import utcnow
from chengxin.evidence.service import EvidenceFile
from chengxin.objections import service as objection_service
from chengxin.objections.models import Objection
from chengxin.organizations.models import OrganizationKind
from chengxin.repair import service as repair_service
from chengxin.repair.models import RepairBasis
from chengxin.runtime import Runtime
from chengxin.security.actor import system_actor
from chengxin.security.roles import Role
from tests.ingestion.fixtures import csv_data, tax_row
from tests.objections.fixtures import RightsWorld, build_rights, old_tax_row

PASSWORD = "test-password-of-a-staff-account"  # synthetic test credential
PDF = EvidenceFile("完税证明.pdf", "application/pdf", base64.b64encode(b"%PDF-1.7 test").decode())
BASE = "/console/provider"


def staff_session(runtime: Runtime, organization_id: uuid.UUID, *roles: Role) -> str:
    """A staff account in an existing organization, signed in: its ``cxs_…`` token."""
    policy = accounts_service.Policy.from_settings(runtime.settings)
    login = f"clerk-{uuid.uuid4().hex[:12]}"
    with runtime.scope() as s:
        accounts_service.create_user(
            s,
            organization_id=organization_id,
            login=login,
            display_name="报送经办人",
            roles=[r.value for r in roles],
            region_code=None,
            password=PASSWORD,
            policy=policy,
            actor=system_actor("test"),
        )
    return accounts_service.login(
        runtime.scope, login=login, password=PASSWORD, client_ip=None, policy=policy
    ).token


@pytest.fixture
def rw(runtime: Runtime, tmp_path: Any) -> RightsWorld:
    world = build_rights(runtime, tmp_path)
    rows = [old_tax_row(world.aw.people[10], "OLD-1", note="已全额补缴")]
    assert world.push(tmp_path, rows, "old").created == 1
    return world


def signed_in(client: TestClient, token: str, lang: str = "zh") -> str:  # type: ignore[type-arg]
    client.cookies.set("chengxin_session", token)
    client.cookies.set("chengxin_lang", lang)
    client.get("/signin")
    return client.cookies.get("chengxin_csrf") or ""


def clerk(rw: RightsWorld) -> str:
    return staff_session(rw.runtime, rw.aw.world.tax_org_id, Role.PROVIDER_CLERK)


def upload(client: TestClient, csrf: str, data: bytes, name: str = "records.csv") -> Any:  # type: ignore[type-arg]
    return client.post(
        f"{BASE}/upload",
        data={"_csrf_token": csrf},
        files={"file": (name, data, "text/csv")},
        follow_redirects=False,
    )


def bad_file(rw: RightsWorld) -> bytes:
    people = rw.aw.people
    rows = [
        tax_row(people[20], "W-1"),
        tax_row(people[21], "W-2", amount="-5"),
        tax_row(people[22], "W-3", 姓名="冒名者"),
    ]
    return csv_data(rows)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_upload_gives_a_receipt_and_the_rejected_rows(
    client: TestClient,
    rw: RightsWorld,
    lang: str,  # type: ignore[type-arg]
) -> None:
    csrf = signed_in(client, clerk(rw), lang)
    form = client.get(BASE)
    assert form.status_code == 200
    assert 'data-progress="upload-progress"' in form.text
    assert ("Upload records" if lang == "en" else "上传数据") in form.text
    answer = upload(client, csrf, bad_file(rw))
    assert answer.status_code == 303, answer.text
    location = answer.headers["location"]
    assert location.startswith(f"{BASE}/batches/")
    receipt = client.get(location)
    assert receipt.status_code == 200
    text = receipt.text
    for person in rw.aw.people[20:23]:
        assert person.id_number not in text
    assert "W-2" in text
    assert "W-3" in text
    assert "name-mismatch" in text
    assert ("Rejected rows" if lang == "en" else "拒收的行") in text
    batch_id = location.rsplit("/", 1)[1]
    rejected = client.get(f"{BASE}/batches/{batch_id}/rejected-rows")
    assert rejected.status_code == 200
    assert rejected.headers["content-disposition"].startswith("attachment;")
    content = rejected.content.decode("utf-8-sig")
    assert "W-2" in content
    assert "W-3" in content
    assert "W-1" not in content
    errors = client.get(f"{BASE}/batches/{batch_id}/errors.csv").content.decode("utf-8-sig")
    assert "\n3,W-2," in errors
    assert "\n4,W-3," in errors
    listing = client.get(f"{BASE}/batches")
    assert batch_id in listing.text


def test_a_file_that_cannot_be_read_is_shown_beside_the_form(
    client: TestClient,
    rw: RightsWorld,  # type: ignore[type-arg]
) -> None:
    csrf = signed_in(client, clerk(rw))
    answer = client.post(
        f"{BASE}/upload",
        data={"_csrf_token": csrf},
        files={"file": ("records.pdf", b"%PDF", "application/pdf")},
    )
    assert answer.status_code == 422
    assert "file-rejected" in answer.text
    assert 'role="alert"' in answer.text
    missing = client.post(f"{BASE}/upload", data={"_csrf_token": csrf}, files={})
    assert missing.status_code == 422
    assert 'role="alert"' in missing.text
    assert ">file-rejected</code>" in missing.text
    # htmx swaps 4xx answers too (base.html's responseHandling): the real status, always.
    hx = client.post(
        f"{BASE}/upload",
        data={"_csrf_token": csrf},
        files={"file": ("x.pdf", b"x", "application/pdf")},
        headers={"HX-Request": "true"},
    )
    assert hx.status_code == 422
    assert "file-rejected" in hx.text


def test_a_header_fault_fails_the_batch_and_the_receipt_says_why(
    client: TestClient,
    rw: RightsWorld,  # type: ignore[type-arg]
) -> None:
    csrf = signed_in(client, clerk(rw))
    answer = upload(client, csrf, b"a,b\n1,2\n")
    assert answer.status_code == 303
    receipt = client.get(answer.headers["location"])
    assert receipt.status_code == 200
    assert "header-missing-column" in receipt.text


def _objection(rw: RightsWorld, person: Any, now: Any = None) -> Any:
    record = rw.record(person)
    with rw.runtime.scope() as session:
        objection = objection_service.file(
            session,
            record_id=record.id,
            reason="欠税已于认定前缴清，记录有误",
            evidence=[],
            actor=rw.citizen(person),
            settings=rw.settings,
            now=now,
        )
        return objection.id


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_objection_queue_marks_overdue_and_the_clerk_decides(
    client: TestClient,
    rw: RightsWorld,
    lang: str,  # type: ignore[type-arg]
) -> None:
    late = _objection(rw, rw.aw.people[0], now=utcnow() - timedelta(days=40))
    fresh = _objection(rw, rw.aw.people[1])
    csrf = signed_in(client, clerk(rw), lang)
    queue = client.get(f"{BASE}/objections")
    assert queue.status_code == 200
    assert queue.text.count('<tr role="row" class="overdue">') == 1
    assert str(late) in queue.text
    assert str(fresh) in queue.text
    only = client.get(f"{BASE}/objections", params={"overdue": "1"})
    assert str(fresh) not in only.text
    detail = client.get(f"{BASE}/objections/{fresh}")
    assert detail.status_code == 200
    assert "欠税已于认定前缴清" in detail.text
    # Bad input: the error is shown and the note is kept.
    bad = client.post(
        f"{BASE}/objections/{fresh}/decision",
        data={"_csrf_token": csrf, "outcome": "upheld", "note": "短"},
    )
    assert bad.status_code == 422
    assert 'role="alert"' in bad.text
    assert "短</textarea>" in bad.text
    done = client.post(
        f"{BASE}/objections/{fresh}/decision",
        data={"_csrf_token": csrf, "outcome": "upheld", "note": "经核查，记录无误，予以维持"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    shown = client.get(done.headers["location"])
    assert ("Decision recorded" if lang == "en" else "已作出决定") in shown.text
    assert "经核查，记录无误" in shown.text
    assert 'action="/console/provider/objections/' not in shown.text  # decided: no form


def test_repair_queue_and_decision(client: TestClient, rw: RightsWorld) -> None:  # type: ignore[type-arg]
    person = rw.aw.people[10]
    record = rw.record(person, "OLD-1")
    with rw.runtime.scope() as session:
        application_id = repair_service.apply(
            session,
            record_id=record.id,
            basis=RepairBasis.OBLIGATION_PERFORMED,
            explanation="欠税及滞纳金已全部缴清",
            commitment_accepted=True,
            evidence=[PDF],
            actor=rw.citizen(person),
            settings=rw.settings,
        ).id
    csrf = signed_in(client, clerk(rw), "en")
    queue = client.get(f"{BASE}/repairs")
    assert queue.status_code == 200
    assert str(application_id) in queue.text
    assert '<span class="badge amber">Received</span>' in queue.text  # the state, translated
    detail = client.get(f"{BASE}/repairs/{application_id}")
    assert "欠税及滞纳金已全部缴清" in detail.text
    assert '<span class="badge amber">Received</span>' in detail.text
    link = detail.text.split(f'href="{BASE}/repairs/{application_id}/evidence/', 1)[1].split('"')[0]
    evidence = client.get(f"{BASE}/repairs/{application_id}/evidence/{link}")
    assert evidence.status_code == 200
    assert evidence.headers["content-disposition"].startswith("attachment;")
    assert evidence.content == b"%PDF-1.7 test"
    refused = client.post(
        f"{BASE}/repairs/{application_id}/decision",
        data={"_csrf_token": csrf, "outcome": "refused", "reasons": ""},
    )
    assert refused.status_code == 422
    assert 'role="alert"' in refused.text
    done = client.post(
        f"{BASE}/repairs/{application_id}/decision",
        data={"_csrf_token": csrf, "outcome": "approved", "reasons": ""},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    assert "Repaired" in client.get(done.headers["location"]).text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_list_proposal_from_my_record(
    client: TestClient,
    rw: RightsWorld,
    lang: str,  # type: ignore[type-arg]
) -> None:
    csrf = signed_in(client, clerk(rw), lang)
    form = client.get(f"{BASE}/proposals/new")
    assert form.status_code == 200
    assert 'name="source_id"' in form.text
    unknown = client.post(
        f"{BASE}/proposals",
        data={
            "_csrf_token": csrf,
            "list_type": "black-tax",
            "source_id": "NOPE",
            "reason": "经认定符合本名单认定标准",
        },
    )
    assert unknown.status_code == 404
    assert "record-not-found" in unknown.text
    assert 'value="NOPE"' in unknown.text
    empty = client.get(f"{BASE}/proposals")
    assert empty.status_code == 200
    assert ("No proposals yet." if lang == "en" else "还没有提请。") in empty.text
    person = rw.aw.people[10]
    made = client.post(
        f"{BASE}/proposals",
        data={
            "_csrf_token": csrf,
            "list_type": "black-tax-serious",
            "source_id": "OLD-1",
            "reason": "经认定符合本名单认定标准",
        },
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text
    entry_id = made.headers["location"].rsplit("/", 1)[1]
    listing = client.get(f"{BASE}/proposals")
    assert listing.status_code == 200
    assert ("1 in all" if lang == "en" else "共 1 条") in listing.text
    assert f'href="{BASE}/proposals/{entry_id}"' in listing.text
    assert person.name[0] + "*" in listing.text  # the person, masked
    assert person.id_number not in listing.text
    assert person.name not in listing.text
    detail = client.get(made.headers["location"])
    assert detail.status_code == 200
    assert "经认定符合本名单认定标准" in detail.text
    assert person.id_number not in detail.text


def test_quality_page_draws_a_chart_with_its_table(client: TestClient, rw: RightsWorld) -> None:  # type: ignore[type-arg]
    csrf = signed_in(client, clerk(rw))
    upload(client, csrf, bad_file(rw))
    page = client.get(f"{BASE}/quality")
    assert page.status_code == 200
    assert "<svg" in page.text
    assert 'class="bar alt"' in page.text
    assert '<table role="table">' in page.text
    assert "name-mismatch" in page.text
    english = signed_in(client, clerk(rw), "en")
    del english
    assert "Rejection rate" in client.get(f"{BASE}/quality").text


def test_notices_page(client: TestClient, rw: RightsWorld) -> None:  # type: ignore[type-arg]
    person = rw.aw.people[2]
    objection_id = _objection(rw, person)
    csrf = signed_in(client, clerk(rw))
    empty = client.get(f"{BASE}/notices")
    assert empty.status_code == 200
    assert "没有通知。" in empty.text
    with rw.runtime.scope() as session:  # the deadline sweep forwards it and tells the provider
        assert objection_service.sweep(session, actor=system_actor("test")).forwarded == 1
        reference = session.get(Objection, objection_id).reference  # type: ignore[union-attr]
    page = client.get(f"{BASE}/notices")
    assert page.status_code == 200
    assert "未读 1 条" in page.text
    # In words: the topic, the kind by its name, the due time in Beijing time; codes only as tags.
    assert "收到异议申请" in page.text
    assert '<code class="tag">objection-received</code>' in page.text
    assert reference in page.text
    assert "测试事项 tax-arrears" in page.text
    assert "<time datetime=" in page.text.split("收到异议申请", 1)[1]
    assert "decide_due_at" not in page.text
    assert person.id_number not in page.text
    assert person.name not in page.text
    notice_id = page.text.split(f'action="{BASE}/notices/', 1)[1].split("/read", 1)[0]
    read = client.post(
        f"{BASE}/notices/{notice_id}/read", data={"_csrf_token": csrf}, follow_redirects=False
    )
    assert read.status_code == 303
    after = client.get(f"{BASE}/notices").text
    assert "未读 0 条" in after
    assert "已读" in after
    # Another provider's inbox does not hold it.
    other = staff_session(rw.runtime, rw.aw.world.education.organization_id, Role.PROVIDER_CLERK)  # type: ignore[arg-type]
    signed_in(client, other)
    assert reference not in client.get(f"{BASE}/notices").text


def test_pages_need_the_provider_role(
    client: TestClient,
    rw: RightsWorld,
    user_for: Callable[..., str],  # type: ignore[type-arg]
) -> None:
    assert client.get(BASE, follow_redirects=False).headers["location"].startswith("/signin?")
    signed_in(client, user_for(Role.CONSUMER_OFFICER, kind=OrganizationKind.GOVERNMENT))
    for path in ("", "/batches", "/objections", "/repairs", "/proposals", "/quality"):
        refused = client.get(f"{BASE}{path}")
        assert refused.status_code == 403
        assert "无权访问" in refused.text
        assert ">forbidden</code>" in refused.text
    # Another provider's batch answers as missing.
    csrf = signed_in(client, clerk(rw))
    location = upload(client, csrf, bad_file(rw)).headers["location"]
    other = staff_session(rw.runtime, rw.aw.world.education.organization_id, Role.PROVIDER_CLERK)  # type: ignore[arg-type]
    signed_in(client, other)
    missing = client.get(location)
    assert missing.status_code == 404
    assert ">batch-not-found</code>" in missing.text
