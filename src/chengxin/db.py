"""Engine, sessions, the declarative base and portable column types."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Connection,
    DateTime,
    Engine,
    MetaData,
    Select,
    any_,
    bindparam,
    create_engine,
    event,
    func,
    text,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy import exc as sqlalchemy_exc
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator, TypeEngine

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

JSONType = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC timestamps on every database (SQLite stores naive text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:  # noqa: ARG002
        if value is None:
            return None
        if value.tzinfo is None:
            msg = "naive datetime given to a UTC column"
            raise ValueError(msg)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:  # noqa: ARG002
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def normalize_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever spelling the operator gave; a libpq multi-host URL
    (``postgresql://u@h1:p1,h2:p2/db?target_session_attrs=read-write``) becomes SQLAlchemy's
    spelling of the same (``postgresql+psycopg://u@/db?host=h1:p1&host=h2:p2&…``): the driver
    then tries the hosts in order, as libpq does (failover, ADR 0033)."""
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + _one_host_part(url[len(prefix) :])
    return url


def _one_host_part(rest: str) -> str:
    authority, _, tail = rest.partition("/")
    user, at, hosts = authority.rpartition("@")
    if "," not in hosts:
        return rest
    path, question, query = tail.partition("?")
    named = "&".join(f"host={host}" for host in hosts.split(",") if host)
    return f"{user}{at}/{path}?{named}" + (f"&{query}" if question and query else "")


_BUSY_SECONDS = 30.0  # the default wait for a lock (settings.db_lock_wait_seconds)


def make_engine(url: str, *, lock_wait_seconds: float = _BUSY_SECONDS, **kwargs: Any) -> Engine:
    """An engine with the pragmas and pool settings Chengxin relies on.

    ``lock_wait_seconds`` bounds how long a statement waits for a lock (SQLite: the write turn
    and the busy timeout; PostgreSQL: ``lock_timeout``); past it the database raises a transient
    error that requests answer with 503 ``database-busy`` (errors.py)."""
    url = normalize_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": lock_wait_seconds}, **kwargs)
        _configure_sqlite(engine, lock_wait_seconds)
        return engine
    lock_timeout = f"-c lock_timeout={max(1, round(lock_wait_seconds * 1000))}"
    connect_args = {"options": lock_timeout, "connect_timeout": _CONNECT_SECONDS}
    engine = create_engine(url, pool_pre_ping=True, connect_args=connect_args, **kwargs)
    event.listen(engine, "handle_error", _demoted_is_lost)
    return engine


# libpq's connect_timeout, per host: an unreachable host must not hang a failover.
_CONNECT_SECONDS = 5
_READ_ONLY_SQL_TRANSACTION = "25006"


def _demoted_is_lost(context: Any) -> None:
    """A write refused as "read-only" in a transaction that was not asked to be read-only: the
    server this pooled connection reached is a standby now (the old primary back after a
    failover). Count it as a lost connection, so the pool drops every connection it holds and
    the next checkout finds the read-write host of a multi-host URL again (ADR 0033). A route
    marked read-only that writes keeps its loud error."""
    orig = getattr(context.original_exception, "sqlstate", None)
    conn = context.connection
    if orig != _READ_ONLY_SQL_TRANSACTION or conn is None:
        return
    if not conn.get_execution_options().get("postgresql_readonly"):
        context.is_disconnect = True


# Execution option: the unit of work must not write (read-only routes, replicas; ADR 0033).
READ_ONLY = "chengxin_read_only"


def read_only(engine: Engine) -> Engine:
    """``engine`` whose transactions cannot write: ``SET TRANSACTION READ ONLY`` on PostgreSQL
    (as a replica's always are, so a read-only route that writes fails on the primary too, in
    tests), ``BEGIN DEFERRED`` with ``PRAGMA query_only`` on SQLite (a WAL reader that never
    queues for the write turn and refuses writes)."""
    if engine.dialect.name == "sqlite":
        return engine.execution_options(**{SQLITE_BEGIN: "DEFERRED", READ_ONLY: True})
    return engine.execution_options(postgresql_readonly=True, **{READ_ONLY: True})


# Execution option naming how a SQLite transaction begins: IMMEDIATE (default) or DEFERRED.
SQLITE_BEGIN = "chengxin_sqlite_begin"
_HOLDS = "chengxin_write_turn"  # connection info: this connection holds the turn
_QUERY_ONLY = "chengxin_query_only"  # connection info: PRAGMA query_only is on (read_only)


