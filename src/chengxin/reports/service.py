"""Credit reports (R5.2, R6.3): assemble, issue and reproduce them for three audiences.

- the subject (本人): every version held about them, each marked, with their personal fields, the
  queries of their data from the audit log and their grants — free and unlimited;
- a public body (政务): per its permission list and the scene, under statutory duty;
- a third party (授权): with the subject's grant, within its kinds and the permission list.

What each audience sees is decided by ``records.visibility`` (the one rule), applied as the store
stood at ``as_of``. A non-self report is an access query (``access.queries.submit``: permission
list, grant, review rules, registration, one disclosure entry per person in the audit log); every
report is registered with a number and a signed digest (``reports.verification``) and logged.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from cryptography.exceptions import InvalidTag
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chengxin import privacy
from chengxin.access import queries
from chengxin.access.errors import QueryNotReleasable
from chengxin.access.models import Grant, GrantStatus, GrantUse, Query, QueryStatus, QuerySubject
from chengxin.access.scenes import Scene
from chengxin.audit import service as audit
from chengxin.audit.models import AuditEntry
from chengxin.catalog import service as catalog_service
from chengxin.catalog.schema import CatalogDocument, RecordKind
from chengxin.db import utcnow
from chengxin.identity import service as identity_service
from chengxin.identity.errors import SubjectNotFound
from chengxin.identity.models import Subject
from chengxin.identity.resolve import PersonAsked, subject_of
from chengxin.keys import keyring_of
from chengxin.keys.keyring import UnknownKey
from chengxin.objections import disputes, statements
from chengxin.objections import service as objections_service
from chengxin.organizations.models import Organization
from chengxin.records import service as records_service
from chengxin.records.models import CreditRecord
from chengxin.records.visibility import Audience, AudienceKind, marks_of, status_at, visible_records
from chengxin.repair import archive
from chengxin.repair import service as repair_service
from chengxin.reports import listing, verification
from chengxin.reports.content import (
    CaseLine,
    GradeLine,
    GrantLine,
    QueryLine,
    RecordMark,
    Report,
    ReportAudience,
    ReportRecord,
    report_digest,
    summarize,
)
from chengxin.reports.errors import (
    AsOfNotPermitted,
    ReportInputInvalid,
    ReportNotFound,
)
from chengxin.reports.models import ReportIssue
from chengxin.scoring import grades as scoring_grades
from chengxin.security.actor import Actor, ActorKind
from chengxin.security.permissions import Permission
from chengxin.settings import Settings
from chengxin.workdays.days import day_of

ISSUE_ACTION = "reports:report:issue"
REPRODUCE_ACTION = "reports:report:reproduce"


@dataclass(frozen=True)
class ReportRequest:
    """An organization's request: the person by ID number and name, the scene and the purpose."""

    id_number: str
    name: str
    scene: Scene
    purpose: str
    grant_id: uuid.UUID | None = None
    kinds: list[str] | None = None
    as_of: datetime | None = None
    query_id: uuid.UUID | None = None  # a query a review held: the report is issued on it


@dataclass(frozen=True)
class Held:
    """A report whose query a review rule holds (R3.3): the query is registered — committed with
    the request, in the reviewer's queue — and asking again (the same request, or with its
    ``query_id``) answers with the same query until a reviewer decides, then with the report."""

    query: Query


@dataclass(frozen=True)
class Issued:
    """An issued report, its register row and the verification code (given once)."""

    report: Report
    issue: ReportIssue
    verification_code: str


@dataclass(frozen=True)
class Reproduction:
    """An issued report rebuilt from the store as it stood then, and whether its digest matches."""

    report: Report
    issue: ReportIssue
    digest: str
    matches: bool


@dataclass(frozen=True)
class _Header:
    number: str
    issued_at: datetime
    as_of: datetime
    audience: AudienceKind
    organization: str | None
    scene: str | None
    purpose: str | None


# -- assembly --------------------------------------------------------------------------------------


