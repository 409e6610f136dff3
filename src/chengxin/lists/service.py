"""The lifecycle of a list entry (R7, R8; RULES.md §5): proposed → notified → published →
exited, or withdrawn before publication.

- **propose**: a provider for its own current records about one person (or on a finding
  document), an organization by credit code, or automatically from a record kind that proposes
  a list (``proposals``). The reason is sealed; the public list gets masked name and number only.
- **notify**: the subject is told the reasons, basis and rights through the outbox (for an
  organization: its inbox and the persons holding roles in it); an objection window of
  ``lists_objection_days`` working days opens.
- **publish**: operators only, never before the window ends, never while an objection to an
  underlying record is open (``objections.disputes``). The term (years of the list type) runs
  from publication.
- **exit**: term ended, repaired, obligation performed, court deletion, error — with a reason
  and an actor; the sweep exits entries whose term ended or whose records were repaired,
  revoked or ended their display.

Every step writes one ordered ``list_entry_event`` row and one audit entry.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from chengxin import casework, privacy, workdays
from chengxin.access import queries as access_queries
from chengxin.audit import service as audit
from chengxin.db import utcnow
from chengxin.identity import resolve, rules
from chengxin.identity import service as identity_service
from chengxin.identity.errors import SubjectNotFound
from chengxin.identity.models import Subject
from chengxin.keys import keyring_of
from chengxin.keys.sealed import seal, unseal
from chengxin.lists import types as list_types
from chengxin.lists.errors import (
    ListEntryAlreadyOpen,
    ListEntryInputInvalid,
    ListEntryNotFound,
    ListEntryNotYours,
    ListEntryWrongState,
    ListObjectionWindowOpen,
    ListProposerNotAllowed,
    ListRecordInDispute,
    ListRecordNotUsable,
    ListSubjectMinor,
)
from chengxin.lists.models import (
    CURRENT_STATUSES,
    EntryStatus,
    ExitReason,
    ListEntry,
    ListEntryEvent,
    ListKind,
    Step,
)
from chengxin.objections import disputes
from chengxin.organizations.models import Organization, OrganizationRole
from chengxin.records import service as records_service
from chengxin.records.models import CreditRecord, RecordStatus
from chengxin.records.window import is_displayed
from chengxin.repair import archive
from chengxin.security.actor import Actor, ActorKind
from chengxin.settings import Settings
from chengxin.workdays.days import day_of

TABLE = "list_entry"
NAME_PURPOSE = b"list-name"  # blind-index purpose of names on the public lists
MIN_TEXT, MAX_TEXT = 4, 2000
MAX_RECORDS = 50


def _text(value: str | None, what: str) -> str:
    text = (value or "").strip()
    if not MIN_TEXT <= len(text) <= MAX_TEXT:
        raise ListEntryInputInvalid(f"{what}: {MIN_TEXT} to {MAX_TEXT} characters", field=what)
    return text


def name_index(session: Session, name: str) -> bytes:
    """The keyed blind index of a full name (persons normalised as the registry does)."""
    return keyring_of(session).blind(NAME_PURPOSE, name)


def mask_credit_code(code: str) -> str:
    """9142**********123X: an organization's code on the public lists (as ID numbers are)."""
    return privacy.mask_id_number(code)


# -- proposing -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Proposal:
    """What a proposer gives: the list, whom (records, a person, or an organization) and why."""

    list_type: str
    reason: str
    record_ids: Sequence[uuid.UUID] = ()
    subject_id: uuid.UUID | None = None  # a person named without records (on a document)
    credit_code: str | None = None  # an organization
    document_no: str | None = None  # the finding document (required without records)
    automatic: bool = False
    id_number: str | None = None  # a person named by ID number and name (checked, R1.2)
    name: str | None = None


@dataclass
class _Whom:
    subject_id: uuid.UUID | None
    organization_id: uuid.UUID | None
    shown_name: str
    shown_id: str
    name_index: bytes
    records: list[CreditRecord] = field(default_factory=list)
    birth_on: date | None = None


def is_operator(session: Session, actor: Actor) -> bool:
    return casework.is_operator(session, actor)


def _may_propose(session: Session, list_type: list_types.ListType, actor: Actor) -> None:
    if is_operator(session, actor):
        return
    org = session.get(Organization, actor.organization_id) if actor.organization_id else None
    allowed = list_type.proposers
    if (
        org is None
        or org.kind not in allowed.organization_kinds
        or (allowed.departments and org.department not in allowed.departments)
    ):
        who = ", ".join(allowed.departments) or "its providers"
        raise ListProposerNotAllowed(f"list {list_type.code} is proposed by {who}")


