"""A report's 名单信息 (issue 16): the lists the person is on, read from their credit state.

Memberships and pending entries come from ``state.service`` (the one truth per person, at the
report's moment) and nowhere else; the list type adds what it publishes (English name, exit
conditions, remedies). The person's overview counts with the same ``summary`` their report
prints, so the two never disagree.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin.catalog import service as catalog_service
from chengxin.db import utcnow
from chengxin.lists import types as list_types
from chengxin.lists.memberships import Membership
from chengxin.lists.models import ListEntry
from chengxin.organizations.models import Organization
from chengxin.records.visibility import Audience, AudienceKind, visible_records
from chengxin.reports.content import ListLine, PendingLine, Summary, summarize
from chengxin.state import service as state_service
from chengxin.state.rule import CreditState, Pending
from chengxin.workdays.days import day_of


def _type_texts(code: str) -> tuple[str | None, list[str], str]:
    """English name, exit conditions and remedies of a list type (empty for an unknown code)."""
    found = list_types.get(code)
    if found is None:
        return None, [], ""
    return found.name_en, list(found.exit_conditions), found.remedies


def list_line(m: Membership, organization_name: str | None = None) -> ListLine:
    """One membership as a report line (``organization_name``: the listed organization's name,
    when the person is reached through a role in it)."""
    name_en, exits, remedies = _type_texts(m.list_type)
    return ListLine(
        reference=m.reference,
        list_type=m.list_type,
        name_zh=m.name_zh,
        name_en=name_en or m.name_zh,
        kind=m.kind,
        domain=m.domain,
        basis=m.basis,
        published_at=m.published_at,
        term_ends_at=m.term_ends_at,
        exit_conditions=exits,
        remedies=remedies,
        via_organization=m.via_organization,
        role=m.role,
        via_organization_name=organization_name if m.via_organization else None,
    )


def pending_line(p: Pending) -> PendingLine:
    """One entry on its way to a list as a report line."""
    found = list_types.get(p.list_type)
    name_en, _, remedies = _type_texts(p.list_type)
    name_zh = found.name_zh if found else p.list_type
    return PendingLine(
        reference=p.reference,
        list_type=p.list_type,
        name_zh=name_zh,
        name_en=name_en or name_zh,
        kind=p.kind,
        status=p.status,
        objection_due_at=p.objection_due_at,
        remedies=remedies,
    )


def lines_of(credit: CreditState) -> list[ListLine]:
    return [list_line(m) for m in credit.memberships]


def pending_of(credit: CreditState) -> list[PendingLine]:
    return [pending_line(p) for p in credit.pending]


def of_subject(
    session: Session, subject_id: uuid.UUID, at: datetime
) -> tuple[list[ListLine], list[PendingLine]]:
    """The memberships and pending entries of a person at a moment (their credit state)."""
    credit = state_service.state(session, subject_id, at=at)
    linked = [m.entry_id for m in credit.memberships if m.via_organization]
    names: dict[uuid.UUID, str] = {}
    if linked:  # the listed organizations' names: public with their listings
        rows = session.execute(
            select(ListEntry.id, Organization.name)
            .join(Organization, Organization.id == ListEntry.organization_id)
            .where(ListEntry.id.in_(linked))
        )
        names = dict(rows.all())
    lines = [list_line(m, names.get(m.entry_id)) for m in credit.memberships]
    return lines, pending_of(credit)


def own_summary(
    session: Session, subject_id: uuid.UUID, *, credit: CreditState | None = None
) -> Summary:
    """The summary the person's own report would print now, without issuing one: the same
    records (the subject's audience) and the same credit state."""
    now = utcnow()
    _, document = catalog_service.document_at(session, now)
    rows = visible_records(
        session, document, [subject_id], Audience(AudienceKind.SUBJECT), day_of(now)
    )
    credit = credit if credit is not None else state_service.state(session, subject_id, at=now)
    return summarize(rows, lines_of(credit))
