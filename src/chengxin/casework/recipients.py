"""Who received what about a person: the organizations a correction, deletion, repair or exit
must reach (R5.1: tell every party that received it).

Casework does not know where deliveries are logged. Each package that hands records or answers to
organizations registers a source here in its own ``install()`` (called by
``chengxin.wiring.install()``); casework asks every registered source and tells the union, in the
order of the organizations' ids. A process that never wired itself finds no source and is refused,
so a notice can never be silently left out.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

Received = Callable[[Session, uuid.UUID, list[uuid.UUID]], set[uuid.UUID]]
Checked = Callable[[Session, uuid.UUID, datetime], set[uuid.UUID]]


class NoRecipientSource(RuntimeError):
    """Asked who received something in a process that never called ``chengxin.wiring.install()``."""


@dataclass(frozen=True)
class Source:
    """One place deliveries are logged. ``received(session, subject_id, record_ids)``: the
    organizations that received any of these record versions; ``checked(session, subject_id,
    since)``: those that checked the person since a moment. Either may be absent."""

    name: str
    received: Received | None = None
    checked: Checked | None = None


_lock = threading.Lock()
_sources: dict[str, Source] = {}


def register(source: Source) -> None:
    """Add (or replace, by name) a source; idempotent."""
    with _lock:
        _sources[source.name] = source


def sources() -> tuple[Source, ...]:
    """The registered sources, in the order they registered."""
    return tuple(_sources.values())


def _answers(kind: str) -> list[Source]:
    found = [s for s in sources() if getattr(s, kind) is not None]
    if not found:
        raise NoRecipientSource(f"no {kind!r} recipient source: call chengxin.wiring.install()")
    return found


def received(
    session: Session, subject_id: uuid.UUID, record_ids: Iterable[uuid.UUID]
) -> set[uuid.UUID]:
    """Organizations that received any of these record versions of the person."""
    ids = list(record_ids)
    found: set[uuid.UUID] = set()
    for source in _answers("received"):
        assert source.received is not None  # noqa: S101 — filtered by _answers
        found |= source.received(session, subject_id, ids)
    return found


def checked_since(session: Session, subject_id: uuid.UUID, since: datetime) -> set[uuid.UUID]:
    """Organizations that checked the person since a moment (they may apply a measure)."""
    found: set[uuid.UUID] = set()
    for source in _answers("checked"):
        assert source.checked is not None  # noqa: S101 — filtered by _answers
        found |= source.checked(session, subject_id, since)
    return found
