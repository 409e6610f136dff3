"""Every citizen and portal page on a phone (390 × 844): nothing wider than the screen, tables as
cards with each cell's column name, menus within ~150 px, dates on one line; a full-page
screenshot of each in ``test-artifacts/phone/``. A desktop pass (1366 px) shows the tables are
still tables. Then the 长者模式 switch (without the script), the government footer from the
settings, /favicon.ico, and the copy and print buttons for a tip's secret."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from chengxin.catalog import service as catalog_service
from chengxin.content import service as content_service
from chengxin.db import utcnow
from chengxin.demo import generator
from chengxin.organizations import service as organization_service
from chengxin.runtime import Runtime
from chengxin.security.actor import system_actor
from chengxin.security.roles import Role
from tests.helpers import auth
from tests.lists.fixtures import listed
from tests.objections.fixtures import RightsWorld, build_rights, old_tax_row
from tests.web.conftest import ARTIFACTS, Pages, shot

SYSTEM = system_actor("test")
PHONE = ARTIFACTS / "phone"
PDF = b"%PDF-1.4\n%phone evidence\n"
WIDTH = 390

# Anything wider than the viewport, outside an element that scrolls or clips it (the menus'
# strips scroll sideways on purpose); a date split over two lines.
LAYOUT_CHECK = """() => {
  const root = document.documentElement;
  const width = root.clientWidth;  // the layout viewport (a phone zooms out when a page is wider)
  const bad = [];
  if (root.scrollWidth > width) bad.push('page scrolls sideways: ' + root.scrollWidth);
  const clipped = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const x = getComputedStyle(p).overflowX;
      if (x === 'auto' || x === 'scroll' || x === 'hidden' || x === 'clip') return true;
    }
    return false;
  };
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden') continue;
    if (box.right > width + 1 && !clipped(el)) {
      bad.push(el.tagName.toLowerCase() + (el.className ? '.' + el.className : '') + ' right='
        + Math.round(box.right) + ': ' + (el.textContent || '').trim().slice(0, 40));
    }
  }
  for (const t of document.querySelectorAll('main time')) {
    if (t.getClientRects().length > 1) bad.push('wrapped date: ' + t.textContent);
  }
  return bad.slice(0, 8);
}"""

# On a phone each body cell of a table is a card line that names its column (a short table
# marked class="keep" stays a table). The cards keep their table semantics for screen readers
# that drop them for display:block tables: explicit ARIA roles on every part.
CARDS_CHECK = """() => {
  const bad = [];
  const roles = {TABLE: 'table', THEAD: 'rowgroup', TBODY: 'rowgroup', TR: 'row', TD: 'cell'};
  for (const table of document.querySelectorAll('main table')) {
    for (const el of [table, ...table.querySelectorAll('thead, tbody, tr, th, td')]) {
      const want = el.tagName === 'TH'
        ? (el.getAttribute('scope') === 'row' ? 'rowheader' : 'columnheader')
        : roles[el.tagName];
      if (el.getAttribute('role') !== want) bad.push('no role ' + want + ': ' + el.tagName);
    }
  }
  for (const table of document.querySelectorAll('main table:not(.keep)')) {
    if (getComputedStyle(table).display !== 'block') bad.push('table not stacked');
    for (const td of table.querySelectorAll('tbody td:not([colspan])')) {
      const label = getComputedStyle(td, '::before').content;
      if (!td.dataset.label || label.indexOf(td.dataset.label) < 0) {
        bad.push('cell without its column: ' + td.textContent.trim().slice(0, 30));
      }
    }
  }
  return bad.slice(0, 5);
}"""


def _phone_check(page: Any, name: str) -> None:
    """The layout checks, then the screenshot (conftest.shot: accessibility basics too)."""
    page.wait_for_load_state("load")
    assert page.evaluate("document.documentElement.clientWidth") == WIDTH
    problems = page.evaluate(LAYOUT_CHECK)
    assert problems == [], f"{name}: {problems}"
    cards = page.evaluate(CARDS_CHECK)
    assert cards == [], f"{name}: {cards}"
    PHONE.mkdir(parents=True, exist_ok=True)
    shot(page, f"phone/{name}")


# A column header on more than one line ("答复/期限"): each header's text is one line box.
HEADERS_CHECK = """() => {
  const bad = [];
  for (const th of document.querySelectorAll('main thead th')) {
    const range = document.createRange();
    range.selectNodeContents(th);
    const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
    if (tops.size > 1) bad.push(th.textContent.trim());
  }
  return bad;
}"""


def _desktop_check(page: Any, name: str) -> None:
    page.wait_for_load_state("load")
    assert page.evaluate(LAYOUT_CHECK) == [], name
    assert page.evaluate(HEADERS_CHECK) == [], name
    for table in page.locator("main table").all():
        assert table.evaluate("t => getComputedStyle(t).display") == "table", name
    PHONE.mkdir(parents=True, exist_ok=True)
    shot(page, f"phone/desktop-{name}")


@pytest.fixture
def world(runtime: Runtime, tmp_path: Path) -> RightsWorld:
    world = build_rights(runtime, tmp_path)
    person = world.aw.with_records[0]
    # An older finding the person may have repaired (repairable since 2026-06-01).
    assert world.push(tmp_path, [old_tax_row(person, "OLD-PHONE")], "old").created == 1
    return world


def _csrf(client: TestClient) -> str:  # type: ignore[type-arg]
    client.get("/me/signin")
    token = client.cookies.get("chengxin_csrf")
    assert token
    return token


def _citizen_with_everything(
    client: TestClient,  # type: ignore[type-arg]
    runtime: Runtime,
    world: RightsWorld,
    citizen_for: Callable[..., tuple[str, uuid.UUID]],
) -> tuple[str, dict[str, str]]:
    """A person with records, a query, an objection, a repair, a grant, a statement, a score
    review, a list entry and notices; returns the session token and the detail pages' paths."""
    person = world.aw.with_records[0]
    token, subject_id = citizen_for(person)
    world.government_report(person)  # shown under "who queried me"
    with runtime.scope() as session:
        catalog_service.ensure_active(session, actor=SYSTEM)
    listed(runtime, subject_id, "black-traffic-serious", now=utcnow() - timedelta(minutes=1))
    client.cookies.set("chengxin_session", token)
    csrf = _csrf(client)
    records = re.findall(r"record_id=([0-9a-f-]{36})", client.get("/me/report").text)
    assert records, "the person has records"
    old = world.record(person, "OLD-PHONE")
    current = next(r for r in records if r != str(old.id))
    filed = client.post(
        "/me/objections/new",
        data={
            "record_id": current,
            "reason": "该笔欠税已于上月全部缴清，附完税证明。",
            "_csrf_token": csrf,
        },
        files={"evidence": ("proof.pdf", PDF, "application/pdf")},
        follow_redirects=False,
    )
    assert filed.status_code == 303, filed.text
    repaired = client.post(
        "/me/repairs/new",
        data={
            "record_id": str(old.id),
            "basis": "obligation_performed",
            "explanation": "税款及滞纳金已于 2025 年 7 月全额补缴，附完税证明。",
            "commitment_accepted": "yes",
            "_csrf_token": csrf,
        },
        files={"evidence": ("receipt.pdf", PDF, "application/pdf")},
        follow_redirects=False,
    )
    assert repaired.status_code == 303, repaired.text
    with runtime.scope() as session:
        bank = organization_service.get(session, world.aw.bank.organization_id)
        assert bank is not None
        bank_code = bank.credit_code
    granted = client.post(
        "/me/grants",
        data={
            "credit_code": bank_code,
            "scene": "loan",
            "purpose": "个人住房贷款审批",
            "valid_days": "30",
            "max_uses": "2",
            "_csrf_token": csrf,
        },
        follow_redirects=False,
    )
    assert granted.status_code == 303, granted.text
    stated = client.post(
        "/me/statements",
        data={
            "record_id": current,
            "text": "因疫情期间停业导致逾期，现已补缴。",
            "_csrf_token": csrf,
        },
        follow_redirects=False,
    )
    assert stated.status_code == 303, stated.text
    client.post(
        "/me/score/reviews",
        data={"reason": "积分计算未计入已补缴的税款，请复核。", "_csrf_token": csrf},
    )
    details = {
        "objection": _first(client, "/me/objections", r'href="(/me/objections/[0-9a-f-]{36})"'),
        "repair": _first(client, "/me/repairs", r'href="(/me/repairs/[0-9a-f-]{36})"'),
        "grant": _first(client, "/me/grants", r'href="(/me/grants/[0-9a-f-]{36})"'),
        "objection-new": f"/me/objections/new?record_id={current}",
        "repair-new": f"/me/repairs/new?record_id={old.id}",
    }
    return token, details


