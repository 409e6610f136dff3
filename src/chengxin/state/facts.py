"""Read the facts the credit-state rule needs, for many persons at once.

Five set-based statements per chunk of at most 1,000 persons (records, own list entries, roles
in listed organizations with those organizations' entries, objections, grades), each built once
per process with an expanding parameter, run as Core on the session's connection.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import BindParameter, String, Uuid, bindparam, select, type_coerce
from sqlalchemy.orm import Session

from chengxin.identity import models as _identity  # noqa: F401 — subject: the roles' FK target
from chengxin.lists.models import ListEntry
from chengxin.objections.models import Objection
from chengxin.organizations.models import OrganizationRole
from chengxin.records.models import CreditRecord
from chengxin.scoring.models import SubjectScore
from chengxin.state.rule import (
    OPEN_OBJECTIONS,
    EntryFact,
    Facts,
    GradeFact,
    ObjectionFact,
    RecordFact,
    RoleFact,
)

CHUNK = 1000


def _ids() -> BindParameter[Any]:
    """The persons' keys, typed (a shared untyped parameter would take the type of whichever
    column met it first, and a foreign key's type may not be resolved yet at import)."""
    return bindparam("ids", expanding=True, type_=Uuid())


_LISTED = ("published", "exited")  # organizations' entries that can reach a role holder

_R = CreditRecord
# The person and the provider as the driver gives them (no UUID parsing per row: most of a
# rebuild's time on SQLite); they only key the person and the record's source.
_RECORDS = select(
    type_coerce(_R.subject_id, String),
    _R.id,
    type_coerce(_R.provider_id, String),
    _R.source_id,
    _R.kind_code,
    _R.category,
    _R.severity,
    _R.finding_on,
    _R.display_from_on,
    _R.display_until_on,
    _R.repair_from_on,
    _R.status,
    _R.ended_at,
).where(_R.subject_id.in_(_ids()))

_E = ListEntry
_ENTRY_COLUMNS = (
    _E.id,
    _E.reference,
    _E.list_type,
    _E.kind,
    _E.domain,
    _E.basis,
    _E.status,
    _E.record_ids,
    _E.proposed_at,
    _E.objection_due_at,
    _E.published_at,
    _E.term_ends_at,
    _E.exited_at,
    _E.shown_id,
    _E.notified_at,
    _E.withdrawn_at,
)
_ENTRIES = select(_E.subject_id, *_ENTRY_COLUMNS).where(_E.subject_id.in_(_ids()))
_ROLES = (
    # Typed here: the role's foreign-key columns may not have their type resolved at import.
    select(
        type_coerce(OrganizationRole.subject_id, Uuid()),
        OrganizationRole.role,
        OrganizationRole.since_on,
        OrganizationRole.until_on,
        *_ENTRY_COLUMNS,
    )
    .join(_E, _E.organization_id == OrganizationRole.organization_id)
    .where(type_coerce(OrganizationRole.subject_id, Uuid()).in_(_ids()), _E.status.in_(_LISTED))
)
_OBJECTIONS = select(Objection.subject_id, Objection.record_id, Objection.status).where(
    Objection.subject_id.in_(_ids()), Objection.status.in_(OPEN_OBJECTIONS)
)
_GRADES = select(
    SubjectScore.subject_id, SubjectScore.valid_from, SubjectScore.computed_at, SubjectScore.grade
).where(SubjectScore.subject_id.in_(_ids()))


def _entry(row: Sequence[Any]) -> EntryFact:
    (
        eid,
        reference,
        list_type,
        kind,
        domain,
        basis,
        status,
        record_ids,
        proposed_at,
        due,
        published_at,
        term_ends_at,
        exited_at,
        shown_id,
        notified_at,
        withdrawn_at,
    ) = row
    return EntryFact(
        eid,
        reference,
        list_type,
        kind,
        domain,
        basis,
        status,
        tuple(uuid.UUID(r) for r in record_ids or ()),
        proposed_at,
        due,
        published_at,
        term_ends_at,
        exited_at,
        shown_id,
        notified_at,
        withdrawn_at,
    )


def _keys(chunk: list[uuid.UUID]) -> dict[Any, uuid.UUID]:
    """A person's key however the driver returns an uncoerced id: UUID (PostgreSQL), 32 hex
    characters (SQLite), or canonical text."""
    keyed: dict[Any, uuid.UUID] = {}
    for sid in chunk:
        keyed[sid] = keyed[sid.hex] = keyed[str(sid)] = sid
    return keyed


def load(session: Session, subject_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Facts]:
    """Each person's facts (persons without any map to empty ``Facts``)."""
    ids = list(dict.fromkeys(subject_ids))
    found: dict[uuid.UUID, Facts] = {}
    connection = session.connection()
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        params = {"ids": chunk}
        records: dict[uuid.UUID, list[RecordFact]] = defaultdict(list)
        keyed = _keys(chunk)
        for raw, rid, provider, source, *rest in connection.execute(_RECORDS, params).all():
            records[keyed[raw]].append(RecordFact(rid, f"{provider}:{source}", *rest))
        entries: dict[uuid.UUID, list[EntryFact]] = defaultdict(list)
        own: Sequence[Any] = connection.execute(_ENTRIES, params).all()
        for row in own:
            entries[row[0]].append(_entry(row[1:]))
        roles: dict[uuid.UUID, list[RoleFact]] = defaultdict(list)
        held: Sequence[Any] = connection.execute(_ROLES, params).all()
        for row in held:
            roles[row[0]].append(RoleFact(row[1], row[2], row[3], _entry(row[4:])))
        objections: dict[uuid.UUID, list[ObjectionFact]] = defaultdict(list)
        for sid, *rest in connection.execute(_OBJECTIONS, params):
            objections[sid].append(ObjectionFact(*rest))
        grades: dict[uuid.UUID, list[GradeFact]] = defaultdict(list)
        for sid, *rest in connection.execute(_GRADES, params):
            grades[sid].append(GradeFact(*rest))
        for sid in chunk:
            found[sid] = Facts(
                sid,
                tuple(records.get(sid, ())),
                tuple(entries.get(sid, ())),
                tuple(roles.get(sid, ())),
                tuple(objections.get(sid, ())),
                tuple(grades.get(sid, ())),
            )
    return found
