"""Issue 16, scenario 1: "The person cannot see that she is blacklisted".

A person is published on the 失信被执行人 list on a finding document, with no records (as the demo
does), and has a second entry notified and not yet published. A service-window check shows the
entry and applies P07/P12 to her; she must see the same entry herself, over HTTP: her own report
(JSON; the HTML and PDF carry the same content), the /me overview, the lists page, and the
objection form, which must tell her how to object to a listing rather than that there is nothing
to object to. A government report shows the published entry too (published lists are public).
"""

from __future__ import annotations

import dataclasses
import re
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from litestar.testing import TestClient

from chengxin.access.scenes import Scene
from chengxin.db import utcnow
from chengxin.lists import service as list_service
from chengxin.organizations import service as organization_service
from chengxin.reports import service as report_service
from chengxin.security.actor import system_actor
from chengxin.security.permissions import Permission
from chengxin.security.roles import Role
from chengxin.settings import Settings
from tests.access.fixtures import citizen
from tests.checks.fixtures import CheckWorld, build_checks
from tests.helpers import auth
from tests.lists.fixtures import OPERATOR, WINDOW, exited, listed

COURT_LIST = "black-judgment-defaulter"
TAX_LIST = "black-tax-serious"
DOCUMENT = "（2026）鄂0102执123号"
PURPOSE = "食品经营许可审查"


@pytest.fixture
def cw(runtime: Any, tmp_path: Any, settings: Settings) -> CheckWorld:
    return build_checks(runtime, tmp_path, settings)


def _check_token(cw: CheckWorld) -> str:
    with cw.runtime.scope() as session:
        assert cw.licensing.organization_id is not None
        return organization_service.issue_token(
            session,
            cw.licensing.organization_id,
            name="test",
            valid_days=1,
            permissions=[Permission.CHECKS_CHECK_RUN, Permission.CHECKS_CHECK_READ],
            actor=system_actor("test"),
        ).secret


def _stat(html: str, name: str) -> int:
    found = re.search(rf'id="stat-{name}"><span class="n">(\d+)</span>', html)
    assert found, f"no {name} count on the page"
    return int(found.group(1))


def test_a_person_on_a_list_without_records_sees_it_as_the_check_applies_it(  # noqa: PLR0915
    client: TestClient,  # type: ignore[type-arg]
    cw: CheckWorld,
    citizen_for: Callable[..., tuple[str, uuid.UUID]],
    user_for: Callable[..., str],
) -> None:
    person = cw.people[5]  # no records at all
    sid = cw.sid(person)
    entry = listed(
        cw.runtime, sid, COURT_LIST, now=utcnow() - timedelta(hours=1), document_no=DOCUMENT
    )
    assert entry.record_ids == []
    # A second entry on its way: proposed and notified over HTTP, the window still open.
    operator = auth(user_for(Role.OPERATOR, Role.PROVIDER_CLERK))
    proposed = client.post(
        "/api/v1/lists/entries/",
        headers=operator,
        json={
            "list_type": TAX_LIST,
            "reason": "偷税数额较大且占应纳税额百分之十以上",
            "id_number": person.id_number,
            "name": person.name,
            "document_no": "鄂税稽罚〔2026〕9号",
        },
    )
    assert proposed.status_code == 201, proposed.text
    pending_ref = proposed.json()["reference"]
    notified = client.post(
        f"/api/v1/lists/entries/{proposed.json()['id']}/notify", headers=operator
    )
    assert notified.status_code == 200, notified.text

    # A service window's check applies the list to her.
    check = client.post(
        "/api/v1/checks",
        headers=auth(_check_token(cw)),
        json={
            "scene": "administrative_licensing",
            "purpose": PURPOSE,
            "persons": [{"id_number": person.id_number, "name": person.name}],
        },
    )
    assert check.status_code == 200, check.text
    [subject] = check.json()["subjects"]
    assert [m["entry_reference"] for m in subject["memberships"]] == [entry.reference]
    assert [m["code"] for m in subject["measures"]] == ["P07", "P12"]

    # Her own report (JSON) shows the same entry, with how to get off it and how to object.
    token, _ = citizen_for(person)
    mine = client.post("/api/v1/me/report", json={}, headers=auth(token))
    assert mine.status_code == 200, mine.text
    report = mine.json()["report"]
    assert report["summary"]["lists"] == [entry.reference]
    assert (report["summary"]["black"], report["summary"]["red"]) == (1, 0)
    [line] = report["memberships"]
    assert line["reference"] == entry.reference
    assert (line["list_type"], line["kind"]) == (COURT_LIST, "black")
    assert line["name_zh"] == "失信被执行人"
    assert line["basis"] == entry.basis
    assert line["exit_conditions"]
    assert "执行法院" in line["remedies"]
    assert line["via_organization"] is None
    assert line["term_ends_at"] is not None
    [pending] = report["pending_entries"]
    assert (pending["reference"], pending["status"]) == (pending_ref, "notified")
    assert pending["objection_due_at"]
    assert person.id_number not in mine.text

    # The HTML report says so instead of "on no list".
    html = client.post("/api/v1/me/report", json={"format": "html"}, headers=auth(token))
    assert html.status_code == 200
    assert entry.reference in html.text
    assert "失信被执行人" in html.text
    assert "未列入任何名单" not in html.text

    # The PDF carries the same content: reproduced by its number, it has the entry and its
    # digest is the signed one.
    client.cookies.set("chengxin_session", token)
    pdf = client.get("/me/report.pdf")
    assert pdf.status_code == 200
    client.cookies.delete("chengxin_session")
    auditor = auth(user_for(Role.AUDITOR))
    again = client.post(
        "/api/v1/reports/reproduce",
        headers=auditor,
        json={"number": pdf.headers["x-report-number"]},
    )
    assert again.status_code == 200, again.text
    assert again.json()["matches"] is True
    assert again.json()["report"]["summary"]["lists"] == [entry.reference]

    # The overview counts the list; the lists page shows both entries.
    client.cookies.set("chengxin_session", token)
    home = client.get("/me")
    assert home.status_code == 200
    assert _stat(home.text, "black") == 1
    assert entry.reference in home.text
    assert pending_ref in home.text
    lists = client.get("/me/lists")
    assert entry.reference in lists.text
    assert pending_ref in lists.text
    assert DOCUMENT in lists.text

    # The objection form does not say there is nothing to object to: it offers the entries.
    form = client.get("/me/objections/new")
    assert form.status_code == 200
    assert "您没有可以提出异议的信用信息。" not in form.text
    assert entry.reference in form.text
    assert pending_ref in form.text
    assert DOCUMENT in form.text
    assert "执行法院" in form.text  # the court list's remedy: apply to the enforcing court
    client.cookies.set("chengxin_lang", "en")
    english = client.get("/me/objections/new")
    assert "Objecting to a listing" in english.text
    assert "finding document" in english.text


