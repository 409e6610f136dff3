"""The audit log as an RFC 9162 Merkle tree: leaf hashes, tiles, signed tree heads.

The hash chain (prev_hash, the head's hash) gives way to a Merkle tree: each entry's ``hash``
becomes its RFC 9162 leaf hash, recomputed here for existing rows (the append-only triggers are
dropped around that and recreated). Tiles start empty: the integrator builds them from all
entries (``audit_head.tree_size`` starts at 0).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 15:40:00
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_BATCH = 5000
_FIELDS = (
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

# Table definitions local to the revision (never the application's models).
_entry = sa.table(
    "audit_entry",
    sa.column("seq", sa.BigInteger()),
    sa.column("at", sa.DateTime(timezone=True)),
    sa.column("request_id", sa.String()),
    sa.column("actor_kind", sa.String()),
    sa.column("actor_id", sa.String()),
    sa.column("actor_name", sa.String()),
    sa.column("organization_id", sa.Uuid()),
    sa.column("action", sa.String()),
    sa.column("object_type", sa.String()),
    sa.column("object_id", sa.String()),
    sa.column("subject_id", sa.Uuid()),
    sa.column("data", sa.JSON().with_variant(postgresql.JSONB(), "postgresql")),
    sa.column("message", sa.Text()),
    sa.column("hash", sa.String()),
)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value.isoformat(timespec="microseconds")
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _canonical(row: Any, fields: tuple[str, ...]) -> bytes:
    body = {name: _jsonable(row[name]) for name in fields}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")


def _drop_append_only() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_entry")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_entry_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_entry_no_delete")


def _append_only(table: str, trigger: str) -> None:
    # Same guard as revision 0001: history cannot be rewritten without dropping the trigger
    # (SQLite names its two triggers <table>_no_update / <table>_no_delete).
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"CREATE TRIGGER {trigger} BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()"
        )
        return
    for event in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
            "BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END"
        )


def _rehash(fields: tuple[str, ...], *, chain: bool) -> str:
    """Recompute every entry's hash in seq order; returns the last hash (chain) or ''."""
    conn = op.get_bind()
    columns = [_entry.c[name] for name in fields if name != "prev_hash"]
    last_seq, prev = 0, "0" * 64
    while True:
        rows = (
            conn.execute(
                sa.select(*columns)
                .where(_entry.c.seq > last_seq)
                .order_by(_entry.c.seq)
                .limit(_BATCH)
            )
            .mappings()
            .all()
        )
        if not rows:
            return prev if chain else ""
        updates = []
        for row in rows:
            if chain:
                body = {**row, "prev_hash": prev}
                digest = hashlib.sha256(_canonical(body, fields)).hexdigest()
                updates.append({"s": row["seq"], "h": digest, "p": prev})
                prev = digest
            else:
                digest = hashlib.sha256(b"\x00" + _canonical(row, fields)).hexdigest()
                updates.append({"s": row["seq"], "h": digest})
        params = ", prev_hash = :p" if chain else ""
        statement = f"UPDATE audit_entry SET hash = :h{params} WHERE seq = :s"  # noqa: S608  # constants
        conn.execute(sa.text(statement), updates)
        last_seq = rows[-1]["seq"]


def upgrade() -> None:
    _drop_append_only()
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_constraint("uq_audit_entry_hash", type_="unique")
        batch_op.drop_column("prev_hash")
    _rehash(_FIELDS, chain=False)
    with op.batch_alter_table("audit_head", schema=None) as batch_op:
        batch_op.drop_column("hash")
        batch_op.add_column(
            sa.Column("tree_size", sa.BigInteger(), nullable=False, server_default="0")
        )
    op.create_table(
        "audit_tile",
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("idx", sa.BigInteger(), nullable=False),
        sa.Column("hashes", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("level", "idx", name=op.f("pk_audit_tile")),
    )
    op.create_table(
        "audit_tree_head",
        sa.Column("tree_size", sa.BigInteger(), nullable=False),
        sa.Column("root_hash", sa.String(length=64), nullable=False),
        sa.Column("timestamp_ms", sa.BigInteger(), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("tree_size", name=op.f("pk_audit_tree_head")),
    )
    _append_only("audit_entry", "audit_entry_append_only")
    _append_only("audit_tree_head", "audit_tree_head_append_only")


def downgrade() -> None:
    # Back to the hash chain: rebuild prev_hash and hash from the entries (tiles and signed
    # tree heads have no place in it and are dropped).
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_tree_head_append_only ON audit_tree_head")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_tree_head_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_tree_head_no_delete")
    op.drop_table("audit_tree_head")
    op.drop_table("audit_tile")
    _drop_append_only()
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("prev_hash", sa.String(length=64), nullable=False, server_default="0" * 64)
        )
    last = _rehash((*_FIELDS, "prev_hash"), chain=True)
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.alter_column("prev_hash", server_default=None)
        batch_op.create_unique_constraint(batch_op.f("uq_audit_entry_hash"), ["hash"])
    with op.batch_alter_table("audit_head", schema=None) as batch_op:
        batch_op.drop_column("tree_size")
        batch_op.add_column(
            sa.Column("hash", sa.String(length=64), nullable=False, server_default="0" * 64)
        )
    op.execute(sa.text("UPDATE audit_head SET hash = :h WHERE id = 1").bindparams(h=last))
    with op.batch_alter_table("audit_head", schema=None) as batch_op:
        batch_op.alter_column("hash", server_default=None)
    _append_only("audit_entry", "audit_entry_append_only")