def _person(session: Session, subject_id: uuid.UUID) -> _Whom:
    subject = session.get(Subject, subject_id)
    if subject is None:
        raise SubjectNotFound
    clear = identity_service.reveal(keyring_of(session), subject)
    return _Whom(
        subject_id,
        None,
        privacy.mask_name(clear.name),
        privacy.mask_id_number(clear.id_number),
        name_index(session, rules.normalize_name(clear.name)),
        birth_on=subject.birth_on,
    )


def _is_minor(birth_on: date, today: date) -> bool:
    try:
        adult_on = birth_on.replace(year=birth_on.year + 18)
    except ValueError:  # born on 29 February: adult on 1 March
        adult_on = date(birth_on.year + 18, 3, 1)
    return today < adult_on


def organization_by_code(session: Session, credit_code: str) -> Organization | None:
    return session.execute(
        select(Organization).where(Organization.credit_code == credit_code.strip().upper())
    ).scalar_one_or_none()


def _organization(session: Session, credit_code: str) -> _Whom:
    org = organization_by_code(session, credit_code)
    if org is None:
        raise ListEntryInputInvalid("no organization with this credit code", field="credit_code")
    # An enterprise's registered name is public registration data; its code is still masked.
    return _Whom(
        None,
        org.id,
        org.name,
        mask_credit_code(org.credit_code),
        name_index(session, org.name.strip()),
    )


def _records(
    session: Session, record_ids: Sequence[uuid.UUID], actor: Actor, *, system: bool, today: date
) -> list[CreditRecord]:
    if len(record_ids) > MAX_RECORDS:
        raise ListEntryInputInvalid(f"at most {MAX_RECORDS} records", field="record_ids")
    found = []
    for record_id in dict.fromkeys(record_ids):
        record = session.get(CreditRecord, record_id)
        if record is None or (not system and record.provider_id != actor.organization_id):
            raise ListRecordNotUsable(
                "a record is not one of your organization's records", field="record_ids"
            )
        if record.status != RecordStatus.ACTIVE:
            raise ListRecordNotUsable(
                f"a record is {record.status}, not current", field="record_ids"
            )
        if not is_displayed(record.display_until_on, record.display_from_on, today):
            # Outside its display window it is used by no one (RULES.md §1), lists included.
            raise ListRecordNotUsable(
                "a record is not displayed today (outside its display window)", field="record_ids"
            )
        found.append(record)
    if len({r.subject_id for r in found}) > 1:
        raise ListRecordNotUsable("the records are about more than one person", field="record_ids")
    return found


def _whom(session: Session, data: Proposal, actor: Actor, today: date) -> _Whom:
    by_number = data.id_number is not None or data.name is not None
    named = [data.subject_id is not None, data.credit_code is not None, by_number]
    if sum(named) > 1:
        raise ListEntryInputInvalid("name one person or one organization", field="subject")
    if by_number:
        if not data.id_number or not data.name:
            raise ListEntryInputInvalid("give both id_number and name", field="id_number")
        data = replace(data, subject_id=resolve.subject_of(session, data.id_number, data.name))
    if data.credit_code is not None:
        if data.record_ids:
            raise ListEntryInputInvalid(
                "records are about persons; an organization is listed on its finding document",
                field="record_ids",
            )
        return _organization(session, data.credit_code)
    system = is_operator(session, actor) or data.automatic
    records = _records(session, data.record_ids, actor, system=system, today=today)
    subject_id = data.subject_id
    if records:
        if subject_id is not None and records[0].subject_id != subject_id:
            raise ListRecordNotUsable("the records are about another person", field="record_ids")
        subject_id = records[0].subject_id
    if subject_id is None:
        raise ListEntryInputInvalid(
            "name the records, the person or the organization", field="subject"
        )
    whom = _person(session, subject_id)
    whom.records = records
    return whom


def _open_entry(session: Session, list_type: str, whom: _Whom) -> uuid.UUID | None:
    query = select(ListEntry.id).where(
        ListEntry.list_type == list_type, ListEntry.status.in_(CURRENT_STATUSES)
    )
    if whom.subject_id is not None:
        query = query.where(ListEntry.subject_id == whom.subject_id)
    else:
        query = query.where(ListEntry.organization_id == whom.organization_id)
    return session.execute(query.limit(1)).scalar_one_or_none()