def test_a_government_report_shows_the_published_list_and_reproduces_after_exit(
    cw: CheckWorld, user_for: Callable[..., str]
) -> None:
    person = cw.people[4]
    sid = cw.sid(person)
    entry = listed(
        cw.runtime, sid, COURT_LIST, now=utcnow() - timedelta(hours=1), document_no=DOCUMENT
    )
    settings = cw.settings.model_copy(update={"access_review_new_scene": False})
    with cw.runtime.scope() as session:
        issued = report_service.issue_for_organization(
            session,
            report_service.ReportRequest(
                person.id_number, person.name, Scene.ADMINISTRATIVE_LICENSING, PURPOSE
            ),
            settings=settings,
            actor=cw.aw.government,
        )
        assert isinstance(issued, report_service.Issued)
        report = issued.report
    assert report.summary.lists == [entry.reference]
    assert [m.reference for m in report.memberships] == [entry.reference]
    assert report.pending_entries is None  # entries on their way: the subject's report only
    # Taken off the list afterwards: the report as issued still reproduces exactly.
    exited(cw.runtime, entry.id, now=utcnow())
    auditor = dataclasses.replace(cw.aw.government, permissions=frozenset(Permission))
    with cw.runtime.scope() as session:
        again = report_service.reproduce(session, report.number, actor=auditor)
    assert again.matches
    assert [m.reference for m in again.report.memberships] == [entry.reference]


def test_a_report_issued_while_an_entry_was_pending_reproduces_after_publication(
    cw: CheckWorld,
) -> None:
    person = cw.people[3]
    sid = cw.sid(person)
    start = utcnow() - WINDOW
    with cw.runtime.scope() as session:
        data = list_service.Proposal(
            list_type=COURT_LIST,
            reason="经认定符合本名单认定标准",
            subject_id=sid,
            document_no=DOCUMENT,
        )
        entry = list_service.propose(session, data, actor=OPERATOR, now=start)
        list_service.notify(session, entry.id, actor=OPERATOR, settings=cw.settings, now=start)
        entry_id = entry.id
    with cw.runtime.scope() as session:
        issued = report_service.issue_for_subject(session, actor=citizen(sid))
    assert issued.report.pending_entries
    with cw.runtime.scope() as session:
        list_service.publish(session, entry_id, actor=OPERATOR)
    auditor = dataclasses.replace(cw.aw.government, permissions=frozenset(Permission))
    with cw.runtime.scope() as session:
        assert report_service.reproduce(session, issued.report.number, actor=auditor).matches
