"""Browser journeys of the operator console's administration: an operator publishes a list entry
(refused while the objection window runs, published once it has passed, then public), and the
main administration pages as a platform administrator sees them, in Chinese, English and on a
phone."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from chengxin.access.models import Query, QueryStatus
from chengxin.catalog import service as catalog_service
from chengxin.db import utcnow
from chengxin.identity import resolve as identity_resolve
from chengxin.lists import public as public_lists
from chengxin.lists import service as list_service
from chengxin.runtime import Runtime
from chengxin.security.actor import system_actor
from chengxin.security.roles import Role
from tests.ingestion.fixtures import World, _kind, build_world, catalog_document
from tests.web.conftest import Pages, shot
from tests.web.test_operator_admin import _org, _window_passes

SYSTEM = system_actor("test")
CONSOLE = "/console/operator"


@pytest.fixture
def world(runtime: Runtime) -> World:
    return build_world(runtime, n_people=4)


def _notified(world: World, person: Any) -> tuple[uuid.UUID, str]:
    """An entry proposed on a finding document and notified: its objection window runs."""
    with world.runtime.scope() as session:
        subject_id = identity_resolve.subject_of(session, person.id_number, person.name)
        entry = list_service.propose(
            session,
            list_service.Proposal(
                list_type="black-judgment-defaulter",
                reason="有履行能力而拒不履行生效判决",
                subject_id=subject_id,
                document_no="（2026）鄂0102执456号",
            ),
            actor=SYSTEM,
        )
        list_service.notify(session, entry.id, actor=SYSTEM, settings=world.runtime.settings)
        return entry.id, entry.reference


def _accept_confirms(page: Any) -> None:
    page.on("dialog", lambda dialog: dialog.accept())


def test_an_operator_publishes_a_list_entry(
    pages: Pages, world: World, user_for: Callable[..., str]
) -> None:
    waiting_id, waiting_ref = _notified(world, world.people[0])
    ready_id, ready_ref = _notified(world, world.people[1])
    _window_passes(world.runtime, ready_id)
    page = pages.new(session=user_for(Role.OPERATOR))
    _accept_confirms(page)
    page.goto(f"{CONSOLE}/lists")
    assert page.locator("h1").inner_text() == "名单发布"
    assert page.get_by_text("可公布").count() == 1
    assert page.get_by_text("异议期内").count() >= 1
    shot(page, "operator-lists")

    # While the window runs, the service refuses; the page says so with the stable code.
    page.get_by_role("link", name=waiting_ref).click()
    page.get_by_role("button", name="公布").click()
    page.wait_for_selector("[role=alert]")
    assert "list-objection-window-open" in page.locator("[role=alert]").inner_text()

    page.goto(f"{CONSOLE}/lists")
    page.get_by_role("link", name=ready_ref).click()
    page.get_by_role("button", name="公布").click()
    page.wait_for_selector("p.notice")
    assert page.locator("p.notice").inner_text() == "已公布"
    history = page.locator("table").last.inner_text()
    assert "已公布" in history
    assert "移出名单" in page.locator("main").inner_text()  # the next act: exit
    shot(page, "operator-list-entry")

    # Public now: through the public lists service and the public API the portal reads.
    with world.runtime.scope() as session:
        published = public_lists.entries(session, list_type="black-judgment-defaulter")
        assert [e.reference for e in published.items] == [ready_ref]
    answer = page.request.get("/api/v1/public/lists/entries?list_type=black-judgment-defaulter")
    assert answer.ok
    body = answer.json()
    assert [e["reference"] for e in body["items"]] == [ready_ref]
    assert world.people[1].id_number not in json.dumps(body, ensure_ascii=False)
    assert waiting_id != ready_id


def test_administration_pages_in_the_browser(
    pages: Pages, world: World, user_for: Callable[..., str]
) -> None:
    document = catalog_document("2026.2")
    document["kinds"] = [k for k in document["kinds"] if k["code"] != "exam-cheating"]
    document["kinds"].append(_kind("tax-credit-a", "good", fields=[]))
    with world.runtime.scope() as session:
        catalog_service.load(session, document, actor=SYSTEM, activate=False)
    org_id = _org(world.runtime)
    with world.runtime.scope() as session:
        session.add(
            Query(
                organization_id=org_id,
                actor_kind="token",
                actor_id="t",
                actor_name="测试使用单位/system",
                scene="awards",
                purpose="评选省级道德模范前的核查",
                grant_id=None,
                kinds=["tax-arrears"],
                subject_count=60,
                status=QueryStatus.PENDING_REVIEW.value,
                review_reasons=["bulk"],
                created_at=utcnow(),
            )
        )
    admin = user_for(Role.PLATFORM_ADMIN)
    page = pages.new(session=admin)
    _accept_confirms(page)
    page.goto(f"{CONSOLE}/catalog")
    assert page.get_by_text("已载入未生效").count() == 1
    shot(page, "operator-catalog")
    page.get_by_role("link", name="2026.2").click()
    assert "tax-credit-a" in page.locator("main").inner_text()
    shot(page, "operator-catalog-diff")
    page.get_by_role("button", name="确认生效").click()
    page.wait_for_selector("p.notice")
    assert page.get_by_role("button", name="确认生效").count() == 0

    page.goto(f"{CONSOLE}/organizations")
    shot(page, "operator-organizations")
    page.get_by_role("link", name="测试使用单位").click()
    page.locator("summary", has_text="签发令牌").click()
    page.get_by_label("用途（调用系统名称）").fill("审批系统")
    page.get_by_label("access:query:submit").check()
    page.get_by_role("button", name="签发").click()
    secret = page.locator("code.secret").inner_text()
    assert secret.startswith("cxt_")
    shot(page, "operator-organization")
    page.reload()
    assert secret not in page.content()

    page.goto(f"{CONSOLE}/queries")
    assert "评选省级道德模范前的核查" in page.locator("main").inner_text()
    shot(page, "operator-queries")
    page.get_by_label("决定理由").fill("已报备")
    page.get_by_role("button", name="放行").click()
    page.wait_for_selector("p.notice")
    assert page.locator("p.notice").inner_text() == "已放行"

    english = pages.new(lang="en", session=admin)
    english.goto(f"{CONSOLE}/organizations/{org_id}")
    assert english.locator("h2#tokens-h").inner_text() == "API tokens"
    phone = pages.new(mobile=True, session=admin)
    phone.goto(f"{CONSOLE}/lists?status=published")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1, width
    shot(phone, "operator-lists-phone")
