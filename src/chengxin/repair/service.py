"""Credit repair (信用修复, R5.3–R5.4; RULES.md §2).

A person applies to repair one of their dishonest records: a basis (obligation performed,
volunteer service, charity, other) with evidence, and their credit commitment (信用承诺书).
Eligibility is computed and explained check by check. The application goes to the department
that made the finding (谁认定、谁修复): acknowledged at once, decided within 3 working days,
the applicant answered within 10 (an extension is recorded with its reason). Outcomes: approved,
refused with reasons, more evidence needed. On approval display, sharing and use stop (the record
is no longer ``active``), its content moves to the sealed archive, every organization that
received it is told, and the person is answered. Repair is free: no fee exists anywhere here.
List entries resting only on repaired (or revoked) records leave their list in the same
transaction (``records.events.RECORDS_WITHDRAWN``, to which the lists subscribe: off the public
list and out of every check at once, ADR 0025); measures and scores read records through the
visibility rule, which no longer shows it.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin import casework, events, workdays
from chengxin.audit import service as audit
from chengxin.casework import cases
from chengxin.casework.cases import Figure
from chengxin.db import utcnow
from chengxin.evidence import service as evidence_service
from chengxin.evidence.service import EvidenceFile
from chengxin.records import service as records_service
from chengxin.records.events import RECORDS_WITHDRAWN, RecordsWithdrawn
from chengxin.records.models import CreditRecord, RecordStatus
from chengxin.repair import archive
from chengxin.repair import eligibility as repair_eligibility
from chengxin.repair.errors import (
    RepairClosed,
    RepairCommitmentMissing,
    RepairInputInvalid,
    RepairNotEligible,
    RepairNotFound,
    RepairNotTheFindingDepartment,
)
from chengxin.repair.models import (
    OPEN_REPAIR_STATUSES,
    RepairApplication,
    RepairBasis,
    RepairStatus,
)
from chengxin.security.actor import Actor, ActorKind
from chengxin.security.permissions import Permission
from chengxin.settings import Settings

TABLE = "repair_application"

# The credit commitment the applicant makes (信用承诺书, NDRC Order No. 36): its SHA-256 is kept
# with the application, so the text the person accepted is provable.
COMMITMENT_TEXT = (
    "本人郑重承诺：所提交的信用修复申请材料真实、准确、完整；已纠正失信行为、履行相关义务；"
    "今后将严格遵守法律法规，诚实守信。如有虚假或违背承诺，愿意依法承担相应责任，"
    "并同意将违背承诺的情况记入信用记录。"
)
COMMITMENT_DIGEST = hashlib.sha256(COMMITMENT_TEXT.encode()).hexdigest()

KIND = cases.CaseKind(
    casework.CaseTable(
        RepairApplication,
        RepairApplication.provider_id,
        RepairApplication.status,
        RepairApplication.decide_due_at,
        open=OPEN_REPAIR_STATUSES,
        waiting=(RepairStatus.RECEIVED.value,),
    ),
    name=TABLE,
    action="repair:application",
    evidence_action="repair:evidence:read",
    evidence_type="repair",
    prefix="XF",
    read_permission=Permission.REPAIR_APPLICATION_READ,
    not_found=RepairNotFound,
    invalid=RepairInputInvalid,
    refused=lambda: RepairNotTheFindingDepartment("only the applicant, or an operator for them"),
    closed=lambda status: RepairClosed(f"the application is {status}"),
    topic="repair",
    withdrawn=RepairStatus.WITHDRAWN.value,
    noun="application",
    sealed=("explanation", "reasons"),
    decided=(RepairStatus.APPROVED.value, RepairStatus.REFUSED.value),
)
CASES = KIND.table


# -- the application -------------------------------------------------------------------------------


def _deadlines(
    session: Session, application: RepairApplication, settings: Settings, now: datetime
) -> None:
    calendar = workdays.calendar_of(session)
    decide = casework.deadlines(
        now,
        settings.repair_decide_days,
        remind_days_before=settings.reminder_working_days,
        calendar=calendar,
    )
    answer = casework.deadlines(
        now, settings.repair_answer_days, remind_days_before=0, calendar=calendar
    )
    application.decide_due_at, application.remind_at = decide.due_at, decide.remind_at
    application.answer_due_at = answer.due_at
    application.reminded_at = application.escalated_at = None


def apply(
    session: Session,
    *,
    record_id: uuid.UUID,
    basis: RepairBasis,
    explanation: str,
    commitment_accepted: bool,
    evidence: list[EvidenceFile],
    actor: Actor,
    settings: Settings,
    now: datetime | None = None,
) -> RepairApplication:
    """Apply for repair; acknowledged at once and sent to the finding department."""
    now = now or utcnow()
    record = cases.own_record(session, record_id, actor)
    if not commitment_accepted:
        raise RepairCommitmentMissing
    explanation = KIND.text(explanation, "explanation")
    evidence_service.check(evidence)
    if basis is RepairBasis.OBLIGATION_PERFORMED and not evidence:
        raise RepairInputInvalid(
            "show that the obligation is performed (evidence)", field="evidence"
        )
    found = repair_eligibility.eligibility(session, record, settings=settings, now=now)
    if not found.eligible:
        raise RepairNotEligible(
            "; ".join(c.detail for c in found.checks if not c.ok),
            checks=[c.as_dict() for c in found.checks],
        )
    application = KIND.new(
        session,
        record,
        {"explanation": explanation},
        actor=actor,
        now=now,
        basis=basis.value,
        status=RepairStatus.RECEIVED.value,
        eligibility=[c.as_dict() for c in found.checks],
        commitment_digest=COMMITMENT_DIGEST,
        acknowledged_at=now,
    )
    _deadlines(session, application, settings, now)
    own = {"basis": basis.value, "commitment_digest": COMMITMENT_DIGEST}
    KIND.filed(session, application, evidence, actor=actor, now=now, **own)
    KIND.tell(
        session,
        application,
        [record.provider_id],
        "repair-received",
        actor=actor,
        now=now,
        data=KIND.due(application, kind_code=record.kind_code),
    )
    days, due_on = str(settings.repair_answer_days), workdays.last_day(application.answer_due_at)
    KIND.tell_person(
        session, application, "received", actor=actor, now=now, days=days, due=f"{due_on:%Y-%m-%d}"
    )
    return application


may_read = KIND.may_read  # the applicant, the finding department, operators, auditors
get = KIND.get  # one application the actor may read (others are not found)
read = KIND.read  # the same, its reading logged (it names the person)
open_evidence = KIND.open_evidence  # one evidence file, decrypted, its reading logged


def _decider(session: Session, application_id: uuid.UUID, actor: Actor) -> RepairApplication:
    application = get(session, application_id, actor=actor)
    if actor.kind is not ActorKind.SYSTEM and application.provider_id != actor.organization_id:
        raise RepairNotTheFindingDepartment
    return application


def decide(
    session: Session,
    application_id: uuid.UUID,
    *,
    outcome: RepairStatus,
    reasons: str | None,
    actor: Actor,
    now: datetime | None = None,
) -> RepairApplication:
    """The finding department's decision: approved, refused (with reasons) or more evidence."""
    now = now or utcnow()
    application = _decider(session, application_id, actor)
    if application.status != RepairStatus.RECEIVED.value:
        raise KIND.closed(application.status)
    allowed = {RepairStatus.APPROVED, RepairStatus.REFUSED, RepairStatus.NEEDS_EVIDENCE}
    if outcome not in allowed:
        raise RepairInputInvalid("decide approved, refused or needs_evidence", field="outcome")
    text = None
    if outcome is not RepairStatus.APPROVED or reasons:
        text = KIND.text(reasons, "reasons")
    KIND.add_words(session, application, reasons=text)
    if outcome is RepairStatus.APPROVED:
        _repair(session, application, actor=actor, now=now)
    application.status = outcome.value
    if outcome is not RepairStatus.NEEDS_EVIDENCE:
        application.decided_at, application.decided_by = now, actor.name
    application.answered_at = now
    KIND.log(
        session,
        "decide",
        application,
        actor=actor,
        now=now,
        data={
            "outcome": outcome.value,
            "on_time": workdays.in_time(now, application.decide_due_at),
            "notified_organizations": application.notified_organizations,
        },
    )
    KIND.tell_person(session, application, "decided", actor=actor, now=now)
    return application


