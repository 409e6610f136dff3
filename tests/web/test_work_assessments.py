"""The assessment pages (/console/work/assessments) over HTTP: the list and the issue form, one
assessment with its findings, the drill-down, the downloads, the indicator sets, and the
dashboard's trend — for operators, auditors and a department's clerk, in Chinese and English,
with the permissions of each. The assessments are issued through the real service over the
supervision fixtures' month of activity (November 2026)."""

from __future__ import annotations

import html
import io
import random
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import yaml
from litestar.testing import TestClient
from openpyxl import load_workbook

from chengxin.accounts import service as accounts_service
from chengxin.assessment import rules as assessment_rules
from chengxin.assessment import service as assessment_service
from chengxin.db import utcnow
from chengxin.demo import assessments as demo_assessments
from chengxin.identity import divisions
from chengxin.organizations.models import Organization
from chengxin.runtime import Runtime
from chengxin.security.actor import system_actor
from chengxin.security.roles import Role
from chengxin.tracking import service as tracking_service
from chengxin.web.i18n import translator
from chengxin.web.work import assessment_views
from chengxin.web.work import assessments as assessment_pages
from chengxin.workdays.days import day_of
from tests.helpers import browse_as, post_form
from tests.supervision.fixtures import DAY1, Seeded, objection, organization, seed
from tests.web.conftest import Pages, shot

Client = TestClient  # type: ignore[type-arg]
BASE = "/console/work/assessments"
PERIOD = "2026-11"
AFTER = datetime(2026, 12, 3, 2, tzinfo=UTC)  # the month's facts all in
PASSWORD = "test-password-of-a-clerk-account"  # synthetic test credential
CJK = re.compile(r"[\u4e00-\u9fff]")


def _issue(runtime: Runtime) -> tuple[Seeded, uuid.UUID]:
    with runtime.scope() as session:
        seeded = seed(session)
        issued = assessment_service.issue(
            session,
            actor=system_actor("test"),
            period=assessment_service.period_of("month", PERIOD),
            now=AFTER,
        )
        return seeded, issued.id


def _clerk(runtime: Runtime, org: Organization) -> str:
    """A provider clerk's account in one of the seeded departments' organizations, signed in."""
    policy = accounts_service.Policy.from_settings(runtime.settings)
    login = f"clerk-{random.Random(uuid.uuid4().int).randrange(10**9)}"
    with runtime.scope() as session:
        accounts_service.create_user(
            session,
            organization_id=org.id,
            login=login,
            display_name="测试经办人",
            roles=[Role.PROVIDER_CLERK.value],
            region_code=None,
            password=PASSWORD,
            policy=policy,
            actor=system_actor("test"),
        )
    issued = accounts_service.login(
        runtime.scope, login=login, password=PASSWORD, client_ip=None, policy=policy
    )
    return issued.token


def _view(runtime: Runtime, assessment_id: uuid.UUID) -> assessment_service.AssessmentView:
    with runtime.scope() as session:
        found = assessment_service.get_or_raise(session, assessment_id, actor=system_actor("t"))
        return assessment_service.view(session, found, actor=system_actor("t"))


def _findings(view: assessment_service.AssessmentView) -> list[tuple[str, str, str]]:
    return [
        (u.kind, u.code, code) for u in view.units for code, f in u.figures.items() if f.finding
    ]


def _ids(page: str) -> set[str]:
    return set(re.findall(r'id="((?:department|city)-[^"]+)"', page))


