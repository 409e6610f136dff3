"""The notice at creation (两书同达) in chunks (issue 23, ADR 0026): a batch's notices are sent a
few records per transaction with the cursor past them, so a failure mid-way keeps what was sent,
the retry continues, and nobody is told twice."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from chengxin.db import utcnow
from chengxin.jobs.models import Job
from chengxin.jobs.worker import Worker
from chengxin.notifications import service as notification_service
from chengxin.repair import notices as repair_notices
from tests.objections.fixtures import RightsWorld, build_rights, old_tax_row

NOTICE = "dishonest-record-notice"


@pytest.fixture
def rw(runtime: Any, tmp_path: Any) -> RightsWorld:
    return build_rights(runtime, tmp_path)


def test_a_failure_mid_job_keeps_the_chunks_sent_and_the_retry_tells_the_rest_once(
    rw: RightsWorld, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    Worker(rw.runtime).run_once()  # the set-up batches' notices
    persons = rw.aw.people[3:12]  # nine people with phones and no record yet
    batch = rw.push(tmp_path, [old_tax_row(p, f"C-{i}") for i, p in enumerate(persons)], "many")
    assert batch.created == len(persons)
    real, calls = notification_service.notify_many, []

    def outbox_fails_in_the_second_chunk(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 2:
            raise ConnectionError("outbox down")
        return real(*args, **kwargs)

    monkeypatch.setattr(notification_service, "notify_many", outbox_fails_in_the_second_chunk)
    worker = Worker(rw.runtime, name="notices")
    worker.chunk_rows, worker.chunk_pause = 3, 0
    worker.run_once()
    with rw.runtime.scope() as session:
        job = session.execute(
            select(Job).where(Job.idempotency_key == repair_notices.job_key(batch.id))
        ).scalar_one()
        assert (job.status, job.progress) == ("failed", {"after_row": 4, "sent": 3})
    told = [p for p in persons if NOTICE in rw.messages(p)]
    assert told == persons[:3]  # the first chunk's three committed; the second's rolled back
    worker.run_once(utcnow() + timedelta(hours=2))
    with rw.runtime.scope() as session:
        done = session.get_one(Job, job.id)
        assert (done.status, done.result) == ("done", {"sent": len(persons)})
    assert [rw.messages(p).count(NOTICE) for p in persons] == [1] * len(persons)
