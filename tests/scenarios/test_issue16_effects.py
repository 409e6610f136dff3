"""Issue 16 "One credit state per person": effects that must hold at once, end to end over HTTP.

1. The catalog's ``proposes_list`` names real list types; a catalog naming none is refused.
2. A record already past its display window when it arrives acts on nothing: no list proposal,
   no list notice, no notice at creation.
3. A report held for review is kept: registered, queued for the reviewer, the same query on a
   retry, and the report once approved.
4. Repair approval and revocation take the list entries resting on the record off the public
   list and out of every check in the same transaction, not at the next sweep.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import select, update

from chengxin.access.scenes import Scene
from chengxin.catalog import service as catalog_service
from chengxin.db import utcnow
from chengxin.demo import generator
from chengxin.identity import service as identity_service
from chengxin.jobs.worker import Worker
from chengxin.lists.models import ListEntry
from chengxin.notifications.models import NotificationOutbox
from chengxin.organizations import service as organization_service
from chengxin.runtime import Runtime
from chengxin.security.actor import system_actor
from chengxin.security.permissions import Permission
from chengxin.security.roles import Role
from chengxin.workdays.days import day_of
from tests.access.fixtures import build
from tests.checks.fixtures import add_scene
from tests.helpers import auth
from tests.ingestion.fixtures import _kind, catalog_document
from tests.objections.fixtures import RightsWorld, build_rights, old_tax_row

SYSTEM = system_actor("test")
LISTS = "/api/v1/lists/entries"
PUBLIC = "/api/v1/public/lists/entries"
TAX_LIST = "black-tax-serious"
EVIDENCE = {
    "filename": "完税证明.pdf",
    "content_type": "application/pdf",
    "content_base64": base64.b64encode(b"%PDF-1.7\n% receipt\n").decode(),
}


def _token(runtime: Runtime, organization_id: Any, *permissions: Permission) -> str:
    with runtime.scope() as session:
        return organization_service.issue_token(
            session,
            organization_id,
            name="test",
            permissions=list(permissions),
            valid_days=1,
            actor=SYSTEM,
        ).secret


def _templates(runtime: Runtime, subject_id: uuid.UUID) -> list[str]:
    with runtime.scope() as session:
        return list(
            session.execute(
                select(NotificationOutbox.template)
                .where(NotificationOutbox.subject_id == subject_id)
                .order_by(NotificationOutbox.created_at)
            ).scalars()
        )


def _entries_of(runtime: Runtime, subject_id: uuid.UUID) -> list[tuple[str, str, str | None]]:
    with runtime.scope() as session:
        return [
            (e.list_type, e.status, e.exit_reason)
            for e in session.execute(
                select(ListEntry).where(ListEntry.subject_id == subject_id)
            ).scalars()
        ]


# -- 1. the catalog proposes real lists ------------------------------------------------------------


def test_the_list_the_catalog_proposes_can_be_proposed_and_an_unknown_one_is_refused(
    client: TestClient,  # type: ignore[type-arg]
    runtime: Runtime,
    user_for: Callable[..., str],
) -> None:
    with runtime.scope() as session:
        catalog_service.ensure_active(session, actor=SYSTEM)  # the shipped catalog
        person = next(iter(generator.people(1, seed=1601)))
        identity_service.register(
            session, identity_service.prepare_person(person.id_number, person.name), actor=SYSTEM
        )
    operator = user_for(Role.OPERATOR, Role.PROVIDER_CLERK)
    kind = client.get("/api/v1/catalog/kinds/tax-serious-dishonesty", headers=auth(operator))
    assert kind.status_code == 200, kind.text
    code = kind.json()["proposes_list"]
    assert client.get("/api/v1/public/lists/types").json()  # the published types …
    assert code in {t["code"] for t in client.get("/api/v1/public/lists/types").json()}
    proposed = client.post(
        f"{LISTS}/",
        headers=auth(operator),
        json={
            "list_type": code,
            "reason": "逃避追缴欠税数额较大，经稽查认定",
            "id_number": person.id_number,
            "name": person.name,
            "document_no": "鄂税稽〔2026〕16号",
        },
    )
    assert proposed.status_code == 201, proposed.text
    assert proposed.json()["list_type"] == code

    # A catalog version naming no list type is refused where operators load one (the console).
    client.cookies.set("chengxin_session", operator)
    client.get("/signin")
    csrf = client.cookies.get("chengxin_csrf") or ""
    bad = catalog_document("2026.9")
    bad["kinds"][0] = {**bad["kinds"][0], "proposes_list": "tax-serious-dishonesty"}
    response = client.post(
        "/console/operator/catalog/load",
        data={"_csrf_token": csrf},
        files={"file": ("catalog.json", json.dumps(bad).encode(), "application/json")},
        follow_redirects=False,
    )
    assert response.status_code == 422, response.status_code
    assert "catalog-list-type-unknown" in response.text
    assert "tax-serious-dishonesty" in response.text
    with runtime.scope() as session:
        assert "2026.9" not in {v.version for v in catalog_service.list_versions(session)}


# -- 2. a record expired at arrival acts on nothing ------------------------------------------------


def _serious_catalog(runtime: Runtime) -> None:
    """The test catalog with a serious tax kind that proposes the tax list (as the shipped one)."""
    base = catalog_document("2026.2")
    serious = _kind(
        "tax-serious-dishonesty",
        "dishonest",
        severity="serious",
        proposes_list=TAX_LIST,
        fields=base["kinds"][0]["fields"],
    )
    with runtime.scope() as session:
        catalog_service.load(
            session, {**base, "kinds": [*base["kinds"], serious]}, actor=SYSTEM, activate=True
        )


def _serious(person: Any, source_id: str, finding: str) -> dict[str, Any]:
    return {
        "source_id": source_id,
        "kind": "tax-serious-dishonesty",
        "id_number": person.id_number,
        "name": person.name,
        "document_no": f"鄂税稽〔2023〕{source_id}号",
        "finding_date": finding,
        "act_date": finding,
        "notified_date": finding,
        "fields": {"amount": "500000", "tax_type": "vat"},
    }


def test_a_record_expired_on_arrival_proposes_no_list_and_sends_nothing(
    client: TestClient,  # type: ignore[type-arg]
    runtime: Runtime,
    tmp_path: Any,
) -> None:
    rw = build_rights(runtime, tmp_path)
    Worker(runtime).run_once()  # the set-up batches' jobs
    _serious_catalog(runtime)
    expired, current = rw.aw.people[10], rw.aw.people[11]
    today = day_of(utcnow())
    three_years_and_a_day = today.replace(year=today.year - 3) - timedelta(days=1)
    tax = _token(
        runtime,
        rw.aw.world.tax_org_id,
        Permission.INGESTION_BATCH_SUBMIT,
        Permission.LISTS_ENTRY_PROPOSE,
    )
    pushed = client.post(
        "/api/v1/ingestion/batches",
        headers=auth(tax),
        json={
            "records": [
                _serious(expired, "OLD-16", three_years_and_a_day.isoformat()),
                _serious(current, "NEW-16", "2026-03-01"),
            ]
        },
    )
    assert pushed.status_code == 201, pushed.text
    assert (pushed.json()["created"], pushed.json()["rejected"]) == (2, 0)  # accepted, both

    Worker(runtime).run_once()  # notices at creation and automatic list proposals
    late, fresh = rw.subject(expired), rw.subject(current)
    assert _entries_of(runtime, late) == []
    assert "list-entry-notice" not in _templates(runtime, late)
    assert "dishonest-record-notice" not in _templates(runtime, late)
    # The record displayed on arrival is proposed, notified and told of its way out.
    assert _entries_of(runtime, fresh) == [(TAX_LIST, "notified", None)]
    assert {"list-entry-notice", "dishonest-record-notice"} <= set(_templates(runtime, fresh))

    # Nor can the provider propose on it by hand: it is displayed to no one.
    record = rw.record(expired)
    refused = client.post(
        f"{LISTS}/",
        headers=auth(tax),
        json={
            "list_type": TAX_LIST,
            "reason": "逃避追缴欠税数额较大",
            "record_ids": [str(record.id)],
        },
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["type"].endswith("/list-record-not-usable")
    assert _entries_of(runtime, late) == []


# -- 3. a report held for review is kept -----------------------------------------------------------


def _report_body(person: Any) -> dict[str, str]:
    return {
        "id_number": person.id_number,
        "name": person.name,
        "scene": Scene.ADMINISTRATIVE_LICENSING.value,
        "purpose": "食品经营许可审查",
    }


def test_a_held_report_is_kept_queued_reused_and_issued_once_approved(
    client: TestClient,  # type: ignore[type-arg]
    runtime: Runtime,
    tmp_path: Any,
    user_for: Callable[..., str],
) -> None:
    aw = build(runtime, tmp_path)
    person = aw.with_records[0]
    party = _token(runtime, aw.government.organization_id, Permission.ACCESS_QUERY_SUBMIT)
    reviewer = user_for(Role.REVIEWER)
    body = _report_body(person)

    held = client.post("/api/v1/reports", json=body, headers=auth(party))
    assert held.status_code == 409, held.text
    assert held.headers["content-type"].startswith("application/problem+json")
    problem = held.json()
    assert problem["type"].endswith("/report-held-for-review")
    assert problem["review_reasons"] == ["new-scene"]
    query_id = problem["query_id"]

    # Registered and kept: the party sees it, the reviewer has it in the queue.
    mine = client.get(f"/api/v1/queries/{query_id}", headers=auth(party))
    assert mine.status_code == 200, mine.text
    assert mine.json()["query"]["status"] == "pending_review"
    queue = client.get("/api/v1/access/reviews", headers=auth(reviewer))
    assert [q["id"] for q in queue.json()] == [query_id]

    # A retry is the same query, not a new one.
    again = client.post("/api/v1/reports", json=body, headers=auth(party))
    assert again.status_code == 409
    assert again.json()["query_id"] == query_id
    assert [
        q["id"] for q in client.get("/api/v1/access/reviews", headers=auth(reviewer)).json()
    ] == [query_id]

    decided = client.post(
        f"/api/v1/access/reviews/{query_id}",
        headers=auth(reviewer),
        json={"approve": True, "reason": "许可审查职责明确"},
    )
    assert decided.status_code == 200, decided.text
    issued = client.post(
        "/api/v1/reports", json={**body, "query_id": query_id}, headers=auth(party)
    )
    assert issued.status_code == 200, issued.text
    report = issued.json()["report"]
    assert report["purpose"] == "食品经营许可审查"
    assert {r["kind_code"] for r in report["dishonest"]} == {"tax-arrears"}
    released = client.get(f"/api/v1/queries/{query_id}", headers=auth(party)).json()["query"]
    assert released["status"] == "released"
    # Released once: the same query gives no second report.
    twice = client.post("/api/v1/reports", json={**body, "query_id": query_id}, headers=auth(party))
    assert twice.status_code == 409
    assert twice.json()["type"].endswith("/query-not-releasable")


def test_after_approval_the_same_request_issues_the_report_on_the_held_query(
    client: TestClient,  # type: ignore[type-arg]
    runtime: Runtime,
    tmp_path: Any,
    user_for: Callable[..., str],
) -> None:
    aw = build(runtime, tmp_path)
    person = aw.with_records[1]
    party = _token(runtime, aw.government.organization_id, Permission.ACCESS_QUERY_SUBMIT)
    reviewer = user_for(Role.REVIEWER)
    body = _report_body(person)
    query_id = client.post("/api/v1/reports", json=body, headers=auth(party)).json()["query_id"]
    client.post(
        f"/api/v1/access/reviews/{query_id}",
        headers=auth(reviewer),
        json={"approve": True, "reason": "许可审查职责明确"},
    )
    issued = client.post("/api/v1/reports", json=body, headers=auth(party))
    assert issued.status_code == 200, issued.text
    assert (
        client.get(f"/api/v1/queries/{query_id}", headers=auth(party)).json()["query"]["status"]
        == "released"
    )
    # Another person's report cannot ride on this query.
    other = aw.with_records[2]
    wrong = client.post(
        "/api/v1/reports",
        headers=auth(party),
        json={
            **body,
            "id_number": other.id_number,
            "name": other.name,
            "query_id": query_id,
        },
    )
    assert wrong.status_code == 422
    assert wrong.json()["type"].endswith("/report-input-invalid")


# -- 4. repair and revocation take effect at once --------------------------------------------------


@pytest.fixture
def rw(runtime: Runtime, tmp_path: Any) -> RightsWorld:
    world = build_rights(runtime, tmp_path)
    assert world.push(tmp_path, [old_tax_row(world.aw.people[10], "OLD-1")], "old").created == 1
    return world


def _publish(client: TestClient, rw: RightsWorld, operator: str, record_id: Any) -> str:  # type: ignore[type-arg]
    """Propose on the record, notify, let the objection window pass, publish (as an operator)."""
    entry_id = _notified(client, operator, record_id)
    with rw.runtime.scope() as session:  # time passes beyond the window
        session.execute(
            update(ListEntry)
            .where(ListEntry.id == uuid.UUID(entry_id))
            .values(objection_due_at=utcnow() - timedelta(seconds=1))
        )
    published = client.post(f"{LISTS}/{entry_id}/publish", headers=auth(operator))
    assert published.status_code == 200, published.text
    return entry_id


def _notified(client: TestClient, operator: str, record_id: Any) -> str:  # type: ignore[type-arg]
    created = client.post(
        f"{LISTS}/",
        headers=auth(operator),
        json={
            "list_type": TAX_LIST,
            "reason": "逃避追缴欠税数额较大",
            "record_ids": [str(record_id)],
        },
    )
    assert created.status_code == 201, created.text
    entry_id = str(created.json()["id"])
    assert client.post(f"{LISTS}/{entry_id}/notify", headers=auth(operator)).status_code == 200
    return entry_id


def _check(client: TestClient, token: str, person: Any) -> dict[str, Any]:  # type: ignore[type-arg]
    response = client.post(
        "/api/v1/checks",
        headers=auth(token),
        json={
            "scene": Scene.STAFF_RECRUITMENT.value,
            "purpose": "事业单位公开招聘考察",
            "persons": [{"id_number": person.id_number, "name": person.name}],
        },
    )
    assert response.status_code == 200, response.text
    [subject] = response.json()["subjects"]
    return dict(subject)


def _public_references(client: TestClient) -> set[str]:  # type: ignore[type-arg]
    page = client.get(PUBLIC, params={"list_type": TAX_LIST}).json()
    return {e["reference"] for e in page["items"]}


def test_an_approved_repair_takes_the_person_off_the_list_and_out_of_checks_at_once(
    client: TestClient,  # type: ignore[type-arg]
    rw: RightsWorld,
    user_for: Callable[..., str],
    citizen_for: Callable[..., Any],
) -> None:
    person = rw.aw.people[10]
    record = rw.record(person)
    operator = user_for(Role.OPERATOR, Role.PROVIDER_CLERK)
    entry_id = _publish(client, rw, operator, record.id)
    reference = client.get(f"{LISTS}/{entry_id}", headers=auth(operator)).json()["reference"]
    assert reference in _public_references(client)
    add_scene(rw.runtime, rw.aw.government, Scene.STAFF_RECRUITMENT)
    checker = _token(
        rw.runtime,
        rw.aw.government.organization_id,
        Permission.CHECKS_CHECK_RUN,
        Permission.NOTIFICATIONS_NOTICE_READ,
    )
    before = _check(client, checker, person)
    assert [m["list_type"] for m in before["memberships"]] == [TAX_LIST]
    assert any(w["trigger"] == "list" for m in before["measures"] for w in m["why"])

    token, subject_id = citizen_for(person)
    applied = client.post(
        "/api/v1/me/repairs",
        headers=auth(token),
        json={
            "record_id": str(record.id),
            "basis": "obligation_performed",
            "explanation": "欠税及滞纳金已全部缴清",
            "commitment_accepted": True,
            "evidence": [EVIDENCE],
        },
    )
    assert applied.status_code == 201, applied.text
    tax = _token(
        rw.runtime,
        rw.aw.world.tax_org_id,
        Permission.REPAIR_APPLICATION_READ,
        Permission.REPAIR_APPLICATION_DECIDE,
    )
    decided = client.post(
        f"/api/v1/repairs/{applied.json()['id']}/decision",
        headers=auth(tax),
        json={"outcome": "approved"},
    )
    assert decided.status_code == 200, decided.text

    # At once — no sweep ran: off the public list, no list measure in a check.
    assert reference not in _public_references(client)
    after = _check(client, checker, person)
    assert after["memberships"] == []
    assert not any(w["trigger"] == "list" for m in after["measures"] for w in m["why"])
    detail = client.get(f"{LISTS}/{entry_id}", headers=auth(operator)).json()
    assert (detail["status"], detail["exit_reason"]) == ("exited", "repaired")
    assert detail["history"][-1]["step"] == "exited"
    assert "list-entry-exited" in _templates(rw.runtime, subject_id)
    # The organization that checked the person while listed is told to stop.
    inbox = client.get("/api/v1/notices", headers=auth(checker)).json()["items"]
    assert ("list-entry-exited", entry_id) in {(n["topic"], n["object_id"]) for n in inbox}


def test_a_revocation_ends_published_and_pending_entries_on_the_record_at_once(
    client: TestClient,  # type: ignore[type-arg]
    rw: RightsWorld,
    user_for: Callable[..., str],
) -> None:
    listed_person, pending_person, kept_person = rw.aw.with_records[:3]
    operator = user_for(Role.OPERATOR, Role.PROVIDER_CLERK)
    published = _publish(client, rw, operator, rw.record(listed_person).id)
    pending = _notified(client, operator, rw.record(pending_person).id)
    kept = _publish(client, rw, operator, rw.record(kept_person).id)
    references = _public_references(client)
    assert len(references) == 2

    tax = _token(rw.runtime, rw.aw.world.tax_org_id, Permission.INGESTION_BATCH_SUBMIT)
    revoked = client.post(
        "/api/v1/ingestion/revocations",
        headers=auth(tax),
        json={
            "records": [
                {"source_id": rw.record(p).source_id, "reason": "原处罚决定已被依法撤销"}
                for p in (listed_person, pending_person)
            ]
        },
    )
    assert revoked.status_code == 201, revoked.text
    assert revoked.json()["revoked"] == 2

    kept_reference = client.get(f"{LISTS}/{kept}", headers=auth(operator)).json()["reference"]
    assert _public_references(client) == {kept_reference}
    first = client.get(f"{LISTS}/{published}", headers=auth(operator)).json()
    assert (first["status"], first["exit_reason"]) == ("exited", "error")
    second = client.get(f"{LISTS}/{pending}", headers=auth(operator)).json()
    assert second["status"] == "withdrawn"
    assert "list-entry-withdrawn" in _templates(rw.runtime, rw.subject(pending_person))
    assert "list-entry-exited" in _templates(rw.runtime, rw.subject(listed_person))
