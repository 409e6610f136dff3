"""Objections (异议, R5.1; RULES.md §3).

A person (or an operator for them) objects to the current version of one of their records with
a reason and evidence. At once the record shows "in dispute" wherever it shows (reports, query
answers, checks and lists read ``objections.disputes``). The case reaches the provider's queue
within 1 working day (the sweep forwards it); the decision is due within 5 working days when the
platform decides, 7 when the provider verifies (per kind configurable; 20 calendar days at most
for financial data). Reminders go out before the due date, overdue cases escalate to operators.

Outcomes: corrected (the provider pushed a new version), deleted (revoked), upheld (mark
removed), unverifiable (both recorded). On a correction or deletion every organization that
received the record is told, found from the audit log. The route of administrative
reconsideration or appeal is recorded and shown to the person.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from chengxin import casework, workdays
from chengxin.audit import service as audit
from chengxin.catalog import service as catalog_service
from chengxin.db import utcnow
from chengxin.evidence import service as evidence_service
from chengxin.evidence.service import EvidenceFile
from chengxin.keys import keyring_of
from chengxin.keys.sealed import seal, unseal
from chengxin.lists import service as list_service
from chengxin.objections.errors import (
    CorrectionMissing,
    ObjectionAlreadyOpen,
    ObjectionClosed,
    ObjectionInputInvalid,
    ObjectionNotFound,
    ObjectionNotYours,
    ObjectionRecordNotCurrent,
    RecordNotFound,
)
from chengxin.objections.models import (
    OPEN_STATUSES,
    Objection,
    ObjectionOutcome,
    ObjectionRoute,
    ObjectionStatus,
)
from chengxin.records import service as records_service
from chengxin.records.models import CreditRecord
from chengxin.security.actor import Actor, ActorKind
from chengxin.security.permissions import Permission
from chengxin.settings import Settings

TABLE = "objection"
MIN_TEXT, MAX_TEXT = 4, 2000


def _text(value: str | None, what: str) -> str:
    text = (value or "").strip()
    if not MIN_TEXT <= len(text) <= MAX_TEXT:
        raise ObjectionInputInvalid(f"{what}: {MIN_TEXT} to {MAX_TEXT} characters", field=what)
    return text


def own_record(session: Session, record_id: uuid.UUID, actor: Actor) -> CreditRecord:
    """A record the actor may act on for its subject: a citizen's own, or any for staff holding
    the filing permission. Another person's record is simply not found."""
    record = session.get(CreditRecord, record_id)
    if record is None:
        raise RecordNotFound
    if actor.kind is ActorKind.CITIZEN and record.subject_id != actor.subject_id:
        raise RecordNotFound
    return record


def _days(settings: Settings, kind_code: str, route: ObjectionRoute) -> int:
    if kind_code in settings.objection_days_by_kind:
        return settings.objection_days_by_kind[kind_code]
    if route is ObjectionRoute.PLATFORM:
        return settings.objection_platform_days
    return settings.objection_provider_days


def file(
    session: Session,
    *,
    record_id: uuid.UUID,
    reason: str,
    evidence: list[EvidenceFile],
    route: ObjectionRoute = ObjectionRoute.PROVIDER,
    actor: Actor,
    settings: Settings,
    now: datetime | None = None,
) -> Objection:
    """File an objection; the record is in dispute from this moment."""
    now = now or utcnow()
    record = own_record(session, record_id, actor)
    if actor.kind is ActorKind.CITIZEN:
        route = ObjectionRoute.PROVIDER  # the person objects; the operator may route it
    reason = _text(reason, "reason")
    evidence_service.check(evidence)
    if record.status != "active":
        raise ObjectionRecordNotCurrent(f"this version is {record.status}")
    already = session.execute(
        select(Objection.id).where(
            Objection.provider_id == record.provider_id,
            Objection.source_id == record.source_id,
            Objection.status.in_(OPEN_STATUSES),
        )
    ).first()
    if already is not None:
        raise ObjectionAlreadyOpen
    _, document = catalog_service.active_document(session)
    kind = next((k for k in document.kinds if k.code == record.kind_code), None)
    financial = bool(kind and kind.financial)
    days = _days(settings, record.kind_code, route)
    ceiling = timedelta(days=settings.objection_financial_ceiling_days) if financial else None
    calendar = workdays.calendar_of(session)
    due = casework.deadlines(
        now,
        days,
        remind_days_before=settings.reminder_working_days,
        ceiling=ceiling,
        calendar=calendar,
    )
    forward = casework.deadlines(
        now, settings.objection_forward_days, remind_days_before=0, calendar=calendar
    )
    objection_id = uuid.uuid4()
    sealed, key_id = seal(keyring_of(session), TABLE, objection_id, {"reason": reason})
    objection = Objection(
        id=objection_id,
        reference=casework.reference("YY", now),
        subject_id=record.subject_id,
        record_id=record.id,
        provider_id=record.provider_id,
        source_id=record.source_id,
        kind_code=record.kind_code,
        financial=financial,
        route=route.value,
        status=ObjectionStatus.FILED.value,
        sealed=sealed,
        key_id=key_id,
        filed_by=actor.name,
        filed_at=now,
        forward_due_at=forward.due_at,
        remind_at=due.remind_at,
        decide_due_at=due.due_at,
        notified_organizations=0,
    )
    session.add(objection)
    session.flush()
    evidence_service.attach(
        session,
        evidence,
        case_type=TABLE,
        case_id=objection.id,
        subject_id=record.subject_id,
        actor=actor,
        now=now,
    )
    audit.record(
        session,
        "objections:objection:file",
        actor=actor,
        object_type=TABLE,
        object_id=objection.id,
        subject_id=record.subject_id,
        at=now,
        data={
            "record_id": str(record.id),
            "route": route.value,
            "evidence": len(evidence),
            "decide_due_at": objection.decide_due_at.isoformat(),
        },
    )
    casework.tell_subject(
        session,
        record.subject_id,
        "objection-received",
        {
            "reference": objection.reference,
            "days": str(days),
            "due": f"{workdays.last_day(objection.decide_due_at):%Y-%m-%d}",
        },
        actor=actor,
        now=now,
    )
    return objection


