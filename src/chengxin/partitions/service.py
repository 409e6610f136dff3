"""Keeping the big tables' partitions ahead of their rows (PostgreSQL; ADR 0035).

``credit_record`` is partitioned by hash of ``subject_id``: its partitions are fixed at migration
0024 and only checked here. ``record_event`` and ``audit_entry`` are partitioned by ranges of
``seq`` (the feed's cursor, the Merkle leaf index): :func:`maintain`, run by the job
``partitions.maintain``, keeps ``AHEAD`` empty ranges beyond the one the table's counter is in. A
row beyond the last range still lands, in the table's DEFAULT partition; the next run creates the
ranges it belongs to and moves it there, so the DEFAULT partition is empty between runs.

Partitions live in the schema ``partitions``, out of the application's sight (the models, Alembic
and the queries name only the parent tables). On SQLite, tables are not partitioned and
:func:`maintain` does nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import structlog
from sqlalchemy import text
from sqlalchemy.orm import Session

log = structlog.get_logger(__name__)

SCHEMA = "partitions"
SEQ_SIZE = 1_000_000  # seq values per range partition
AHEAD = 4  # empty ranges kept beyond the one the counter is in
# Waiting longer for a lock than this would hold up the writers queued behind the job's DDL; the
# job fails and the queue runs it again later.
LOCK_TIMEOUT = "5s"
# One maintainer at a time (two would both find the same range missing).
_LOCK_KEY = 0x5041_5254  # "PART"


@dataclass(frozen=True)
class RangeTable:
    """A table partitioned by ranges of ``seq``, and how to read the highest seq handed out."""

    name: str
    counter: str  # SQL returning one integer
    size: int = SEQ_SIZE
    ahead: int = AHEAD


@dataclass(frozen=True)
class HashTable:
    """A table partitioned by hash of its distribution key, into ``modulus`` partitions."""

    name: str
    modulus: int


RANGE_TABLES = (
    RangeTable(
        "record_event",
        "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM record_event_seq_seq",
    ),
    # Audit seqs are handed out by the head row (audit.service), not by the column's sequence.
    RangeTable("audit_entry", "SELECT coalesce(max(seq), 0) FROM audit_head"),
)
HASH_TABLES = (HashTable("credit_record", 16),)


@dataclass(frozen=True)
class Partition:
    """One partition as the catalog describes it."""

    name: str  # schema-qualified
    is_default: bool = False
    low: int | None = None  # range partitions: FROM low TO high
    high: int | None = None
    modulus: int | None = None  # hash partitions
    remainder: int | None = None


@dataclass
class Maintained:
    """What a run did: partitions created (qualified names) and rows moved out of DEFAULT."""

    created: list[str] = field(default_factory=list)
    moved: int = 0


_RANGE = re.compile(r"FROM \('?(-?\d+)'?\) TO \('?(-?\d+)'?\)")
_HASH = re.compile(r"modulus (\d+), remainder (\d+)", re.IGNORECASE)


def partitions_of(session: Session, table: str) -> list[Partition]:
    """The partitions of a partitioned table, by their bounds (empty for a plain table)."""
    rows = session.execute(
        text(
            "SELECT format('%I.%I', n.nspname, c.relname), pg_get_expr(c.relpartbound, c.oid) "
            "FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE i.inhparent = CAST(:table AS regclass) ORDER BY c.relname"
        ),
        {"table": table},
    ).all()
    found = []
    for name, bound in rows:
        if bound == "DEFAULT":
            found.append(Partition(name, is_default=True))
        elif match := _RANGE.search(bound):
            found.append(Partition(name, low=int(match[1]), high=int(match[2])))
        elif match := _HASH.search(bound):
            found.append(Partition(name, modulus=int(match[1]), remainder=int(match[2])))
        else:  # MINVALUE / MAXVALUE bounds: none of ours; counted as covering nothing
            found.append(Partition(name))
    return found


def maintain(session: Session) -> Maintained:
    """Create the missing partitions of the big tables and empty their DEFAULT partitions."""
    done = Maintained()
    if session.get_bind().dialect.name != "postgresql":
        return done
    session.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
    for hashed in HASH_TABLES:
        _maintain_hash(session, hashed, done)
    for ranged in RANGE_TABLES:
        _maintain_range(session, ranged, done)
    if done.created or done.moved:
        log.info("partitions_maintained", created=done.created, moved=done.moved)
    return done


def _maintain_hash(session: Session, table: HashTable, done: Maintained) -> None:
    parts = partitions_of(session, table.name)
    if not parts:  # not partitioned (a database before migration 0024)
        return
    if any(p.modulus != table.modulus for p in parts):
        # Re-partitioned by hand (another modulus): not ours to complete.
        log.warning("partitions_modulus_differs", table=table.name, expected=table.modulus)
        return
    held = {p.remainder for p in parts}
    for remainder in range(table.modulus):
        if remainder not in held:
            name = f"{SCHEMA}.{table.name}_h{remainder:02d}"
            bound = f"FOR VALUES WITH (MODULUS {table.modulus}, REMAINDER {remainder})"
            _attach(session, table.name, name, bound)
            done.created.append(name)


def _maintain_range(session: Session, table: RangeTable, done: Maintained) -> None:
    parts = partitions_of(session, table.name)
    if not parts:
        return
    default = next((p.name for p in parts if p.is_default), None)
    taken = sorted((p.low, p.high) for p in parts if p.low is not None and p.high is not None)
    head = int(session.execute(text(table.counter)).scalar_one() or 0)
    first = head // table.size
    wanted = set(range(first, first + table.ahead + 1))
    stray: set[int] = set()
    if default is not None:
        # Ranges of the rows that arrived beyond the last partition (or in a gap).
        stray = set(
            session.execute(
                text(f"SELECT DISTINCT seq / :size FROM {default}"),  # noqa: S608  # catalog name
                {"size": table.size},
            ).scalars()
        )
    missing: list[tuple[str, int, int]] = []
    for index in sorted(wanted | stray):
        window = (index * table.size, (index + 1) * table.size)
        for low, high in _gaps(window, taken):
            suffix = f"s{index:06d}" if (low, high) == window else f"r{low}_{high}"
            missing.append((f"{SCHEMA}.{table.name}_{suffix}", low, high))
    if not missing:
        return
    if stray and default is not None:
        done.moved += _drain(session, table.name, default, missing)
    else:
        for name, low, high in missing:
            _attach(session, table.name, name, f"FOR VALUES FROM ({low}) TO ({high})")
    done.created.extend(name for name, _, _ in missing)


def _gaps(window: tuple[int, int], taken: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The parts of ``window`` no existing range covers (``taken`` sorted by its low bound)."""
    gaps, cursor = [], window[0]
    for low, high in taken:
        if high <= cursor or low >= window[1]:
            continue
        if low > cursor:
            gaps.append((cursor, low))
        cursor = max(cursor, high)
    if cursor < window[1]:
        gaps.append((cursor, window[1]))
    return gaps


