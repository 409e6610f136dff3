"""What people expect to read (issue 20): the grade scale on the score page and its lines in
words, a hint when a name search finds nothing (exact full names only, by design), the search
box on the portal's home page, service errors worded in the reader's language with their
variable parts, and the vocabularies' words for codes."""

from __future__ import annotations

import re
from typing import Any

from litestar.testing import TestClient

from chengxin.catalog import service as catalog_service
from chengxin.privacy import mask_name
from chengxin.runtime import Runtime
from chengxin.scoring import service as scoring_service
from chengxin.web import labels
from chengxin.web.i18n import translator
from tests.ingestion.fixtures import HEADER, csv_data, tax_row
from tests.objections.fixtures import RightsWorld
from tests.web.test_citizen import signed_in, world  # noqa: F401  # fixtures
from tests.web.test_no_codes import visible_text
from tests.web.test_portal import on_list, person  # noqa: F401  # fixtures
from tests.web.test_provider import clerk, rw, upload  # noqa: F401  # fixtures

Client = TestClient  # type: ignore[type-arg]
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _csrf(client: Client, path: str = "/") -> str:
    client.get(path)
    return client.cookies.get("chengxin_csrf") or ""


# -- the score page ------------------------------------------------------------------------------


def test_the_score_page_shows_the_grade_scale_of_the_active_ruleset(
    signed_in: tuple[Client, Any],  # noqa: F811
    runtime: Runtime,
) -> None:
    client, _ = signed_in
    with runtime.scope() as session:
        rules = scoring_service.active_rules(session)
        kinds = {k.code: k for k in catalog_service.active_document(session)[1].kinds}
    page = client.get("/me/score")
    assert page.status_code == 200
    text = visible_text(page.text)
    assert "等级说明" in text
    assert f"从基础分 {rules.base} 分起算" in text
    top = rules.high
    for low, grade in rules.grades:  # every grade with its band, highest first
        assert re.search(rf"\b{grade}\b.*?{low}–{top}", text, re.DOTALL), (grade, low, top)
        top = low - 1
    for grade, meaning in (("AAA", "诚信优秀"), ("C", "诚信较差"), ("D", "诚信差")):
        assert meaning in text, grade
    assert "您的等级" in text  # the person's own grade is marked in the scale
    # The lines in words: the base, the record's kind and date as its basis, never an id.
    assert "基础分" in text
    assert "失信信息扣分 · " + kinds["tax-arrears"].name_zh in text
    assert UUID.search(text) is None
    assert re.search(kinds["tax-arrears"].name_zh + r" · \d{4}-\d{2}-\d{2}", text)
    client.cookies.set("chengxin_lang", "en")
    english = visible_text(client.get("/me/score").text)
    assert "What the grades mean" in english
    assert "Excellent integrity" in english
    assert "Base score" in english


# -- the query log -------------------------------------------------------------------------------


def test_the_query_log_names_units_and_the_platform_in_words(
    signed_in: tuple[Client, Any],  # noqa: F811
) -> None:
    client, _ = signed_in
    page = client.get("/me/queries")
    assert page.status_code == 200
    text = visible_text(page.text)
    # The sign-in code was sent for a request made before anyone signed in: the platform's act.
    assert "平台（系统） · 发送短信通知" in text
    assert "本人登录" in text
    # Asking for that code was a visitor's act (anyone with her name and number), not ours.
    assert "未登录的访问者 · 申请登录验证码" in text
    assert "平台（系统） · 申请登录验证码" not in text
    for code in ("system:", "public", "citizen", "notifications:message:queue"):
        assert code not in text, code
    assert "日志序号" not in text
    assert '<code class="tag">notifications:message:queue</code>' in page.text  # for support
    client.cookies.set("chengxin_lang", "en")
    assert "Platform (system) · " in visible_text(client.get("/me/queries").text)


# -- the list search -----------------------------------------------------------------------------


def test_a_name_search_that_finds_nothing_says_full_names_only(client: Client) -> None:
    csrf = _csrf(client, "/lists")
    for lang, words in (
        ("zh", ("没有查到公布中的名单信息", "只匹配完整的姓名或单位全称")),
        ("en", ("No published list entry found", "matches only a complete name")),
    ):
        client.cookies.set("chengxin_lang", lang)
        answer = client.post(
            "/lists/search", data={"by": "name", "query": "欧阳不存在", "_csrf_token": csrf}
        )
        assert answer.status_code == 200
        text = visible_text(answer.text)
        for phrase in words:
            assert phrase in text, (lang, phrase)
    client.cookies.set("chengxin_lang", "zh")
    by_number = client.post(
        "/lists/search",
        data={"by": "id_number", "query": "11010519491231002X", "_csrf_token": csrf},
    )
    assert "该号码当前不在任何公布中的名单上" in visible_text(by_number.text)
    assert "只匹配完整的姓名" not in visible_text(by_number.text)


