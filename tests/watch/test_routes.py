"""Watch over HTTP: an organization's system subscribes under a grant, lists, reads deliveries and
cancels; no grant is a 403 problem; identifiers travel only in bodies."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from litestar.testing import TestClient

from chengxin.db import utcnow
from chengxin.organizations import service as organization_service
from chengxin.security.actor import system_actor
from chengxin.security.permissions import Permission
from chengxin.watch import service as watch_service
from tests.helpers import auth
from tests.watch.fixtures import WatchWorld, build_watch


@pytest.fixture
def ww(runtime: Any, tmp_path: Any) -> WatchWorld:
    return build_watch(runtime, tmp_path)


def _token(ww: WatchWorld, *permissions: Permission) -> str:
    with ww.runtime.scope() as session:
        return organization_service.issue_token(
            session,
            ww.bank.organization_id,
            name="watch",
            permissions=list(permissions),
            valid_days=1,
            actor=system_actor("test"),
        ).secret


def test_subscribe_list_deliveries_cancel(client: TestClient, ww: WatchWorld) -> None:  # type: ignore[type-arg]
    person = ww.aw.with_records[1]
    token = _token(ww, Permission.WATCH_SUBSCRIPTION_MANAGE)
    body = {"id_number": person.id_number, "name": person.name, "channel": "outbox"}

    refused = client.post(
        "/api/v1/watch/subscriptions",
        json={**body, "grant_id": str(uuid.uuid4())},
        headers=auth(token),
    )
    assert refused.status_code == 403
    assert refused.json()["type"].endswith("/watch-grant-invalid")
    assert person.id_number not in refused.text

    grant_id = ww.grant(person)
    created = client.post(
        "/api/v1/watch/subscriptions", json={**body, "grant_id": str(grant_id)}, headers=auth(token)
    )
    assert created.status_code == 201, created.text
    sub = created.json()
    assert sub["status"] == "active"
    assert "*" in sub["masked_id_number"]
    assert person.id_number not in created.text

    webhook = client.post(
        "/api/v1/watch/subscriptions",
        json={
            **body,
            "grant_id": str(grant_id),
            "channel": "webhook",
            "webhook_url": "http://127.0.0.1:9/hook",
        },
        headers=auth(token),
    )
    assert webhook.status_code == 422  # private addresses are refused outside test settings
    assert webhook.json()["type"].endswith("/watch-webhook-refused")

    ww.push(person, "S1", amount="3000")
    with ww.runtime.scope() as session:
        done = watch_service.deliver(
            session, settings=ww.runtime.settings, actor=system_actor("test"), now=utcnow()
        )
    assert done.delivered == 1
    listed = client.get("/api/v1/watch/subscriptions", headers=auth(token)).json()
    assert [s["id"] for s in listed] == [sub["id"]]
    deliveries = client.get(
        f"/api/v1/watch/subscriptions/{sub['id']}/deliveries", headers=auth(token)
    ).json()
    assert [(d["status"], d["changes"]) for d in deliveries] == [("delivered", 1)]

    ended = client.delete(f"/api/v1/watch/subscriptions/{sub['id']}", headers=auth(token))
    assert ended.status_code == 200
    assert (ended.json()["status"], ended.json()["end_reason"]) == ("ended", "cancelled")
    assert client.get("/api/v1/watch/subscriptions", headers=auth(token)).json() == []


def test_watch_needs_its_permission(client: TestClient, ww: WatchWorld) -> None:  # type: ignore[type-arg]
    assert client.get("/api/v1/watch/subscriptions").status_code == 401
    token = _token(ww, Permission.ACCESS_QUERY_SUBMIT)
    assert client.get("/api/v1/watch/subscriptions", headers=auth(token)).status_code == 403
    other = _token(ww, Permission.WATCH_SUBSCRIPTION_MANAGE)
    missing = client.delete(f"/api/v1/watch/subscriptions/{uuid.uuid4()}", headers=auth(other))
    assert missing.status_code == 404
