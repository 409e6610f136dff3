"""Queries of personal credit data (R3.1, R3.3, R4): checked against the permission list and,
for third parties, the subject's grant; registered; held for review when a rule says so; and
logged per subject in the audit log the subject can read and verify."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, exists, select
from sqlalchemy.orm import Session

from chengxin import privacy
from chengxin.access import grants, monitoring, policy
from chengxin.access.errors import (
    AgencyBlacklisted,
    GrantInvalid,
    GrantNotUsable,
    GrantRequired,
    KindsNotPermitted,
    QueryAlreadyDecided,
    QueryInputInvalid,
    QueryNeedsOrganization,
    QueryNotFound,
    QueryNotReleasable,
    SceneNotPermitted,
)
from chengxin.access.models import Grant, Query, QueryStatus, QuerySubject
from chengxin.access.scenes import SCENES, Scene
from chengxin.agencies import service as agencies
from chengxin.audit import service as audit
from chengxin.audit.models import AuditEntry
from chengxin.catalog.schema import CatalogDocument
from chengxin.db import utcnow
from chengxin.identity import service as identity_service
from chengxin.identity.models import Subject
from chengxin.identity.resolve import PersonAsked, Resolved, resolve
from chengxin.keys import keyring_of
from chengxin.objections import disputes
from chengxin.organizations.models import Organization, OrganizationKind
from chengxin.records.models import CreditRecord
from chengxin.records.visibility import Audience, AudienceKind, shareable_kinds, visible_records
from chengxin.security.actor import Actor
from chengxin.security.scope import in_region
from chengxin.settings import Settings
from chengxin.workdays.days import day_of

# Public bodies query under their statutory duty (PIPL Art. 13(3), 34); everyone else by consent.
GOVERNMENT_KINDS = frozenset(
    {
        OrganizationKind.OPERATOR.value,
        OrganizationKind.GOVERNMENT.value,
        OrganizationKind.COURT.value,
    }
)
MIN_PURPOSE_CHARS = 4


@dataclass(frozen=True)
class ReviewRules:
    """When a query waits for a reviewer before its results are released (R3.3)."""

    bulk_subjects: int = 50
    kinds: frozenset[str] = frozenset()
    financial_kinds: bool = False
    new_scene: bool = True

    @classmethod
    def from_settings(cls, settings: Settings) -> ReviewRules:
        """The rules an operator configured."""
        return cls(
            bulk_subjects=settings.access_review_bulk_subjects,
            kinds=frozenset(settings.access_review_kinds),
            financial_kinds=settings.access_review_financial,
            new_scene=settings.access_review_new_scene,
        )

    def reasons(
        self, document: CatalogDocument, *, subjects: int, kinds: frozenset[str], new_scene: bool
    ) -> list[str]:
        """The rule codes a query triggers (empty: release at once)."""
        restricted = set(self.kinds)
        if self.financial_kinds:
            restricted |= {k.code for k in document.kinds if k.financial}
        found = []
        if subjects > self.bulk_subjects:
            found.append("bulk")
        if kinds & restricted:
            found.append("restricted-kinds")
        if new_scene and self.new_scene:
            found.append("new-scene")
        return found


@dataclass
class SubjectResult:
    """What a query found about one of the persons it named."""

    position: int
    outcome: str  # a Resolution: found, not-registered, name-mismatch, id-number-invalid
    masked_name: str | None
    masked_id_number: str | None
    records: Sequence[CreditRecord] = field(default_factory=list)
    disputed: frozenset[uuid.UUID] = frozenset()  # of these records, those in dispute


@dataclass
class QueryOutcome:
    """A registered query and, when released, what it found."""

    query: Query
    results: list[SubjectResult] | None


def organization_of(session: Session, actor: Actor) -> Organization:
    """The querying organization of the actor; refused without one or when blacklisted."""
    if actor.organization_id is None:
        raise QueryNeedsOrganization
    org = session.get_one(Organization, actor.organization_id)
    if agencies.is_blacklisted(session, org.id):
        raise AgencyBlacklisted
    return org


def _scene_is_new(session: Session, organization_id: uuid.UUID, scene: Scene) -> bool:
    seen = select(Query.id).where(
        Query.organization_id == organization_id,
        Query.scene == scene.value,
        Query.status.in_([QueryStatus.RELEASED.value, QueryStatus.APPROVED.value]),
    )
    return not session.execute(select(exists(seen))).scalar_one()


def _third_party_grant(  # noqa: PLR0917
    session: Session,
    organization_id: uuid.UUID,
    resolved: list[Resolved],
    grant_id: uuid.UUID | None,
    scene: Scene,
    asked: frozenset[str] | None,
    effective: frozenset[str],
    now: datetime,
) -> tuple[Grant, frozenset[str]]:
    """A third party's grant from the one person it names, and the kinds it narrows to."""
    if len(resolved) != 1:
        raise QueryInputInvalid("a third party queries one person per grant")
    if grant_id is None:
        raise GrantRequired
    subject_id = resolved[0][1]
    if subject_id is None:
        raise GrantInvalid  # without a registered person there can be no grant from them
    grant = grants.usable(
        session,
        grant_id,
        organization_id=organization_id,
        subject_id=subject_id,
        scene=scene,
        now=now,
    )
    if grant.kinds is None:
        return grant, effective
    if asked is not None and not asked <= set(grant.kinds):
        raise KindsNotPermitted(missing=sorted(asked - set(grant.kinds)))
    return grant, effective & frozenset(grant.kinds)