class _Kinds:
    """Kind descriptions from the catalog version active at as_of, else the record's own."""

    def __init__(self, session: Session, document: CatalogDocument) -> None:
        self.session = session
        self.by_code = {k.code: k for k in document.kinds}
        self.fallback: dict[str, dict[str, RecordKind]] = {}

    def of(self, record: CreditRecord) -> RecordKind | None:
        kind = self.by_code.get(record.kind_code)
        if kind is not None:
            return kind
        version = record.catalog_version
        if version not in self.fallback:
            row = catalog_service.get_version_or_raise(self.session, version)
            document = catalog_service.document_of(row)
            self.fallback[version] = {k.code: k for k in document.kinds}
        return self.fallback[version].get(record.kind_code)


def _report_record(
    session: Session,
    record: CreditRecord,
    kind: RecordKind | None,
    *,
    provider: str,
    today: date,
    as_of: datetime,
    personal: bool,
) -> ReportRecord:
    fields = dict(record.fields)
    if personal:
        fields.update(records_service.personal_fields(session, record))
    return ReportRecord(
        id=record.id,
        kind_code=record.kind_code,
        kind_name_zh=kind.name_zh if kind else record.kind_code,
        kind_name_en=kind.name_en if kind else record.kind_code,
        domain=record.domain,
        category=record.category,
        severity=record.severity,
        legal_basis=[f"{b.law}{b.article or ''}" for b in kind.legal_basis] if kind else [],
        provider=provider,
        document_no=record.document_no,
        finding_on=record.finding_on,
        display_from_on=record.display_from_on,
        display_until_on=record.display_until_on,
        repairable=kind.repairable if kind else False,
        repair_from_on=record.repair_from_on if (kind is None or kind.repairable) else None,
        status=status_at(record, as_of),
        marks=[RecordMark(m.value) for m in marks_of(record, today, as_of)],
        fields=fields,
    )


def _query_lines(session: Session, subject_id: uuid.UUID, as_of: datetime) -> list[QueryLine]:
    """Who looked at or touched the subject's data up to as_of (the audit log), the subject's
    own actions left out."""
    org = Organization.__table__
    rows = session.execute(
        select(AuditEntry, org.c.name)
        .outerjoin(org, org.c.id == AuditEntry.organization_id)
        .where(
            AuditEntry.subject_id == subject_id,
            AuditEntry.at <= as_of,
            AuditEntry.actor_kind != ActorKind.CITIZEN.value,
        )
        .order_by(AuditEntry.seq)
    ).all()
    lines = []
    for entry, name in rows:
        data = entry.data or {}
        lines.append(
            QueryLine(
                seq=entry.seq,
                at=entry.at,
                organization=name,
                actor=entry.actor_name,
                action=entry.action,
                scene=data.get("scene"),
                purpose=data.get("purpose"),
            )
        )
    return lines


def _grant_status(grant: Grant, uses: int, at: datetime) -> GrantStatus:
    if grant.revoked_at is not None and grant.revoked_at <= at:
        return GrantStatus.REVOKED
    if at >= grant.valid_until:
        return GrantStatus.EXPIRED
    if uses >= grant.max_uses:
        return GrantStatus.EXHAUSTED
    return GrantStatus.ACTIVE


def _grant_lines(session: Session, subject_id: uuid.UUID, as_of: datetime) -> list[GrantLine]:
    """The subject's grants as they stood at as_of: uses counted up to then."""
    org = Organization.__table__
    uses = (
        select(GrantUse.grant_id, func.count().label("n"))
        .where(GrantUse.at <= as_of)
        .group_by(GrantUse.grant_id)
        .subquery()
    )
    rows = session.execute(
        select(Grant, org.c.name, uses.c.n)
        .join(org, org.c.id == Grant.organization_id)
        .outerjoin(uses, uses.c.grant_id == Grant.id)
        .where(Grant.subject_id == subject_id, Grant.created_at <= as_of)
        .order_by(Grant.created_at, Grant.id)
    ).all()
    return [
        GrantLine(
            id=grant.id,
            organization=name,
            scene=grant.scene,
            purpose=grant.purpose,
            valid_until=grant.valid_until,
            uses=n or 0,
            max_uses=grant.max_uses,
            status=_grant_status(grant, n or 0, as_of).value,
        )
        for grant, name, n in rows
    ]


