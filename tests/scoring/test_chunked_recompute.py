"""Score recompute jobs in chunks (issue 23 item 1, ADR 0026): persons in subject-id order after a
cursor, each chunk its own transaction with its scores and the cursor; a retry continues from
the cursor (nobody is scored twice in a run); the watermark moves to the run's start only when
its last chunk is done, so a change made while the run went on is read by the next incremental
run; and a writer waits behind a recompute for one chunk, not the whole run."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from chengxin import tasks
from chengxin.identity.models import Subject
from chengxin.jobs import service as jobs_service
from chengxin.jobs.models import Job
from chengxin.jobs.registry import Chunked, ChunkHandler, JobContext, Registry, Step
from chengxin.jobs.worker import Worker, default_registry
from chengxin.records.models import RecordEvent
from chengxin.scoring import columnar
from chengxin.scoring import service as scoring_service
from chengxin.scoring.models import ScoringMark, SubjectScore
from tests.scoring.fixtures import NOW, SYSTEM, Population, build_population, latest_scores

TODAY = NOW.date()
PERSONS = 120
ROWS = 25  # jobs_chunk_rows in these tests: 120 persons are five chunks (25, 25, 25, 25, 20)

Seen = list[dict[str, Any]]


@pytest.fixture
def pop(runtime: Any) -> Population:
    people = build_population(runtime, count=PERSONS, seed=23)
    people.subjects.sort()  # the order the runs take them in
    with runtime.scope() as session:  # registered before the runs (NOW is a fixed past moment)
        session.execute(update(Subject).values(created_at=NOW - timedelta(days=1)))
    return people


def _registry(seen: Seen | None = None, after: Callable[[int], None] | None = None) -> Registry:
    """The two scoring jobs as the platform registers them; ``seen`` gets, at each chunk's
    start, the job's saved progress and whether the watermark exists; ``after(n)`` runs inside
    chunk ``n`` (1, 2, …) once its work is done."""
    registry = Registry()

    def watched(handler: ChunkHandler) -> ChunkHandler:
        def step(
            session: Session, payload: dict[str, Any], progress: dict[str, Any], ctx: JobContext
        ) -> Step:
            if seen is not None:
                saved = session.get_one(Job, ctx.job_id).progress
                mark = session.get(ScoringMark, scoring_service.MARK)
                seen.append({"saved": dict(saved or {}), "mark": mark is not None})
            done = handler(session, payload, progress, ctx)
            if after is not None:
                after(int(done.progress.get("chunks", 0)))
            return done

        return step

    platform = default_registry()
    for kind in (tasks.SCORING_FULL, tasks.SCORING_INCREMENTAL):
        handler = platform.handler_for(kind)
        if isinstance(handler, Chunked):
            registry.chunked(kind)(watched(handler.step))
        elif handler is not None:  # a job of one transaction (as before ADR 0026 came to scoring)
            registry.register(kind, handler)
    return registry


def _worker(pop: Population, registry: Registry, rows: int = ROWS) -> Worker:
    worker = Worker(pop.runtime, registry=registry)
    worker.chunk_rows, worker.chunk_seconds, worker.chunk_pause = rows, 60.0, 0
    return worker


def _enqueue(pop: Population, kind: str = tasks.SCORING_FULL) -> uuid.UUID:
    with pop.runtime.scope() as session:
        return jobs_service.enqueue(session, kind, {"reason": "test"}, now=NOW).id


def _job(pop: Population, job_id: uuid.UUID) -> Job:
    with pop.runtime.scope() as session:
        return session.get_one(Job, job_id)


def _rows_per_person(pop: Population) -> dict[uuid.UUID, int]:
    with pop.runtime.scope() as session:
        rows = session.execute(
            select(SubjectScore.subject_id, func.count()).group_by(SubjectScore.subject_id)
        ).all()
        return {r[0]: int(r[1]) for r in rows}


def _head(pop: Population) -> int:
    with pop.runtime.scope() as session:
        return int(session.execute(select(func.max(RecordEvent.seq))).scalar_one() or 0)


def _some_records(pop: Population) -> None:
    kinds = ["tax-arrears", "court-judgment-defaulter", "outstanding-volunteer", "moral-exemplar"]
    for i, sid in enumerate(pop.subjects[::7]):
        pop.add_record(sid, kinds[i % len(kinds)], TODAY - timedelta(days=30 + 40 * i))


def test_a_full_recompute_runs_in_chunks_with_progress_saved_between(pop: Population) -> None:
    _some_records(pop)
    seen: Seen = []
    job_id = _enqueue(pop)
    assert _worker(pop, _registry(seen)).run_once(NOW) == 1
    job = _job(pop, job_id)
    assert job.status == "done"
    assert job.result == {"mode": "full", "computed": PERSONS, "changed": PERSONS, "chunks": 5}
    # Each chunk began from the progress the chunk before committed: the cursor past the persons
    # it scored, in subject-id order; the watermark was not there until the last chunk was done.
    assert len(seen) == 5
    assert seen[0]["saved"] == {}
    assert [s["saved"]["computed"] for s in seen[1:]] == [25, 50, 75, 100]
    assert [s["saved"]["after"] for s in seen[1:]] == [
        str(pop.subjects[n - 1]) for n in (25, 50, 75, 100)
    ]
    assert {s["saved"]["at"] for s in seen[1:]} == {NOW.isoformat()}
    # Progress done of total, as the jobs list shows it.
    assert [(s["saved"]["done"], s["saved"]["total"]) for s in seen[1:]] == [
        (n, PERSONS) for n in (25, 50, 75, 100)
    ]
    assert (job.progress["done"], job.progress["total"]) == (PERSONS, PERSONS)
    assert not any(s["mark"] for s in seen)
    head = _head(pop)
    with pop.runtime.scope() as session:
        mark = session.get_one(ScoringMark, scoring_service.MARK)
        assert (mark.run_at, mark.record_seq) == (NOW, head)
    chunked = latest_scores(pop)
    assert _rows_per_person(pop) == dict.fromkeys(pop.subjects, 1)
    # The same scores as one run in one transaction: a one-shot recompute changes nothing, and
    # a one-shot run on a fresh copy (the scores wiped) gives the same.
    with pop.runtime.scope() as session:
        again = scoring_service.recompute_full(
            session, settings=pop.runtime.settings, actor=SYSTEM, now=NOW
        )
    assert (again.computed, again.changed) == (PERSONS, 0)
    with pop.runtime.scope() as session:
        session.execute(SubjectScore.__table__.delete())
        scoring_service.recompute_full(
            session, settings=pop.runtime.settings, actor=SYSTEM, now=NOW
        )
    assert latest_scores(pop) == chunked


def test_a_failed_chunk_keeps_the_chunks_before_and_the_retry_scores_each_person_once(
    pop: Population, monkeypatch: pytest.MonkeyPatch
) -> None:
    _some_records(pop)
    real = columnar.write
    written = {"n": 0}

    def crashing(session: Session, rows: Any, *args: Any, **kwargs: Any) -> None:
        real(session, rows, *args, **kwargs)  # the rows are written in the chunk's transaction
        written["n"] += rows.height
        if 2 * ROWS < written["n"] <= 2 * ROWS + 10:  # the tenth person of the third chunk, once
            raise RuntimeError("crashed mid-chunk")

    # Batches of 10 persons: the third chunk has written its first batch when it crashes.
    monkeypatch.setattr(scoring_service, "CHUNK_GROUP", 10)
    monkeypatch.setattr(columnar, "write", crashing)
    job_id = _enqueue(pop)
    worker = _worker(pop, _registry())
    worker.run_once(NOW)
    failed = _job(pop, job_id)
    assert failed.status == "failed"
    assert failed.progress is not None
    assert (failed.progress["computed"], failed.progress["chunks"]) == (2 * ROWS, 2)
    assert (failed.progress["done"], failed.progress["total"]) == (2 * ROWS, PERSONS)
    # Chunks 1 and 2 stay; chunk 3 rolled back (its first ten scores with it).
    assert _rows_per_person(pop) == dict.fromkeys(pop.subjects[: 2 * ROWS], 1)
    with pop.runtime.scope() as session:
        assert session.get(ScoringMark, scoring_service.MARK) is None

    later = NOW + timedelta(hours=2)
    worker.run_once(later)
    done = _job(pop, job_id)
    assert (done.status, done.attempts) == ("done", 2)
    # Five chunks committed (the failed one left nothing, not even its count).
    assert done.result == {"mode": "full", "computed": PERSONS, "changed": PERSONS, "chunks": 5}
    # One history row per person for the run, every one for the run's moment (not the retry's).
    assert _rows_per_person(pop) == dict.fromkeys(pop.subjects, 1)
    with pop.runtime.scope() as session:
        moments = set(session.execute(select(SubjectScore.valid_from)).scalars())
        assert moments == {NOW}
        assert session.get_one(ScoringMark, scoring_service.MARK).run_at == NOW


def test_a_change_made_while_a_run_goes_on_is_read_by_the_next_incremental_run(
    pop: Population,
) -> None:
    stop = threading.Event()

    def pause_after_second(chunk: int) -> None:
        if chunk == 2:
            stop.set()  # the worker gives the job back after this chunk

    first, last = pop.subjects[0], pop.subjects[-1]
    job_id = _enqueue(pop)
    worker = _worker(pop, _registry(after=pause_after_second))
    worker.stopping = stop
    head = _head(pop)
    worker.run_once(NOW)
    paused = _job(pop, job_id)
    assert (paused.status, paused.progress["computed"]) == ("queued", 2 * ROWS)

    # Meanwhile a record arrives for a person already scored, and one for a person not yet.
    pop.add_record(first, "tax-arrears", TODAY - timedelta(days=30))
    pop.add_record(last, "tax-arrears", TODAY - timedelta(days=30))
    stop.clear()
    worker.run_once(NOW + timedelta(minutes=5))
    assert _job(pop, job_id).status == "done"
    scores = latest_scores(pop)
    assert scores[first][0] == 1050  # scored before its record came
    assert scores[last][0] == 1000 - 40  # its chunk came after
    with pop.runtime.scope() as session:
        mark = session.get_one(ScoringMark, scoring_service.MARK)
        # The watermark is the run's start: the record events of the run's time are after it.
        assert (mark.record_seq, mark.run_at) == (head, NOW)

    incremental = _enqueue(pop, tasks.SCORING_INCREMENTAL)
    worker.run_once(NOW + timedelta(hours=1))
    done = _job(pop, incremental)
    assert done.status == "done"
    assert done.result == {"mode": "incremental", "computed": 2, "changed": 1, "chunks": 1}
    assert latest_scores(pop)[first][0] == 1000 - 40
    assert _rows_per_person(pop)[first] == 2
    assert _rows_per_person(pop)[last] == 1


def test_an_incremental_run_takes_the_changed_persons_in_chunks(pop: Population) -> None:
    with pop.runtime.scope() as session:
        scoring_service.recompute_full(
            session, settings=pop.runtime.settings, actor=SYSTEM, now=NOW
        )
    changed = pop.subjects[::2]  # 60 persons: chunks of 25, 25 and 10
    for sid in changed:
        pop.add_record(sid, "moral-exemplar", TODAY - timedelta(days=3))
    seen: Seen = []
    job_id = _enqueue(pop, tasks.SCORING_INCREMENTAL)
    _worker(pop, _registry(seen)).run_once(NOW + timedelta(hours=1))
    done = _job(pop, job_id)
    assert done.result == {"mode": "incremental", "computed": 60, "changed": 60, "chunks": 3}
    assert [s["saved"].get("after") for s in seen] == [None, str(changed[24]), str(changed[49])]
    assert all(s["mark"] for s in seen)  # the full run's watermark, until the last chunk moved it
    scores = latest_scores(pop)
    assert all(scores[sid][0] == 1050 + 80 for sid in changed)
    # Nothing left: the incremental run agrees with a full one.
    with pop.runtime.scope() as session:
        again = scoring_service.recompute_full(
            session, settings=pop.runtime.settings, actor=SYSTEM, now=NOW + timedelta(hours=1)
        )
    assert again.changed == 0


@pytest.mark.sqlite
def test_a_writer_waits_behind_a_full_recompute_for_one_chunk_at_most(
    pop: Population, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each person costs 20 ms here (a slowed columnar engine), so the run takes about 2.4 s in
    chunks of 10 persons (0.2 s): a writer waits for the chunk in flight, never the whole run."""
    real = columnar.score_frame

    def slow(compiled: Any, subjects: Any, *args: Any) -> Any:
        time.sleep(0.02 * len(subjects))
        return real(compiled, subjects, *args)

    monkeypatch.setattr(columnar, "score_frame", slow)
    job_id = _enqueue(pop)
    worker = _worker(pop, _registry(), rows=10)
    started = time.perf_counter()
    thread = threading.Thread(target=worker.run_once, args=(NOW,))
    thread.start()
    time.sleep(0.3)
    waits = []
    while thread.is_alive() and len(waits) < 6:
        asked = time.perf_counter()
        with pop.runtime.scope() as session:
            jobs_service.mark_done(session, "test.writer", [uuid.uuid4()], job_id=None, now=NOW)
        waits.append(time.perf_counter() - asked)
        time.sleep(0.1)
    thread.join()
    took = time.perf_counter() - started
    assert _job(pop, job_id).status == "done"
    assert took > 2.0
    assert len(waits) >= 4
    assert max(waits) < 0.8, waits  # one chunk (0.2 s) and a noisy machine
