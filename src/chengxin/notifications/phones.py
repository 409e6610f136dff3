"""Where a person's phone number comes from: the registry of persons registers its phone book
here from its ``install()`` (``chengxin.identity.hooks``), so notifications import no domain
(ADR 0038). Asking before one is registered fails loudly: no message is silently dropped."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Mapping, Sequence

from sqlalchemy.orm import Session

from chengxin.notifications.errors import RecipientUnreachable

# The clear phone numbers of the given persons (at most a few hundred at a time), by subject id;
# a person unknown or without a phone is left out. Never log what it returns.
PhoneBook = Callable[[Session, Sequence[uuid.UUID]], Mapping[uuid.UUID, str]]

BATCH = 500
_books: list[PhoneBook] = []


class NoPhoneBook(RuntimeError):
    """A message was addressed in a process that never called ``chengxin.wiring.install()``."""


def register_phone_book(book: PhoneBook) -> None:
    """Make ``book`` the source of persons' phone numbers (idempotent; one book per process)."""
    if _books and _books[0] is not book:
        raise ValueError("a phone book is already registered")
    if not _books:
        _books.append(book)


def phones_of(session: Session, subject_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The phone numbers of the persons who have one, by subject id, read a batch at a time."""
    if not _books:
        raise NoPhoneBook("no phone book registered: call chengxin.wiring.install() first")
    wanted = sorted(set(subject_ids))
    phones: dict[uuid.UUID, str] = {}
    for start in range(0, len(wanted), BATCH):
        phones.update(_books[0](session, wanted[start : start + BATCH]))
    return phones


def phone_of(session: Session, subject_id: uuid.UUID) -> str:
    """A person's phone number; ``recipient-unreachable`` when they have none."""
    phone = phones_of(session, [subject_id]).get(subject_id)
    if not phone:
        raise RecipientUnreachable
    return phone