def test_the_home_page_searches_the_published_lists_by_full_name(
    client: Client,
    on_list: Any,  # noqa: F811
    person: Any,  # noqa: F811
) -> None:
    home = client.get("/")
    assert home.status_code == 200
    form = re.search(r'<form method="post" action="/lists/search".*?</form>', home.text, re.DOTALL)
    assert form is not None, "a search box on the home page"
    assert '<input type="hidden" name="by" value="name">' in form.group()
    assert 'name="query"' in form.group()
    # It says what it searches: the published red and black lists, by exact full name.
    assert "红名单和严重失信主体名单" in visible_text(home.text)
    assert "完整的姓名或单位全称" in visible_text(home.text)
    csrf = client.cookies.get("chengxin_csrf") or ""
    found = client.post(
        "/lists/search", data={"by": "name", "query": person.name, "_csrf_token": csrf}
    )
    assert found.status_code == 200
    assert mask_name(person.name) in found.text
    assert person.name not in visible_text(found.text)  # masked results only
    assert "没有查到" not in visible_text(found.text)
    missed = client.post(
        "/lists/search", data={"by": "name", "query": person.name[:-1], "_csrf_token": csrf}
    )  # part of the name: nothing, and the page says why
    assert "只匹配完整的姓名或单位全称" in visible_text(missed.text)
    client.cookies.set("chengxin_lang", "en")
    assert "exact match only" in visible_text(client.get("/").text)


# -- service errors in the reader's language ------------------------------------------------------


def test_an_upload_error_is_worded_with_its_columns_in_both_languages(
    client: Client,
    rw: RightsWorld,  # noqa: F811
) -> None:
    client.cookies.set("chengxin_session", clerk(rw))
    csrf = _csrf(client, "/console/provider")
    data = csv_data([tax_row(rw.aw.people[20], "U-1")], header=(*HEADER, "备注说明"))
    answer = upload(client, csrf, data)
    assert answer.status_code == 303  # the file is taken, read, and refused whole
    receipt = client.get(answer.headers["location"])
    text = visible_text(receipt.text)
    assert "表头含有无法识别的列：备注说明" in text
    assert "unknown column" not in text  # the service's English stays in the tooltip
    assert 'title="the header has unknown column(s): 备注说明"' in receipt.text
    assert ">header-unknown-column</code>" in receipt.text
    client.cookies.set("chengxin_lang", "en")
    english = visible_text(client.get(answer.headers["location"]).text)
    assert "The header has unknown column(s): 备注说明" in english


# -- the vocabularies ----------------------------------------------------------------------------


def test_platform_actors_read_as_the_platform_and_what_it_did() -> None:
    zh, en = translator("zh"), translator("en")
    assert labels.actor_words("system:jobs", zh) == "平台（系统） · 定时任务"
    did = labels.action_words("notifications:message:queue", zh)
    assert labels.actor_words("public", zh, did=did) == "平台（系统） · 发送短信通知"
    # Asking for a sign-in code is a visitor's act (anyone with her name and number), not ours.
    asked = labels.action_words("citizens:sign-in:challenge", zh)
    visitor = labels.actor_words("public", zh, did=asked, action="citizens:sign-in:challenge")
    assert visitor == "未登录的访问者 · 申请登录验证码"
    assert labels.actor_words("public", en, action="citizens:sign-in:fail").startswith("Visitor")
    assert labels.actor_words("system:demo", en) == "Platform (system) · demo data"
    assert labels.actor_words("citizen", zh) == "本人"
    assert labels.actor_words("张三", zh) == "张三"  # a staff account's name as it is
    assert labels.action_words("lists:entry:published", zh) == "名单条目 · 公开"


def test_scoring_rules_and_codes_in_words() -> None:
    zh, en = translator("zh"), translator("en")
    assert labels.score_rule("base", "zh", zh) == "基础分"
    worded = labels.score_rule("dishonest:court-judgment-defaulter@80%", "zh", zh)
    assert worded == "失信信息扣分 · 失信被执行人（按 80% 计）"
    assert labels.score_rule("list:black:black-judgment-defaulter", "en", en).startswith("List · ")
    assert labels.name_of("department", "fire-rescue", "zh") != "fire-rescue"
    assert labels.name_of("role", "legal_representative", "en", en) == "Legal representative"
    assert labels.name_of("kind", "no-such-kind", "zh") == "no-such-kind"  # unknown: as it is


def test_a_batchs_refused_rows_are_counted_by_reason_in_words(
    client: Client,
    rw: RightsWorld,  # noqa: F811
) -> None:
    client.cookies.set("chengxin_session", clerk(rw))
    csrf = _csrf(client, "/console/provider")
    people = rw.aw.people
    rows = [tax_row(people[20], "R-1"), tax_row(people[22], "R-2", 姓名="冒名者")]
    answer = upload(client, csrf, csv_data(rows))
    assert answer.status_code == 303
    for path in (answer.headers["location"], "/console/provider/quality"):
        page = client.get(path)
        text = visible_text(page.text)
        assert "姓名与人口基础信息库不一致" in text, path  # the reason, in words
        assert "name-mismatch" not in text, path  # its code only as a tag for support staff
        assert '<code class="tag">name-mismatch</code>' in page.text, path
        client.cookies.set("chengxin_lang", "en")
        english = visible_text(client.get(path).text)
        assert "the name does not match the population registry" in english, path
        client.cookies.set("chengxin_lang", "zh")
