"""Automatic proposals: a record kind that proposes a list (``auto_kinds`` of a list type, e.g.
the court's 失信被执行人 entries) proposes an entry for each new current record of a finished
ingestion batch, and the subject is told at once (job ``lists.propose-from-batch``). Publication
still waits for the objection window and an operator."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin.identity.errors import SubjectNotFound
from chengxin.lists import PROPOSE_JOB
from chengxin.lists import service as list_service
from chengxin.lists import types as list_types
from chengxin.lists.errors import ListEntryAlreadyOpen
from chengxin.records.models import CreditRecord
from chengxin.security.actor import Actor
from chengxin.settings import Settings

JOB_KIND = PROPOSE_JOB
REASON = "依据认定单位推送的{kind}信用记录（文书号见记录）自动提出"


@dataclass(frozen=True)
class BatchProposals:
    proposed: int
    already_listed: int


def propose_from_batch(
    session: Session, batch_id: uuid.UUID, *, actor: Actor, settings: Settings, now: datetime
) -> BatchProposals:
    """Propose and notify an entry for each current record of the batch whose kind proposes a
    list; a person already on (or proposed for) that list is left as they are."""
    by_kind = list_types.proposed_by_kind()
    if not by_kind:
        return BatchProposals(0, 0)
    records = session.execute(
        select(CreditRecord)
        .where(
            CreditRecord.batch_id == batch_id,
            CreditRecord.status == "active",
            CreditRecord.kind_code.in_(sorted(by_kind)),
        )
        .order_by(CreditRecord.row_no)
    ).scalars()
    proposed = already = 0
    for record in records:
        for list_type in by_kind[record.kind_code]:
            data = list_service.Proposal(
                list_type=list_type.code, reason=REASON.format(kind=record.kind_code),
                record_ids=[record.id], automatic=True,
            )  # fmt: skip
            try:  # both refusals come before any write
                entry = list_service.propose(session, data, actor=actor, now=now)
            except (ListEntryAlreadyOpen, SubjectNotFound):
                already += 1
                continue
            list_service.notify(session, entry.id, actor=actor, settings=settings, now=now)
            proposed += 1
    return BatchProposals(proposed, already)


def job_key(batch_id: uuid.UUID) -> str:
    """One proposal job per batch."""
    return f"lists-propose:{batch_id}"