def forward(session: Session, objection: Objection, *, actor: Actor, now: datetime) -> None:
    """Put a filed provider-route objection in the provider's queue and tell the provider."""
    objection.status, objection.forwarded_at = ObjectionStatus.FORWARDED.value, now
    audit.record(
        session,
        "objections:objection:forward",
        actor=actor,
        object_type=TABLE,
        object_id=objection.id,
        subject_id=objection.subject_id,
        at=now,
        data={"provider_id": str(objection.provider_id)},
    )
    casework.tell_organizations(
        session,
        [objection.provider_id],
        "objection-received",
        object_type=TABLE,
        object_id=objection.id,
        actor=actor,
        now=now,
        data={
            "reference": objection.reference,
            "kind_code": objection.kind_code,
            "decide_due_at": objection.decide_due_at.isoformat(),
        },
    )


def _get(session: Session, objection_id: uuid.UUID) -> Objection:
    objection = session.get(Objection, objection_id)
    if objection is None:
        raise ObjectionNotFound
    return objection


def may_read(session: Session, objection: Objection, actor: Actor) -> bool:
    """The person concerned, the provider whose record it is, operators and auditors."""
    if actor.kind is ActorKind.CITIZEN:
        return objection.subject_id == actor.subject_id
    if not actor.can(Permission.OBJECTIONS_OBJECTION_READ):
        return False
    return objection.provider_id == actor.organization_id or casework.is_operator(session, actor)


def get(session: Session, objection_id: uuid.UUID, *, actor: Actor) -> Objection:
    """One objection the actor may read (others are not found)."""
    objection = _get(session, objection_id)
    if not may_read(session, objection, actor):
        raise ObjectionNotFound
    return objection


def read(session: Session, objection_id: uuid.UUID, *, actor: Actor) -> Objection:
    """One objection the actor may read, its reading logged (a case names the person)."""
    objection = get(session, objection_id, actor=actor)
    audit.record(
        session,
        "objections:objection:read",
        actor=actor,
        object_type="objection",
        object_id=objection.id,
        subject_id=objection.subject_id,
    )
    return objection


def open_evidence(
    session: Session, objection_id: uuid.UUID, evidence_id: uuid.UUID, *, actor: Actor
) -> evidence_service.OpenedEvidence:
    """One evidence file of a case the actor may read, decrypted, its reading logged."""
    objection = get(session, objection_id, actor=actor)
    opened = evidence_service.open_file(session, objection.id, evidence_id)
    audit.record(
        session,
        "objections:evidence:read",
        actor=actor,
        object_type="evidence",
        object_id=evidence_id,
        subject_id=objection.subject_id,
    )
    return opened


def _may_decide(session: Session, objection: Objection, actor: Actor) -> bool:
    if objection.route == ObjectionRoute.PLATFORM.value:
        return casework.is_operator(session, actor)
    return actor.kind is ActorKind.SYSTEM or objection.provider_id == actor.organization_id


def _corrected_version(
    session: Session, objection: Objection, corrected_record_id: uuid.UUID | None
) -> CreditRecord:
    if corrected_record_id is None:
        raise CorrectionMissing("name the corrected version (corrected_record_id)")
    new = session.get(CreditRecord, corrected_record_id)
    old = session.get_one(CreditRecord, objection.record_id)
    if (
        new is None
        or (new.provider_id, new.source_id) != (old.provider_id, old.source_id)
        or new.version <= old.version
        or new.status != "active"
    ):
        raise CorrectionMissing(
            "the corrected version must be a later, current version of the same record"
        )
    return new


