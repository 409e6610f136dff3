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

The jobs run a recompute in chunks (``recompute_chunk``, ADR 0026): persons in subject-id order
after a cursor, each chunk its own transaction with the cursor; the watermark moves to the run's
start only when its last chunk is done.
"""

from __future__ import annotations

import functools
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol, cast

from sqlalchemy import ColumnElement, Select, Table, and_, func, insert, or_, select, union
from sqlalchemy.orm import Session

from chengxin import casework, events, workdays
from chengxin.audit import service as audit
from chengxin.catalog import service as catalog_service
from chengxin.catalog.schema import CatalogDocument
from chengxin.db import utcnow
from chengxin.identity import resolve
from chengxin.identity.models import Subject
from chengxin.jobs import service as jobs_service
from chengxin.keys import keyring_of
from chengxin.keys.sealed import seal, unseal
from chengxin.lists.models import ListEntry, ListEntryEvent
from chengxin.objections.models import Objection
from chengxin.records.models import CreditRecord, RecordEvent, RecordStatus
from chengxin.records.visibility import AudienceKind, shareable_kinds
from chengxin.scoring import columnar, engine, rules, sources
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
from chengxin.scoring.events import SCORES_CHANGED, ScoresChanged
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
from chengxin.workdays.days import day_of

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
    return compiled_of(row) if row is not None else _shipped()


@functools.cache
def _shipped() -> rules.Compiled:
    """The shipped ruleset compiled, parsed once per process (each chunk of a run asks)."""
    return _compile(rules.shipped())


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
        id=uuid.uuid4(),
        version=ruleset.version,
        name=ruleset.name,
        content=ruleset.model_dump(mode="json"),
        source=source,
        digest=rules.digest(ruleset),
        status=RulesetStatus.DRAFT.value,
        created_at=now,
        created_by=actor.name,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        "scoring:ruleset:upload",
        actor=actor,
        object_type="scoring_ruleset",
        object_id=row.id,
        data={"version": row.version, "digest": row.digest},
    )
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
        session,
        "scoring:ruleset:activate",
        actor=actor,
        object_type="scoring_ruleset",
        object_id=row.id,
        data={"version": row.version, "retired": previous.version if previous else None},
    )
    jobs_service.enqueue(
        session,
        FULL_JOB,
        {"reason": f"ruleset {row.version} activated"},
        idempotency_key=f"scoring-full:{row.version}",
        now=now,
    )
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
    state (``scoring.sources``: the one rule of what is displayed, listed and in dispute): records
    displayed and shared with government, not basic, not in dispute (unless
    ``scoring_exclude_disputed`` is off); own memberships only (R8.4 linkage is not a person's
    own conduct)."""
    found: Inputs = {sid: ([], []) for sid in subject_ids}
    if not subject_ids:
        return found
    shared = shareable_kinds(document, AudienceKind.GOVERNMENT)
    kinds = {k.code: k for k in document.kinds if k.code in shared}
    for subject_id, state in sources.states(session, subject_ids, at=now).items():
        records, lists = found[subject_id]
        excluded = set(state.disputed) if settings.scoring_exclude_disputed else set()
        for r in state.records:
            kind = kinds.get(r.kind_code)
            if kind is None or r.category == "basic" or r.id in excluded:
                continue
            records.append(
                (str(r.id), r.kind_code, kind.domain, r.category, r.severity, r.finding_on)
            )
        lists.extend(
            (str(m.entry_id), m.list_type, m.kind)
            for m in state.memberships
            if m.via_organization is None
        )
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
    rows = (
        session.connection()
        .execute(
            select(
                SubjectScore.subject_id,
                SubjectScore.ruleset_version,
                SubjectScore.score,
                SubjectScore.grade,
                SubjectScore.lines,
            ).join(
                newest,
                and_(
                    SubjectScore.subject_id == newest.c.subject_id,
                    SubjectScore.computed_at == newest.c.at,
                ),
            )
        )
        .all()
    )
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
        rows.append(
            {
                "id": uuid.uuid4(),
                "subject_id": subject_id,
                "ruleset_version": result.ruleset_version,
                "score": result.total,
                "grade": result.grade,
                "lines": lines,
                "computed_at": written_at,
                "valid_from": now,
            }
        )
    if rows:
        session.connection().execute(insert(SCORE_TABLE), rows)  # executemany
        changed = tuple(cast("uuid.UUID", r["subject_id"]) for r in rows)
        events.publish(session, SCORES_CHANGED, ScoresChanged(changed))  # their credit states
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
            session,
            document,
            compiled,
            ids[start : start + size],
            now=now,
            written_at=written_at,
            settings=settings,
        )
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


