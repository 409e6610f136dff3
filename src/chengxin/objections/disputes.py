"""Which record versions are in dispute (异议处理中): read by everything that shows records —
reports, query answers, checks, lists — so the mark shows wherever the record shows."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, or_, select
from sqlalchemy.orm import Session

from chengxin.objections.models import OPEN_STATUSES, Objection


def in_dispute_now(where: ColumnElement[bool]) -> Select[Any]:
    """The record versions in dispute now, among the objections ``where`` matches (a clause on
    ``Objection.subject_id`` for callers that ask by person: checks, scoring): the one rule."""
    return select(Objection.record_id).where(where, Objection.status.in_(OPEN_STATUSES))


def open_disputes(
    session: Session, record_ids: Iterable[uuid.UUID], *, at: datetime | None = None
) -> set[uuid.UUID]:
    """The record versions in dispute at a moment (now when None): an objection filed by then
    and not decided or withdrawn by then."""
    ids = list(record_ids)
    if not ids:
        return set()
    if at is None:
        return set(session.execute(in_dispute_now(Objection.record_id.in_(ids))).scalars())
    query = select(Objection.record_id).where(
        Objection.record_id.in_(ids),
        Objection.filed_at <= at,
        or_(Objection.decided_at.is_(None), Objection.decided_at > at),
    )
    return set(session.execute(query).scalars())
