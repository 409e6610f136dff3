"""Statements (本人声明, RULES.md §3): a person's own words on one of their records.

A statement belongs to the provider's record (provider, source id), not to one version, so it
travels with the record through corrections, into every report that shows the record. The text
is sealed; the person may withdraw it (kept, marked withdrawn, for as-of reports).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from chengxin.audit import service as audit
from chengxin.casework.cases import own_record
from chengxin.db import utcnow
from chengxin.keys import keyring_of
from chengxin.keys.sealed import seal, unseal
from chengxin.objections.errors import StatementInputInvalid, StatementNotFound
from chengxin.objections.models import Statement
from chengxin.records.models import CreditRecord
from chengxin.security.actor import Actor

TABLE = "record_statement"
MAX_CHARS = 500
MAX_PER_RECORD = 3


def add(
    session: Session,
    *,
    record_id: uuid.UUID,
    text: str,
    actor: Actor,
    now: datetime | None = None,
) -> Statement:
    """Attach the person's statement to one of their records."""
    now = now or utcnow()
    record = own_record(session, record_id, actor)
    if actor.subject_id != record.subject_id:
        raise StatementNotFound("only the person concerned writes a statement")
    clean = text.strip()
    if not 2 <= len(clean) <= MAX_CHARS:  # noqa: PLR2004
        raise StatementInputInvalid(f"2 to {MAX_CHARS} characters")
    existing = [s for s in _of_sources(session, [record]) if s.withdrawn_at is None]
    if len(existing) >= MAX_PER_RECORD:
        raise StatementInputInvalid(f"at most {MAX_PER_RECORD} statements per record")
    statement_id = uuid.uuid4()
    sealed, key_id = seal(keyring_of(session), TABLE, statement_id, {"text": clean})
    statement = Statement(
        id=statement_id,
        subject_id=record.subject_id,
        provider_id=record.provider_id,
        source_id=record.source_id,
        record_id=record.id,
        sealed=sealed,
        key_id=key_id,
        created_at=now,
    )
    session.add(statement)
    session.flush()
    audit.record(
        session,
        "objections:statement:add",
        actor=actor,
        object_type=TABLE,
        object_id=statement.id,
        subject_id=record.subject_id,
        at=now,
        data={"record_id": str(record.id)},
    )
    return statement


def withdraw(
    session: Session, statement_id: uuid.UUID, *, actor: Actor, now: datetime | None = None
) -> Statement:
    now = now or utcnow()
    statement = session.get(Statement, statement_id)
    if statement is None or statement.subject_id != actor.subject_id:
        raise StatementNotFound
    if statement.withdrawn_at is None:
        statement.withdrawn_at = now
        audit.record(
            session,
            "objections:statement:withdraw",
            actor=actor,
            object_type=TABLE,
            object_id=statement.id,
            subject_id=statement.subject_id,
            at=now,
        )
    return statement


def text_of(session: Session, statement: Statement) -> str:
    value = unseal(keyring_of(session), TABLE, statement.id, statement.sealed, statement.key_id)
    return str(value["text"])


def mine(session: Session, *, actor: Actor) -> list[Statement]:
    return list(
        session.execute(
            select(Statement)
            .where(Statement.subject_id == actor.subject_id)
            .order_by(Statement.created_at.desc())
        ).scalars()
    )


def _of_sources(session: Session, records: Sequence[CreditRecord]) -> list[Statement]:
    keys = sorted({(r.provider_id, r.source_id) for r in records})
    if not keys:
        return []
    subjects = sorted({r.subject_id for r in records})
    return list(
        session.execute(
            select(Statement)
            .where(
                Statement.subject_id.in_(subjects),
                tuple_(Statement.provider_id, Statement.source_id).in_(keys),
            )
            .order_by(Statement.created_at)
        ).scalars()
    )


def texts_for(
    session: Session, records: Sequence[CreditRecord], *, at: datetime | None = None
) -> dict[uuid.UUID, list[str]]:
    """Each record version's statements as they stood at a moment (now when None)."""
    by_source: dict[tuple[uuid.UUID, str], list[str]] = defaultdict(list)
    for statement in _of_sources(session, records):
        if at is not None and statement.created_at > at:
            continue
        withdrawn = statement.withdrawn_at
        if withdrawn is not None and (at is None or withdrawn <= at):
            continue
        by_source[(statement.provider_id, statement.source_id)].append(text_of(session, statement))
    return {
        r.id: by_source[(r.provider_id, r.source_id)]
        for r in records
        if (r.provider_id, r.source_id) in by_source
    }
