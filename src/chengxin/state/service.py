"""The stored credit state: kept current in the transaction of every event that changes it.

**Writes.** Every unit of work that changes a person's facts — a record version or its status, a
list entry's step, an objection filed or decided, a grade, a role in an organization — marks the
person *touched*: ORM changes are noticed at flush (``note_flushed``); bulk Core writes
(ingestion chunks) call ``touch``, and new scores are told by scoring's ``SCORES_CHANGED``
(``state.hooks``). Just before the transaction commits, the touched persons' states are
recomputed from their facts (``rule.state_of``) and upserted in that same transaction
(``refresh_touched``): the event and its effect on the state commit together or not
at all. An organization's entry touches the persons holding a role in it.

**Time.** A state holds from ``as_of`` until ``next_change_at``; ``sweep`` recomputes the rows
whose moment has come (the job ``state.sweep``). Readers never trust a row outside its span:
``states`` recomputes such persons from their facts on the fly (read-only), so a reader is right
even between sweeps, and so is a reader asking about another moment.

**Rebuild.** ``rebuild`` recomputes every person with facts or a row, and with ``check`` only
reports the rows that differ from the rule (``chengxin state rebuild --check``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    BindParameter,
    Table,
    Uuid,
    bindparam,
    delete,
    func,
    select,
    type_coerce,
    union,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.orm.session import SessionTransaction

from chengxin.db import utcnow
from chengxin.lists.models import ListEntry
from chengxin.objections.models import Objection
from chengxin.organizations.models import OrganizationRole
from chengxin.records.models import CreditRecord
from chengxin.scoring.models import SubjectScore
from chengxin.state import facts as state_facts
from chengxin.state.models import CreditStateRow
from chengxin.state.rule import EMPTY, CreditState, decode, encode, state_of

TABLE = cast("Table", CreditStateRow.__table__)
CHUNK = 1000
_TOUCHED = "credit_state_touched"  # session.info: person ids whose facts changed
_ORGS = "credit_state_orgs"  # session.info: organizations whose entries changed


def _ids() -> BindParameter[Any]:
    """The persons' keys, typed (a shared untyped parameter would take the type of whichever
    column met it first, and a foreign key's type may not be resolved yet at import)."""
    return bindparam("ids", expanding=True, type_=Uuid())


_READ = select(
    CreditStateRow.subject_id,
    CreditStateRow.state,
    CreditStateRow.as_of,
    CreditStateRow.next_change_at,
).where(CreditStateRow.subject_id.in_(_ids()))
_HOLDERS = select(type_coerce(OrganizationRole.subject_id, Uuid())).where(
    OrganizationRole.organization_id.in_(_ids())
)


# -- noticing changes ---------------------------------------------------------------------------


def touch(session: Session, subject_ids: Iterable[uuid.UUID | str]) -> None:
    """Mark persons whose facts a bulk (Core) write changed: their state is recomputed before
    the transaction commits."""
    touched: set[uuid.UUID] = session.info.setdefault(_TOUCHED, set())
    touched.update(s if isinstance(s, uuid.UUID) else uuid.UUID(s) for s in subject_ids)


def _subjects_of(obj: object) -> tuple[uuid.UUID | None, uuid.UUID | None]:
    """(person, organization) a changed object bears on."""
    if isinstance(obj, (CreditRecord, Objection, SubjectScore, OrganizationRole)):
        return obj.subject_id, None
    if isinstance(obj, ListEntry):
        return obj.subject_id, obj.organization_id
    return None, None


def note_flushed(session: Session, _flush_context: Any, _instances: Any) -> None:
    """Before a flush: mark the persons (and organizations) its ORM changes bear on."""
    changed = (*session.new, *session.dirty, *session.deleted)
    for obj in changed:
        person, organization = _subjects_of(obj)
        if person is not None:
            session.info.setdefault(_TOUCHED, set()).add(person)
        if organization is not None:
            session.info.setdefault(_ORGS, set()).add(organization)


