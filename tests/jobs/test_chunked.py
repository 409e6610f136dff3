"""Chunked jobs (issue 23, ADR 0026): each chunk is its own short transaction with the progress
past it, so a crash loses one chunk at most, a retry continues, and a writer waits behind a long
job for one chunk, not the whole job."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chengxin.jobs import service as jobs_service
from chengxin.jobs.models import Job, JobItem
from chengxin.jobs.registry import JobContext, Registry, Step
from chengxin.jobs.worker import Worker
from chengxin.runtime import Runtime

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
KIND = "test.chunked"


def _items(runtime: Runtime) -> int:
    with runtime.scope() as s:
        return s.execute(
            select(func.count()).select_from(JobItem).where(JobItem.kind == KIND)
        ).scalar_one()


def _job(runtime: Runtime, job_id: uuid.UUID) -> Job:
    with runtime.scope() as s:
        return s.get_one(Job, job_id)


def _counting(registry: Registry, chunks: int, *, fail_at: list[int], pause: float = 0) -> None:
    """A job of ``chunks`` chunks; each marks one item (its effect) and counts in its progress;
    the chunk numbers in ``fail_at`` fail once each."""

    @registry.chunked(KIND)
    def count(
        session: Session, payload: dict[str, Any], progress: dict[str, Any], ctx: JobContext
    ) -> Step:
        done = int(progress.get("done", 0))
        jobs_service.mark_done(session, KIND, [uuid.uuid4()], job_id=ctx.job_id, now=ctx.now)
        time.sleep(pause)
        if done in fail_at:
            fail_at.remove(done)
            raise RuntimeError("chunk failed")
        done += 1
        return Step({"done": done}, {"done": done} if done == chunks else None)


def test_a_failed_chunk_loses_only_itself_and_the_retry_continues(runtime: Runtime) -> None:
    registry = Registry()
    _counting(registry, 5, fail_at=[3])
    with runtime.scope() as s:
        job_id = jobs_service.enqueue(s, KIND, {}, now=T0).id
    worker = Worker(runtime, registry=registry)
    worker.chunk_pause = 0
    assert worker.run_once(T0) == 1
    failed = _job(runtime, job_id)
    # Chunks 0, 1 and 2 committed with their progress; chunk 3 rolled back.
    assert (failed.status, failed.progress, _items(runtime)) == ("failed", {"done": 3}, 3)
    worker.run_once(T0 + timedelta(hours=2))
    done = _job(runtime, job_id)
    assert (done.status, done.progress, done.result) == ("done", {"done": 5}, {"done": 5})
    assert _items(runtime) == 5  # each chunk's effect once


def test_a_chunk_renews_the_lease(runtime: Runtime) -> None:
    registry = Registry()
    seen: list[datetime | None] = []

    @registry.chunked(KIND)
    def look(
        session: Session, payload: dict[str, Any], progress: dict[str, Any], ctx: JobContext
    ) -> Step:
        seen.append(session.get_one(Job, ctx.job_id).lease_until)
        n = int(progress.get("n", 0)) + 1
        return Step({"n": n}, {"n": n} if n == 3 else None)

    with runtime.scope() as s:
        job_id = jobs_service.enqueue(s, KIND, {}, now=T0).id
    Worker(runtime, registry=registry).run_once(T0)
    assert _job(runtime, job_id).status == "done"
    assert len(seen) == 3
    assert all(lease is not None and lease >= T0 for lease in seen)


def test_a_second_mark_of_an_item_is_refused(runtime: Runtime) -> None:
    item = uuid.uuid4()
    with runtime.scope() as s:
        jobs_service.mark_done(s, KIND, [item], job_id=None, now=T0)
    assert _items(runtime) == 1
    with pytest.raises(Exception, match=r"(?i)unique|duplicate"), runtime.scope() as s:
        jobs_service.mark_done(s, KIND, [item], job_id=None, now=T0)
    with runtime.scope() as s:
        assert jobs_service.done_items(s, KIND, [item, uuid.uuid4()]) == {item}


@pytest.mark.sqlite
def test_a_writer_waits_behind_a_long_job_for_one_chunk_at_most(runtime: Runtime) -> None:
    """Ten chunks of 0.15 s each hold SQLite's write lock one at a time: a request that writes
    meanwhile waits for the chunk in flight, never the 1.5 s of the whole job."""
    registry = Registry()
    _counting(registry, 10, fail_at=[], pause=0.15)
    with runtime.scope() as s:
        job_id = jobs_service.enqueue(s, KIND, {}, now=T0).id
    worker = Worker(runtime, registry=registry)
    started = time.perf_counter()
    thread = threading.Thread(target=worker.run_once, args=(T0,))
    thread.start()
    time.sleep(0.3)
    waits = []
    while thread.is_alive() and len(waits) < 4:
        asked = time.perf_counter()
        with runtime.scope() as s:
            jobs_service.mark_done(s, "test.writer", [uuid.uuid4()], job_id=None, now=T0)
        waits.append(time.perf_counter() - asked)
        time.sleep(0.05)
    thread.join()
    took = time.perf_counter() - started
    assert _job(runtime, job_id).status == "done"
    assert took > 1.4
    assert len(waits) >= 3
    assert max(waits) < 0.6, waits  # one chunk (0.15 s) and a noisy machine


def test_the_state_sweep_works_in_chunks_until_nothing_is_due(runtime: Runtime) -> None:
    from chengxin.jobs.worker import default_registry
    from chengxin.state.models import CreditStateRow
    from chengxin.tasks import STATE_SWEEP

    # 120 rows due (persons without facts: the sweep's recomputation removes them).
    with runtime.scope() as s:
        s.add_all(
            CreditStateRow(subject_id=uuid.uuid4(), state="{}", as_of=T0, next_change_at=T0)
            for _ in range(120)
        )
        job_id = jobs_service.enqueue(s, STATE_SWEEP, {}, now=T0).id
    worker = Worker(runtime, registry=default_registry())
    worker.chunk_rows, worker.chunk_pause = 60, 0
    while _job(runtime, job_id).status != "done":
        assert worker.run_once(T0 + timedelta(seconds=1))
    done = _job(runtime, job_id)
    assert done.result == {"recomputed": 120}
    assert done.progress == {"recomputed": 120, "chunks": 2}
    with runtime.scope() as s:
        assert s.execute(select(func.count()).select_from(CreditStateRow)).scalar_one() == 0


def test_a_stopping_worker_gives_a_chunked_job_back_between_chunks(runtime: Runtime) -> None:
    registry = Registry()
    stop = threading.Event()

    @registry.chunked(KIND)
    def count(
        session: Session, payload: dict[str, Any], progress: dict[str, Any], ctx: JobContext
    ) -> Step:
        jobs_service.mark_done(session, KIND, [uuid.uuid4()], job_id=ctx.job_id, now=ctx.now)
        stop.set()  # the server shuts down while the job runs
        done = int(progress.get("done", 0)) + 1
        return Step({"done": done}, {"done": done} if done == 5 else None)

    with runtime.scope() as s:
        job_id = jobs_service.enqueue(s, KIND, {}, now=T0).id
    worker = Worker(runtime, registry=registry)
    worker.chunk_pause, worker.stopping = 0, stop
    worker.run_once(T0)
    released = _job(runtime, job_id)
    assert (released.status, released.attempts, released.progress) == ("queued", 0, {"done": 1})
    other = Worker(runtime, registry=registry, name="next")
    other.chunk_pause = 0
    other.run_once(T0)
    done = _job(runtime, job_id)
    assert (done.status, done.attempts, done.result) == ("done", 1, {"done": 5})
    assert _items(runtime) == 5
