"""The service-window check: run it, read it back, take feedback, and show persons who checked
them (ADR 0017).

The hot path reads one stored row per person: persons are resolved through the blind index
(``identity.resolve``), then their credit state (``state.service.states``: memberships,
displayed records, dispute marks, grade — the one rule every view reads) comes in one statement
per chunk of 1,000; the audience's kinds narrow the records, and the measures catalog is
precomputed per process. One ``check`` row, its ``check_subject`` rows (one executemany) and ONE
audit entry per check, whatever its size.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, cast

import anyio
from sqlalchemy import Table, Uuid, bindparam, func, insert, select
from sqlalchemy.orm import Session

from chengxin import privacy
from chengxin.access import policy, queries
from chengxin.access.errors import QueryNeedsOrganization
from chengxin.access.scenes import Scene
from chengxin.audit import merkle
from chengxin.audit import service as audit
from chengxin.audit.errors import AuditWriterUnavailable
from chengxin.catalog import service as catalog_service
from chengxin.catalog.schema import CatalogDocument
from chengxin.checks.errors import (
    CheckBatchTooLarge,
    CheckInputInvalid,
    CheckNeedsPublicBody,
    CheckNotFound,
    FeedbackMeasureUnknown,
)
from chengxin.checks.models import Check, CheckFeedback, CheckSubject
from chengxin.db import reading_beside, utcnow
from chengxin.identity import service as identity_service
from chengxin.identity.models import Subject
from chengxin.identity.resolve import PersonAsked, Resolved, match
from chengxin.keys import keyring_of
from chengxin.lists.memberships import Membership
from chengxin.measures import catalog as measure_catalog
from chengxin.measures import service as measure_service
from chengxin.measures.service import Applied, RecordFact
from chengxin.organizations.models import Organization
from chengxin.records.visibility import Audience, AudienceKind, shareable_kinds
from chengxin.security.actor import Actor
from chengxin.security.scope import in_region
from chengxin.settings import Settings
from chengxin.workdays.days import day_of

if TYPE_CHECKING:
    from chengxin.runtime import Runtime
from chengxin.state import service as state_service
from chengxin.state.models import CreditStateRow
from chengxin.state.rule import CreditState

RUN_ACTION = "checks:check:run"
FEEDBACK_ACTION = "checks:feedback:submit"
CHUNK = 1000
MIN_PURPOSE_CHARS = 4

# Per-person errors: the others in the batch are still answered.
ERRORS = {
    "id-number-invalid": "The ID number is not a valid citizen ID number (GB 11643-1999)",
    "not-registered": "No person with this ID number is in the population registry",
    "name-mismatch": "The name does not match the population registry",
}


@dataclass
class SubjectCheck:
    """What a check found about one person it named."""

    index: int
    outcome: str  # found, or one of ERRORS
    masked_name: str
    masked_id_number: str
    memberships: list[Membership] = field(default_factory=list)
    measures: list[Applied] = field(default_factory=list)
    disputed_records: list[uuid.UUID] = field(default_factory=list)
    grade: str | None = None  # integrity grade in force (scoring), None when never scored

    @property
    def error(self) -> str | None:
        """The message of a per-person error (None when found)."""
        return ERRORS.get(self.outcome)


@dataclass
class CheckOutcome:
    check: Check
    results: list[SubjectCheck]


def subjects_leaves(subject_ids: Sequence[uuid.UUID]) -> list[bytes]:
    """The Merkle leaves of a check's found subjects, in the caller's order."""
    return [merkle.leaf_hash(sid.bytes) for sid in subject_ids]


def _validate(persons: Sequence[PersonAsked], purpose: str, settings: Settings) -> None:
    if len(persons) > settings.check_batch_limit:
        raise CheckBatchTooLarge(
            f"{len(persons)} persons; at most {settings.check_batch_limit} per check",
            limit=settings.check_batch_limit,
        )
    if not persons:
        raise CheckInputInvalid("name at least one person")
    if len(purpose.strip()) < MIN_PURPOSE_CHARS:
        raise CheckInputInvalid("state the purpose of the check")


@dataclass(frozen=True)
class _Org:
    """What a check needs of the checking organization (detached from any session)."""

    id: uuid.UUID
    name: str
    kind: str


# (organization, scene, day) → (read at, organization, document, audience). A window's checks
# reuse what four statements read; a change to the permission list, the catalog or the
# organization takes effect at once in the process that made it, elsewhere within
# ``change_poll_seconds`` (ADR 0034), and ``check_context_seconds`` at most (ADR 0019).
_CONTEXTS: dict[tuple[uuid.UUID, str, date], tuple[float, _Org, CatalogDocument, Audience]] = {}
_CONTEXT_LOCK = threading.Lock()


def forget_contexts() -> None:
    """A permission list, catalog or organization changed (here or in another process;
    ``checks.hooks``)."""
    with _CONTEXT_LOCK:
        _CONTEXTS.clear()


def _context(
    session: Session, actor: Actor, scene: Scene, now: datetime, *, seconds: float
) -> tuple[_Org, CatalogDocument, Audience]:
    """The checking organization, the catalog document and the audience its permission list
    gives in this scene; ``check-needs-public-body`` / ``scene-not-permitted`` otherwise."""
    if actor.organization_id is None:
        raise QueryNeedsOrganization
    key = (actor.organization_id, scene.value, day_of(now))
    with _CONTEXT_LOCK:
        known = _CONTEXTS.get(key)
    if known is not None and time.monotonic() - known[0] <= seconds:
        return known[1], known[2], known[3]
    row = queries.organization_of(session, actor)
    if row.kind not in queries.GOVERNMENT_KINDS:
        raise CheckNeedsPublicBody
    org = _Org(row.id, row.name, row.kind)
    # The active version's document, parsed once per process (not per check).
    _, document = catalog_service.document_at(session, now)
    permitted = policy.permitted_kinds(session, document, org.id, scene, day_of(now))
    audience = Audience(
        AudienceKind.GOVERNMENT, permitted & shareable_kinds(document, AudienceKind.GOVERNMENT)
    )
    with _CONTEXT_LOCK:
        if len(_CONTEXTS) > 1000:  # noqa: PLR2004  # organizations × scenes of one day
            _CONTEXTS.clear()
        _CONTEXTS[key] = (time.monotonic(), org, document, audience)
    return org, document, audience


# Each person's registry row and stored credit state in ONE statement, built once per process.
_LOOKUP = (
    select(
        Subject.id,
        Subject.name_ct,
        Subject.key_id,
        Subject.in_registry,
        CreditStateRow.state,
        CreditStateRow.as_of,
        CreditStateRow.next_change_at,
    )
    .outerjoin(CreditStateRow, CreditStateRow.subject_id == Subject.id)
    .where(Subject.id.in_(bindparam("ids", expanding=True, type_=Uuid())))
)


def _lookup(
    session: Session, persons: Sequence[PersonAsked], now: datetime
) -> tuple[list[Resolved], dict[uuid.UUID, CreditState]]:
    """Resolve the persons (blind index, registry name: ``identity.resolve.match``) and read their
    credit states (``state.service.states``' rule: a row outside its span is recomputed)."""
    ring = keyring_of(session)
    keys = identity_service.subject_keys(ring, [p.id_number for p in persons])
    wanted = sorted({uuid.UUID(k) for k in keys if k is not None}, key=lambda u: u.bytes)
    names: dict[str, str] = {}
    stored: dict[uuid.UUID, tuple[Any, ...]] = {}
    connection = session.connection()
    for start in range(0, len(wanted), CHUNK):
        rows = connection.execute(_LOOKUP, {"ids": wanted[start : start + CHUNK]}).all()
        for sid, name_ct, key_id, in_registry, text, as_of, next_change_at in rows:
            if in_registry:
                names[str(sid)] = identity_service.registry_name(ring, sid, name_ct, key_id)
            if text is not None:
                stored[sid] = (text, as_of, next_change_at)
    resolved = match(persons, keys, names)
    found = list(dict.fromkeys(sid for _, sid in resolved if sid is not None))
    return resolved, state_service.from_rows(session, found, stored, at=now)


def _read(  # every read of a check, in one unit of work (db.reading_beside)
    session: Session,
    scene: Scene,
    persons: Sequence[PersonAsked],
    actor: Actor,
    now: datetime,
    *,
    settings: Settings,
) -> tuple[Any, ...]:
    scene = Scene(scene)
    org, _document, audience = _context(
        session, actor, scene, now, seconds=settings.check_context_seconds
    )
    # One stored credit state per person: memberships, displayed records, disputes, grade.
    resolved, states = _lookup(session, persons, now)
    found = [sid for _, sid in resolved if sid is not None]
    return org, scene, resolved, found, states, audience


@dataclass
class Prepared:
    """A check worked out from its reads, not yet registered: the answer, its audit entry and
    the rows that register it (``store``)."""

    outcome: CheckOutcome
    only: uuid.UUID | None  # the one person found (the audit entry names them), else None
    audit_data: dict[str, Any]
    subjects: list[dict[str, Any]]


def prepare(  # one pass over the batch: each local is one set-based read
    reader: Session,
    *,
    scene: Scene,
    purpose: str,
    persons: Sequence[PersonAsked],
    settings: Settings,
    actor: Actor,
    now: datetime,
) -> Prepared:
    """Read what a check needs (``reader`` only reads) and work out its answer: memberships,
    applicable measures with reasons and bases, dispute marks."""
    _validate(persons, purpose, settings)
    org, scene, resolved, found, states, audience = _read(
        reader, scene, persons, actor, now, settings=settings
    )
    catalog = measure_catalog.catalog()
    measures = catalog.in_scene(scene)
    today = day_of(now)
    results: list[SubjectCheck] = []
    for index, (person, (outcome, sid)) in enumerate(zip(persons, resolved, strict=True)):
        shown = SubjectCheck(
            index,
            outcome,
            privacy.mask_name(person.name),
            privacy.mask_id_number(person.id_number.strip().upper()),
        )
        if sid is not None:
            state = states[sid]
            facts = [
                RecordFact(r.id, r.kind_code, r.category, r.severity, r.finding_on)
                for r in state.visible(audience.kinds)
            ]
            disputed = set(state.disputed)
            shown.memberships = list(state.memberships)
            shown.grade = state.grade
            shown.measures = measure_service.applicable(
                measures,
                memberships=shown.memberships,
                records=facts,
                disputed_records=disputed,
                disputed_entries=set(state.disputed_entries),
                grade=shown.grade,
                today=today,
            )
            shown.disputed_records = [r.id for r in facts if r.id in disputed]
        results.append(shown)
    check_id = uuid.uuid4()
    root = merkle.root(subjects_leaves(found)).hex()
    only = found[0] if len(found) == 1 else None
    data: dict[str, Any] = {
        "organization_id": str(org.id),
        "organization": org.name,
        "scene": scene.value,
        "purpose": purpose.strip(),
        "subjects": len(persons),
        "found": len(found),
        "subjects_root": root,
        "measure_version": catalog.version,
    }
    if only is not None:  # a single check: the person sees which measures it returned
        data["measures"] = next(
            sorted(a.measure.code for a in r.measures) for r in results if r.outcome == "found"
        )
    check = Check(
        id=check_id,
        organization_id=org.id,
        actor_kind=actor.kind.value,
        actor_id=actor.id,
        actor_name=actor.name,
        scene=scene.value,
        purpose=purpose.strip(),
        subject_count=len(persons),
        found_count=len(found),
        measure_version=catalog.version,
        subjects_root=root,
        audit_seq=None,
        created_at=now,
        feedback_at=None,
    )
    subjects = [
        {
            "check_id": check_id,
            "position": r.index,
            "subject_id": resolved[r.index][1],
            "outcome": r.outcome,
            "measures": [a.measure.code for a in r.measures],
        }
        for r in results
    ]
    return Prepared(CheckOutcome(check, results), only, data, subjects)


_CHECK_TABLE = cast("Table", Check.__table__)
_SUBJECT_TABLE = cast("Table", CheckSubject.__table__)
_CHECK_COLUMNS = tuple(c.key for c in _CHECK_TABLE.columns)


def registration(prepared: Prepared, seq: int) -> list[tuple[Table, dict[str, Any]]]:
    """The rows that register a prepared check under its audit entry's seq: its row, then its
    persons' rows (for the writer's batch: one insert per table for many checks)."""
    check = prepared.outcome.check
    check.audit_seq = seq
    row = {c: getattr(check, c) for c in _CHECK_COLUMNS}
    return [(_CHECK_TABLE, row), *((_SUBJECT_TABLE, s) for s in prepared.subjects)]


def store(session: Session, prepared: Prepared, seq: int) -> None:
    """Register a prepared check in ``session`` (Core: no ORM bookkeeping for 10,000 rows)."""
    rows = registration(prepared, seq)
    connection = session.connection()
    connection.execute(insert(_CHECK_TABLE), rows[0][1])
    if len(rows) > 1:
        connection.execute(insert(_SUBJECT_TABLE), [values for _, values in rows[1:]])


def _audit(prepared: Prepared, actor: Actor) -> dict[str, Any]:
    return {
        "actor": actor,
        "object_type": "check",
        "object_id": prepared.outcome.check.id,
        "subject_id": prepared.only,
        "data": prepared.audit_data,
    }


def run(
    session: Session,
    *,
    scene: Scene,
    purpose: str,
    persons: Sequence[PersonAsked],
    settings: Settings,
    actor: Actor,
    now: datetime | None = None,
) -> CheckOutcome:
    """Check persons at a service window, registered in ``session`` with one audit entry (the
    command line, pages, tests; the API's hot path is ``run_async``)."""
    now = now or utcnow()
    with reading_beside(session) as reader:
        prepared = prepare(
            reader,
            scene=scene,
            purpose=purpose,
            persons=persons,
            settings=settings,
            actor=actor,
            now=now,
        )
    check = prepared.outcome.check
    check.audit_seq = audit.record_access(session, RUN_ACTION, **_audit(prepared, actor))
    session.add(check)  # a unit of work's object: read back, expunged or changed by the caller
    session.flush()
    session.connection().execute(insert(_SUBJECT_TABLE), prepared.subjects)
    return prepared.outcome


async def run_async(
    runtime: Runtime,
    *,
    scene: Scene,
    purpose: str,
    persons: Sequence[PersonAsked],
    actor: Actor,
    now: datetime | None = None,
) -> CheckOutcome:
    """The API's check: its reads in a read-only unit of work in a worker thread, then its audit
    entry and registration handed to the group-commit writer and awaited on the event loop. No
    write transaction of its own and no thread waits for a commit: one fsync serves every check
    in the writer's batch (ADR 0023)."""
    now = now or utcnow()

    def read() -> Prepared:
        with runtime.read_scope(replica=True) as reader:  # a replica may serve it (ADR 0033)
            return prepare(
                reader,
                scene=scene,
                purpose=purpose,
                persons=persons,
                settings=runtime.settings,
                actor=actor,
                now=now,
            )

    prepared = await anyio.to_thread.run_sync(read, limiter=runtime.read_limiter)
    writer = runtime.audit_writer
    if writer is None or not writer.running:  # no writer (command line, some tests): in a unit

        def register() -> None:
            with runtime.scope() as session:
                seq = audit.record_access(session, RUN_ACTION, **_audit(prepared, actor))
                store(session, prepared, seq)

        await anyio.to_thread.run_sync(register)
        return prepared.outcome
    future = audit.submit_access(
        writer,
        RUN_ACTION,
        **_audit(prepared, actor),
        registration=lambda seq: registration(prepared, seq),
    )
    try:
        with anyio.fail_after(writer.wait_seconds):
            await asyncio.wrap_future(future)
    except TimeoutError as exc:
        raise AuditWriterUnavailable("the audit log did not commit the check in time") from exc
    return prepared.outcome


def get_or_raise(session: Session, check_id: uuid.UUID, *, actor: Actor) -> Check:
    """A check of the actor's own organization; another's answers as missing (no probing)."""
    check = session.get(Check, check_id)
    if (
        check is None
        or actor.organization_id is None
        or (check.organization_id != actor.organization_id)
    ):
        raise CheckNotFound
    return check


def recent(session: Session, *, actor: Actor, limit: int = 50) -> list[Check]:
    """The actor's organization's latest checks, newest first (none for an actor without one)."""
    if actor.organization_id is None:
        return []
    return list(
        session.execute(
            select(Check)
            .where(Check.organization_id == actor.organization_id)
            .order_by(Check.created_at.desc(), Check.id)
            .limit(limit)
        ).scalars()
    )


def subjects_of(session: Session, check: Check) -> list[CheckSubject]:
    """The persons a check named, in the caller's order."""
    return list(
        session.execute(
            select(CheckSubject)
            .where(CheckSubject.check_id == check.id)
            .order_by(CheckSubject.position)
        ).scalars()
    )


def feedback_of(session: Session, check: Check) -> list[CheckFeedback]:
    """The feedback given on a check, oldest first."""
    return list(
        session.execute(
            select(CheckFeedback)
            .where(CheckFeedback.check_id == check.id)
            .order_by(CheckFeedback.created_at, CheckFeedback.id)
        ).scalars()
    )


@dataclass(frozen=True)
class FeedbackItem:
    measure_code: str
    applied: bool
    reason: str
    index: int | None = None  # the subject's position; None: any subject of the check


def feedback(
    session: Session,
    check_id: uuid.UUID,
    items: Sequence[FeedbackItem],
    *,
    actor: Actor,
    now: datetime | None = None,
) -> list[CheckFeedback]:
    """The department says, per measure, whether it applied it and why (反馈, R11)."""
    now = now or utcnow()
    check = get_or_raise(session, check_id, actor=actor)
    if not items:
        raise CheckInputInvalid("name at least one measure")
    subjects = {s.position: set(s.measures) for s in subjects_of(session, check)}
    returned = set().union(*subjects.values()) if subjects else set()
    for item in items:
        codes = returned if item.index is None else subjects.get(item.index, set())
        if item.measure_code not in codes:
            raise FeedbackMeasureUnknown(
                f"measure {item.measure_code} is not in this check's result",
                measure=item.measure_code,
                index=item.index,
            )
        if not item.reason.strip():
            raise CheckInputInvalid("each feedback item needs its reason")
    rows = [
        CheckFeedback(
            id=uuid.uuid4(),
            check_id=check.id,
            position=item.index,
            measure_code=item.measure_code,
            decision="applied" if item.applied else "not_applied",
            reason=item.reason.strip(),
            created_at=now,
            created_by=actor.name,
        )
        for item in items
    ]
    session.add_all(rows)
    if check.feedback_at is None:
        check.feedback_at = now
    session.flush()
    audit.record(
        session,
        FEEDBACK_ACTION,
        actor=actor,
        object_type="check",
        object_id=check.id,
        data={
            "items": [
                {"measure": r.measure_code, "decision": r.decision, "index": r.position}
                for r in rows
            ]
        },
        at=now,
    )
    return rows


@dataclass(frozen=True)
class FeedbackRate:
    department: str | None
    scene: str
    checks: int
    with_feedback: int

    @property
    def rate(self) -> float:
        """Share of checks with feedback (0 when none)."""
        return round(self.with_feedback / self.checks, 4) if self.checks else 0.0


def feedback_rates(
    session: Session, *, since: datetime | None, until: datetime | None, actor: Actor
) -> list[FeedbackRate]:
    """Per department and scene: checks, checks with feedback, rate (R11), in the actor's
    region."""
    query = (
        select(
            Organization.department,
            Check.scene,
            func.count(Check.id),
            func.count(Check.feedback_at),
        )
        .join(Organization, Organization.id == Check.organization_id)
        .where(in_region(actor, Organization.region_code))
        .group_by(Organization.department, Check.scene)
        .order_by(Organization.department, Check.scene)
    )
    if since is not None:
        query = query.where(Check.created_at >= since)
    if until is not None:
        query = query.where(Check.created_at < until)
    return [FeedbackRate(d, s, int(n), int(f)) for d, s, n, f in session.execute(query).all()]


@dataclass(frozen=True)
class CheckLine:
    """A check about a person, as the person sees it, with the proof that the check's audit
    entry (``subjects_root``) covers them."""

    check_id: uuid.UUID
    at: datetime
    organization: str
    scene: str
    purpose: str
    audit_seq: int | None
    subjects_root: str
    leaf_index: int
    tree_size: int
    proof: list[str]


def checks_about(session: Session, subject_id: uuid.UUID, *, limit: int = 100) -> list[CheckLine]:
    """Checks that named the person ("who checked me"), newest first."""
    rows = session.execute(
        select(Check, Organization.name)
        .join(CheckSubject, CheckSubject.check_id == Check.id)
        .join(Organization, Organization.id == Check.organization_id)
        .where(CheckSubject.subject_id == subject_id)
        .distinct()
        .order_by(Check.created_at.desc(), Check.id)
        .limit(limit)
    ).all()
    lines = []
    for check, name in rows:
        found = [
            sid
            for sid in session.execute(
                select(CheckSubject.subject_id)
                .where(CheckSubject.check_id == check.id, CheckSubject.subject_id.is_not(None))
                .order_by(CheckSubject.position)
            ).scalars()
            if sid is not None
        ]
        index = found.index(subject_id)
        proof = merkle.inclusion_proof(index, len(found), merkle.ListSource(subjects_leaves(found)))
        lines.append(
            CheckLine(
                check.id,
                check.created_at,
                name,
                check.scene,
                check.purpose,
                check.audit_seq,
                check.subjects_root,
                index,
                len(found),
                [p.hex() for p in proof],
            )
        )
    return lines
