"""Automatic proposals: a record kind that proposes a list (``auto_kinds`` of a list type, e.g.
the court's 失信被执行人 entries, or ``proposes_list`` of the kind in the batch's catalog version)
proposes an entry for each new current record of a finished ingestion batch, and the subject is
told at once (job ``lists.propose-from-batch``). Publication still waits for the objection window
and an operator.

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
from chengxin.lists import PROPOSE_JOB
from chengxin.lists import service as list_service
from chengxin.lists import types as list_types
from chengxin.lists.errors import ListEntryAlreadyOpen, ListRecordNotUsable
from chengxin.records.models import CreditRecord
from chengxin.records.visibility import displayed_on_arrival
from chengxin.security.actor import Actor
from chengxin.settings import Settings

JOB_KIND = PROPOSE_JOB
REASON = "依据认定单位推送的{kind}信用记录（文书号见记录）自动提出"


@dataclass(frozen=True)
class BatchProposals:
    proposed: int
    already_listed: int
    not_displayed: int = 0  # records outside their display window: nothing proposed


def _by_kind(session: Session, batch_id: uuid.UUID) -> dict[str, list[list_types.ListType]]:
    """The kinds that propose a list under the catalog version(s) the batch was validated by."""
    versions = session.execute(
        select(CreditRecord.catalog_version).where(CreditRecord.batch_id == batch_id).distinct()
    ).scalars()
    found: dict[str, list[list_types.ListType]] = {}
    for version in versions:
        document = catalog_service.document_of(
            catalog_service.get_version_or_raise(session, version)
        )
        for code, types in list_types.proposed_by_kind(document).items():
            found.setdefault(code, [])
            found[code] += [t for t in types if t not in found[code]]
    return found


def propose_from_batch(
    session: Session, batch_id: uuid.UUID, *, actor: Actor, settings: Settings, now: datetime
) -> BatchProposals:
    """Propose and notify an entry for each current record of the batch whose kind proposes a
    list and that was displayed on the day it arrived; a person already on (or proposed for)
    that list is left as they are."""
    by_kind = _by_kind(session, batch_id)
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
    proposed = already = not_displayed = 0
    for record in records:
        if not displayed_on_arrival(record):  # expired at arrival: it acts on nothing
            not_displayed += 1
            continue
        for list_type in by_kind[record.kind_code]:
            data = list_service.Proposal(
                list_type=list_type.code, reason=REASON.format(kind=record.kind_code),
                record_ids=[record.id], automatic=True,
            )  # fmt: skip
            try:  # every refusal comes before any write
                entry = list_service.propose(session, data, actor=actor, now=now)
            except ListRecordNotUsable:  # its display window ended before the job ran
                not_displayed += 1
                break
            except (ListEntryAlreadyOpen, SubjectNotFound):
                already += 1
                continue
            list_service.notify(session, entry.id, actor=actor, settings=settings, now=now)
            proposed += 1
    return BatchProposals(proposed, already, not_displayed)


def job_key(batch_id: uuid.UUID) -> str:
    """One proposal job per batch."""
    return f"lists-propose:{batch_id}"