def _step(
    session: Session,
    entry: ListEntry,
    step: Step,
    *,
    actor: Actor,
    now: datetime,
    reason: str | None = None,
    data: dict[str, Any] | None = None,
) -> ListEntryEvent:
    """One event row (the ordered history) and one audit entry for a step."""
    body = {"status": entry.status, **(data or {})}
    event = ListEntryEvent(
        id=uuid.uuid4(),
        entry_id=entry.id,
        subject_id=entry.subject_id,
        organization_id=entry.organization_id,
        list_type=entry.list_type,
        at=now,
        step=step.value,
        actor=actor.name,
        reason=reason,
        data=body,
    )
    session.add(event)
    session.flush()
    audit.record(
        session,
        f"lists:entry:{step.value}",
        actor=actor,
        object_type=TABLE,
        object_id=entry.id,
        subject_id=entry.subject_id,
        at=now,
        data={
            "reference": entry.reference,
            "list_type": entry.list_type,
            "organization_id": str(entry.organization_id) if entry.organization_id else None,
            "reason": reason,
            **body,
        },
    )
    return event


def propose(
    session: Session, data: Proposal, *, actor: Actor, now: datetime | None = None
) -> ListEntry:
    """Propose an entry: a provider for its own current records (or on a finding document), an
    operator for anyone, or the platform automatically from a record kind."""
    now = now or utcnow()
    list_type = list_types.get_or_raise(data.list_type)
    if not data.automatic:
        _may_propose(session, list_type, actor)
    reason = _text(data.reason, "reason")
    document_no = (data.document_no or "").strip() or None
    if document_no is not None and len(document_no) > 100:  # noqa: PLR2004
        raise ListEntryInputInvalid("document_no: at most 100 characters", field="document_no")
    whom = _whom(session, data, actor, day_of(now))
    if list_type.adults_only and whom.birth_on and _is_minor(whom.birth_on, day_of(now)):
        raise ListSubjectMinor
    if not whom.records and document_no is None:
        raise ListEntryInputInvalid(
            "without records, name the finding document", field="document_no"
        )
    if _open_entry(session, list_type.code, whom) is not None:
        raise ListEntryAlreadyOpen
    provider_id = whom.records[0].provider_id if whom.records else actor.organization_id
    entry_id = uuid.uuid4()
    sealed, key_id = seal(keyring_of(session), TABLE, entry_id, {"reason": reason})
    prefix = "HM" if list_type.kind is ListKind.RED else "SX"  # 红名单 / 失信名单
    entry = ListEntry(
        id=entry_id,
        reference=casework.reference(prefix, now),
        list_type=list_type.code,
        kind=list_type.kind.value,
        domain=list_type.domain,
        subject_id=whom.subject_id,
        organization_id=whom.organization_id,
        provider_id=provider_id,
        record_ids=[str(r.id) for r in whom.records],
        document_no=document_no,
        status=EntryStatus.PROPOSED.value,
        basis=list_type.basis_text,
        sealed=sealed,
        key_id=key_id,
        automatic=data.automatic,
        proposed_at=now,
        proposed_by=actor.name,
        shown_name=whom.shown_name,
        shown_id=whom.shown_id,
        name_index=whom.name_index,
    )
    session.add(entry)
    session.flush()
    _step(
        session,
        entry,
        Step.PROPOSED,
        actor=actor,
        now=now,
        reason="automatic" if data.automatic else "provider",
        data={
            "records": entry.record_ids,
            "provider_id": str(provider_id) if provider_id else None,
            "document": document_no is not None,
        },
    )
    return entry


# -- reading ---------------------------------------------------------------------------------------


def _get(session: Session, entry_id: uuid.UUID, *, lock: bool = False) -> ListEntry:
    query = select(ListEntry).where(ListEntry.id == entry_id)
    if lock:
        query = query.with_for_update()
    entry = session.execute(query).scalar_one_or_none()
    if entry is None:
        raise ListEntryNotFound
    return entry


def may_read(session: Session, entry: ListEntry, actor: Actor) -> bool:
    """The person listed, the proposing provider, and operators."""
    if actor.kind is ActorKind.CITIZEN:
        return entry.subject_id is not None and entry.subject_id == actor.subject_id
    return entry.provider_id == actor.organization_id or is_operator(session, actor)


