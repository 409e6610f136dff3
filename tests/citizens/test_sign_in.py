"""Citizens' real-name sign-in (R1.3): registry check, one-time code by SMS outbox, session."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import select

from chengxin.accounts import service as accounts_service
from chengxin.audit.models import AuditEntry
from chengxin.citizens import service as citizens_service
from chengxin.citizens.errors import ChallengeExpired, CodeInvalid, TooManyCodes
from chengxin.citizens.models import SignInChallenge
from chengxin.db import utcnow
from chengxin.identity import service as identity_service
from chengxin.notifications import service as notifications_service
from chengxin.notifications.models import NotificationOutbox
from chengxin.privacy import mask_phone
from chengxin.runtime import Runtime
from chengxin.security.actor import system_actor
from tests.helpers import auth, people

NO_LIMIT = citizens_service.CitizenPolicy(resend_interval=timedelta(0), daily_codes=1000)


def _register(runtime: Runtime, person: Any, *, phone: bool = True) -> uuid.UUID:
    with runtime.scope() as s:
        prepared = identity_service.prepare_person(
            person.id_number, person.name, person.phone if phone else None
        )
        subject, _ = identity_service.register(s, prepared, actor=system_actor("test"))
        return subject.id


def _code(runtime: Runtime, subject_id: uuid.UUID) -> str:
    with runtime.scope() as s:
        row = notifications_service.latest_for(s, subject_id)
        assert row is not None
        found = re.search(r"\d{6}", notifications_service.text_of(s, row))
        assert found is not None
        return found.group()


def test_sign_in_by_code_opens_a_citizen_session_with_cookie(
    client: TestClient,  # type: ignore[type-arg]
    runtime: Runtime,
) -> None:
    (person,) = people(1, seed=11)
    subject_id = _register(runtime, person)
    asked = client.post(
        "/api/v1/citizens/sign-in", json={"id_number": person.id_number, "name": person.name}
    )
    assert asked.status_code == 201, asked.text
    body = asked.json()
    assert set(body) == {"challenge_id", "masked_phone", "expires_at"}
    assert body["masked_phone"] == mask_phone(person.phone)
    code = _code(runtime, subject_id)
    verified = client.post(
        "/api/v1/citizens/sign-in/verify", json={"challenge_id": body["challenge_id"], "code": code}
    )
    assert verified.status_code == 200, verified.text
    token = verified.json()["token"]
    assert f"chengxin_session={token}" in verified.headers["set-cookie"]
    me = client.get("/api/v1/auth/me", headers=auth(token)).json()
    assert me["kind"] == "citizen"
    assert me["subject_id"] == str(subject_id)
    again = client.post(
        "/api/v1/citizens/sign-in/verify", json={"challenge_id": body["challenge_id"], "code": code}
    )
    assert again.status_code == 410
    assert again.json()["type"].endswith("/challenge-expired")


def test_unknown_person_wrong_name_and_no_phone_get_the_same_answer(
    client: TestClient,  # type: ignore[type-arg]
    runtime: Runtime,
) -> None:
    known, no_phone, unknown = people(3, seed=12)
    _register(runtime, known)
    _register(runtime, no_phone, phone=False)
    answers = [
        client.post("/api/v1/citizens/sign-in", json=body)
        for body in (
            {"id_number": unknown.id_number, "name": unknown.name},
            {"id_number": known.id_number, "name": "错名字"},
            {"id_number": no_phone.id_number, "name": no_phone.name},
        )
    ]
    shapes = [
        (r.status_code, {k: v for k, v in r.json().items() if k != "request_id"}) for r in answers
    ]
    assert shapes[0] == shapes[1] == shapes[2]
    assert shapes[0][0] == 401
    assert shapes[0][1]["type"].endswith("/person-not-verified")


def test_wrong_codes_count_and_an_exhausted_challenge_refuses_the_right_code(
    runtime: Runtime,
) -> None:
    (person,) = people(1, seed=13)
    subject_id = _register(runtime, person)
    challenge = citizens_service.request_code(
        runtime.scope, id_number=person.id_number, name=person.name, client_ip=None, policy=NO_LIMIT
    )
    code = _code(runtime, subject_id)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    policy = accounts_service.Policy.from_settings(runtime.settings)
    lefts = []
    for _ in range(5):
        with pytest.raises(CodeInvalid) as caught:
            citizens_service.verify_code(
                runtime.scope,
                challenge_id=challenge.challenge_id,
                code=wrong,
                client_ip=None,
                session_policy=policy,
            )
        lefts.append(caught.value.extra["attempts_left"])
    assert lefts == [4, 3, 2, 1, 0]
    with pytest.raises(CodeInvalid):
        citizens_service.verify_code(
            runtime.scope,
            challenge_id=challenge.challenge_id,
            code=code,
            client_ip=None,
            session_policy=policy,
        )
    with runtime.scope() as s:
        assert s.get_one(SignInChallenge, challenge.challenge_id).attempts == 5


def test_expired_challenge_and_a_newer_code_replaces_the_older(runtime: Runtime) -> None:
    (person,) = people(1, seed=14)
    subject_id = _register(runtime, person)
    policy = accounts_service.Policy.from_settings(runtime.settings)
    first = citizens_service.request_code(
        runtime.scope, id_number=person.id_number, name=person.name, client_ip=None, policy=NO_LIMIT
    )
    code = _code(runtime, subject_id)
    with pytest.raises(ChallengeExpired):
        citizens_service.verify_code(
            runtime.scope,
            challenge_id=first.challenge_id,
            code=code,
            client_ip=None,
            session_policy=policy,
            now=utcnow() + timedelta(minutes=6),
        )
    citizens_service.request_code(
        runtime.scope, id_number=person.id_number, name=person.name, client_ip=None, policy=NO_LIMIT
    )
    with pytest.raises(ChallengeExpired):  # the first code no longer works
        citizens_service.verify_code(
            runtime.scope,
            challenge_id=first.challenge_id,
            code=code,
            client_ip=None,
            session_policy=policy,
        )


def test_rate_limit_is_per_requester_and_the_same_for_unknown_persons(
    client: TestClient,  # type: ignore[type-arg]
    runtime: Runtime,
) -> None:
    known, unknown = people(2, seed=15)
    _register(runtime, known)
    for person in (known, unknown):
        body = {"id_number": person.id_number, "name": person.name}
        client.post("/api/v1/citizens/sign-in", json=body)
        second = client.post("/api/v1/citizens/sign-in", json=body)
        assert second.status_code == 429
        assert second.json()["type"].endswith("/too-many-codes")
        assert int(second.headers["retry-after"]) <= 60
    # The daily limit of one requester (client address, ID number and name), ADR 0027.
    policy = citizens_service.CitizenPolicy(resend_interval=timedelta(0), daily_codes=2)
    now = utcnow() + timedelta(minutes=5)
    for minutes in (0, 5):
        citizens_service.request_code(
            runtime.scope,
            id_number=known.id_number,
            name=known.name,
            client_ip="10.0.0.1",
            policy=policy,
            now=now + timedelta(minutes=minutes),
        )
    with pytest.raises(TooManyCodes) as caught:
        citizens_service.request_code(
            runtime.scope,
            id_number=known.id_number,
            name=known.name,
            client_ip="10.0.0.1",
            policy=policy,
            now=now + timedelta(minutes=10),
        )
    assert 23 * 3600 < caught.value.extra["retry_after"] <= 24 * 3600


def test_audit_and_outbox_never_hold_the_code_id_number_or_phone(
    client: TestClient,  # type: ignore[type-arg]
    runtime: Runtime,
) -> None:
    (person,) = people(1, seed=16)
    subject_id = _register(runtime, person)
    asked = client.post(
        "/api/v1/citizens/sign-in", json={"id_number": person.id_number, "name": person.name}
    ).json()
    code = _code(runtime, subject_id)
    client.post(
        "/api/v1/citizens/sign-in/verify",
        json={"challenge_id": asked["challenge_id"], "code": f"{(int(code) + 1) % 10**6:06d}"},
    )
    client.post(
        "/api/v1/citizens/sign-in/verify",
        json={"challenge_id": asked["challenge_id"], "code": code},
    )
    with runtime.scope() as s:
        entries = list(s.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars())
        outbox = s.execute(select(NotificationOutbox)).scalar_one()
    actions = [e.action for e in entries]
    for action in (
        "citizens:sign-in:challenge",
        "citizens:sign-in:fail",
        "citizens:sign-in:succeed",
        "notifications:message:queue",
    ):
        assert action in actions
    dumped = repr([(e.data, e.message, e.actor_name) for e in entries])
    for secret in (code, person.id_number, person.phone):
        assert secret not in dumped
    assert code.encode() not in outbox.body_ct
    assert outbox.subject_id == subject_id
    assert outbox.status == "sent"
