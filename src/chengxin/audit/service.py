"""Append audit entries (same transaction as the change, or group-committed for read paths),
verify the log, and show a person the entries about them with Merkle inclusion proofs.

The log is an RFC 9162 Merkle tree: an entry's ``hash`` is its leaf hash, tiles hold the
perfect subtrees (``audit.tree``), signed tree heads commit to roots.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, TypeAlias, cast

from sqlalchemy import Table, bindparam, column, insert, select, table, update
from sqlalchemy.orm import Session, SessionTransaction

from chengxin.audit import merkle
from chengxin.audit import tree as audit_tree
from chengxin.audit.errors import NotTheSubject
from chengxin.audit.models import (
    TILE_HEIGHT,
    TILE_WIDTH,
    AuditEntry,
    AuditHead,
    AuditTile,
    AuditTreeHead,
)
from chengxin.context import current_request_id
from chengxin.db import utcnow
from chengxin.keys.keyring import Keyring
from chengxin.privacy import holds_clear_id_number
from chengxin.security.actor import Actor

# Re-exported: the tree's operations are part of the audit interface.
integrate = audit_tree.integrate
sign_tree_head = audit_tree.sign_tree_head
inclusion_proof = audit_tree.inclusion_proof
consistency_proof = audit_tree.consistency_proof
latest_tree_head_or_raise = audit_tree.latest_tree_head_or_raise

# Organizations' unified social credit codes are public identifiers; some are 18 digits.
_PUBLIC_CODE_KEYS = frozenset({"credit_code"})
# session.info keys: this transaction holds the audit_head lock / has begun on its connection.
_HEAD_LOCKED = "audit_head_locked"
_BEGUN = "audit_tx_begun"
_TOGETHER = "audit_accesses_together"  # futures accesses_together waits for
_TOGETHER_ROWS = "audit_accesses_together_rows"  # rows it appends (no writer)


# The rows that register what an entry logs, given the entry's seq (a check: its row and its
# persons' rows): inserted in the group-commit writer's batch transaction.
Registration: TypeAlias = Callable[[int], Sequence[tuple[Table, dict[str, Any]]]]


class GroupWriter(Protocol):
    """What the services use of the group-commit writer (``audit.writer.AuditWriter``), found
    in ``session.info["audit_writer"]``."""

    def submit(self, row: dict[str, Any], registration: Registration | None = None) -> Future[int]:
        """Queue a prepared entry; the future resolves to its seq after the batch commits."""
        ...

    def wait(self, future: Future[int]) -> int:
        """Block until a submitted entry is committed; returns its seq."""
        ...


class PersonalDataInAudit(ValueError):
    """A programming error: an audit entry must never hold a clear ID number."""


def _check_no_clear_id(value: Any) -> None:
    if holds_clear_id_number(value, public_keys=_PUBLIC_CODE_KEYS):
        raise PersonalDataInAudit("audit data contains a clear ID number")


LEAF_FIELDS = (
    "seq",
    "at",
    "request_id",
    "actor_kind",
    "actor_id",
    "actor_name",
    "organization_id",
    "action",
    "object_type",
    "object_id",
    "subject_id",
    "data",
    "message",
)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds")
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def leaf_data(entry: Any) -> bytes:
    """The bytes an entry's leaf hash covers: canonical JSON (sorted keys, no spaces, UTF-8)."""
    get = entry.__getitem__ if isinstance(entry, Mapping) else entry.__getattribute__
    body = {name: _jsonable(get(name)) for name in LEAF_FIELDS}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def leaf_hash(entry: Any) -> str:
    """RFC 9162 leaf hash of an entry (ORM object, row mapping or dict), hex."""
    return merkle.leaf_hash(leaf_data(entry)).hex()


def _row(  # the entry's fields
    action: str,
    *,
    actor: Actor,
    object_type: str,
    object_id: str | uuid.UUID | None,
    subject_id: uuid.UUID | None,
    data: dict[str, Any] | None,
    message: str | None,
    at: datetime | None,
) -> dict[str, Any]:
    _check_no_clear_id(data)
    _check_no_clear_id(message)
    return {
        "at": at or utcnow(),
        "request_id": current_request_id(),
        "actor_kind": actor.kind.value,
        "actor_id": actor.id,
        "actor_name": actor.name,
        "organization_id": actor.organization_id,
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id) if object_id is not None else None,
        "subject_id": subject_id,
        "data": data,
        "message": message,
    }


# Session listeners, attached by ``audit.hooks.install()`` (ADR 0038): what ``_writer_of`` reads.
def on_begin(session: Session, _transaction: SessionTransaction, _connection: Any) -> None:
    """This session's transaction began on its connection (SQLite: it may hold the write lock)."""
    session.info[_BEGUN] = True