# -- every page, every reader ----------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_renders_for_operator_auditor_and_clerk(
    client: Client, runtime: Runtime, user_for: Callable[..., str], lang: str
) -> None:
    seeded, assessment_id = _issue(runtime)
    view = _view(runtime, assessment_id)
    tax = next(u for u in view.units if u.kind == "department" and u.code == "tax")
    indicator = next(iter(tax.figures))
    readers = {
        "operator": user_for(Role.OPERATOR),
        "auditor": user_for(Role.AUDITOR),
        "clerk": _clerk(runtime, seeded.tax),
    }
    pages = {}
    for who, token in readers.items():
        browse_as(client, token, lang)
        for path in (
            BASE,
            f"{BASE}/indicators",
            f"{BASE}/{assessment_id}",
            f"{BASE}/{assessment_id}/items?indicator={indicator}&unit_kind=department&unit=tax",
        ):
            page = client.get(path)
            assert page.status_code == 200, (who, path, page.text[:500])
            assert 'style="' not in page.text
            pages[who, path] = page.text
    detail = f"{BASE}/{assessment_id}"
    every = {
        f"{k}-{c}-{i}" for k, c, i in ((u.kind, u.code, i) for u in view.units for i in u.figures)
    }
    assert _ids(pages["operator", detail]) == every
    assert _ids(pages["auditor", detail]) == every
    # The clerk sees the tax department's unit only: not the court's, not a city's.
    clerk_ids = _ids(pages["clerk", detail])
    assert clerk_ids == {f"department-tax-{i}" for i in tax.figures}
    assert not any(i.startswith(("department-court-", "city-")) for i in clerk_ids)
    court = "法院" if lang == "zh" else "Court"
    assert court not in pages["clerk", detail]
    # Units are named in words; the totals' chart sits beside the table.
    tax_name = "税务" if lang == "zh" else "Tax"
    assert tax_name in pages["operator", detail]
    wuhan = "武汉市" if lang == "zh" else "Wuhan"
    assert wuhan in pages["operator", detail]
    assert pages["operator", detail].count('<svg class="chart"') == 2  # departments, cities
    assert view.assessment.digest in pages["operator", detail]
    if lang == "en":
        assert "Verified" in pages["operator", detail]
        assert "Assessments issued" in pages["operator", BASE]
    else:
        assert "验证通过" in pages["operator", detail]
        assert view.assessment.number in pages["clerk", BASE]


def test_without_the_permission_the_pages_answer_403(
    client: Client, runtime: Runtime, user_for: Callable[..., str]
) -> None:
    _seeded, assessment_id = _issue(runtime)
    browse_as(client, user_for(Role.REVIEWER))
    one = f"{BASE}/{assessment_id}"
    for path in (
        BASE,
        f"{BASE}/indicators",
        one,
        f"{one}/export.xlsx",
        f"{one}/export.pdf",
        f"{one}/items?indicator=x&unit_kind=department&unit=tax",
    ):
        assert client.get(path).status_code == 403, path
    csrf = browse_as(client, user_for(Role.AUDITOR))  # reads, but neither issues nor manages
    assert post_form(client, BASE, csrf, kind="month", label="2026-10").status_code == 403
    assert post_form(client, f"{BASE}/indicators/activate", csrf, version="x").status_code == 403
    page = client.get(BASE)
    assert page.status_code == 200
    assert 'action="/console/work/assessments"' not in page.text  # no issue form
    assert "/console/work/tasks/new" not in client.get(f"{BASE}/{assessment_id}").text
    client.cookies.clear()
    signed_out = client.get(BASE, follow_redirects=False)
    assert signed_out.status_code == 303


# -- issuing -------------------------------------------------------------------------------------