@pytest.fixture
def everything(
    client: TestClient,  # type: ignore[type-arg]
    runtime: Runtime,
    world: RightsWorld,
    citizen_for: Callable[..., tuple[str, uuid.UUID]],
) -> tuple[str, dict[str, str]]:
    return _citizen_with_everything(client, runtime, world, citizen_for)


def _first(client: TestClient, path: str, pattern: str) -> str:  # type: ignore[type-arg]
    found = re.search(pattern, client.get(path).text)
    assert found is not None, path
    return found.group(1)


CITIZEN_PAGES = (
    ("citizen-home", "/me"),
    ("citizen-report", "/me/report"),
    ("citizen-queries", "/me/queries"),
    ("citizen-objections", "/me/objections"),
    ("citizen-repairs", "/me/repairs"),
    ("citizen-grants", "/me/grants"),
    ("citizen-statements", "/me/statements"),
    ("citizen-notices", "/me/notices"),
    ("citizen-lists", "/me/lists"),
    ("citizen-score", "/me/score"),
)


def test_every_citizen_page_fits_a_phone(
    pages: Pages, everything: tuple[str, dict[str, str]]
) -> None:
    token, details = everything
    anonymous = pages.new(mobile=True)
    anonymous.goto("/me/signin")
    _phone_check(anonymous, "citizen-signin")

    page = pages.new(mobile=True, session=token)
    for name, path in [*CITIZEN_PAGES, *((f"citizen-{k}", v) for k, v in details.items())]:
        page.goto(path)
        _phone_check(page, name)
    # The menus are one strip each: the content starts within ~150 px of the site's bar.
    page.goto("/me/objections")
    bar = page.locator("header.site .bar").evaluate("e => e.getBoundingClientRect().bottom")
    top = page.locator("main").evaluate("e => e.getBoundingClientRect().top")
    assert top - bar <= 150, f"menus take {top - bar} px above the content"
    current = page.locator("aside.side a[aria-current=page]")
    assert current.inner_text() == "异议申请"
    assert current.evaluate("e => e.getBoundingClientRect().right") <= WIDTH  # scrolled into view
    # The basis column of a list entry is readable: its cell is as wide as the card.
    page.goto("/me/queries")
    basis = page.locator("main td[data-label='依据']").first
    assert basis.evaluate("e => e.getBoundingClientRect().width") > WIDTH / 2

    english = pages.new(mobile=True, lang="en", session=token)
    for name, path in (("citizen-report-en", "/me/report"), ("citizen-queries-en", "/me/queries")):
        english.goto(path)
        _phone_check(english, name)

    desktop = pages.new(session=token)
    desktop.set_viewport_size({"width": 1366, "height": 900})
    for name, path in (("citizen-report", "/me/report"), ("citizen-queries", "/me/queries")):
        desktop.goto(path)
        _desktop_check(desktop, name)