def _case_lines(session: Session, subject_id: uuid.UUID, as_of: datetime) -> list[CaseLine]:
    """The subject's objections and repair applications as they stood at as_of."""
    lines = []
    for o in objections_service.of_subject(session, subject_id, at=as_of):
        decided = o.decided_at is not None and o.decided_at <= as_of
        forwarded = o.forwarded_at is not None and o.forwarded_at <= as_of
        lines.append(
            CaseLine(
                case="objection",
                reference=o.reference,
                record_id=o.record_id,
                filed_at=o.filed_at,
                status=o.status if decided else ("forwarded" if forwarded else "filed"),
                outcome=o.outcome if decided else None,
                due_at=o.decide_due_at,
                decided_at=o.decided_at if decided else None,
                appeal_route=o.appeal_route if decided else None,
            )
        )
    for a in repair_service.of_subject(session, subject_id, at=as_of):
        decided = a.decided_at is not None and a.decided_at <= as_of
        answered = a.answered_at is not None and a.answered_at <= as_of
        asked = a.status == "needs_evidence" and answered
        lines.append(
            CaseLine(
                case="repair",
                reference=a.reference,
                record_id=a.record_id,
                filed_at=a.filed_at,
                status=a.status if decided or asked else "received",
                outcome=a.status if decided else None,
                due_at=a.decide_due_at,
                decided_at=a.decided_at if decided else None,
            )
        )
    return sorted(lines, key=lambda line: line.filed_at)


def build(
    session: Session,
    subject_id: uuid.UUID,
    header: _Header,
    *,
    kinds: frozenset[str] | None,
    released: queries.SubjectResult | None = None,
) -> Report:
    """The report about a subject for an audience, as the store stood at ``header.as_of``.
    ``released``: what the query behind it disclosed at that same moment (its records and
    dispute marks, read once by the visibility rule): not read a second time."""
    as_of, today = header.as_of, day_of(header.as_of)
    version, document = catalog_service.document_at(session, as_of)
    subject = session.get(Subject, subject_id)
    if subject is None:
        raise SubjectNotFound
    clear = identity_service.reveal(keyring_of(session), subject)
    audience = Audience(header.audience, kinds)
    rows = (
        list(released.records)
        if released is not None
        else visible_records(session, document, [subject_id], audience, today, at=as_of)
    )
    if any(archive.is_archived(r) for r in rows):  # repaired: the content is in the archive
        rows = list(archive.restored(session, rows))
    names = dict(
        session.execute(
            select(Organization.id, Organization.name).where(
                Organization.id.in_({r.provider_id for r in rows})
            )
        ).all()
        if rows
        else []
    )
    described = _Kinds(session, document)
    own = header.audience is AudienceKind.SUBJECT
    # Grades derive from records government may see: the subject and government see them, a
    # third party (with the subject's grant to its kinds only) does not.
    graded = header.audience in (AudienceKind.SUBJECT, AudienceKind.GOVERNMENT)
    records = [
        _report_record(
            session,
            r,
            described.of(r),
            provider=names.get(r.provider_id, ""),
            today=today,
            as_of=as_of,
            personal=own,
        )
        for r in rows
    ]
    # Dispute marks and statements travel with the record to every audience (RULES.md §3).
    disputed = (
        released.disputed
        if released is not None
        else disputes.open_disputes(session, [r.id for r in rows], at=as_of)
    )
    said = statements.texts_for(session, rows, at=as_of)
    for line in records:
        if line.id in disputed:
            line.marks.append(RecordMark.IN_DISPUTE)
        line.statements = said.get(line.id, [])
    # 名单信息 from the person's credit state at as_of: published lists are public, so every
    # audience sees them; entries still on their way only in the subject's own report.
    memberships, pending = listing.of_subject(session, subject_id, as_of)
    return Report(
        number=header.number,
        issued_at=header.issued_at,
        as_of=as_of,
        audience=ReportAudience(header.audience.value),
        organization=header.organization,
        scene=header.scene,
        purpose=header.purpose,
        name=clear.name if own else None,  # her own report names her in full
        masked_name=privacy.mask_name(clear.name),
        masked_id_number=privacy.mask_id_number(clear.id_number),
        summary=summarize(records, memberships),
        good=[r for r in records if r.category == "good"],
        dishonest=[r for r in records if r.category == "dishonest"],
        basic=[r for r in records if r.category == "basic"],
        queries=_query_lines(session, subject_id, as_of) if own else None,
        grants=_grant_lines(session, subject_id, as_of) if own else None,
        objections=_case_lines(session, subject_id, as_of) if own else None,
        memberships=memberships,
        pending_entries=pending if own else None,
        catalog_version=version,
        grade=_grade_line(session, subject_id, as_of) if graded else None,
    )


