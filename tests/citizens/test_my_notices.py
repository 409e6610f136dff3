"""/api/v1/me/notices (issue 20): the signed-in person's own messages, newest first, a page at a
time; another person's messages and sign-in codes never."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta

from litestar.testing import TestClient

from chengxin.db import utcnow
from chengxin.notifications import service as notifications_service
from chengxin.runtime import Runtime
from chengxin.security.permissions import Permission
from tests.helpers import auth, people


def _notify(runtime: Runtime, subject_id: uuid.UUID, reference: str, minutes: int) -> None:
    with runtime.scope() as s:
        notifications_service.notify(
            s,
            subject_id=subject_id,
            template="objection-decided",
            params={"reference": reference},
            now=utcnow() + timedelta(minutes=minutes),
        )


def test_my_notices_are_mine_only_newest_first_and_paged(
    client: TestClient,  # type: ignore[type-arg]
    runtime: Runtime,
    citizen_for: Callable[..., tuple[str, uuid.UUID]],
    token_for: Callable[..., str],
) -> None:
    mine, me = citizen_for(people(1, seed=401)[0])
    other, someone = citizen_for(people(1, seed=402)[0])
    for i in range(3):
        _notify(runtime, me, f"YY-MINE-{i}", minutes=i + 1)
    _notify(runtime, someone, "YY-OTHER", minutes=1)

    page = client.get("/api/v1/me/notices", headers=auth(mine))
    assert page.status_code == 200, page.text
    body = page.json()
    texts = [item["text"] for item in body["items"]]
    assert [t.split("编号")[1][:9] for t in texts] == ["YY-MINE-2", "YY-MINE-1", "YY-MINE-0"]
    assert all("YY-OTHER" not in t for t in texts)
    assert all("验证码" not in t for t in texts)  # her sign-in code is left out
    assert {item["template"] for item in body["items"]} == {"objection-decided"}
    assert body["next_offset"] is None

    first = client.get("/api/v1/me/notices?limit=2", headers=auth(mine)).json()
    assert len(first["items"]) == 2
    assert first["next_offset"] == 2
    rest = client.get("/api/v1/me/notices?limit=2&offset=2", headers=auth(mine)).json()
    assert [i["text"] for i in rest["items"]] == texts[2:]
    assert rest["next_offset"] is None

    theirs = client.get("/api/v1/me/notices", headers=auth(other)).json()
    assert ["YY-OTHER" in i["text"] for i in theirs["items"]] == [True]

    assert client.get("/api/v1/me/notices").status_code == 401
    staff = token_for(Permission.NOTIFICATIONS_NOTICE_READ)
    assert client.get("/api/v1/me/notices", headers=auth(staff)).status_code == 403
    assert client.get("/api/v1/me/notices?limit=0", headers=auth(mine)).status_code == 422
