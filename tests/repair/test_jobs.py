"""The rights workflows' background work through the real job queue: the notice at creation
(两书同达) once per batch, and the periodic sweeps of objections, repairs and expiry."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from chengxin.jobs.models import Job
from chengxin.jobs.worker import Worker
from chengxin.notifications import service as notification_service
from chengxin.notifications.models import NotificationOutbox
from chengxin.objections import service as objection_service
from chengxin.objections.models import Objection, ObjectionStatus
from chengxin.records.models import SweepMark
from chengxin.repair import notices as repair_notices
from tests.objections.fixtures import RightsWorld, build_rights, old_tax_row


@pytest.fixture
def rw(runtime: Any, tmp_path: Any) -> RightsWorld:
    return build_rights(runtime, tmp_path)


def test_a_new_dishonest_record_brings_its_subject_a_notice_with_the_way_out(
    rw: RightsWorld, tmp_path: Any
) -> None:
    Worker(rw.runtime).run_once()  # the set-up batches' notices (people then had no phone)
    person = rw.aw.people[10]
    batch = rw.push(tmp_path, [old_tax_row(person, "N-1")], "notice")
    with rw.runtime.scope() as session:
        job = session.execute(
            select(Job).where(Job.idempotency_key == repair_notices.job_key(batch.id))
        ).scalar_one()
        assert job.payload == {"batch_id": str(batch.id)}
    assert Worker(rw.runtime).run_once() >= 1
    assert rw.messages(person).count("dishonest-record-notice") == 1
    subject_id = rw.subject(person)
    with rw.runtime.scope() as session:
        row = session.execute(
            select(NotificationOutbox).where(
                NotificationOutbox.subject_id == subject_id,
                NotificationOutbox.template == "dishonest-record-notice",
            )
        ).scalar_one()
        text = notification_service.text_of(session, row)
        done = session.get_one(Job, job.id)
        assert (done.status, done.result) == ("done", {"sent": 1})
    assert "2028-05-31" in text  # the last day shown (36 months from 2025-06-01, exclusive end)
    assert "2026-06-01" in text  # repair can be applied for from then
    assert "免费" in text
    # The same file again is a replay: no new version, no second notice.
    again = rw.push(tmp_path, [old_tax_row(person, "N-1")], "notice-again")
    assert again.duplicates == 1
    Worker(rw.runtime).run_once()
    assert rw.messages(person).count("dishonest-record-notice") == 1


def test_the_scheduler_sweeps_cases_and_expiry(rw: RightsWorld) -> None:
    person = rw.aw.with_records[0]
    with rw.runtime.scope() as session:
        objection = objection_service.file(
            session,
            record_id=rw.record(person).id,
            reason="记录有误",
            evidence=[],
            actor=rw.citizen(person),
            settings=rw.settings,
        )
        objection_id = objection.id
    Worker(rw.runtime).run_once()
    with rw.runtime.scope() as session:
        stored = session.get_one(Objection, objection_id)
        assert stored.status == ObjectionStatus.FORWARDED.value
        assert session.get(SweepMark, "records.expiry") is not None
        kinds = set(session.execute(select(Job.kind).where(Job.status == "done")).scalars())
    assert {"objections.sweep", "repair.sweep", "records.expiry"} <= kinds


def test_a_record_expired_on_arrival_brings_no_notice_at_creation(
    rw: RightsWorld, tmp_path: Any
) -> None:
    Worker(rw.runtime).run_once()  # the set-up batches' notices
    person = rw.aw.people[10]
    expired = old_tax_row(
        person, "X-1", 认定日期="2023-11-01", 行为日期="2023-10-01", 告知日期="2023-11-05"
    )
    assert rw.push(tmp_path, [expired], "expired").created == 1
    Worker(rw.runtime).run_once()
    assert "dishonest-record-notice" not in rw.messages(person)
    assert rw.push(tmp_path, [old_tax_row(person, "N-2")], "current").created == 1
    Worker(rw.runtime).run_once()
    assert rw.messages(person).count("dishonest-record-notice") == 1
