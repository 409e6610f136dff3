"""Task tracking (督办, R11.3): the provincial office records tasks with their lead and
responsible units and milestones; the units report progress (with files); the daily sweep reminds
the units before a milestone is due and alerts them and the operator once it is overdue.

Who sees a task: the operator's staff every task (a city-bound account those with a unit in its
city); anyone else the tasks their organization is on. Only a unit on a task reports on it.
Milestone due dates are Beijing days, counted in working days on the database's calendar.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, false, func, or_, select, true
from sqlalchemy.orm import Session

from chengxin import casework, workdays
from chengxin.audit import service as audit
from chengxin.db import utcnow
from chengxin.evidence import service as evidence_service
from chengxin.keys import keyring_of
from chengxin.keys.sealed import seal, unseal
from chengxin.notifications import inbox
from chengxin.organizations import service as organization_service
from chengxin.organizations.models import Organization
from chengxin.security.actor import Actor
from chengxin.security.scope import in_region, region_prefix
from chengxin.tracking.errors import (
    AttachmentNotFound,
    NotATaskUnit,
    TaskClosed,
    TaskInvalid,
    TaskNotFound,
)
from chengxin.tracking.models import (
    Attachment,
    Milestone,
    ProgressReport,
    Task,
    TaskSource,
    TaskStatus,
    TaskUnit,
    UnitRole,
)
from chengxin.workdays.days import day_of

TABLE = "tracking_task"
ATTACHMENT_TABLE = "tracking_attachment"
MAX_MILESTONES = 20
MAX_UNITS = 60
MAX_WORKDAYS = 750  # about three years of working days
UNIT_KINDS = ("department", "city")
ASSESSMENTS_PAGE = "/console/work/assessments"
# The sweep looks this far ahead for reminders: a reminder falls at most this many working days
# before its due day, and a week has at least one working day even around the Spring Festival.
MAX_REMINDER_WORKDAYS = 10


# -- input -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MilestoneInput:
    """A milestone due on ``due_on``, or ``workdays`` working days after ``start_on`` (today by
    default)."""

    title: str
    due_on: date | None = None
    start_on: date | None = None
    workdays: int | None = None


@dataclass(frozen=True)
class TaskInput:
    title: str
    description: str
    basis: str
    lead_organization_id: uuid.UUID
    responsible_organization_ids: list[uuid.UUID] = field(default_factory=list)
    milestones: list[MilestoneInput] = field(default_factory=list)
    source: str = TaskSource.MANUAL.value
    assessment_id: uuid.UUID | None = None
    indicator: str | None = None
    unit_kind: str | None = None
    unit_code: str | None = None
    schedule: str | None = None


# -- scope -----------------------------------------------------------------------------------------


def visible_to(session: Session, actor: Actor) -> ColumnElement[bool]:
    """The tasks the actor may see, as a condition on ``Task`` (applied inside every query)."""
    if organization_service.sees_every_organization(session, actor):
        if actor.region_code is None:
            return true()
        return exists(
            select(TaskUnit.task_id)
            .join(Organization, Organization.id == TaskUnit.organization_id)
            .where(TaskUnit.task_id == Task.id, in_region(actor, Organization.region_code))
        )
    if actor.organization_id is None:
        return false()
    return exists(
        select(TaskUnit.task_id).where(
            TaskUnit.task_id == Task.id, TaskUnit.organization_id == actor.organization_id
        )
    )


def get(session: Session, task_id: uuid.UUID, *, actor: Actor) -> Task | None:
    """A task the actor may see, or None."""
    return session.execute(
        select(Task).where(Task.id == task_id, visible_to(session, actor))
    ).scalar_one_or_none()


def get_or_raise(session: Session, task_id: uuid.UUID, *, actor: Actor) -> Task:
    """A task the actor may see; ``task-not-found`` otherwise (also for tasks out of scope)."""
    task = get(session, task_id, actor=actor)
    if task is None:
        raise TaskNotFound
    return task


def is_unit(session: Session, task: Task, organization_id: uuid.UUID | None) -> bool:
    """Whether the organization is the task's lead or one of its responsible units."""
    if organization_id is None:
        return False
    return session.get(TaskUnit, (task.id, organization_id)) is not None


