"""Which record versions are in dispute (异议处理中): read by everything that shows records —
reports, query answers, checks, lists — so the mark shows wherever the record shows."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from chengxin.objections.models import OPEN_STATUSES, Objection


def open_disputes(
    session: Session, record_ids: Iterable[uuid.UUID], *, at: datetime | None = None
) -> set[uuid.UUID]:
    """The record versions in dispute at a moment (now when None): an objection filed by then
    and not decided or withdrawn by then."""
    ids = list(record_ids)
    if not ids:
        return set()
    query = select(Objection.record_id).where(Objection.record_id.in_(ids))
    if at is None:
        query = query.where(Objection.status.in_(OPEN_STATUSES))
    else:
        query = query.where(
            Objection.filed_at <= at,
            or_(Objection.decided_at.is_(None), Objection.decided_at > at),
        )
    return set(session.execute(query).scalars())