def refresh_touched(session: Session) -> None:
    """Before a commit: bring the touched persons' states up to date inside the committing
    transaction."""
    session.flush()  # the commit flushes anyway: pending changes are noticed by note_flushed first
    if not (session.info.get(_TOUCHED) or session.info.get(_ORGS)):
        return
    for _ in range(10):  # our own writes are Core: they touch nothing; one round normally
        touched: set[uuid.UUID] = session.info.pop(_TOUCHED, set())
        orgs: set[uuid.UUID] = session.info.pop(_ORGS, set())
        if orgs:
            connection = session.connection()
            touched.update(connection.execute(_HOLDERS, {"ids": sorted(orgs)}).scalars())
        if not touched:
            return
        refresh(session, touched)
        session.flush()


def forget_touched(session: Session, transaction: SessionTransaction) -> None:
    """After the outermost transaction ends: nothing stays marked for the next one."""
    if transaction.parent is None:  # the outermost transaction ended (commit or rollback)
        session.info.pop(_TOUCHED, None)
        session.info.pop(_ORGS, None)


# The Session events that keep the state, attached by ``state.hooks.install()`` (ADR 0038).
LISTENERS = (
    ("before_flush", note_flushed),
    ("before_commit", refresh_touched),
    ("after_transaction_end", forget_touched),
)


# -- writing ------------------------------------------------------------------------------------


