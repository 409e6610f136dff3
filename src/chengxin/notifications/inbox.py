"""Organizations' inbox: notices from the platform to a department, bank or agency.

A record it received was corrected, deleted or repaired (R5.1, R5.4: tell every party that
received it); a case in its queue is due soon or overdue. Each notice is an audit entry, so the
log proves who was told what and when. Notices carry masked identity only.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chengxin.audit import service as audit
from chengxin.errors import NotFound
from chengxin.notifications.models import OrganizationNotice
from chengxin.security.actor import Actor


class NoticeNotFound(NotFound):
    code = "notice-not-found"
    title = "No such notice"


def post(
    session: Session,
    *,
    organization_id: uuid.UUID,
    topic: str,
    object_type: str,
    object_id: str | uuid.UUID,
    data: dict[str, Any],
    actor: Actor,
    now: datetime,
    subject_id: uuid.UUID | None = None,
) -> OrganizationNotice:
    """Put a notice in an organization's inbox and log it (about the subject, when one)."""
    notice = OrganizationNotice(
        id=uuid.uuid4(),
        organization_id=organization_id,
        topic=topic,
        object_type=object_type,
        object_id=str(object_id),
        data=data,
        created_at=now,
    )
    session.add(notice)
    session.flush()
    audit.record(
        session,
        "notifications:notice:post",
        actor=actor,
        object_type="organization_notice",
        object_id=notice.id,
        subject_id=subject_id,
        data={"organization_id": str(organization_id), "topic": topic, "about": str(object_id)},
        at=now,
    )
    return notice


def inbox(
    session: Session, *, actor: Actor, unread_only: bool, limit: int, offset: int
) -> tuple[list[OrganizationNotice], int]:
    """The acting organization's notices, newest first, and how many are unread."""
    if actor.organization_id is None:
        return [], 0
    mine = OrganizationNotice.organization_id == actor.organization_id
    query = select(OrganizationNotice).where(mine)
    if unread_only:
        query = query.where(OrganizationNotice.read_at.is_(None))
    rows = session.execute(
        query.order_by(OrganizationNotice.created_at.desc(), OrganizationNotice.id)
        .limit(limit)
        .offset(offset)
    ).scalars()
    unread = session.execute(
        select(func.count()).where(mine, OrganizationNotice.read_at.is_(None))
    ).scalar_one()
    return list(rows), int(unread)


def mark_read(
    session: Session, notice_id: uuid.UUID, *, actor: Actor, now: datetime
) -> OrganizationNotice:
    """Mark one of the organization's notices read (another's is not found)."""
    notice = session.get(OrganizationNotice, notice_id)
    if notice is None or notice.organization_id != actor.organization_id:
        raise NoticeNotFound
    if notice.read_at is None:
        notice.read_at = now
    return notice