def test_the_issue_form_issues_and_refuses_a_bad_period_in_words(
    client: Client, runtime: Runtime, user_for: Callable[..., str]
) -> None:
    with runtime.scope() as session:
        seed(session)
    csrf = browse_as(client, user_for(Role.OPERATOR))
    form = client.get(BASE).text
    last = assessment_service.previous_period("month", day_of(utcnow()))
    assert f'value="{last.label}"' in form  # last month by default
    done = post_form(client, BASE, csrf, kind="month", label=PERIOD)
    assert done.status_code == 303
    path = done.headers["location"]
    assert re.fullmatch(rf"{BASE}/[0-9a-f-]{{36}}", path)
    page = client.get(path)
    assert page.status_code == 200
    assert "考核结果已签发" in page.text
    with runtime.scope() as session:
        found = assessment_service.list_assessments(session, actor=system_actor("t"))
    assert [(a.period_kind, a.period_label) for a in found] == [("month", PERIOD)]
    assert found[0].number in page.text

    refused = post_form(client, BASE, csrf, kind="month", label="2026-13")
    assert refused.status_code == 422
    assert 'role="alert"' in refused.text
    assert "考核期间无效" in refused.text  # in words, the code kept as a grey tag
    assert "assessment-period-invalid" not in _visible(refused.text)
    assert 'value="2026-13"' in refused.text  # what was typed stays
    future = post_form(client, BASE, csrf, kind="year", label="2099")
    assert future.status_code == 422
    assert "考核期间无效" in future.text
    browse_as(client, None)
    csrf = browse_as(client, user_for(Role.OPERATOR), "en")
    english = post_form(client, BASE, csrf, kind="quarter", label="2026-Q5")
    assert english.status_code == 422
    assert "The period is not valid" in english.text
    with runtime.scope() as session:
        assert len(assessment_service.list_assessments(session, actor=system_actor("t"))) == 1


def _visible(page: str) -> str:
    """The text a reader sees (grey support tags aside)."""
    page = re.sub(r'<code class="tag"[^>]*>.*?</code>', " ", page, flags=re.DOTALL)
    return re.sub(r"<[^>]+>", " ", page)


# -- findings, drill-down, downloads ---------------------------------------------------------------


def test_the_drill_down_lists_exactly_the_service_items(
    client: Client, runtime: Runtime, user_for: Callable[..., str]
) -> None:
    _seeded, assessment_id = _issue(runtime)
    view = _view(runtime, assessment_id)
    browse_as(client, user_for(Role.OPERATOR))
    zh = translator("zh")
    checked = 0
    for unit in view.units:
        for code, figure in unit.figures.items():
            with runtime.scope() as session:
                found = assessment_service.get_or_raise(
                    session, assessment_id, actor=system_actor("t")
                )
                expected = assessment_service.items(
                    session,
                    found,
                    actor=system_actor("t"),
                    indicator=code,
                    unit_kind=unit.kind,
                    unit_code=unit.code,
                )
            query = f"indicator={code}&unit_kind={unit.kind}&unit={unit.code}"
            page = client.get(f"{BASE}/{assessment_id}/items?{query}")
            assert page.status_code == 200
            rows = re.findall(r'<th role="rowheader" scope="row">([^<]*)</th>', page.text)
            words = [assessment_views.reference_words(i, "zh", zh) for i in expected]
            assert sorted(html.unescape(r) for r in rows) == sorted(str(w) for w in words)
            for item in expected:  # why, in words
                assert str(zh(assessment_views.REASON[item.reason])) in page.text
            assert len(expected) == figure.part  # every bad case behind the number
            checked += len(expected)
    assert checked > 0  # the month had late, refused and open items


def test_each_finding_links_to_a_new_task_with_its_query(
    client: Client, runtime: Runtime, user_for: Callable[..., str]
) -> None:
    _seeded, assessment_id = _issue(runtime)
    findings = _findings(_view(runtime, assessment_id))
    assert findings
    browse_as(client, user_for(Role.OPERATOR))
    page = client.get(f"{BASE}/{assessment_id}").text
    links = set(re.findall(r'href="(/console/work/tasks/new\?[^"]+)"', page))
    expected = {
        f"/console/work/tasks/new?assessment={assessment_id}&amp;indicator={i}"
        f"&amp;unit_kind={k}&amp;unit={c}"
        for k, c, i in findings
    }
    assert links == expected
    for kind, code, indicator in findings:
        assert re.search(rf'id="{kind}-{code}-{indicator}" class="finding"', page)


