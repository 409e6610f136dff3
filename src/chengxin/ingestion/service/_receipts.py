"""Reading what was received: batches, rejected rows (and their download), quality figures.

Scope is applied inside each query: a provider sees its own batches, the operator centre all.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chengxin.audit import service as audit
from chengxin.ingestion.errors import BatchNotFound
from chengxin.ingestion.models import IngestBatch, IngestRejection, accepted_of, rejection_aad
from chengxin.keys import keyring_of
from chengxin.organizations import service as organization_service
from chengxin.security.actor import Actor
from chengxin.workdays.days import day_of, midnight


def get_batch_or_raise(session: Session, batch_id: uuid.UUID, *, actor: Actor) -> IngestBatch:
    """A batch the actor may see (its own organization's, or any for operators)."""
    batch = session.get(IngestBatch, batch_id)
    if batch is None or not (
        organization_service.sees_every_organization(session, actor)
        or batch.provider_id == actor.organization_id
    ):
        raise BatchNotFound
    return batch


def list_batches(
    session: Session, *, actor: Actor, limit: int = 50, offset: int = 0
) -> list[IngestBatch]:
    """Batches the actor may see, newest first."""
    query = select(IngestBatch).order_by(IngestBatch.received_at.desc()).limit(limit).offset(offset)
    if not organization_service.sees_every_organization(session, actor):
        query = query.where(IngestBatch.provider_id == actor.organization_id)
    return list(session.execute(query).scalars())


def list_rejections(
    session: Session, batch_id: uuid.UUID, *, actor: Actor, limit: int = 100, offset: int = 0
) -> tuple[int, list[IngestRejection]]:
    """A page of a batch's rejected rows (errors only, never the row's values)."""
    get_batch_or_raise(session, batch_id, actor=actor)
    total = session.execute(
        select(func.count())
        .select_from(IngestRejection)
        .where(IngestRejection.batch_id == batch_id)
    ).scalar_one()
    rows = session.execute(
        select(IngestRejection)
        .where(IngestRejection.batch_id == batch_id)
        .order_by(IngestRejection.row_no)
        .limit(limit)
        .offset(offset)
    ).scalars()
    return total, list(rows)


def rejected_rows(
    session: Session, batch_id: uuid.UUID, *, actor: Actor
) -> tuple[IngestBatch, Iterator[tuple[IngestRejection, Any]]]:
    """The batch and its rejected rows as sent (decrypted), for the download; audited because
    the rows hold personal data."""
    batch = get_batch_or_raise(session, batch_id, actor=actor)
    ring = keyring_of(session)
    audit.record(
        session,
        "ingestion:batch:download-rejected",
        actor=actor,
        object_type="ingest_batch",
        object_id=batch.id,
        data={"rejected": batch.rejected},
    )

    def rows() -> Iterator[tuple[IngestRejection, Any]]:
        query = (
            select(IngestRejection)
            .where(IngestRejection.batch_id == batch_id)
            .order_by(IngestRejection.row_no)
            .execution_options(yield_per=1000)
        )
        for rejection in session.execute(query).scalars():
            raw = None
            if rejection.raw_ct is not None and rejection.key_id is not None:
                aad = rejection_aad(batch_id, rejection.row_no)
                raw = json.loads(ring.decrypt(rejection.raw_ct, aad, rejection.key_id))
            yield rejection, raw

    return batch, rows()


@dataclass
class QualityDay:
    """One provider's figures for one day (R11: supervision and assessment)."""

    provider_id: uuid.UUID
    day: date
    batches: int = 0
    submitted: int = 0
    created: int = 0
    corrected: int = 0
    revoked: int = 0
    rejected: int = 0
    duplicates: int = 0
    rejected_by_code: Counter[str] = field(default_factory=Counter)
    lag_days_sum: int = 0
    lag_days_max: int = 0

    @property
    def accepted(self) -> int:
        return accepted_of(self)

    @property
    def lag_days_mean(self) -> float | None:
        fresh = self.created + self.corrected
        return round(self.lag_days_sum / fresh, 1) if fresh else None


def quality(
    session: Session,
    *,
    actor: Actor,
    since: date,
    until: date,
    provider_id: uuid.UUID | None = None,
) -> list[QualityDay]:
    """Per provider and day (in Beijing): submitted, accepted, rejected by code, duplicates,
    lag."""
    start, end = midnight(since), midnight(until + timedelta(days=1))
    query = select(IngestBatch).where(
        IngestBatch.received_at >= start, IngestBatch.received_at < end
    )
    if not organization_service.sees_every_organization(session, actor):
        query = query.where(IngestBatch.provider_id == actor.organization_id)
    elif provider_id is not None:
        query = query.where(IngestBatch.provider_id == provider_id)
    days: dict[tuple[uuid.UUID, date], QualityDay] = {}
    for batch in session.execute(query).scalars():
        key = (batch.provider_id, day_of(batch.received_at))
        day = days.setdefault(key, QualityDay(*key))
        day.batches += 1
        for name in (
            "submitted",
            "created",
            "corrected",
            "revoked",
            "rejected",
            "duplicates",
            "lag_days_sum",
        ):
            setattr(day, name, getattr(day, name) + getattr(batch, name))
        day.lag_days_max = max(day.lag_days_max, batch.lag_days_max)
        day.rejected_by_code.update(batch.error_codes or {})
    return sorted(days.values(), key=lambda d: (d.day, str(d.provider_id)))
