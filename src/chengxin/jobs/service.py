"""The job queue's operations: enqueue in the caller's transaction, claim, complete, fail (with
backoff) or bury, retry, prune; and the scheduler's sync and tick (ADR 0014).

Every function works on SQLite and PostgreSQL. On PostgreSQL claims lock the candidate rows
``FOR UPDATE SKIP LOCKED``, so workers never wait on one another nor take the same job; on SQLite
every transaction begins ``IMMEDIATE`` (``chengxin.db``), so the database has one writer at a time
and the same statements are serialised.
"""

from __future__ import annotations

import secrets
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from chengxin.audit import service as audit
from chengxin.db import utcnow
from chengxin.errors import DomainError
from chengxin.jobs.errors import JobNotFound, JobNotRetryable, LeaseLost, PersonalDataInPayload
from chengxin.jobs.models import CLAIMABLE, Job, JobItem, JobSchedule, JobStatus
from chengxin.jobs.registry import Schedule
from chengxin.logs import redact
from chengxin.privacy import holds_clear_id_number
from chengxin.security.actor import Actor, system_actor
from chengxin.settings import Settings

JOBS_ACTOR = system_actor("jobs")
MAX_ERROR_CHARS = 500
_RANDOM = secrets.SystemRandom()


def _check_payload(value: Any) -> None:
    if holds_clear_id_number(value):
        raise PersonalDataInPayload("a job payload must not hold a clear ID number")


def _insert(session: Session, model: type[Job | JobSchedule]) -> Any:
    """An INSERT that can say ON CONFLICT (both dialects spell it the same way)."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)


def enqueue(
    session: Session,
    kind: str,
    payload: dict[str, Any],
    *,
    idempotency_key: str | None = None,
    run_at: datetime | None = None,
    max_attempts: int = 5,
    now: datetime | None = None,
) -> Job:
    """Queue a job in the caller's transaction (it runs only if the caller commits).

    A job with the same ``idempotency_key`` is returned instead of queuing another; the unique
    index and ``ON CONFLICT DO NOTHING`` make this hold for concurrent callers too (on
    PostgreSQL the second waits for the first to commit or roll back). Keys are remembered while
    their job is kept (finished jobs are pruned after ``jobs_retention_days``)."""
    if max_attempts < 1:
        raise ValueError("max_attempts must be at least 1")
    _check_payload(payload)
    now = now or utcnow()
    values = {
        "id": uuid.uuid4(),
        "kind": kind,
        "payload": payload,
        "idempotency_key": idempotency_key,
        "status": JobStatus.QUEUED.value,
        "attempts": 0,
        "max_attempts": max_attempts,
        "run_at": run_at or now,
        "created_at": now,
    }
    if idempotency_key is None:
        job = Job(**values)
        session.add(job)
        session.flush()
        return job
    inserted = session.execute(
        _insert(session, Job)
        .values(**values)
        .on_conflict_do_nothing(index_elements=[Job.idempotency_key])
        .returning(Job.id)
    ).scalar_one_or_none()
    if inserted is not None:
        return session.get_one(Job, inserted)
    return session.execute(select(Job).where(Job.idempotency_key == idempotency_key)).scalar_one()


def get(session: Session, job_id: uuid.UUID) -> Job | None:
    """A job by id, or None."""
    return session.get(Job, job_id)


def get_or_raise(session: Session, job_id: uuid.UUID) -> Job:
    """A job by id; ``job-not-found`` otherwise."""
    job = get(session, job_id)
    if job is None:
        raise JobNotFound(f"no job {job_id}")
    return job


def list_jobs(session: Session, *, status: str | None = None, limit: int = 50) -> list[Job]:
    """Jobs for the operator's console, newest first, optionally of one status."""
    query = select(Job)
    if status is not None:
        query = query.where(Job.status == status)
    query = query.order_by(Job.created_at.desc(), Job.id).limit(limit)
    return list(session.execute(query).scalars())