def _grade_line(session: Session, subject_id: uuid.UUID, as_of: datetime) -> GradeLine | None:
    found = scoring_grades.score_as_of(session, subject_id, as_of)
    if found is None:
        return None
    return GradeLine(
        grade=found.grade,
        score=found.score,
        ruleset_version=found.ruleset_version,
        computed_at=found.computed_at,
    )


# -- issuing -------------------------------------------------------------------------------------


def _moment(as_of: datetime | None, now: datetime) -> datetime:
    """as_of in UTC (the digest covers its text); not in the future."""
    if as_of is None:
        return now
    if as_of.tzinfo is None:
        raise ReportInputInvalid("as_of needs a time zone (e.g. 2026-11-28T10:00:00+08:00)")
    moment = as_of.astimezone(UTC)
    if moment > now:
        raise ReportInputInvalid("as_of is in the future")
    return moment


def _register(
    session: Session,
    report: Report,
    registration: verification.Registration,
    *,
    actor: Actor,
) -> Issued:
    issue, code = verification.register(session, report, registration, actor_name=actor.name)
    audit.record_access(
        session,
        ISSUE_ACTION,
        actor=actor,
        object_type="report_issue",
        object_id=issue.number,
        subject_id=registration.subject_id,
        data={
            "audience": issue.audience,
            "scene": issue.scene,
            "purpose": issue.purpose,
            "organization": report.organization,
            "query_id": str(issue.query_id) if issue.query_id else None,
            "as_of": verification.moment_text(issue.as_of),
            "digest": issue.digest,
        },
    )
    return Issued(report, issue, code)


def issue_for_subject(
    session: Session, *, actor: Actor, as_of: datetime | None = None, now: datetime | None = None
) -> Issued:
    """The signed-in person's own report (free, unlimited; any past moment): always their own
    subject, never one named in the request."""
    subject_id = audit.own_subject(actor)
    now = now or utcnow()
    moment = _moment(as_of, now)
    header = _Header(
        verification.new_number(now), now, moment, AudienceKind.SUBJECT, None, None, None
    )
    report = build(session, subject_id, header, kinds=None)
    return _register(session, report, verification.Registration(subject_id), actor=actor)


# -- one report per visit (issue 20) ---------------------------------------------------------------

VISIT_PURPOSE = b"reports:own-report-visit\x00"


@dataclass(frozen=True)
class Visit:
    """The own report a person's browser was last shown: its number and verification code."""

    number: str
    code: str


def visit_token(session: Session, issued: Issued) -> str:
    """What the person's browser keeps of the report it was shown (a cookie): number and code,
    encrypted with the platform's data key and bound to the person."""
    ring = keyring_of(session)
    aad = VISIT_PURPOSE + issued.issue.subject_id.bytes
    blob = ring.encrypt(f"{issued.issue.number}\n{issued.verification_code}", aad)
    return f"{ring.active}.{base64.urlsafe_b64encode(blob).decode('ascii').rstrip('=')}"


def read_visit(session: Session, subject_id: uuid.UUID, token: str) -> Visit | None:
    """The visit a token names, if it is one this platform sealed for this person; else None."""
    key_id, _, text = token.partition(".")
    try:
        blob = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        plain = keyring_of(session).decrypt(blob, VISIT_PURPOSE + subject_id.bytes, key_id)
    except (ValueError, binascii.Error, InvalidTag, UnknownKey):
        return None
    number, _, code = plain.partition("\n")
    return Visit(number, code) if number and code else None