def _repair(
    session: Session, application: RepairApplication, *, actor: Actor, now: datetime
) -> None:
    """Stop display, sharing and use; end the list entries resting on it; move the content to
    the archive; tell the recipients."""
    current = records_service.current_version(
        session, application.provider_id, application.source_id
    )
    if current.status == RecordStatus.ACTIVE:
        current.status, current.ended_at = RecordStatus.REPAIRED, now
        records_service.append_event(session, current, "repaired", at=now)
        session.flush()
    # Joint punishment ends with the approval (谁认定、谁修复; NDRC Order 36), not at the sweep.
    withdrawn = RecordsWithdrawn(record_ids=(current.id,), actor=actor, now=now)
    events.publish(session, RECORDS_WITHDRAWN, withdrawn)
    # Told before the content leaves: the notice names the record by kind and masked identity.
    application.notified_organizations = casework.tell_recipients(
        session,
        current,
        "record-repaired",
        actor=actor,
        now=now,
        data={"repair": application.reference, "provider_id": str(application.provider_id)},
    )
    archived = archive.archive_record(session, current, repair_id=application.id, now=now)
    audit.record(
        session,
        "records:record:archive",
        actor=actor,
        object_type="credit_record",
        object_id=current.id,
        subject_id=current.subject_id,
        at=now,
        data={"versions": len(archived), "repair_id": str(application.id)},
    )


