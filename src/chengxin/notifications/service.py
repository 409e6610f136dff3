"""Notify persons: render a zh-CN template, seal the text into the outbox, hand it to the
channel (ADR 0011). Used by citizens' sign-in codes and, later, list notices and objections."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from chengxin.audit import service as audit
from chengxin.db import utcnow
from chengxin.keys import keyring_of
from chengxin.notifications import templates
from chengxin.notifications.channels import SESSION_INFO_KEY, Channel, LocalChannel, Message
from chengxin.notifications.errors import RecipientUnreachable
from chengxin.notifications.models import NotificationOutbox, OutboxStatus, body_aad
from chengxin.notifications.phones import phone_of, phones_of
from chengxin.privacy import mask_phone
from chengxin.security.actor import Actor, system_actor

log = structlog.get_logger("chengxin.notifications")

SMS = "sms"


def _channel(session: Session) -> Channel:
    channel = session.info.get(SESSION_INFO_KEY)
    return channel if channel is not None else LocalChannel()


def notify(
    session: Session,
    *,
    subject_id: uuid.UUID,
    template: str,
    params: dict[str, str],
    actor: Actor | None = None,
    now: datetime | None = None,
) -> uuid.UUID:
    """Queue a text message to a person's registered phone and return the outbox id.

    The text is sealed in the outbox in the caller's transaction; an immediate channel (local)
    delivers at once, a gateway after commit (``deliver_queued``). ``recipient-unreachable``
    when the person has no phone. The audit entry names the template, never the text."""
    queued = notify_many(
        session,
        [Notice(subject_id, template, params)],
        actor=actor or system_actor("notifications"),
        now=now or utcnow(),
    )[0]
    if queued is None:
        raise RecipientUnreachable
    return queued


@dataclass(frozen=True)
class Notice:
    """One message of :func:`notify_many`: to whom, which template, its parameters."""

    subject_id: uuid.UUID
    template: str
    params: dict[str, str]


def notify_many(
    session: Session, notices: Sequence[Notice], *, actor: Actor, now: datetime
) -> list[uuid.UUID | None]:
    """Queue many messages in the caller's transaction, as ``notify`` does one (a job's chunk):
    the persons' phones read in one query, the sealed rows inserted in one statement, one audit
    entry per message. Returns each notice's outbox id, None for a person without a phone."""
    ring = keyring_of(session)
    channel = _channel(session)
    phones = phones_of(session, [n.subject_id for n in notices])
    rows: list[dict[str, Any]] = []
    ids: list[uuid.UUID | None] = []
    for notice in notices:
        phone = phones.get(notice.subject_id)
        if not phone:
            ids.append(None)
            continue
        text = templates.render(notice.template, notice.params)
        row_id = uuid.uuid4()
        sealed = ring.encrypt(text, body_aad(row_id), ring.active)
        row: dict[str, Any] = {
            "id": row_id,
            "subject_id": notice.subject_id,
            "channel": SMS,
            "template": notice.template,
            "body_ct": sealed,
            "key_id": ring.active,
            "status": OutboxStatus.QUEUED.value,
            "delivery_id": None,
            "created_at": now,
            "sent_at": None,
        }
        if channel.immediate:
            message = Message(row_id, notice.subject_id, phone, notice.template, text)
            row["delivery_id"] = channel.send(message)[:100]
            row["status"], row["sent_at"] = OutboxStatus.SENT.value, now
        rows.append(row)
        ids.append(row_id)
    if rows:
        session.execute(insert(NotificationOutbox), rows)
    for row in rows:
        audit.record(
            session,
            "notifications:message:queue",
            actor=actor,
            object_type="notification_outbox",
            object_id=row["id"],
            subject_id=row["subject_id"],
            data={"template": row["template"], "channel": SMS, "status": row["status"]},
        )
    return ids


