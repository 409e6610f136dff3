"""The lists API contract: types, staff entries with their history, the public subset, and the
person's own view."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from chengxin.lists import types as list_types
from chengxin.lists.models import EntryStatus, ExitReason, ListEntry, ListEntryEvent, ListKind


class BasisRead(BaseModel):
    law: str
    article: str


class ListTypeRead(BaseModel):
    code: str
    kind: ListKind = Field(description="red (激励) or black (严重失信主体名单)")
    name_zh: str
    name_en: str
    domain: str
    basis: list[BasisRead] = Field(description="Legal basis: law and article")
    standard: str = Field(description="认定标准")
    term_years: int | None = Field(description="Years on the list from publication; null: open")
    term_note: str | None
    exit_conditions: list[str] = Field(description="移出条件")
    remedies: str = Field(description="救济途径: objection, reconsideration, litigation")
    auto_kinds: list[str] = Field(description="Record kinds that propose an entry automatically")
    proposer_kinds: list[str] = Field(description="Organization kinds that may propose")
    proposer_departments: list[str] = Field(description="Departments that may propose (any: [])")
    verified: bool = Field(description="False: the basis was read only in part; to be checked")
    adults_only: bool = Field(description="Minors are never put on this list")

    @classmethod
    def of(cls, t: list_types.ListType) -> ListTypeRead:
        return cls(
            code=t.code,
            kind=t.kind,
            name_zh=t.name_zh,
            name_en=t.name_en,
            domain=t.domain,
            basis=[BasisRead(law=b.law, article=b.article) for b in t.basis],
            standard=t.standard,
            term_years=t.term_years,
            term_note=t.term_note,
            exit_conditions=list(t.exit_conditions),
            remedies=t.remedies,
            auto_kinds=list(t.auto_kinds),
            proposer_kinds=list(t.proposers.organization_kinds),
            proposer_departments=list(t.proposers.departments),
            verified=t.verified,
            adults_only=t.adults_only,
        )


class EntryCreate(BaseModel):
    list_type: str = Field(max_length=48, description="A list type code")
    reason: str = Field(min_length=4, max_length=2000, description="列入理由, told to the subject")
    record_ids: list[uuid.UUID] = Field(
        default_factory=list,
        max_length=50,
        description="Your current records about one person that the entry rests on",
    )
    id_number: str | None = Field(
        None, max_length=18, description="A person named without records (with `name`)"
    )
    name: str | None = Field(None, max_length=64, description="The person's name (with id_number)")
    credit_code: str | None = Field(
        None, min_length=18, max_length=18, description="An organization's credit code"
    )
    document_no: str | None = Field(
        None, max_length=100, description="The finding document (required without records)"
    )


class ExitIn(BaseModel):
    reason: ExitReason
    note: str = Field(min_length=4, max_length=2000, description="What happened, and its basis")


class WithdrawIn(BaseModel):
    note: str = Field(min_length=4, max_length=2000, description="Why the proposal is dropped")


class EntryEventRead(BaseModel):
    seq: int
    at: datetime
    step: str
    actor: str
    reason: str | None
    data: dict[str, Any]

    @classmethod
    def of(cls, e: ListEntryEvent) -> EntryEventRead:
        return cls(seq=e.seq, at=e.at, step=e.step, actor=e.actor, reason=e.reason, data=e.data)


class EntryRead(BaseModel):
    id: uuid.UUID
    reference: str
    list_type: str
    kind: ListKind
    domain: str
    status: EntryStatus
    subject_id: uuid.UUID | None
    organization_id: uuid.UUID | None
    provider_id: uuid.UUID | None
    record_ids: list[uuid.UUID]
    document_no: str | None
    basis: str
    automatic: bool
    shown_name: str = Field(description="Masked name")
    shown_id: str = Field(description="Masked ID number or credit code")
    proposed_at: datetime
    proposed_by: str
    notified_at: datetime | None
    objection_due_at: datetime | None
    published_at: datetime | None
    term_ends_at: datetime | None
    exited_at: datetime | None
    exit_reason: ExitReason | None

    @classmethod
    def of(cls, e: ListEntry) -> EntryRead:
        return cls(
            id=e.id,
            reference=e.reference,
            list_type=e.list_type,
            kind=ListKind(e.kind),
            domain=e.domain,
            status=EntryStatus(e.status),
            subject_id=e.subject_id,
            organization_id=e.organization_id,
            provider_id=e.provider_id,
            record_ids=[uuid.UUID(r) for r in e.record_ids],
            document_no=e.document_no,
            basis=e.basis,
            automatic=e.automatic,
            shown_name=e.shown_name,
            shown_id=e.shown_id,
            proposed_at=e.proposed_at,
            proposed_by=e.proposed_by,
            notified_at=e.notified_at,
            objection_due_at=e.objection_due_at,
            published_at=e.published_at,
            term_ends_at=e.term_ends_at,
            exited_at=e.exited_at,
            exit_reason=ExitReason(e.exit_reason) if e.exit_reason else None,
        )


class EntryDetail(EntryRead):
    reason: str = Field(description="列入理由 (sealed at rest)")
    exit_note: str | None
    history: list[EntryEventRead]


def detail(entry: ListEntry, opened: dict[str, Any], events: list[ListEntryEvent]) -> EntryDetail:
    return EntryDetail(
        **EntryRead.of(entry).model_dump(),
        reason=opened["reason"],
        exit_note=opened.get("exit_note"),
        history=[EntryEventRead.of(e) for e in events],
    )


class EntryPage(BaseModel):
    items: list[EntryRead]
    total: int


class EntryPublic(BaseModel):
    """Portal-safe: masked identity, the list and its basis, dates, how to get off it."""

    reference: str
    list_type: str
    list_name_zh: str
    kind: ListKind
    domain: str
    shown_name: str = Field(description="Masked name, e.g. 张*明")
    shown_id: str = Field(description="Masked ID number or credit code, e.g. 4201**********123X")
    basis: str
    published_at: datetime
    term_ends_at: datetime | None
    exit_conditions: list[str]
    remedies: str

    @classmethod
    def of(cls, e: ListEntry) -> EntryPublic:
        t = list_types.get_or_raise(e.list_type)
        assert e.published_at is not None  # noqa: S101 — only published entries are public
        return cls(
            reference=e.reference,
            list_type=e.list_type,
            list_name_zh=t.name_zh,
            kind=ListKind(e.kind),
            domain=e.domain,
            shown_name=e.shown_name,
            shown_id=e.shown_id,
            basis=e.basis,
            published_at=e.published_at,
            term_ends_at=e.term_ends_at,
            exit_conditions=list(t.exit_conditions),
            remedies=t.remedies,
        )


class PublicEntryPage(BaseModel):
    items: list[EntryPublic]
    total: int
    limit: int
    offset: int


class SearchIn(BaseModel):
    id_number: str | None = Field(None, max_length=18, description="Exact ID number")
    credit_code: str | None = Field(None, max_length=18, description="Exact credit code")
    name: str | None = Field(None, max_length=64, description="Full name (masked results only)")


class MyEntryRead(BaseModel):
    """The person's own entry in any state, with the reason, rights and how to get off it."""

    reference: str
    list_type: str
    list_name_zh: str
    kind: ListKind
    status: EntryStatus
    basis: str
    reason: str
    standard: str
    exit_conditions: list[str]
    remedies: str
    notified_at: datetime | None
    objection_due_at: datetime | None
    published_at: datetime | None
    term_ends_at: datetime | None
    exited_at: datetime | None
    exit_reason: ExitReason | None

    @classmethod
    def of(cls, e: ListEntry, opened: dict[str, Any]) -> MyEntryRead:
        t = list_types.get_or_raise(e.list_type)
        return cls(
            reference=e.reference,
            list_type=e.list_type,
            list_name_zh=t.name_zh,
            kind=ListKind(e.kind),
            status=EntryStatus(e.status),
            basis=e.basis,
            reason=opened["reason"],
            standard=t.standard,
            exit_conditions=list(t.exit_conditions),
            remedies=t.remedies,
            notified_at=e.notified_at,
            objection_due_at=e.objection_due_at,
            published_at=e.published_at,
            term_ends_at=e.term_ends_at,
            exited_at=e.exited_at,
            exit_reason=ExitReason(e.exit_reason) if e.exit_reason else None,
        )
