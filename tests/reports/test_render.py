"""The report's HTML page: sections in Chinese and English, escaping, no external assets."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file

from chengxin.demo.sample_report import sample_report
from chengxin.reports import render
from chengxin.reports.content import RecordMark, ReportAudience
from chengxin.reports.render import UnknownLanguage, render_html

VERIFY_URL = "https://credit.example.gov.cn/verify/CX-20261128-7Q4M9K2T"
REPORTS = Path(render.__file__).parent
SECTIONS = ("summary", "dishonest", "good", "basic", "notes", "verification")


@pytest.fixture(scope="module")
def report():  # type: ignore[no-untyped-def]
    return sample_report()


def test_chinese_page_has_every_section_with_headings_and_table_headers(report) -> None:
    html = render_html(report, verification_code="ABCD2345", verify_url=VERIFY_URL)
    assert '<html lang="zh-Hans">' in html
    for section in (*SECTIONS, "queries", "grants", "objections"):
        assert f'<section id="{section}"' in html or f'<footer id="{section}"' in html
    assert html.count("<h1>") == 1
    assert "个人信用报告（本人版）" in html
    for label in ("失信信息", "守信信息", "法律依据", "认定文书", "公示期", "信用修复", "本人声明"):
        assert label in html
    assert '<th scope="col">' in html
    assert '<th scope="row">' in html
    assert report.masked_id_number in html
    assert "ABCD2345" in html


def test_english_switch_translates_the_page(report) -> None:
    html = render_html(report, lang="en", verification_code="ABCD2345", verify_url=VERIFY_URL)
    assert '<html lang="en">' in html
    labels = (
        "Personal credit report",
        "Dishonest records",
        "Legal basis",
        "Finding document",
        "Credit repair",
        "Queries of your data",
        "Verification code",
        "Page ",
    )
    for label in labels:
        assert label in html
    assert "失信信息" not in html
    assert report.dishonest[0].kind_name_en in html


def test_every_message_has_an_english_translation() -> None:
    keywords = {**DEFAULT_KEYWORDS, "_n": None}
    found = {
        m[1]
        for name in ("render.py", "vocabulary.py")
        for m in extract_from_file("python", REPORTS / name, keywords=keywords)
    }
    found |= {
        m[1]
        for m in extract_from_file(
            "jinja2.ext:babel_extract",
            REPORTS / "templates" / "report.html",
            keywords=keywords,
            options={"extensions": "jinja2.ext.i18n", "trim_blocks": "true"},
        )
    }
    catalog = render._catalog("en")
    assert sorted(found - set(catalog)) == []
    assert sorted(set(catalog) - found) == []  # no stale messages either


def test_record_marks_severity_and_repair_are_labelled(report) -> None:
    html = render_html(report)
    assert "记录标记：" in html
    for mark in (RecordMark.DISPLAYED, RecordMark.IN_DISPUTE, RecordMark.REPAIRED):
        assert f"mark-{mark.value}" in html
        assert render.MARKS[mark] in html
    assert "严重失信" in html or "一般失信" in html or "轻微失信" in html
    assert "谁认定、谁修复" in html


def test_text_from_records_is_escaped(report) -> None:
    record = report.dishonest[0].model_copy(
        update={
            "fields": {"case_summary": "<script>alert(1)</script>"},
            "statements": ['<img src=x onerror="alert(2)">'],
            "provider": "A & B <b>",
        }
    )
    hostile = report.model_copy(update={"dishonest": [record], "purpose": "</style><script>"})
    html = render_html(hostile)
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=" in html
    assert "A &amp; B &lt;b&gt;" in html


def test_no_scripts_and_no_external_assets(report) -> None:
    html = render_html(report, verification_code="ABCD2345", verify_url=VERIFY_URL)
    assert "<script" not in html
    assert not re.search(r"\son[a-z]+=", html)  # no inline event handlers
    assert "<link" not in html
    assert "@import" not in html
    links = re.findall(r'(?:src|href)="([^"]*)"', html)
    assert links
    for link in links:
        assert link.startswith(("?lang=", "#", "data:image/svg+xml;base64,")) or link == VERIFY_URL
    assert not re.search(r"url\(\s*['\"]?(?!data:)", html)


def test_qr_code_carries_the_verify_url_only(report) -> None:
    html = render_html(report, verification_code="ABCD2345", verify_url=VERIFY_URL)
    assert render.qr_data_uri(VERIFY_URL) in html
    assert 'alt="报告核验网址的二维码"' in html


def test_times_are_shown_in_beijing_time(report) -> None:
    moment = datetime(2026, 11, 28, 18, 30, tzinfo=UTC)
    html = render_html(report.model_copy(update={"issued_at": moment}))
    assert "2026-11-29 02:30:00" in html


def test_third_party_report_has_no_subject_sections() -> None:
    html = render_html(sample_report(audience=ReportAudience.THIRD_PARTY))
    assert "个人信用报告（授权查询版）" in html
    for section in ("queries", "grants", "objections"):
        assert f'<section id="{section}"' not in html
    assert "贷款审批" in html or "招聘录用" in html or "租赁" in html or "信用服务" in html


def test_shown_until_is_the_last_day_and_undisplayed_records_say_so(report) -> None:
    record = report.dishonest[0].model_copy(
        update={"display_from_on": date(2026, 1, 1), "display_until_on": date(2027, 1, 1)}
    )
    assert render.last_day_shown(record) == date(2026, 12, 31)
    assert "2026-01-01 至 2026-12-31（含）" in render_html(
        report.model_copy(update={"dishonest": [record]})
    )
    hidden = record.model_copy(update={"display_until_on": record.display_from_on})
    assert "不公示" in render_html(report.model_copy(update={"dishonest": [hidden]}))


def test_irreparable_records_say_so(report) -> None:
    record = report.dishonest[0].model_copy(update={"repairable": False, "marks": []})
    html = render_html(report.model_copy(update={"dishonest": [record]}))
    assert "不可申请信用修复" in html


def test_page_rules_escape_the_report_number(report) -> None:
    css = render.page_css(report.model_copy(update={"number": 'X"}</style>'}), "zh")
    assert "</style>" not in css
    assert '"第 " counter(page) " 页 共 " counter(pages) " 页"' in css
    assert "size: A4" in css


def test_unknown_language_is_refused(report) -> None:
    with pytest.raises(UnknownLanguage) as raised:
        render_html(report, lang="fr")
    assert raised.value.code == "report-language-unknown"


def test_language_switch_links_can_point_elsewhere(report) -> None:
    default = render_html(report)
    assert 'href="?lang=en"' in default
    html = render_html(report, lang_links={"en": "/api/v1/reports/x?lang=en"})
    assert 'href="/api/v1/reports/x?lang=en"' in html
    assert 'href="?lang=zh"' in html


def test_lists_show_every_membership_and_the_subjects_pending_entries(report) -> None:
    [line] = report.memberships
    assert (report.summary.lists, report.summary.black) == ([line.reference], 1)
    html = render_html(report)
    assert '<section id="lists"' in html
    assert f"失信被执行人（{line.reference}）" in html  # the summary names it
    assert "执行法院" in html  # the court list's remedy
    assert "拟列入名单" in html
    assert "（含）" in html  # the last day to object
    english = render_html(report, lang="en")
    assert "Dishonest judgment debtors" in english
    assert "Last day to object" in english
    third = render_html(sample_report(audience=ReportAudience.THIRD_PARTY))
    assert line.reference in third  # published lists are public
    assert "拟列入名单" not in third  # entries on their way: the subject's report only
    assert "未列入任何名单" in render_html(report.model_copy(update={"memberships": []}))