def test_every_portal_page_fits_a_phone(
    pages: Pages,
    runtime: Runtime,
    client: TestClient,  # type: ignore[type-arg]
    citizen_for: Callable[..., Any],
    user_for: Callable[..., str],
) -> None:
    user_for(Role.OPERATOR)  # the platform's operator receives tips about "other"
    person = next(iter(generator.people(1, seed=2718)))
    token, subject_id = citizen_for(person)
    entry = listed(
        runtime, subject_id, "black-traffic-serious", now=utcnow() - timedelta(minutes=1)
    )
    with runtime.scope() as session:
        catalog_service.ensure_active(session, actor=SYSTEM)
        created = content_service.create(
            session,
            content_service.PageInput(
                slug="honest-driver",
                kind="exemplar",
                title="拾金不昧的出租车司机",
                body_markdown="## 事迹\n\n司机张*在车上拾到钱包，当即联系失主送还。" * 3,
            ),
            actor=SYSTEM,
        )
        content_service.publish(session, created.id, actor=SYSTEM)
    issued = client.post("/api/v1/me/report", json={}, headers=auth(token)).json()
    number, code = issued["report"]["number"], issued["verification_code"]

    page = pages.new(mobile=True)
    for name, path in (
        ("portal-home", "/"),
        ("portal-lists", "/lists"),
        ("portal-list", "/lists/black-traffic-serious"),
        ("portal-pages", "/pages"),
        ("portal-page", "/pages/honest-driver"),
        ("portal-verify", "/verify"),
        ("portal-repair-guide", "/repair-guide"),
        ("portal-tips", "/tips"),
        ("portal-tip-lookup", "/tips/lookup"),
        ("staff-signin", "/signin"),
        ("not-found", "/lists/no-such-list"),
    ):
        page.goto(path)
        _phone_check(page, name)

    page.goto("/lists")
    page.get_by_label("查询方式").select_option("id_number")
    page.get_by_label("查询内容").fill(person.id_number)
    page.get_by_role("button", name="查询", exact=True).click()
    page.locator("#results-title").wait_for()
    assert entry.reference in page.locator("main").inner_text()
    _phone_check(page, "portal-search")

    page.goto("/verify")
    page.get_by_label("报告编号").fill(number)
    page.get_by_label("核验码").fill(code)
    page.get_by_role("button", name="核验").click()
    page.wait_for_selector("#result-title")
    _phone_check(page, "portal-verify-result")

    page.goto("/tips")
    page.get_by_label("举报事项").select_option("other")
    page.get_by_label("被举报人或单位").fill("某超市")
    page.get_by_label("举报内容").fill("长期销售过期食品，多次被投诉。")
    page.get_by_role("button", name="提交举报").click()
    page.wait_for_selector("#receipt-title")
    _phone_check(page, "portal-tip-receipt")
    reference = page.locator("#tip-reference").inner_text()
    secret = page.locator("#tip-secret").inner_text()
    page.goto("/tips/lookup")
    page.get_by_label("查询编号").fill(reference)
    page.get_by_label("查询密码").fill(secret)
    page.get_by_role("button", name="查询", exact=True).click()
    page.wait_for_selector("#state-title")
    _phone_check(page, "portal-tip-state")

    english = pages.new(mobile=True, lang="en")
    for name, path in (("portal-home-en", "/"), ("portal-lists-en", "/lists")):
        english.goto(path)
        _phone_check(english, name)

    desktop = pages.new()
    desktop.set_viewport_size({"width": 1366, "height": 900})
    for name, path in (("portal-home", "/"), ("portal-lists", "/lists")):
        desktop.goto(path)
        _desktop_check(desktop, name)


