"""The registry of persons' registrations (ADR 0038): called once by ``chengxin.wiring.install()``.

Notifications address persons by subject id and read their phone numbers from the phone book
identity registers here (the platform imports no domain).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin.identity import service as identity_service
from chengxin.identity.models import Subject
from chengxin.keys import keyring_of
from chengxin.notifications import phones as notification_phones


def phones(session: Session, subject_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The clear phone numbers of those of the persons who have one (never log them)."""
    ring = keyring_of(session)
    found: dict[uuid.UUID, str] = {}
    for subject in session.execute(select(Subject).where(Subject.id.in_(subject_ids))).scalars():
        if subject.phone_ct is not None:
            phone = identity_service.reveal(ring, subject).phone
            if phone:
                found[subject.id] = phone
    return found


def install() -> None:
    """Register the phone book notifications read persons' numbers from."""
    notification_phones.register_phone_book(phones)