def on_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    """The outermost transaction ended: it holds no lock any more."""
    if transaction.parent is None:
        session.info.pop(_BEGUN, None)
        session.info.pop(_HEAD_LOCKED, None)


def record(
    session: Session,
    action: str,
    *,
    actor: Actor,
    object_type: str,
    object_id: str | uuid.UUID | None = None,
    subject_id: uuid.UUID | None = None,
    data: dict[str, Any] | None = None,
    message: str | None = None,
    at: datetime | None = None,
) -> AuditEntry:
    """Append one entry in the caller's transaction: the only way writes reach the audit log.

    Locks ``audit_head`` until the caller commits, so seq is gapless and commit order is seq
    order (what lets the integrator extend the tree safely)."""
    row = _row(
        action,
        actor=actor,
        object_type=object_type,
        object_id=object_id,
        subject_id=subject_id,
        data=data,
        message=message,
        at=at,
    )
    last_seq, _ = audit_tree.lock_head(session)
    session.info[_HEAD_LOCKED] = True
    entry = AuditEntry(seq=last_seq + 1, **row)
    entry.hash = leaf_hash(entry)
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=entry.seq))
    session.add(entry)
    session.flush()
    return entry


_COPY_COLUMNS = (*LEAF_FIELDS, "hash")
_DATA_AT = _COPY_COLUMNS.index("data")
_COPY_ENTRIES = f"COPY audit_entry ({', '.join(_COPY_COLUMNS)}) FROM STDIN"


_HEAD_TABLE = cast("Table", AuditHead.__table__)
_RESERVE = (
    update(_HEAD_TABLE)
    .where(_HEAD_TABLE.c.id == 1)
    .values(seq=_HEAD_TABLE.c.seq + bindparam("n"))
    .returning(_HEAD_TABLE.c.seq)
)
_INSERT_ENTRIES = insert(cast("Table", AuditEntry.__table__))


def append_rows(session: Session, rows: list[dict[str, Any]]) -> int:
    """Append prepared entries (``_row`` dicts) in one statement; returns the first seq.

    The group-commit writer's batch: one lock of ``audit_head``, one executemany."""
    # Lock the head and reserve the batch's seqs in one round trip (Core: no ORM bulk path).
    connection = session.connection()
    reserved = connection.execute(_RESERVE, {"n": len(rows)}).scalar_one()
    last_seq = int(reserved) - len(rows)
    for i, row in enumerate(rows, start=last_seq + 1):
        row["seq"] = i
        row["hash"] = leaf_hash(row)
    if session.get_bind().dialect.name == "postgresql":
        # COPY: about twice as fast as executemany for a batch, inside the same transaction.
        raw = session.connection().connection.driver_connection
        with raw.cursor() as cursor, cursor.copy(_COPY_ENTRIES) as copy:  # type: ignore[union-attr]
            for row in rows:
                values = [row[name] for name in _COPY_COLUMNS]
                if row["data"] is not None:
                    values[_DATA_AT] = json.dumps(row["data"], ensure_ascii=False)
                copy.write_row(values)
    else:
        connection.execute(_INSERT_ENTRIES, rows)
    return last_seq + 1


def _writer_of(session: Session) -> GroupWriter | None:
    """The group-commit writer, unless this transaction must append itself: it already holds the
    append lock, or (SQLite) the database's single write lock may be held by it."""
    writer: GroupWriter | None = session.info.get("audit_writer")
    stay = session.info.get(_HEAD_LOCKED) or (
        session.info.get(_BEGUN) and session.get_bind().dialect.name == "sqlite"
    )
    return None if stay else writer


def record_access(
    session: Session,
    action: str,
    *,
    actor: Actor,
    object_type: str,
    object_id: str | uuid.UUID | None = None,
    subject_id: uuid.UUID | None = None,
    data: dict[str, Any] | None = None,
    message: str | None = None,
) -> int:
    """Log a read (query, check, disclosure) and return its seq once it is durable.

    With the runtime's group-commit writer (``session.info["audit_writer"]``) the entry is
    committed in the writer's batch, independently of the caller's transaction: the access
    happened even if the caller later fails. Without it (CLI, tests), or when the caller's
    transaction already holds the append lock or (SQLite) the database's single write lock,
    the entry is written in the caller's transaction, like ``record()``."""
    items = [(object_id, subject_id, data)]
    return record_accesses(
        session, action, actor=actor, object_type=object_type, items=items, message=message
    )[0]


