"""Bounded storage for sign-in attempts (issue 23): ``login_attempt`` and
``citizen_sign_in_attempt`` rows are written on every try, so a guesser could grow them without
bound. The job ``accounts.prune-attempts`` deletes, a chunk at a time, the rows no limit reads
any more; each limit answers the same after a prune as before it."""

from __future__ import annotations

import dataclasses
import random
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from chengxin.accounts import service as accounts_service
from chengxin.accounts.errors import LoginFailed
from chengxin.accounts.models import LoginAttempt
from chengxin.audit.models import AuditEntry
from chengxin.citizens import service as citizens_service
from chengxin.citizens.errors import PersonNotVerified
from chengxin.citizens.models import SignInAttempt
from chengxin.demo.generator import credit_code
from chengxin.errors import DomainError
from chengxin.identity import service as identity_service
from chengxin.jobs import service as jobs_service
from chengxin.jobs.models import Job
from chengxin.jobs.registry import REGISTRY, Registry
from chengxin.jobs.worker import Worker
from chengxin.organizations import service as organization_service
from chengxin.organizations.models import OrganizationKind
from chengxin.runtime import Runtime
from chengxin.security.actor import system_actor
from chengxin.security.roles import Role
from chengxin.settings import Settings
from tests.helpers import people

KIND = accounts_service.PRUNE_ATTEMPTS_JOB
ADMIN = system_actor("test")
PASSWORD = "correct horse battery staple"
WRONG = "wrong-password-123"
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
HOME = "10.0.0.1"
STRANGER = "203.0.113.9"


def _registry() -> Registry:
    import chengxin.tasks  # noqa: F401  # registers the platform's handlers

    registry = Registry()  # the prune only: no other schedule ticks in these tests
    registry.handlers[KIND] = REGISTRY.handlers[KIND]
    return registry


def _with(runtime: Runtime, **settings: Any) -> Runtime:
    return dataclasses.replace(runtime, settings=runtime.settings.model_copy(update=settings))


def _prune(runtime: Runtime, at: datetime, *, chunk_rows: int = 1000) -> Job:
    with runtime.scope() as s:
        job_id = jobs_service.enqueue(s, KIND, {}, now=at).id
    worker = Worker(runtime, registry=_registry())
    worker.chunk_rows, worker.chunk_pause = chunk_rows, 0
    while True:
        with runtime.scope() as s:
            job = s.get_one(Job, job_id)
            s.expunge(job)
        if job.status == "done":
            return job
        assert job.status in ("queued", "running"), (job.status, job.last_error)
        assert worker.run_once(at)


def _staff_rows(runtime: Runtime) -> int:
    with runtime.scope() as s:
        return s.execute(select(func.count()).select_from(LoginAttempt)).scalar_one()


def _citizen_rows(runtime: Runtime) -> int:
    with runtime.scope() as s:
        return s.execute(select(func.count()).select_from(SignInAttempt)).scalar_one()


def _answer(call: Callable[[], object]) -> tuple[str, object]:
    try:
        call()
    except DomainError as exc:
        return type(exc).__name__, exc.extra.get("retry_after")
    return "ok", None


# -- staff -----------------------------------------------------------------------------------------


def _user(runtime: Runtime) -> str:
    with runtime.scope() as s:
        org = organization_service.create(
            s,
            credit_code=credit_code(
                random.Random(uuid.uuid4().int), registration="11", region_code="420100"
            ),
            name=f"测试单位 {uuid.uuid4().hex[:6]}",
            kind=OrganizationKind.OPERATOR,
            region_code="420100",
            actor=ADMIN,
        )
        return accounts_service.create_user(
            s,
            organization_id=org.id,
            login=f"u{uuid.uuid4().hex[:10]}",
            display_name="张测试",
            roles=[Role.REVIEWER.value],
            region_code=None,
            password=PASSWORD,
            policy=accounts_service.Policy.from_settings(runtime.settings),
            actor=ADMIN,
        ).user.login


def _login(
    runtime: Runtime, name: str, password: str = PASSWORD, *, at: datetime, ip: str = HOME
) -> object:
    return accounts_service.login(
        runtime.scope,
        login=name,
        password=password,
        client_ip=ip,
        policy=accounts_service.Policy.from_settings(runtime.settings),
        now=at,
    )


def _backoff_failures(runtime: Runtime, name: str, n: int, *, start: datetime, ip: str) -> None:
    """``n`` failed passwords from ``ip``, each after waiting out the back-off of the one before."""
    policy = accounts_service.Policy.from_settings(runtime.settings)
    at = start
    for k in range(1, n + 1):
        with pytest.raises(LoginFailed):
            _login(runtime, name, WRONG, at=at, ip=ip)
        at += accounts_service.backoff_delay(k, policy)