def _set_mark(
    session: Session, heads: tuple[int, int], now: datetime, version: str, catalog: str | None
) -> None:
    mark = session.get(ScoringMark, MARK)
    if mark is None:
        mark = ScoringMark(name=MARK)
        session.add(mark)
    mark.record_seq, mark.list_seq = heads
    mark.through_on, mark.run_at, mark.ruleset_version = day_of(now), now, version
    mark.catalog_version = catalog
    session.flush()


def _shift(day: date, years: int) -> date:
    """The same calendar day ``years`` earlier (28 February for 29 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


@dataclass(frozen=True)
class Since:
    """The watermark an incremental run reads from (a ``scoring_mark`` row, or its copy in a
    run's progress)."""

    record_seq: int
    list_seq: int
    through_on: date
    run_at: datetime

    @classmethod
    def of(cls, mark: ScoringMark) -> Since:
        return cls(mark.record_seq, mark.list_seq, mark.through_on, mark.run_at)

    def saved(self) -> dict[str, Any]:
        return {
            "record_seq": self.record_seq,
            "list_seq": self.list_seq,
            "through_on": self.through_on.isoformat(),
            "run_at": self.run_at.isoformat(),
        }

    @classmethod
    def load(cls, saved: dict[str, Any]) -> Since:
        return cls(
            int(saved["record_seq"]),
            int(saved["list_seq"]),
            date.fromisoformat(saved["through_on"]),
            datetime.fromisoformat(saved["run_at"]),
        )


def _change_sources(
    since: Since | ScoringMark,
    compiled: rules.Compiled,
    now: datetime,
    after: uuid.UUID | None = None,
) -> list[Select[Any]]:
    """One query per kind of change since the watermark, each giving subject ids (after
    ``after`` when given): feed events, list terms ended, persons registered, objections filed or
    decided, display windows opened or ended and finding anniversaries passed."""
    today = day_of(now)

    def past(query: Select[Any], column: Any) -> Select[Any]:
        return query if after is None else query.where(column > after)

    sources = [
        past(
            select(RecordEvent.subject_id.label("subject_id")).where(
                RecordEvent.seq > since.record_seq
            ),
            RecordEvent.subject_id,
        ),
        past(
            select(ListEntryEvent.subject_id.label("subject_id")).where(
                ListEntryEvent.seq > since.list_seq
            ),
            ListEntryEvent.subject_id,
        ),
        past(
            select(ListEntry.subject_id.label("subject_id")).where(
                ListEntry.term_ends_at > since.run_at, ListEntry.term_ends_at <= now
            ),
            ListEntry.subject_id,
        ),
        past(
            select(Subject.id.label("subject_id")).where(Subject.created_at > since.run_at),
            Subject.id,
        ),
        past(
            select(Objection.subject_id.label("subject_id")).where(
                or_(Objection.filed_at > since.run_at, Objection.decided_at > since.run_at)
            ),
            Objection.subject_id,
        ),
    ]
    if today > since.through_on:
        day = since.through_on
        windows = [
            and_(CreditRecord.display_from_on > day, CreditRecord.display_from_on <= today),
            and_(CreditRecord.display_until_on > day, CreditRecord.display_until_on <= today),
        ]
        windows.extend(
            and_(
                CreditRecord.finding_on > _shift(day, k),
                CreditRecord.finding_on <= _shift(today, k),
            )
            for k in range(1, engine.boundary_years(compiled) + 1)
        )
        sources.append(
            past(
                select(CreditRecord.subject_id.label("subject_id")).where(
                    CreditRecord.status == RecordStatus.ACTIVE, or_(*windows)
                ),
                CreditRecord.subject_id,
            )
        )
    return sources


def changed_subjects(
    session: Session, mark: ScoringMark | Since, compiled: rules.Compiled, now: datetime
) -> set[uuid.UUID]:
    """Subjects whose score may have changed since the mark (or who were registered since)."""
    found: set[uuid.UUID] = set()
    for source in _change_sources(mark, compiled, now):
        found.update(s for s in session.execute(source).scalars() if s is not None)
    return found


def _changed_after(
    session: Session,
    since: Since,
    compiled: rules.Compiled,
    now: datetime,
    *,
    after: uuid.UUID | None,
    limit: int,
) -> list[uuid.UUID]:
    """The next ``limit`` subject ids with changes since the watermark, in id order after
    ``after`` (the sources are read past the cursor each time: nothing is kept between chunks
    but the cursor)."""
    changed = union(*_change_sources(since, compiled, now, after)).subquery()
    return list(
        session.execute(
            select(changed.c.subject_id)
            .where(changed.c.subject_id.is_not(None))
            .order_by(changed.c.subject_id)
            .limit(limit)
        ).scalars()
    )


def _population_after(session: Session, after: uuid.UUID | None, limit: int) -> list[uuid.UUID]:
    query = select(Subject.id).order_by(Subject.id).limit(limit)
    if after is not None:
        query = query.where(Subject.id > after)
    return list(session.execute(query).scalars())


def _next_persons(
    session: Session,
    since: Since | None,
    compiled: rules.Compiled,
    at: datetime,
    *,
    after: uuid.UUID | None,
    limit: int,
) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
    """The run's next ``limit`` subject ids after the cursor (everyone when ``since`` is None,
    else those with changes since it), and those of them still registered (to score)."""
    if since is None:
        ids = _population_after(session, after, limit)
        return ids, ids
    ids = _changed_after(session, since, compiled, at, after=after, limit=limit)
    if not ids:
        return ids, ids
    known = set(session.execute(select(Subject.id).where(Subject.id.in_(ids))).scalars())
    return ids, [s for s in ids if s in known]


# -- recompute runs (ADR 0026: in chunks, each its own transaction) ------------------------------

FULL = "full"
INCREMENTAL = "incremental"
# Persons scored per batch inside a chunk (one columnar pass each: a batch costs a fixed
# ~10-20 ms plus ~20-60 µs a person); the clock is read between batches.
CHUNK_GROUP = 1000


@dataclass(frozen=True)
class Chunk:
    """What one chunk of a recompute run did: the run's ``progress`` after it (saved with its
    writes), the run's totals so far, and the run's ``result`` once it is over (None: more
    chunks to come)."""

    progress: dict[str, Any]
    totals: Computed
    result: dict[str, Any] | None

    @property
    def done(self) -> bool:
        return self.result is not None


def _begin_run(
    session: Session, mode: str, compiled: rules.Compiled, now: datetime
) -> dict[str, Any]:
    """The progress of a run at its first chunk: its kind (an incremental run with no watermark,
    or one for another ruleset or catalog version, is a full one: a kind's sharing level, category
    or period may have changed for everyone), its moment, its ruleset and catalog, the change
    feeds' heads and the watermark it reads from, all frozen for the run's later chunks and
    retries."""
    mark = session.get(ScoringMark, MARK)
    active = catalog_service.get_active(session)
    catalog = active.version if active is not None else None
    if mode == INCREMENTAL and (
        mark is None or mark.ruleset_version != compiled.version or mark.catalog_version != catalog
    ):
        mode = FULL
    record_seq, list_seq = _feed_heads(session)
    progress: dict[str, Any] = {
        "mode": mode,
        "at": now.isoformat(),
        "ruleset_version": compiled.version,
        "catalog_version": catalog,
        "record_seq": record_seq,
        "list_seq": list_seq,
        "after": None,
        "computed": 0,
        "changed": 0,
        "chunks": 0,
        # Persons taken so far of how many (``chengxin jobs list`` shows it); an incremental
        # run learns who changed chunk by chunk, so it has no total.
        "done": 0,
        "total": _population_count(session) if mode == FULL else None,
    }
    if mode == INCREMENTAL:
        assert mark is not None  # noqa: S101  # an incremental run has a watermark
        progress["since"] = Since.of(mark).saved()
    return progress


def _population_count(session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(Subject)).scalar_one())


