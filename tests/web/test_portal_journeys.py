"""The public in a real browser: searches a list and verifies a report (Chinese, then English
on a phone), reads a content page and sends a tip. Nothing loads from outside the platform."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from litestar.testing import TestClient

from chengxin.catalog import service as catalog_service
from chengxin.content import service as content_service
from chengxin.db import utcnow
from chengxin.demo import generator
from chengxin.runtime import Runtime
from chengxin.security.actor import system_actor
from chengxin.security.roles import Role
from tests.helpers import auth
from tests.lists.fixtures import listed
from tests.web.conftest import Pages, shot

SYSTEM = system_actor("test")


def test_the_public_searches_a_list_and_verifies_a_report(
    pages: Pages,
    runtime: Runtime,
    client: TestClient,  # type: ignore[type-arg]
    citizen_for: Callable[..., Any],
) -> None:
    person = next(iter(generator.people(1, seed=3141)))
    token, subject_id = citizen_for(person)
    entry = listed(
        runtime, subject_id, "black-traffic-serious", now=utcnow() - timedelta(minutes=1)
    )
    with runtime.scope() as session:
        catalog_service.ensure_active(session, actor=SYSTEM)
    issued = client.post("/api/v1/me/report", json={}, headers=auth(token)).json()
    number, code = issued["report"]["number"], issued["verification_code"]

    page = pages.new()
    page.goto("/")
    assert page.locator("h1").inner_text().startswith("诚信湖北")
    assert entry.shown_name in page.locator("main").inner_text()
    shot(page, "portal-home")

    page.get_by_role("link", name="查询红黑名单").click()
    page.wait_for_url("**/lists")
    page.get_by_label("查询方式").select_option("id_number")
    page.get_by_label("查询内容").fill(person.id_number)
    page.get_by_role("button", name="查询", exact=True).click()
    results = page.locator("#results-title + .table-wrap")
    results.wait_for()
    assert entry.reference in results.inner_text()
    assert entry.shown_id in results.inner_text()
    assert person.id_number not in page.url
    assert person.name not in results.inner_text()
    shot(page, "portal-search")

    results.get_by_role("link").first.click()  # the entry's list: its rules and entries
    page.wait_for_url("**/lists/black-traffic-serious")
    assert "移出条件" in page.locator("main").inner_text()
    assert entry.reference in page.locator("main").inner_text()
    shot(page, "portal-list")

    page.goto("/verify")
    page.get_by_label("报告编号").fill(number)
    page.get_by_label("核验码").fill(code)
    page.get_by_role("button", name="核验").click()
    page.wait_for_selector("#result-title")
    assert "真实有效" in page.locator("#result-title").inner_text()
    assert code not in page.url
    shot(page, "portal-verify")

    phone = pages.new(lang="en", mobile=True)
    phone.goto(f"/reports/verify?number={number}")
    phone.get_by_label("Verification code").fill("WRONG234")
    phone.get_by_role("button", name="Verify").click()
    phone.wait_for_selector("[role=alert]")
    assert "Not verified" in phone.locator("[role=alert]").inner_text()
    phone.goto("/")
    assert phone.locator("html").get_attribute("lang") == "en"
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1  # no sideways scrolling on a phone
    shot(phone, "portal-home-phone")


def test_the_public_reads_a_page_and_sends_a_tip(
    pages: Pages, runtime: Runtime, user_for: Callable[..., str]
) -> None:
    user_for(Role.OPERATOR)  # the platform's operator receives tips about "other"
    with runtime.scope() as session:
        created = content_service.create(
            session,
            content_service.PageInput(
                slug="honest-driver",
                kind="exemplar",
                title="拾金不昧的出租车司机",
                body_markdown="## 事迹\n\n司机张*送还钱包。\n\n<script>alert(1)</script>",
            ),
            actor=SYSTEM,
        )
        content_service.publish(session, created.id, actor=SYSTEM)

    page = pages.new()
    page.goto("/pages")
    page.get_by_role("link", name="拾金不昧的出租车司机").click()
    page.wait_for_url("**/pages/honest-driver")
    assert "<script>alert(1)</script>" in page.locator("article .body").inner_text()
    shot(page, "portal-page")

    page.goto("/tips")
    page.get_by_label("举报事项").select_option("other")
    page.get_by_label("被举报人或单位").fill("某超市")
    page.get_by_label("举报内容").fill("长期销售过期食品，多次被投诉。")
    page.get_by_role("button", name="提交举报").click()
    page.wait_for_selector("#receipt-title")
    receipt = page.locator(".receipt").inner_text()
    assert "查询密码" in receipt
    shot(page, "portal-tips")

    with runtime.scope() as session:
        catalog_service.ensure_active(session, actor=SYSTEM)
    page.goto("/repair-guide")
    page.get_by_role("link", name="申请信用修复").wait_for()
    shot(page, "portal-repair-guide")