def get(session: Session, entry_id: uuid.UUID, *, actor: Actor) -> ListEntry:
    """One entry the actor may read (others are not found)."""
    entry = _get(session, entry_id)
    if not may_read(session, entry, actor):
        raise ListEntryNotFound
    return entry


def read(session: Session, entry_id: uuid.UUID, *, actor: Actor) -> ListEntry:
    """One entry the actor may read, its reading logged (its sealed reason names the subject)."""
    entry = get(session, entry_id, actor=actor)
    audit.record(
        session,
        "lists:entry:read",
        actor=actor,
        object_type="list_entry",
        object_id=entry.id,
        subject_id=entry.subject_id,
    )
    return entry


def history(session: Session, entry_id: uuid.UUID) -> list[ListEntryEvent]:
    """An entry's steps, in order."""
    return list(
        session.execute(
            select(ListEntryEvent)
            .where(ListEntryEvent.entry_id == entry_id)
            .order_by(ListEntryEvent.seq)
        ).scalars()
    )


def reason_of(session: Session, entry: ListEntry) -> dict[str, Any]:
    """The sealed reason (and exit note) of an entry, opened for a reader allowed to see it."""
    return dict(unseal(keyring_of(session), TABLE, entry.id, entry.sealed, entry.key_id))


@dataclass(frozen=True)
class EntryFilter:
    status: EntryStatus | None = None
    list_type: str | None = None
    kind: ListKind | None = None
    subject_id: uuid.UUID | None = None
    organization_id: uuid.UUID | None = None


@dataclass(frozen=True)
class Page:
    items: list[ListEntry]
    total: int


def _filtered(query: Select[Any], f: EntryFilter) -> Select[Any]:
    if f.status is not None:
        query = query.where(ListEntry.status == f.status.value)
    if f.list_type is not None:
        query = query.where(ListEntry.list_type == f.list_type)
    if f.kind is not None:
        query = query.where(ListEntry.kind == f.kind.value)
    if f.subject_id is not None:
        query = query.where(ListEntry.subject_id == f.subject_id)
    if f.organization_id is not None:
        query = query.where(ListEntry.organization_id == f.organization_id)
    return query


def entries(
    session: Session, filters: EntryFilter, *, actor: Actor, limit: int = 50, offset: int = 0
) -> Page:
    """Entries a provider proposed (operators: all), newest first, with the total."""
    scope = casework.scope(session, actor, ListEntry.provider_id)
    query = _filtered(select(ListEntry).where(scope), filters)
    total = session.execute(
        _filtered(select(func.count()).select_from(ListEntry).where(scope), filters)
    ).scalar_one()
    items = session.execute(
        query.order_by(ListEntry.proposed_at.desc(), ListEntry.id).limit(limit).offset(offset)
    ).scalars()
    return Page(list(items), int(total))


def mine(session: Session, *, actor: Actor) -> list[ListEntry]:
    """The signed-in person's own entries in every state (they see everything about them)."""
    return list(
        session.execute(
            select(ListEntry)
            .where(ListEntry.subject_id == actor.subject_id)
            .order_by(ListEntry.proposed_at.desc())
        ).scalars()
    )


# -- notifying, publishing, exiting ----------------------------------------------------------------


def _role_holders(session: Session, organization_id: uuid.UUID, now: datetime) -> list[Any]:
    on = day_of(now)
    return list(
        session.execute(
            select(OrganizationRole.subject_id, OrganizationRole.role)
            .where(
                OrganizationRole.organization_id == organization_id,
                OrganizationRole.since_on <= on,
                or_(OrganizationRole.until_on.is_(None), OrganizationRole.until_on >= on),
            )
            .order_by(OrganizationRole.subject_id)
        ).all()
    )