def submit(
    session: Session,
    document: CatalogDocument,
    *,
    persons: Sequence[PersonAsked],
    scene: Scene,
    purpose: str,
    grant_id: uuid.UUID | None,
    kinds: list[str] | None,
    review: ReviewRules,
    settings: Settings,
    actor: Actor,
    now: datetime | None = None,
) -> QueryOutcome:
    """Check, register and (unless a review rule holds it) answer a query. The same query
    asked again while the first waits for review answers with that query (not a new one); once
    approved, asking again releases it."""
    now = now or utcnow()
    org = organization_of(session, actor)
    scene = Scene(scene)
    if len(purpose.strip()) < MIN_PURPOSE_CHARS:
        raise QueryInputInvalid("state the purpose of the query")
    if not persons:
        raise QueryInputInvalid("name at least one person")
    government = org.kind in GOVERNMENT_KINDS
    if not government and SCENES[scene].government:
        raise SceneNotPermitted("this scene is for public bodies' statutory checks")
    audience = AudienceKind.GOVERNMENT if government else AudienceKind.THIRD_PARTY
    permitted = policy.permitted_kinds(session, document, org.id, scene, day_of(now))
    permitted &= shareable_kinds(document, audience)
    asked = frozenset(kinds) if kinds else None
    if asked is not None and not asked <= permitted:
        raise KindsNotPermitted(missing=sorted(asked - permitted))
    effective = asked or permitted
    resolved = resolve(session, persons)
    grant: Grant | None = None
    if not government:
        grant, effective = _third_party_grant(
            session, org.id, resolved, grant_id, scene, asked, effective, now
        )
    retried = _open_query(
        session, org.id, scene, purpose.strip(), grant.id if grant else None, effective, resolved
    )
    if retried is not None:  # the same question again: the query already registered answers it
        if retried.status == QueryStatus.PENDING_REVIEW.value:
            return QueryOutcome(retried, None)
        return QueryOutcome(retried, _release(session, document, retried, actor=actor, now=now))
    reasons = review.reasons(
        document,
        subjects=len(persons),
        kinds=effective,
        new_scene=_scene_is_new(session, org.id, scene),
    )
    query = Query(
        organization_id=org.id,
        actor_kind=actor.kind.value,
        actor_id=actor.id,
        actor_name=actor.name,
        scene=scene.value,
        purpose=purpose.strip(),
        grant_id=grant.id if grant else None,
        kinds=sorted(effective),
        subject_count=len(persons),
        status=(QueryStatus.PENDING_REVIEW if reasons else QueryStatus.RELEASED).value,
        review_reasons=reasons,
        created_at=now,
    )
    session.add(query)
    session.flush()
    session.add_all(
        QuerySubject(query_id=query.id, position=i, subject_id=sid, outcome=outcome)
        for i, (outcome, sid) in enumerate(resolved)
    )
    session.flush()
    # Access-log entries go through the group-commit writer (no audit lock in this transaction).
    audit.record_access(
        session,
        "access:query:register",
        actor=actor,
        object_type="access_query",
        object_id=query.id,
        data={
            "scene": query.scene,
            "purpose": query.purpose,
            "subjects": query.subject_count,
            "grant_id": str(query.grant_id) if query.grant_id else None,
            "review": reasons,
        },
    )
    if reasons:
        return QueryOutcome(query, None)
    masks = [(privacy.mask_name(p.name), privacy.mask_id_number(p.id_number)) for p in persons]
    results = _release(session, document, query, actor=actor, now=now, masks=masks)
    monitoring.observe(session, query, settings=settings, now=now)
    return QueryOutcome(query, results)


