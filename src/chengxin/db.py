"""Engine, sessions, the declarative base and portable column types."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
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
    """Use psycopg 3 for PostgreSQL whatever spelling the operator gave."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine with the pragmas and pool settings Chengxin relies on."""
    url = normalize_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    # pysqlite's own transaction handling defers BEGIN and breaks SAVEPOINT; the documented
    # recipe turns it off and emits BEGIN ourselves (IMMEDIATE: one writer, no upgrade deadlocks).
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_session_factory(engine: Engine, *, keyring: Any) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit (responses are built from them)
    and carry the keyring in ``info`` for the services that seal or reveal identities."""
    return sessionmaker(bind=engine, expire_on_commit=False, info={"keyring": keyring})


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
    session.execute(text("SET LOCAL enable_seqscan = off"))
    try:
        return session.execute(query.where(column == any_(array))).all()
    finally:
        session.execute(text("SET LOCAL enable_seqscan = on"))