def submit_access(
    writer: GroupWriter,
    action: str,
    *,
    actor: Actor,
    object_type: str,
    object_id: str | uuid.UUID | None = None,
    subject_id: uuid.UUID | None = None,
    data: dict[str, Any] | None = None,
    registration: Registration | None = None,
) -> Future[int]:
    """Queue a read's entry on the group-commit writer without waiting: the future resolves to
    its seq once durable (``asyncio.wrap_future`` lets a handler await it without holding a
    thread). ``registration(seq)``: rows inserted in the same batch transaction
    (``AuditWriter.submit``)."""
    row = _row(
        action,
        actor=actor,
        object_type=object_type,
        object_id=object_id,
        subject_id=subject_id,
        data=data,
        message=None,
        at=None,
    )
    return writer.submit(row, registration)


def record_accesses(
    session: Session,
    action: str,
    *,
    actor: Actor,
    object_type: str,
    items: Sequence[tuple[str | uuid.UUID | None, uuid.UUID | None, dict[str, Any] | None]],
    message: str | None = None,
) -> list[int]:
    """Log several reads at once — one per person a query disclosed — and return their seqs once
    all are durable. Items are ``(object_id, subject_id, data)``. Through the writer they are
    queued together, so they share one batch instead of waiting one round trip each."""
    writer = _writer_of(session)
    if writer is None:  # in the caller's transaction: one head lock, one insert for them all
        if not items:
            return []
        rows = [
            _row(
                action,
                actor=actor,
                object_type=object_type,
                object_id=object_id,
                subject_id=subject_id,
                data=data,
                message=message,
                at=None,
            )
            for object_id, subject_id, data in items
        ]
        later: list[dict[str, Any]] | None = session.info.get(_TOGETHER_ROWS)
        if later is not None:  # accesses_together: appended together on leaving it
            later.extend(rows)
            return [0] * len(rows)
        first = append_rows(session, rows)
        session.info[_HEAD_LOCKED] = True
        return list(range(first, first + len(rows)))
    futures = [
        writer.submit(
            _row(
                action,
                actor=actor,
                object_type=object_type,
                object_id=object_id,
                subject_id=subject_id,
                data=data,
                message=message,
                at=None,
            )
        )
        for object_id, subject_id, data in items
    ]
    waiting: list[Future[int]] | None = session.info.get(_TOGETHER)
    if waiting is not None:  # accesses_together: waited for on leaving it
        waiting.extend(futures)
        return [0] * len(futures)
    return [int(writer.wait(future)) for future in futures]


@contextmanager
def accesses_together(session: Session) -> Iterator[None]:
    """The read entries logged inside are queued on the group-commit writer without waiting, and
    waited for together on leaving (one batch, one commit, instead of one round trip each): a
    report's query registration, disclosure and issue. They are still durable before the answer
    leaves; their seqs are not known inside (``record_access`` answers 0 there)."""
    waiting: list[Future[int]] = []
    rows: list[dict[str, Any]] = []
    session.info[_TOGETHER], session.info[_TOGETHER_ROWS] = waiting, rows
    try:
        yield
    finally:
        session.info.pop(_TOGETHER, None)
        session.info.pop(_TOGETHER_ROWS, None)
    if rows:  # without the writer: in the caller's transaction, one append for them all
        append_rows(session, rows)
        session.info[_HEAD_LOCKED] = True
    writer: GroupWriter | None = session.info.get("audit_writer")
    for future in waiting:
        assert writer is not None  # noqa: S101 — only the writer's futures are kept
        writer.wait(future)


# -- verification --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LogReport:
    """The result of re-deriving the log: entries, tiles, signed tree heads."""

    entries: int
    tree_size: int
    root_hash: str
    tree_heads: int
    ok: bool
    first_bad_seq: int | None = None
    problem: str | None = None
    detail: str | None = None