def _attach(session: Session, parent: str, name: str, bound: str) -> None:
    """A new empty partition, made apart and attached: ATTACH takes only a SHARE UPDATE
    EXCLUSIVE lock on the parent (CREATE TABLE ... PARTITION OF would take an ACCESS EXCLUSIVE
    one), so reads and writes of the other partitions go on meanwhile."""
    session.execute(
        text(f"CREATE TABLE {name} (LIKE {parent} INCLUDING DEFAULTS INCLUDING STORAGE)")
    )
    session.execute(text(f"ALTER TABLE {parent} ATTACH PARTITION {name} {bound}"))


def _drain(session: Session, parent: str, default: str, missing: list[tuple[str, int, int]]) -> int:
    """Create the missing ranges while the DEFAULT partition holds rows that belong in them.

    PostgreSQL refuses to add a range whose rows sit in the DEFAULT partition, and no row is
    deleted here (``audit_entry`` is append-only, and its trigger says so): the DEFAULT partition
    is detached, a new empty one takes its place, the ranges are created, its rows go back in
    through the parent (each to its range) and the old table is dropped, in one transaction. The
    parent is locked meanwhile; the DEFAULT partition only holds what arrived since the last run.
    """
    drained = f"{default}_drained"
    session.execute(text(f"ALTER TABLE {parent} DETACH PARTITION {default}"))
    session.execute(text(f"ALTER TABLE {default} RENAME TO {drained.rsplit('.', 1)[1]}"))
    session.execute(text(f"CREATE TABLE {default} PARTITION OF {parent} DEFAULT"))
    for name, low, high in missing:
        session.execute(
            text(f"CREATE TABLE {name} PARTITION OF {parent} FOR VALUES FROM ({low}) TO ({high})")
        )
    moved = session.execute(text(f"SELECT count(*) FROM {drained}")).scalar_one()  # noqa: S608  # catalog name
    session.execute(text(f"INSERT INTO {parent} SELECT * FROM {drained}"))  # noqa: S608  # catalog names
    session.execute(text(f"DROP TABLE {drained}"))
    return int(moved)