def _shown_again(
    session: Session, subject_id: uuid.UUID, visit: Visit, *, window: timedelta, now: datetime
) -> Issued | None:
    """The visit's report once more — when it is this person's own report, issued (not as of an
    earlier moment) less than ``window`` ago, and her report built now says exactly what it
    said (same digest once its moment is put back): otherwise None."""
    issue = session.get(ReportIssue, visit.number)
    if (
        issue is None
        or issue.subject_id != subject_id
        or issue.audience != AudienceKind.SUBJECT.value
        or issue.as_of != issue.issued_at
        or not now - window <= issue.issued_at <= now
    ):
        return None
    given = verification.code_hash(keyring_of(session), issue.number, visit.code)
    if not hmac.compare_digest(issue.code_hash, given):
        return None
    header = _Header(issue.number, issue.issued_at, now, AudienceKind.SUBJECT, None, None, None)
    report = build(session, subject_id, header, kinds=None).model_copy(
        update={"as_of": issue.as_of}
    )
    if report_digest(report) != issue.digest:
        return None  # something changed since: a new report says so
    return Issued(report, issue, visit.code)


def own_report(
    session: Session,
    *,
    actor: Actor,
    visit: Visit | None,
    window: timedelta,
    now: datetime | None = None,
) -> Issued:
    """The person's own report for her pages (/me/report and its PDF): the report her browser
    was shown (``visit``) while it is less than ``window`` old and her data is unchanged, so
    the page and the PDF she downloads carry one number; a newly issued one (registered and
    audited as every issue) otherwise."""
    now = now or utcnow()
    if visit is not None and window > timedelta(0):
        again = _shown_again(session, audit.own_subject(actor), visit, window=window, now=now)
        if again is not None:
            return again
    return issue_for_subject(session, actor=actor, now=now)


def _held_query(
    session: Session,
    document: CatalogDocument,
    request: ReportRequest,
    subject_id: uuid.UUID,
    *,
    actor: Actor,
    now: datetime,
) -> queries.QueryOutcome:
    """The organization's own query named by ``query_id``, about this person, scene and
    purpose: released now if approved; still held; refused or already released raise."""
    assert request.query_id is not None  # noqa: S101 — the caller checked
    query = queries.own_query(session, request.query_id, actor=actor)
    named = session.execute(
        select(QuerySubject.subject_id).where(QuerySubject.query_id == query.id)
    ).scalars()
    asked = (Scene(request.scene).value, request.purpose.strip())
    if list(named) != [subject_id] or (query.scene, query.purpose) != asked:
        raise ReportInputInvalid("query_id names a query about another person, scene or purpose")
    if query.status == QueryStatus.RELEASED.value:
        raise QueryNotReleasable("the query was already released; ask without query_id")
    return queries.fetch(session, document, query.id, actor=actor, now=now)


def issue_for_organization(
    session: Session,
    request: ReportRequest,
    *,
    settings: Settings,
    actor: Actor,
    now: datetime | None = None,
) -> Issued | Held:
    """A government or third-party report: a registered query (permission list, scene, grant,
    review rules, disclosure logged for the person) turned into a numbered, signed report.

    A query a review rule holds is not an error here: it comes back ``Held`` — registered and
    queued, to commit with the request — and the same request again (or one naming its
    ``query_id``) finds that query: still ``Held`` while it waits, the report once approved."""
    now = now or utcnow()
    moment = _moment(request.as_of, now)
    if moment < now and not actor.can(Permission.AUDIT_LOG_READ):
        raise AsOfNotPermitted
    # The query's registration, its disclosure and the issue: one wait for the access log.
    with audit.accesses_together(session):
        return _issue_for_organization(
            session, request, settings=settings, actor=actor, now=now, moment=moment
        )


