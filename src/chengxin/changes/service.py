"""Which changes processes must hear of, and the version bump that tells them (ADR 0034).

Every process keeps short-lived copies of shared state: the actors of credentials it found good,
the lockdown flag, a checking organization's context, the catalog version it last found active.
A transaction that changes what one of these copies was made from bumps the topic's row in
``platform_change`` before it commits — in the same transaction, so the bump is visible exactly
when the change is — and every process's watcher (``changes.watcher``) reads the versions every
``change_poll_seconds`` and forgets what it cached about a topic whose version moved.

What changes a topic is declared here, by table (``TRACKED``), and noticed by session events:
the ORM's own inserts, updates and deletes (a row's attributes that nothing caches, such as a
session's last-seen time, do not count) and bulk ``update()``/``delete()`` statements on a tracked
table. A process that made the change also forgets at once, after its commit (``on_change``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import structlog
from sqlalchemy import event, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction

from chengxin.access.models import AccessRule
from chengxin.accounts.emergency.models import PlatformLockdown
from chengxin.accounts.models import AuthSession, UserAccount
from chengxin.agencies.models import AgencyBlacklisting
from chengxin.assessment.models import IndicatorSet
from chengxin.catalog.models import CatalogVersion
from chengxin.changes.models import PlatformChange
from chengxin.db import utcnow
from chengxin.organizations.models import ApiToken, Organization
from chengxin.scoring.models import ScoringRuleset
from chengxin.workdays.models import WorkdayDay, WorkdayYear

log = structlog.get_logger(__name__)


class Topic(StrEnum):
    """A part of the shared state some process caches."""

    ACCESS = "access"  # permission lists (access_rule): a checking organization's context
    CALENDAR = "calendar"  # the working-day calendar
    CATALOG = "catalog"  # catalog versions: which one is active
    CREDENTIALS = "credentials"  # tokens, sessions, staff accounts, agency blacklistings
    INDICATORS = "indicators"  # assessment indicator sets
    LOCKDOWN = "lockdown"  # the platform lockdown
    ORGANIZATIONS = "organizations"  # organizations (frozen, kind, name)
    SCORING = "scoring"  # scoring rulesets


@dataclass(frozen=True)
class Tracked:
    """How a table's changes reach a topic: ``inserts`` whether a new row matters (a new
    session is cached nowhere yet; a new lockdown is the change), ``ignored`` the attributes
    whose change alone matters to no cache."""

    topic: Topic
    inserts: bool = True
    ignored: frozenset[str] = frozenset()


TRACKED: dict[type[Any], Tracked] = {
    AccessRule: Tracked(Topic.ACCESS),
    AgencyBlacklisting: Tracked(Topic.CREDENTIALS),
    ApiToken: Tracked(Topic.CREDENTIALS, inserts=False),
    # A session's last-seen time is touched once a minute per session: no cache depends on it.
    AuthSession: Tracked(Topic.CREDENTIALS, inserts=False, ignored=frozenset({"last_seen_at"})),
    CatalogVersion: Tracked(Topic.CATALOG, inserts=False),
    IndicatorSet: Tracked(Topic.INDICATORS, inserts=False),
    Organization: Tracked(Topic.ORGANIZATIONS, inserts=False),
    PlatformLockdown: Tracked(Topic.LOCKDOWN),
    ScoringRuleset: Tracked(Topic.SCORING, inserts=False),
    # Failed and successful sign-ins write these on every attempt; a lock-out or a freeze
    # (locked_until, frozen_at, status) is a change.
    UserAccount: Tracked(
        Topic.CREDENTIALS,
        inserts=False,
        ignored=frozenset({"failed_logins", "last_failed_at", "last_login_at", "updated_at"}),
    ),
    WorkdayDay: Tracked(Topic.CALENDAR),
    WorkdayYear: Tracked(Topic.CALENDAR),
}

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


@event.listens_for(Session, "after_flush")
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


@event.listens_for(Session, "do_orm_execute")
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


@event.listens_for(Session, "before_commit")
def _bump_before_commit(session: Session) -> None:
    # The commit's own flush runs after this hook: flush first, so its changes are noted too.
    session.flush()
    pending: set[Topic] = session.info.pop(_PENDING, set())
    if pending:
        bump(session, pending)
        session.info.setdefault(_BUMPED, set()).update(pending)


@event.listens_for(Session, "after_commit")
def _forget_after_commit(session: Session) -> None:
    bumped = session.info.pop(_BUMPED, None)
    if bumped:
        forget(bumped)


@event.listens_for(Session, "after_soft_rollback")
def _drop_notes(session: Session, previous: SessionTransaction) -> None:
    # Only the whole transaction's rollback: a savepoint's leaves the outer changes pending
    # (a bump too many costs a cache refill; one too few, a stale cache).
    if previous.parent is None and not previous.nested:
        session.info.pop(_PENDING, None)
        session.info.pop(_BUMPED, None)


def versions(session: Session) -> dict[str, int]:
    """Every topic's version (a topic never changed has no row)."""
    rows = session.execute(select(PlatformChange.topic, PlatformChange.version)).all()
    return {topic: int(version) for topic, version in rows}
