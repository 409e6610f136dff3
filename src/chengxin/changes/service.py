"""Which changes processes must hear of, and the version bump that tells them (ADR 0034).

Every process keeps short-lived copies of shared state: the actors of credentials it found good,
the lockdown flag, a checking organization's context, the catalog version it last found active.
A transaction that changes what one of these copies was made from bumps the topic's row in
``platform_change`` before it commits — in the same transaction, so the bump is visible exactly
when the change is — and every process's watcher (``changes.watcher``) reads the versions every
``change_poll_seconds`` and forgets what it cached about a topic whose version moved.

What changes a topic is declared by each table (``changes.topics``), read from the metadata into
``TRACKED`` by ``changes.hooks.install()``, and noticed by session events (attached there too):
the ORM's own inserts, updates and deletes (a row's attributes that nothing caches, such as a
session's last-seen time, do not count) and bulk ``update()``/``delete()`` statements on a tracked
table. A process that made the change also forgets at once, after its commit (``on_change``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

import structlog
from sqlalchemy import Table, event, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction

from chengxin.changes.models import PlatformChange
from chengxin.changes.topics import CHANGES, Topic, Tracked
from chengxin.db import Base, utcnow

log = structlog.get_logger(__name__)


__all__ = [
    "TRACKED",
    "Topic",
    "Tracked",
    "bump",
    "forget",
    "listen",
    "mark",
    "on_change",
    "track",
    "versions",
]

# Which mapped classes move which topic: read from the tables' declarations by ``track()``
# (``changes.hooks.install()``), e.g. the user account (credentials; failed and successful
# sign-ins write ``failed_logins`` and the like on every attempt, a lock-out or a freeze is a
# change) or the auth session (a session's last-seen time is touched once a minute: no cache
# depends on it).
TRACKED: dict[type[Any], Tracked] = {}


def track() -> dict[type[Any], Tracked]:
    """Read which tables move which topic from their declarations (``Table.info[CHANGES]``), for
    every mapped class (``chengxin.models`` loads them all); idempotent."""
    found: dict[type[Any], Tracked] = {}
    for mapper in Base.registry.mappers:
        table = mapper.local_table
        declared = table.info.get(CHANGES) if isinstance(table, Table) else None
        if declared is None:
            continue
        if not isinstance(declared, Tracked):
            msg = f"{table}: info[{CHANGES!r}] must be a changes.topics.Tracked"
            raise TypeError(msg)
        found[mapper.class_] = declared
    TRACKED.update(found)
    return found


_PENDING = "chengxin_changes_pending"  # topics changed in this transaction, not yet bumped
_BUMPED = "chengxin_changes_bumped"  # topics bumped in this transaction, to forget after commit

Forget = Callable[[], None]
_LISTENERS: dict[Topic, list[Forget]] = {}
_LISTENERS_LOCK = threading.Lock()


def on_change(forget: Forget, *topics: Topic) -> Forget:
    """Call ``forget`` (no arguments, quick, thread-safe) whenever one of ``topics`` changes: in
    this process right after the commit that changed it, in every process when its watcher sees
    the version move."""
    with _LISTENERS_LOCK:
        for topic in topics:
            _LISTENERS.setdefault(topic, []).append(forget)
    return forget


def forget(topics: Iterable[str]) -> None:
    """Run the listeners of ``topics`` (each once); a failing listener is logged, the others
    still run."""
    with _LISTENERS_LOCK:
        listeners = {id(f): f for t in topics for f in _LISTENERS.get(Topic(t), [])}
    for listener in listeners.values():
        try:
            listener()
        except Exception:  # a cache that failed to forget must not stop the others
            log.exception("changes.forget-failed", listener=getattr(listener, "__name__", "?"))


def mark(session: Session, *topics: Topic) -> None:
    """Note that this transaction changes ``topics`` (for changes the session events cannot see:
    raw SQL). The bump is written when the transaction commits."""
    session.info.setdefault(_PENDING, set()).update(topics)


def _matters(obj: Any, tracked: Tracked) -> bool:
    if not tracked.ignored:
        return True
    state = inspect(obj)
    changed = {a.key for a in state.attrs if a.history.has_changes()}
    return bool(changed - tracked.ignored)


def _note_flushed(session: Session, _context: Any) -> None:
    topics: set[Topic] = set()
    for obj in session.new:
        tracked = TRACKED.get(type(obj))
        if tracked is not None and tracked.inserts:
            topics.add(tracked.topic)
    for obj in session.dirty:
        tracked = TRACKED.get(type(obj))
        if tracked is not None and tracked.topic not in topics and _matters(obj, tracked):
            topics.add(tracked.topic)
    for obj in session.deleted:
        tracked = TRACKED.get(type(obj))
        if tracked is not None:
            topics.add(tracked.topic)
    if topics:
        mark(session, *topics)


def _note_bulk(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    mapper = state.bind_mapper
    tracked = TRACKED.get(mapper.class_) if mapper is not None else None
    if tracked is not None and (tracked.inserts or not state.is_insert):
        mark(state.session, tracked.topic)


def _upsert(session: Session) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(PlatformChange)
    return sqlite.insert(PlatformChange)


def bump(session: Session, topics: Iterable[Topic]) -> None:
    """Move the versions of ``topics`` on by one in the session's transaction. One row per topic,
    locked until the commit; taken in name order, so two transactions never wait on each other
    the other way round."""
    now = utcnow()
    for topic in sorted(set(topics)):
        stmt = _upsert(session).values(topic=topic.value, version=1, changed_at=now)
        session.execute(
            stmt.on_conflict_do_update(
                index_elements=[PlatformChange.topic],
                set_={"version": PlatformChange.version + 1, "changed_at": now},
            )
        )


def _bump_before_commit(session: Session) -> None:
    # The commit's own flush runs after this hook: flush first, so its changes are noted too.
    session.flush()
    pending: set[Topic] = session.info.pop(_PENDING, set())
    if pending:
        bump(session, pending)
        session.info.setdefault(_BUMPED, set()).update(pending)


def _forget_after_commit(session: Session) -> None:
    bumped = session.info.pop(_BUMPED, None)
    if bumped:
        forget(bumped)


def _drop_notes(session: Session, previous: SessionTransaction) -> None:
    # Only the whole transaction's rollback: a savepoint's leaves the outer changes pending
    # (a bump too many costs a cache refill; one too few, a stale cache).
    if previous.parent is None and not previous.nested:
        session.info.pop(_PENDING, None)
        session.info.pop(_BUMPED, None)


# The session events that note and bump the topics, attached by ``listen()``.
_SESSION_EVENTS: tuple[tuple[str, Callable[..., None]], ...] = (
    ("after_flush", _note_flushed),
    ("do_orm_execute", _note_bulk),
    ("before_commit", _bump_before_commit),
    ("after_commit", _forget_after_commit),
    ("after_soft_rollback", _drop_notes),
)


def listen() -> None:
    """Attach the session events to every session (idempotent)."""
    for name, listener in _SESSION_EVENTS:
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)


def versions(session: Session) -> dict[str, int]:
    """Every topic's version (a topic never changed has no row)."""
    rows = session.execute(select(PlatformChange.topic, PlatformChange.version)).all()
    return {topic: int(version) for topic, version in rows}
