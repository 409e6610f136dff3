"""API contract of task tracking: tasks, milestones, progress reports with files, closing."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from chengxin.evidence.schemas import EvidenceIn
from chengxin.evidence.service import MAX_FILES
from chengxin.tracking import service as tracking_service
from chengxin.tracking.models import TaskSource, TaskStatus, UnitRole


class MilestoneIn(BaseModel):
    """Due on ``due_on``, or ``workdays`` working days after ``start_on`` (today by default)."""

    title: str = Field(min_length=1, max_length=200)
    due_on: date | None = None
    start_on: date | None = None
    workdays: int | None = Field(None, ge=0, le=tracking_service.MAX_WORKDAYS)

    def value(self) -> tracking_service.MilestoneInput:
        return tracking_service.MilestoneInput(
            self.title, self.due_on, self.start_on, self.workdays
        )


class TaskCreate(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=4000)
    basis: str = Field("", max_length=500, description="The policy clause the task carries out")
    lead_organization_id: uuid.UUID = Field(description="The lead unit (牵头单位)")
    responsible_organization_ids: list[uuid.UUID] = Field(
        default_factory=list,
        max_length=tracking_service.MAX_UNITS,
        description="The responsible units (责任单位)",
    )
    milestones: list[MilestoneIn] = Field(
        default_factory=list, max_length=tracking_service.MAX_MILESTONES
    )
    source: Literal["manual", "finding"] = "manual"
    assessment_id: uuid.UUID | None = Field(None, description="A finding's assessment")
    indicator: str | None = Field(None, max_length=64, description="A finding's indicator code")
    unit_kind: Literal["department", "city"] | None = None
    unit_code: str | None = Field(None, max_length=48)

    def value(self) -> tracking_service.TaskInput:
        return tracking_service.TaskInput(
            title=self.title,
            description=self.description,
            basis=self.basis,
            lead_organization_id=self.lead_organization_id,
            responsible_organization_ids=list(self.responsible_organization_ids),
            milestones=[m.value() for m in self.milestones],
            source=self.source,
            assessment_id=self.assessment_id,
            indicator=self.indicator,
            unit_kind=self.unit_kind,
            unit_code=self.unit_code,
        )


class ProgressIn(BaseModel):
    """A unit's report: what was done, a milestone it completes (optional), files (base64)."""

    text: str = Field(min_length=1, max_length=4000)
    milestone_id: uuid.UUID | None = None
    attachments: list[EvidenceIn] = Field(default_factory=list, max_length=MAX_FILES)


class CloseIn(BaseModel):
    note: str = Field(min_length=1, max_length=4000, description="How the task was completed")


class UnitRead(BaseModel):
    organization_id: uuid.UUID
    name: str
    role: UnitRole


class MilestoneRead(BaseModel):
    id: uuid.UUID
    position: int
    title: str
    start_on: date | None
    workdays: int | None
    due_on: date
    done_on: date | None
    overdue: bool


class AttachmentRead(BaseModel):
    id: uuid.UUID
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime


class ProgressRead(BaseModel):
    id: uuid.UUID
    organization_id: uuid.UUID
    organization: str
    milestone_id: uuid.UUID | None
    text: str
    reported_at: datetime
    reported_by: str
    attachments: list[AttachmentRead]


class TaskRead(BaseModel):
    id: uuid.UUID
    number: str
    title: str
    description: str
    source: TaskSource
    basis: str
    schedule: str | None
    status: TaskStatus
    named_units: dict[str, Any] | None = Field(description="Units as the seed policy names them")
    units: list[UnitRead]
    milestones: list[MilestoneRead]
    progress: list[ProgressRead]
    assessment_id: uuid.UUID | None
    indicator: str | None
    unit_kind: str | None
    unit_code: str | None
    finding_url: str | None = Field(description="The finding's cell on the assessment page")
    created_at: datetime
    created_by: str
    closed_at: datetime | None
    closing_note: str | None

    @classmethod
    def of(cls, shown: tracking_service.TaskView) -> TaskRead:
        t = shown.task
        return cls(
            id=t.id,
            number=t.number,
            title=t.title,
            description=t.description,
            source=TaskSource(t.source),
            basis=t.basis,
            schedule=t.schedule,
            status=TaskStatus(t.status),
            named_units=t.named_units,
            units=[
                UnitRead(
                    organization_id=u.organization.id,
                    name=u.organization.name,
                    role=UnitRole(u.role),
                )
                for u in shown.units
            ],
            milestones=[
                MilestoneRead(
                    id=m.id,
                    position=m.position,
                    title=m.title,
                    start_on=m.start_on,
                    workdays=m.workdays,
                    due_on=m.due_on,
                    done_on=m.done_on,
                    overdue=shown.is_late(m),
                )
                for m in shown.milestones
            ],
            progress=[
                ProgressRead(
                    id=r.report.id,
                    organization_id=r.report.organization_id,
                    organization=r.organization,
                    milestone_id=r.report.milestone_id,
                    text=r.report.text,
                    reported_at=r.report.reported_at,
                    reported_by=r.report.reported_by,
                    attachments=[
                        AttachmentRead(
                            id=a.id,
                            content_type=a.content_type,
                            size=a.size,
                            sha256=a.sha256,
                            uploaded_at=a.uploaded_at,
                        )
                        for a in r.attachments
                    ],
                )
                for r in shown.reports
            ],
            assessment_id=t.assessment_id,
            indicator=t.indicator,
            unit_kind=t.unit_kind,
            unit_code=t.unit_code,
            finding_url=shown.finding_url,
            created_at=t.created_at,
            created_by=t.created_by,
            closed_at=t.closed_at,
            closing_note=t.closing_note,
        )


class TaskSummary(BaseModel):
    id: uuid.UUID
    number: str
    title: str
    source: TaskSource
    status: TaskStatus
    lead: str = Field(description="The lead unit's name")
    next_due: date | None = Field(description="The next milestone not done is due on")
    overdue: bool


class TaskPage(BaseModel):
    items: list[TaskSummary]
    open: int
    overdue: int

    @classmethod
    def of(cls, page: tracking_service.TaskPage) -> TaskPage:
        return cls(
            items=[
                TaskSummary(
                    id=r.task.id,
                    number=r.task.number,
                    title=r.task.title,
                    source=TaskSource(r.task.source),
                    status=TaskStatus(r.task.status),
                    lead=r.lead,
                    next_due=r.next_due,
                    overdue=r.overdue,
                )
                for r in page.items
            ],
            open=page.open,
            overdue=page.overdue,
        )
