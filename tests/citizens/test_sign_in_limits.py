"""Citizens' sign-in limits keyed by the requester (issue 23 finding 4, ADR 0027): a stranger who
knows only a person's ID number cannot use up the person's sign-in."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from chengxin.citizens import service as citizens_service
from chengxin.citizens.errors import PersonNotVerified, TooManyCodes
from chengxin.citizens.models import SignInAttempt
from chengxin.identity import service as identity_service
from chengxin.runtime import Runtime
from chengxin.security.actor import system_actor
from tests.helpers import people

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
HER = "10.0.0.1"
STRANGER = "203.0.113.9"
WRONG_NAMES = ["王小明", "李四", "张三丰"]


def _register(runtime: Runtime, person: Any) -> uuid.UUID:
    with runtime.scope() as s:
        prepared = identity_service.prepare_person(person.id_number, person.name, person.phone)
        subject, _ = identity_service.register(s, prepared, actor=system_actor("test"))
        return subject.id


def _ask(
    runtime: Runtime,
    person: Any,
    *,
    name: str | None = None,
    ip: str | None = HER,
    at: datetime = T0,
    policy: citizens_service.CitizenPolicy | None = None,
) -> citizens_service.Challenge:
    return citizens_service.request_code(
        runtime.scope,
        id_number=person.id_number,
        name=name or person.name,
        client_ip=ip,
        policy=policy or citizens_service.CitizenPolicy(),
        now=at,
    )


def test_a_stranger_with_only_the_id_number_cannot_lock_the_person_out(runtime: Runtime) -> None:
    """The finding: ~10 wrong-name requests with her ID number blocked her sign-in for 24 h."""
    (person,) = people(1, seed=41)
    _register(runtime, person)
    refused = throttled = 0
    for i in range(40):  # from one address, then from many with other names, for 20 minutes
        ip, name = (STRANGER, WRONG_NAMES[0]) if i < 20 else (f"198.51.100.{i}", WRONG_NAMES[i % 3])
        try:
            _ask(runtime, person, name=name, ip=ip, at=T0 + timedelta(seconds=30 * i))
        except PersonNotVerified:
            refused += 1
        except TooManyCodes:
            throttled += 1
    assert refused  # the stranger met his own limits
    assert throttled
    challenge = _ask(runtime, person, at=T0 + timedelta(minutes=21))
    assert challenge.masked_phone


def test_wrong_names_from_her_own_address_do_not_use_up_her_right_name(runtime: Runtime) -> None:
    (person,) = people(1, seed=42)
    _register(runtime, person)
    policy = citizens_service.CitizenPolicy(daily_codes=3)
    for i in range(3):
        with pytest.raises(PersonNotVerified):
            _ask(runtime, person, name="错名字", at=T0 + timedelta(minutes=i), policy=policy)
    with pytest.raises(TooManyCodes):  # that requester is spent for the day ...
        _ask(runtime, person, name="错名字", at=T0 + timedelta(minutes=5), policy=policy)
    # ... the right name from the same address is another requester.
    assert _ask(runtime, person, at=T0 + timedelta(minutes=5), policy=policy).challenge_id


def test_one_request_per_requester_per_resend_interval(runtime: Runtime) -> None:
    (person,) = people(1, seed=43)
    _register(runtime, person)
    _ask(runtime, person)
    with pytest.raises(TooManyCodes) as caught:
        _ask(runtime, person, at=T0 + timedelta(seconds=20))
    assert caught.value.extra["retry_after"] == 40
    _ask(runtime, person, at=T0 + timedelta(seconds=61))


def test_an_address_is_limited_per_hour_whatever_it_asks_for(runtime: Runtime) -> None:
    population = people(6, seed=44)
    policy = citizens_service.CitizenPolicy(address_hourly=5)
    for i, person in enumerate(population[:5]):
        with pytest.raises(PersonNotVerified):  # unknown persons: counted all the same
            _ask(runtime, person, ip=STRANGER, at=T0 + timedelta(minutes=i), policy=policy)
    with pytest.raises(TooManyCodes) as caught:
        _ask(runtime, population[5], ip=STRANGER, at=T0 + timedelta(minutes=10), policy=policy)
    assert caught.value.extra["retry_after"] == 50 * 60
    with pytest.raises(PersonNotVerified):  # another address is not held back
        _ask(runtime, population[5], ip=HER, at=T0 + timedelta(minutes=10), policy=policy)


def test_codes_sent_to_one_phone_are_capped_but_only_the_right_name_sends_one(
    runtime: Runtime,
) -> None:
    (person,) = people(1, seed=45)
    _register(runtime, person)
    policy = citizens_service.CitizenPolicy(person_daily_codes=3)
    for i in range(3):
        _ask(runtime, person, ip=f"10.1.0.{i}", at=T0 + timedelta(minutes=i), policy=policy)
    with pytest.raises(TooManyCodes) as caught:
        _ask(runtime, person, ip="10.1.0.9", at=T0 + timedelta(minutes=5), policy=policy)
    assert caught.value.extra["retry_after"] == 24 * 3600 - 5 * 60
    with pytest.raises(PersonNotVerified):  # a wrong name never reaches the phone's cap
        _ask(
            runtime, person, name="错名字", ip=STRANGER, at=T0 + timedelta(minutes=6), policy=policy
        )


def test_attempts_keep_only_keyed_digests(runtime: Runtime) -> None:
    (person,) = people(1, seed=46)
    _register(runtime, person)
    _ask(runtime, person)
    with pytest.raises(PersonNotVerified):
        _ask(runtime, person, name="错名字", ip=STRANGER)
    with runtime.scope() as s:
        rows = list(s.execute(select(SignInAttempt)).scalars())
    assert len(rows) == 2
    assert len({r.requester_key for r in rows}) == len({r.address_key for r in rows}) == 2
    assert len({r.subject_key for r in rows}) == 1
    dumped = repr([(r.requester_key, r.address_key, r.subject_key) for r in rows])
    for clear in (person.id_number, person.name, "错名字", HER, STRANGER):
        assert clear not in dumped
    assert all(len(r.requester_key or "") == len(r.address_key or "") == 64 for r in rows)
