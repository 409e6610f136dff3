"""API contract of tips: the public form and look-up, and the handling department's views."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from chengxin.tips.models import TipOutcome, TipStatus
from chengxin.tips.service import PublicUpdate, PublicView, StaffView


class TipIn(BaseModel):
    domain: str = Field(
        max_length=48, description="A serious-dishonesty list type code, or `other` (see /domains)"
    )
    about: str = Field(
        min_length=2, max_length=200, description="About whom: a name or a description (sealed)"
    )
    id_number: str | None = Field(
        None, max_length=32, description="Their ID number, if known (kept only blind and masked)"
    )
    credit_code: str | None = Field(
        None, max_length=32, description="An organization's credit code, if the tip is about one"
    )
    region_code: str | None = Field(
        None, pattern=r"^\d{6}$", description="Where it happened (GB/T 2260), helps routing"
    )
    what: str = Field(min_length=10, max_length=4000, description="What happened (sealed)")
    contact: str | None = Field(
        None, max_length=200, description="How the department may reach you (optional, sealed)"
    )


class TipReceipt(BaseModel):
    reference: str = Field(description="Quote it with the secret to follow the tip")
    secret: str = Field(description="Shown once, never stored in clear: keep it")
    status: TipStatus
    received_at: datetime
    handled_by: str = Field(description="The organization whose queue the tip went to")


class TipLookupIn(BaseModel):
    reference: str = Field(min_length=4, max_length=24)
    secret: str = Field(min_length=8, max_length=64)


class TipUpdateRead(BaseModel):
    at: datetime
    step: TipStatus
    outcome: TipOutcome | None
    note: str | None = Field(description="The department's public note, if any")

    @classmethod
    def of(cls, update: PublicUpdate) -> TipUpdateRead:
        return cls(
            at=update.at,
            step=TipStatus(update.step),
            outcome=TipOutcome(update.outcome) if update.outcome else None,
            note=update.note,
        )


class TipPublic(BaseModel):
    reference: str
    domain: str
    status: TipStatus
    outcome: TipOutcome | None
    received_at: datetime
    closed_at: datetime | None
    handled_by: str
    updates: list[TipUpdateRead]

    @classmethod
    def of(cls, shown: PublicView) -> TipPublic:
        t = shown.tip
        return cls(
            reference=t.reference,
            domain=t.domain,
            status=TipStatus(t.status),
            outcome=TipOutcome(t.outcome) if t.outcome else None,
            received_at=t.received_at,
            closed_at=t.closed_at,
            handled_by=shown.handled_by,
            updates=[TipUpdateRead.of(u) for u in shown.updates],
        )


class TipDomainRead(BaseModel):
    code: str
    name_zh: str
    name_en: str


class TipSummary(BaseModel):
    id: uuid.UUID
    reference: str
    domain: str
    status: TipStatus
    outcome: TipOutcome | None
    organization_id: uuid.UUID
    route_rule: str = Field(description="department, department-region, operator, operator-routed")
    masked_id_number: str | None
    masked_credit_code: str | None
    region_code: str | None
    has_contact: bool
    received_at: datetime
    act_due_at: datetime
    acted_at: datetime | None
    escalated_at: datetime | None
    closed_at: datetime | None

    @classmethod
    def of(cls, t: object) -> TipSummary:
        return cls.model_validate(t, from_attributes=True)


class TipPage(BaseModel):
    items: list[TipSummary]
    open: int = Field(description="Open tips in this queue")
    overdue: int = Field(description="Routed tips nobody started on by their due date")


class TipRead(TipSummary):
    about: str
    what: str
    contact: str | None
    updates: list[TipUpdateRead]

    @classmethod
    def of_view(cls, shown: StaffView) -> TipRead:
        base = TipSummary.of(shown.tip).model_dump()
        return cls(
            **base,
            about=shown.about,
            what=shown.what,
            contact=shown.contact,
            updates=[TipUpdateRead.of(u) for u in shown.updates],
        )


class TipStateIn(BaseModel):
    state: TipStatus = Field(description="in_progress, closed, or (operators) routed")
    outcome: TipOutcome | None = Field(None, description="With `closed` only")
    public_note: str | None = Field(
        None, max_length=1000, description="Shown to the submitter with the update"
    )
    organization_id: uuid.UUID | None = Field(None, description="With `routed`: the new queue")