# -- helpers ---------------------------------------------------------------------------------------


def _audit(
    session: Session,
    action: str,
    task: Task,
    *,
    actor: Actor,
    now: datetime,
    **data: Any,
) -> None:
    audit.record(
        session,
        f"tracking:{action}",
        actor=actor,
        object_type=TABLE,
        object_id=task.id,
        at=now,
        data={"number": task.number, **data},
    )


def _text(value: str | None, name: str, *, limit: int, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise TaskInvalid(f"{name}: required", field=name)
    if len(text) > limit:
        raise TaskInvalid(f"{name}: at most {limit} characters", field=name)
    return text


def due_of(session: Session, data: MilestoneInput, *, today: date) -> tuple[date, date | None]:
    """A milestone's due day and the start day it was counted from (None when given as a day)."""
    if data.due_on is not None and data.workdays is None:
        return data.due_on, None
    if data.due_on is not None or data.workdays is None:
        raise TaskInvalid(
            "milestone: give either a due date or a number of working days", field="milestones"
        )
    if not 0 <= data.workdays <= MAX_WORKDAYS:
        raise TaskInvalid(f"milestone: 0 to {MAX_WORKDAYS} working days", field="milestones")
    start = data.start_on or today
    calendar = workdays.calendar_of(session)
    return workdays.add_working_days(start, data.workdays, calendar=calendar), start


def _milestone(
    session: Session, task: Task, data: MilestoneInput, position: int, *, today: date
) -> Milestone:
    title = _text(data.title, "milestone title", limit=200)
    due_on, start_on = due_of(session, data, today=today)
    return Milestone(
        id=uuid.uuid4(),
        task_id=task.id,
        position=position,
        title=title,
        start_on=start_on,
        workdays=data.workdays if start_on is not None else None,
        due_on=due_on,
    )


def _organization(session: Session, organization_id: uuid.UUID, name: str) -> Organization:
    org = organization_service.get(session, organization_id)
    if org is None:
        raise TaskInvalid(f"{name}: no such organization", field=name)
    return org


def _check_finding(data: TaskInput) -> None:
    finding = (data.assessment_id, data.indicator, data.unit_kind, data.unit_code)
    if data.source == TaskSource.FINDING.value:
        if any(v in (None, "") for v in finding):
            raise TaskInvalid(
                "a task from a finding names its assessment, indicator and unit", field="source"
            )
        if data.unit_kind not in UNIT_KINDS:
            raise TaskInvalid("unit_kind: department or city", field="unit_kind")
    elif any(v not in (None, "") for v in finding):
        raise TaskInvalid("only a task from a finding names an assessment", field="source")


# -- the office's writes ---------------------------------------------------------------------------


def create(session: Session, data: TaskInput, *, actor: Actor, now: datetime | None = None) -> Task:
    """Record a task with its units and milestones (the provincial office)."""
    now = now or utcnow()
    if data.source not in {s.value for s in TaskSource}:
        raise TaskInvalid("source: seed, finding or manual", field="source")
    _check_finding(data)
    lead = _organization(session, data.lead_organization_id, "lead_organization_id")
    responsible = [
        _organization(session, org_id, "responsible_organization_ids")
        for org_id in dict.fromkeys(data.responsible_organization_ids)
        if org_id != lead.id
    ]
    if len(responsible) + 1 > MAX_UNITS:
        raise TaskInvalid(f"at most {MAX_UNITS} units", field="responsible_organization_ids")
    if len(data.milestones) > MAX_MILESTONES:
        raise TaskInvalid(f"at most {MAX_MILESTONES} milestones", field="milestones")
    task = Task(
        id=uuid.uuid4(),
        number=casework.reference("RW", now),
        title=_text(data.title, "title", limit=200),
        description=_text(data.description, "description", limit=4000, required=False),
        source=data.source,
        basis=_text(data.basis, "basis", limit=500, required=False),
        schedule=(data.schedule or None),
        lead_organization_id=lead.id,
        status=TaskStatus.OPEN.value,
        assessment_id=data.assessment_id,
        indicator=data.indicator or None,
        unit_kind=data.unit_kind or None,
        unit_code=data.unit_code or None,
        created_at=now,
        created_by=actor.name,
    )
    session.add(task)
    session.flush()
    session.add(TaskUnit(task_id=task.id, organization_id=lead.id, role=UnitRole.LEAD.value))
    session.add_all(
        TaskUnit(task_id=task.id, organization_id=o.id, role=UnitRole.RESPONSIBLE.value)
        for o in responsible
    )
    today = day_of(now)
    milestones = [
        _milestone(session, task, m, i, today=today) for i, m in enumerate(data.milestones, 1)
    ]
    session.add_all(milestones)
    session.flush()
    _audit(
        session,
        "task:create",
        task,
        actor=actor,
        now=now,
        source=task.source,
        lead_organization_id=str(lead.id),
        responsible_organization_ids=[str(o.id) for o in responsible],
        milestones=[{"title": m.title, "due_on": m.due_on.isoformat()} for m in milestones],
        finding=finding_url(task),
    )
    return task


def _open_for_change(session: Session, task_id: uuid.UUID, *, actor: Actor) -> Task:
    task = get_or_raise(session, task_id, actor=actor)
    session.refresh(task, with_for_update=True)
    if task.status != TaskStatus.OPEN.value:
        raise TaskClosed
    return task


def add_milestone(
    session: Session,
    task_id: uuid.UUID,
    data: MilestoneInput,
    *,
    actor: Actor,
    now: datetime | None = None,
) -> Milestone:
    """Add a milestone to an open task (the provincial office)."""
    now = now or utcnow()
    task = _open_for_change(session, task_id, actor=actor)
    existing = milestones_of(session, task.id)
    if len(existing) >= MAX_MILESTONES:
        raise TaskInvalid(f"at most {MAX_MILESTONES} milestones", field="milestones")
    position = max((m.position for m in existing), default=0) + 1
    milestone = _milestone(session, task, data, position, today=day_of(now))
    session.add(milestone)
    session.flush()
    _audit(
        session,
        "milestone:add",
        task,
        actor=actor,
        now=now,
        milestone=milestone.title,
        due_on=milestone.due_on.isoformat(),
    )
    return milestone


def close(
    session: Session, task_id: uuid.UUID, *, note: str, actor: Actor, now: datetime | None = None
) -> Task:
    """Close a task with a note (the provincial office); one from a finding points back at it."""
    now = now or utcnow()
    task = _open_for_change(session, task_id, actor=actor)
    task.status, task.closed_at, task.closed_by = TaskStatus.CLOSED.value, now, actor.name
    task.closing_note = _text(note, "note", limit=4000)
    _audit(session, "task:close", task, actor=actor, now=now, finding=finding_url(task))
    return task


# -- the units' reports ----------------------------------------------------------------------------


def report(
    session: Session,
    task_id: uuid.UUID,
    *,
    text: str,
    milestone_id: uuid.UUID | None = None,
    files: list[evidence_service.EvidenceFile] | None = None,
    actor: Actor,
    now: datetime | None = None,
) -> ProgressReport:
    """A unit on the task reports progress: text, optionally a milestone done, and files (PDF,
    JPEG or PNG, at most 10 of 5 MB, checked as evidence files are)."""
    now = now or utcnow()
    # Not the reader's scope but the task's units decide: another unit is told it is not one
    # (403), not that the task does not exist (a task names no person).
    task = session.get(Task, task_id)
    if task is None:
        raise TaskNotFound
    organization_id = actor.organization_id
    if organization_id is None or not is_unit(session, task, organization_id):
        raise NotATaskUnit
    task = _open_for_change(session, task_id, actor=actor)
    body = _text(text, "text", limit=4000)
    milestone = None
    if milestone_id is not None:
        milestone = session.get(Milestone, milestone_id)
        if milestone is None or milestone.task_id != task.id:
            raise TaskInvalid("milestone: not one of this task's", field="milestone_id")
        if milestone.done_on is None:
            milestone.done_on, milestone.done_by = day_of(now), actor.name
    files = files or []
    contents = evidence_service.check(files)
    row = ProgressReport(
        id=uuid.uuid4(),
        task_id=task.id,
        organization_id=organization_id,
        milestone_id=milestone.id if milestone else None,
        text=body,
        reported_at=now,
        reported_by=actor.name,
    )
    session.add(row)
    session.flush()
    ring = keyring_of(session)
    stored = []
    for item, content in zip(files, contents, strict=True):
        attachment_id = uuid.uuid4()
        sealed, key_id = seal(
            ring,
            ATTACHMENT_TABLE,
            attachment_id,
            {"filename": item.filename, "content": base64.b64encode(content).decode()},
        )
        stored.append(
            Attachment(
                id=attachment_id,
                task_id=task.id,
                progress_id=row.id,
                content_type=item.content_type,
                size=len(content),
                sha256=hashlib.sha256(content).hexdigest(),
                sealed=sealed,
                key_id=key_id,
                uploaded_at=now,
            )
        )
    session.add_all(stored)
    session.flush()
    _audit(
        session,
        "progress:submit",
        task,
        actor=actor,
        now=now,
        progress_id=str(row.id),
        organization_id=str(actor.organization_id),
        milestone=milestone.title if milestone else None,
        attachments=[{"id": str(a.id), "sha256": a.sha256, "size": a.size} for a in stored],
    )
    return row


@dataclass(frozen=True)
class OpenedAttachment:
    row: Attachment
    filename: str
    content: bytes


def open_attachment(
    session: Session,
    task_id: uuid.UUID,
    attachment_id: uuid.UUID,
    *,
    actor: Actor,
    now: datetime | None = None,
) -> OpenedAttachment:
    """A file of a progress report, for whoever may see the task (the download is logged)."""
    task = get_or_raise(session, task_id, actor=actor)
    row = session.get(Attachment, attachment_id)
    if row is None or row.task_id != task.id:
        raise AttachmentNotFound
    value = unseal(keyring_of(session), ATTACHMENT_TABLE, row.id, row.sealed, row.key_id)
    audit.record(
        session,
        "tracking:attachment:read",
        actor=actor,
        object_type=ATTACHMENT_TABLE,
        object_id=row.id,
        at=now or utcnow(),
        data={"number": task.number},
    )
    return OpenedAttachment(row, value["filename"], base64.b64decode(value["content"]))


# -- reading ---------------------------------------------------------------------------------------


def milestones_of(session: Session, task_id: uuid.UUID) -> list[Milestone]:
    return list(
        session.execute(
            select(Milestone).where(Milestone.task_id == task_id).order_by(Milestone.position)
        ).scalars()
    )


def finding_path(assessment_id: object, unit_kind: str, unit_code: str, indicator: str) -> str:
    """A finding's cell on the assessment page (its id there: ``<kind>-<code>-<indicator>``)."""
    return f"{ASSESSMENTS_PAGE}/{assessment_id}#{unit_kind}-{unit_code}-{indicator}"


def finding_url(task: Task) -> str | None:
    """Where the finding a task was opened from is shown (its cell on the assessment page)."""
    if task.assessment_id is None:
        return None
    return finding_path(
        task.assessment_id, task.unit_kind or "", task.unit_code or "", task.indicator or ""
    )


def _next_due() -> Any:
    return (
        select(func.min(Milestone.due_on))
        .where(Milestone.task_id == Task.id, Milestone.done_on.is_(None))
        .correlate(Task)
        .scalar_subquery()
    )


@dataclass(frozen=True)
class TaskRow:
    task: Task
    lead: str
    next_due: date | None
    overdue: bool


@dataclass(frozen=True)
class TaskPage:
    items: list[TaskRow]
    open: int
    overdue: int


def listing(
    session: Session,
    *,
    actor: Actor,
    status: str | None = None,
    overdue_only: bool = False,
    limit: int = 50,
    offset: int = 0,
    now: datetime | None = None,
) -> TaskPage:
    """Tasks in scope, open ones first, each by its next milestone's due day (overdue marked);
    and how many are open and overdue."""
    today = day_of(now or utcnow())
    next_due = _next_due().label("next_due")
    scope = visible_to(session, actor)
    is_open = Task.status == TaskStatus.OPEN.value
    late = and_(is_open, _next_due() < today)
    query = (
        select(Task, Organization.name, next_due)
        .join(Organization, Organization.id == Task.lead_organization_id)
        .where(scope)
    )
    if status is not None:
        query = query.where(Task.status == status)
    if overdue_only:
        query = query.where(late)
    rows = session.execute(
        query.order_by(
            case((is_open, 0), else_=1),
            case((next_due.is_(None), 1), else_=0),
            next_due,
            Task.created_at.desc(),
            Task.id,
        )
        .limit(limit)
        .offset(offset)
    ).all()
    counted = session.execute(
        select(func.count().filter(is_open), func.count().filter(late))
        .select_from(Task)
        .where(scope)
    ).one()
    items = [
        TaskRow(t, lead, due, t.status == TaskStatus.OPEN.value and due is not None and due < today)
        for t, lead, due in rows
    ]
    return TaskPage(items, int(counted[0] or 0), int(counted[1] or 0))


def tasks_for_assessment(session: Session, assessment_id: uuid.UUID, *, actor: Actor) -> list[Task]:
    """The tasks opened from an assessment's findings that the actor may see (the assessment
    pages show them beside their figures)."""
    return list(
        session.execute(
            select(Task)
            .where(Task.assessment_id == assessment_id, visible_to(session, actor))
            .order_by(Task.created_at, Task.id)
        ).scalars()
    )


@dataclass(frozen=True)
class UnitView:
    organization: Organization
    role: str


@dataclass(frozen=True)
class ReportView:
    report: ProgressReport
    organization: str
    milestone: str | None
    attachments: list[Attachment]


@dataclass(frozen=True)
class TaskView:
    task: Task
    units: list[UnitView]
    milestones: list[Milestone]
    reports: list[ReportView]
    finding_url: str | None
    is_unit: bool
    today: date

    def is_late(self, milestone: Milestone) -> bool:
        """Not done by its due day while the task is open (a closed task has nothing late)."""
        return (
            self.task.status == TaskStatus.OPEN.value
            and milestone.done_on is None
            and milestone.due_on < self.today
        )


def view(session: Session, task: Task, *, actor: Actor, now: datetime | None = None) -> TaskView:
    """A task with its units (lead first), milestones, and reports newest first."""
    units = [
        UnitView(org, role)
        for org, role in session.execute(
            select(Organization, TaskUnit.role)
            .join(TaskUnit, TaskUnit.organization_id == Organization.id)
            .where(TaskUnit.task_id == task.id)
            .order_by(case((TaskUnit.role == UnitRole.LEAD.value, 0), else_=1), Organization.name)
        ).all()
    ]
    milestones = milestones_of(session, task.id)
    titles = {m.id: m.title for m in milestones}
    names = {u.organization.id: u.organization.name for u in units}
    attachments: dict[uuid.UUID, list[Attachment]] = {}
    for a in session.execute(
        select(Attachment).where(Attachment.task_id == task.id).order_by(Attachment.uploaded_at)
    ).scalars():
        attachments.setdefault(a.progress_id, []).append(a)
    reports = [
        ReportView(
            r,
            names.get(r.organization_id) or _name(session, r.organization_id),
            titles.get(r.milestone_id) if r.milestone_id else None,
            attachments.get(r.id, []),
        )
        for r in session.execute(
            select(ProgressReport)
            .where(ProgressReport.task_id == task.id)
            .order_by(ProgressReport.reported_at.desc(), ProgressReport.id)
        ).scalars()
    ]
    return TaskView(
        task,
        units,
        milestones,
        reports,
        finding_url(task),
        is_unit(session, task, actor.organization_id),
        day_of(now or utcnow()),
    )


def _name(session: Session, organization_id: uuid.UUID) -> str:
    org = organization_service.get(session, organization_id)
    return org.name if org else ""


def unit_organizations(session: Session, unit_kind: str, unit_code: str) -> list[Organization]:
    """The organizations an assessment unit covers: a department's (by its catalog code) or a
    city's (located in it); the responsible units of a task opened from its finding."""
    # The provincial seat's (Wuhan's) first: a department unit's provincial office leads.
    query = select(Organization).order_by(Organization.region_code, Organization.name)
    if unit_kind == "department":
        query = query.where(Organization.department == unit_code)
    elif unit_kind == "city" and unit_code.isdigit():
        query = query.where(Organization.region_code.startswith(region_prefix(unit_code)))
    else:
        return []
    return list(session.execute(query.limit(MAX_UNITS)).scalars())


# -- the daily sweep: reminders and overdue alerts -------------------------------------------------


def reminder_day(due_on: date, workdays_before: int, *, calendar: workdays.Calendar) -> date:
    """The working day ``workdays_before`` working days before ``due_on`` (when the units are
    reminded; ``due_on`` itself when 0)."""
    day, left = due_on, workdays_before
    while left > 0:
        day -= timedelta(days=1)
        if workdays.is_working_day(day, calendar=calendar):
            left -= 1
    return day


@dataclass(frozen=True)
class SweepDone:
    reminded: int
    alerted: int


def _units(session: Session, task_id: uuid.UUID) -> list[uuid.UUID]:
    return list(
        session.execute(
            select(TaskUnit.organization_id)
            .where(TaskUnit.task_id == task_id)
            .order_by(TaskUnit.organization_id)
        ).scalars()
    )


def sweep(
    session: Session, *, actor: Actor, remind_workdays: int = 1, now: datetime | None = None
) -> SweepDone:
    """Remind the units of each milestone not done on the working day(s) before it is due, and
    alert them and the operator the first day after; each once. Days are Beijing days."""
    now = now or utcnow()
    today = day_of(now)
    calendar = workdays.calendar_of(session)
    horizon = today + timedelta(days=7 * (remind_workdays + 1) + MAX_REMINDER_WORKDAYS)
    pending = session.execute(
        select(Milestone, Task)
        .join(Task, Task.id == Milestone.task_id)
        .where(
            Task.status == TaskStatus.OPEN.value,
            Milestone.done_on.is_(None),
            Milestone.due_on <= horizon,
            or_(
                and_(Milestone.reminded_at.is_(None), Milestone.due_on >= today),
                and_(Milestone.overdue_alerted_at.is_(None), Milestone.due_on < today),
            ),
        )
        .order_by(Milestone.due_on, Milestone.id)
        .with_for_update(of=Milestone)
    ).all()
    reminded = alerted = 0
    for milestone, task in pending:
        data = {
            "number": task.number,
            "title": task.title,
            "milestone": milestone.title,
            "due_on": milestone.due_on.isoformat(),
        }
        if milestone.due_on < today:
            milestone.overdue_alerted_at = now
            told = list(dict.fromkeys([*_units(session, task.id), *casework.operator_ids(session)]))
            _post(session, told, "task-overdue", task, data, actor=actor, now=now)
            _audit(
                session,
                "milestone:escalate",
                task,
                actor=actor,
                now=now,
                milestone=milestone.title,
                due_on=milestone.due_on.isoformat(),
            )
            alerted += 1
        elif today >= reminder_day(milestone.due_on, remind_workdays, calendar=calendar):
            milestone.reminded_at = now
            _post(
                session, _units(session, task.id), "task-due-soon", task, data, actor=actor, now=now
            )
            _audit(
                session,
                "milestone:remind",
                task,
                actor=actor,
                now=now,
                milestone=milestone.title,
                due_on=milestone.due_on.isoformat(),
            )
            reminded += 1
    return SweepDone(reminded, alerted)


def _post(
    session: Session,
    organization_ids: list[uuid.UUID],
    topic: str,
    task: Task,
    data: dict[str, Any],
    *,
    actor: Actor,
    now: datetime,
) -> None:
    for organization_id in organization_ids:
        inbox.post(
            session,
            organization_id=organization_id,
            topic=topic,
            object_type=TABLE,
            object_id=task.id,
            data=data,
            actor=actor,
            now=now,
        )