OPEN_STATUSES = (QueryStatus.PENDING_REVIEW.value, QueryStatus.APPROVED.value)


def _open_query(  # noqa: PLR0917
    session: Session,
    organization_id: uuid.UUID,
    scene: Scene,
    purpose: str,
    grant_id: uuid.UUID | None,
    kinds: frozenset[str],
    resolved: list[Resolved],
) -> Query | None:
    """The organization's open query (held for review, or approved and not yet released) asking
    the same thing — scene, purpose, grant, kinds and persons in order — or None. A retry of a
    held query finds it instead of registering another (ADR 0025)."""
    candidates = session.execute(
        select(Query)
        .where(
            Query.status.in_(OPEN_STATUSES),
            Query.organization_id == organization_id,
            Query.scene == scene.value,
            Query.purpose == purpose,
            Query.subject_count == len(resolved),
        )
        .order_by(Query.created_at, Query.id)
    ).scalars()
    wanted = [(outcome, subject_id) for outcome, subject_id in resolved]
    for query in list(candidates):
        if query.grant_id != grant_id or set(query.kinds) != kinds:
            continue
        named = session.execute(
            select(QuerySubject.outcome, QuerySubject.subject_id)
            .where(QuerySubject.query_id == query.id)
            .order_by(QuerySubject.position)
        ).all()
        if [tuple(row) for row in named] == wanted:
            return query
    return None


def _release(
    session: Session,
    document: CatalogDocument,
    query: Query,
    *,
    actor: Actor,
    now: datetime,
    masks: list[tuple[str, str]] | None = None,
) -> list[SubjectResult]:
    """Disclose the results: count the grant use, log one access entry per subject found."""
    org = session.get_one(Organization, query.organization_id)
    kind = AudienceKind.GOVERNMENT if org.kind in GOVERNMENT_KINDS else AudienceKind.THIRD_PARTY
    audience = Audience(kind, frozenset(query.kinds))
    if query.grant_id is not None:
        grant = session.get_one(Grant, query.grant_id)
        if grant.status_at(now).value != "active":
            raise GrantNotUsable(f"the grant is {grant.status_at(now).value}")
        grants.use(session, grant, query_id=query.id, now=now)
    rows = (
        session.execute(
            select(QuerySubject)
            .where(QuerySubject.query_id == query.id)
            .order_by(QuerySubject.position)
        )
        .scalars()
        .all()
    )
    found = [r.subject_id for r in rows if r.subject_id is not None]
    by_subject: dict[uuid.UUID, list[CreditRecord]] = {sid: [] for sid in found}
    for record in visible_records(session, document, found, audience, day_of(now)):
        by_subject[record.subject_id].append(record)
    if masks is None:
        masks = _masks_of(session, rows)
    in_dispute = disputes.open_disputes(session, [r.id for rs in by_subject.values() for r in rs])
    results, disclosed = [], []
    for row in rows:
        masked_name, masked_id = masks[row.position]
        records = by_subject.get(row.subject_id, []) if row.subject_id else []
        disputed = frozenset(r.id for r in records if r.id in in_dispute)
        results.append(
            SubjectResult(row.position, row.outcome, masked_name, masked_id, records, disputed)
        )
        if row.subject_id is not None:
            data = {
                "organization_id": str(org.id),
                "organization": org.name,
                "scene": query.scene,
                "purpose": query.purpose,
                "grant_id": str(query.grant_id) if query.grant_id else None,
                "records": len(records),
                # Which versions left: a correction or repair later notifies exactly these.
                "record_ids": [str(r.id) for r in records],
            }
            disclosed.append((query.id, row.subject_id, data))
    # One access entry per person, durable before the answer leaves (group commit).
    audit.record_accesses(
        session, "access:query:disclose", actor=actor, object_type="access_query", items=disclosed
    )
    query.status = QueryStatus.RELEASED.value
    query.released_at = now
    return results


def _masks_of(session: Session, rows: Sequence[QuerySubject]) -> list[tuple[str, str]]:
    ring = keyring_of(session)
    masks: list[tuple[str, str]] = []
    for row in rows:
        subject = session.get(Subject, row.subject_id) if row.subject_id else None
        if subject is None:
            masks.append(("*", "*" * 18))
            continue
        clear = identity_service.reveal(ring, subject)
        masks.append((privacy.mask_name(clear.name), privacy.mask_id_number(clear.id_number)))
    return masks