class _TileCache:
    """Stored tiles read in runs of 256 rows per level as the verification walks forward."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.rows: dict[tuple[int, int], bytes] = {}

    def node(self, level: int, index: int) -> bytes | None:
        tile_level, idx = level // TILE_HEIGHT, index >> TILE_HEIGHT
        if (tile_level, idx) not in self.rows:
            self.rows = {k: v for k, v in self.rows.items() if k[0] != tile_level}
            query = select(AuditTile.idx, AuditTile.hashes).where(
                AuditTile.level == tile_level, AuditTile.idx >= idx, AuditTile.idx < idx + 256
            )
            for i, blob in self.session.execute(query):
                self.rows[tile_level, i] = blob
        blob = self.rows.get((tile_level, idx), b"")
        offset = (index % TILE_WIDTH) * merkle.HASH_BYTES
        chunk = blob[offset : offset + merkle.HASH_BYTES]
        return chunk if len(chunk) == merkle.HASH_BYTES else None


@dataclass
class _Walk:
    """Incremental Merkle frontier over recomputed leaf hashes (largest subtree first)."""

    count: int = 0
    frontier: list[tuple[int, bytes]] = field(default_factory=list)

    def root(self) -> bytes:
        return (
            merkle.fold_right([h for _, h in self.frontier]) if self.frontier else merkle.EMPTY_ROOT
        )


def verify(  # noqa: C901, PLR0911, PLR0912  # one ordered pass; each exit names a problem
    session: Session, *, keyring: Keyring | None = None, batch: int = 4096
) -> LogReport:
    """Re-derive the whole log in seq order; report the first entry that is changed, deleted
    or reordered (``gap``, ``hash``), a tile that disagrees (``tile``), or a signed tree head
    whose root (``tree-head``) or signature (``signature``) does not hold."""
    ring: Keyring = keyring or session.info["keyring"]
    last_seq, integrated = session.execute(
        select(AuditHead.seq, AuditHead.tree_size).where(AuditHead.id == 1)
    ).one()
    heads = list(session.execute(select(AuditTreeHead).order_by(AuditTreeHead.tree_size)).scalars())
    tiles, walk, next_head, good_size = _TileCache(session), _Walk(), 0, 0

    def report(seq: int | None, problem: str | None = None, detail: str | None = None) -> LogReport:
        return LogReport(
            walk.count,
            min(walk.count, integrated),
            walk.root().hex(),
            next_head,
            problem is None,
            seq,
            problem,
            detail,
        )

    entries = AuditEntry.__table__
    while True:
        query = (
            select(entries).where(entries.c.seq > walk.count).order_by(entries.c.seq).limit(batch)
        )
        rows = session.execute(query).mappings().all()
        if not rows:
            break
        for row in rows:
            seq = row["seq"]
            if seq != walk.count + 1:
                return report(walk.count + 1, "gap", f"entry {walk.count + 1} is missing")
            digest = merkle.leaf_hash(leaf_data(row))
            if digest.hex() != row["hash"]:
                return report(seq, "hash", "the entry does not match its leaf hash")
            walk.count, level, node = seq, 0, digest
            while walk.frontier and walk.frontier[-1][0] == level:
                node, level = merkle.node_hash(walk.frontier.pop()[1], node), level + 1
                if level % TILE_HEIGHT == 0 and seq <= integrated:
                    index = (seq >> level) - 1
                    if tiles.node(level, index) != node:
                        first = (index << level) + 1
                        return report(
                            first,
                            "tile",
                            f"tree node {level}/{index} (entries "
                            f"{first}..{seq}) differs from the stored tile",
                        )
            walk.frontier.append((level, node))
            while next_head < len(heads) and heads[next_head].tree_size == seq:
                sth = heads[next_head]
                message = audit_tree.tree_head_message(
                    sth.tree_size, sth.timestamp_ms, sth.root_hash
                )
                if sth.key_id != ring.signing_key_id or not ring.check_signature(
                    message, sth.signature
                ):
                    return report(good_size + 1, "signature", f"tree head {sth.tree_size}")
                if walk.root().hex() != sth.root_hash:
                    return report(
                        good_size + 1,
                        "tree-head",
                        f"tree head {sth.tree_size}: entries {good_size + 1}..{seq} changed",
                    )
                good_size, next_head = seq, next_head + 1
    if next_head < len(heads) or last_seq > walk.count or integrated > walk.count:
        return report(walk.count + 1, "gap", f"entries after {walk.count} are missing")
    if last_seq != walk.count:
        return report(last_seq, "head", "the append lock's seq does not match the entries")
    return report(None)


def list_entries(session: Session, *, after_seq: int = 0, limit: int = 100) -> list[AuditEntry]:
    """Entries after a sequence number, in log order (keyset paging)."""
    query = (
        select(AuditEntry).where(AuditEntry.seq > after_seq).order_by(AuditEntry.seq).limit(limit)
    )
    return list(session.execute(query).scalars())


# -- the person concerned: entries about them, with proofs (R4.2) --------------------------------

# A light reference (audit sits below every domain): organization names for the person's view.
_organization = table("organization", column("id"), column("name"))


@dataclass(frozen=True)
class ProvenEntry:
    """An entry about the person, its leaf data and its audit path in the signed tree."""

    entry: AuditEntry
    organization_name: str | None
    leaf_data: str
    audit_path: list[str]


@dataclass(frozen=True)
class SubjectEntries:
    """The person's entries and the signed tree head every proof leads to."""

    entries: list[ProvenEntry]
    tree_head: AuditTreeHead | None
    public_key: str


