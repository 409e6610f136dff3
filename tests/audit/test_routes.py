"""Audit routes: public signed heads anyone can check, guarded proofs and export, and a person's
own entries with proofs that verify offline."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable

from cryptography.hazmat.primitives.serialization import load_pem_public_key
from litestar.testing import TestClient

from chengxin.audit import merkle
from chengxin.audit import service as audit_service
from chengxin.audit import tree as audit_tree
from chengxin.runtime import Runtime
from chengxin.security.actor import Actor, ActorKind, system_actor
from chengxin.security.permissions import Permission
from tests.helpers import auth

ACTOR = system_actor("test")
PERSON = uuid.uuid4()


def _append(runtime: Runtime, n: int) -> None:
    with runtime.scope() as session:
        for i in range(n):
            audit_service.record(
                session,
                "test:thing:read",
                actor=ACTOR,
                object_type="thing",
                object_id=str(i),
                subject_id=PERSON if i % 3 == 0 else None,
                data={"purpose": "贷款审批", "scene": "loan"} if i % 3 == 0 else None,
            )


def test_signed_tree_head_checks_out_with_the_public_key(
    client: TestClient, runtime: Runtime
) -> None:  # type: ignore[type-arg]
    response = client.get("/api/v1/audit/tree-heads/latest")
    assert response.status_code == 404
    assert response.json()["type"].endswith("/no-tree-head")
    _append(runtime, 20)
    with runtime.scope() as session:
        audit_service.sign_tree_head(session)
    head = client.get("/api/v1/audit/tree-heads/latest").json()
    key = client.get("/api/v1/audit/public-key").json()
    assert head["tree_size"] == 20
    assert head["key_id"] == key["key_id"]
    message = audit_tree.tree_head_message(
        head["tree_size"], head["timestamp_ms"], head["root_hash"]
    )
    load_pem_public_key(key["pem"].encode()).verify(base64.b64decode(head["signature"]), message)  # type: ignore[union-attr, call-arg]


def test_proof_routes(client: TestClient, runtime: Runtime, token_for: Callable[..., str]) -> None:  # type: ignore[type-arg]
    _append(runtime, 20)
    with runtime.scope() as session:
        audit_service.integrate(session)
    headers = auth(token_for(Permission.AUDIT_LOG_READ))
    proof = client.get(
        "/api/v1/audit/proofs/inclusion", params={"seq": 7, "tree_size": 20}, headers=headers
    ).json()
    assert merkle.verify_inclusion(
        6,
        20,
        bytes.fromhex(proof["leaf_hash"]),
        [bytes.fromhex(p) for p in proof["audit_path"]],
        bytes.fromhex(proof["root_hash"]),
    )
    consistency = client.get(
        "/api/v1/audit/proofs/consistency", params={"first": 5, "second": 20}, headers=headers
    ).json()
    assert merkle.verify_consistency(
        5,
        20,
        bytes.fromhex(consistency["first_root"]),
        bytes.fromhex(consistency["second_root"]),
        [bytes.fromhex(p) for p in consistency["proof"]],
    )
    too_far = client.get(
        "/api/v1/audit/proofs/inclusion", params={"seq": 1, "tree_size": 99}, headers=headers
    )
    assert too_far.status_code == 409
    verify = client.get(
        "/api/v1/audit/verify", headers=auth(token_for(Permission.AUDIT_LOG_VERIFY))
    )
    assert verify.json()["ok"] is True


def test_export_streams_csv_and_json_and_is_logged(
    client: TestClient, runtime: Runtime, token_for: Callable[..., str]
) -> None:  # type: ignore[type-arg]
    _append(runtime, 6)
    headers = auth(token_for(Permission.AUDIT_LOG_EXPORT))
    as_csv = client.get(
        "/api/v1/audit/export", params={"format": "csv", "subject_id": str(PERSON)}, headers=headers
    )
    assert as_csv.status_code == 200
    lines = as_csv.text.strip().splitlines()
    assert lines[0].startswith("seq,at,")
    assert len(lines) == 1 + 2
    as_json = client.get("/api/v1/audit/export", params={"format": "json"}, headers=headers)
    rows = json.loads(as_json.text)
    assert [r["seq"] for r in rows][:6] == [1, 2, 3, 4, 5, 6]
    with runtime.scope() as session:
        actions = [e.action for e in audit_service.list_entries(session)]
    assert actions.count("audit:log:export") >= 2


def test_my_entries_come_with_proofs_that_verify_offline(runtime: Runtime) -> None:
    _append(runtime, 40)
    citizen = Actor(ActorKind.CITIZEN, "c1", "本人", subject_id=PERSON)
    with runtime.scope() as session:
        found = audit_service.entries_about(session, audit_service.own_subject(citizen))
    head = found.tree_head
    assert head is not None
    assert head.tree_size == 40  # integrated and signed on demand
    assert [p.entry.seq for p in found.entries] == list(range(1, 41, 3))
    public = load_pem_public_key(found.public_key.encode())
    public.verify(  # type: ignore[union-attr, call-arg]
        head.signature,
        audit_tree.tree_head_message(head.tree_size, head.timestamp_ms, head.root_hash),
    )
    for proven in found.entries:
        leaf = merkle.leaf_hash(proven.leaf_data.encode())
        assert leaf.hex() == proven.entry.hash
        assert merkle.verify_inclusion(
            proven.entry.seq - 1,
            head.tree_size,
            leaf,
            [bytes.fromhex(p) for p in proven.audit_path],
            bytes.fromhex(head.root_hash),
        )


def test_my_entries_route_refuses_an_account_that_is_not_a_person(
    client: TestClient, token_for: Callable[..., str]
) -> None:  # type: ignore[type-arg]
    response = client.get(
        "/api/v1/audit/me/entries",
        params={"subject_id": str(PERSON)},  # ignored: the subject is never taken from the URL
        headers=auth(token_for(Permission.SELF_DATA_READ)),
    )
    assert response.status_code == 403
    assert response.json()["type"].endswith("/audit-self-only")