def test_downloads_are_a_real_workbook_and_a_real_pdf(
    client: Client, runtime: Runtime, user_for: Callable[..., str]
) -> None:
    _seeded, assessment_id = _issue(runtime)
    number = _view(runtime, assessment_id).assessment.number
    browse_as(client, user_for(Role.AUDITOR))
    workbook = client.get(f"{BASE}/{assessment_id}/export.xlsx")
    assert workbook.status_code == 200
    assert number in workbook.headers["content-disposition"]
    assert load_workbook(io.BytesIO(workbook.content)).sheetnames
    pdf = client.get(f"{BASE}/{assessment_id}/export.pdf")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"].startswith("application/pdf")
    assert pdf.content.startswith(b"%PDF")
    assert client.get(f"{BASE}/{uuid.uuid4()}/export.pdf").status_code == 404


# -- indicator sets --------------------------------------------------------------------------------


def _draft(version: str) -> str:
    content = yaml.safe_load(assessment_rules.shipped_text())
    content["version"] = version
    return yaml.safe_dump(content, allow_unicode=True)


def test_indicator_sets_upload_and_activate(
    client: Client, runtime: Runtime, user_for: Callable[..., str]
) -> None:
    csrf = browse_as(client, user_for(Role.OPERATOR))
    saved = post_form(client, f"{BASE}/indicators/upload", csrf, source=_draft("2027.9"))
    assert saved.status_code == 303
    page = client.get(f"{BASE}/indicators").text
    assert "2027.9" in page
    assert "草稿" in page
    refused = post_form(client, f"{BASE}/indicators/upload", csrf, source="version: x\nname: y\n")
    assert refused.status_code == 422
    assert 'role="alert"' in refused.text
    assert "version: x" in refused.text  # the text typed stays
    done = post_form(client, f"{BASE}/indicators/activate", csrf, version="2027.9")
    assert done.status_code == 303
    assert "现行指标版本：2027.9" in client.get(f"{BASE}/indicators").text
    with runtime.scope() as session:
        assert assessment_service.active_indicators(session).version == "2027.9"


# -- the dashboard's trend, the demo ---------------------------------------------------------------


def test_the_dashboard_shows_the_monthly_totals_per_unit(
    client: Client, runtime: Runtime, user_for: Callable[..., str]
) -> None:
    _seeded, assessment_id = _issue(runtime)
    view = _view(runtime, assessment_id)
    browse_as(client, user_for(Role.OPERATOR))
    page = client.get("/console/operator").text
    assert 'id="assessment-trend"' in page
    assert PERIOD in page
    tax = next(u for u in view.units if u.kind == "department" and u.code == "tax")
    assert f"{tax.total:.2f}" in page
    browse_as(client, user_for(Role.OPERATOR), "en")
    assert "Monthly assessment totals" in client.get("/console/operator").text


def test_the_demo_issues_last_month_and_this_month_once(runtime: Runtime) -> None:
    with runtime.scope() as session:
        seed(session)
    assert demo_assessments.seed(runtime, actor=system_actor("demo")) is True
    assert demo_assessments.seed(runtime, actor=system_actor("demo")) is False
    with runtime.scope() as session:
        issued = assessment_service.list_assessments(session, actor=system_actor("t"))
    today = day_of(utcnow())
    last = assessment_service.previous_period("month", today)
    assert [a.period_label for a in issued] == [f"{today:%Y-%m}", last.label]


def test_units_are_named_in_words() -> None:
    _ = str
    assert assessment_views.unit_name("city", "420500", "zh", _) == "宜昌市"
    assert assessment_views.unit_name("city", "420500", "en", _) == "Yichang"
    assert assessment_views.unit_name("city", "429000", "zh", _) == "省直辖县级行政区划"
    assert not CJK.search(assessment_views.unit_name("department", "tax", "en", _))


