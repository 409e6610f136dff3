"""Browser journeys of the provider and consumer consoles: a provider uploads a file with bad
rows and downloads them; a consumer runs a check, reads why a measure applies and sends
feedback. Screenshots of the main pages go to test-artifacts/."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from chengxin.db import utcnow
from chengxin.objections import service as objection_service
from chengxin.security.roles import Role
from chengxin.settings import Settings
from tests.checks.fixtures import NOW, build_checks
from tests.helpers import csv_bytes
from tests.ingestion.fixtures import csv_data, tax_row
from tests.lists.fixtures import listed
from tests.objections.fixtures import build_rights
from tests.web.conftest import Pages, shot
from tests.web.test_provider import staff_session


def test_provider_uploads_a_file_with_bad_rows_and_downloads_them(
    pages: Pages, runtime: Any, tmp_path: Path
) -> None:
    rw = build_rights(runtime, tmp_path)
    people = rw.aw.people
    with runtime.scope() as session:  # an overdue objection for the queue's screenshot
        objection_service.file(
            session,
            record_id=rw.record(people[0]).id,
            reason="欠税已于认定前缴清，记录有误",
            evidence=[],
            actor=rw.citizen(people[0]),
            settings=rw.settings,
            now=utcnow() - timedelta(days=40),
        )
    rows = [
        tax_row(people[20], "J-1"),
        tax_row(people[21], "J-2", amount="-5"),
        tax_row(people[22], "J-3", 姓名="冒名者"),
        tax_row(people[23], "J-4"),
    ]
    upload = tmp_path / "税务记录.csv"
    upload.write_bytes(csv_data(rows))
    token = staff_session(runtime, rw.aw.world.tax_org_id, Role.PROVIDER_CLERK)

    page = pages.new(session=token)
    page.goto("/console/provider")
    page.get_by_label("数据文件").set_input_files(str(upload))
    shot(page, "provider-upload")
    page.get_by_role("button", name="上传并校验").click()
    page.wait_for_selector("h1:has-text('报送回执')")
    assert "/console/provider/batches/" in page.url  # htmx followed the redirect, and pushed it
    assert page.locator(".notice").inner_text() == "文件已接收，回执如下"
    assert "J-2" in page.locator("table").first.inner_text()
    shot(page, "provider-receipt")

    with page.expect_download() as rejected:
        page.get_by_role("link", name="下载拒收的行（原格式，附错误原因）").click()
    content = Path(rejected.value.path()).read_text(encoding="utf-8-sig")
    assert rejected.value.suggested_filename.startswith("rejected-")
    assert "J-2" in content
    assert "J-3" in content
    assert "J-1" not in content
    assert "name-mismatch" in content
    assert "姓名" in content
    with page.expect_download() as listed_errors:
        page.get_by_role("link", name="下载错误清单（行号与原因）").click()
    errors = Path(listed_errors.value.path()).read_text(encoding="utf-8-sig")
    assert "\n3,J-2," in errors  # the header is row 1
    assert "\n4,J-3,name,name-mismatch," in errors

    page.goto("/console/provider/objections")
    assert page.locator("tr.overdue").count() == 1
    shot(page, "provider-objections")
    page.goto("/console/provider/quality")
    assert page.locator("svg.chart rect.bar").count() >= 1
    shot(page, "provider-quality")

    phone = pages.new(lang="en", mobile=True, session=token)
    phone.goto("/console/provider/quality")
    assert phone.locator("h1").inner_text() == "Data quality"
    shot(phone, "provider-quality-phone-en")


def test_consumer_runs_a_check_and_sends_feedback(
    pages: Pages, runtime: Any, tmp_path: Path, settings: Settings
) -> None:
    cw = build_checks(runtime, tmp_path, settings)
    person = cw.people[5]
    listed(runtime, cw.sid(person), "black-judgment-defaulter", now=NOW - timedelta(days=1))
    assert cw.licensing.organization_id is not None
    token = staff_session(runtime, cw.licensing.organization_id, Role.CONSUMER_OFFICER)

    page = pages.new(session=token)
    page.goto("/console/consumer")
    page.get_by_label("身份证号码").fill(person.id_number)
    page.get_by_label("姓名").fill(person.name)
    page.get_by_label("业务场景").select_option("administrative_licensing")
    page.get_by_label("核查事由").fill("食品经营许可审查")
    shot(page, "consumer-check")
    page.get_by_role("button", name="核查", exact=True).click()
    page.wait_for_selector("#result-title")
    result = page.locator("#result").inner_text()
    assert person.id_number not in result
    assert person.id_number not in page.url
    assert "P07" in result
    assert "法律依据" in result
    assert page.get_by_label("身份证号码").input_value() == ""  # not kept on the page
    shot(page, "consumer-result")

    feedback = page.locator("form.feedback").first
    feedback.get_by_label("已实施").check()
    feedback.get_by_label("理由").fill("不予许可")
    feedback.get_by_role("button", name="提交反馈").click()
    page.wait_for_selector("h1:has-text('核查登记')")
    assert page.locator(".notice").inner_text() == "反馈已提交"
    assert "不予许可" in page.locator("main").inner_text()

    persons = tmp_path / "persons.csv"
    persons.write_bytes(
        csv_bytes(
            [[person.id_number, person.name], [cw.people[7].id_number, "冒名者"]],
            header=("公民身份号码", "姓名"),
        )
    )
    page.goto("/console/consumer/batch")
    page.get_by_label("人员名单文件").set_input_files(str(persons))
    page.get_by_label("核查事由").fill("食品经营许可审查")
    page.get_by_role("button", name="批量核查").click()
    page.wait_for_selector("#result-title")
    table = page.locator("main table").first.inner_text()
    assert "name-mismatch" in table
    assert "P07" in table
    shot(page, "consumer-batch")

    english = pages.new(lang="en", mobile=True, session=token)
    english.goto("/console/consumer/checks")
    assert english.locator("h1").inner_text() == "Recent checks"