def entries_about(
    session: Session, subject_id: uuid.UUID, *, after_seq: int = 0, limit: int = 100
) -> SubjectEntries:
    """Entries about one subject, each with an inclusion proof against the latest signed head
    (integrating and signing first when the head does not cover them yet)."""
    ring: Keyring = session.info["keyring"]
    rows = list(
        session.execute(
            select(AuditEntry, _organization.c.name)
            .outerjoin(_organization, _organization.c.id == AuditEntry.organization_id)
            .where(AuditEntry.subject_id == subject_id, AuditEntry.seq > after_seq)
            .order_by(AuditEntry.seq)
            .limit(limit)
        ).all()
    )
    if not rows:
        return SubjectEntries([], audit_tree.latest_tree_head(session), ring.public_key_pem())
    head = audit_tree.head_covering(session, rows[-1][0].seq)
    ranges = {e.seq: merkle.inclusion_ranges(e.seq - 1, head.tree_size) for e, _ in rows}
    got = audit_tree.TileSource(session).nodes(
        sorted(merkle.plan_nodes(r for rs in ranges.values() for r in rs))
    )
    proven = [
        ProvenEntry(
            entry,
            name,
            leaf_data(entry).decode(),
            [
                merkle.fold_right([got[n] for n in merkle.range_nodes(a, b)]).hex()
                for a, b in ranges[entry.seq]
            ],
        )
        for entry, name in rows
    ]
    return SubjectEntries(proven, head, ring.public_key_pem())


def own_subject(actor: Actor) -> uuid.UUID:
    """The signed-in citizen's subject key: never taken from the URL or the query (IDOR)."""
    if actor.subject_id is None:
        raise NotTheSubject("this account is not a person's own account")
    return actor.subject_id


# -- export --------------------------------------------------------------------------------------

EXPORT_FIELDS = (*LEAF_FIELDS, "hash")


def export_rows(
    scope: Callable[[], AbstractContextManager[Session]],
    *,
    organization_id: uuid.UUID | None = None,
    subject_id: uuid.UUID | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    batch: int = 2000,
) -> Iterator[dict[str, Any]]:
    """Entries matching the filters in seq order, as JSON-ready dicts, read in batches.

    Each batch in its own short unit of work (``scope``), so a long download holds no
    transaction open and memory stays flat."""
    last = 0
    while True:
        query = select(AuditEntry).where(AuditEntry.seq > last)
        if organization_id is not None:
            query = query.where(AuditEntry.organization_id == organization_id)
        if subject_id is not None:
            query = query.where(AuditEntry.subject_id == subject_id)
        if since is not None:
            query = query.where(AuditEntry.at >= since)
        if until is not None:
            query = query.where(AuditEntry.at < until)
        with scope() as session:
            entries = list(session.execute(query.order_by(AuditEntry.seq).limit(batch)).scalars())
        if not entries:
            return
        for entry in entries:
            yield {name: _jsonable(getattr(entry, name)) for name in EXPORT_FIELDS}
        last = entries[-1].seq


def signature_b64(head: AuditTreeHead) -> str:
    """A tree head's signature as base64 (how the API and the CLI show it)."""
    return base64.b64encode(head.signature).decode("ascii")


def export_lines(
    scope: Callable[[], AbstractContextManager[Session]],
    export_format: str,
    **filters: Any,
) -> Iterator[bytes]:
    """The export as encoded chunks: CSV (UTF-8 with header; data as JSON) or a JSON array."""
    rows = export_rows(scope, **filters)
    if export_format == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(EXPORT_FIELDS)
        for row in rows:
            if row["data"] is not None:
                row["data"] = json.dumps(row["data"], ensure_ascii=False, sort_keys=True)
            writer.writerow([row[name] for name in EXPORT_FIELDS])
            if buffer.tell() > 1 << 16:
                yield buffer.getvalue().encode()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue().encode()
        return
    yield b"["
    for i, row in enumerate(rows):
        yield (b",\n" if i else b"\n") + json.dumps(row, ensure_ascii=False).encode()
    yield b"\n]\n"


def record_export(session: Session, *, actor: Actor, export_format: str, **filters: Any) -> int:
    """Log an export of the audit log itself (who exported which entries)."""
    data = {k: _jsonable(v) for k, v in filters.items() if v is not None}
    return record_access(
        session,
        "audit:log:export",
        actor=actor,
        object_type="audit_log",
        data={"format": export_format, **data},
    )
