"""The content of a credit report: one pydantic model rendered as JSON, HTML and PDF alike.

The report's digest is SHA-256 over its canonical JSON (sorted keys, no whitespace, UTF-8), so
the same content always has the same digest whatever format carries it; the platform signs the
digest with its Ed25519 key (``chengxin.reports.verification``).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Protocol

from pydantic import BaseModel, Field


class ReportAudience(StrEnum):
    SUBJECT = "subject"  # 本人查询: everything held, each record marked
    GOVERNMENT = "government"  # 政务查询: per permission list and scene
    THIRD_PARTY = "third_party"  # 授权查询: within the subject's grant


class RecordMark(StrEnum):
    """Why a record the subject sees is (or is not) shown to others — always explained."""

    DISPLAYED = "displayed"  # 公示中
    NOT_YET_DISPLAYED = "not_yet_displayed"  # 尚未公示
    EXPIRED = "expired"  # 已过公示期
    SUPERSEDED = "superseded"  # 已被更正
    REVOKED = "revoked"  # 已撤销
    IN_DISPUTE = "in_dispute"  # 异议处理中: an objection is open
    REPAIRED = "repaired"  # 已信用修复: display, sharing and use stopped


class ReportRecord(BaseModel):
    """One record as a report shows it."""

    id: uuid.UUID
    kind_code: str
    kind_name_zh: str
    kind_name_en: str
    domain: str
    category: str = Field(description="basic, good or dishonest")
    severity: str | None = Field(description="serious, general or minor (dishonest records)")
    legal_basis: list[str] = Field(description="Laws and articles the kind rests on")
    provider: str = Field(description="The department that found it")
    document_no: str = Field(description="The finding document (决定文书号)")
    finding_on: date
    display_from_on: date
    display_until_on: date = Field(description="Shown until (exclusive): RULES.md §1")
    repairable: bool
    repair_from_on: date | None = Field(description="From when repair can be applied for")
    status: str = Field(description="active, superseded, revoked or repaired")
    marks: list[RecordMark]
    fields: dict[str, Any] = Field(
        description="The kind's fields (personal ones only for the subject)"
    )
    statements: list[str] = Field(
        default_factory=list, description="本人声明: the subject's statements on this record"
    )


class QueryLine(BaseModel):
    """A query of the subject's data, from the audit log (the subject's own report)."""

    seq: int = Field(description="Audit log position: verifiable with an inclusion proof")
    at: datetime
    organization: str | None
    actor: str
    action: str
    scene: str | None
    purpose: str | None


class GrantLine(BaseModel):
    """An authorization the subject gave (the subject's own report)."""

    id: uuid.UUID
    organization: str
    scene: str
    purpose: str
    valid_until: datetime
    uses: int
    max_uses: int
    status: str


class CaseLine(BaseModel):
    """An objection or repair application of the subject, as it stood at the report's moment."""

    case: str = Field(description="objection or repair")
    reference: str
    record_id: uuid.UUID
    filed_at: datetime
    status: str
    outcome: str | None = None
    due_at: datetime = Field(description="When a decision is due")
    decided_at: datetime | None = None
    appeal_route: str | None = Field(None, description="行政复议或诉讼途径")


class ListLine(BaseModel):
    """A red or black list the person is on at the report's moment, as the credit state has it
    (``state.rule``: memberships, own first, then reached through an organization). Published
    lists are public information (R9.1): every audience sees them."""

    reference: str = Field(description="The entry's public number")
    list_type: str = Field(description="List type code, e.g. black-judgment-defaulter")
    name_zh: str
    name_en: str
    kind: str = Field(description="red (红名单) or black (严重失信主体名单)")
    domain: str
    basis: str = Field(description="Legal basis of the listing")
    published_at: datetime
    term_ends_at: datetime | None = Field(description="None: until an exit condition is met")
    exit_conditions: list[str] = Field(description="移出条件 of the list type")
    remedies: str = Field(description="救济途径: how to object to the listing")
    via_organization: str | None = Field(
        description="Masked credit code of the listed organization when the person is reached "
        "through a role in it (R8.4); None: listed themself"
    )
    role: str | None = Field(description="The person's role in that organization")
    via_organization_name: str | None = Field(
        None, description="That organization's name (public with its listing), when known"
    )


class PendingLine(BaseModel):
    """An own entry on its way to a list (subject's report only): proposed, or notified with
    the end of its objection window."""

    reference: str
    list_type: str
    name_zh: str
    name_en: str
    kind: str = Field(description="red or black")
    status: str = Field(description="proposed or notified")
    objection_due_at: datetime | None = Field(
        description="The objection window ends at this moment (notified entries)"
    )
    remedies: str = Field(description="救济途径: how to object before publication")


class Summary(BaseModel):
    good: int
    dishonest: int
    basic: int
    dishonest_by_severity: dict[str, int]
    lists: list[str] = Field(
        default_factory=list,
        description="References of the list entries the person is on (the report's memberships)",
    )
    black: int = Field(0, description="How many serious-dishonesty (black) list entries")
    red: int = Field(0, description="How many red list entries")
    grade: str | None = Field(None, description="Integrity grade (issue 9)")


class GradeLine(BaseModel):
    grade: str
    score: int
    ruleset_version: str = Field(description="The scoring ruleset that gave it")
    computed_at: datetime


class Report(BaseModel):
    """A credit report as issued. Canonical JSON of this model is what the digest covers."""

    number: str = Field(description="Report number, e.g. CX-20261128-7Q4M9K2T")
    issued_at: datetime
    as_of: datetime = Field(description="The moment the report shows (issue time unless as-of)")
    audience: ReportAudience
    organization: str | None = Field(description="Who asked (None: the subject)")
    scene: str | None
    purpose: str | None
    name: str | None = Field(
        None,
        description="The person's full name: only on the report issued to the person herself "
        "(本人版); reports to organizations carry the masked name only",
    )
    masked_name: str
    masked_id_number: str
    summary: Summary
    good: list[ReportRecord]
    dishonest: list[ReportRecord]
    basic: list[ReportRecord]
    queries: list[QueryLine] | None = Field(description="Subject's report only")
    grants: list[GrantLine] | None = Field(description="Subject's report only")
    objections: list[CaseLine] | None = Field(
        description="Objections and repair applications (subject's report only)"
    )
    memberships: list[ListLine] = Field(
        default_factory=list,
        description="名单信息: the red and black lists the person is on (every audience)",
    )
    pending_entries: list[PendingLine] | None = Field(
        None, description="Entries proposed or notified, not yet published (subject's report only)"
    )
    catalog_version: str
    grade: GradeLine | None = Field(
        None,
        description="Integrity grade (诚信积分) in force at the report's moment: subject's and "
        "government reports, when scored (classification management, R6.3)",
    )


def canonical_json(report: Report) -> bytes:
    """The exact bytes the digest covers (a report without the full name has no ``name`` key,
    as reports issued before it was added had none: their digests still reproduce)."""
    body = report.model_dump(mode="json", exclude={"name"} if report.name is None else None)
    for line in body["memberships"]:  # likewise an organization's name where none was known
        if line.get("via_organization_name") is None:
            line.pop("via_organization_name", None)
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def report_digest(report: Report) -> str:
    """SHA-256 (hex) of the canonical JSON."""
    return hashlib.sha256(canonical_json(report)).hexdigest()


class Counted(Protocol):
    """What the summary counts of a record: a report's line or a stored version."""

    @property
    def category(self) -> str: ...
    @property
    def severity(self) -> str | None: ...
    @property
    def status(self) -> str: ...


def summarize(records: Iterable[Counted], memberships: Iterable[ListLine] = ()) -> Summary:
    """Counts of the versions current at the report's moment (superseded and revoked excluded),
    and the lists the person is on."""
    current = [r for r in records if r.status == "active"]
    by_category = Counter(r.category for r in current)
    severity = Counter(r.severity for r in current if r.category == "dishonest" and r.severity)
    lines = list(memberships)
    kinds = Counter(m.kind for m in lines)
    return Summary(
        good=by_category["good"],
        dishonest=by_category["dishonest"],
        basic=by_category["basic"],
        dishonest_by_severity=dict(sorted(severity.items())),
        lists=[m.reference for m in lines],
        black=kinds["black"],
        red=kinds["red"],
    )
