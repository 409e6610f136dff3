"""Helpers other tests use to put someone on a list through the REAL lifecycle: propose (by the
machine's operator, on a finding document) → notify → the objection window passes → publish."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from chengxin.lists import service as list_service
from chengxin.lists.models import ListEntry
from chengxin.runtime import Runtime
from chengxin.security.actor import Actor, system_actor
from chengxin.settings import Settings

OPERATOR = system_actor("lists-test")
# Longer than any objection window of 5 working days, Spring Festival included.
WINDOW = timedelta(days=30)


@contextmanager
def _session(runtime_or_session: Runtime | Session) -> Iterator[tuple[Session, bool]]:
    if isinstance(runtime_or_session, Session):
        yield runtime_or_session, False
        return
    with runtime_or_session.scope() as session:
        yield session, True


def listed(
    runtime_or_session: Runtime | Session,
    subject_id: uuid.UUID | None,
    list_type: str,
    *,
    now: datetime,
    credit_code: str | None = None,
    record_ids: Sequence[uuid.UUID] = (),
    reason: str = "经认定符合本名单认定标准",
    document_no: str = "鄂测试〔2026〕1号",
    actor: Actor = OPERATOR,
    settings: Settings | None = None,
) -> ListEntry:
    """A published entry for a person (``subject_id``, who must be registered) or an
    organization (``credit_code``, subject_id None): proposed and notified ``WINDOW`` before
    ``now``, published at ``now``. Returned detached when given a runtime."""
    if settings is None:
        settings = (
            runtime_or_session.settings
            if isinstance(runtime_or_session, Runtime)
            else Settings.model_construct()
        )
    start = now - WINDOW
    with _session(runtime_or_session) as (session, own):
        data = list_service.Proposal(
            list_type=list_type,
            reason=reason,
            record_ids=list(record_ids),
            subject_id=subject_id,
            credit_code=credit_code,
            document_no=None if record_ids else document_no,
        )
        entry = list_service.propose(session, data, actor=actor, now=start)
        list_service.notify(session, entry.id, actor=actor, settings=settings, now=start)
        entry = list_service.publish(session, entry.id, actor=actor, now=now)
        if own:
            session.flush()
            session.expunge(entry)
        return entry


def exited(
    runtime: Runtime, entry_id: uuid.UUID, *, now: datetime, reason: Any = None
) -> ListEntry:
    """Take a published entry off its list (default: obligation performed)."""
    from chengxin.lists.models import ExitReason

    with runtime.scope() as session:
        entry = list_service.exit_entry(
            session, entry_id, reason=reason or ExitReason.PERFORMED, actor=OPERATOR, now=now
        )
        session.flush()
        session.expunge(entry)
        return entry