# -- 长者模式, the footer, the icon, the tip's secret -------------------------------------------


def test_senior_mode_switch_works_without_the_script(pages: Pages) -> None:
    context = pages.browser.new_context(
        base_url=pages.server.url,
        java_script_enabled=False,
        viewport={"width": WIDTH, "height": 844},
        is_mobile=True,
    )
    pages.contexts.append(context)
    page = context.new_page()
    page.goto("/lists")
    assert page.evaluate(CARDS_CHECK) == []  # the cards need no script
    assert page.locator("html").get_attribute("class") in (None, "")
    normal = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    page.get_by_role("button", name="长者模式").click()
    page.wait_for_url("**/lists")
    assert "elder" in (page.locator("html").get_attribute("class") or "")
    larger = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert larger >= normal * 1.2
    muted = page.locator("footer.site").evaluate("e => getComputedStyle(e).color")
    assert muted == "rgb(34, 34, 34)"  # darker than the normal grey: higher contrast
    assert page.locator("header.site button[aria-pressed=true]").count() == 1
    assert page.evaluate(LAYOUT_CHECK) == []  # larger text still fits the phone
    PHONE.mkdir(parents=True, exist_ok=True)
    shot(page, "phone/portal-lists-senior")
    page.get_by_role("button", name=re.compile("长者模式")).click()  # and off again
    page.wait_for_url("**/lists")
    assert "elder" not in (page.locator("html").get_attribute("class") or "")


def test_the_footer_names_the_site_from_the_settings(pages: Pages, runtime: Runtime) -> None:
    settings = runtime.settings
    page = pages.new(mobile=True)
    page.goto("/")
    footer = page.locator("footer.site").inner_text()
    for value in (
        settings.site_sponsor,
        settings.site_hotline,
        settings.site_icp,
        settings.site_code,
        settings.site_police_record,
    ):
        assert value in footer
    assert "主办单位" in footer
    assert "网站标识码" in footer
    assert page.get_by_role("link", name=settings.site_hotline).get_attribute("href") == (
        f"tel:{settings.site_hotline}"
    )