def _score_chunk(
    session: Session,
    progress: dict[str, Any],
    compiled: rules.Compiled,
    *,
    settings: Settings,
    limit: int | None,
    seconds: float | None,
) -> bool:
    """Score the run's next persons after its cursor within the bounds, moving the cursor and
    the counts in ``progress``; True when no one is left."""
    at = datetime.fromisoformat(progress["at"])
    _, document = catalog_service.active_document(session)
    since = Since.load(progress["since"]) if progress["mode"] == INCREMENTAL else None
    after = uuid.UUID(progress["after"]) if progress["after"] else None
    computed, changed = int(progress["computed"]), int(progress["changed"])
    group = settings.scoring_batch_subjects
    if seconds is not None:
        group = min(group, CHUNK_GROUP)
    started, taken, finished = time.monotonic(), 0, False
    while limit is None or taken < limit:
        if seconds is not None and taken and time.monotonic() - started >= seconds:
            break
        size = group if limit is None else min(group, limit - taken)
        ids, scored = _next_persons(session, since, compiled, at, after=after, limit=size)
        if scored:
            changed += columnar.score_batch(
                session,
                document,
                compiled,
                scored,
                now=at,
                written_at=utcnow(),
                settings=settings,
                whole_span=since is None,
            )
            computed += len(scored)
        taken += len(ids)
        if ids:
            after = ids[-1]
        if len(ids) < size:
            finished = True
            break
    progress.update(
        after=str(after) if after else None,
        computed=computed,
        changed=changed,
        done=int(progress.get("done", 0)) + taken,
    )
    return finished


