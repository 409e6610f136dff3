"""The public portal over HTTP: every page in Chinese and English; list search, report
verification and tips through the same services as the API (masked, POST only, rate-limited);
the content editor for operators only, and Markdown that cannot run a script."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from litestar.testing import TestClient

from chengxin.catalog import service as catalog_service
from chengxin.db import utcnow
from chengxin.demo import generator
from chengxin.lists import types as list_types
from chengxin.privacy import mask_id_number
from chengxin.runtime import Runtime
from chengxin.security.actor import system_actor
from chengxin.security.roles import Role
from chengxin.settings import Settings
from tests.helpers import auth
from tests.lists.fixtures import listed

PAGES = [
    "/",
    "/lists",
    "/lists/black-traffic-serious",
    "/pages",
    "/verify",
    "/repair-guide",
    "/tips",
    "/tips/lookup",
]
ENGLISH = {
    "/": "Search the red and black lists",
    "/lists": "Search the lists",
    "/lists/black-traffic-serious": "Exit conditions",
    "/pages": "Exemplars",
    "/verify": "Verification code",
    "/repair-guide": "Who may apply",
    "/tips": "Report dishonest conduct",
    "/tips/lookup": "Follow a tip",
}
CHINESE = {  # the same phrases in the source language
    "/": "查询红黑名单",
    "/lists": "名单查询",
    "/lists/black-traffic-serious": "移出条件",
    "/pages": "诚信典型",
    "/verify": "核验码",
    "/repair-guide": "谁可以申请",
    "/tips": "举报失信行为",
    "/tips/lookup": "查询举报办理进度",
}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "lists_searches_per_client_per_hour": 3,
            "tips_per_client_per_hour": 1,
            "tips_lookups_per_client_per_hour": 3,
            "repair_decide_days": 4,
            "repair_answer_days": 11,
        }
    )


def _csrf(client: TestClient) -> str:  # type: ignore[type-arg]
    client.get("/lists")
    token = client.cookies.get("chengxin_csrf")
    assert token
    return token


def _post(client: TestClient, path: str, **fields: str) -> Any:  # type: ignore[type-arg]
    return client.post(path, data={**fields, "_csrf_token": _csrf(client)}, follow_redirects=False)


@pytest.fixture
def person() -> generator.SyntheticPerson:
    return next(iter(generator.people(1, seed=8128)))


@pytest.fixture
def on_list(runtime: Runtime, citizen_for: Callable[..., Any], person: Any) -> Any:
    """The person, registered, on the traffic black list (published a minute ago)."""
    _, subject_id = citizen_for(person)
    return listed(runtime, subject_id, "black-traffic-serious", now=utcnow() - timedelta(minutes=1))


@pytest.mark.parametrize("path", PAGES)
def test_every_page_in_chinese_and_english(client: TestClient, path: str) -> None:  # type: ignore[type-arg]
    chinese = client.get(path)
    assert chinese.status_code == 200, chinese.text
    assert 'lang="zh-Hans"' in chinese.text
    assert CHINESE[path] in chinese.text
    assert "<script>" not in chinese.text
    client.cookies.set("chengxin_lang", "en")
    english = client.get(path)
    assert english.status_code == 200
    assert '<html lang="en">' in english.text
    assert ENGLISH[path] in english.text


def test_home_shows_live_figures_and_links_everything(
    client: TestClient,  # type: ignore[type-arg]
    on_list: Any,
) -> None:
    page = client.get("/").text
    assert "个人公共信用信息平台" in page
    assert "/schema/swagger" in page
    for link in ["/lists", "/pages", "/verify", "/repair-guide", "/tips"]:
        assert f'href="{link}"' in page
    figures = re.findall(r'<span class="n">(\d+)</span>', page)
    assert figures[:3] == ["1", "0", str(len(list_types.registry()))]
    assert on_list.shown_name in page


def test_a_list_type_shows_its_rules_and_masked_entries(
    client: TestClient,  # type: ignore[type-arg]
    on_list: Any,
    person: Any,
) -> None:
    page = client.get("/lists/black-traffic-serious").text
    assert "认定标准" in page
    assert "移出条件" in page
    assert on_list.reference in page
    assert on_list.shown_name in page
    assert person.id_number not in page
    assert person.name not in page
    assert mask_id_number(person.id_number) == on_list.shown_id
    unknown = client.get("/lists/no-such-list")
    assert unknown.status_code == 404
    assert "not-found" in unknown.text


def test_search_by_id_number_shows_masked_results_only(
    client: TestClient,  # type: ignore[type-arg]
    on_list: Any,
    person: Any,
) -> None:
    found = _post(client, "/lists/search", by="id_number", query=person.id_number)
    assert found.status_code == 200
    results = found.text.split('id="results-title"')[1]
    assert on_list.reference in results
    assert on_list.shown_id in results
    assert person.name not in results
    assert person.id_number not in results  # shown only in the form the visitor typed it in
    by_name = _post(client, "/lists/search", by="name", query=person.name)
    named = by_name.text.split('id="results-title"')[1]
    assert on_list.reference in named
    assert on_list.shown_name in named
    assert person.id_number not in by_name.text
    assert person.name not in named


def test_a_bad_search_keeps_the_input_and_the_limit_is_shown_kindly(
    client: TestClient,  # type: ignore[type-arg]
) -> None:
    bad = _post(client, "/lists/search", by="id_number", query="42010119900101001")
    assert bad.status_code == 422
    assert 'role="alert"' in bad.text
    assert 'value="42010119900101001"' in bad.text
    _post(client, "/lists/search", by="credit_code", query="91420100MA4KXXXX0X")
    _post(client, "/lists/search", by="name", query="无此人")
    limited = _post(client, "/lists/search", by="name", query="无此人")
    assert limited.status_code == 429
    assert "list-search-rate-limited" in limited.text
    assert "操作过于频繁" in limited.text
    assert "分钟后再试" in limited.text


def test_search_needs_the_csrf_token(client: TestClient) -> None:  # type: ignore[type-arg]
    client.get("/lists")
    refused = client.post("/lists/search", data={"by": "name", "query": "x"})
    assert refused.status_code == 403
    assert ">forbidden</code>" in refused.text
    assert "CSRF" in refused.text


@pytest.fixture
def report(runtime: Runtime, client: TestClient, citizen_for: Callable[..., Any]) -> Any:  # type: ignore[type-arg]
    """A report the person had issued to themselves: its number and verification code."""
    with runtime.scope() as session:
        catalog_service.ensure_active(session, actor=system_actor("test"))
    token, _ = citizen_for()
    issued = client.post("/api/v1/me/report", json={}, headers=auth(token))
    assert issued.status_code == 200, issued.text
    client.cookies.clear()
    return issued.json()["report"]["number"], issued.json()["verification_code"]


def test_a_report_is_verified_by_number_and_code(
    client: TestClient,  # type: ignore[type-arg]
    report: tuple[str, str],
) -> None:
    number, code = report
    assert f'value="{number}"' in client.get(f"/reports/verify?number={number}").text
    genuine = _post(client, "/verify", number=number.lower(), code=code)
    assert genuine.status_code == 200
    assert "真实有效" in genuine.text
    assert "签名有效" in genuine.text
    assert "本人查询" in genuine.text
    wrong = _post(client, "/verify", number=number, code="AAAAAAAA" if code != "AAAAAAAA" else "B")
    assert wrong.status_code == 404
    assert "未通过核验" in wrong.text
    assert "report-not-verified" in wrong.text
    assert f'value="{number}"' in wrong.text  # the number is kept, the code is typed again
    empty = _post(client, "/verify", number="", code="")
    assert empty.status_code == 422
    assert ">invalid-input</code>" in empty.text
    assert "真实有效" not in empty.text


def test_repair_guide_reads_the_settings_and_the_catalog(
    client: TestClient,  # type: ignore[type-arg]
    runtime: Runtime,
) -> None:
    without = client.get("/repair-guide").text
    assert "信息目录尚未启用" in without
    assert "4 个工作日内作出决定" in without
    assert "11 个工作日内答复" in without
    assert 'href="/me/repairs"' in without
    with runtime.scope() as session:
        catalog_service.ensure_active(session, actor=system_actor("test"))
        _, document = catalog_service.active_document(session)
        serious = document.display_defaults.serious
    page = client.get("/repair-guide").text
    assert f"{serious.min_months} 个月" in page
    assert "各类失信信息" in page


def test_a_tip_is_received_once_and_followed_with_its_secret(
    client: TestClient,  # type: ignore[type-arg]
    user_for: Callable[..., str],
) -> None:
    user_for(Role.OPERATOR)  # the platform's operator receives tips about "other"
    fields = {
        "domain": "other",
        "about": "某超市",
        "what": "长期销售过期食品，多次被投诉。",
        "region_code": "420100",
    }
    short = _post(client, "/tips", **(fields | {"what": "太短"}))
    assert short.status_code == 422
    assert "某超市" in short.text  # nothing typed is lost
    sent = _post(client, "/tips", **fields)
    assert sent.status_code == 201, sent.text
    reference = re.search(r"<dt>查询编号</dt><dd><code[^>]*>([^<]+)</code>", sent.text)
    secret = re.search(r"<dt>查询密码</dt><dd><code[^>]*>([^<]+)</code>", sent.text)
    assert reference
    assert secret
    state = _post(client, "/tips/lookup", reference=reference.group(1), secret=secret.group(1))
    assert state.status_code == 200
    assert "办理状态" in state.text
    assert secret.group(1) not in state.text
    wrong = _post(client, "/tips/lookup", reference=reference.group(1), secret="x" * 20)
    assert wrong.status_code == 404
    assert "tip-not-found" in wrong.text
    limited = _post(client, "/tips", **(fields | {"what": "另一件事：长期无证经营。"}))
    assert limited.status_code == 429
    assert "tip-rate-limited" in limited.text
    assert "操作过于频繁" in limited.text


def test_the_content_editor_is_for_operators_only(
    client: TestClient,  # type: ignore[type-arg]
    user_for: Callable[..., str],
) -> None:
    anonymous = client.get("/console/operator/content", follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/signin?next=")
    client.cookies.set("chengxin_session", user_for(Role.AUDITOR))
    refused = client.get("/console/operator/content")
    assert refused.status_code == 403
    assert ">forbidden</code>" in refused.text
    assert "content:page:manage" in refused.text


def test_an_operator_writes_previews_and_publishes_a_page(
    client: TestClient,  # type: ignore[type-arg]
    user_for: Callable[..., str],
) -> None:
    client.cookies.set("chengxin_session", user_for(Role.OPERATOR))
    listing = client.get("/console/operator/content")
    assert listing.status_code == 200
    assert "内容管理" in listing.text
    assert "暂无内容。" in listing.text
    body = "## 事迹\n\n张* 拾金不昧。\n\n<script>alert(1)</script>"
    fields = {
        "slug": "good-neighbour",
        "kind": "exemplar",
        "title": "好邻居",
        "body_markdown": body,
    }
    preview = _post(client, "/console/operator/content/new", **fields, action="preview")
    assert preview.status_code == 200
    assert "<h2>事迹</h2>" in preview.text
    assert "<script>alert(1)</script>" not in preview.text
    bad = _post(client, "/console/operator/content/new", **(fields | {"slug": "Bad Slug"}))
    assert bad.status_code == 422
    assert "content-input-invalid" in bad.text
    assert "好邻居" in bad.text
    created = _post(client, "/console/operator/content/new", **fields)
    assert created.status_code == 303
    edit_path = created.headers["location"]
    hidden = client.get("/pages/good-neighbour")
    assert hidden.status_code == 404  # not published yet
    assert ">content-page-not-found</code>" in hidden.text
    assert "拾金不昧" not in hidden.text
    published = _post(client, f"{edit_path}/publish")
    assert published.status_code == 303
    page = client.get("/pages/good-neighbour")
    assert page.status_code == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "<script>alert(1)" not in page.text
    assert "好邻居" in client.get("/pages").text
    stale = _post(client, edit_path, **(fields | {"title": "旧版本上的修改", "version": "1"}))
    assert stale.status_code == 409
    assert "content-version-conflict" in stale.text
    editor = client.get(edit_path).text
    assert "修改记录" in editor
    unpublished = _post(client, f"{edit_path}/unpublish")
    assert unpublished.status_code == 303
    gone = client.get("/pages/good-neighbour")
    assert gone.status_code == 404
    assert ">content-page-not-found</code>" in gone.text
    assert "好邻居" in client.get("/console/operator/content").text  # kept for the editor
