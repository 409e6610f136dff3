"""The one visibility rule: what an audience may see of credit records at a moment.

Everything that shows or uses records (queries now; reports, checks, lists and scores later)
asks this module, and the rule is applied inside the SQL query, never after it:

- the subject sees everything held about them, whatever its status or window;
- everyone else sees only current versions (``active``) inside their display window
  (RULES.md §1, computed once at intake by ``records.window``), of kinds whose sharing level
  reaches the audience (catalog ``sharing``), narrowed by the permission list and any grant.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from sqlalchemy import ColumnElement, and_, select, true
from sqlalchemy.orm import Session

from chengxin.catalog.schema import CatalogDocument, Sharing
from chengxin.records.models import CreditRecord
from chengxin.records.window import is_displayed


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


def visible_clause(
    document: CatalogDocument, audience: Audience, today: date
) -> ColumnElement[bool]:
    """The SQL condition on ``credit_record`` rows for this audience on this day."""
    kinds = allowed_kinds(document, audience)
    kind_clause = true() if kinds is None else CreditRecord.kind_code.in_(sorted(kinds))
    if audience.kind is AudienceKind.SUBJECT:
        return kind_clause
    return and_(
        CreditRecord.status == "active",
        CreditRecord.display_from_on <= today,
        CreditRecord.display_until_on > today,
        kind_clause,
    )


def is_visible(
    document: CatalogDocument, audience: Audience, record: CreditRecord, today: date
) -> bool:
    """The same rule for one record in memory (tests, single-record paths)."""
    kinds = allowed_kinds(document, audience)
    if kinds is not None and record.kind_code not in kinds:
        return False
    if audience.kind is AudienceKind.SUBJECT:
        return True
    return record.status == "active" and is_displayed(
        record.display_until_on, record.display_from_on, today
    )


def visible_records(
    session: Session,
    document: CatalogDocument,
    subject_ids: Iterable[uuid.UUID],
    audience: Audience,
    today: date,
) -> Sequence[CreditRecord]:
    """The records of these subjects the audience may see, by subject and finding date."""
    ids = list(subject_ids)
    if not ids:
        return []
    query = (
        select(CreditRecord)
        .where(CreditRecord.subject_id.in_(ids), visible_clause(document, audience, today))
        .order_by(CreditRecord.subject_id, CreditRecord.finding_on.desc(), CreditRecord.id)
    )
    return session.execute(query).scalars().all()
