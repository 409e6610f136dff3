"""Alembic environment: uses the connection or engine handed over by chengxin.migrate."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from chengxin.db import make_engine
from chengxin.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite can only ALTER by copying tables
        compare_type=True,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # Migrations must never wait forever on a lock held by live traffic.
            context.execute("SET LOCAL lock_timeout = '10s'")
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    engine = config.attributes.get("engine") or make_engine(
        config.get_main_option("sqlalchemy.url") or ""
    )
    with engine.begin() as conn:
        _run(conn)