def notify(
    session: Session,
    entry_id: uuid.UUID,
    *,
    actor: Actor,
    settings: Settings,
    now: datetime | None = None,
) -> ListEntry:
    """Tell the subject the reasons, basis and rights (RULES.md §5) and open the objection
    window; an organization is told in its inbox, the persons holding roles in it by message."""
    now = now or utcnow()
    entry = _get(session, entry_id, lock=True)
    if not may_read(session, entry, actor) or actor.kind is ActorKind.CITIZEN:
        raise ListEntryNotFound
    if entry.status != EntryStatus.PROPOSED.value:
        raise ListEntryWrongState(f"the entry is {entry.status}")
    list_type = list_types.get_or_raise(entry.list_type)
    due = workdays.due_after(
        now, settings.lists_objection_days, calendar=workdays.calendar_of(session)
    )
    entry.status, entry.notified_at, entry.objection_due_at = (
        EntryStatus.NOTIFIED.value,
        now,
        due,
    )
    last_day = workdays.last_day(due)  # the day the page and the report name too
    params = {
        "list_name": list_type.name_zh,
        "reference": entry.reference,
        "basis": list_type.basis_text,
        "due": f"{last_day:%Y-%m-%d}",
    }
    told: list[str] = []
    if entry.subject_id is not None:
        sent = casework.tell_subject(
            session, entry.subject_id, "list-entry-notice", params, actor=actor, now=now
        )
        told.append("subject" if sent else "subject-online-only")
    else:
        assert entry.organization_id is not None  # noqa: S101 — an entry names one or the other
        casework.tell_organizations(
            session,
            [entry.organization_id],
            "list-entry-notice",
            object_type=TABLE,
            object_id=entry.id,
            actor=actor,
            now=now,
            data={**params, "remedies": list_type.remedies},
        )
        told.append("organization")
        for subject_id, _role in _role_holders(session, entry.organization_id, now):
            casework.tell_subject(
                session, subject_id, "list-entry-notice", params, actor=actor, now=now
            )
            told.append("role-holder")
    _step(
        session,
        entry,
        Step.NOTIFIED,
        actor=actor,
        now=now,
        reason="notice",
        data={
            "objection_due_at": due.isoformat(),
            "told": told,
            "working_days": settings.lists_objection_days,
        },
    )
    return entry


def _term_end(list_type: list_types.ListType, published_at: datetime) -> datetime | None:
    if list_type.term_years is None:
        return None
    try:
        return published_at.replace(year=published_at.year + list_type.term_years)
    except ValueError:  # 29 February
        return published_at.replace(year=published_at.year + list_type.term_years, day=28)


def publish(
    session: Session, entry_id: uuid.UUID, *, actor: Actor, now: datetime | None = None
) -> ListEntry:
    """Put a notified entry on the list once the objection window has ended and no objection to
    its records is open (operators)."""
    now = now or utcnow()
    entry = _get(session, entry_id, lock=True)
    if not is_operator(session, actor):
        raise ListEntryNotYours("only the platform's operators publish")
    if entry.status != EntryStatus.NOTIFIED.value:
        raise ListEntryWrongState(
            f"the entry is {entry.status}; only a notified entry is published"
        )
    if entry.objection_due_at is None or now < entry.objection_due_at:
        raise ListObjectionWindowOpen(
            f"the objection window ends {entry.objection_due_at:%Y-%m-%dT%H:%MZ}"
            if entry.objection_due_at
            else None
        )
    disputed = disputes.open_disputes(session, [uuid.UUID(r) for r in entry.record_ids])
    if disputed:
        raise ListRecordInDispute(f"{len(disputed)} record(s) in dispute")
    list_type = list_types.get_or_raise(entry.list_type)
    entry.status, entry.published_at = EntryStatus.PUBLISHED.value, now
    entry.term_ends_at = _term_end(list_type, now)
    ends = entry.term_ends_at.isoformat() if entry.term_ends_at else None
    _step(
        session,
        entry,
        Step.PUBLISHED,
        actor=actor,
        now=now,
        reason="published",
        data={"term_ends_at": ends},
    )
    return entry


def _seal_note(session: Session, entry: ListEntry, key: str, note: str) -> None:
    ring = keyring_of(session)
    value = unseal(ring, TABLE, entry.id, entry.sealed, entry.key_id)
    entry.sealed, entry.key_id = seal(ring, TABLE, entry.id, {**value, key: note})


def exit_entry(
    session: Session,
    entry_id: uuid.UUID,
    *,
    reason: ExitReason,
    note: str | None = None,
    actor: Actor,
    now: datetime | None = None,
) -> ListEntry:
    """Take a published entry off the list, with its reason; the subject is told."""
    now = now or utcnow()
    entry = _get(session, entry_id, lock=True)
    if not is_operator(session, actor):
        raise ListEntryNotYours("only the platform's operators take entries off a list")
    if entry.status != EntryStatus.PUBLISHED.value:
        raise ListEntryWrongState(f"the entry is {entry.status}; only a published entry exits")
    return _exit(session, entry, reason, note, actor=actor, now=now)