def test_a_city_bound_operator_sees_its_city_only(
    client: Client, runtime: Runtime, user_for: Callable[..., str]
) -> None:
    _seeded, assessment_id = _issue(runtime)
    view = _view(runtime, assessment_id)
    yichang = next(u for u in view.units if u.kind == "city" and u.code == "420500")
    browse_as(client, user_for(Role.OPERATOR, region_code="420500"))
    page = client.get(f"{BASE}/{assessment_id}")
    assert page.status_code == 200
    assert _ids(page.text) == {f"city-420500-{i}" for i in yichang.figures}
    assert "宜昌市" in page.text
    assert "武汉市" not in page.text


# -- in a browser ----------------------------------------------------------------------------------


def test_an_operator_issues_an_assessment_and_follows_a_finding_in_the_browser(
    pages: Pages, runtime: Runtime, user_for: Callable[..., str]
) -> None:
    with runtime.scope() as session:
        seed(session)
    page = pages.new(session=user_for(Role.OPERATOR))
    page.goto(f"{BASE}/indicators")
    assert page.locator("h1").inner_text() == "考核指标体系"
    shot(page, "work-assessment-indicators")
    page.goto(BASE)
    assert page.locator("h1").inner_text() == "考核评估"
    shot(page, "work-assessments")
    page.locator("#f-kind").select_option("month")
    page.locator("#f-label").fill(PERIOD)
    with page.expect_navigation():
        page.get_by_role("button", name="签发", exact=True).click()
    assert "考核结果已签发" in page.locator("[role=status]").inner_text()
    assert "验证通过" in page.locator("#signature").inner_text()
    shot(page, "work-assessment")
    finding = page.locator("td.finding").first
    cell = finding.get_attribute("id")
    assert cell
    with page.expect_navigation():
        finding.locator("a").first.click()  # the figure → the items behind it
    assert page.locator("h1").inner_text() == "考核明细"
    assert page.locator("tbody tr").count() >= 1
    shot(page, "work-assessment-items")
    page.go_back()
    link = page.locator(f"#{cell} a.finding-task")
    kind, rest = cell.split("-", 1)
    code, indicator = rest.rsplit("-", 1)  # codes may hold hyphens, indicators never
    href = link.get_attribute("href") or ""
    assert f"indicator={indicator}" in href
    assert f"unit_kind={kind}&unit={code}" in href
    phone = pages.new(mobile=True, lang="en", session=user_for(Role.OPERATOR))
    phone.goto(page.url)
    assert "Verified" in phone.locator("#signature").inner_text()
    shot(phone, "work-assessment-phone-en")


def test_a_task_opened_from_a_finding_shows_in_its_cell_and_links_back(
    client: Client, runtime: Runtime, user_for: Callable[..., str]
) -> None:
    seeded, assessment_id = _issue(runtime)
    kind, code, indicator = _findings(_view(runtime, assessment_id))[0]
    with runtime.scope() as session:
        task = tracking_service.create(
            session,
            tracking_service.TaskInput(
                title="整改异议办理<超时>",
                description="",
                basis="测试",
                lead_organization_id=seeded.operator.id,
                responsible_organization_ids=[seeded.tax.id],
                source="finding",
                assessment_id=assessment_id,
                indicator=indicator,
                unit_kind=kind,
                unit_code=code,
            ),
            actor=system_actor("test"),
        )
        task_id = task.id
    browse_as(client, user_for(Role.OPERATOR))
    page = client.get(f"{BASE}/{assessment_id}").text
    cell = page[page.index(f'id="{kind}-{code}-{indicator}"') :]
    cell = cell[: cell.index("</td>")]
    assert f'href="/console/work/tasks/{task_id}"' in cell
    assert "整改异议办理&lt;超时&gt;" in cell  # escaped
    assert "/console/work/tasks/new" not in cell  # one task per finding is enough
    tasks = page[page.index('id="h-tasks"') :]
    assert f'href="#{kind}-{code}-{indicator}"' in tasks  # the task's row points at its cell
    assert "办理中" in tasks


