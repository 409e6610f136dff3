"""Browser journeys through the oversight console (Debian's Chromium): a security officer
acknowledges an alert and freezes then unfreezes an organization; an auditor verifies the audit
log; an operator reads the dashboard and runs the scoring sandbox."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from chengxin.access.models import Alert
from chengxin.audit import service as audit_service
from chengxin.db import utcnow
from chengxin.organizations.models import Organization, OrganizationKind
from chengxin.runtime import Runtime
from chengxin.security.actor import system_actor
from chengxin.security.roles import Role
from chengxin.workdays.days import day_of
from tests.scoring.fixtures import NOW, build_population
from tests.scoring.test_service import _draft_source
from tests.supervision.fixtures import batch, list_entry, objection, organization
from tests.web.conftest import Pages, shot


def _seed(runtime: Runtime) -> Organization:
    now = utcnow()
    with runtime.scope() as session:
        tax = organization(session, "武汉市税务局", department="tax")
        court = organization(
            session, "武汉市中级人民法院", department="court", kind=OrganizationKind.COURT
        )
        for days, (created, rejected) in enumerate([(40, 2), (35, 6), (52, 1), (30, 9)]):
            batch(session, tax, now - timedelta(days=days + 1), created=created, rejected=rejected)
            batch(
                session,
                court,
                now - timedelta(days=days + 1),
                created=created // 2,
                rejected=rejected // 2 + 1,
            )
        objection(session, tax, now - timedelta(days=2), now - timedelta(days=1))
        objection(session, court, now - timedelta(days=2), now - timedelta(days=3))
        list_entry(session, "black-judgment-defaulter", "black")
        list_entry(session, "red-media-exemplar", "red")
        session.add(
            Alert(
                organization_id=court.id,
                rule="night-burst",
                window_start=now,
                detail={"queries": 42},
                created_at=now,
            )
        )
        return tax


def test_a_security_officer_acknowledges_an_alert_and_freezes_an_organization(
    pages: Pages, runtime: Runtime, user_for: Callable[..., str]
) -> None:
    tax = _seed(runtime)
    page = pages.new(session=user_for(Role.SECURITY_OFFICER))
    page.on("dialog", lambda dialog: dialog.accept())  # the confirm buttons
    page.goto("/console/operator/alerts")
    assert page.locator("h1").inner_text() == "监测预警"
    shot(page, "operator-alerts")
    page.get_by_label("备注").fill("已电话核实")
    page.get_by_role("button", name="确认预警").click()
    page.wait_for_selector("[role=status]")
    assert "预警已确认" in page.locator("[role=status]").inner_text()

    page.goto("/console/operator/emergency")
    assert "正常运行" in page.locator("#lockdown-state").inner_text()
    page.locator("#f-org").select_option(str(tax.id))
    page.locator("#f-org-reason").fill("疑似账号泄露")
    page.get_by_role("button", name="冻结", exact=True).first.click()
    page.wait_for_selector("[role=status]")
    assert "单位已冻结" in page.locator("[role=status]").inner_text()
    assert "武汉市税务局" in page.locator("table").first.inner_text()
    shot(page, "operator-emergency")
    page.locator(f"#unfreeze-org-{tax.id}").fill("已处置")
    with page.expect_navigation():
        page.get_by_role("button", name="解冻").click()
    assert "单位已解冻" in page.locator("[role=status]").inner_text()
    assert "没有已冻结的单位" in page.content()
    with runtime.scope() as session:
        assert session.get_one(Organization, tax.id).frozen_at is None


def test_an_auditor_verifies_the_audit_log(
    pages: Pages, runtime: Runtime, user_for: Callable[..., str]
) -> None:
    with runtime.scope() as session:
        for i in range(4):
            audit_service.record(
                session,
                "test:thing:touch",
                actor=system_actor("测试员"),
                object_type="thing",
                object_id=str(i),
            )
    with runtime.scope() as session:
        audit_service.integrate(session)
        audit_service.sign_tree_head(session, keyring=runtime.keyring)
    page = pages.new(session=user_for(Role.AUDITOR))
    page.goto("/console/operator/audit")
    page.get_by_label("操作", exact=True).select_option("test:thing:touch")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url("**/audit?**")
    assert page.locator("tbody tr").count() == 4
    shot(page, "operator-audit")
    page.locator("tbody tr a").first.click()
    assert "包含证明成立" in page.locator("main").inner_text()
    page.get_by_role("link", name="返回审计日志").click()
    page.get_by_role("link", name="校验日志完整性").click()
    assert "日志完整" in page.locator("#verdict").inner_text()
    shot(page, "operator-audit-verify")
    english = pages.new(lang="en", session=user_for(Role.AUDITOR))
    english.goto("/console/operator/audit/verify")
    assert "The log is genuine" in english.locator("#verdict").inner_text()


def test_an_operator_reads_the_dashboard_and_runs_the_sandbox(
    pages: Pages, runtime: Runtime, user_for: Callable[..., str]
) -> None:
    _seed(runtime)
    pop = build_population(runtime, count=6)
    for subject in pop.subjects[:3]:
        pop.add_record(subject, "tax-arrears", day_of(NOW) - timedelta(days=5))
    token = user_for(Role.OPERATOR)
    page = pages.new(session=token)
    page.goto("/console/operator")
    assert page.locator("h1").inner_text() == "监管看板"
    assert page.locator("svg.chart").count() >= 5
    assert "武汉市税务局" in page.locator("main").inner_text()
    shot(page, "operator-dashboard")
    phone = pages.new(session=token, mobile=True)
    phone.goto("/console/operator")
    overflow: Any = phone.evaluate("document.documentElement.scrollWidth")
    assert overflow <= 400  # no sideways scrolling at 390 px

    page.goto("/console/operator/scoring")
    page.get_by_label("或粘贴 YAML").fill(_draft_source())
    page.get_by_role("button", name="保存为草稿").click()
    page.wait_for_selector("[role=status]")
    page.get_by_role("button", name="沙盘比较").click()
    page.wait_for_selector("svg.chart")
    assert "沙盘比较" in page.locator("h1").inner_text()
    assert page.locator("svg.chart").count() == 3
    shot(page, "operator-scoring-sandbox")
