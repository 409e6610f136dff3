"""How long to wait after the sign-in code limit (issue 20): the page says it in words and as a
time (no script needed), with Retry-After; the code page says how often a code may be asked for;
both carry the countdown countdown.js runs."""

from __future__ import annotations

import re
import uuid
from typing import Any

from litestar.testing import TestClient

from chengxin.identity import service as identity_service
from chengxin.runtime import Runtime
from chengxin.security.actor import system_actor
from tests.helpers import people


def _register(runtime: Runtime, seed: int) -> Any:
    (person,) = people(1, seed=seed)
    with runtime.scope() as s:
        prepared = identity_service.prepare_person(person.id_number, person.name, person.phone)
        identity_service.register(s, prepared, actor=system_actor("test"))
    return person


def _ask(client: TestClient, person: Any) -> Any:  # type: ignore[type-arg]
    client.get("/me/signin")
    token = client.cookies.get("chengxin_csrf")
    return client.post(
        "/me/signin",
        data={"id_number": person.id_number, "name": person.name, "_csrf_token": token},
    )


def test_the_limit_says_how_long_to_wait_and_until_when(
    client: TestClient,  # type: ignore[type-arg]
    runtime: Runtime,
) -> None:
    person = _register(runtime, seed=uuid.uuid4().int % 2**31)
    first = _ask(client, person)
    assert first.status_code == 200, first.text
    resend = runtime.settings.citizen_resend_seconds
    assert 'id="resend"' in first.text
    assert f'data-countdown="{resend}"' in first.text
    assert 'data-holds="resend"' in first.text
    assert "/static/countdown.js" in first.text
    assert "可获取一次" in first.text  # said in words, without script

    again = _ask(client, person)
    assert again.status_code == 429
    assert "too-many-codes" in again.text
    seconds = int(again.headers["retry-after"])
    assert 0 < seconds <= resend
    assert re.search(r"请在 (\d+ 分 \d+ 秒|\d+ 分钟|\d+ 秒)后再试（北京时间 <time", again.text)
    assert f'data-countdown="{seconds}"' in again.text
    assert 'data-holds="get-code"' in again.text
    assert 'id="get-code"' in again.text
    assert f'value="{person.id_number}"' in again.text  # the form keeps its values

    client.cookies.set("chengxin_lang", "en")
    english = _ask(client, person)
    assert english.status_code == 429
    assert "Try again in" in english.text
    assert "Beijing time" in english.text


def test_the_countdown_script_is_served(client: TestClient) -> None:  # type: ignore[type-arg]
    script = client.get("/static/countdown.js")
    assert script.status_code == 200
    assert "data-countdown" in script.text
