"""Automatic end of display (RULES.md §1: at the maximum, display stops automatically).

The visibility rule already hides a record from everyone but its subject from its
``display_until_on`` on, judged in SQL on the day, so nothing is shown past its time even when a
sweep is late. The sweep makes that end an explicit change: one ``expired`` ``record_event`` per
current version, in order (what the change feed to the national platform needs), and one audit
entry per sweep. It is exact at the boundary, idempotent, and cheap:

- Watermark. ``sweep_mark`` keeps the last day swept (``through_on``). A sweep at ``now`` covers
  the until-days in (watermark, today], today being the calendar day in China
  (``workdays.days.day_of``): a record until D was last shown on D-1, and the first sweep on D
  expires it. A sweep that missed days catches up; a second sweep on the same day finds nothing and
  writes nothing. The first sweep ever starts at the earliest until-day of a current version
  (one probe of the index), so every record already past its period gets its event once.
- Range. The days are read through a partial index of current versions by until-day, a chunk of
  days per ``INSERT ... SELECT`` run by the database: no row passes through Python, whatever the
  size. ``seq`` comes from the database, in until-day order.
- Late arrivals. A version can arrive with its until-day already swept (a backdated finding, a
  correction after the period). The mark also keeps the last ``record_event`` seq seen; versions
  created or corrected after it, still current, whose until-day is at or before the watermark,
  are expired by the next sweep.
- Exactness under concurrency. The sweep first locks ``record_event`` against writers
  (PostgreSQL ``SHARE ROW EXCLUSIVE``, waiting for transactions that are writing events; SQLite
  has a single writer anyway): every event at or below the seq it keeps is committed, no version
  slips between the range and the late pass, and two sweeps run one after the other. Writers of
  events wait for the sweep's transaction, so a first sweep over a large store passes ``limit``
  and runs again while ``complete`` is false.

Versions superseded or revoked before their until-day never get an ``expired`` event; a version
superseded after it keeps the one it got.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    Table,
    func,
    insert,
    literal,
    literal_column,
    select,
    text,
)
from sqlalchemy.orm import Session

from chengxin.audit import service as audit
from chengxin.db import UTCDateTime
from chengxin.records.models import CreditRecord, RecordEvent, RecordStatus, SweepMark
from chengxin.security.actor import Actor, system_actor
from chengxin.workdays.days import day_of

MARK = "records.expiry"
AUDIT_ACTION = "records:display:expire"
# Days per INSERT ... SELECT: a daily sweep is one statement; a long catch-up stays a series of
# bounded statements (and ``limit`` is checked between them).
CHUNK_DAYS = 7
# Events that bring a new version into the store (a late arrival is one of these).
NEW_VERSION_ACTIONS = ("created", "corrected")
SYSTEM = system_actor("expiry")

EVENT_TABLE = cast("Table", RecordEvent.__table__)
EVENT_COLUMNS = ("at", "action", "record_id", "subject_id", "provider_id", "kind_code", "batch_id")
# A literal, not a bound parameter: the planners match it to the partial index's predicate.
_ACTIVE: ColumnElement[str] = literal_column(f"'{RecordStatus.ACTIVE}'")


@dataclass(frozen=True)
class SweepResult:
    """What one sweep did: the until-days it covered, and the ``expired`` events it wrote
    (``late`` of them for versions that arrived after their until-day had been swept)."""

    from_on: date | None  # first until-day covered; None when no new day was covered
    through_on: date  # the watermark after the sweep
    expired: int
    late: int
    complete: bool  # the watermark reached the sweep's day (False: stopped at ``limit``)


def sweep(
    session: Session, *, now: datetime, actor: Actor | None = None, limit: int | None = None
) -> SweepResult:
    """End the display of current versions whose period is over by the day of ``now`` in China:
    an ``expired`` change event each, the watermark moved, one audit entry — in the caller's
    transaction. With ``limit`` it stops after the chunk of days that reaches that many events;
    the next sweep continues from there."""
    today = day_of(now)
    _lock_events(session)
    mark = session.execute(
        select(SweepMark)
        .where(SweepMark.name == MARK)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    seq_before = _last_seq(session)
    late = 0
    if mark is None:
        earliest = session.execute(
            select(func.min(CreditRecord.display_until_on)).where(CreditRecord.status == _ACTIVE)
        ).scalar_one()
        after = today if earliest is None else min(earliest - timedelta(days=1), today)
    else:
        after = mark.through_on
        late = _expire(session, now, _late_clause(mark.through_on, mark.seen_seq))
    expired, day = late, after
    while day < today and (limit is None or expired < limit):
        upto = min(day + timedelta(days=CHUNK_DAYS), today)
        expired += _expire(session, now, _range_clause(day, upto))
        day = upto
    if mark is not None and day == mark.through_on and not late:
        return SweepResult(None, day, 0, 0, complete=day >= today)  # nothing new: no trace
    last_seq = _last_seq(session)
    if mark is None:
        session.add(SweepMark(name=MARK, through_on=day, seen_seq=last_seq, swept_at=now))
    else:
        mark.through_on, mark.seen_seq, mark.swept_at = day, last_seq, now
    session.flush()
    result = SweepResult(
        after + timedelta(days=1) if day > after else None, day, expired, late, day >= today
    )
    # Counts and days only: the events themselves say which records (seq range).
    audit.record(
        session,
        AUDIT_ACTION,
        actor=actor or SYSTEM,
        object_type="sweep",
        object_id=MARK,
        data={
            "day": today.isoformat(),
            "from_on": result.from_on.isoformat() if result.from_on else None,
            "through_on": day.isoformat(),
            "expired": expired,
            "late": late,
            "complete": result.complete,
            "first_seq": seq_before + 1 if expired else None,
            "last_seq": last_seq if expired else None,
        },
    )
    return result


def _lock_events(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE record_event IN SHARE ROW EXCLUSIVE MODE"))


def _last_seq(session: Session) -> int:
    return int(session.execute(select(func.coalesce(func.max(RecordEvent.seq), 0))).scalar_one())


def _range_clause(after: date, upto: date) -> ColumnElement[bool]:
    return (
        (CreditRecord.status == _ACTIVE)
        & (CreditRecord.display_until_on > after)
        & (CreditRecord.display_until_on <= upto)
    )


def _late_clause(through_on: date, seen_seq: int) -> ColumnElement[bool]:
    arrived = select(RecordEvent.record_id).where(
        RecordEvent.seq > seen_seq, RecordEvent.action.in_(NEW_VERSION_ACTIONS)
    )
    return (
        (CreditRecord.status == _ACTIVE)
        & (CreditRecord.display_until_on <= through_on)
        & CreditRecord.id.in_(arrived)
    )


def _expire(session: Session, now: datetime, where: ColumnElement[bool]) -> int:
    """One ``INSERT INTO record_event ... SELECT ... FROM credit_record WHERE ...``; its count."""
    r = CreditRecord
    columns: tuple[Any, ...] = (
        literal(now, UTCDateTime()),
        literal_column("'expired'"),
        r.id,
        r.subject_id,
        r.provider_id,
        r.kind_code,
        r.batch_id,
    )
    rows = select(*columns).where(where).order_by(r.display_until_on, r.id)
    # An INSERT's rowcount is kept only when asked for (SQLAlchemy drops it on psycopg).
    statement = insert(EVENT_TABLE).from_select(EVENT_COLUMNS, rows)
    result = session.execute(statement.execution_options(preserve_rowcount=True))
    return int(cast("CursorResult[Any]", result).rowcount)
