"""What the rights workflows (objections, repair) share: case references, working-day deadlines,
who may handle a case, telling the person, and telling every organization that received a record.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, and_, func, select, true
from sqlalchemy.orm import Session

from chengxin import workdays
from chengxin.casework import recipients as case_recipients
from chengxin.identity import service as identity_service
from chengxin.identity.models import Subject
from chengxin.keys import keyring_of
from chengxin.notifications import inbox
from chengxin.notifications import service as notification_service
from chengxin.notifications.errors import RecipientUnreachable
from chengxin.organizations.models import Organization, OrganizationKind
from chengxin.records import service as records_service
from chengxin.records.models import CreditRecord
from chengxin.security.actor import Actor, ActorKind

_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read out over the phone


def reference(prefix: str, now: datetime) -> str:
    """A case reference a person can quote, e.g. ``YY-20261129-7Q4M9K``."""
    tail = "".join(secrets.choice(_ALPHABET) for _ in range(6))
    return f"{prefix}-{now:%Y%m%d}-{tail}"


@dataclass(frozen=True)
class Deadlines:
    due_at: datetime
    remind_at: datetime | None


def deadlines(
    now: datetime,
    days: int,
    *,
    remind_days_before: int,
    ceiling: timedelta | None = None,
    calendar: workdays.Calendar | None = None,
) -> Deadlines:
    """Due at the end of the ``days``-th working day after ``now`` (China), capped by a calendar
    ceiling; the reminder falls ``remind_days_before`` working days earlier (none when 0).
    Callers pass the database's working-day ``calendar`` (``workdays.calendar_of(session)``)."""
    due = workdays.due_after(now, days, calendar=calendar)
    if ceiling is not None:
        due = min(due, now + ceiling)
    remind = None
    if remind_days_before > 0:
        remind = min(
            workdays.due_after(now, max(days - remind_days_before, 0), calendar=calendar), due
        )
    return Deadlines(due, remind)


def is_operator(session: Session, actor: Actor) -> bool:
    """The machine's operator, or staff of the platform's operating centre."""
    if actor.kind is ActorKind.SYSTEM:
        return True
    if actor.organization_id is None:
        return False
    org = session.get(Organization, actor.organization_id)
    return org is not None and org.kind == OrganizationKind.OPERATOR.value


def operator_ids(session: Session) -> list[uuid.UUID]:
    return list(
        session.execute(
            select(Organization.id).where(Organization.kind == OrganizationKind.OPERATOR.value)
        ).scalars()
    )


def tell_subject(
    session: Session,
    subject_id: uuid.UUID,
    template: str,
    params: dict[str, str],
    *,
    actor: Actor,
    now: datetime,
) -> bool:
    """A text message to the person through the outbox; False when they have no phone (they
    still see the case online)."""
    try:
        notification_service.notify(
            session, subject_id=subject_id, template=template, params=params, actor=actor, now=now
        )
    except RecipientUnreachable:
        return False
    return True


def masked_identity(session: Session, subject_id: uuid.UUID) -> dict[str, str]:
    subject = session.get(Subject, subject_id)
    if subject is None:
        return {}
    clear = identity_service.reveal(keyring_of(session), subject)
    masked = clear.masked
    return {"masked_name": masked["name"] or "", "masked_id_number": masked["id_number"] or ""}


def tell_recipients(
    session: Session,
    record: CreditRecord,
    topic: str,
    *,
    data: dict[str, Any],
    actor: Actor,
    now: datetime,
) -> int:
    """A notice to every organization that received any version of this record, found by the
    registered recipient sources (``casework.recipients``); returns how many were told."""
    versions = records_service.versions_of(session, record.provider_id, record.source_id)
    recipients = case_recipients.received(session, record.subject_id, [v.id for v in versions])
    body = {**masked_identity(session, record.subject_id), "kind_code": record.kind_code, **data}
    for organization_id in sorted(recipients):
        inbox.post(
            session,
            organization_id=organization_id,
            topic=topic,
            object_type="credit_record",
            object_id=record.id,
            data=body,
            actor=actor,
            now=now,
            subject_id=record.subject_id,
        )
    return len(recipients)


def tell_organizations(
    session: Session,
    organization_ids: list[uuid.UUID],
    topic: str,
    *,
    object_type: str,
    object_id: uuid.UUID,
    data: dict[str, Any],
    actor: Actor,
    now: datetime,
    subject_id: uuid.UUID | None = None,
) -> None:
    """A notice about a case to the organizations that handle it (provider, operators), or that
    must stop using what they learnt about a person (``subject_id``: logged as about them)."""
    for organization_id in organization_ids:
        inbox.post(
            session,
            organization_id=organization_id,
            topic=topic,
            object_type=object_type,
            object_id=object_id,
            data=data,
            actor=actor,
            now=now,
            subject_id=subject_id,
        )


def checked_by(session: Session, subject_id: uuid.UUID, *, since: datetime) -> set[uuid.UUID]:
    """Organizations that checked this person at a service window (single or batch check) since
    a moment: they may have applied a measure that must now stop."""
    return case_recipients.checked_since(session, subject_id, since)


# -- queues ----------------------------------------------------------------------------------------

Case = TypeVar("Case")


@dataclass(frozen=True)
class CaseTable(Generic[Case]):
    """How a case table names what a queue needs."""

    model: type[Case]
    provider: Any  # the deciding organization (the provider, the finding department)
    status: Any
    due: Any  # when the decision is due
    open: tuple[str, ...]  # states of a case still open
    waiting: tuple[str, ...]  # open states in which the decider owes the next step


@dataclass(frozen=True)
class Queue(Generic[Case]):
    items: list[Case]
    open: int
    overdue: int  # waiting for the decider past the due date


def scope(session: Session, actor: Actor, provider: Any) -> ColumnElement[bool]:
    """Operators and auditors of the operating centre see every case; an organization its own."""
    if is_operator(session, actor):
        return true()
    return provider == actor.organization_id  # type: ignore[no-any-return]


def queue(
    session: Session,
    table: CaseTable[Case],
    *,
    actor: Actor,
    status: str | None,
    overdue_only: bool,
    limit: int,
    offset: int,
    now: datetime,
) -> Queue[Case]:
    """The actor's cases, most urgent first, with open and overdue counts."""
    where = scope(session, actor, table.provider)
    overdue = and_(table.status.in_(table.waiting), table.due <= now)
    query = select(table.model).where(where)
    if status is not None:
        query = query.where(table.status == status)
    if overdue_only:
        query = query.where(overdue)
    items = session.execute(
        query.order_by(table.due, table.model.id).limit(limit).offset(offset)  # type: ignore[attr-defined]
    ).scalars()
    opened, late = session.execute(
        select(
            func.count().filter(table.status.in_(table.open)), func.count().filter(overdue)
        ).where(where)
    ).one()
    return Queue(list(items), int(opened or 0), int(late or 0))