def _exit(
    session: Session,
    entry: ListEntry,
    reason: ExitReason,
    note: str | None,
    *,
    actor: Actor,
    now: datetime,
    at: datetime | None = None,
) -> ListEntry:
    if note:
        _seal_note(session, entry, "exit_note", _text(note, "note"))
    entry.status, entry.exited_at, entry.exit_reason = (
        EntryStatus.EXITED.value,
        at or now,
        reason.value,
    )
    _step(
        session,
        entry,
        Step.EXITED,
        actor=actor,
        now=now,
        reason=reason.value,
        data={"exited_at": entry.exited_at.isoformat()},
    )
    if entry.subject_id is not None:
        list_type = list_types.get_or_raise(entry.list_type)
        casework.tell_subject(
            session,
            entry.subject_id,
            "list-entry-exited",
            {"list_name": list_type.name_zh, "reference": entry.reference},
            actor=actor,
            now=now,
        )
    return entry


def withdraw(
    session: Session,
    entry_id: uuid.UUID,
    *,
    note: str,
    actor: Actor,
    now: datetime | None = None,
) -> ListEntry:
    """Drop an entry before publication (its proposer, or an operator)."""
    now = now or utcnow()
    entry = _get(session, entry_id, lock=True)
    if not may_read(session, entry, actor) or actor.kind is ActorKind.CITIZEN:
        raise ListEntryNotFound
    if entry.status not in (EntryStatus.PROPOSED.value, EntryStatus.NOTIFIED.value):
        raise ListEntryWrongState(
            f"the entry is {entry.status}; only an unpublished entry is withdrawn"
        )
    _seal_note(session, entry, "withdraw_note", _text(note, "note"))
    entry.status, entry.withdrawn_at = EntryStatus.WITHDRAWN.value, now
    _step(session, entry, Step.WITHDRAWN, actor=actor, now=now, reason="withdrawn")
    return entry


# -- the sweep -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SweepResult:
    term_ended: int
    records_ended: int


def _ended_reason(session: Session, record_ids: list[str], now: datetime) -> ExitReason | None:
    """Why every record an entry rests on no longer counts (None while one still does)."""
    today = day_of(now)
    reasons: list[ExitReason] = []
    for raw in record_ids:
        record = session.get(CreditRecord, uuid.UUID(raw))
        if record is None:
            continue
        if record.status == RecordStatus.SUPERSEDED:  # a correction: the current version carries on
            record = records_service.current_version(session, record.provider_id, record.source_id)
        if record.status == RecordStatus.REPAIRED or archive.is_archived(record):
            reasons.append(ExitReason.REPAIRED)
        elif record.status == RecordStatus.REVOKED:
            reasons.append(ExitReason.ERROR)
        elif record.display_until_on <= today:  # the window ends before its end day (window.py)
            reasons.append(ExitReason.RECORD_ENDED)
        else:
            return None
    if not reasons:
        return None
    for reason in (ExitReason.REPAIRED, ExitReason.ERROR):
        if reason in reasons:
            return reason
    return ExitReason.RECORD_ENDED


# -- effects at once: repair and revocation ------------------------------------------------------


@dataclass(frozen=True)
class RecordsEnded:
    exited: int  # published entries taken off their list
    withdrawn: int  # proposed or notified entries dropped before publication


_CHUNK = 1000


def _keys(records: Sequence[CreditRecord]) -> set[tuple[uuid.UUID, str]]:
    return {(r.provider_id, r.source_id) for r in records}


