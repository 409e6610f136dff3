"""Supervision figures (R11): ingestion per organization and day, rejection rates, objection
and repair on-time rates, list sizes, frozen organizations and tokens, and a filtered browse of
the audit log.

Read-only, one aggregate query per figure (SQLAlchemy Core, portable to SQLite and PostgreSQL);
no tables of its own. Scope as in the domains it reads: an operator-organization account sees
every organization (``ingestion`` does the same), any other account its own organization; a
city-bound account (``actor.region_code``) only organizations in its region.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Date, and_, case, cast, func, select, true
from sqlalchemy.orm import Session

from chengxin import workdays
from chengxin.audit.models import AuditEntry
from chengxin.ingestion.models import IngestBatch
from chengxin.lists.models import EntryStatus, ListEntry
from chengxin.objections.models import Objection
from chengxin.organizations import service as organization_service
from chengxin.organizations.models import ApiToken, Organization
from chengxin.repair.models import RepairApplication
from chengxin.security.actor import Actor
from chengxin.security.scope import in_region
from chengxin.supervision.errors import AuditEntryNotFound
from chengxin.workdays.days import midnight

DEFAULT_DAYS = 14
MAX_DAYS = 366


@dataclass(frozen=True)
class Period:
    """Whole days in China (Beijing time), both ends included."""

    since: date
    until: date

    @property
    def start(self) -> datetime:
        return midnight(self.since)

    @property
    def end(self) -> datetime:
        return midnight(self.until + timedelta(days=1))

    @property
    def days(self) -> int:
        return (self.until - self.since).days + 1


def period(since: date | None, until: date | None, *, today: date) -> Period:
    """The period asked for: the last ``DEFAULT_DAYS`` days by default, ends swapped when given
    backwards, at most ``MAX_DAYS`` long (the earlier end moves)."""
    until = until or today
    since = since or until - timedelta(days=DEFAULT_DAYS - 1)
    if since > until:
        since, until = until, since
    since = max(since, until - timedelta(days=MAX_DAYS - 1))
    return Period(since, until)


def parse_day(raw: str | None) -> date | None:
    """A ``YYYY-MM-DD`` from a query string, or None when empty or not a date."""
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


@dataclass(frozen=True)
class IngestionDay:
    organization_id: uuid.UUID
    organization: str
    department: str | None
    day: date
    batches: int
    accepted: int
    rejected: int


@dataclass(frozen=True)
class Rate:
    """``part`` of ``whole`` for one department (``None``: organizations without one)."""

    department: str | None
    whole: int
    part: int

    @property
    def rate(self) -> float:
        return round(self.part / self.whole, 4) if self.whole else 0.0


@dataclass(frozen=True)
class ListSize:
    list_type: str
    kind: str
    entries: int


def _visible(session: Session, actor: Actor, org_column: Any) -> ColumnElement[bool]:
    """Rows of organizations the actor may supervise (``org_column`` joins ``organization``)."""
    own = (
        true()
        if organization_service.sees_every_organization(session, actor)
        else org_column == actor.organization_id
    )
    return and_(own, in_region(actor, Organization.region_code))


def _china_day(session: Session, column: Any) -> Any:
    """The calendar day in China of a timestamp column, in either database (``day_of``)."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.timezone("Asia/Shanghai", column), Date)
    return func.date(column, "+8 hours")  # SQLite stores UTC text: 'YYYY-MM-DD HH:MM:SS…'


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def ingestion_by_day(session: Session, *, actor: Actor, within: Period) -> list[IngestionDay]:
    """Batches, rows accepted (created + corrected + revoked) and rejected per organization and
    day, oldest first."""
    day = _china_day(session, IngestBatch.received_at).label("day")
    accepted = func.sum(IngestBatch.created + IngestBatch.corrected + IngestBatch.revoked)
    query = (
        select(
            Organization.id,
            Organization.name,
            Organization.department,
            day,
            func.count(IngestBatch.id),
            accepted,
            func.sum(IngestBatch.rejected),
        )
        .join(Organization, Organization.id == IngestBatch.provider_id)
        .where(
            IngestBatch.received_at >= within.start,
            IngestBatch.received_at < within.end,
            _visible(session, actor, IngestBatch.provider_id),
        )
        .group_by(Organization.id, Organization.name, Organization.department, day)
        .order_by(day, Organization.name, Organization.id)
    )
    return [
        IngestionDay(oid, name, dept, _as_date(d), int(n), int(a or 0), int(r or 0))
        for oid, name, dept, d, n, a, r in session.execute(query).all()
    ]


def rejection_rates(session: Session, *, actor: Actor, within: Period) -> list[Rate]:
    """Rows submitted (whole) and rejected (part) per department."""
    query = (
        select(
            Organization.department, func.sum(IngestBatch.submitted), func.sum(IngestBatch.rejected)
        )
        .join(Organization, Organization.id == IngestBatch.provider_id)
        .where(
            IngestBatch.received_at >= within.start,
            IngestBatch.received_at < within.end,
            _visible(session, actor, IngestBatch.provider_id),
        )
        .group_by(Organization.department)
        .order_by(Organization.department)
    )
    return [Rate(d, int(n or 0), int(r or 0)) for d, n, r in session.execute(query).all()]


