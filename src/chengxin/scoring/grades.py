"""Scores and grades in force at a moment, read from the history (R6.3 classification management).

Apart from ``scoring.service`` so that readers of grades — checks (measures that trigger on a
grade) and reports — depend on the stored history only, not on computing it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin.db import utcnow
from chengxin.scoring.models import SubjectScore


def score_as_of(session: Session, subject_id: uuid.UUID, at: datetime) -> SubjectScore | None:
    """The score in force at a moment: the last one computed for a moment up to ``at``."""
    return session.execute(
        select(SubjectScore)
        .where(SubjectScore.subject_id == subject_id, SubjectScore.valid_from <= at)
        .order_by(SubjectScore.valid_from.desc(), SubjectScore.computed_at.desc())
        .limit(1)
    ).scalar_one_or_none()


def grade_of(
    session: Session, subject_ids: Sequence[uuid.UUID], at: datetime | None = None
) -> dict[uuid.UUID, str | None]:
    """Each subject's grade in force at ``at`` (now when None); None when never scored. For
    checks (measures that trigger on grades) and reports."""
    at = at or utcnow()
    found: dict[uuid.UUID, str | None] = dict.fromkeys(subject_ids)
    ids = list(found)
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        rows = session.execute(
            select(SubjectScore.subject_id, SubjectScore.grade)
            .where(SubjectScore.subject_id.in_(chunk), SubjectScore.valid_from <= at)
            .order_by(SubjectScore.subject_id, SubjectScore.valid_from, SubjectScore.computed_at)
        ).all()
        found.update((r[0], r[1]) for r in rows)  # ordered: the last one wins
    return found