def describe_error(exc: BaseException) -> str:
    """What a failed attempt leaves in ``last_error``: the exception's class and the first line of
    its message, ID numbers masked, truncated. Domain errors carry no personal data by contract;
    driver errors put parameters on later lines, which are dropped."""
    if isinstance(exc, DomainError):
        text = f"{exc.code}: {exc.detail}"
    else:
        message = str(exc).strip().splitlines()
        text = f"{type(exc).__name__}: {message[0]}" if message else type(exc).__name__
    return redact(text)[:MAX_ERROR_CHARS]


def backoff_delay(attempt: int, *, base_seconds: float, max_seconds: float) -> timedelta:
    """How long to wait after failed attempt ``attempt`` (1, 2, …): exponential from
    ``base_seconds``, capped at ``max_seconds``, with jitter (a random half to all of it) so jobs
    that failed together do not retry together."""
    ceiling = min(max_seconds, base_seconds * 2 ** min(attempt - 1, 40))
    return timedelta(seconds=_RANDOM.uniform(ceiling / 2, ceiling))


def _bury(session: Session, job: Job, *, now: datetime, error_type: str) -> None:
    job.status = JobStatus.DEAD.value
    job.finished_at, job.lease_until, job.locked_by = now, None, None
    session.flush()
    audit.record(
        session,
        "jobs:job:dead",
        actor=JOBS_ACTOR,
        object_type="job",
        object_id=job.id,
        data={
            "kind": job.kind,
            "attempts": job.attempts,
            "max_attempts": job.max_attempts,
            "error": error_type,
        },
        at=now,
    )


def claim(
    session: Session, *, worker: str, now: datetime, lease: timedelta, limit: int = 1
) -> list[Job]:
    """Take up to ``limit`` due jobs for ``worker``: queued or failed ones whose ``run_at`` has
    come, and running ones whose lease expired (their worker died). Each becomes ``running``
    with a lease, its attempt counted. A job whose lease expired on its last attempt is buried
    instead (``dead``, audited). Commit at once: the claim is its own short transaction."""
    due = or_(
        and_(Job.status.in_(CLAIMABLE), Job.run_at <= now),
        and_(Job.status == JobStatus.RUNNING.value, Job.lease_until < now),
    )
    candidates = session.execute(
        select(Job)
        .where(due)
        .order_by(Job.run_at, Job.id)
        .limit(limit)
        .with_for_update(skip_locked=True)  # PostgreSQL; SQLite's writer lock serialises claims
    ).scalars()
    claimed = []
    for job in candidates:
        if job.status == JobStatus.RUNNING.value:
            job.last_error = f"LeaseExpired: {job.locked_by} did not finish attempt {job.attempts}"
            if job.attempts >= job.max_attempts:
                _bury(session, job, now=now, error_type="LeaseExpired")
                continue
        job.status = JobStatus.RUNNING.value
        job.attempts += 1
        job.lease_until, job.locked_by = now + lease, worker
        claimed.append(job)
    session.flush()
    return claimed


def _attempt_of(job_id: uuid.UUID, worker: str, attempt: int) -> tuple[ColumnElement[bool], ...]:
    """The job's row while it is still this worker's attempt (a lease taken over is not)."""
    return (
        Job.id == job_id,
        Job.status == JobStatus.RUNNING.value,
        Job.locked_by == worker,
        Job.attempts == attempt,
    )


def hold(session: Session, job_id: uuid.UUID, *, worker: str, attempt: int) -> None:
    """Lock the claimed job's row for the handler's transaction (PostgreSQL): while the worker
    lives no other worker's claim sees the row, even past the lease; ``LeaseLost`` when another
    worker has already reclaimed it."""
    held = session.execute(
        select(Job.id).where(*_attempt_of(job_id, worker, attempt)).with_for_update()
    ).first()
    if held is None:
        raise LeaseLost(str(job_id))


def complete(
    session: Session,
    job_id: uuid.UUID,
    *,
    worker: str,
    attempt: int,
    now: datetime,
    result: dict[str, Any] | None,
    progress: dict[str, Any] | None = None,
) -> None:
    """Mark the job done in the handler's transaction, so its effects and its completion commit
    together; ``LeaseLost`` (the caller rolls back) when the job is no longer this attempt's."""
    if result is not None:
        _check_payload(result)
    values: dict[str, Any] = {
        "status": JobStatus.DONE.value,
        "finished_at": now,
        "lease_until": None,
        "result": result,
    }
    if progress is not None:
        _check_payload(progress)
        values["progress"] = progress
    done = session.execute(
        update(Job).where(*_attempt_of(job_id, worker, attempt)).values(**values).returning(Job.id)
    ).first()
    if done is None:
        raise LeaseLost(str(job_id))