def test_the_favicon_is_served_and_cached(pages: Pages) -> None:
    page = pages.new()
    page.goto("/")
    assert page.locator("link[rel=icon]").get_attribute("href") == "/favicon.ico"
    response = page.request.get("/favicon.ico")
    assert response.status == 200
    assert response.headers["content-type"].startswith("image/")
    assert "max-age=31536000" in response.headers["cache-control"]
    body = response.body()
    assert body[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert 0 < len(body) < 20_000


def test_a_tips_secret_can_be_copied_and_printed(
    pages: Pages, user_for: Callable[..., str]
) -> None:
    user_for(Role.OPERATOR)
    page = pages.new(mobile=True)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto("/tips")
    page.get_by_label("举报事项").select_option("other")
    page.get_by_label("被举报人或单位").fill("某超市")
    page.get_by_label("举报内容").fill("长期销售过期食品，多次被投诉。")
    page.get_by_role("button", name="提交举报").click()
    page.wait_for_selector("#receipt-title")
    secret = page.locator("#tip-secret").inner_text()
    assert len(secret) >= 8
    page.get_by_role("button", name="复制查询密码").click()
    page.get_by_text("查询密码已复制").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == secret
    page.evaluate("window.print = () => { window.printed = true; }")
    page.get_by_role("button", name="打印回执").click()
    assert page.evaluate("window.printed") is True
    assert page.get_by_role("button", name="复制查询编号").is_visible()
    # Without the script the buttons stay hidden and the secret is plain, selectable text.
    assert page.locator("#tip-secret").evaluate("e => getComputedStyle(e).userSelect") in (
        "all",
        "text",
        "auto",
    )


# -- the consoles ------------------------------------------------------------------------------

OPERATOR_PAGES = (
    "/console/operator",
    "/console/operator/organizations",
    "/console/operator/catalog",
    "/console/operator/lists",
    "/console/operator/queries",
    "/console/operator/tips",
    "/console/operator/content",
    "/console/operator/content/new",
    "/console/operator/audit",
    "/console/operator/alerts",
    "/console/operator/emergency",
    "/console/operator/scoring",
    "/console/operator/calendar",
)
PROVIDER_PAGES = (
    "/console/provider",
    "/console/provider/batches",
    "/console/provider/objections",
    "/console/provider/repairs",
    "/console/provider/proposals",
    "/console/provider/proposals/new",
    "/console/provider/quality",
    "/console/provider/notices",
)
CONSUMER_PAGES = ("/console/consumer", "/console/consumer/batch", "/console/consumer/checks")


def test_the_consoles_fit_a_phone(
    pages: Pages,
    runtime: Runtime,
    world: RightsWorld,
    everything: tuple[str, dict[str, str]],  # the citizen's objection, repair, grant…
    user_for: Callable[..., str],
) -> None:
    from tests.web.test_provider import staff_session

    sessions = (
        (user_for(Role.PLATFORM_ADMIN), OPERATOR_PAGES),
        (staff_session(runtime, world.aw.world.tax_org_id, Role.PROVIDER_CLERK), PROVIDER_PAGES),
        (
            staff_session(runtime, world.aw.government.organization_id, Role.CONSUMER_OFFICER),
            CONSUMER_PAGES,
        ),
    )
    for token, paths in sessions:
        page = pages.new(mobile=True, session=token)
        for path in paths:
            page.goto(path)
            _phone_check(page, path.strip("/").replace("/", "-"))
        if "/console/provider" in paths:
            for link in ("objections", "repairs", "batches"):
                page.goto(f"/console/provider/{link}")
                first = page.locator(f"main a[href^='/console/provider/{link}/']").first
                if first.count():
                    first.click()
                    page.wait_for_load_state("load")
                    _phone_check(page, f"console-provider-{link}-detail")
        if "/console/operator" in paths:
            page.goto("/console/operator/organizations")
            page.locator("main a[href^='/console/operator/organizations/']").first.click()
            page.wait_for_load_state("load")
            _phone_check(page, "console-operator-organization")