def test_a_clerk_cannot_drill_into_another_department_nor_an_unknown_figure(
    client: Client, runtime: Runtime, user_for: Callable[..., str]
) -> None:
    seeded, assessment_id = _issue(runtime)
    browse_as(client, _clerk(runtime, seeded.tax))
    items = f"{BASE}/{assessment_id}/items"
    own = client.get(f"{items}?indicator=objections_on_time&unit_kind=department&unit=tax")
    assert own.status_code == 200
    other = client.get(f"{items}?indicator=objections_on_time&unit_kind=department&unit=court")
    assert other.status_code == 422
    assert "该考核结果中没有这项指标或这个考核对象" in other.text  # in words
    assert "<tbody" not in other.text
    browse_as(client, user_for(Role.OPERATOR), "en")
    unknown = client.get(f"{items}?indicator=nothing&unit_kind=department&unit=tax")
    assert unknown.status_code == 422
    assert "This assessment has no such indicator or assessed unit" in unknown.text


def test_every_city_of_the_division_table_has_a_name_in_both_languages() -> None:
    zh, en = translator("zh"), translator("en")
    cities = {d.code[:4] + "00" for d in divisions.current_divisions() if d.level == "prefecture"}
    assert len(cities) >= 14  # 13 prefectures and the direct units' 429000
    for code in cities:
        chinese = assessment_views.city_name(code, "zh", zh)
        english = assessment_views.city_name(code, "en", en)
        assert chinese != code
        assert CJK.search(chinese)
        assert english != code
        assert not CJK.search(english), (code, english)


def test_the_trend_draws_lines_while_colours_last_and_bars_beyond(runtime: Runtime) -> None:
    departments = ["tax", "court", "market", "health", "housing", "justice", "commerce"]
    with runtime.scope() as session:
        for code in departments:  # seven departments, all in Wuhan
            org = organization(session, f"测试{code}", department=code)
            objection(session, org, DAY1, DAY1 + timedelta(days=1))
        assessment_service.issue(
            session,
            actor=system_actor("test"),
            period=assessment_service.period_of("month", PERIOD),
            now=AFTER,
        )
    with runtime.scope() as session:
        found = assessment_views.trend(
            session, actor=system_actor("t"), lang="zh", _=translator("zh")
        )
    assert found.labels == [PERIOD]
    by_kind = {g.kind: g for g in found.groups}
    assert len(by_kind["department"].rows) == len(departments)
    assert '<rect class="bar"' in by_kind["department"].chart  # 7 units > 6 colours
    assert "<polyline" not in by_kind["department"].chart
    assert [name for name, _ in by_kind["city"].rows] == ["武汉市"]
    assert "<polyline" in by_kind["city"].chart


def test_a_long_drill_down_lists_the_first_items_and_points_to_the_workbook(
    client: Client, runtime: Runtime, user_for: Callable[..., str], monkeypatch: Any
) -> None:
    _seeded, assessment_id = _issue(runtime)
    wuhan = next(u for u in _view(runtime, assessment_id).units if u.code == "420100")
    indicator, figure = max(wuhan.figures.items(), key=lambda pair: pair[1].part)
    assert figure.part >= 2
    monkeypatch.setattr(assessment_pages, "SHOWN_ITEMS", 1)
    browse_as(client, user_for(Role.OPERATOR))
    query = f"indicator={indicator}&unit_kind=city&unit=420100"
    page = client.get(f"{BASE}/{assessment_id}/items?{query}").text
    assert page.count('<th role="rowheader" scope="row">') == 1
    assert f"此处列出前 1 项；全部 {figure.part} 项见考核结果的 Excel 表格。" in page
    assert f'href="{BASE}/{assessment_id}/export.xlsx"' in page
