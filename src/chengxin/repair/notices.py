"""The notice at creation (两书同达, RULES.md §2): when a dishonest record is accepted, its subject
is told through the outbox what was recorded, until when it is shown, and how and from when it can
be repaired (or that a law makes it irreparable).

Ingestion enqueues one job per batch (idempotency key: the batch), so a resent batch or a retried
job tells nobody twice; the messages commit together with the job's completion.

A record that was not displayed on the day it arrived (already past its display window, or a
minor record not displayed at all) brings no notice: it is shown to no one and there is nothing to
repair, so a message naming a display end in the past would only alarm. Its subject sees it in
their own report, marked (ADR 0025).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin import casework
from chengxin.catalog import service as catalog_service
from chengxin.organizations.models import Organization
from chengxin.records.models import CreditRecord
from chengxin.records.visibility import displayed_on_arrival
from chengxin.security.actor import Actor

JOB_KIND = "repair.creation-notices"


def job_key(batch_id: uuid.UUID) -> str:
    return f"creation-notices:{batch_id}"


def send_for_batch(session: Session, batch_id: uuid.UUID, *, actor: Actor, now: datetime) -> int:
    """Tell the subject of every dishonest record the batch created or corrected that was
    displayed on the day it arrived; returns how many messages were queued (people without a
    phone see the record online)."""
    records = session.execute(
        select(CreditRecord).where(
            CreditRecord.batch_id == batch_id,
            CreditRecord.category == "dishonest",
            CreditRecord.status == "active",
        )
    ).scalars()
    _, document = catalog_service.active_document(session)
    kinds = {k.code: k for k in document.kinds}
    providers: dict[uuid.UUID, str] = {}
    sent = 0
    for record in records:
        if not displayed_on_arrival(record):
            continue
        if record.provider_id not in providers:
            org = session.get(Organization, record.provider_id)
            providers[record.provider_id] = org.name if org else ""
        kind = kinds.get(record.kind_code)
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
        if casework.tell_subject(
            session, record.subject_id, template, params, actor=actor, now=now
        ):
            sent += 1
    return sent
