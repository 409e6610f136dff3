"""A person's credit state as one rule: a pure function from their facts and a moment.

The facts are everything the platform holds that changes what others see of a person or do to
them: record versions with their display windows (``records.window``), list entries — their own
and those of the organizations where they hold a role (R8.4) — objections, and the grades in
force. The state is what follows at a moment:

- ``records``: the current versions inside their display window (the visibility rule's cut, before
  the audience's sharing level and permission list narrow it by kind: ``visible``);
- ``memberships``: the published list entries in force, own first, then reached through an
  organization. An entry whose records have all stopped counting (repaired, revoked, display
  ended) no longer counts, even before the lists sweep writes its exit;
- ``pending``: own entries proposed or notified (the person sees them coming);
- ``disputed`` / ``disputed_entries``: records under an open objection, and own entries all of
  whose records are;
- ``repairable``: displayed dishonest records whose repair can be applied for;
- ``grade``: the integrity grade in force;
- ``next_change_at``: the next moment the state changes by itself (a window opens or ends, a term
  ends, a role starts or ends, repair opens, a grade takes effect), None when nothing is due.

No database access and no clock: tests, the stored projection (``state.service``), the sweep and
the rebuild all call this one function. Days are calendar days in China (``day_of``). Statuses are
read at the moment from their dates (a version ended after it was still current; an entry's
steps are dated), so a report issued at a past moment reproduces; only open objections are taken
as they are now (the reports' as-of dispute marks are ``objections.disputes.open_disputes``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime, timedelta

import msgspec

from chengxin.lists import types as list_types
from chengxin.lists.memberships import Membership
from chengxin.records.window import is_displayed
from chengxin.workdays.days import day_of, midnight

ACTIVE = "active"
DISHONEST = "dishonest"
PUBLISHED, EXITED = "published", "exited"
PENDING_STATUSES = ("proposed", "notified")
OPEN_OBJECTIONS = ("filed", "forwarded")


# -- facts (inputs) -----------------------------------------------------------------------------


class RecordFact(msgspec.Struct, frozen=True):
    """One version of a record about the person."""

    id: uuid.UUID
    source: str  # provider and source id: the versions of one record share it
    kind_code: str
    category: str
    severity: str | None
    finding_on: date
    display_from_on: date
    display_until_on: date
    repair_from_on: date | None
    status: str  # active, superseded, revoked, repaired
    ended_at: datetime | None = None  # when it stopped being current (status other than active)


class EntryFact(msgspec.Struct, frozen=True):
    """One list entry: the person's own, or an organization's reached through a role."""

    id: uuid.UUID
    reference: str
    list_type: str
    kind: str  # red, black
    domain: str
    basis: str
    status: str
    record_ids: tuple[uuid.UUID, ...]
    proposed_at: datetime
    objection_due_at: datetime | None = None
    published_at: datetime | None = None
    term_ends_at: datetime | None = None
    exited_at: datetime | None = None
    shown_id: str | None = None  # the organization's masked credit code (linked entries)
    notified_at: datetime | None = None
    withdrawn_at: datetime | None = None


class RoleFact(msgspec.Struct, frozen=True):
    """The person holds a role in a listed organization: that organization's entry reaches them."""

    role: str
    since_on: date
    until_on: date | None
    entry: EntryFact


class ObjectionFact(msgspec.Struct, frozen=True):
    record_id: uuid.UUID
    status: str


class GradeFact(msgspec.Struct, frozen=True):
    valid_from: datetime
    computed_at: datetime
    grade: str | None


class Facts(msgspec.Struct, frozen=True):
    """Everything the rule reads of one person."""

    subject_id: uuid.UUID
    records: tuple[RecordFact, ...] = ()
    entries: tuple[EntryFact, ...] = ()
    roles: tuple[RoleFact, ...] = ()
    objections: tuple[ObjectionFact, ...] = ()
    grades: tuple[GradeFact, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.records or self.entries or self.roles or self.objections or self.grades)


# -- the state (output) -------------------------------------------------------------------------


class Shown(msgspec.Struct, frozen=True, array_like=True):
    """A record displayed now (before narrowing by the audience's kinds)."""

    id: uuid.UUID
    kind_code: str
    category: str
    severity: str | None
    finding_on: date


class Pending(msgspec.Struct, frozen=True):
    """An own entry on its way to a list: proposed, or notified with its objection deadline."""

    entry_id: uuid.UUID
    reference: str
    list_type: str
    kind: str
    status: str
    objection_due_at: datetime | None


