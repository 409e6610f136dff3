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

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin import casework, events, workdays
from chengxin.casework import cases
from chengxin.casework.cases import Figure
from chengxin.catalog import service as catalog_service
from chengxin.db import utcnow
from chengxin.evidence import service as evidence_service
from chengxin.evidence.service import EvidenceFile
from chengxin.objections.errors import (
    CorrectionMissing,
    ObjectionAlreadyOpen,
    ObjectionClosed,
    ObjectionInputInvalid,
    ObjectionNotFound,
    ObjectionNotYours,
    ObjectionRecordNotCurrent,
)
from chengxin.objections.models import (
    OPEN_STATUSES,
    Objection,
    ObjectionOutcome,
    ObjectionRoute,
    ObjectionStatus,
)
from chengxin.records import service as records_service
from chengxin.records.events import RECORDS_WITHDRAWN, RecordsWithdrawn
from chengxin.records.models import CreditRecord, RecordStatus
from chengxin.security.actor import Actor, ActorKind
from chengxin.security.permissions import Permission
from chengxin.settings import Settings

TABLE = "objection"

KIND = cases.CaseKind(
    casework.CaseTable(
        Objection,
        Objection.provider_id,
        Objection.status,
        Objection.decide_due_at,
        open=OPEN_STATUSES,
        waiting=OPEN_STATUSES,
    ),
    name=TABLE,
    action="objections:objection",
    evidence_action="objections:evidence:read",
    evidence_type=TABLE,
    prefix="YY",
    read_permission=Permission.OBJECTIONS_OBJECTION_READ,
    not_found=ObjectionNotFound,
    invalid=ObjectionInputInvalid,
    refused=lambda: ObjectionNotYours("only the person, or an operator for them, withdraws"),
    closed=lambda _: ObjectionClosed(),
    topic="objection",
    withdrawn=ObjectionStatus.WITHDRAWN.value,
    noun="objection",
    sealed=("reason", "decision_note"),
    decided=(ObjectionStatus.DECIDED.value,),
)
CASES = KIND.table


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
    record = cases.own_record(session, record_id, actor)
    if actor.kind is ActorKind.CITIZEN:
        route = ObjectionRoute.PROVIDER  # the person objects; the operator may route it
    reason = KIND.text(reason, "reason")
    evidence_service.check(evidence)
    if record.status != RecordStatus.ACTIVE:
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
    objection = KIND.new(
        session,
        record,
        {"reason": reason},
        actor=actor,
        now=now,
        financial=financial,
        route=route.value,
        status=ObjectionStatus.FILED.value,
        forward_due_at=forward.due_at,
        remind_at=due.remind_at,
        decide_due_at=due.due_at,
    )
    KIND.filed(session, objection, evidence, actor=actor, now=now, route=route.value)
    due_on = f"{workdays.last_day(objection.decide_due_at):%Y-%m-%d}"
    KIND.tell_person(
        session, objection, "received", actor=actor, now=now, days=str(days), due=due_on
    )
    return objection


def forward(session: Session, objection: Objection, *, actor: Actor, now: datetime) -> None:
    """Put a filed provider-route objection in the provider's queue and tell the provider."""
    objection.status, objection.forwarded_at = ObjectionStatus.FORWARDED.value, now
    provider = {"provider_id": str(objection.provider_id)}
    KIND.log(session, "forward", objection, actor=actor, now=now, data=provider)
    KIND.tell(
        session,
        objection,
        [objection.provider_id],
        "objection-received",
        actor=actor,
        now=now,
        data=KIND.due(objection, kind_code=objection.kind_code),
    )


may_read = KIND.may_read  # the person, the provider whose record it is, operators, auditors
get = KIND.get  # one objection the actor may read (others are not found)
read = KIND.read  # the same, its reading logged (a case names the person)
open_evidence = KIND.open_evidence  # one evidence file, decrypted, its reading logged


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
        or new.status != RecordStatus.ACTIVE
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
    note = KIND.text(note, "note")
    record = session.get_one(CreditRecord, objection.record_id)
    target = record  # the version the decision leaves current (told to recipients)
    if outcome is ObjectionOutcome.CORRECTED:
        target = _corrected_version(session, objection, corrected_record_id)
        objection.corrected_record_id = target.id
    elif outcome is ObjectionOutcome.DELETED:
        current = records_service.current_version(session, record.provider_id, record.source_id)
        if current.status == RecordStatus.ACTIVE:
            records_service.revoke(
                session, current, reason=f"objection {objection.reference}", at=now
            )
            session.flush()
            # List entries resting only on it leave their list now (ADR 0025).
            withdrawn = RecordsWithdrawn(record_ids=(current.id,), actor=actor, now=now)
            events.publish(session, RECORDS_WITHDRAWN, withdrawn)
        target = current
    KIND.add_words(session, objection, decision_note=note)
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
    KIND.log(
        session,
        "decide",
        objection,
        actor=actor,
        now=now,
        data={
            "outcome": outcome.value,
            "on_time": workdays.in_time(now, objection.decide_due_at),
            "corrected_record_id": str(target.id)
            if outcome is ObjectionOutcome.CORRECTED
            else None,
            "notified_organizations": objection.notified_organizations,
        },
    )
    KIND.tell_person(session, objection, "decided", actor=actor, now=now)
    return objection


withdraw = KIND.withdraw  # the person's (or an operator's for them); the dispute mark goes


# -- what other domains read -----------------------------------------------------------------------


view = KIND.view  # the objection with the reason, the decision note and its evidence list
mine = KIND.mine  # the signed-in person's objections, newest first
of_subject = KIND.of_subject  # a person's objections filed by a moment (their report)


# -- deadlines -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SweepResult:
    forwarded: int
    reminded: int
    escalated: int


def _deciders(session: Session, objection: Objection) -> list[uuid.UUID]:
    """Who decides: the provider (provider route) or the operators (platform route)."""
    if objection.route == ObjectionRoute.PROVIDER.value:
        return [objection.provider_id]
    return casework.operator_ids(session)


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
    reminded = KIND.remind(session, deciders=_deciders, actor=actor, now=now)
    escalated = KIND.escalate(session, actor=actor, now=now)
    return SweepResult(forwarded, reminded, escalated)


# -- queues and figures ----------------------------------------------------------------------------


queue = KIND.queue  # the provider's objections (operators: all), most urgent first


def figures(session: Session, *, actor: Actor, now: datetime | None = None) -> list[Figure]:
    """Per deciding organization (the provider): decided, decided on time, open, overdue."""
    return KIND.figures(session, actor=actor, now=now)