def own_query(session: Session, query_id: uuid.UUID, *, actor: Actor) -> Query:
    """A query of the actor's own organization (others' answer as missing: no probing)."""
    query = session.get(Query, query_id)
    if (
        query is None
        or actor.organization_id is None
        or query.organization_id != actor.organization_id
    ):
        raise QueryNotFound
    return query


def fetch(
    session: Session,
    document: CatalogDocument,
    query_id: uuid.UUID,
    *,
    actor: Actor,
    now: datetime | None = None,
) -> QueryOutcome:
    """The query's state; an approved query is released to its organization now, once."""
    query = own_query(session, query_id, actor=actor)
    if query.status == QueryStatus.APPROVED.value:
        organization_of(session, actor)  # a blacklisting since approval still stops the release
        return QueryOutcome(
            query, _release(session, document, query, actor=actor, now=now or utcnow())
        )
    if query.status == QueryStatus.REFUSED.value:
        raise QueryNotReleasable("the query was refused", reason=query.decision_reason)
    return QueryOutcome(query, None)


def visible_queries(actor: Actor) -> Select[Query]:
    """Queries the actor may see: of organizations in its region (all, province-wide)."""
    return (
        select(Query)
        .join(Organization, Organization.id == Query.organization_id)
        .where(in_region(actor, Organization.region_code))
    )


def list_queries(
    session: Session, *, actor: Actor, status: QueryStatus | None, limit: int, offset: int
) -> list[Query]:
    """Registered queries, newest first, within the actor's region."""
    query = visible_queries(actor)
    if status is not None:
        query = query.where(Query.status == status.value)
    query = query.order_by(Query.created_at.desc(), Query.id).limit(limit).offset(offset)
    return list(session.execute(query).scalars())


def decide(
    session: Session,
    query_id: uuid.UUID,
    *,
    approve: bool,
    reason: str,
    actor: Actor,
    now: datetime | None = None,
) -> Query:
    """A reviewer releases or refuses a registered query, with a reason (R3.3)."""
    query = session.execute(
        visible_queries(actor).where(Query.id == query_id).with_for_update(of=Query)
    ).scalar_one_or_none()
    if query is None:
        raise QueryNotFound
    if query.status != QueryStatus.PENDING_REVIEW.value:
        raise QueryAlreadyDecided
    if not reason.strip():
        raise QueryInputInvalid("a decision needs its reason")
    now = now or utcnow()
    query.status = (QueryStatus.APPROVED if approve else QueryStatus.REFUSED).value
    query.decided_at, query.decided_by, query.decision_reason = now, actor.name, reason.strip()
    audit.record(
        session,
        "access:query:approve" if approve else "access:query:refuse",
        actor=actor,
        object_type="access_query",
        object_id=query.id,
        data={"reason": query.decision_reason},
        at=now,
    )
    return query


FEEDBACK = ("used", "not-used", "wrong-result")


def feedback(
    session: Session, query_id: uuid.UUID, *, outcome: str, note: str | None, actor: Actor
) -> Query:
    """The querying organization says what it did with the result (R9 feedback, R4.3)."""
    query = own_query(session, query_id, actor=actor)
    if outcome not in FEEDBACK:
        raise QueryInputInvalid(f"feedback is one of {', '.join(FEEDBACK)}")
    if query.status != QueryStatus.RELEASED.value:
        raise QueryNotReleasable("feedback follows a released query")
    query.feedback, query.feedback_note, query.feedback_at = outcome, note, utcnow()
    audit.record(
        session,
        "access:query:feedback",
        actor=actor,
        object_type="access_query",
        object_id=query.id,
        data={"outcome": outcome},
    )
    return query


DISCLOSURE_ACTIONS = ("access:query:disclose",)


def recipients_of(
    session: Session, subject_id: uuid.UUID, record_ids: Iterable[uuid.UUID]
) -> set[uuid.UUID]:
    """Organizations that received any of these record versions in a query or report, found
    from the disclosure entries of the audit log (R5.1: tell every party that received it)."""
    wanted = {str(r) for r in record_ids}
    rows = session.execute(
        select(AuditEntry.data).where(
            AuditEntry.subject_id == subject_id, AuditEntry.action.in_(DISCLOSURE_ACTIONS)
        )
    ).scalars()
    found: set[uuid.UUID] = set()
    for data in rows:
        if data and wanted.intersection(data.get("record_ids") or ()):
            found.add(uuid.UUID(data["organization_id"]))
    return found