def recompute_chunk(
    session: Session,
    progress: dict[str, Any],
    *,
    mode: str,
    settings: Settings,
    actor: Actor,
    now: datetime | None = None,
    limit: int | None = None,
    seconds: float | None = None,
) -> Chunk:
    """One chunk of a recompute run (``mode`` ``full``: everyone; ``incremental``: the subjects
    with changes since the watermark): the next persons in subject-id order after the run's
    cursor, at most ``limit`` of them and no more batches after ``seconds`` (None: no bound),
    scored as of the run's moment, their changed scores written (and their credit states
    touched) in the caller's transaction, which saves the returned progress with them. A retry
    from the saved progress continues after the cursor, so nobody is scored twice in a run.

    The first chunk (``progress`` empty) freezes the run's moment (``now``), ruleset and the
    change feeds' heads; the watermark moves to them only in the last chunk, so whatever
    changed while the run went on is read by the next incremental run. A run whose ruleset was
    replaced meanwhile stops without moving the watermark (the activation queued a full run)."""
    if not progress:
        if catalog_service.get_active(session) is None:  # a fresh platform: nothing to score
            result = {"mode": FULL, "computed": 0, "changed": 0, "chunks": 0}
            return Chunk(
                {"mode": FULL, "computed": 0, "changed": 0, "chunks": 0}, Computed(0, 0), result
            )
        progress = _begin_run(session, mode, active_rules(session), now or utcnow())
    progress = dict(progress)
    run_mode, at = progress["mode"], datetime.fromisoformat(progress["at"])
    version = progress["ruleset_version"]
    compiled = active_rules(session)
    computed, changed = int(progress["computed"]), int(progress["changed"])
    progress["chunks"] = chunks = int(progress["chunks"]) + 1
    if compiled.version != version:
        result = {
            "mode": run_mode,
            "computed": computed,
            "changed": changed,
            "chunks": chunks,
            "superseded_by": compiled.version,
        }
        return Chunk(progress, Computed(computed, changed), result)
    finished = _score_chunk(
        session, progress, compiled, settings=settings, limit=limit, seconds=seconds
    )
    computed, changed = int(progress["computed"]), int(progress["changed"])
    if not finished:
        return Chunk(progress, Computed(computed, changed), None)
    heads = (int(progress["record_seq"]), int(progress["list_seq"]))
    _set_mark(session, heads, at, version, progress.get("catalog_version"))
    audit.record(
        session,
        "scoring:score:recompute",
        actor=actor,
        object_type="subject_score",
        data={
            "mode": run_mode,
            "computed": computed,
            "changed": changed,
            "ruleset_version": version,
            "chunks": chunks,
        },
    )
    result = {"mode": run_mode, "computed": computed, "changed": changed, "chunks": chunks}
    return Chunk(progress, Computed(computed, changed), result)


