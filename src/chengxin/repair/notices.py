"""The notice at creation (两书同达, RULES.md §2): when a dishonest record is accepted, its subject
is told through the outbox what was recorded, until when it is shown, and how and from when it can
be repaired (or that a law makes it irreparable).

Ingestion enqueues one job per batch (idempotency key: the batch). The job works in chunks of
records in row order (ADR 0026), each one short transaction holding its messages, a mark per record
(``job_item``) and the cursor past them, so a retried, reclaimed or repeated job tells nobody twice
and never holds the database's write lock for longer than one chunk.

A record that was not displayed on the day it arrived (already past its display window, or a
minor record not displayed at all) brings no notice: it is shown to no one and there is nothing to
repair, so a message naming a display end in the past would only alarm. Its subject sees it in
their own report, marked (ADR 0025).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin.catalog import service as catalog_service
from chengxin.catalog.schema import RecordKind
from chengxin.jobs import service as jobs_service
from chengxin.notifications import service as notification_service
from chengxin.organizations.models import Organization
from chengxin.records.models import CreditRecord, RecordStatus
from chengxin.records.visibility import displayed_on_arrival
from chengxin.security.actor import Actor

JOB_KIND = "repair.creation-notices"
GROUP = 20  # records read, prepared and queued together within a chunk


def job_key(batch_id: uuid.UUID) -> str:
    return f"creation-notices:{batch_id}"


class Chunk(NamedTuple):
    """One chunk of a batch's notices: the row number it reached, the messages it queued, and
    whether the batch has no records left after it."""

    last_row: int
    sent: int
    done: bool


def send_chunk(
    session: Session,
    batch_id: uuid.UUID,
    *,
    after_row: int,
    limit: int,
    seconds: float,
    actor: Actor,
    now: datetime,
    job_id: uuid.UUID | None = None,
) -> Chunk:
    """Notices for the batch's dishonest records after row ``after_row``: at most ``limit``
    records, and none begun after ``seconds``. Each record is marked done with its message, so
    a record already dealt with (a crash after its commit, a second job) is passed over."""
    _, document = catalog_service.active_document(session)
    kinds = {k.code: k for k in document.kinds}
    providers: dict[uuid.UUID, str] = {}

    def fetch(after: int, n: int) -> list[CreditRecord]:
        return list(
            session.execute(
                select(CreditRecord)
                .where(
                    CreditRecord.batch_id == batch_id,
                    CreditRecord.row_no > after,
                    CreditRecord.category == "dishonest",
                    CreditRecord.status == RecordStatus.ACTIVE,
                )
                .order_by(CreditRecord.row_no)
                .limit(n)
            ).scalars()
        )

    # A few records at a time, the clock read between: a chunk ends within one group of its
    # time allowed (each message costs a few milliseconds: sealing, audit).
    walk, sent = jobs_service.Walk(after_row), 0
    for group in jobs_service.walk_items(
        session,
        JOB_KIND,
        fetch,
        walk,
        limit=limit,
        seconds=seconds,
        group=GROUP,
        position=lambda r: r.row_no,
        job_id=job_id,
        now=now,
    ):
        outgoing = []
        for record in group:
            if not displayed_on_arrival(record):
                continue
            if record.provider_id not in providers:
                org = session.get(Organization, record.provider_id)
                providers[record.provider_id] = org.name if org else ""
            outgoing.append(_notice(record, kinds.get(record.kind_code), providers))
        queued = notification_service.notify_many(session, outgoing, actor=actor, now=now)
        sent += sum(1 for q in queued if q is not None)
    return Chunk(walk.last, sent, done=walk.done)


def _notice(
    record: CreditRecord, kind: RecordKind | None, providers: dict[uuid.UUID, str]
) -> notification_service.Notice:
    params: dict[str, Any] = {
        "provider": providers[record.provider_id],
        "kind": kind.name_zh if kind else record.kind_code,
        "document": record.document_no,
        "until": str(record.display_until_on - timedelta(days=1)),  # the last day shown
    }
    template = "dishonest-record-notice-irreparable"
    if kind is None or kind.repairable:
        template = "dishonest-record-notice"
        params["repair_from"] = str(record.repair_from_on or record.display_from_on)
    return notification_service.Notice(record.subject_id, template, params)


def send_for_batch(session: Session, batch_id: uuid.UUID, *, actor: Actor, now: datetime) -> int:
    """Tell the subject of every dishonest record the batch created or corrected that was
    displayed on the day it arrived, in the caller's transaction; returns how many messages were
    queued (people without a phone see the record online). The job uses ``send_chunk``."""
    sent, after = 0, 0
    while True:
        chunk = send_chunk(
            session,
            batch_id,
            after_row=after,
            limit=1000,
            seconds=float("inf"),
            actor=actor,
            now=now,
        )
        sent, after = sent + chunk.sent, chunk.last_row
        if chunk.done:
            return sent