def decide(
    session: Session,
    objection_id: uuid.UUID,
    *,
    outcome: ObjectionOutcome,
    note: str,
    corrected_record_id: uuid.UUID | None = None,
    appeal_route: str | None = None,
    actor: Actor,
    settings: Settings,
    now: datetime | None = None,
) -> Objection:
    """Record the outcome; a correction or deletion is told to every organization that received
    the record; the person is told, with the route of appeal."""
    now = now or utcnow()
    objection = get(session, objection_id, actor=actor)
    if objection.status not in OPEN_STATUSES:
        raise ObjectionClosed
    if not _may_decide(session, objection, actor):
        raise ObjectionNotYours
    note = _text(note, "note")
    record = session.get_one(CreditRecord, objection.record_id)
    target = record  # the version the decision leaves current (told to recipients)
    if outcome is ObjectionOutcome.CORRECTED:
        target = _corrected_version(session, objection, corrected_record_id)
        objection.corrected_record_id = target.id
    elif outcome is ObjectionOutcome.DELETED:
        current = records_service.current_version(session, record.provider_id, record.source_id)
        if current.status == "active":
            records_service.revoke(
                session, current, reason=f"objection {objection.reference}", at=now
            )
            session.flush()
            # List entries resting only on it leave their list now (ADR 0025).
            list_service.exit_for_records(session, [current.id], actor=actor, now=now)
        target = current
    ring = keyring_of(session)
    value = unseal(ring, TABLE, objection.id, objection.sealed, objection.key_id)
    objection.sealed, objection.key_id = seal(
        ring, TABLE, objection.id, {**value, "decision_note": note}
    )
    objection.status, objection.outcome = ObjectionStatus.DECIDED.value, outcome.value
    objection.decided_at, objection.decided_by = now, actor.name
    objection.appeal_route = (appeal_route or "").strip() or settings.objection_appeal_route
    if outcome in {ObjectionOutcome.CORRECTED, ObjectionOutcome.DELETED}:
        objection.notified_organizations = casework.tell_recipients(
            session,
            target,
            f"record-{outcome.value}",
            actor=actor,
            now=now,
            data={"objection": objection.reference, "provider_id": str(record.provider_id)},
        )
    audit.record(
        session,
        "objections:objection:decide",
        actor=actor,
        object_type=TABLE,
        object_id=objection.id,
        subject_id=objection.subject_id,
        at=now,
        data={
            "outcome": outcome.value,
            "on_time": workdays.in_time(now, objection.decide_due_at),
            "corrected_record_id": str(target.id)
            if outcome is ObjectionOutcome.CORRECTED
            else None,
            "notified_organizations": objection.notified_organizations,
        },
    )
    casework.tell_subject(
        session,
        objection.subject_id,
        "objection-decided",
        {"reference": objection.reference},
        actor=actor,
        now=now,
    )
    return objection


def withdraw(
    session: Session, objection_id: uuid.UUID, *, actor: Actor, now: datetime | None = None
) -> Objection:
    """The person withdraws their open objection; the dispute mark goes."""
    now = now or utcnow()
    objection = get(session, objection_id, actor=actor)
    if actor.kind is not ActorKind.CITIZEN and not casework.is_operator(session, actor):
        raise ObjectionNotYours("only the person, or an operator for them, withdraws")
    if objection.status not in OPEN_STATUSES:
        raise ObjectionClosed
    objection.status, objection.decided_at = ObjectionStatus.WITHDRAWN.value, now
    audit.record(
        session,
        "objections:objection:withdraw",
        actor=actor,
        object_type=TABLE,
        object_id=objection.id,
        subject_id=objection.subject_id,
        at=now,
    )
    return objection


# -- what other domains read -----------------------------------------------------------------------


@dataclass(frozen=True)
class ObjectionView:
    """An objection with the person's reason and the decision note, opened for a reader."""

    objection: Objection
    reason: str
    decision_note: str | None
    evidence: list[Any]


def view(session: Session, objection: Objection) -> ObjectionView:
    value = unseal(keyring_of(session), TABLE, objection.id, objection.sealed, objection.key_id)
    return ObjectionView(
        objection,
        value["reason"],
        value.get("decision_note"),
        evidence_service.of_case(session, objection.id),
    )


def mine(session: Session, *, actor: Actor) -> list[Objection]:
    """The signed-in person's objections, newest first."""
    return list(
        session.execute(
            select(Objection)
            .where(Objection.subject_id == actor.subject_id)
            .order_by(Objection.filed_at.desc())
        ).scalars()
    )