class CreditState(msgspec.Struct, frozen=True):
    """What follows from a person's facts at a moment (see the module docstring)."""

    records: tuple[Shown, ...] = ()
    memberships: tuple[Membership, ...] = ()
    pending: tuple[Pending, ...] = ()
    disputed: tuple[uuid.UUID, ...] = ()
    disputed_entries: tuple[uuid.UUID, ...] = ()
    repairable: tuple[uuid.UUID, ...] = ()
    grade: str | None = None
    next_change_at: datetime | None = None

    def visible(self, kinds: frozenset[str] | None) -> list[Shown]:
        """The displayed records an audience may see: ``kinds`` is what its sharing level,
        permission list and grant allow (None: every kind)."""
        if kinds is None:
            return list(self.records)
        return [r for r in self.records if r.kind_code in kinds]

    @property
    def black(self) -> list[Membership]:
        return [m for m in self.memberships if m.kind == "black"]


EMPTY = CreditState()


# -- the rule -----------------------------------------------------------------------------------


def _status_at(record: RecordFact, at: datetime) -> str:
    """The version's status at ``at``: one that ended after ``at`` was still current then."""
    if record.status != ACTIVE and record.ended_at is not None and record.ended_at > at:
        return ACTIVE
    return record.status


def _counts(record: RecordFact, today: date, at: datetime) -> bool:
    """Current and inside its display window on the day: it shows and acts."""
    return _status_at(record, at) == ACTIVE and is_displayed(
        record.display_until_on, record.display_from_on, today
    )


def _phase(entry: EntryFact, at: datetime) -> str | None:
    """Where an entry stood at ``at``, from its dated steps: proposed, notified, published,
    exited, or None (not yet proposed, or withdrawn by then)."""
    if entry.proposed_at > at or (entry.withdrawn_at is not None and entry.withdrawn_at <= at):
        return None
    if entry.exited_at is not None and entry.exited_at <= at:
        return EXITED
    if entry.published_at is not None and entry.published_at <= at:
        return PUBLISHED
    if entry.status == "withdrawn" and entry.withdrawn_at is None:
        return None  # withdrawn before withdrawals were dated
    if entry.notified_at is not None and entry.notified_at <= at:
        return "notified"
    return "notified" if entry.status == "notified" and entry.notified_at is None else "proposed"


def _entry_in_force(entry: EntryFact, at: datetime) -> bool:
    """Published by ``at`` and neither exited, withdrawn nor past its term then."""
    return _phase(entry, at) == PUBLISHED and (
        entry.term_ends_at is None or entry.term_ends_at > at
    )


def _rests(entry: EntryFact, counting: set[str], sources: dict[uuid.UUID, str]) -> bool:
    """An entry on records still rests on one that counts: a version named by the entry, or the
    later version a correction made of it (same source). A record the facts do not hold does
    not end it; only records known to have stopped counting do."""
    if not entry.record_ids:
        return True
    return any(r not in sources or sources[r] in counting for r in entry.record_ids)


def _membership(entry: EntryFact, via: str | None, role: str | None) -> Membership:
    found = list_types.get(entry.list_type)
    assert entry.published_at is not None  # noqa: S101 — only entries in force become memberships
    return Membership(
        entry_id=entry.id,
        reference=entry.reference,
        list_type=entry.list_type,
        kind=entry.kind,
        name_zh=found.name_zh if found else entry.list_type,
        domain=entry.domain,
        basis=entry.basis,
        published_at=entry.published_at,
        term_ends_at=entry.term_ends_at,
        via_organization=via,
        role=role,
    )


def _later(candidates: Iterable[datetime | None], at: datetime) -> datetime | None:
    future = [c for c in candidates if c is not None and c > at]
    return min(future) if future else None


def _shown(
    facts: Facts, today: date, at: datetime, due: list[datetime | None]
) -> tuple[list[Shown], set[str], list[uuid.UUID]]:
    """Displayed records (newest finding first), the sources that count, the repairable ones."""
    shown: list[Shown] = []
    counting: set[str] = set()  # sources whose current version counts
    repairable: list[uuid.UUID] = []
    for r in sorted(facts.records, key=lambda r: (r.finding_on, r.id.bytes), reverse=True):
        if _status_at(r, at) != ACTIVE:
            continue
        # A version that ended after ``at`` (a state at a past moment) changes status then.
        due.extend((midnight(r.display_from_on), midnight(r.display_until_on), r.ended_at))
        if not _counts(r, today, at):
            continue
        counting.add(r.source)
        shown.append(Shown(r.id, r.kind_code, r.category, r.severity, r.finding_on))
        if r.category == DISHONEST and r.repair_from_on is not None:
            if r.repair_from_on <= today:
                repairable.append(r.id)
            else:
                due.append(midnight(r.repair_from_on))
    return shown, counting, repairable


