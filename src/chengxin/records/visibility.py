"""The one visibility rule: what an audience may see of credit records at a moment.

Everything that shows or uses records (queries now; reports, checks, lists and scores later)
asks this module, and the rule is applied inside the SQL query, never after it:

- the subject sees everything held about them, whatever its status or window;
- everyone else sees only current versions (``active``) inside their display window
  (RULES.md §1, computed once at intake by ``records.window``), of kinds whose sharing level
  reaches the audience (catalog ``sharing``), narrowed by the permission list and any grant.

Every function takes an optional moment ``at`` (as-of reports, disputes, audits): the rule is then
applied to the store as it stood then — versions received by ``at``, with the status they had
(a version superseded or revoked after ``at`` was still current) — and windows are evaluated on
``today``, the calendar day of ``at`` in China (``day_of``). The marks the subject's report
shows on each record (``marks_of``) come from the same rule.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ColumnElement, and_, or_, select, true
from sqlalchemy.orm import Session

from chengxin.catalog.schema import CatalogDocument, Sharing
from chengxin.records.models import CreditRecord, RecordStatus
from chengxin.records.window import is_displayed
from chengxin.workdays.days import day_of


class AudienceKind(StrEnum):
    SUBJECT = "subject"  # the person the records are about
    GOVERNMENT = "government"  # a public body under its statutory duty and permission list
    THIRD_PARTY = "third_party"  # an organization holding the subject's grant
    PUBLIC = "public"  # anyone


# Which sharing levels reach which audience (catalog Sharing, RULES.md §4, §6).
_REACHES: dict[AudienceKind, frozenset[Sharing]] = {
    AudienceKind.SUBJECT: frozenset(Sharing),
    AudienceKind.GOVERNMENT: frozenset({Sharing.PUBLIC, Sharing.AUTHORIZED, Sharing.GOVERNMENT}),
    AudienceKind.THIRD_PARTY: frozenset({Sharing.PUBLIC, Sharing.AUTHORIZED}),
    AudienceKind.PUBLIC: frozenset({Sharing.PUBLIC}),
}


class Mark(StrEnum):
    """Why a record the subject sees is (or is not) shown to others (reports' ``RecordMark``)."""

    DISPLAYED = "displayed"  # 公示中: current and inside its window
    NOT_YET_DISPLAYED = "not_yet_displayed"  # 尚未公示: current, window not begun
    EXPIRED = "expired"  # 已过公示期: current, window over (display stopped automatically)
    SUPERSEDED = "superseded"  # 已被更正: a later version replaced it
    REVOKED = "revoked"  # 已撤销: the provider revoked it
    REPAIRED = "repaired"  # 已信用修复: repaired; display, sharing and use stopped


def displayed_on_arrival(record: CreditRecord) -> bool:
    """Whether a record was inside its display window on the day it arrived (in China). One that
    was not — already past its window, or never displayed — acts on nothing at intake: no notice
    at creation, no list proposal (ADR 0025); its subject still sees it in their own report."""
    return is_displayed(record.display_until_on, record.display_from_on, day_of(record.received_at))


def status_at(record: CreditRecord, at: datetime | None = None) -> str:
    """The version's status at a moment (now when None): one ended after ``at`` was active."""
    if at is None or record.status == RecordStatus.ACTIVE:
        return record.status
    if record.ended_at is not None and record.ended_at > at:
        return RecordStatus.ACTIVE
    return record.status


def marks_of(record: CreditRecord, today: date, at: datetime | None = None) -> list[Mark]:
    """The marks of a version on a day (as it stood at ``at`` when given): its status when it is
    no longer current, else where the day falls in its display window."""
    status = status_at(record, at)
    if status == RecordStatus.SUPERSEDED:
        return [Mark.SUPERSEDED]
    if status == RecordStatus.REVOKED:
        return [Mark.REVOKED]
    if status == RecordStatus.REPAIRED:
        return [Mark.REPAIRED]
    if today < record.display_from_on:
        return [Mark.NOT_YET_DISPLAYED]
    if today >= record.display_until_on:
        return [Mark.EXPIRED]
    return [Mark.DISPLAYED]


@dataclass(frozen=True)
class Audience:
    """Who looks, and the kinds their permission list and grant allow (None: no narrowing)."""

    kind: AudienceKind
    kinds: frozenset[str] | None = None


def shareable_kinds(document: CatalogDocument, audience: AudienceKind) -> frozenset[str]:
    """Kind codes whose sharing level reaches the audience."""
    reach = _REACHES[audience]
    return frozenset(k.code for k in document.kinds if k.sharing in reach)


def allowed_kinds(document: CatalogDocument, audience: Audience) -> frozenset[str] | None:
    """The kinds this audience may see at all (None: every kind, for the subject)."""
    if audience.kind is AudienceKind.SUBJECT:
        return audience.kinds
    shareable = shareable_kinds(document, audience.kind)
    return shareable if audience.kinds is None else shareable & audience.kinds


def in_window_clause(today: date) -> ColumnElement[bool]:
    """The SQL condition: inside the display window on this day."""
    return and_(CreditRecord.display_from_on <= today, CreditRecord.display_until_on > today)


def displayed_clause(today: date) -> ColumnElement[bool]:
    """The SQL condition of the "displayed" mark, whatever the audience: current and inside its
    display window (the public portal counts these)."""
    return and_(CreditRecord.status == RecordStatus.ACTIVE, in_window_clause(today))


def visible_clause(
    document: CatalogDocument, audience: Audience, today: date, at: datetime | None = None
) -> ColumnElement[bool]:
    """The SQL condition on ``credit_record`` rows for this audience on this day (as the store
    stood at ``at`` when given)."""
    kinds = allowed_kinds(document, audience)
    kind_clause = true() if kinds is None else CreditRecord.kind_code.in_(sorted(kinds))
    held = true() if at is None else CreditRecord.received_at <= at
    if audience.kind is AudienceKind.SUBJECT:
        return and_(held, kind_clause)
    current = (
        CreditRecord.status == RecordStatus.ACTIVE
        if at is None
        else or_(CreditRecord.status == RecordStatus.ACTIVE, CreditRecord.ended_at > at)
    )
    return and_(held, current, in_window_clause(today), kind_clause)


def is_visible(
    document: CatalogDocument,
    audience: Audience,
    record: CreditRecord,
    today: date,
    at: datetime | None = None,
) -> bool:
    """The same rule for one record in memory (tests, single-record paths)."""
    kinds = allowed_kinds(document, audience)
    if kinds is not None and record.kind_code not in kinds:
        return False
    if at is not None and record.received_at > at:
        return False
    if audience.kind is AudienceKind.SUBJECT:
        return True
    return status_at(record, at) == RecordStatus.ACTIVE and is_displayed(
        record.display_until_on, record.display_from_on, today
    )


def visible_records(
    session: Session,
    document: CatalogDocument,
    subject_ids: Iterable[uuid.UUID],
    audience: Audience,
    today: date,
    *,
    at: datetime | None = None,
) -> Sequence[CreditRecord]:
    """The records of these subjects the audience may see, by subject and finding date."""
    ids = list(subject_ids)
    if not ids:
        return []
    query = (
        select(CreditRecord)
        .where(CreditRecord.subject_id.in_(ids), visible_clause(document, audience, today, at))
        .order_by(CreditRecord.subject_id, CreditRecord.finding_on.desc(), CreditRecord.id)
    )
    return session.execute(query).scalars().all()