def advance(
    session: Session,
    job_id: uuid.UUID,
    *,
    worker: str,
    attempt: int,
    progress: dict[str, Any],
    lease_until: datetime,
) -> None:
    """Save a chunked job's progress in its chunk's transaction, so the chunk's effects and the
    cursor past them commit together, and renew the lease (a long job stays its worker's while it
    advances); ``LeaseLost`` (the caller rolls back) when the job is no longer this attempt's."""
    _check_payload(progress)
    moved = session.execute(
        update(Job)
        .where(*_attempt_of(job_id, worker, attempt))
        .values(progress=progress, lease_until=lease_until)
        .returning(Job.id)
    ).first()
    if moved is None:
        raise LeaseLost(str(job_id))


def release(session: Session, job_id: uuid.UUID, *, worker: str, attempt: int) -> None:
    """Give a chunked job back to the queue between two chunks (its worker is stopping): due at
    once for any worker, this attempt not counted, its progress kept."""
    session.execute(
        update(Job)
        .where(*_attempt_of(job_id, worker, attempt))
        .values(
            status=JobStatus.QUEUED.value,
            attempts=Job.attempts - 1,
            lease_until=None,
            locked_by=None,
        )
    )


def done_items(session: Session, kind: str, item_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these items a job of ``kind`` has already dealt with (``mark_done``)."""
    wanted = sorted(set(item_ids))
    found: set[uuid.UUID] = set()
    for start in range(0, len(wanted), 500):
        found.update(
            session.execute(
                select(JobItem.item_id).where(
                    JobItem.kind == kind, JobItem.item_id.in_(wanted[start : start + 500])
                )
            ).scalars()
        )
    return found


def mark_done(
    session: Session,
    kind: str,
    item_ids: Iterable[uuid.UUID],
    *,
    job_id: uuid.UUID | None,
    now: datetime,
) -> None:
    """Mark items dealt with by a job of ``kind``, in the transaction of what was done for them:
    the primary key (kind, item) refuses a second mark, so a concurrent duplicate rolls back."""
    rows = [{"kind": kind, "item_id": i, "job_id": job_id, "done_at": now} for i in item_ids]
    if rows:
        session.execute(insert(JobItem), rows)


@dataclass
class Walk:
    """Where a chunk's walk over its items stands: the position of the last item taken, how many
    were taken, and whether none is left."""

    last: int
    taken: int = 0
    done: bool = False


def walk_items(
    session: Session,
    kind: str,
    fetch: Callable[[int, int], list[Any]],
    walk: Walk,
    *,
    limit: int,
    seconds: float,
    group: int,
    position: Callable[[Any], int],
    job_id: uuid.UUID | None,
    now: datetime,
    mark: bool = True,
) -> Iterator[list[Any]]:
    """One chunk's items, a group at a time: ``fetch(after, n)`` gives the next ``n`` items (with
    an ``id``) after a position, in order. Stops after ``limit`` items or, once one group is
    done, after ``seconds``; ``walk`` says where it stopped. Yields each group's items no earlier
    run marked done and, with ``mark``, marks them once the caller dealt with them (in the same
    transaction: ADR 0026), so a re-run deals with no item twice."""
    started = time.monotonic()
    while walk.taken < limit:
        if walk.taken and time.monotonic() - started >= seconds:
            return
        items = fetch(walk.last, min(group, limit - walk.taken))
        if not items:
            walk.done = True
            return
        before = done_items(session, kind, (i.id for i in items)) if mark else set()
        fresh = [i for i in items if i.id not in before]
        yield fresh
        if mark:
            mark_done(session, kind, [i.id for i in fresh], job_id=job_id, now=now)
        walk.last, walk.taken = position(items[-1]), walk.taken + len(items)


def fail(
    session: Session,
    job_id: uuid.UUID,
    *,
    worker: str,
    attempt: int,
    error: BaseException,
    now: datetime,
    delay: timedelta,
) -> Job | None:
    """Record a failed attempt (after its transaction rolled back): ``failed`` and due again after
    ``delay``, or ``dead`` (audited) when it was the last attempt. None when the job is no longer
    this attempt's (another worker reclaimed it and owns the outcome)."""
    job = session.execute(
        select(Job).where(*_attempt_of(job_id, worker, attempt)).with_for_update()
    ).scalar_one_or_none()
    if job is None:
        return None
    job.last_error = describe_error(error)
    if job.attempts >= job.max_attempts:
        _bury(session, job, now=now, error_type=type(error).__name__)
        return job
    job.status = JobStatus.FAILED.value
    job.run_at, job.lease_until, job.locked_by = now + delay, None, None
    session.flush()
    return job


