"""The sign-in countdowns in a real browser (issue 20): after a code is sent the "new code" link
waits out the resend interval; asked again too soon, the page says how long to wait and counts
it down with the "get a code" button held until then."""

from __future__ import annotations

import re
import uuid
from typing import Any

from chengxin.identity import service as identity_service
from chengxin.runtime import Runtime
from chengxin.security.actor import system_actor
from tests.helpers import people
from tests.web.conftest import Pages, shot

CLOCK = re.compile(r"\d+:\d\d")


def _ask(page: Any, person: Any) -> None:
    page.goto("/me/signin")
    page.get_by_label("公民身份号码").fill(person.id_number)
    page.get_by_label("姓名").fill(person.name)
    page.get_by_role("button", name="获取验证码").click()


def test_the_resend_link_and_the_limit_count_down(pages: Pages, runtime: Runtime) -> None:
    (person,) = people(1, seed=uuid.uuid4().int % 2**31)
    with runtime.scope() as s:
        prepared = identity_service.prepare_person(person.id_number, person.name, person.phone)
        identity_service.register(s, prepared, actor=system_actor("test"))
    page = pages.new()
    _ask(page, person)
    page.wait_for_selector("h1:has-text('输入验证码')")
    timer = page.locator("[role=timer]")
    timer.wait_for(state="visible")
    assert CLOCK.search(timer.inner_text()), timer.inner_text()
    assert "后可重新获取验证码" in timer.inner_text()
    assert page.locator("#resend").get_attribute("aria-disabled") == "true"

    _ask(page, person)  # too soon: the same requester within the resend interval
    page.wait_for_selector("text=获取验证码过于频繁")
    timer = page.locator("[role=timer]")
    timer.wait_for(state="visible")
    first = timer.inner_text()
    assert first.startswith("还需等待 "), first
    assert page.get_by_role("button", name="获取验证码").is_disabled()
    shot(page, "citizen-signin-wait")
    page.wait_for_function(
        "(before) => document.querySelector('[role=timer]').textContent !== before", arg=first
    )
    assert CLOCK.search(timer.inner_text())
