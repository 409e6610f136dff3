"""The durable job queue and scheduler, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import func, select

from chengxin import tasks
from chengxin.app import create_app
from chengxin.audit.models import AuditEntry
from chengxin.identity import idnumber
from chengxin.identity import service as identity_service
from chengxin.jobs import service as jobs_service
from chengxin.jobs.errors import (
    JobNotFound,
    JobNotRetryable,
    LeaseLost,
    PersonalDataInPayload,
)
from chengxin.jobs.models import Job, JobSchedule, JobStatus
from chengxin.jobs.registry import REGISTRY, JobContext, NotInstalled, Registry
from chengxin.jobs.worker import Worker, WorkerThread, default_registry
from chengxin.notifications import channels
from chengxin.notifications import service as notifications_service
from chengxin.runtime import Runtime, build_runtime
from chengxin.security.actor import system_actor
from chengxin.tasks import ACCESS_FEEDBACK_SCAN, JOBS_PRUNE, NOTIFICATION_DELIVERY
from tests.helpers import people

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
LEASE = timedelta(seconds=300)  # the default jobs_lease_seconds


@pytest.fixture
def registry() -> Registry:
    return Registry()


def _enqueue(runtime: Runtime, kind: str, payload: dict[str, Any] | None = None, **kw: Any) -> Job:
    with runtime.scope() as s:
        return jobs_service.enqueue(s, kind, payload or {}, now=kw.pop("now", T0), **kw)


def _job(runtime: Runtime, job_id: uuid.UUID) -> Job:
    with runtime.scope() as s:
        return s.get_one(Job, job_id)


def _audits(runtime: Runtime, action: str) -> list[AuditEntry]:
    with runtime.scope() as s:
        return list(s.execute(select(AuditEntry).where(AuditEntry.action == action)).scalars())


def _count_jobs(runtime: Runtime, kind: str) -> int:
    with runtime.scope() as s:
        return int(s.execute(select(func.count()).where(Job.kind == kind)).scalar_one())


def test_enqueued_job_runs_once_in_the_handlers_transaction(
    runtime: Runtime, registry: Registry
) -> None:
    seen: list[tuple[dict[str, Any], JobContext]] = []

    @registry.task("test.double")
    def double(session: Any, payload: dict[str, Any], ctx: JobContext) -> dict[str, Any]:
        seen.append((payload, ctx))
        return {"doubled": payload["n"] * 2}

    job = _enqueue(runtime, "test.double", {"n": 21})
    assert job.status == JobStatus.QUEUED
    worker = Worker(runtime, name="w1", registry=registry)
    assert worker.run_once(now=T0) == 1
    assert worker.run_once(now=T0 + timedelta(hours=1)) == 0
    done = _job(runtime, job.id)
    assert (done.status, done.attempts, done.result) == ("done", 1, {"doubled": 42})
    assert done.finished_at == T0
    assert done.lease_until is None
    ((payload, ctx),) = seen
    assert payload == {"n": 21}
    assert (ctx.job_id, ctx.attempt, ctx.now, ctx.worker) == (job.id, 1, T0, "w1")
    assert ctx.runtime is runtime


def test_a_job_waits_for_its_run_at(runtime: Runtime, registry: Registry) -> None:
    registry.register("test.noop", lambda _s, _p, _c: None)
    job = _enqueue(runtime, "test.noop", run_at=T0 + timedelta(minutes=5))
    worker = Worker(runtime, name="w1", registry=registry)
    assert worker.run_once(now=T0) == 0
    assert worker.run_once(now=T0 + timedelta(minutes=5)) == 1
    assert _job(runtime, job.id).status == "done"


def test_a_repeated_idempotency_key_returns_the_existing_job(runtime: Runtime) -> None:
    first = _enqueue(runtime, "test.once", {"a": 1}, idempotency_key="objection:1:due")
    with runtime.scope() as s:
        again = jobs_service.enqueue(s, "test.once", {"a": 2}, idempotency_key="objection:1:due")
        same_tx = jobs_service.enqueue(s, "test.once", {"a": 3}, idempotency_key="objection:1:due")
        other = jobs_service.enqueue(s, "test.once", {"a": 4}, idempotency_key="objection:2:due")
    assert again.id == first.id == same_tx.id
    assert again.payload == {"a": 1}
    assert other.id != first.id
    assert _count_jobs(runtime, "test.once") == 2


def test_an_enqueue_rolls_back_with_its_callers_transaction(runtime: Runtime) -> None:
    class Boom(Exception):
        pass

    def enqueue_then_fail() -> None:
        with runtime.scope() as s:
            jobs_service.enqueue(s, "test.lost", {}, idempotency_key="k")
            raise Boom

    with pytest.raises(Boom):
        enqueue_then_fail()
    assert _count_jobs(runtime, "test.lost") == 0


def test_a_failing_job_is_retried_with_backoff_then_succeeds(
    runtime: Runtime, registry: Registry
) -> None:
    calls: list[int] = []

    @registry.task("test.flaky")
    def flaky(session: Any, payload: dict[str, Any], ctx: JobContext) -> None:
        calls.append(ctx.attempt)
        if ctx.attempt < 3:
            raise ConnectionError("gateway unavailable\nsecond line with parameters")

    job = _enqueue(runtime, "test.flaky")
    worker = Worker(runtime, name="w1", registry=registry)
    base = runtime.settings.jobs_backoff_base_seconds

    assert worker.run_once(now=T0) == 1
    failed = _job(runtime, job.id)
    assert (failed.status, failed.attempts) == ("failed", 1)
    assert failed.last_error == "ConnectionError: gateway unavailable"
    assert T0 + timedelta(seconds=base / 2) <= failed.run_at <= T0 + timedelta(seconds=base)
    assert failed.locked_by is None
    assert worker.run_once(now=failed.run_at - timedelta(seconds=1)) == 0

    t1 = failed.run_at
    assert worker.run_once(now=t1) == 1
    failed = _job(runtime, job.id)
    assert (failed.status, failed.attempts) == ("failed", 2)
    assert t1 + timedelta(seconds=base) <= failed.run_at <= t1 + timedelta(seconds=2 * base)

    assert worker.run_once(now=failed.run_at) == 1
    done = _job(runtime, job.id)
    assert (done.status, done.attempts) == ("done", 3)
    assert calls == [1, 2, 3]


def test_backoff_doubles_and_is_capped() -> None:
    for attempt, ceiling in [(1, 10), (2, 20), (3, 40), (9, 100), (500, 100)]:
        delay = jobs_service.backoff_delay(attempt, base_seconds=10, max_seconds=100)
        assert timedelta(seconds=ceiling / 2) <= delay <= timedelta(seconds=ceiling)


def test_a_job_is_dead_after_its_last_attempt_and_audited(
    runtime: Runtime, registry: Registry
) -> None:
    id_number = idnumber.make("420102", datetime(1990, 3, 4, tzinfo=UTC).date(), 11)

    @registry.task("test.broken")
    def broken(session: Any, payload: dict[str, Any], ctx: JobContext) -> None:
        raise ValueError(f"cannot handle {id_number}")

    job = _enqueue(runtime, "test.broken", max_attempts=2)
    worker = Worker(runtime, name="w1", registry=registry)
    assert worker.run_once(now=T0) == 1
    assert worker.run_once(now=T0 + timedelta(hours=2)) == 1
    dead = _job(runtime, job.id)
    assert (dead.status, dead.attempts, dead.finished_at) == ("dead", 2, T0 + timedelta(hours=2))
    assert dead.last_error is not None
    assert dead.last_error.startswith("ValueError: cannot handle 4201")
    assert id_number not in dead.last_error  # masked like log lines
    assert worker.run_once(now=T0 + timedelta(days=2)) == 0
    (entry,) = _audits(runtime, "jobs:job:dead")
    assert entry.object_id == str(job.id)
    assert entry.actor_name == "system:jobs"
    assert entry.data == {
        "kind": "test.broken",
        "attempts": 2,
        "max_attempts": 2,
        "error": "ValueError",
    }


def test_a_job_of_an_unknown_kind_fails_and_is_retried(
    runtime: Runtime, registry: Registry
) -> None:
    job = _enqueue(runtime, "test.from-a-newer-release")
    assert Worker(runtime, name="w1", registry=registry).run_once(now=T0) == 1
    failed = _job(runtime, job.id)
    assert failed.status == "failed"
    assert failed.last_error == (
        "UnknownJobKind: no handler for job kind 'test.from-a-newer-release'"
    )


def test_handler_effects_roll_back_with_its_failure(runtime: Runtime, registry: Registry) -> None:
    @registry.task("test.half-done")
    def half_done(session: Any, payload: dict[str, Any], ctx: JobContext) -> None:
        jobs_service.enqueue(session, "test.follow-up", {}, now=ctx.now)
        session.flush()
        raise RuntimeError("failed after writing")

    job = _enqueue(runtime, "test.half-done")
    assert Worker(runtime, name="w1", registry=registry).run_once(now=T0) == 1
    assert _job(runtime, job.id).status == "failed"
    assert _count_jobs(runtime, "test.follow-up") == 0


def test_an_expired_lease_makes_the_job_claimable_again(
    runtime: Runtime, registry: Registry
) -> None:
    ran: list[int] = []
    registry.register("test.work", lambda _s, _p, ctx: ran.append(ctx.attempt))  # type: ignore[func-returns-value]
    job = _enqueue(runtime, "test.work")
    with runtime.scope() as s:  # a worker claims the job, then its process dies
        (claimed,) = jobs_service.claim(s, worker="crashed", now=T0, lease=LEASE)
    assert claimed.id == job.id
    worker = Worker(runtime, name="w2", registry=registry)
    assert worker.run_once(now=T0 + LEASE - timedelta(seconds=1)) == 0  # still leased
    assert worker.run_once(now=T0 + LEASE + timedelta(seconds=1)) == 1
    done = _job(runtime, job.id)
    assert (done.status, done.attempts, done.locked_by) == ("done", 2, "w2")
    assert done.last_error == "LeaseExpired: crashed did not finish attempt 1"
    assert ran == [2]


def test_an_expired_lease_on_the_last_attempt_buries_the_job(
    runtime: Runtime, registry: Registry
) -> None:
    registry.register("test.work", lambda _s, _p, _c: None)
    job = _enqueue(runtime, "test.work", max_attempts=1)
    with runtime.scope() as s:
        jobs_service.claim(s, worker="crashed", now=T0, lease=LEASE)
    assert Worker(runtime, name="w2", registry=registry).run_once(now=T0 + 2 * LEASE) == 0
    assert _job(runtime, job.id).status == "dead"
    (entry,) = _audits(runtime, "jobs:job:dead")
    assert entry.data is not None
    assert entry.data["error"] == "LeaseExpired"


def test_a_worker_that_lost_its_lease_cannot_complete_the_job(runtime: Runtime) -> None:
    job = _enqueue(runtime, "test.work")
    with runtime.scope() as s:
        jobs_service.claim(s, worker="slow", now=T0, lease=LEASE)
    later = T0 + LEASE + timedelta(seconds=1)
    with runtime.scope() as s:
        (again,) = jobs_service.claim(s, worker="fast", now=later, lease=LEASE)
    assert again.attempts == 2
    with pytest.raises(LeaseLost), runtime.scope() as s:
        jobs_service.complete(s, job.id, worker="slow", attempt=1, now=later, result=None)
    with runtime.scope() as s:
        failed = jobs_service.fail(
            s,
            job.id,
            worker="slow",
            attempt=1,
            error=RuntimeError("x"),
            now=later,
            delay=timedelta(0),
        )
    assert failed is None
    assert (_job(runtime, job.id).status, _job(runtime, job.id).locked_by) == ("running", "fast")


def test_a_run_whose_job_was_taken_over_rolls_back(runtime: Runtime, registry: Registry) -> None:
    @registry.task("test.overtaken")
    def overtaken(session: Any, payload: dict[str, Any], ctx: JobContext) -> None:
        jobs_service.enqueue(session, "test.follow-up", {}, now=ctx.now)
        # What a reclaim by another worker looks like to this run's completion.
        session.get_one(Job, ctx.job_id).locked_by = "other"

    job = _enqueue(runtime, "test.overtaken")
    assert Worker(runtime, name="w1", registry=registry).run_once(now=T0) == 1
    left = _job(runtime, job.id)
    assert (left.status, left.locked_by, left.last_error) == ("running", "w1", None)
    assert _count_jobs(runtime, "test.follow-up") == 0


def test_run_forever_survives_a_failing_pass_and_stops_when_told(
    runtime: Runtime, registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    worker = Worker(runtime, name="w1", registry=registry)
    passes: list[int] = []
    stop = threading.Event()

    def run_once(now: datetime | None = None) -> int:
        passes.append(1)
        if len(passes) == 1:
            raise ConnectionError("database restarting")
        if len(passes) == 3:
            stop.set()
        return 0

    monkeypatch.setattr(worker, "run_once", run_once)
    worker.run_forever(stop, poll_seconds=0.01)
    assert len(passes) == 3


def test_a_payload_must_not_hold_a_clear_id_number(runtime: Runtime) -> None:
    id_number = idnumber.make("420102", datetime(1990, 3, 4, tzinfo=UTC).date(), 11)
    with runtime.scope() as s:
        for payload in ({"who": id_number}, {"ids": ["a", id_number.lower()]}, {id_number: 1}):
            with pytest.raises(PersonalDataInPayload):
                jobs_service.enqueue(s, "test.bad", payload)
        with pytest.raises(ValueError):
            jobs_service.enqueue(s, "test.bad", {}, max_attempts=0)


def test_an_operator_retries_a_dead_job_but_not_a_done_one(
    runtime: Runtime, registry: Registry
) -> None:
    outcomes = iter([RuntimeError("down"), None])

    def sometimes(_s: Any, _p: Any, _c: Any) -> None:
        failure = next(outcomes)
        if failure is not None:
            raise failure

    registry.register("test.sometimes", sometimes)
    job = _enqueue(runtime, "test.sometimes", max_attempts=1)
    worker = Worker(runtime, name="w1", registry=registry)
    worker.run_once(now=T0)
    assert _job(runtime, job.id).status == "dead"
    with runtime.scope() as s:
        retried = jobs_service.retry(s, job.id, actor=system_actor("ops"), now=T0)
    assert (retried.status, retried.attempts, retried.finished_at) == ("queued", 0, None)
    assert worker.run_once(now=T0) == 1
    assert _job(runtime, job.id).status == "done"
    (entry,) = _audits(runtime, "jobs:job:retry")
    assert entry.data == {"kind": "test.sometimes", "status_before": "dead"}
    assert entry.actor_name == "system:ops"
    with runtime.scope() as s, pytest.raises(JobNotRetryable):
        jobs_service.retry(s, job.id, actor=system_actor("ops"))
    with runtime.scope() as s, pytest.raises(JobNotFound):
        jobs_service.retry(s, uuid.uuid4(), actor=system_actor("ops"))


def test_list_jobs_filters_by_status(runtime: Runtime, registry: Registry) -> None:
    registry.register("test.noop", lambda _s, _p, _c: None)
    first = _enqueue(runtime, "test.noop")
    second = _enqueue(runtime, "test.noop", now=T0 + timedelta(seconds=1), run_at=T0 + LEASE)
    Worker(runtime, name="w1", registry=registry).run_once(now=T0)
    with runtime.scope() as s:
        assert [j.id for j in jobs_service.list_jobs(s)] == [second.id, first.id]
        assert [j.id for j in jobs_service.list_jobs(s, status="done")] == [first.id]
        assert jobs_service.get(s, uuid.uuid4()) is None


def test_prune_deletes_old_done_jobs_only(runtime: Runtime, registry: Registry) -> None:
    registry.register("test.noop", lambda _s, _p, _c: None)
    registry.register("test.fail", lambda _s, _p, _c: 1 / 0)  # type: ignore[func-returns-value]
    old = _enqueue(runtime, "test.noop")
    dead = _enqueue(runtime, "test.fail", max_attempts=1)
    Worker(runtime, name="w1", registry=registry).run_once(now=T0)
    recent = _enqueue(runtime, "test.noop", now=T0 + timedelta(days=20))
    Worker(runtime, name="w1", registry=registry).run_once(now=T0 + timedelta(days=20))
    with runtime.scope() as s:
        assert jobs_service.prune(s, before=T0 + timedelta(days=10)) == 1
        remaining = {j.id for j in jobs_service.list_jobs(s)}
    assert remaining == {dead.id, recent.id}
    assert old.id not in remaining


# -- schedules -----------------------------------------------------------------------------------


def test_a_schedule_fires_once_per_interval_with_two_workers(
    runtime: Runtime, registry: Registry
) -> None:
    ran: list[datetime] = []
    registry.register("test.tick", lambda _s, _p, ctx: ran.append(ctx.now))  # type: ignore[func-returns-value]
    registry.schedule("tick", "test.tick", every=timedelta(minutes=1), payload={"x": 1})
    one = Worker(runtime, name="w1", registry=registry)
    two = Worker(runtime, name="w2", registry=registry)

    assert one.run_once(now=T0) == 1  # a new schedule runs at once
    assert two.run_once(now=T0) == 0
    assert two.run_once(now=T0 + timedelta(seconds=30)) == 0
    assert two.run_once(now=T0 + timedelta(seconds=60)) == 1
    assert one.run_once(now=T0 + timedelta(seconds=61)) == 0
    # Both down for ten minutes: one catch-up run, not ten.
    assert one.run_once(now=T0 + timedelta(minutes=11, seconds=30)) == 1
    assert two.run_once(now=T0 + timedelta(minutes=11, seconds=40)) == 0
    assert len(ran) == 3
    with runtime.scope() as s:
        row = s.get_one(JobSchedule, "tick")
        assert row.next_run_at == T0 + timedelta(minutes=12)
        assert row.last_run_at == T0 + timedelta(minutes=11, seconds=30)
        keys = sorted(s.execute(select(Job.idempotency_key)).scalars())  # type: ignore[type-var]
        payloads = {str(p) for p in s.execute(select(Job.payload)).scalars()}
    assert keys == [
        f"schedule:tick:{(T0 + timedelta(minutes=m)).isoformat()}"
        for m in (0, 1, 2)  # the missed instant 01:02
    ]
    assert payloads == {"{'x': 1}"}


def test_schedule_sync_follows_the_code_and_keeps_next_run_at(
    runtime: Runtime, registry: Registry
) -> None:
    registry.schedule("sweep", "test.sweep", every=timedelta(hours=1))
    with runtime.scope() as s:
        jobs_service.sync_schedules(
            s, registry.schedules.values(), settings=runtime.settings, now=T0
        )
        s.get_one(JobSchedule, "sweep").next_run_at = T0 + timedelta(minutes=30)
    changed = Registry()
    changed.schedule("sweep", "test.sweep2", every=lambda _settings: timedelta(minutes=5))
    with runtime.scope() as s:
        jobs_service.sync_schedules(
            s, changed.schedules.values(), settings=runtime.settings, now=T0 + timedelta(hours=9)
        )
    with runtime.scope() as s:
        row = s.get_one(JobSchedule, "sweep")
        assert (row.kind, row.interval_seconds) == ("test.sweep2", 300)
        assert row.next_run_at == T0 + timedelta(minutes=30)
        row.is_enabled = False
    worker = Worker(runtime, name="w1", registry=changed)
    assert worker.run_once(now=T0 + timedelta(hours=10)) == 0  # switched off by an operator


def test_registry_refuses_conflicting_declarations() -> None:
    registry = Registry()
    registry.register("k", lambda _s, _p, _c: None)
    with pytest.raises(ValueError):
        registry.register("k", lambda _s, _p, _c: None)
    registry.schedule("s", "k", every=timedelta(minutes=1))
    registry.schedule("s", "k", every=timedelta(minutes=1))  # the same declaration again
    with pytest.raises(ValueError):
        registry.schedule("s", "k", every=timedelta(minutes=2))
    with pytest.raises(ValueError):
        registry.schedule("fast", "k", every=timedelta(milliseconds=10)).interval(None)  # type: ignore[arg-type]


# -- concurrency (PostgreSQL) --------------------------------------------------------------------


@pytest.mark.postgresql
def test_two_workers_in_threads_never_run_the_same_job_twice(
    runtime: Runtime, registry: Registry
) -> None:
    runs: Counter[str] = Counter()
    lock = threading.Lock()

    @registry.task("test.slow")
    def slow(session: Any, payload: dict[str, Any], ctx: JobContext) -> None:
        time.sleep(0.005)
        with lock:
            runs[payload["n"]] += 1

    registry.schedule("tick", "test.slow", every=timedelta(minutes=1), payload={"n": "tick"})
    ids = [_enqueue(runtime, "test.slow", {"n": str(i)}).id for i in range(40)]
    barrier = threading.Barrier(3)
    errors: list[BaseException] = []

    def drain(name: str) -> None:
        worker = Worker(runtime, name=name, registry=registry)
        barrier.wait()
        try:
            while worker.run_once(now=T0 + timedelta(seconds=1)):
                pass
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=drain, args=(f"w{i}",)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert runs == Counter({**{str(i): 1 for i in range(40)}, "tick": 1})
    with runtime.scope() as s:
        statuses = set(s.execute(select(Job.status).where(Job.id.in_(ids))).scalars())
    assert statuses == {"done"}


# -- the platform's own tasks and the in-process worker ------------------------------------------


class QueueingGateway:
    """A gateway channel: messages wait in the outbox until the delivery job hands them over."""

    name = "test-gateway"
    immediate = False

    def __init__(self) -> None:
        self.sent: list[channels.Message] = []

    def send(self, message: channels.Message) -> str:
        self.sent.append(message)
        return f"gw-{len(self.sent)}"


def _platform_subset(*kinds: str) -> Registry:
    """The platform's own handlers and schedules of these kinds only (other schedules, such as the
    rights sweeps, are tested with their domains)."""
    full, subset = default_registry(), Registry()
    for name, declared in full.schedules.items():
        if declared.kind in kinds:
            subset.schedule(name, declared.kind, every=declared.every, payload=declared.payload)
            subset.register(declared.kind, full.handlers[declared.kind])
    return subset


def test_the_platform_schedules_scan_deliver_and_prune(runtime: Runtime) -> None:
    gateway = QueueingGateway()
    runtime.session_factory.kw["info"][channels.SESSION_INFO_KEY] = gateway
    (person,) = people(1, seed=31)
    with runtime.scope() as s:
        prepared = identity_service.prepare_person(person.id_number, person.name, person.phone)
        subject, _ = identity_service.register(s, prepared, actor=system_actor("t"))
        notifications_service.notify(
            s, subject_id=subject.id, template="objection-decided", params={"reference": "R-1"}
        )
    assert gateway.sent == []
    registry = _platform_subset(ACCESS_FEEDBACK_SCAN, NOTIFICATION_DELIVERY, JOBS_PRUNE)
    worker = Worker(runtime, name="w1", registry=registry)
    now = datetime.now(UTC)
    assert worker.run_once(now=now) == 3
    with runtime.scope() as s:
        results = {j.kind: (j.status, j.result) for j in jobs_service.list_jobs(s)}
    assert results == {
        ACCESS_FEEDBACK_SCAN: ("done", {"alerts": 0}),
        NOTIFICATION_DELIVERY: ("done", {"sent": 1}),
        JOBS_PRUNE: ("done", {"deleted": 0}),
    }
    assert len(gateway.sent) == 1
    # The next delivery comes after notification_delivery_seconds; the others later still.
    step = timedelta(seconds=runtime.settings.notification_delivery_seconds)
    assert worker.run_once(now=now + step) == 1
    assert worker.run_once(now=now + timedelta(days=40)) == 3
    with runtime.scope() as s:
        kinds = Counter(j.kind for j in jobs_service.list_jobs(s))
    # Jobs done more than jobs_retention_days before the last prune were deleted.
    assert kinds == Counter({ACCESS_FEEDBACK_SCAN: 1, NOTIFICATION_DELIVERY: 1, JOBS_PRUNE: 1})
    (entry,) = _audits(runtime, "jobs:job:prune")
    assert entry.data == {"deleted": 4, "retention_days": 30}


def test_tasks_install_registers_every_handler_and_schedule(runtime: Runtime) -> None:
    registry = Registry()
    tasks.install(registry)
    tasks.install(registry)  # idempotent
    assert registry.installed
    assert set(registry.handlers) == {*tasks.HANDLERS, *tasks.CHUNKED}
    assert {s.kind for s in registry.schedules.values()} <= set(registry.handlers)
    assert all(
        s.interval(runtime.settings).total_seconds() >= 1 for s in registry.schedules.values()
    )
    # The suite wired itself (tests/conftest.py): the worker's registry is the same.
    assert set(default_registry().handlers) >= set(registry.handlers)


def test_a_worker_of_the_platform_registry_is_refused_before_wiring(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(REGISTRY, "installed", False)
    with pytest.raises(NotInstalled):
        Worker(runtime)


def test_the_server_runs_a_worker_thread_when_configured(runtime: Runtime) -> None:
    settings = runtime.settings.model_copy(
        update={"jobs_in_process": True, "jobs_poll_seconds": 0.05}
    )
    rt = build_runtime(settings, keyring=runtime.keyring, engine=runtime.engine)
    with TestClient(app=create_app(runtime=rt)):
        worker = rt.job_worker
        assert isinstance(worker, WorkerThread)
        assert worker.running
        deadline = time.monotonic() + 10
        while _count_jobs(rt, JOBS_PRUNE) == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
    assert rt.job_worker is None
    assert not worker.running
    assert _count_jobs(rt, JOBS_PRUNE) == 1


def test_the_test_server_runs_no_worker_thread(runtime: Runtime) -> None:
    with TestClient(app=create_app(runtime=runtime)):
        assert runtime.job_worker is None