def _disputed(facts: Facts) -> list[uuid.UUID]:
    """Record versions under an open objection (异议处理中)."""
    found = {o.record_id for o in facts.objections if o.status in OPEN_OBJECTIONS}
    return sorted(found, key=lambda u: u.bytes)


def _own(  # noqa: PLR0917
    facts: Facts,
    at: datetime,
    counting: set[str],
    in_dispute: set[uuid.UUID],
    due: list[datetime | None],
    pending: list[Pending],
) -> tuple[list[Membership], list[uuid.UUID]]:
    """Own entries in force that still rest on a record, and those wholly in dispute."""
    sources = {r.id: r.source for r in facts.records}
    own: list[Membership] = []
    disputed_entries: list[uuid.UUID] = []
    for e in sorted(facts.entries, key=lambda e: (e.published_at or e.proposed_at, e.id.bytes)):
        due.extend(
            (
                e.proposed_at,
                e.notified_at,
                e.published_at,
                e.term_ends_at,
                e.exited_at,
                e.withdrawn_at,
            )
        )
        phase = _phase(e, at)
        if phase in PENDING_STATUSES:
            due_at = e.objection_due_at if phase == "notified" else None
            pending.append(Pending(e.id, e.reference, e.list_type, e.kind, str(phase), due_at))
            continue
        if not _entry_in_force(e, at) or not _rests(e, counting, sources):
            continue
        own.append(_membership(e, None, None))
        if e.record_ids and all(r in in_dispute for r in e.record_ids):
            disputed_entries.append(e.id)
    return own, disputed_entries


def _linked(
    facts: Facts, today: date, at: datetime, due: list[datetime | None]
) -> list[Membership]:
    """Organizations' entries in force reaching the person through a role held on the day."""
    linked: list[tuple[datetime, bytes, str, Membership]] = []
    for role in facts.roles:
        e = role.entry
        until = midnight(role.until_on + timedelta(days=1)) if role.until_on else None
        due.extend(
            (
                midnight(role.since_on),
                until,
                e.published_at,
                e.term_ends_at,
                e.exited_at,
                e.withdrawn_at,
            )
        )
        held = role.since_on <= today and (role.until_on is None or role.until_on >= today)
        if held and _entry_in_force(e, at) and e.published_at is not None:
            linked.append(
                (e.published_at, e.id.bytes, role.role, _membership(e, e.shown_id, role.role))
            )
    return [m for *_, m in sorted(linked, key=lambda x: x[:3])]


def _grade(facts: Facts, at: datetime, due: list[datetime | None]) -> str | None:
    grade = None
    for g in sorted(facts.grades, key=lambda g: (g.valid_from, g.computed_at)):
        if g.valid_from <= at:
            grade = g.grade
        else:
            due.append(g.valid_from)
    return grade


def state_of(facts: Facts, at: datetime) -> CreditState:
    """The person's credit state at ``at`` (an aware moment)."""
    today = day_of(at)
    due: list[datetime | None] = []  # moments the state may change by itself
    shown, counting, repairable = _shown(facts, today, at, due)
    disputed = _disputed(facts)
    pending: list[Pending] = []
    own, disputed_entries = _own(facts, at, counting, set(disputed), due, pending)
    memberships = own + _linked(facts, today, at, due)
    grade = _grade(facts, at, due)
    return CreditState(
        records=tuple(shown),
        memberships=tuple(memberships),
        pending=tuple(pending),
        disputed=tuple(disputed),
        disputed_entries=tuple(disputed_entries),
        repairable=tuple(repairable),
        grade=grade,
        next_change_at=_later(due, at),
    )


# -- storage form -------------------------------------------------------------------------------

_ENCODER = msgspec.json.Encoder()
_DECODER = msgspec.json.Decoder(CreditState)


def encode(state: CreditState) -> str:
    """The stored form of a state (compact JSON; decoded straight into ``CreditState``)."""
    return _ENCODER.encode(state).decode("utf-8")


def decode(text: str | bytes) -> CreditState:
    return _DECODER.decode(text)