def _one_shot(
    session: Session, mode: str, *, settings: Settings, actor: Actor, now: datetime | None
) -> Computed:
    return recompute_chunk(session, {}, mode=mode, settings=settings, actor=actor, now=now).totals


def recompute_full(
    session: Session, *, settings: Settings, actor: Actor, now: datetime | None = None
) -> Computed:
    """Score the whole population in the caller's transaction (one run in one chunk); the
    incremental watermark moves to this run. The jobs run it in chunks (``recompute_chunk``)."""
    return _one_shot(session, FULL, settings=settings, actor=actor, now=now)


def recompute_incremental(
    session: Session, *, settings: Settings, actor: Actor, now: datetime | None = None
) -> Computed:
    """Score the subjects with changes since the watermark (everyone on the first run or after
    the ruleset changed), in the caller's transaction."""
    return _one_shot(session, INCREMENTAL, settings=settings, actor=actor, now=now)


class UnitsOfWork(Protocol):
    """What a run in chunks needs of the process: its settings and a unit of work per chunk
    (``chengxin.runtime.Runtime`` has both)."""

    @property
    def settings(self) -> Settings: ...
    def scope(self) -> AbstractContextManager[Session]: ...


def recompute_in_chunks(
    runtime: UnitsOfWork,
    mode: str,
    *,
    actor: Actor,
    now: datetime | None = None,
    limit: int | None = None,
    seconds: float | None = None,
    pause: float | None = None,
) -> tuple[Computed, list[float]]:
    """A whole run in chunks, each in a unit of work of its own (the jobs' bounds by default),
    for one-off runs outside the queue (benchmarks, an operator's shell). Returns the totals and
    each chunk's seconds (how long it held its transaction). Not resumable: the job is."""
    settings = runtime.settings
    limit = settings.jobs_chunk_rows if limit is None else limit
    seconds = settings.jobs_chunk_seconds if seconds is None else seconds
    pause = settings.jobs_chunk_pause_seconds if pause is None else pause
    now = now or utcnow()
    progress: dict[str, Any] = {}
    held: list[float] = []
    while True:
        started = time.perf_counter()
        with runtime.scope() as session:
            chunk = recompute_chunk(
                session,
                progress,
                mode=mode,
                settings=settings,
                actor=actor,
                now=now,
                limit=limit,
                seconds=seconds,
            )
        held.append(time.perf_counter() - started)
        if chunk.done:
            return chunk.totals, held
        progress = chunk.progress
        if pause:
            time.sleep(pause)


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
    subject_id = resolve.subject_of(session, id_number, name)
    if as_of is None:
        found: SubjectScore | None = current(session, subject_id, settings=settings)
    else:
        found = score_as_of(session, subject_id, as_of)
    if found is None:
        raise ScoreNotFound
    audit.record_access(
        session,
        "scoring:score:read",
        actor=actor,
        object_type="subject_score",
        object_id=found.id,
        subject_id=subject_id,
        data={"as_of": as_of.isoformat() if as_of else None},
    )
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
    due = casework.deadlines(
        now,
        settings.scoring_review_days,
        remind_days_before=0,
        calendar=workdays.calendar_of(session),
    )
    review_id = uuid.uuid4()
    sealed, key_id = seal(keyring_of(session), REVIEW_TABLE, review_id, {"reason": reason})
    review = ScoreReview(
        id=review_id,
        reference=casework.reference("PF", now),
        subject_id=subject_id,
        score_id=score.id,
        ruleset_version=score.ruleset_version,
        score=score.score,
        grade=score.grade,
        status=ReviewStatus.OPEN.value,
        sealed=sealed,
        key_id=key_id,
        requested_at=now,
        due_at=due.due_at,
    )
    session.add(review)
    session.flush()
    audit.record(
        session,
        "scoring:review:request",
        actor=actor,
        object_type=REVIEW_TABLE,
        object_id=review.id,
        subject_id=subject_id,
        data={"score_id": str(score.id)},
    )
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
        session,
        "scoring:review:decide",
        actor=actor,
        object_type=REVIEW_TABLE,
        object_id=review.id,
        subject_id=review.subject_id,
        data={"outcome": outcome.value},
    )
    return review
