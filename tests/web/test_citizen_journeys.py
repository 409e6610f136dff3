"""A person's journey in a real browser: real-name sign-in with the code from the phone, the own
report and its PDF, an objection with evidence; once on a desktop, once on a phone."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from chengxin.notifications import service as notifications_service
from chengxin.organizations import service as organization_service
from chengxin.runtime import Runtime
from tests.objections.fixtures import RightsWorld, build_rights
from tests.web.conftest import Pages, shot

PDF = b"%PDF-1.4\n%journey evidence\n"


@pytest.fixture
def world(runtime: Runtime, tmp_path: Any) -> RightsWorld:
    return build_rights(runtime, tmp_path)


def _code(runtime: Runtime, world: RightsWorld, person: Any) -> str:
    """The 6-digit code, read from the notification outbox (as the phone would show it)."""
    with runtime.scope() as session:
        row = notifications_service.latest_for(session, world.subject(person))
        assert row is not None
        found = re.search(r"\d{6}", notifications_service.text_of(session, row))
        assert found is not None
        return found.group()


def _journey(  # one journey, told step by step
    pages: Pages,
    runtime: Runtime,
    world: RightsWorld,
    person: Any,
    tmp_path: Path,
    *,
    mobile: bool,
    suffix: str,
) -> Any:
    page = pages.new(mobile=mobile)
    # An anonymous visit to a personal page leads to the real-name sign-in, then back.
    page.goto("/me/report")
    assert page.url.endswith("/me/signin?next=/me/report")
    assert page.locator("h1").inner_text() == "个人实名登录"
    page.get_by_label("公民身份号码").fill(person.id_number)
    page.get_by_label("姓名").fill(person.name)
    if not suffix:
        shot(page, "citizen-signin")
    page.get_by_role("button", name="获取验证码").click()
    page.wait_for_selector("h1:has-text('输入验证码')")
    assert "139****1234" in page.content()
    assert person.id_number not in page.url
    page.get_by_label("验证码").fill(_code(runtime, world, person))
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/me/report")

    # The own report, and the sealed PDF as a download.
    assert page.locator("h1").inner_text() == "我的信用报告"
    assert "欠缴税款" in page.content() or page.locator("article.record").count() >= 1
    shot(page, f"citizen-report{suffix}")
    with page.expect_download() as downloading:
        page.get_by_role("link", name="下载 PDF 报告").click()
    saved = tmp_path / f"report{suffix}.pdf"
    downloading.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")

    # An objection on the record, with a file as evidence.
    page.get_by_role("link", name="提出异议").first.click()
    page.wait_for_url("**/me/objections/new?record_id=*")
    page.get_by_label("异议理由").fill("该笔欠税已于上月全部缴清，附完税证明。")
    evidence = tmp_path / "完税证明.pdf"
    evidence.write_bytes(PDF)
    page.get_by_label("证明材料").set_input_files(str(evidence))
    page.get_by_role("button", name="提交异议").click()
    page.wait_for_url(re.compile(r".*/me/objections/[0-9a-f-]{36}$"))
    assert page.locator("[role=status]").inner_text() == "已提交"
    assert "该笔欠税已于上月全部缴清" in page.content()
    assert page.get_by_role("link", name="文件 1").count() == 1
    shot(page, f"citizen-objection{suffix}")
    # The report now shows the record in dispute.
    page.goto("/me/report")
    assert "异议处理中" in page.content()
    return page


def test_a_citizen_signs_in_reads_the_report_and_objects(
    pages: Pages, runtime: Runtime, world: RightsWorld, tmp_path: Path
) -> None:
    person = world.aw.with_records[0]
    world.government_report(person)  # someone queried the person: shown under "who queried me"
    page = _journey(pages, runtime, world, person, tmp_path, mobile=False, suffix="")
    page.goto("/me")
    assert page.locator("h1").inner_text() == "我的信用"
    assert page.locator("main a[href^='/me/objections/']").count() >= 1  # the open objection
    shot(page, "citizen-home")
    page.goto("/me/queries")
    assert "测试市场监督管理局" in page.content()
    with page.expect_download() as downloading:
        page.get_by_role("link", name="下载证明").first.click()
    proof = tmp_path / "proof.json"
    downloading.value.save_as(proof)
    assert b'"audit_path"' in proof.read_bytes()
    shot(page, "citizen-queries")
    page.goto("/me/grants")
    with runtime.scope() as session:
        bank = organization_service.get(session, world.aw.bank.organization_id)
        assert bank is not None
        bank_code = bank.credit_code
    page.get_by_label("被授权单位的统一社会信用代码").fill(bank_code)
    page.get_by_label("用途").fill("个人住房贷款审批")
    page.get_by_label("业务场景").select_option("loan")
    page.get_by_role("button", name="授权").click()
    page.wait_for_selector("[role=status]")
    assert "测试银行" in page.content()
    page.get_by_label("被授权单位的统一社会信用代码").fill("91420100MA4K000000")
    page.get_by_label("用途").fill("个人住房贷款审批")
    page.get_by_label("业务场景").select_option("loan")
    page.get_by_role("button", name="授权").click()
    page.wait_for_selector("[role=alert]")
    assert page.get_by_label("用途").input_value() == "个人住房贷款审批"  # nothing lost
    shot(page, "citizen-grants")
    page.goto("/me/repairs")
    page.get_by_role("link", name="查看能否修复").first.click()
    page.wait_for_selector("h2:has-text('修复条件')")
    shot(page, "citizen-repairs")

    # The same person's pages in English.
    english = pages.new(lang="en")
    for cookie in page.context.cookies():
        if cookie["name"] == "chengxin_session":
            english.context.add_cookies([cookie])
    english.goto("/me/report")
    assert english.locator("html").get_attribute("lang") == "en"
    assert english.locator("h1").inner_text() == "My credit report"
    assert english.get_by_role("link", name="Download the PDF report").count() == 1
    assert "In dispute" in english.content()
    shot(english, "citizen-report-en")


def test_the_journey_on_a_phone(
    pages: Pages, runtime: Runtime, world: RightsWorld, tmp_path: Path
) -> None:
    person = world.aw.with_records[1]
    page = _journey(pages, runtime, world, person, tmp_path, mobile=True, suffix="-mobile")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1  # nothing wider than the phone (tables scroll inside their frame)