def retry(session: Session, job_id: uuid.UUID, *, actor: Actor, now: datetime | None = None) -> Job:
    """An operator sends a failed or dead job round again, with its attempts counted afresh."""
    job = session.execute(
        select(Job).where(Job.id == job_id).with_for_update()
    ).scalar_one_or_none()
    if job is None:
        raise JobNotFound(f"no job {job_id}")
    if job.status not in {JobStatus.FAILED.value, JobStatus.DEAD.value}:
        raise JobNotRetryable(f"job {job_id} is {job.status}")
    before = job.status
    job.status, job.attempts, job.run_at = JobStatus.QUEUED.value, 0, now or utcnow()
    job.finished_at = job.lease_until = job.locked_by = None
    session.flush()
    audit.record(
        session,
        "jobs:job:retry",
        actor=actor,
        object_type="job",
        object_id=job.id,
        data={"kind": job.kind, "status_before": before},
    )
    return job


def prune(session: Session, *, before: datetime) -> int:
    """Delete jobs that finished successfully before ``before``; dead jobs stay for the operator.
    Returns how many were deleted."""
    result = session.execute(
        delete(Job).where(Job.status == JobStatus.DONE.value, Job.finished_at < before)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


# -- the scheduler -------------------------------------------------------------------------------


def sync_schedules(
    session: Session, schedules: Iterable[Schedule], *, settings: Settings, now: datetime
) -> None:
    """Upsert the schedules declared in code into ``job_schedule``: kind, payload and interval
    follow the code; ``next_run_at`` (a new schedule runs at once) and ``is_enabled`` (an
    operator may switch a schedule off in the database) are kept."""
    for declared in schedules:
        seconds = int(declared.interval(settings).total_seconds())
        session.execute(
            _insert(session, JobSchedule)
            .values(
                name=declared.name,
                kind=declared.kind,
                payload=declared.payload,
                interval_seconds=seconds,
                next_run_at=now,
                is_enabled=True,
            )
            .on_conflict_do_update(
                index_elements=[JobSchedule.name],
                set_={
                    "kind": declared.kind,
                    "payload": declared.payload,
                    "interval_seconds": seconds,
                },
            )
        )


def tick(session: Session, names: Iterable[str], *, now: datetime) -> list[Job]:
    """Enqueue one job for every due schedule among ``names`` and move its ``next_run_at`` past
    ``now`` (missed runs are not made up: one job, then the next interval). Safe with several
    workers: the rows are locked ``SKIP LOCKED`` (PostgreSQL) and the job's idempotency key
    ``schedule:<name>:<due instant>`` admits one job per due instant in any case."""
    rows = session.execute(
        select(JobSchedule)
        .where(
            JobSchedule.name.in_(list(names)),
            JobSchedule.is_enabled.is_(True),
            JobSchedule.next_run_at <= now,
        )
        .order_by(JobSchedule.name)
        .with_for_update(skip_locked=True)
    ).scalars()
    queued = []
    for row in rows:
        due = row.next_run_at
        queued.append(
            enqueue(
                session,
                row.kind,
                dict(row.payload),
                idempotency_key=f"schedule:{row.name}:{due.isoformat()}",
                run_at=due,
                now=now,
            )
        )
        interval = timedelta(seconds=row.interval_seconds)
        row.next_run_at = due + ((now - due) // interval + 1) * interval
        row.last_run_at = now
    session.flush()
    return queued