def text_of(session: Session, row: NotificationOutbox) -> str:
    """The clear text of an outbox message (the demo's CLI, tests; never log it)."""
    return keyring_of(session).decrypt(row.body_ct, body_aad(row.id), row.key_id)


@dataclass(frozen=True)
class ShownMessage:
    """An outbox message for display: time, masked phone, template, status and the text."""

    row: NotificationOutbox
    masked_phone: str | None
    text: str


def recent(session: Session, *, last: int = 10) -> list[ShownMessage]:
    """The most recent outbox messages, newest first, decrypted (for the operator's console)."""
    rows = session.execute(
        select(NotificationOutbox)
        .order_by(NotificationOutbox.created_at.desc(), NotificationOutbox.id)
        .limit(last)
    ).scalars()
    shown = []
    for row in rows:
        try:
            masked: str | None = mask_phone(phone_of(session, row.subject_id))
        except RecipientUnreachable:
            masked = None
        shown.append(ShownMessage(row, masked, text_of(session, row)))
    return shown


# Templates never shown back to the person: a used sign-in code is worthless and should not sit on
# a page.
NOT_SHOWN_TO_PERSON = frozenset({"citizen-sign-in-code"})


@dataclass(frozen=True)
class PersonNotice:
    """A message the platform sent the person, as the person sees it."""

    at: datetime
    template: str
    status: str
    text: str


def for_person(session: Session, *, actor: Actor, last: int = 100) -> list[PersonNotice]:
    """The signed-in person's own messages, newest first (the session's subject only; sign-in
    codes left out)."""
    subject_id = audit.own_subject(actor)
    rows = session.execute(
        select(NotificationOutbox)
        .where(
            NotificationOutbox.subject_id == subject_id,
            NotificationOutbox.template.not_in(sorted(NOT_SHOWN_TO_PERSON)),
        )
        .order_by(NotificationOutbox.created_at.desc(), NotificationOutbox.id)
        .limit(last)
    ).scalars()
    return [PersonNotice(r.created_at, r.template, r.status, text_of(session, r)) for r in rows]


def latest_for(session: Session, subject_id: uuid.UUID) -> NotificationOutbox | None:
    """The newest outbox message to a person, or None."""
    return session.execute(
        select(NotificationOutbox)
        .where(NotificationOutbox.subject_id == subject_id)
        .order_by(NotificationOutbox.created_at.desc())
        .limit(1)
    ).scalar_one_or_none()


def deliver_queued(
    scope: Callable[[], AbstractContextManager[Session]], channel: Channel, *, limit: int = 100
) -> int:
    """Hand queued messages to a (gateway) channel after their transactions committed; one unit
    of work (``scope()``, the runtime's) per message, so a failure marks only that row. Returns
    how many were sent."""
    sent = 0
    with scope() as session:
        ids = list(
            session.execute(
                select(NotificationOutbox.id)
                .where(NotificationOutbox.status == OutboxStatus.QUEUED.value)
                .order_by(NotificationOutbox.created_at)
                .limit(limit)
            ).scalars()
        )
    for row_id in ids:
        with scope() as session:
            row = session.execute(
                select(NotificationOutbox)
                .where(
                    NotificationOutbox.id == row_id,
                    NotificationOutbox.status == OutboxStatus.QUEUED.value,
                )
                .with_for_update(skip_locked=True)
            ).scalar_one_or_none()
            if row is None:
                continue
            message = Message(
                row.id,
                row.subject_id,
                phone_of(session, row.subject_id),
                row.template,
                text_of(session, row),
            )
            try:
                row.delivery_id = channel.send(message)[:100]
            except Exception as exc:  # noqa: BLE001  # any gateway failure marks the row failed
                row.status = OutboxStatus.FAILED.value
                log.warning("notification_failed", outbox_id=str(row.id), error=type(exc).__name__)
                continue
            row.status, row.sent_at = OutboxStatus.SENT.value, utcnow()
            sent += 1
    return sent
