"""Which subjects are on which lists at a moment: what the service-window check and the measures
read (issue 7). Published entries current at the moment, plus, for a person, the entries of the
organizations where they hold a role (R8.4 enterprise linkage), marked ``via_organization``.

Two set-based queries per chunk of at most 1,000 ids (index ``ix_list_entry_subject_status``
and ``organization_role.subject_id``), so a batch of 10,000 subjects costs 20 round trips.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from chengxin.db import utcnow
from chengxin.lists import types as list_types
from chengxin.lists.models import EntryStatus, ListEntry
from chengxin.organizations.models import OrganizationRole

CHUNK = 1000
# An entry current at a past moment may have exited since: both states are read, the dates decide.
_STATUSES = (EntryStatus.PUBLISHED.value, EntryStatus.EXITED.value)


@dataclass(frozen=True)
class Membership:
    """A subject's place on a published list at a moment."""

    entry_id: uuid.UUID
    reference: str
    list_type: str
    kind: str  # 'red' | 'black'
    name_zh: str
    domain: str
    basis: str
    published_at: datetime
    term_ends_at: datetime | None
    # The masked credit code of the listed organization when the person is reached through
    # R8.4 enterprise linkage; None when the person is listed themself.
    via_organization: str | None
    role: str | None  # the person's role in that organization, e.g. legal_representative


def _current(at: datetime) -> list[object]:
    return [
        ListEntry.status.in_(_STATUSES),
        ListEntry.published_at.is_not(None),
        ListEntry.published_at <= at,
        or_(ListEntry.exited_at.is_(None), ListEntry.exited_at > at),
        or_(ListEntry.term_ends_at.is_(None), ListEntry.term_ends_at > at),
    ]


_COLUMNS = (
    ListEntry.id, ListEntry.reference, ListEntry.list_type, ListEntry.kind, ListEntry.domain,
    ListEntry.basis, ListEntry.published_at, ListEntry.term_ends_at,
)  # fmt: skip


def _membership(row: Sequence[Any], via: str | None, role: str | None) -> Membership:
    entry_id, reference, code, kind, domain, basis, published_at, term_ends_at = row
    found = list_types.get(code)
    return Membership(
        entry_id=entry_id, reference=reference, list_type=code, kind=kind,
        name_zh=found.name_zh if found else code, domain=domain, basis=basis,
        published_at=published_at, term_ends_at=term_ends_at, via_organization=via, role=role,
    )  # fmt: skip


def memberships(
    session: Session, subject_ids: Sequence[uuid.UUID], *, at: datetime | None = None
) -> dict[uuid.UUID, list[Membership]]:
    """Every requested subject (persons) → their memberships current at ``at`` (now when
    None): own entries first, then organizations' entries reached through a role; each list
    ordered by publication. Subjects on no list map to ``[]``."""
    at = at or utcnow()
    on = at.date()
    found: dict[uuid.UUID, list[Membership]] = {sid: [] for sid in subject_ids}
    ids = list(found)
    current = _current(at)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        own: Sequence[Any] = session.execute(
            select(ListEntry.subject_id, *_COLUMNS)
            .where(ListEntry.subject_id.in_(chunk), *current)  # type: ignore[arg-type]
            .order_by(ListEntry.published_at, ListEntry.id)
        ).all()
        for row in own:
            found[row[0]].append(_membership(row[1:], None, None))
        linked: Sequence[Any] = session.execute(
            select(OrganizationRole.subject_id, OrganizationRole.role, ListEntry.shown_id,
                   *_COLUMNS)
            .join(ListEntry, ListEntry.organization_id == OrganizationRole.organization_id)
            .where(
                OrganizationRole.subject_id.in_(chunk),
                OrganizationRole.since_on <= on,
                or_(OrganizationRole.until_on.is_(None), OrganizationRole.until_on >= on),
                and_(*current),  # type: ignore[arg-type]
            )
            .order_by(ListEntry.published_at, ListEntry.id, OrganizationRole.role)
        ).all()  # fmt: skip
        for row in linked:
            found[row[0]].append(_membership(row[3:], row[2], row[1]))
    return found