def _issue_for_organization(
    session: Session,
    request: ReportRequest,
    *,
    settings: Settings,
    actor: Actor,
    now: datetime,
    moment: datetime,
) -> Issued | Held:
    org = queries.organization_of(session, actor)
    subject_id = subject_of(session, request.id_number, request.name)
    _, document = catalog_service.document_at(session, now)  # cached: no content read
    if request.query_id is not None:
        outcome = _held_query(session, document, request, subject_id, actor=actor, now=now)
    else:
        outcome = queries.submit(
            session,
            document,
            persons=[PersonAsked(request.id_number, request.name)],
            scene=request.scene,
            purpose=request.purpose,
            grant_id=request.grant_id,
            kinds=request.kinds,
            review=queries.ReviewRules.from_settings(settings),
            settings=settings,
            actor=actor,
            now=now,
        )
    query = outcome.query
    if outcome.results is None:
        return Held(query)
    audience = (
        AudienceKind.GOVERNMENT
        if org.kind in queries.GOVERNMENT_KINDS
        else AudienceKind.THIRD_PARTY
    )
    header = _Header(
        verification.new_number(now), now, moment, audience, org.name, query.scene, query.purpose
    )
    kinds = sorted(query.kinds)
    # Released now: the disclosed records are the report's (read once); an as-of report reads
    # the store as it stood then.
    [released] = outcome.results if moment == now else [None]
    report = build(session, subject_id, header, kinds=frozenset(kinds), released=released)
    registration = verification.Registration(subject_id, org.id, query.grant_id, query.id, kinds)
    return _register(session, report, registration, actor=actor)


def get_issue_or_raise(session: Session, number: str) -> ReportIssue:
    """An issued report's register row by number."""
    issue = session.get(ReportIssue, number.strip().upper())
    if issue is None:
        raise ReportNotFound
    return issue


def reproduce(session: Session, number: str, *, actor: Actor) -> Reproduction:
    """Rebuild an issued report from the store and the log as they stood at its as_of (disputes,
    audits): same number, issue time and audience, so a faithful store gives the same digest."""
    issue = get_issue_or_raise(session, number)
    organization = (
        session.get_one(Organization, issue.organization_id).name if issue.organization_id else None
    )
    header = _Header(
        issue.number,
        issue.issued_at,
        issue.as_of,
        AudienceKind(issue.audience),
        organization,
        issue.scene,
        issue.purpose,
    )
    kinds = frozenset(issue.kinds) if issue.kinds is not None else None
    report = build(session, issue.subject_id, header, kinds=kinds)
    digest = report_digest(report)
    audit.record_access(
        session,
        REPRODUCE_ACTION,
        actor=actor,
        object_type="report_issue",
        object_id=issue.number,
        subject_id=issue.subject_id,
        data={"matches": digest == issue.digest, "purpose": "dispute or audit"},
    )
    return Reproduction(report, issue, digest, digest == issue.digest)


# -- formats -------------------------------------------------------------------------------------


def verify_url(base_url: str, number: str) -> str:
    """The address QR-coded on a report (``public_base_url``): it carries the number only."""
    return verification.verify_url(base_url, number)


def formatted(
    session: Session, issued: Issued, fmt: str, *, lang: str, settings: Settings
) -> tuple[bytes, str]:
    """The issued report as HTML or a sealed PDF (same template), with its media type: the
    issuing body and seal text from the settings, the QR code and the printed verification
    address on ``public_base_url``."""
    from chengxin.reports import render  # noqa: PLC0415

    url = verify_url(settings.public_base_url, issued.report.number)
    issuer = render.Issuer.from_settings(settings)
    if fmt == "pdf":
        from chengxin.reports import pdf  # noqa: PLC0415  # WeasyPrint: loaded on first PDF only

        body = pdf.render_pdf(
            issued.report,
            keyring=keyring_of(session),
            verification_code=issued.verification_code,
            verify_url=url,
            lang=lang,
            issuer=issuer,
        )
        return body, "application/pdf"
    html = render.render_html(
        issued.report,
        lang=lang,
        verification_code=issued.verification_code,
        verify_url=url,
        issuer=issuer,
    )
    return html.encode("utf-8"), "text/html; charset=utf-8"
