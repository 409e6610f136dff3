"""The big tables partitioned on PostgreSQL (issue 18, ADR 0035): ``credit_record`` by hash of
``subject_id`` (16 partitions), ``record_event`` and ``audit_entry`` by ranges of ``seq`` (a million
each, with a DEFAULT partition for rows beyond the last). The partitions live in the schema
``partitions``; the job ``partitions.maintain`` keeps ranges ahead of the counters.

A unique index of a partitioned table must hold the partition key, so the record's unique index is
(provider_id, source_id, version, subject_id) on both databases, and the primary keys on
PostgreSQL are ``credit_record (id, subject_id)`` and ``record_event (seq, subject_id)``: the
schema stays distributable by subject (ADR 0035). SQLite gets the index change only.

Each table is renamed, its partitioned successor created and filled, the old one dropped, then the
indexes built: the three tables are locked for the copy (a maintenance window on a large store).
The downgrade copies back into plain tables.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 23:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

SCHEMA = "partitions"
RECORD_MODULUS = 16
SEQ_SIZE = 1_000_000
SEQ_AHEAD = 4

# Indexes other than the primary key, as the models declare them (before this revision the
# unique one lacked subject_id).
_INDEXES = {
    "credit_record": [
        "CREATE INDEX ix_credit_record_batch_id ON credit_record (batch_id)",
        "CREATE INDEX ix_credit_record_batch_row ON credit_record (batch_id, row_no)",
        (
            "CREATE INDEX ix_credit_record_display_until_on ON credit_record (display_until_on) "
            "WHERE status = 'active'"
        ),
        "CREATE INDEX ix_credit_record_kind_code ON credit_record (kind_code)",
        "CREATE INDEX ix_credit_record_subject_id ON credit_record (subject_id)",
    ],
    "record_event": [],
    "audit_entry": [
        "CREATE INDEX ix_audit_entry_action ON audit_entry (action)",
        "CREATE INDEX ix_audit_entry_at ON audit_entry (at)",
        "CREATE INDEX ix_audit_entry_organization_id ON audit_entry (organization_id)",
        "CREATE INDEX ix_audit_entry_subject_id ON audit_entry (subject_id)",
    ],
}
_UNIQUE_OLD = ("provider_id", "source_id", "version")
_UNIQUE_NEW = (*_UNIQUE_OLD, "subject_id")
_APPEND_ONLY = (
    "CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry "
    "FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()"
)


def _unique(columns: tuple[str, ...]) -> str:
    return (
        "CREATE UNIQUE INDEX uq_credit_record_source_version "
        f"ON credit_record ({', '.join(columns)})"
    )


def _seq_head(table: str) -> int:
    """The highest seq the table holds or its counter has handed out."""
    counter = (
        "SELECT seq FROM audit_head WHERE id = 1"
        if table == "audit_entry"
        else "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM record_event_seq_seq"
    )
    statement = f"SELECT greatest(coalesce(max(seq), 0), coalesce(({counter}), 0)) FROM {table}"  # noqa: S608  # constants
    return int(op.get_bind().exec_driver_sql(statement).scalar_one())


def _swap(table: str, partition_by: str) -> str:
    """Rename the table, create its partitioned successor (columns and defaults alike); returns
    the old table's new name."""
    old = f"{table}_unpartitioned"
    op.execute(f"ALTER TABLE {table} RENAME TO {old}")
    op.execute(
        f"CREATE TABLE {table} (LIKE {old} INCLUDING DEFAULTS INCLUDING STORAGE) "
        f"PARTITION BY {partition_by}"
    )
    return old


def _copy_and_drop(table: str, old: str) -> None:
    op.execute(f"INSERT INTO {table} SELECT * FROM {old}")  # noqa: S608  # constants
    if table != "credit_record":
        # The seq counter belongs to the new column, or the drop would take it along.
        op.execute(f"ALTER SEQUENCE {table}_seq_seq OWNED BY {table}.seq")
    op.execute(f"DROP TABLE {old}")


def _upgrade_postgresql() -> None:
    op.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")

    old = _swap("credit_record", "HASH (subject_id)")
    for remainder in range(RECORD_MODULUS):
        op.execute(
            f"CREATE TABLE {SCHEMA}.credit_record_h{remainder:02d} PARTITION OF credit_record "
            f"FOR VALUES WITH (MODULUS {RECORD_MODULUS}, REMAINDER {remainder})"
        )
    _copy_and_drop("credit_record", old)
    op.execute(
        "ALTER TABLE credit_record ADD CONSTRAINT pk_credit_record PRIMARY KEY (id, subject_id)"
    )
    op.execute(_unique(_UNIQUE_NEW))

    for table, key in (("record_event", "seq, subject_id"), ("audit_entry", "seq")):
        head = _seq_head(table)
        old = _swap(table, "RANGE (seq)")
        for index in range(head // SEQ_SIZE + SEQ_AHEAD + 1):
            op.execute(
                f"CREATE TABLE {SCHEMA}.{table}_s{index:06d} PARTITION OF {table} "
                f"FOR VALUES FROM ({index * SEQ_SIZE}) TO ({(index + 1) * SEQ_SIZE})"
            )
        op.execute(f"CREATE TABLE {SCHEMA}.{table}_default PARTITION OF {table} DEFAULT")
        _copy_and_drop(table, old)
        op.execute(f"ALTER TABLE {table} ADD CONSTRAINT pk_{table} PRIMARY KEY ({key})")

    for statements in _INDEXES.values():
        for statement in statements:
            op.execute(statement)
    op.execute(_APPEND_ONLY)


def _downgrade_postgresql() -> None:
    for table, key in (
        ("credit_record", "id"),
        ("record_event", "seq"),
        ("audit_entry", "seq"),
    ):
        old = f"{table}_partitioned"
        op.execute(f"ALTER TABLE {table} RENAME TO {old}")
        op.execute(f"CREATE TABLE {table} (LIKE {old} INCLUDING DEFAULTS INCLUDING STORAGE)")
        _copy_and_drop(table, old)  # its partitions go with it
        op.execute(f"ALTER TABLE {table} ADD CONSTRAINT pk_{table} PRIMARY KEY ({key})")
    op.execute(_unique(_UNIQUE_OLD))
    for statements in _INDEXES.values():
        for statement in statements:
            op.execute(statement)
    op.execute(_APPEND_ONLY)
    op.execute(f"DROP SCHEMA {SCHEMA}")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _upgrade_postgresql()
        return
    op.drop_index("uq_credit_record_source_version", table_name="credit_record")
    op.create_index(
        "uq_credit_record_source_version", "credit_record", list(_UNIQUE_NEW), unique=True
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _downgrade_postgresql()
        return
    op.drop_index("uq_credit_record_source_version", table_name="credit_record")
    op.create_index(
        "uq_credit_record_source_version", "credit_record", list(_UNIQUE_OLD), unique=True
    )