def _on_time(session: Session, table: Any, *, actor: Actor, within: Period) -> list[Rate]:
    on_time = func.sum(case((workdays.in_time(table.decided_at, table.decide_due_at), 1), else_=0))
    query = (
        select(Organization.department, func.count(table.id), on_time)
        .join(Organization, Organization.id == table.provider_id)
        .where(
            table.decided_at.is_not(None),
            table.decided_at >= within.start,
            table.decided_at < within.end,
            _visible(session, actor, table.provider_id),
        )
        .group_by(Organization.department)
        .order_by(Organization.department)
    )
    return [Rate(d, int(n), int(k or 0)) for d, n, k in session.execute(query).all()]


def objection_on_time(session: Session, *, actor: Actor, within: Period) -> list[Rate]:
    """Objections decided in the period (whole) and decided by their due time (part), per
    department of the provider that answered."""
    return _on_time(session, Objection, actor=actor, within=within)


def repair_on_time(session: Session, *, actor: Actor, within: Period) -> list[Rate]:
    """Repair applications decided in the period (whole) and by their due time (part), per
    department of the finding provider."""
    return _on_time(session, RepairApplication, actor=actor, within=within)


def list_sizes(session: Session) -> list[ListSize]:
    """Published entries per list type (the lists are public: no scope)."""
    query = (
        select(ListEntry.list_type, ListEntry.kind, func.count(ListEntry.id))
        .where(ListEntry.status == EntryStatus.PUBLISHED.value)
        .group_by(ListEntry.list_type, ListEntry.kind)
        .order_by(ListEntry.kind, ListEntry.list_type)
    )
    return [ListSize(t, k, int(n)) for t, k, n in session.execute(query).all()]


# -- emergency: what is frozen now ---------------------------------------------------------------


@dataclass(frozen=True)
class FrozenToken:
    id: uuid.UUID
    name: str
    organization: str
    frozen_at: datetime


def frozen_organizations(session: Session, *, actor: Actor) -> list[Organization]:
    """Organizations frozen now, in the actor's region, longest frozen first."""
    query = (
        select(Organization)
        .where(Organization.frozen_at.is_not(None), in_region(actor, Organization.region_code))
        .order_by(Organization.frozen_at, Organization.id)
    )
    return list(session.execute(query).scalars())


def frozen_tokens(session: Session, *, actor: Actor) -> list[FrozenToken]:
    """API tokens frozen now, in the actor's region, longest frozen first (never secrets)."""
    query = (
        select(ApiToken.id, ApiToken.name, Organization.name, ApiToken.frozen_at)
        .join(Organization, Organization.id == ApiToken.organization_id)
        .where(ApiToken.frozen_at.is_not(None), in_region(actor, Organization.region_code))
        .order_by(ApiToken.frozen_at, ApiToken.id)
    )
    return [
        FrozenToken(i, name, org, at)
        for i, name, org, at in session.execute(query).all()
        if at is not None
    ]


def organizations_in_scope(
    session: Session, *, actor: Actor, limit: int = 500
) -> list[Organization]:
    """Organizations the actor may act on (freeze), by name."""
    query = (
        select(Organization)
        .where(in_region(actor, Organization.region_code))
        .order_by(Organization.name, Organization.id)
        .limit(limit)
    )
    return list(session.execute(query).scalars())


# -- the audit log, filtered ---------------------------------------------------------------------


@dataclass(frozen=True)
class AuditFilter:
    since: date | None = None
    until: date | None = None
    actor_id: str | None = None
    action: str | None = None


def audit_page(
    session: Session, filters: AuditFilter, *, before_seq: int | None = None, limit: int = 50
) -> tuple[list[AuditEntry], int | None]:
    """Entries matching the filters, newest first (keyset paging on ``seq``), and the ``seq``
    to continue before (None on the last page). Times are UTC days."""
    query = select(AuditEntry)
    if before_seq is not None:
        query = query.where(AuditEntry.seq < before_seq)
    start, end = day_bounds(filters.since, filters.until)
    if start is not None:
        query = query.where(AuditEntry.at >= start)
    if end is not None:
        query = query.where(AuditEntry.at < end)
    if filters.actor_id:
        query = query.where(AuditEntry.actor_id == filters.actor_id)
    if filters.action:
        query = query.where(AuditEntry.action.startswith(filters.action, autoescape=True))
    rows = list(session.execute(query.order_by(AuditEntry.seq.desc()).limit(limit + 1)).scalars())
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].seq if more and rows else None)


def audit_actions(session: Session) -> list[str]:
    """The actions that occur in the log, for the filter's choices."""
    return list(
        session.execute(select(AuditEntry.action).distinct().order_by(AuditEntry.action)).scalars()
    )


def audit_entry_or_raise(session: Session, seq: int) -> AuditEntry:
    """One entry by its sequence number; ``audit-entry-not-found`` otherwise."""
    row = session.get(AuditEntry, seq)
    if row is None:
        raise AuditEntryNotFound
    return row


def day_bounds(since: date | None, until: date | None) -> tuple[datetime | None, datetime | None]:
    """Whole days in China as a half-open time range (either end may be open)."""
    start = midnight(since) if since else None
    end = midnight(until + timedelta(days=1)) if until else None
    return start, end