def _upsert(session: Session, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(TABLE)
    statement = statement.on_conflict_do_update(
        index_elements=[TABLE.c.subject_id],
        set_={
            "state": statement.excluded.state,
            "as_of": statement.excluded.as_of,
            "next_change_at": statement.excluded.next_change_at,
        },
    )
    session.connection().execute(statement, rows)


def refresh(
    session: Session, subject_ids: Iterable[uuid.UUID], *, now: datetime | None = None
) -> int:
    """Recompute and store these persons' states (now, or at ``now``); persons with no facts
    lose their row. Returns how many rows were written."""
    now = now or utcnow()
    ids = sorted(set(subject_ids), key=lambda u: u.bytes)
    written = 0
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        loaded = state_facts.load(session, chunk)
        rows, gone = [], []
        for sid in chunk:
            facts = loaded[sid]
            if facts.empty:
                gone.append(sid)
                continue
            state = state_of(facts, now)
            rows.append(
                {
                    "subject_id": sid,
                    "state": encode(state),
                    "as_of": now,
                    "next_change_at": state.next_change_at,
                }
            )
        _upsert(session, rows)
        if gone:
            session.connection().execute(delete(TABLE).where(TABLE.c.subject_id.in_(gone)))
        written += len(rows)
    return written


# -- reading ------------------------------------------------------------------------------------


def states(
    session: Session, subject_ids: Sequence[uuid.UUID], *, at: datetime | None = None
) -> dict[uuid.UUID, CreditState]:
    """Each person's credit state at ``at`` (now when None): the stored row where it holds at
    that moment, else the rule applied to the facts on the fly (nothing is written)."""
    ids = list(dict.fromkeys(subject_ids))
    stored: dict[uuid.UUID, tuple[Any, ...]] = {}
    connection = session.connection()
    for start in range(0, len(ids), CHUNK):
        for sid, *rest in connection.execute(_READ, {"ids": ids[start : start + CHUNK]}):
            stored[sid] = tuple(rest)
    return from_rows(session, ids, stored, at=at)


def from_rows(
    session: Session,
    subject_ids: Sequence[uuid.UUID],
    stored: dict[uuid.UUID, tuple[Any, ...]],
    *,
    at: datetime | None = None,
) -> dict[uuid.UUID, CreditState]:
    """``states`` from rows a reader already fetched (``subject_id → (state, as_of,
    next_change_at)``; the check reads them beside the registry row): a row outside its span
    ``[as_of, next_change_at)`` is recomputed from the facts."""
    at = at or utcnow()
    found: dict[uuid.UUID, CreditState] = {}
    stale: list[uuid.UUID] = []
    for sid in subject_ids:
        row = stored.get(sid)
        if row is None:
            continue
        text, as_of, next_change_at = row
        if as_of <= at and (next_change_at is None or at < next_change_at):
            found[sid] = decode(text)
        else:
            stale.append(sid)
    if stale:
        for sid, facts in state_facts.load(session, stale).items():
            found[sid] = state_of(facts, at)
    return {sid: found.get(sid, EMPTY) for sid in subject_ids}


def state(session: Session, subject_id: uuid.UUID, *, at: datetime | None = None) -> CreditState:
    """One person's credit state (see ``states``)."""
    return states(session, [subject_id], at=at)[subject_id]


# -- time and rebuild ---------------------------------------------------------------------------


def sweep(session: Session, *, now: datetime | None = None, limit: int = 10_000) -> int:
    """Recompute the rows whose next change has come (at most ``limit`` per call, oldest first);
    returns how many. A job calls it until it returns less than ``limit``."""
    now = now or utcnow()
    due = list(
        session.execute(
            select(CreditStateRow.subject_id)
            .where(CreditStateRow.next_change_at <= now)
            .order_by(CreditStateRow.next_change_at)
            .limit(limit)
        ).scalars()
    )
    refresh(session, due, now=now)
    return len(due)


def _everyone(session: Session) -> Iterator[uuid.UUID]:
    """Every person with facts or a stored row, in key order."""
    sources = union(
        select(CreditRecord.subject_id),
        select(ListEntry.subject_id).where(ListEntry.subject_id.is_not(None)),
        select(type_coerce(OrganizationRole.subject_id, Uuid())),
        select(Objection.subject_id),
        select(SubjectScore.subject_id),
        select(CreditStateRow.subject_id),
    ).subquery()
    yield from session.execute(select(sources.c[0]).order_by(sources.c[0])).scalars()


@dataclass
class RebuildReport:
    persons: int = 0
    written: int = 0
    differing: int = 0  # rows that are not what the rule gives for their moment
    missing: int = 0  # persons with facts and no row
    extra: int = 0  # rows of persons without facts
    stale: int = 0  # rows past their next change (the sweep's work, not an error)
    examples: list[str] = field(default_factory=list)  # subject ids of the first differences


def _compare(
    session: Session, chunk: list[uuid.UUID], report: RebuildReport, now: datetime
) -> None:
    loaded = state_facts.load(session, chunk)
    stored = {r[0]: r for r in session.connection().execute(_READ, {"ids": chunk})}
    for sid in chunk:
        facts, row = loaded[sid], stored.get(sid)
        problem = None
        if row is None:
            problem = None if facts.empty else "missing"
        elif facts.empty:
            problem = "extra"
        else:
            _, text, as_of, next_change_at = row
            if next_change_at is not None and next_change_at <= now:
                report.stale += 1
            if decode(text) != state_of(facts, as_of):
                problem = "differing"
        if problem is not None:
            setattr(report, problem, getattr(report, problem) + 1)
            if len(report.examples) < 10:  # noqa: PLR2004
                report.examples.append(f"{sid} {problem}")


def rebuild(
    session: Session, *, check: bool = False, now: datetime | None = None, chunk_size: int = CHUNK
) -> RebuildReport:
    """Recompute every stored state (or, with ``check``, only compare and report)."""
    now = now or utcnow()
    report = RebuildReport()
    chunk: list[uuid.UUID] = []
    for sid in _everyone(session):
        chunk.append(sid)
        if len(chunk) >= chunk_size:
            report.persons += len(chunk)
            _rebuild_chunk(session, chunk, report, now=now, check=check)
            chunk = []
    if chunk:
        report.persons += len(chunk)
        _rebuild_chunk(session, chunk, report, now=now, check=check)
    return report


def _rebuild_chunk(
    session: Session,
    chunk: list[uuid.UUID],
    report: RebuildReport,
    *,
    now: datetime,
    check: bool,
) -> None:
    _compare(session, chunk, report, now)
    if not check:
        report.written += refresh(session, chunk, now=now)


def count(session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(TABLE)).scalar_one())
