"""Browser journey across the work console (issue 22): an operator issues an assessment on the
assessment page, opens a task from a department's finding (the form comes pre-filled), a clerk of
that department signs in and reports progress with a file, and the operator sees the report and
downloads the file; the task links back to the finding's cell. Over the supervision fixtures'
month of activity (November 2026), as the assessment pages' own tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from chengxin.runtime import Runtime
from chengxin.security.roles import Role
from tests.supervision.fixtures import seed
from tests.tracking.fixtures import PDF
from tests.web.conftest import Pages, shot
from tests.web.test_work_assessments import PERIOD, _clerk

ASSESSMENTS = "/console/work/assessments"
TASKS = "/console/work/tasks"


def _issue(page: Any) -> str:
    """Issue November's assessment on the assessment page; its address."""
    page.goto(ASSESSMENTS)
    page.locator("#f-kind").select_option("month")
    page.locator("#f-label").fill(PERIOD)
    with page.expect_navigation():
        page.get_by_role("button", name="签发", exact=True).click()
    return str(page.url)


def test_a_finding_becomes_a_task_a_department_reports_on_it(
    pages: Pages, runtime: Runtime, user_for: Callable[..., str], tmp_path: Path
) -> None:
    with runtime.scope() as session:
        seeded = seed(session)
    operator = pages.new(session=user_for(Role.OPERATOR))
    assessment_url = _issue(operator)

    # The tax department's first finding → 立项督办 → the form, pre-filled.
    cell = operator.locator("td.finding[id^='department-tax-']").first
    cell_id = cell.get_attribute("id")
    assert cell_id
    with operator.expect_navigation():
        cell.locator("a.finding-task").click()
    assert operator.locator("h1").inner_text() == "登记督办任务"
    title = operator.locator("#f-title").input_value()
    assert "未达标整改" in title
    assert "税务" in title  # the unit in words
    assert operator.locator("#f-lead option:checked").inner_text() == seeded.tax.name
    assert operator.locator("#f-workdays").input_value() == "10"
    shot(operator, "work-task-new")
    with operator.expect_navigation():
        operator.get_by_role("button", name="登记", exact=True).click()
    assert "已登记督办任务" in operator.locator("[role=status]").inner_text()
    task_url = operator.url
    assert operator.locator(f"dd a[href$='#{cell_id}']").count() == 1  # back to the finding
    shot(operator, "work-task")

    # A clerk of the tax office sees the task in its list and reports with a file.
    clerk = pages.new(session=_clerk(runtime, seeded.tax))
    clerk.goto(TASKS)
    with clerk.expect_navigation():
        clerk.locator("tbody tr", has_text=title).get_by_role("link").click()
    assert clerk.url == task_url
    clerk.locator("#f-text").fill("已核查逾期原因，完成整改方案。")
    clerk.locator("#f-milestone_id").select_option(index=1)
    report = tmp_path / "整改方案.pdf"
    report.write_bytes(PDF)
    clerk.locator("#f-files").set_input_files(str(report))
    with clerk.expect_navigation():
        clerk.get_by_role("button", name="报送", exact=True).click()
    assert "已报送进展" in clerk.locator("[role=status]").inner_text()
    shot(clerk, "work-task-reported")

    # The operator sees the report, the milestone done, and downloads the file.
    operator.goto(task_url)
    assert "已核查逾期原因" in operator.locator("table").last.inner_text()
    assert "已完成" in operator.locator("table").first.inner_text()
    with operator.expect_download() as download:
        operator.get_by_role("link", name="附件 1").click()
    assert Path(download.value.path()).read_bytes() == PDF
    # The assessment page lists the task in the finding's cell.
    operator.goto(assessment_url)
    task_path = task_url[task_url.index(TASKS) :]
    assert operator.locator(f"#{cell_id} a[href='{task_path}']").count() == 1
    phone = pages.new(mobile=True, lang="en", session=user_for(Role.OPERATOR))
    phone.goto(task_url)
    assert phone.locator("h1").inner_text() == title
    assert phone.get_by_role("heading", name="Progress reports").count() == 1
    shot(phone, "work-task-phone-en")
