"""Automatic proposals: a record kind that proposes a list (``auto_kinds`` of a list type, e.g.
the court's 失信被执行人 entries, or ``proposes_list`` of the kind in the batch's catalog version)
proposes an entry for each new current record of a finished ingestion batch, and the subject is
told at once (job ``lists.propose-from-batch``, in chunks of records each marked done with its
proposal, so a re-run proposes nothing twice: ADR 0026). Publication still waits for the objection
window and an operator.

A record that was not displayed on the day it arrived (already past its display window) proposes
nothing and nobody is told of a listing (ADR 0025); nor does one whose window ended before the job
ran (``list-record-not-usable``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin.catalog import service as catalog_service
from chengxin.identity.errors import SubjectNotFound
from chengxin.jobs import service as jobs_service
from chengxin.lists import PROPOSE_JOB
from chengxin.lists import service as list_service
from chengxin.lists import types as list_types
from chengxin.lists.errors import ListEntryAlreadyOpen, ListRecordNotUsable
from chengxin.records.models import CreditRecord, RecordStatus
from chengxin.records.visibility import displayed_on_arrival
from chengxin.security.actor import Actor
from chengxin.settings import Settings

JOB_KIND = PROPOSE_JOB
GROUP = 20  # records read and proposed together within a chunk
REASON = "依据认定单位推送的{kind}信用记录（文书号见记录）自动提出"


@dataclass(frozen=True)
class BatchProposals:
    proposed: int
    already_listed: int
    not_displayed: int = 0  # records outside their display window: nothing proposed


def _by_kind(session: Session, versions: list[str]) -> dict[str, list[list_types.ListType]]:
    """The kinds that propose a list under the catalog version(s) the batch was validated by."""
    found: dict[str, list[list_types.ListType]] = {}
    for version in versions:
        document = catalog_service.document_of(
            catalog_service.get_version_or_raise(session, version)
        )
        for code, types in list_types.proposed_by_kind(document).items():
            found.setdefault(code, [])
            found[code] += [t for t in types if t not in found[code]]
    return found


@dataclass(frozen=True)
class ProposalChunk:
    """One chunk of a batch's proposals: the row number it reached, its counts, and whether the
    batch has no records left after it."""

    last_row: int
    counts: BatchProposals
    done: bool


def proposing_versions(session: Session, batch_id: uuid.UUID) -> list[str]:
    """The catalog versions the batch's records were validated by (read once per job)."""
    return sorted(
        session.execute(
            select(CreditRecord.catalog_version).where(CreditRecord.batch_id == batch_id).distinct()
        ).scalars()
    )


def propose_chunk(
    session: Session,
    batch_id: uuid.UUID,
    *,
    versions: list[str],
    after_row: int,
    limit: int,
    seconds: float,
    actor: Actor,
    settings: Settings,
    now: datetime,
    job_id: uuid.UUID | None = None,
    mark: bool = True,
) -> ProposalChunk:
    """Proposals for the batch's records after row ``after_row`` (at most ``limit``, none begun
    after ``seconds``). With ``mark``, each record is marked done with its proposal (ADR 0026),
    and a record already marked is passed over: a re-run proposes nothing twice."""
    by_kind = _by_kind(session, versions)
    if not by_kind:
        return ProposalChunk(after_row, BatchProposals(0, 0), done=True)

    def fetch(after: int, n: int) -> list[CreditRecord]:
        # The batch's records in row order after the cursor (indexed).
        return list(
            session.execute(
                select(CreditRecord)
                .where(
                    CreditRecord.batch_id == batch_id,
                    CreditRecord.row_no > after,
                    CreditRecord.status == RecordStatus.ACTIVE,
                    CreditRecord.kind_code.in_(sorted(by_kind)),
                )
                .order_by(CreditRecord.row_no)
                .limit(n)
            ).scalars()
        )

    proposed = already = not_displayed = 0
    walk = jobs_service.Walk(after_row)
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
        mark=mark,
    ):
        for record in group:
            counts = _propose_for(
                session, record, by_kind[record.kind_code], actor=actor, settings=settings, now=now
            )
            proposed += counts.proposed
            already += counts.already_listed
            not_displayed += counts.not_displayed
    return ProposalChunk(walk.last, BatchProposals(proposed, already, not_displayed), walk.done)


def _propose_for(
    session: Session,
    record: CreditRecord,
    types: list[list_types.ListType],
    *,
    actor: Actor,
    settings: Settings,
    now: datetime,
) -> BatchProposals:
    """Propose (and notify) one record's entries on the lists its kind proposes."""
    if not displayed_on_arrival(record):  # expired at arrival: it acts on nothing
        return BatchProposals(0, 0, 1)
    proposed = already = 0
    for list_type in types:
        data = list_service.Proposal(
            list_type=list_type.code,
            reason=REASON.format(kind=record.kind_code),
            record_ids=[record.id],
            automatic=True,
        )
        try:  # every refusal comes before any write
            entry = list_service.propose(session, data, actor=actor, now=now)
        except ListRecordNotUsable:  # its display window ended before the job ran
            return BatchProposals(proposed, already, 1)
        except (ListEntryAlreadyOpen, SubjectNotFound):
            already += 1
            continue
        list_service.notify(session, entry.id, actor=actor, settings=settings, now=now)
        proposed += 1
    return BatchProposals(proposed, already, 0)


def propose_from_batch(
    session: Session, batch_id: uuid.UUID, *, actor: Actor, settings: Settings, now: datetime
) -> BatchProposals:
    """Propose and notify an entry for each current record of the batch whose kind proposes a
    list and that was displayed on the day it arrived, in the caller's transaction; a person
    already on (or proposed for) that list is left as they are. The job uses ``propose_chunk``."""
    versions = proposing_versions(session, batch_id)
    proposed = already = not_displayed = 0
    after = 0
    while True:
        chunk = propose_chunk(
            session,
            batch_id,
            versions=versions,
            after_row=after,
            limit=1000,
            seconds=float("inf"),
            actor=actor,
            settings=settings,
            now=now,
            mark=False,
        )
        proposed += chunk.counts.proposed
        already += chunk.counts.already_listed
        not_displayed += chunk.counts.not_displayed
        after = chunk.last_row
        if chunk.done:
            return BatchProposals(proposed, already, not_displayed)


def job_key(batch_id: uuid.UUID) -> str:
    """One proposal job per batch."""
    return f"lists-propose:{batch_id}"
