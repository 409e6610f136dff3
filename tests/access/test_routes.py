"""Access over HTTP: queries, review and grants through the routes, problem codes, privacy."""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from litestar.testing import TestClient

from chengxin.organizations.models import ApiToken
from chengxin.runtime import Runtime
from chengxin.security.permissions import Permission
from chengxin.settings import Settings
from tests.access.fixtures import AccessWorld, build
from tests.helpers import auth

P = Permission


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # Route tests exercise review explicitly; by default let first queries through.
    return settings.model_copy(update={"access_review_new_scene": False})


@pytest.fixture
def aw(runtime: Runtime, tmp_path: Any) -> AccessWorld:
    return build(runtime, tmp_path)


def _org_of(runtime: Runtime, token: str) -> uuid.UUID:
    with runtime.scope() as session:
        return session.get_one(ApiToken, uuid.UUID(hex=token.split("_")[1])).organization_id


def _list_line(client: TestClient, admin: str, org: uuid.UUID, scene: str) -> None:  # type: ignore[type-arg]
    response = client.post(
        "/api/v1/access/permissions",
        json={
            "organization_id": str(org),
            "scene": scene,
            "sharing": ["authorized"],
            "basis": "《湖北省社会信用信息管理条例》第二十四条",
        },
        headers=auth(admin),
    )
    assert response.status_code == 201, response.text


def _persons(aw: AccessWorld, n: int) -> list[dict[str, str]]:
    return [{"id_number": p.id_number, "name": p.name} for p in aw.with_records[:n]]


def test_query_over_http_answers_masked_results(
    client: TestClient,
    aw: AccessWorld,
    token_for: Callable[..., str],  # type: ignore[type-arg]
) -> None:
    admin, officer = token_for(P.ACCESS_POLICY_MANAGE), token_for(P.ACCESS_QUERY_SUBMIT)
    _list_line(client, admin, _org_of(aw.runtime, officer), "administrative_licensing")
    body = {
        "persons": _persons(aw, 2),
        "scene": "administrative_licensing",
        "purpose": "食品经营许可审查",
    }
    response = client.post("/api/v1/queries", json=body, headers=auth(officer))
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["query"]["status"] == "released"
    assert [len(r["records"]) for r in answer["results"]] == [1, 1]
    for person in aw.with_records[:2]:
        assert person.id_number not in response.text
        assert person.name not in response.text
    denied = client.post(
        "/api/v1/queries", json={**body, "scene": "bidding"}, headers=auth(officer)
    )
    assert denied.status_code == 403
    assert denied.json()["type"].endswith("/scene-not-permitted")
    stranger = token_for(P.ACCESS_QUERY_SUBMIT)
    other = client.get(f"/api/v1/queries/{answer['query']['id']}", headers=auth(stranger))
    assert other.status_code == 404
    assert other.json()["type"].endswith("/query-not-found")


def test_review_flow_over_http(
    client: TestClient,
    aw: AccessWorld,
    token_for: Callable[..., str],
    runtime: Runtime,  # type: ignore[type-arg]
) -> None:
    runtime.settings.access_review_bulk_subjects = 1
    admin, officer = token_for(P.ACCESS_POLICY_MANAGE), token_for(P.ACCESS_QUERY_SUBMIT)
    reviewer = token_for(P.ACCESS_QUERY_REVIEW)
    _list_line(client, admin, _org_of(aw.runtime, officer), "awards")
    body = {"persons": _persons(aw, 3), "scene": "awards", "purpose": "评选省级道德模范前的核查"}
    held = client.post("/api/v1/queries", json=body, headers=auth(officer)).json()
    assert held["query"]["status"] == "pending_review"
    assert held["results"] is None
    queue = client.get("/api/v1/access/reviews", headers=auth(reviewer)).json()
    assert [q["id"] for q in queue] == [held["query"]["id"]]
    assert queue[0]["review_reasons"] == ["bulk"]
    decided = client.post(
        f"/api/v1/access/reviews/{held['query']['id']}",
        json={"approve": True, "reason": "已报备"},
        headers=auth(reviewer),
    )
    assert decided.status_code == 200, decided.text
    fetched = client.get(f"/api/v1/queries/{held['query']['id']}", headers=auth(officer)).json()
    assert fetched["query"]["status"] == "released"
    assert [len(r["records"]) for r in fetched["results"]] == [1, 1, 1]
    again = client.post(
        f"/api/v1/access/reviews/{held['query']['id']}",
        json={"approve": False, "reason": "晚了"},
        headers=auth(reviewer),
    )
    assert again.status_code == 409


def test_scenes_are_public(client: TestClient) -> None:  # type: ignore[type-arg]
    scenes = client.get("/api/v1/access/scenes").json()
    assert {"code": "loan", "zh": "贷款审批", "en": "Loan approval", "government": False} in scenes


def _verify_path(index: int, size: int, leaf: bytes, path: list[bytes], root: bytes) -> bool:
    """RFC 9162 §2.1.3.2, written out here independently of chengxin.audit.merkle."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = hashlib.sha256(b"\x01" + p + r).digest()
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = hashlib.sha256(b"\x01" + r + p).digest()
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def test_the_person_sees_the_query_with_a_proof_that_verifies(
    client: TestClient,  # type: ignore[type-arg]
    aw: AccessWorld,
    token_for: Callable[..., str],
    citizen_for: Callable[..., Any],
) -> None:
    admin, officer = token_for(P.ACCESS_POLICY_MANAGE), token_for(P.ACCESS_QUERY_SUBMIT)
    _list_line(client, admin, _org_of(aw.runtime, officer), "staff_recruitment")
    person = aw.with_records[0]
    body = {
        "persons": [{"id_number": person.id_number, "name": person.name}],
        "scene": "staff_recruitment",
        "purpose": "公务员录用政审",
    }
    assert client.post("/api/v1/queries", json=body, headers=auth(officer)).status_code == 200
    token, _ = citizen_for(person)
    mine = client.get("/api/v1/audit/me/entries", headers=auth(token))
    assert mine.status_code == 200, mine.text
    found = mine.json()
    disclosures = [e for e in found["entries"] if e["action"] == "access:query:disclose"]
    assert len(disclosures) == 1
    entry = disclosures[0]
    assert (entry["purpose"], entry["scene"]) == ("公务员录用政审", "staff_recruitment")
    assert entry["organization_id"] == str(_org_of(aw.runtime, officer))
    leaf = hashlib.sha256(b"\x00" + entry["leaf_data"].encode()).digest()
    assert leaf.hex() == entry["leaf_hash"]
    path = [bytes.fromhex(h) for h in entry["audit_path"]]
    root = bytes.fromhex(found["root_hash"])
    assert _verify_path(entry["leaf_index"], found["tree_size"], leaf, path, root)
    head = found["tree_head"]
    public = load_pem_public_key(found["public_key_pem"].encode())
    message = f"chengxin-audit-tree-head-v1\n{head['tree_size']}\n{head['timestamp_ms']}\n"
    public.verify(  # type: ignore[union-attr, call-arg]
        base64.b64decode(head["signature"]), (message + head["root_hash"] + "\n").encode()
    )
    tampered = bytes([leaf[0] ^ 1]) + leaf[1:]
    assert not _verify_path(entry["leaf_index"], found["tree_size"], tampered, path, root)
    # Another person sees nothing of it.
    other, _ = citizen_for(aw.with_records[1])
    theirs = client.get("/api/v1/audit/me/entries", headers=auth(other)).json()["entries"]
    assert not [e for e in theirs if e["action"] == "access:query:disclose"]
