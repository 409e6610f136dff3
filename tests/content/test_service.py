"""Content pages: create, edit, publish and unpublish — each a revision and an audit entry;
Markdown comes out without raw HTML or dangerous links; stale and bad input is refused."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from chengxin.audit.models import AuditEntry
from chengxin.content import service as content_service
from chengxin.content.errors import (
    ContentInputInvalid,
    ContentPageNotFound,
    ContentSlugTaken,
    ContentVersionConflict,
)
from chengxin.content.models import ContentKind
from chengxin.security.actor import system_actor

EDITOR = system_actor("content-test")


def _input(**over: str) -> content_service.PageInput:
    values = {
        "slug": "good-neighbour",
        "kind": "exemplar",
        "title": "诚实守信的好邻居",
        "body_markdown": "## 事迹\n\n张* 拾金不昧。",
    } | over
    return content_service.PageInput(**values)


def _actions(session: Any, page_id: Any) -> list[str]:
    rows = session.execute(
        select(AuditEntry.action)
        .where(AuditEntry.object_type == "content_page", AuditEntry.object_id == str(page_id))
        .order_by(AuditEntry.seq)
    ).scalars()
    return list(rows)


def test_every_change_is_a_revision_and_an_audit_entry(session: Any) -> None:
    page = content_service.create(session, _input(), actor=EDITOR)
    assert page.published_at is None
    assert page.version == 1
    with pytest.raises(ContentPageNotFound):
        content_service.published_or_raise(session, "good-neighbour")
    content_service.publish(session, page.id, actor=EDITOR)
    assert content_service.published_or_raise(session, "good-neighbour").id == page.id
    content_service.edit(
        session, page.id, _input(title="好邻居张*"), actor=EDITOR, expected_version=2
    )
    content_service.unpublish(session, page.id, actor=EDITOR)
    # Publishing twice or an edit changing nothing adds nothing.
    content_service.unpublish(session, page.id, actor=EDITOR)
    content_service.edit(session, page.id, _input(title="好邻居张*"), actor=EDITOR)
    revisions = content_service.revisions(session, page.id)
    assert [r.action for r in revisions] == ["unpublished", "edited", "published", "created"]
    assert [r.version for r in revisions] == [4, 3, 2, 1]
    assert revisions[1].title == "好邻居张*"
    assert revisions[2].published_at is not None
    assert _actions(session, page.id) == [
        "content:page:created",
        "content:page:published",
        "content:page:edited",
        "content:page:unpublished",
    ]
    assert page.updated_by == EDITOR.name
    feed = content_service.changes(session)
    assert [r.seq for r in feed] == sorted(r.seq for r in feed)


def test_a_stale_edit_is_refused(session: Any) -> None:
    page = content_service.create(session, _input(), actor=EDITOR)
    content_service.edit(
        session, page.id, _input(title="第二版标题"), actor=EDITOR, expected_version=1
    )
    with pytest.raises(ContentVersionConflict):
        content_service.edit(
            session, page.id, _input(title="第三版标题"), actor=EDITOR, expected_version=1
        )


def test_bad_input_and_taken_addresses_are_refused(session: Any) -> None:
    content_service.create(session, _input(), actor=EDITOR)
    with pytest.raises(ContentSlugTaken):
        content_service.create(session, _input(title="另一页"), actor=EDITOR)
    for bad in [
        {"slug": "Has Space"},
        {"slug": "-x"},
        {"kind": "gossip"},
        {"title": "x"},
        {"body_markdown": "   "},
    ]:
        with pytest.raises(ContentInputInvalid):
            content_service.create(session, _input(**({"slug": "other"} | bad)), actor=EDITOR)


def test_published_pages_by_kind_newest_first(session: Any) -> None:
    a = content_service.create(session, _input(slug="a"), actor=EDITOR)
    b = content_service.create(session, _input(slug="b", kind="policy"), actor=EDITOR)
    content_service.create(session, _input(slug="c"), actor=EDITOR)
    content_service.publish(session, a.id, actor=EDITOR)
    content_service.publish(session, b.id, actor=EDITOR)
    assert [p.slug for p in content_service.published(session, kind=ContentKind.POLICY)] == ["b"]
    assert {p.slug for p in content_service.published(session)} == {"a", "b"}
    assert content_service.count_published(session) == 2


def test_markdown_is_rendered_without_raw_html_or_dangerous_links() -> None:
    html = content_service.render(
        "# 标题\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n"
        "[坏](javascript:alert(1)) [数据](data:text/html,x) [外](https://www.gov.cn/) "
        "[内](/lists) [协议相对](//evil.example/x)\n\n![图](https://evil.example/a.png)"
    )
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "<img" not in html
    assert 'href="javascript:' not in html
    assert 'href="data:' not in html
    assert 'href="//evil' not in html
    assert '<a href="https://www.gov.cn/">外</a>' in html
    assert '<a href="/lists">内</a>' in html
    assert "<h1>标题</h1>" in html
