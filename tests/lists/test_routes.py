"""The lists over HTTP: staff lifecycle routes, the public types, list and search (masked,
published and current only), the person's own entries, permissions and problem codes."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import update

from chengxin.db import utcnow
from chengxin.lists.models import ListEntry
from chengxin.organizations.models import OrganizationKind
from chengxin.security.roles import Role
from tests.helpers import auth
from tests.ingestion.fixtures import World, build_world

BASE = "/api/v1/lists/entries"
PUBLIC = "/api/v1/public/lists"


@pytest.fixture
def world(runtime: Any) -> World:
    return build_world(runtime, n_people=6)


@pytest.fixture
def operator(user_for: Callable[..., str]) -> dict[str, str]:
    return auth(user_for(Role.OPERATOR, Role.PROVIDER_CLERK))


def _propose(client: TestClient, headers: dict[str, str], person: Any, **over: Any) -> Any:  # type: ignore[type-arg]
    body = {
        "list_type": "black-judgment-defaulter",
        "reason": "有履行能力而拒不履行生效判决",
        "id_number": person.id_number,
        "name": person.name,
        "document_no": "（2026）鄂0102执123号",
        **over,
    }
    return client.post(f"{BASE}/", json=body, headers=headers)


def _window_passes(world: World, entry_id: str) -> None:
    """Time passes beyond the objection window (the window itself is tested in the service)."""
    with world.runtime.scope() as session:
        session.execute(
            update(ListEntry)
            .where(ListEntry.id == __import__("uuid").UUID(entry_id))
            .values(objection_due_at=utcnow() - timedelta(seconds=1))
        )


def _published(client: TestClient, world: World, headers: dict[str, str], person: Any) -> Any:  # type: ignore[type-arg]
    created = _propose(client, headers, person)
    assert created.status_code == 201, created.text
    entry_id = created.json()["id"]
    assert client.post(f"{BASE}/{entry_id}/notify", headers=headers).status_code == 200
    _window_passes(world, entry_id)
    published = client.post(f"{BASE}/{entry_id}/publish", headers=headers)
    assert published.status_code == 200, published.text
    return published.json()


def test_public_types_carry_basis_term_exits_and_remedies(client: TestClient) -> None:  # type: ignore[type-arg]
    response = client.get(f"{PUBLIC}/types")
    assert response.status_code == 200
    types = {t["code"]: t for t in response.json()}
    assert len(types) >= 15
    court = types["black-judgment-defaulter"]
    assert court["term_years"] == 2
    assert court["basis"][0]["article"]
    assert court["exit_conditions"]
    assert court["remedies"]
    assert court["auto_kinds"] == ["court-judgment-defaulter"]


def test_full_lifecycle_over_http_with_history(
    client: TestClient,
    world: World,
    operator: dict[str, str],  # type: ignore[type-arg]
) -> None:
    person = world.people[0]
    created = _propose(client, operator, person)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["status"] == "proposed"
    assert body["reason"] == "有履行能力而拒不履行生效判决"
    assert person.id_number not in created.text
    entry_id = body["id"]
    notified = client.post(f"{BASE}/{entry_id}/notify", headers=operator)
    assert notified.json()["status"] == "notified"
    early = client.post(f"{BASE}/{entry_id}/publish", headers=operator)
    assert early.status_code == 409
    assert early.json()["type"].endswith("/list-objection-window-open")
    _window_passes(world, entry_id)
    assert client.post(f"{BASE}/{entry_id}/publish", headers=operator).json()["status"] == (
        "published"
    )
    out = client.post(
        f"{BASE}/{entry_id}/exit",
        headers=operator,
        json={"reason": "performed", "note": "已履行全部义务，法院删除"},
    )
    assert out.status_code == 200, out.text
    detail = client.get(f"{BASE}/{entry_id}", headers=operator).json()
    assert [h["step"] for h in detail["history"]] == ["proposed", "notified", "published", "exited"]
    assert detail["exit_reason"] == "performed"
    assert detail["exit_note"] == "已履行全部义务，法院删除"
    page = client.get(f"{BASE}/", params={"status": "exited"}, headers=operator).json()
    assert [e["id"] for e in page["items"]] == [entry_id]


def test_public_list_shows_masked_current_entries_only(
    client: TestClient,
    world: World,
    operator: dict[str, str],  # type: ignore[type-arg]
) -> None:
    shown, gone, pending = world.people[:3]
    kept = _published(client, world, operator, shown)
    exited = _published(client, world, operator, gone)
    client.post(
        f"{BASE}/{exited['id']}/exit",
        headers=operator,
        json={"reason": "court_deletion", "note": "法院裁定终结执行"},
    )
    _propose(client, operator, pending)  # proposed only: never public
    response = client.get(f"{PUBLIC}/entries", params={"list_type": "black-judgment-defaulter"})
    assert response.status_code == 200
    page = response.json()
    assert page["total"] == 1
    [item] = page["items"]
    assert item["reference"] == kept["reference"]
    assert item["shown_id"] == shown.id_number[:4] + "*" * 10 + shown.id_number[-4:]
    assert item["shown_name"] != shown.name
    assert item["shown_name"][0] == shown.name[0]
    assert item["exit_conditions"]
    text = response.text
    for person in (shown, gone, pending):
        assert person.id_number not in text
        assert person.name not in text
    assert "reason" not in item
    assert client.get(f"{PUBLIC}/entries", params={"domain": "taxation"}).json()["total"] == 0


def test_search_by_id_number_and_by_name_returns_masked_results(
    client: TestClient,
    world: World,
    operator: dict[str, str],  # type: ignore[type-arg]
) -> None:
    listed, gone = world.people[:2]
    _published(client, world, operator, listed)
    exited = _published(client, world, operator, gone)
    client.post(
        f"{BASE}/{exited['id']}/exit",
        headers=operator,
        json={"reason": "error", "note": "认定错误，予以删除"},
    )
    by_number = client.post(f"{PUBLIC}/search", json={"id_number": listed.id_number})
    assert by_number.status_code == 200
    assert len(by_number.json()) == 1
    assert listed.id_number not in by_number.text
    by_name = client.post(f"{PUBLIC}/search", json={"name": listed.name})
    assert [r["shown_id"] for r in by_name.json()] == [by_number.json()[0]["shown_id"]]
    assert listed.name not in by_name.text
    assert client.post(f"{PUBLIC}/search", json={"id_number": gone.id_number}).json() == []
    assert client.post(f"{PUBLIC}/search", json={"name": gone.name}).json() == []


def test_search_and_propose_bad_input_are_problems(
    client: TestClient,
    world: World,
    operator: dict[str, str],  # type: ignore[type-arg]
) -> None:
    person = world.people[0]
    both = client.post(f"{PUBLIC}/search", json={"id_number": person.id_number, "name": "张三"})
    assert both.status_code == 422
    assert both.json()["type"].endswith("/list-search-invalid")
    bad = client.post(f"{PUBLIC}/search", json={"id_number": person.id_number[:17] + "0"})
    assert bad.status_code == 422
    assert "/id-number-" in bad.json()["type"]
    unknown = _propose(client, operator, person, list_type="black-nonsense")
    assert unknown.status_code == 422
    assert unknown.json()["type"].endswith("/list-type-unknown")
    mismatch = _propose(client, operator, person, name="王某某")
    assert mismatch.status_code == 404
    assert _propose(client, operator, person).status_code == 201
    again = _propose(client, operator, person)
    assert again.status_code == 409
    assert again.json()["type"].endswith("/list-entry-already-open")
    missing = client.post(f"{BASE}/{__import__('uuid').uuid4()}/publish", headers=operator)
    assert missing.status_code == 404
    assert missing.json()["type"].endswith("/list-entry-not-found")


def test_permissions(
    client: TestClient,
    world: World,
    user_for: Callable[..., str],
    operator: dict[str, str],  # type: ignore[type-arg]
) -> None:
    person = world.people[0]
    entry_id = _propose(client, operator, person).json()["id"]
    clerk = auth(user_for(Role.PROVIDER_CLERK, kind=OrganizationKind.GOVERNMENT))
    assert client.post(f"{BASE}/{entry_id}/publish", headers=clerk).status_code == 403
    assert client.post(f"{BASE}/{entry_id}/notify", headers=clerk).status_code == 403
    consumer = auth(user_for(Role.CONSUMER_OFFICER))
    assert client.get(f"{BASE}/", headers=consumer).status_code == 403
    assert _propose(client, consumer, person).status_code == 403
    assert client.get(f"{BASE}/").status_code == 401
    # Another provider's clerk reads nothing of this entry, nor may propose on a court list.
    assert client.get(f"{BASE}/{entry_id}", headers=clerk).status_code == 404
    assert client.get(f"{BASE}/", headers=clerk).json()["total"] == 0
    refused = _propose(client, clerk, world.people[1])
    assert refused.status_code == 403
    assert refused.json()["type"].endswith("/list-proposer-not-allowed")


def test_a_person_sees_their_own_entries_with_reason_and_rights(
    client: TestClient,
    world: World,
    operator: dict[str, str],  # type: ignore[type-arg]
    citizen_for: Callable[..., Any],
) -> None:
    person = world.people[0]
    token, _ = citizen_for(person)
    created = _propose(client, operator, person).json()
    client.post(f"{BASE}/{created['id']}/notify", headers=operator)
    mine = client.get("/api/v1/me/lists/", headers=auth(token))
    assert mine.status_code == 200, mine.text
    [entry] = mine.json()
    assert entry["reference"] == created["reference"]
    assert entry["status"] == "notified"
    assert entry["reason"] == "有履行能力而拒不履行生效判决"
    assert entry["remedies"]
    assert entry["objection_due_at"]
    other_token, _ = citizen_for(world.people[1])
    assert client.get("/api/v1/me/lists/", headers=auth(other_token)).json() == []
    assert json.dumps(mine.json(), ensure_ascii=False).count(person.id_number) == 0


def test_public_search_is_rate_limited_per_client(
    runtime: Any, settings: Any, keyring: Any
) -> None:
    from chengxin.app import create_app
    from chengxin.runtime import build_runtime

    few = settings.model_copy(update={"lists_searches_per_client_per_hour": 3})
    limited = build_runtime(few, keyring=keyring, engine=runtime.engine)
    with TestClient(app=create_app(runtime=limited)) as client:
        body = {"name": "张三"}
        statuses = [client.post(f"{PUBLIC}/search", json=body).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        refused = client.post(f"{PUBLIC}/search", json=body)
        assert refused.json()["type"].endswith("/list-search-rate-limited")
        assert int(refused.headers["Retry-After"]) >= 1
