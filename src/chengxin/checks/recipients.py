"""Checks' answer to casework's "who checked this person since" (issue 21): organizations that
checked them at a service window, single or batch check."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin.casework import recipients
from chengxin.checks.models import Check, CheckSubject


def checked_since(session: Session, subject_id: uuid.UUID, since: datetime) -> set[uuid.UUID]:
    """Organizations that checked this person since a moment: they may have applied a measure
    that must now stop."""
    return set(
        session.execute(
            select(Check.organization_id)
            .join(CheckSubject, CheckSubject.check_id == Check.id)
            .where(CheckSubject.subject_id == subject_id, Check.created_at >= since)
            .distinct()
        ).scalars()
    )


def install() -> None:
    recipients.register(recipients.Source("checks", checked=checked_since))
