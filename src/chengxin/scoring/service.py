"""Integrity points (诚信积分, R6.3; PIPL Art. 24): rulesets, computation, history and review.

Only records visible to government under the one visibility rule count (current, inside their
display window: never superseded, revoked, repaired or expired ones), minus those in dispute
while the objection is open (``scoring_exclude_disputed``), plus the subject's own published
list memberships. Inputs are loaded set-based per batch of subjects (one query for records, one
for disputes, two for memberships, one for the latest scores); the pure ``engine`` scores them;
a score row is added only when the score, grade, breakdown or ruleset version changed, so the
table is the history (``score_as_of``).

Incremental recomputation reads the change feeds from a watermark (``record_event``,
``list_entry_event``), objections filed or decided since, display windows and list terms that
began or ended, and yearly anniversaries of findings (decay steps, clean-years bonus).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, and_, func, insert, or_, select
from sqlalchemy.orm import Session

from chengxin import casework
from chengxin.audit import service as audit
from chengxin.catalog import service as catalog_service
from chengxin.catalog.schema import CatalogDocument
from chengxin.db import utcnow
from chengxin.identity.models import Subject
from chengxin.jobs import service as jobs_service
from chengxin.keys import keyring_of
from chengxin.keys.sealed import seal, unseal
from chengxin.lists.models import ListEntry, ListEntryEvent
from chengxin.objections.models import Objection
from chengxin.records.models import CreditRecord, RecordEvent
from chengxin.records.visibility import AudienceKind, day_of, shareable_kinds
from chengxin.reports import service as report_service
from chengxin.scoring import engine, rules
from chengxin.scoring.errors import (
    ReviewAlreadyOpen,
    ReviewClosed,
    ReviewInputInvalid,
    ReviewNotFound,
    RulesetExists,
    RulesetNotDraft,
    RulesetNotFound,
    ScoreNotFound,
)
from chengxin.scoring.grades import score_as_of
from chengxin.scoring.models import (
    ReviewOutcome,
    ReviewStatus,
    RulesetStatus,
    ScoreReview,
    ScoringMark,
    ScoringRuleset,
    SubjectScore,
)
from chengxin.security.actor import Actor
from chengxin.settings import Settings
from chengxin.state import service as state_service

FULL_JOB = "scoring.recompute-full"
INCREMENTAL_JOB = "scoring.recompute-incremental"
MARK = "scoring.incremental"
REVIEW_TABLE = "score_review"
SCORE_TABLE = cast("Table", SubjectScore.__table__)

# -- rulesets ------------------------------------------------------------------------------------

_compiled: dict[str, rules.Compiled] = {}


def _compile(ruleset: rules.Ruleset) -> rules.Compiled:
    key = rules.digest(ruleset)
    found = _compiled.get(key)
    if found is None:
        found = _compiled[key] = rules.compile_ruleset(ruleset)
    return found


def compiled_of(row: ScoringRuleset) -> rules.Compiled:
    return _compile(rules.from_content(row.content))


def active_rules(session: Session) -> rules.Compiled:
    """The active ruleset compiled; the shipped default until an operator activates one."""
    row = session.execute(
        select(ScoringRuleset).where(ScoringRuleset.status == RulesetStatus.ACTIVE.value)
    ).scalar_one_or_none()
    return compiled_of(row) if row is not None else _compile(rules.shipped())


def get_ruleset_or_raise(session: Session, version: str) -> ScoringRuleset:
    row = session.execute(
        select(ScoringRuleset).where(ScoringRuleset.version == version)
    ).scalar_one_or_none()
    if row is None:
        raise RulesetNotFound
    return row


def list_rulesets(session: Session) -> list[ScoringRuleset]:
    return list(
        session.execute(select(ScoringRuleset).order_by(ScoringRuleset.created_at.desc()))
        .scalars()
        .all()
    )


def upload_draft(
    session: Session, source: str, *, actor: Actor, now: datetime | None = None
) -> ScoringRuleset:
    """Store a valid ruleset as a draft (``RulesetInvalid`` otherwise); versions are unique."""
    now = now or utcnow()
    ruleset = rules.parse(source)
    exists = session.execute(
        select(ScoringRuleset.id).where(ScoringRuleset.version == ruleset.version)
    ).first()
    if exists is not None:
        raise RulesetExists
    row = ScoringRuleset(
        id=uuid.uuid4(), version=ruleset.version, name=ruleset.name,
        content=ruleset.model_dump(mode="json"), source=source, digest=rules.digest(ruleset),
        status=RulesetStatus.DRAFT.value, created_at=now, created_by=actor.name,
    )  # fmt: skip
    session.add(row)
    session.flush()
    audit.record(
        session, "scoring:ruleset:upload", actor=actor, object_type="scoring_ruleset",
        object_id=row.id, data={"version": row.version, "digest": row.digest},
    )  # fmt: skip
    return row


def activate(
    session: Session, version: str, *, actor: Actor, now: datetime | None = None
) -> ScoringRuleset:
    """Make a draft the active ruleset (the previous one retires) and queue a full recompute."""
    now = now or utcnow()
    row = session.execute(
        select(ScoringRuleset).where(ScoringRuleset.version == version).with_for_update()
    ).scalar_one_or_none()
    if row is None:
        raise RulesetNotFound
    if row.status != RulesetStatus.DRAFT.value:
        raise RulesetNotDraft(f"this ruleset is {row.status}")
    previous = session.execute(
        select(ScoringRuleset).where(ScoringRuleset.status == RulesetStatus.ACTIVE.value)
    ).scalar_one_or_none()
    if previous is not None:
        previous.status, previous.retired_at = RulesetStatus.RETIRED.value, now
    row.status, row.activated_at, row.activated_by = RulesetStatus.ACTIVE.value, now, actor.name
    session.flush()
    audit.record(
        session, "scoring:ruleset:activate", actor=actor, object_type="scoring_ruleset",
        object_id=row.id,
        data={"version": row.version, "retired": previous.version if previous else None},
    )  # fmt: skip
    jobs_service.enqueue(
        session, FULL_JOB, {"reason": f"ruleset {row.version} activated"},
        idempotency_key=f"scoring-full:{row.version}", now=now,
    )  # fmt: skip
    return row


# -- loading and computing -----------------------------------------------------------------------

Inputs = dict[uuid.UUID, tuple[list[engine.RecordIn], list[engine.MembershipIn]]]


def load_inputs(
    session: Session,
    document: CatalogDocument,
    subject_ids: Sequence[uuid.UUID],
    *,
    now: datetime,
    settings: Settings,
) -> Inputs:
    """Each subject's counted records and own list memberships at ``now``, from their credit
    state (``state.service``: the one rule of what is displayed, listed and in dispute): records
    displayed and shared with government, not basic, not in dispute (unless
    ``scoring_exclude_disputed`` is off); own memberships only (R8.4 linkage is not a person's
    own conduct)."""
    found: Inputs = {sid: ([], []) for sid in subject_ids}
    if not subject_ids:
        return found
    shared = shareable_kinds(document, AudienceKind.GOVERNMENT)
    kinds = {k.code: k for k in document.kinds if k.code in shared}
    for subject_id, state in state_service.states(session, subject_ids, at=now).items():
        records, lists = found[subject_id]
        excluded = set(state.disputed) if settings.scoring_exclude_disputed else set()
        for r in state.records:
            kind = kinds.get(r.kind_code)
            if kind is None or r.category == "basic" or r.id in excluded:
                continue
            records.append((str(r.id), r.kind_code, kind.domain, r.category, r.severity,
                            r.finding_on))  # fmt: skip
        lists.extend((str(m.entry_id), m.list_type, m.kind) for m in state.memberships
                     if m.via_organization is None)  # fmt: skip
    return found


def _which(
    column: Any, subject_ids: Sequence[uuid.UUID], *, whole_span: bool
) -> ColumnElement[bool]:
    if whole_span:
        return and_(column >= subject_ids[0], column <= subject_ids[-1])
    return column.in_(list(subject_ids))  # type: ignore[no-any-return]


def _latest(
    session: Session, subject_ids: Sequence[uuid.UUID], *, whole_span: bool = False
) -> dict[uuid.UUID, Any]:
    newest = (
        select(SubjectScore.subject_id, func.max(SubjectScore.computed_at).label("at"))
        .where(_which(SubjectScore.subject_id, subject_ids, whole_span=whole_span))
        .group_by(SubjectScore.subject_id)
        .subquery()
    )
    rows = session.connection().execute(
        select(SubjectScore.subject_id, SubjectScore.ruleset_version, SubjectScore.score,
               SubjectScore.grade, SubjectScore.lines)
        .join(newest, and_(SubjectScore.subject_id == newest.c.subject_id,
                           SubjectScore.computed_at == newest.c.at))
    ).all()  # fmt: skip
    return {r[0]: (r[1], r[2], r[3], r[4]) for r in rows}


def _json_lines(score: engine.Score) -> list[list[Any]]:
    return [list(line) for line in score.lines]


@dataclass(frozen=True)
class Computed:
    computed: int
    changed: int


def _compute_batch(
    session: Session,
    document: CatalogDocument,
    compiled: rules.Compiled,
    ids: Sequence[uuid.UUID],
    *,
    now: datetime,
    written_at: datetime,
    settings: Settings,
    whole_span: bool = False,
) -> int:
    today = day_of(now)
    inputs = load_inputs(session, document, ids, now=now, settings=settings)
    latest = _latest(session, ids, whole_span=whole_span)
    rows = []
    score_fn = engine.score
    for subject_id, (records, held) in inputs.items():
        result = score_fn(compiled, records, held, today)
        lines = _json_lines(result)
        if latest.get(subject_id) == (result.ruleset_version, result.total, result.grade, lines):
            continue
        rows.append({
            "id": uuid.uuid4(), "subject_id": subject_id, "ruleset_version": result.ruleset_version,
            "score": result.total, "grade": result.grade, "lines": lines,
            "computed_at": written_at, "valid_from": now,
        })  # fmt: skip
    if rows:
        session.connection().execute(insert(SCORE_TABLE), rows)  # executemany
        state_service.touch(session, [cast("uuid.UUID", r["subject_id"]) for r in rows])
    return len(rows)


def compute(
    session: Session,
    subject_ids: Sequence[uuid.UUID],
    *,
    settings: Settings,
    now: datetime | None = None,
) -> Computed:
    """Score these subjects now with the active ruleset; add history rows where changed."""
    now = now or utcnow()
    _, document = catalog_service.active_document(session)
    compiled = active_rules(session)
    written_at = utcnow()
    ids = list(dict.fromkeys(subject_ids))
    size = settings.scoring_batch_subjects
    changed = 0
    for start in range(0, len(ids), size):
        changed += _compute_batch(
            session, document, compiled, ids[start : start + size], now=now,
            written_at=written_at, settings=settings,
        )  # fmt: skip
    return Computed(len(ids), changed)


def population(session: Session, batch: int) -> Iterator[list[tuple[uuid.UUID, str | None]]]:
    """Every subject with its prefecture code, in batches by id (keyset)."""
    last: uuid.UUID | None = None
    while True:
        query = select(Subject.id, Subject.prefecture_code).order_by(Subject.id).limit(batch)
        if last is not None:
            query = query.where(Subject.id > last)
        rows = [(r[0], r[1]) for r in session.execute(query).all()]
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def _feed_heads(session: Session) -> tuple[int, int]:
    record_seq = session.execute(select(func.max(RecordEvent.seq))).scalar_one() or 0
    list_seq = session.execute(select(func.max(ListEntryEvent.seq))).scalar_one() or 0
    return int(record_seq), int(list_seq)


def _set_mark(session: Session, heads: tuple[int, int], now: datetime, version: str) -> None:
    mark = session.get(ScoringMark, MARK)
    if mark is None:
        mark = ScoringMark(name=MARK)
        session.add(mark)
    mark.record_seq, mark.list_seq = heads
    mark.through_on, mark.run_at, mark.ruleset_version = day_of(now), now, version
    session.flush()


def recompute_full(
    session: Session, *, settings: Settings, actor: Actor, now: datetime | None = None
) -> Computed:
    """Score the whole population; the incremental watermark moves to this run."""
    now = now or utcnow()
    if catalog_service.get_active(session) is None:
        return Computed(0, 0)  # a fresh platform: no catalog, so no records and nothing to score
    heads = _feed_heads(session)
    _, document = catalog_service.active_document(session)
    compiled = active_rules(session)
    written_at = utcnow()
    computed = changed = 0
    for batch in population(session, settings.scoring_batch_subjects):
        ids = [sid for sid, _ in batch]
        changed += _compute_batch(
            session, document, compiled, ids, now=now, written_at=written_at, settings=settings,
            whole_span=True,
        )  # fmt: skip
        computed += len(ids)
    _set_mark(session, heads, now, compiled.version)
    audit.record(
        session, "scoring:score:recompute", actor=actor, object_type="subject_score",
        data={"mode": "full", "computed": computed, "changed": changed,
              "ruleset_version": compiled.version},
    )  # fmt: skip
    return Computed(computed, changed)


def _shift(day: date, years: int) -> date:
    """The same calendar day ``years`` earlier (28 February for 29 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def changed_subjects(
    session: Session, mark: ScoringMark, compiled: rules.Compiled, now: datetime
) -> set[uuid.UUID]:
    """Subjects whose score may have changed since the mark (or who were registered since)."""
    since, today = mark.through_on, day_of(now)
    found: set[uuid.UUID] = set(
        session.execute(
            select(RecordEvent.subject_id).where(RecordEvent.seq > mark.record_seq)
        ).scalars()
    )
    found.update(
        s for s in session.execute(
            select(ListEntryEvent.subject_id).where(ListEntryEvent.seq > mark.list_seq)
        ).scalars() if s is not None
    )  # fmt: skip
    found.update(
        s for s in session.execute(
            select(ListEntry.subject_id).where(
                ListEntry.term_ends_at > mark.run_at, ListEntry.term_ends_at <= now)
        ).scalars() if s is not None
    )  # fmt: skip
    found.update(
        session.execute(select(Subject.id).where(Subject.created_at > mark.run_at)).scalars()
    )
    found.update(
        session.execute(
            select(Objection.subject_id).where(
                or_(Objection.filed_at > mark.run_at, Objection.decided_at > mark.run_at)
            )
        ).scalars()
    )
    if today > since:
        windows = [
            and_(CreditRecord.display_from_on > since, CreditRecord.display_from_on <= today),
            and_(CreditRecord.display_until_on > since, CreditRecord.display_until_on <= today),
        ]
        windows.extend(
            and_(CreditRecord.finding_on > _shift(since, k),
                 CreditRecord.finding_on <= _shift(today, k))
            for k in range(1, engine.boundary_years(compiled) + 1)
        )  # fmt: skip
        found.update(
            session.execute(
                select(CreditRecord.subject_id)
                .where(CreditRecord.status == "active", or_(*windows))
                .distinct()
            ).scalars()
        )
    return found


def recompute_incremental(
    session: Session, *, settings: Settings, actor: Actor, now: datetime | None = None
) -> Computed:
    """Score the subjects with changes since the watermark (everyone on the first run or after
    the ruleset changed)."""
    now = now or utcnow()
    compiled = active_rules(session)
    mark = session.get(ScoringMark, MARK)
    if mark is None or mark.ruleset_version != compiled.version:
        return recompute_full(session, settings=settings, actor=actor, now=now)
    heads = _feed_heads(session)
    subjects = sorted(changed_subjects(session, mark, compiled, now))
    known = set(
        session.execute(select(Subject.id).where(Subject.id.in_(subjects))).scalars()
    ) if subjects else set()  # fmt: skip
    done = compute(session, [s for s in subjects if s in known], settings=settings, now=now)
    _set_mark(session, heads, now, compiled.version)
    audit.record(
        session, "scoring:score:recompute", actor=actor, object_type="subject_score",
        data={"mode": "incremental", "computed": done.computed, "changed": done.changed,
              "ruleset_version": compiled.version},
    )  # fmt: skip
    return done


# -- reading -------------------------------------------------------------------------------------


def latest(session: Session, subject_id: uuid.UUID) -> SubjectScore | None:
    return session.execute(
        select(SubjectScore)
        .where(SubjectScore.subject_id == subject_id)
        .order_by(SubjectScore.computed_at.desc())
        .limit(1)
    ).scalar_one_or_none()


def current(
    session: Session, subject_id: uuid.UUID, *, settings: Settings, now: datetime | None = None
) -> SubjectScore:
    """The subject's current score, computed on demand when none is stored yet."""
    found = latest(session, subject_id)
    if found is None:
        compute(session, [subject_id], settings=settings, now=now)
        found = latest(session, subject_id)
    assert found is not None  # noqa: S101  # compute always stores a first score
    return found


def lookup(
    session: Session,
    *,
    id_number: str,
    name: str,
    as_of: datetime | None,
    actor: Actor,
    settings: Settings,
) -> SubjectScore:
    """Staff read a person's score (now, or as of a moment), named by ID number and name in the
    request body; the reading is logged against the person."""
    subject_id = report_service.subject_of(session, id_number, name)
    if as_of is None:
        found: SubjectScore | None = current(session, subject_id, settings=settings)
    else:
        found = score_as_of(session, subject_id, as_of)
    if found is None:
        raise ScoreNotFound
    audit.record_access(
        session, "scoring:score:read", actor=actor, object_type="subject_score",
        object_id=found.id, subject_id=subject_id,
        data={"as_of": as_of.isoformat() if as_of else None},
    )  # fmt: skip
    return found


# -- human review (PIPL Art. 24) -----------------------------------------------------------------


@dataclass(frozen=True)
class ReviewView:
    review: ScoreReview
    reason: str
    note: str | None


def view(session: Session, review: ScoreReview) -> ReviewView:
    opened = unseal(keyring_of(session), REVIEW_TABLE, review.id, review.sealed, review.key_id)
    return ReviewView(review, opened["reason"], opened.get("note"))


def request_review(
    session: Session,
    *,
    reason: str,
    actor: Actor,
    settings: Settings,
    now: datetime | None = None,
) -> ScoreReview:
    """The signed-in person asks for a human to review their current score."""
    now = now or utcnow()
    subject_id = audit.own_subject(actor)
    reason = (reason or "").strip()
    if not 4 <= len(reason) <= 2000:  # noqa: PLR2004
        raise ReviewInputInvalid("reason: 4 to 2000 characters", field="reason")
    already = session.execute(
        select(ScoreReview.id).where(
            ScoreReview.subject_id == subject_id, ScoreReview.status == ReviewStatus.OPEN.value
        )
    ).first()
    if already is not None:
        raise ReviewAlreadyOpen
    score = current(session, subject_id, settings=settings, now=now)
    due = casework.deadlines(now, settings.scoring_review_days, remind_days_before=0)
    review_id = uuid.uuid4()
    sealed, key_id = seal(keyring_of(session), REVIEW_TABLE, review_id, {"reason": reason})
    review = ScoreReview(
        id=review_id, reference=casework.reference("PF", now), subject_id=subject_id,
        score_id=score.id, ruleset_version=score.ruleset_version, score=score.score,
        grade=score.grade, status=ReviewStatus.OPEN.value, sealed=sealed, key_id=key_id,
        requested_at=now, due_at=due.due_at,
    )  # fmt: skip
    session.add(review)
    session.flush()
    audit.record(
        session, "scoring:review:request", actor=actor, object_type=REVIEW_TABLE,
        object_id=review.id, subject_id=subject_id, data={"score_id": str(score.id)},
    )  # fmt: skip
    return review


def get_review_or_raise(session: Session, review_id: uuid.UUID) -> ScoreReview:
    review = session.get(ScoreReview, review_id)
    if review is None:
        raise ReviewNotFound
    return review


def review_queue(
    session: Session, *, status: ReviewStatus | None = None, limit: int = 50, offset: int = 0
) -> list[ScoreReview]:
    """Reviews, the ones due soonest first."""
    query = select(ScoreReview).order_by(ScoreReview.due_at, ScoreReview.id)
    if status is not None:
        query = query.where(ScoreReview.status == status.value)
    return list(session.execute(query.limit(limit).offset(offset)).scalars())


def my_reviews(session: Session, *, actor: Actor) -> list[ScoreReview]:
    subject_id = audit.own_subject(actor)
    return list(
        session.execute(
            select(ScoreReview)
            .where(ScoreReview.subject_id == subject_id)
            .order_by(ScoreReview.requested_at.desc())
        ).scalars()
    )


def decide_review(
    session: Session,
    review_id: uuid.UUID,
    *,
    outcome: ReviewOutcome,
    note: str,
    actor: Actor,
    settings: Settings,
    now: datetime | None = None,
) -> ScoreReview:
    """A person decides: the score is confirmed, or computed again (a new history row when it
    changed). The note is sealed and shown to the subject."""
    now = now or utcnow()
    review = session.execute(
        select(ScoreReview).where(ScoreReview.id == review_id).with_for_update()
    ).scalar_one_or_none()
    if review is None:
        raise ReviewNotFound
    if review.status != ReviewStatus.OPEN.value:
        raise ReviewClosed
    note = (note or "").strip()
    if not 4 <= len(note) <= 2000:  # noqa: PLR2004
        raise ReviewInputInvalid("note: 4 to 2000 characters", field="note")
    if outcome is ReviewOutcome.RECOMPUTED:
        compute(session, [review.subject_id], settings=settings, now=now)
    opened = view(session, review)
    review.sealed, review.key_id = seal(
        keyring_of(session), REVIEW_TABLE, review.id, {"reason": opened.reason, "note": note}
    )
    review.status, review.outcome = ReviewStatus.DECIDED.value, outcome.value
    review.decided_at, review.decided_by = now, actor.name
    session.flush()
    audit.record(
        session, "scoring:review:decide", actor=actor, object_type=REVIEW_TABLE,
        object_id=review.id, subject_id=review.subject_id, data={"outcome": outcome.value},
    )  # fmt: skip
    return review