def of_subject(session: Session, subject_id: uuid.UUID, *, at: datetime) -> list[Objection]:
    """A person's objections filed by a moment (their report), oldest first."""
    return list(
        session.execute(
            select(Objection)
            .where(Objection.subject_id == subject_id, Objection.filed_at <= at)
            .order_by(Objection.filed_at)
        ).scalars()
    )


# -- deadlines -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SweepResult:
    forwarded: int
    reminded: int
    escalated: int


def sweep(session: Session, *, actor: Actor, now: datetime | None = None) -> SweepResult:
    """Forward filed provider-route objections, remind before the due date, escalate overdue
    cases to operators. Each step is marked on the case, so a second sweep repeats nothing."""
    now = now or utcnow()
    to_forward = session.execute(
        select(Objection).where(
            Objection.status == ObjectionStatus.FILED.value,
            Objection.route == ObjectionRoute.PROVIDER.value,
        )
    ).scalars()
    forwarded = 0
    for objection in to_forward:
        forward(session, objection, actor=actor, now=now)
        forwarded += 1
    reminded = 0
    for objection in session.execute(
        select(Objection).where(
            Objection.status.in_(OPEN_STATUSES),
            Objection.remind_at <= now,
            Objection.reminded_at.is_(None),
            Objection.decide_due_at > now,
        )
    ).scalars():
        objection.reminded_at = now
        deciders = (
            [objection.provider_id]
            if objection.route == ObjectionRoute.PROVIDER.value
            else casework.operator_ids(session)
        )
        casework.tell_organizations(
            session,
            deciders,
            "objection-due-soon",
            object_type=TABLE,
            object_id=objection.id,
            data={
                "reference": objection.reference,
                "decide_due_at": objection.decide_due_at.isoformat(),
            },
            actor=actor,
            now=now,
        )
        reminded += 1
    escalated = 0
    for objection in session.execute(
        select(Objection).where(
            Objection.status.in_(OPEN_STATUSES),
            Objection.decide_due_at <= now,
            Objection.escalated_at.is_(None),
        )
    ).scalars():
        objection.escalated_at = now
        audit.record(
            session,
            "objections:objection:escalate",
            actor=actor,
            object_type=TABLE,
            object_id=objection.id,
            subject_id=objection.subject_id,
            at=now,
            data={
                "provider_id": str(objection.provider_id),
                "decide_due_at": objection.decide_due_at.isoformat(),
            },
        )
        casework.tell_organizations(
            session,
            casework.operator_ids(session),
            "objection-overdue",
            object_type=TABLE,
            object_id=objection.id,
            actor=actor,
            now=now,
            data={
                "reference": objection.reference,
                "provider_id": str(objection.provider_id),
                "decide_due_at": objection.decide_due_at.isoformat(),
            },
        )
        escalated += 1
    return SweepResult(forwarded, reminded, escalated)


# -- queues and figures ----------------------------------------------------------------------------


CASES = casework.CaseTable(
    Objection,
    Objection.provider_id,
    Objection.status,
    Objection.decide_due_at,
    open=OPEN_STATUSES,
    waiting=OPEN_STATUSES,
)


def queue(
    session: Session,
    *,
    actor: Actor,
    status: ObjectionStatus | None = None,
    overdue_only: bool = False,
    limit: int = 50,
    offset: int = 0,
    now: datetime | None = None,
) -> casework.Queue[Objection]:
    """The provider's objections to its own records (operators: all), most urgent first."""
    return casework.queue(
        session,
        CASES,
        actor=actor,
        status=status.value if status else None,
        overdue_only=overdue_only,
        limit=limit,
        offset=offset,
        now=now or utcnow(),
    )


@dataclass(frozen=True)
class Figure:
    organization_id: uuid.UUID
    decided: int
    on_time: int
    open: int
    overdue: int

    @property
    def on_time_rate(self) -> float | None:
        return round(self.on_time / self.decided, 4) if self.decided else None


def figures(session: Session, *, actor: Actor, now: datetime | None = None) -> list[Figure]:
    """Per deciding organization (the provider): decided, decided on time, open, overdue."""
    now = now or utcnow()
    decided = Objection.status == ObjectionStatus.DECIDED.value
    is_open = Objection.status.in_(OPEN_STATUSES)
    in_time = workdays.in_time(Objection.decided_at, Objection.decide_due_at)
    rows = session.execute(
        select(
            Objection.provider_id,
            func.count().filter(decided),
            func.sum(case((and_(decided, in_time), 1), else_=0)),
            func.count().filter(is_open),
            func.count().filter(is_open, Objection.decide_due_at <= now),
        )
        .where(casework.scope(session, actor, Objection.provider_id))
        .group_by(Objection.provider_id)
        .order_by(Objection.provider_id)
    ).all()
    return [
        Figure(r[0], int(r[1] or 0), int(r[2] or 0), int(r[3] or 0), int(r[4] or 0)) for r in rows
    ]
