"""The task pages (/console/work/tasks) in Chinese and English: the operator records a task on
the form and closes it; a department clerk on the task sees it, reports progress with a file and
downloads it; a clerk not on it is refused; who may open which page."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import select

from chengxin.organizations.models import Organization, OrganizationKind
from chengxin.runtime import Runtime
from chengxin.security.roles import Role
from chengxin.tracking import service as tracking_service
from chengxin.tracking.models import Task
from tests.helpers import browse_as, post_form
from tests.tracking.fixtures import PDF, TrackingWorld, at_nine, build

TASKS = "/console/work/tasks"


@pytest.fixture
def tw(runtime: Any) -> TrackingWorld:
    return build(runtime)


def _newest_organization(runtime: Runtime) -> uuid.UUID:
    with runtime.scope() as session:
        return session.execute(
            select(Organization.id).order_by(Organization.created_at.desc()).limit(1)
        ).scalar_one()


def _clerk(user_for: Callable[..., str], runtime: Runtime) -> tuple[str, uuid.UUID]:
    token = user_for(Role.PROVIDER_CLERK, kind=OrganizationKind.GOVERNMENT)
    return token, _newest_organization(runtime)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_operator_records_and_closes_a_task_clerk_reports(
    client: TestClient,  # type: ignore[type-arg]
    tw: TrackingWorld,
    user_for: Callable[..., str],
    lang: str,
) -> None:
    clerk, clerk_org = _clerk(user_for, tw.runtime)
    operator = user_for(Role.OPERATOR)
    csrf = browse_as(client, operator, lang)
    form = client.get(f"{TASKS}/new")
    assert form.status_code == 200
    assert ("登记督办任务" if lang == "zh" else "Record a task") in form.text
    refused = post_form(client, f"{TASKS}/new", csrf, title="建立个人诚信档案", lead="")
    assert refused.status_code == 422
    assert 'role="alert"' in refused.text
    assert 'value="建立个人诚信档案"' in refused.text  # the form keeps what was typed
    created = post_form(
        client,
        f"{TASKS}/new",
        csrf,
        title="建立个人诚信档案",
        description="按意见建档",
        basis="实施意见 三、（二）",
        lead=str(clerk_org),
        responsible=[str(tw.education_org)],
        milestone_title="报送方案",
        start_on="2026-09-30",
        workdays="3",
    )
    assert created.status_code == 303, created.text
    path = created.headers["location"]
    page = client.get(path)
    assert page.status_code == 200
    assert "2026-10-10" in page.text  # three working days across National Day
    assert "测试省教育厅" in page.text
    listed = client.get(TASKS)
    assert "建立个人诚信档案" in listed.text

    csrf = browse_as(client, clerk, lang)
    mine = client.get(TASKS)
    assert "建立个人诚信档案" in mine.text
    detail = client.get(path)
    assert 'action="' + path + '/progress"' in detail.text  # the report form, for a unit
    assert f'action="{path}/close"' not in detail.text
    milestone = re.search(r'<option value="([0-9a-f-]{36})"', detail.text)
    assert milestone is not None
    reported = client.post(
        f"{path}/progress",
        data={"text": "方案已报送", "milestone_id": milestone.group(1), "_csrf_token": csrf},
        files={"files": ("方案.pdf", PDF, "application/pdf")},
        follow_redirects=False,
    )
    assert reported.status_code == 303, reported.text
    detail = client.get(path)
    link = re.search(rf'href="({path}/attachments/[0-9a-f-]+)"', detail.text)
    assert link is not None
    downloaded = client.get(link.group(1))
    assert (downloaded.status_code, downloaded.content) == (200, PDF)

    csrf = browse_as(client, operator, lang)
    assert "方案已报送" in client.get(path).text
    empty = post_form(client, f"{path}/close", csrf, note="")
    assert empty.status_code == 422
    closed = post_form(client, f"{path}/close", csrf, note="已建立档案")
    assert closed.status_code == 303
    assert ("已办结" if lang == "zh" else "Closed") in client.get(path).text


def test_a_clerk_not_on_the_task_cannot_see_or_report(
    client: TestClient,  # type: ignore[type-arg]
    tw: TrackingWorld,
    user_for: Callable[..., str],
) -> None:
    task = tw.create()
    clerk, _org = _clerk(user_for, tw.runtime)
    csrf = browse_as(client, clerk)
    assert client.get(f"{TASKS}/{task.id}").status_code == 404
    refused = post_form(client, f"{TASKS}/{task.id}/progress", csrf, text="x")
    assert refused.status_code == 403
    assert "建立个人诚信档案" not in client.get(TASKS).text


def test_who_may_open_which_page(
    client: TestClient,  # type: ignore[type-arg]
    tw: TrackingWorld,
    user_for: Callable[..., str],
) -> None:
    task = tw.create()
    browse_as(client, None)
    assert client.get(TASKS, follow_redirects=False).status_code == 303
    browse_as(client, user_for(Role.AUDITOR))
    assert client.get(TASKS).status_code == 200
    assert client.get(f"{TASKS}/{task.id}").status_code == 200
    assert client.get(f"{TASKS}/new").status_code == 403
    browse_as(client, user_for(Role.REVIEWER))
    assert client.get(TASKS).status_code == 403


def test_new_task_from_a_finding_is_prefilled(
    client: TestClient,  # type: ignore[type-arg]
    tw: TrackingWorld,
    user_for: Callable[..., str],
) -> None:
    from chengxin.assessment import service as assessment_service

    with tw.scope() as session:
        period = assessment_service.period_of("month", "2026-11")
        assessment = assessment_service.issue(session, actor=tw.operator, period=period)
        compiled = assessment_service.active_indicators(session)
        assessment_id, number = assessment.id, assessment.number
    indicator = compiled.indicators[0]
    csrf = browse_as(client, user_for(Role.OPERATOR))
    url = (
        f"{TASKS}/new?assessment={assessment_id}&indicator={indicator.code}"
        "&unit_kind=department&unit=market"
    )
    form = client.get(url)
    assert form.status_code == 200, form.text
    assert indicator.name in form.text
    assert number in form.text
    assert f'value="{tw.market_org}" selected' in form.text  # a market office leads
    anchor = f"/console/work/assessments/{assessment_id}#department-market-{indicator.code}"
    assert anchor in form.text
    values = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form.text))
    title = re.search(r'name="title" type="text" value="([^"]*)"', form.text)
    assert title is not None
    created = post_form(
        client,
        f"{TASKS}/new",
        csrf,
        **values,
        title=title.group(1),
        lead=str(tw.market_org),
        responsible=[str(tw.yichang_market_org)],
        milestone_title="报送整改情况",
        workdays="10",
    )
    assert created.status_code == 303, created.text
    with tw.scope() as session:
        [task] = tracking_service.tasks_for_assessment(session, assessment_id, actor=tw.operator)
        assert (task.source, task.indicator, task.unit_kind, task.unit_code) == (
            "finding",
            indicator.code,
            "department",
            "market",
        )
        assert session.get(Task, task.id) is not None
    page = client.get(created.headers["location"])
    assert anchor.replace("&", "&amp;") in page.text


def test_forms_need_their_permission(
    client: TestClient,  # type: ignore[type-arg]
    tw: TrackingWorld,
    user_for: Callable[..., str],
) -> None:
    task = tw.create()
    path = f"{TASKS}/{task.id}"
    csrf = browse_as(client, user_for(Role.AUDITOR))  # reads tasks, changes none
    page = client.get(path)
    assert page.status_code == 200
    assert f'action="{path}/close"' not in page.text
    assert f'action="{path}/progress"' not in page.text
    for action, form in (
        ("/close", {"note": "x"}),
        ("/milestones", {"title": "x"}),
        ("/progress", {"text": "x"}),
    ):
        assert post_form(client, path + action, csrf, **form).status_code == 403, action
    assert post_form(client, f"{TASKS}/new", csrf, title="x").status_code == 403
    clerk, _org = _clerk(user_for, tw.runtime)
    csrf = browse_as(client, clerk)
    assert post_form(client, f"{path}/close", csrf, note="x").status_code == 403
    assert post_form(client, f"{TASKS}/new", csrf, title="x").status_code == 403


def test_a_milestone_says_when_its_units_were_reminded(
    client: TestClient,  # type: ignore[type-arg]
    tw: TrackingWorld,
    user_for: Callable[..., str],
) -> None:
    task = tw.create(milestones=[tracking_service.MilestoneInput("m", due_on=date(2026, 10, 10))])
    browse_as(client, user_for(Role.OPERATOR))
    assert "已提醒" not in client.get(f"{TASKS}/{task.id}").text
    with tw.scope() as session:
        tracking_service.sweep(session, actor=tw.operator, now=at_nine(date(2026, 10, 9)))
    assert "已提醒" in client.get(f"{TASKS}/{task.id}").text
    with tw.scope() as session:
        tracking_service.sweep(session, actor=tw.operator, now=at_nine(date(2026, 10, 11)))
    assert "已发逾期提醒" in client.get(f"{TASKS}/{task.id}").text