def exit_for_records(
    session: Session,
    record_ids: Sequence[uuid.UUID],
    *,
    actor: Actor,
    now: datetime | None = None,
) -> RecordsEnded:
    """End, in the caller's transaction, every current entry resting on these records (any
    version of them) whose records no longer count — all repaired, revoked or past their display
    (``_ended_reason``). A published entry exits: its event and audit entry, the person told, and
    every organization that received its records or checked the person since publication told
    to stop (``list-entry-exited``). A proposed or notified entry is withdrawn (the person told if
    they had been notified). Repair approval and revocation call this, so display, sharing and
    joint punishment stop with the decision, not at the next sweep (NDRC Order 36; ADR 0025)."""
    now = now or utcnow()
    ids = list(dict.fromkeys(record_ids))
    if not ids:
        return RecordsEnded(0, 0)
    ended: list[CreditRecord] = []
    for start in range(0, len(ids), _CHUNK):
        ended += session.execute(
            select(CreditRecord)
            .where(CreditRecord.id.in_(ids[start : start + _CHUNK]))
            .execution_options(populate_existing=True)  # bulk (Core) status marks are seen
        ).scalars()
    keys = _keys(ended)
    subjects = sorted({r.subject_id for r in ended})
    exited = withdrawn = 0
    for start in range(0, len(subjects), _CHUNK):
        entries = session.execute(
            select(ListEntry)
            .where(
                ListEntry.subject_id.in_(subjects[start : start + _CHUNK]),
                ListEntry.status.in_(CURRENT_STATUSES),
            )
            .order_by(ListEntry.proposed_at, ListEntry.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).scalars()
        for entry in list(entries):
            rests_on = [session.get(CreditRecord, uuid.UUID(r)) for r in entry.record_ids]
            if not keys & _keys([r for r in rests_on if r is not None]):
                continue
            reason = _ended_reason(session, entry.record_ids, now)
            if reason is None:
                continue
            if entry.status == EntryStatus.PUBLISHED.value:
                _exit(session, entry, reason, None, actor=actor, now=now)
                _tell_users(session, entry, reason, actor=actor, now=now)
                exited += 1
            else:
                _withdraw_ended(session, entry, reason, actor=actor, now=now)
                withdrawn += 1
    return RecordsEnded(exited, withdrawn)


def _tell_users(
    session: Session, entry: ListEntry, reason: ExitReason, *, actor: Actor, now: datetime
) -> None:
    """Every organization that received the entry's records in a query or report, or checked the
    person since the entry was published, is told it is off the list."""
    assert entry.subject_id is not None  # noqa: S101 — entries on records are about persons
    versions = [
        v.id
        for raw in entry.record_ids
        if (record := session.get(CreditRecord, uuid.UUID(raw))) is not None
        for v in records_service.versions_of(session, record.provider_id, record.source_id)
    ]
    told = access_queries.recipients_of(session, entry.subject_id, versions)
    if entry.published_at is not None:
        told |= casework.checked_by(session, entry.subject_id, since=entry.published_at)
    casework.tell_organizations(
        session,
        sorted(told),
        "list-entry-exited",
        object_type=TABLE,
        object_id=entry.id,
        actor=actor,
        now=now,
        subject_id=entry.subject_id,
        data={
            "reference": entry.reference,
            "list_type": entry.list_type,
            "exit_reason": reason.value,
            "masked_name": entry.shown_name,
            "masked_id_number": entry.shown_id,
        },
    )


def _withdraw_ended(
    session: Session, entry: ListEntry, reason: ExitReason, *, actor: Actor, now: datetime
) -> None:
    """Drop an unpublished entry whose records no longer count; a notified person is told."""
    notified = entry.status == EntryStatus.NOTIFIED.value
    entry.status, entry.withdrawn_at = EntryStatus.WITHDRAWN.value, now
    _step(session, entry, Step.WITHDRAWN, actor=actor, now=now, reason=reason.value)
    if notified and entry.subject_id is not None:
        list_type = list_types.get_or_raise(entry.list_type)
        casework.tell_subject(
            session,
            entry.subject_id,
            "list-entry-withdrawn",
            {"list_name": list_type.name_zh, "reference": entry.reference},
            actor=actor,
            now=now,
        )


def sweep(session: Session, *, actor: Actor, now: datetime | None = None) -> SweepResult:
    """Exit published entries whose term ended (at the term's end) and those whose records were
    all repaired, revoked or ended their display. A second sweep repeats nothing."""
    now = now or utcnow()
    term_ended = 0
    for entry in session.execute(
        select(ListEntry)
        .where(ListEntry.status == EntryStatus.PUBLISHED.value, ListEntry.term_ends_at <= now)
        .order_by(ListEntry.term_ends_at, ListEntry.id)
    ).scalars():
        _exit(
            session, entry, ExitReason.TERM_END, None, actor=actor, now=now, at=entry.term_ends_at
        )
        term_ended += 1
    records_ended = 0
    for entry in session.execute(
        select(ListEntry)
        .where(ListEntry.status == EntryStatus.PUBLISHED.value)
        .order_by(ListEntry.published_at, ListEntry.id)
    ).scalars():
        reason = _ended_reason(session, entry.record_ids, now)
        if reason is not None:
            _exit(session, entry, reason, None, actor=actor, now=now)
            records_ended += 1
    return SweepResult(term_ended, records_ended)