def test_the_job_is_scheduled_hourly_by_default(runtime: Runtime) -> None:
    import chengxin.tasks  # noqa: F401

    assert Settings().sign_in_attempts_prune_seconds == 3600
    schedule = REGISTRY.schedules["sign-in-attempts-prune"]
    assert schedule.kind == KIND
    assert schedule.interval(runtime.settings) == timedelta(hours=1)
    assert schedule.interval(
        runtime.settings.model_copy(update={"sign_in_attempts_prune_seconds": 600})
    ) == timedelta(minutes=10)


def test_old_attempts_are_pruned_in_chunks_and_the_rows_still_read_are_kept(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Defaults: failures are read for 24 h (back-off), successes for 30 days (known address);
    citizens' attempts for 24 h. Kept successes among old failures are passed over, not lost."""
    old_ok = [T0 - timedelta(days=40, minutes=i) for i in range(5)]
    known_ok = [T0 - timedelta(days=3 + 2 * i) for i in range(6)]  # between old failures
    old_failed = [T0 - timedelta(days=3 + i, hours=1) for i in range(14)] + [
        T0 - timedelta(hours=26)
    ]
    recent = [T0 - timedelta(hours=23), T0 - timedelta(minutes=5)]

    def staff(at: datetime, outcome: str) -> LoginAttempt:
        return LoginAttempt(at=at, login_key=uuid.uuid4().hex, client_key="c", outcome=outcome)

    with runtime.scope() as s:
        s.add_all(staff(at, "ok") for at in old_ok)
        s.add_all(staff(at, "ok") for at in known_ok)
        s.add_all(staff(at, outcome) for at in old_failed for outcome in ("failed", "refused"))
        s.add_all(staff(at, "locked") for at in old_failed[:3])  # rows of the old lock
        s.add_all(staff(at, "failed") for at in recent)
        s.add_all(
            SignInAttempt(
                subject_key=uuid.uuid4(), requester_key="r", address_key="a", at=at, outcome=outcome
            )
            for at in [T0 - timedelta(hours=25, minutes=i) for i in range(1, 12)] + recent
            for outcome in ("sent", "refused", "throttled")
        )
    chunks: list[int] = []
    for module in (accounts_service, citizens_service):
        real = module.prune_attempts

        def spy(*args: Any, _real: Any = real, **kwargs: Any) -> accounts_service.Pruned:
            pruned = _real(*args, **kwargs)
            chunks.append(pruned.deleted)
            return pruned

        monkeypatch.setattr(module, "prune_attempts", spy)
    job = _prune(runtime, T0, chunk_rows=7)
    deleted_staff = len(old_ok) + 2 * len(old_failed) + 3
    assert job.result == {"staff": deleted_staff, "citizens": 33}
    assert max(chunks) == 7  # at most a chunk's rows per transaction
    assert sum(chunks) == deleted_staff + 33
    with runtime.scope() as s:
        left = s.execute(select(LoginAttempt.at, LoginAttempt.outcome)).all()
        assert sorted(left) == sorted(
            [(at, "ok") for at in known_ok] + [(at, "failed") for at in recent]
        )
        assert sorted(s.execute(select(SignInAttempt.at)).scalars()) == sorted(recent * 3)
        entry = s.execute(
            select(AuditEntry).where(AuditEntry.action == "accounts:attempts:prune")
        ).scalar_one()
        assert entry.data == {"staff": deleted_staff, "citizens": 33}
    # Nothing more to prune: the same answer, no second audit entry.
    assert _prune(runtime, T0).result == {"staff": 0, "citizens": 0}
    # A month later every one of them is past every window.
    assert _prune(runtime, T0 + timedelta(days=31)).result == {"staff": 8, "citizens": 6}
    assert _staff_rows(runtime) == _citizen_rows(runtime) == 0


def test_the_backoff_still_counts_failures_of_the_last_24_hours(runtime: Runtime) -> None:
    """Ten failures in a row, then an eleventh 23 hours later: the wait is the eleventh's
    (capped at 15 min), so the ten old ones must survive the prune."""
    name = _user(runtime)
    _backoff_failures(runtime, name, 10, start=T0, ip=STRANGER)
    late = T0 + timedelta(hours=23)
    with pytest.raises(LoginFailed):
        _login(runtime, name, WRONG, at=late, ip=STRANGER)
    at = late + timedelta(minutes=5)
    before = _answer(lambda: _login(runtime, name, at=at, ip=STRANGER))
    assert before == ("AccountLocked", 600)
    _prune(runtime, at)
    assert _staff_rows(runtime) == 11
    assert _answer(lambda: _login(runtime, name, at=at, ip=STRANGER)) == before
    # Past the reset the old failures no longer count, and the prune takes them.
    later = T0 + timedelta(hours=26)
    _prune(runtime, later)
    assert _staff_rows(runtime) == 1  # the eleventh
    assert _login(runtime, name, at=later, ip=STRANGER)


def test_a_success_that_restarted_the_backoff_is_kept_with_the_failures_before_it(
    runtime: Runtime,
) -> None:
    """A back-off reset longer than the known-address rule (72 h, 1 day): a success is read as
    long as the failures before it, or they would count again."""
    rt = _with(runtime, login_backoff_reset_hours=72, login_known_address_days=1)
    name = _user(rt)
    _backoff_failures(rt, name, 10, start=T0, ip=HOME)
    _login(rt, name, at=T0 + timedelta(hours=1), ip=HOME)  # starts afresh
    with pytest.raises(LoginFailed):
        _login(rt, name, WRONG, at=T0 + timedelta(hours=50), ip=HOME)
    at = T0 + timedelta(hours=50, seconds=1)
    _prune(rt, at)
    assert _staff_rows(rt) == 12
    # One failure since the success: a 1 s wait, then a password check (without the success:
    # eleven failures, a 15-minute wait).
    assert _answer(lambda: _login(rt, name, WRONG, at=at, ip=HOME)) == ("LoginFailed", None)


def test_the_name_brake_still_counts_its_window(runtime: Runtime) -> None:
    """A brake window longer than the back-off's reset (2 days): its failures are kept."""
    rt = _with(runtime, login_account_brake_window_minutes=48 * 60, login_account_brake_failures=5)
    name = _user(rt)
    for i in range(4):
        with pytest.raises(LoginFailed):
            _login(rt, name, WRONG, at=T0 + timedelta(minutes=i), ip=f"198.51.100.{i}")
    at = T0 + timedelta(hours=40)
    with pytest.raises(LoginFailed):
        _login(rt, name, WRONG, at=at - timedelta(seconds=2), ip="198.51.100.50")
    before = _answer(lambda: _login(rt, name, at=at, ip="198.51.100.60"))
    assert before == ("TooManyAttempts", 3)
    _prune(rt, at)
    assert _staff_rows(rt) == 5
    assert _answer(lambda: _login(rt, name, at=at, ip="198.51.100.60")) == before
    # With the default window (15 min) the same rows would be pruned: the cut-off follows it.
    _prune(runtime, at)
    assert _staff_rows(runtime) == 1


def test_the_brake_still_spaces_checks_after_a_prune(runtime: Runtime) -> None:
    rt = _with(runtime, login_account_brake_failures=3, login_account_brake_seconds=30)
    name = _user(rt)
    for i in range(3):
        with pytest.raises(LoginFailed):
            _login(rt, name, WRONG, at=T0 + timedelta(seconds=i), ip=f"198.51.100.{i}")
    at = T0 + timedelta(seconds=12)
    before = _answer(lambda: _login(rt, name, at=at, ip="198.51.100.9"))
    assert before == ("TooManyAttempts", 20)
    _prune(rt, at)
    assert _answer(lambda: _login(rt, name, at=at, ip="198.51.100.9")) == before


def test_an_address_known_for_30_days_still_skips_the_brake(runtime: Runtime) -> None:
    rt = _with(runtime, login_account_brake_failures=3)
    name = _user(rt)
    _login(rt, name, at=T0 - timedelta(days=29), ip=HOME)  # her office, four weeks ago
    for i in range(3):
        with pytest.raises(LoginFailed):
            _login(rt, name, WRONG, at=T0 + timedelta(seconds=i), ip=f"198.51.100.{i}")
    at = T0 + timedelta(seconds=3)
    assert _answer(lambda: _login(rt, name, WRONG, at=at, ip="198.51.100.9"))[0] == (
        "TooManyAttempts"
    )
    _prune(rt, at)
    assert _staff_rows(rt) == 4  # her success kept with the failures
    assert _answer(lambda: _login(rt, name, WRONG, at=at, ip="198.51.100.9"))[0] == (
        "TooManyAttempts"
    )
    assert _login(rt, name, at=at, ip=HOME)  # known: not braked
    # Past 30 days (and the margin) her success goes too.
    _prune(rt, T0 + timedelta(days=2))
    assert _staff_rows(rt) == 1  # the success just now


# -- citizens --------------------------------------------------------------------------------------


def _register(runtime: Runtime, person: Any) -> None:
    with runtime.scope() as s:
        prepared = identity_service.prepare_person(person.id_number, person.name, person.phone)
        identity_service.register(s, prepared, actor=system_actor("test"))


def _ask(
    runtime: Runtime, person: Any, *, at: datetime, name: str | None = None, ip: str = HOME
) -> citizens_service.Challenge:
    return citizens_service.request_code(
        runtime.scope,
        id_number=person.id_number,
        name=name or person.name,
        client_ip=ip,
        policy=citizens_service.CitizenPolicy.from_settings(runtime.settings),
        now=at,
    )


def test_the_address_hourly_limit_still_counts_after_a_prune(runtime: Runtime) -> None:
    rt = _with(runtime, citizen_address_hourly=4)
    population = people(5, seed=61)
    for i, person in enumerate(population[:4]):
        with pytest.raises(PersonNotVerified):
            _ask(rt, person, at=T0 + timedelta(minutes=10 * i), ip=STRANGER)
    at = T0 + timedelta(minutes=50)
    before = _answer(lambda: _ask(rt, population[4], at=at, ip=STRANGER))
    assert before == ("TooManyCodes", 600)
    _prune(rt, at)
    assert _answer(lambda: _ask(rt, population[4], at=at, ip=STRANGER)) == before


def test_the_requester_daily_limit_still_counts_after_a_prune(runtime: Runtime) -> None:
    rt = _with(runtime, citizen_daily_codes=3)
    (person,) = people(1, seed=62)
    _register(rt, person)
    for i in range(3):
        with pytest.raises(PersonNotVerified):
            _ask(rt, person, name="错名字", at=T0 + timedelta(hours=i), ip=STRANGER)
    at = T0 + timedelta(hours=23)
    before = _answer(lambda: _ask(rt, person, name="错名字", at=at, ip=STRANGER))
    assert before == ("TooManyCodes", 3600)
    _prune(rt, at)
    assert _citizen_rows(rt) == 4  # the three and the throttled one
    assert _answer(lambda: _ask(rt, person, name="错名字", at=at, ip=STRANGER)) == before
    at = T0 + timedelta(hours=27, minutes=1)  # past 24 h and the margin for all three
    _prune(rt, at)
    assert _citizen_rows(rt) == 2  # the two throttled ones of four hours ago
    with pytest.raises(PersonNotVerified):  # the day is over for him
        _ask(rt, person, name="错名字", at=at, ip=STRANGER)


def test_a_resend_interval_longer_than_a_day_is_kept(runtime: Runtime) -> None:
    rt = _with(runtime, citizen_resend_seconds=2 * 24 * 3600)
    (person,) = people(1, seed=63)
    _register(rt, person)
    _ask(rt, person, at=T0)
    at = T0 + timedelta(hours=30)
    before = _answer(lambda: _ask(rt, person, at=at))
    assert before == ("TooManyCodes", 18 * 3600)
    _prune(rt, at)
    assert _answer(lambda: _ask(rt, person, at=at)) == before
    # With the default interval the day's window is the longest: the request of 30 h ago goes.
    _prune(runtime, at)
    assert _citizen_rows(runtime) == 2  # the two throttled just now


def test_the_phone_daily_cap_still_counts_after_a_prune(runtime: Runtime) -> None:
    rt = _with(runtime, citizen_person_daily_codes=3)
    (person,) = people(1, seed=64)
    _register(rt, person)
    for i in range(3):
        _ask(rt, person, at=T0 + timedelta(hours=i), ip=f"10.1.0.{i}")
    at = T0 + timedelta(hours=23, minutes=30)
    before = _answer(lambda: _ask(rt, person, at=at, ip="10.1.0.9"))
    assert before == ("TooManyCodes", 1800)
    _prune(rt, at)
    assert _answer(lambda: _ask(rt, person, at=at, ip="10.1.0.9")) == before
    assert _ask(rt, person, at=T0 + timedelta(hours=24), ip="10.1.0.9").masked_phone


def test_attempts_kept_follows_the_settings() -> None:
    policy = accounts_service.Policy()
    margin = accounts_service.PRUNE_MARGIN
    assert accounts_service.attempts_kept(policy) == (
        timedelta(hours=24) + margin,
        timedelta(days=30) + margin,
    )
    longer = dataclasses.replace(policy, brake_window=timedelta(days=3))
    assert accounts_service.attempts_kept(longer)[0] == timedelta(days=3) + margin
    citizens = citizens_service.CitizenPolicy()
    assert citizens_service.attempts_kept(citizens) == timedelta(hours=24) + margin
    two_days = dataclasses.replace(citizens, resend_interval=timedelta(days=2))
    assert citizens_service.attempts_kept(two_days) == timedelta(days=2) + margin