def add_evidence(
    session: Session,
    application_id: uuid.UUID,
    *,
    evidence: list[EvidenceFile],
    actor: Actor,
    settings: Settings,
    now: datetime | None = None,
) -> RepairApplication:
    """The applicant sends the evidence asked for; the case goes back to the department with
    fresh deadlines (recorded in the audit log)."""
    now = now or utcnow()
    application = get(session, application_id, actor=actor)
    if application.status != RepairStatus.NEEDS_EVIDENCE.value:
        raise RepairClosed("no evidence was asked for")
    if not evidence:
        raise RepairInputInvalid("send at least one file", field="evidence")
    KIND.attach(session, application, evidence, actor=actor, now=now)
    application.status = RepairStatus.RECEIVED.value
    _deadlines(session, application, settings, now)
    data = {"evidence": len(evidence), "decide_due_at": application.decide_due_at.isoformat()}
    KIND.log(session, "resubmit", application, actor=actor, now=now, data=data)
    to = [application.provider_id]
    topic = "repair-evidence-added"
    KIND.tell(session, application, to, topic, actor=actor, now=now, data=KIND.due(application))
    return application


def extend(
    session: Session,
    application_id: uuid.UUID,
    *,
    days: int,
    reason: str,
    actor: Actor,
    now: datetime | None = None,
) -> RepairApplication:
    """A complex case: the department extends its decision deadline once, with a reason."""
    now = now or utcnow()
    application = _decider(session, application_id, actor)
    if application.status != RepairStatus.RECEIVED.value:
        raise KIND.closed(application.status)
    if application.extension_reason is not None:
        raise RepairClosed("the deadline was already extended once")
    if not 1 <= days <= 10:  # noqa: PLR2004
        raise RepairInputInvalid("extend by 1 to 10 working days", field="days")
    reason = KIND.text(reason, "reason")
    previous = application.decide_due_at
    application.decide_due_at = casework.deadlines(
        previous - timedelta(seconds=1),
        days,
        remind_days_before=0,
        calendar=workdays.calendar_of(session),
    ).due_at
    application.answer_due_at = max(application.answer_due_at, application.decide_due_at)
    application.extension_reason = reason
    application.escalated_at = None
    data = {"from": previous.isoformat(), "to": application.decide_due_at.isoformat()}
    KIND.log(session, "extend", application, actor=actor, now=now, data=data)
    return application


withdraw = KIND.withdraw  # the applicant's (or an operator's for them), before a decision
view = KIND.view  # the application with the explanation, the reasons and its evidence list
mine = KIND.mine  # the signed-in person's applications, newest first
of_subject = KIND.of_subject  # a person's applications filed by a moment (their report)


def repaired_ids(session: Session, record_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    ids = list(record_ids)
    if not ids:
        return set()
    return set(
        session.execute(
            select(CreditRecord.id).where(
                CreditRecord.id.in_(ids), CreditRecord.status == RecordStatus.REPAIRED
            )
        ).scalars()
    )


# -- deadlines, queues and figures -----------------------------------------------------------------


@dataclass(frozen=True)
class SweepResult:
    reminded: int
    escalated: int


def _department(session: Session, application: RepairApplication) -> list[uuid.UUID]:
    del session  # the finding department decides, whatever the route
    return [application.provider_id]


def sweep(session: Session, *, actor: Actor, now: datetime | None = None) -> SweepResult:
    """Remind the department before the due date; escalate overdue applications to operators.
    Marked on the case, so a second sweep repeats nothing."""
    now = now or utcnow()
    reminded = KIND.remind(session, deciders=_department, actor=actor, now=now)
    escalated = KIND.escalate(session, actor=actor, now=now)
    return SweepResult(reminded, escalated)


queue = KIND.queue  # the finding department's applications (operators: all), most urgent first


def figures(session: Session, *, actor: Actor, now: datetime | None = None) -> list[Figure]:
    """Per finding department: decided, decided on time, answered on time, open, overdue."""
    return KIND.figures(session, actor=actor, now=now, answered=True)