class WriteTurns:
    """First come, first served turns at SQLite's single write lock among one process's threads.

    SQLite makes a writer that finds the lock taken sleep and retry (the busy handler, naps of
    up to 100 ms); under many threads the lock goes to whoever wakes at the right moment, and an
    unlucky request can wait past the busy timeout while others pass it again and again. The
    threads of one process therefore queue here, in arrival order, before ``BEGIN IMMEDIATE``,
    and give the turn back when the connection returns to the pool (after its COMMIT or
    ROLLBACK); the busy handler still arbitrates between processes (a CLI worker beside the
    server). A turn not given within the busy timeout fails like SQLite would ("locked").
    """

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._cond = threading.Condition()
        self._next = 0  # the next ticket to hand out
        self._serving = 0  # the ticket whose turn it is
        self._abandoned: set[int] = set()

    def acquire(self) -> None:
        with self._cond:
            ticket, self._next = self._next, self._next + 1
            if self._cond.wait_for(lambda: self._serving == ticket, timeout=self.timeout):
                return
            if self._serving == ticket:  # the turn came just as the wait timed out
                self._advance()
            else:
                self._abandoned.add(ticket)
        raise sqlalchemy_exc.OperationalError(
            "BEGIN IMMEDIATE", None, Exception("database is locked (no write turn in time)")
        )

    def release(self) -> None:
        with self._cond:
            self._advance()

    def _advance(self) -> None:
        self._serving += 1
        while self._serving in self._abandoned:
            self._abandoned.discard(self._serving)
            self._serving += 1
        self._cond.notify_all()


def _configure_sqlite(engine: Engine, lock_wait_seconds: float) -> None:
    # pysqlite's own transaction handling defers BEGIN and breaks SAVEPOINT; the documented
    # recipe turns it off and emits BEGIN ourselves (IMMEDIATE: one writer, no upgrade deadlocks).
    turns = WriteTurns(lock_wait_seconds)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={int(lock_wait_seconds * 1000)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Read scopes (Runtime.read_scope) begin DEFERRED: WAL readers never wait for the writer.
        options = conn.get_execution_options()
        mode = options.get(SQLITE_BEGIN, "IMMEDIATE")
        if mode == "IMMEDIATE" and not conn.info.get(_HOLDS):
            turns.acquire()
            conn.info[_HOLDS] = True
        if options.get(READ_ONLY) and not conn.info.get(_QUERY_ONLY):
            conn.exec_driver_sql("PRAGMA query_only = 1")
            conn.info[_QUERY_ONLY] = True
        conn.exec_driver_sql(f"BEGIN {mode}")

    @event.listens_for(engine, "checkin")
    def _on_checkin(dbapi_connection: Any, record: Any) -> None:
        if record.info.pop(_HOLDS, False):
            turns.release()
        if record.info.pop(_QUERY_ONLY, False) and dbapi_connection is not None:
            dbapi_connection.execute("PRAGMA query_only = 0")


@contextmanager
def reading_beside(session: Session) -> Iterator[Session]:
    """The session to do a request's reads in before its short writes in ``session``.

    On SQLite, a second unit of work on the same engine that begins DEFERRED (a WAL reader), so
    the request takes the write turn only for its writes, not for the whole handler; it is
    closed (rolled back) at the end: it must not write. Elsewhere ``session`` itself:
    PostgreSQL has no single write lock. Reads and writes are then two transactions: use it
    only where the writes record what was read and no invariant spans both (a check's
    registration, ADR 0019)."""
    bind = session.get_bind()
    if bind.dialect.name != "sqlite":
        yield session
        return
    engine = bind.engine if isinstance(bind, Connection) else bind
    reader = Session(
        bind=engine.execution_options(**{SQLITE_BEGIN: "DEFERRED"}),
        info=dict(session.info),
        expire_on_commit=False,
    )
    try:
        yield reader
    finally:
        reader.close()  # rolls its transaction back; what it loaded stays readable (detached)


def make_session_factory(engine: Engine, *, keyring: Any) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit (responses are built from them)
    and carry the keyring in ``info`` for the services that seal or reveal identities."""
    return sessionmaker(bind=engine, expire_on_commit=False, info={"keyring": keyring})


FEW_KEYS = 16  # probe_many: at most this many keys need no planner hint


def probe_many(
    session: Session,
    query: Select[Any],
    column: Any,  # a column or mapped attribute
    keys: Sequence[str],
    *,
    as_type: TypeEngine[Any] | None = None,
    convert: Any = None,
) -> Sequence[Any]:
    """Rows of ``query`` whose ``column`` is one of ``keys`` (text without commas), by index.

    On PostgreSQL the keys travel as one text parameter split on the server (not thousands of
    placeholders or values adapted one by one), and the planner is told to use the index: during
    a first load the statistics say "empty" and it would scan the growing table once per batch
    (quadratic). Elsewhere a plain ``IN`` with the keys ``convert``-ed to the column's type."""
    if not keys:
        return []
    if session.get_bind().dialect.name != "postgresql":
        values = [convert(k) for k in keys] if convert else list(keys)
        return session.execute(query.where(column.in_(values))).all()
    array: ColumnElement[Any] = func.string_to_array(bindparam("probe_keys", ",".join(keys)), ",")
    if as_type is not None:
        array = sql_cast(array, ARRAY(as_type))
    if len(keys) <= FEW_KEYS:  # a request's few keys: the index is the plan; no extra round trips
        return session.execute(query.where(column == any_(array))).all()
    session.execute(text("SET LOCAL enable_seqscan = off"))
    try:
        return session.execute(query.where(column == any_(array))).all()
    finally:
        session.execute(text("SET LOCAL enable_seqscan = on"))
