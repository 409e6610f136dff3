"""Where scoring reads what counts for a person: their credit state (ADR 0038).

The credit state (``chengxin.state``) is the one rule of what is displayed, listed and in dispute
for a person; it also holds the grade in force, which it reads from the scores this package
writes, so it sits above scoring and scoring does not import it. The state package provides its
reader here in its ``install()`` (``state.hooks``); the protocols below name the little scoring
reads of a state. Reading before that is refused, as publishing an event is.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Protocol

from sqlalchemy.orm import Session

from chengxin.lists.memberships import Membership


class ShownRecord(Protocol):
    """A record displayed at the moment (``state.rule.Shown``)."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def kind_code(self) -> str: ...
    @property
    def category(self) -> str: ...
    @property
    def severity(self) -> str | None: ...
    @property
    def finding_on(self) -> date: ...


class CountedState(Protocol):
    """What scoring reads of a person's credit state (``state.rule.CreditState``)."""

    @property
    def records(self) -> Sequence[ShownRecord]: ...
    @property
    def memberships(self) -> Sequence[Membership]: ...
    @property
    def disputed(self) -> Sequence[uuid.UUID]: ...


class StatesReader(Protocol):
    """``state.service.states``: each person's state at ``at``, recomputed where the stored row
    does not hold then."""

    def __call__(
        self, session: Session, subject_ids: Sequence[uuid.UUID], *, at: datetime | None = None
    ) -> Mapping[uuid.UUID, CountedState]: ...


class NotProvided(RuntimeError):
    """Scores were computed in a process that never called ``chengxin.wiring.install()``."""


_reader: list[StatesReader] = []  # the one provided reader


def provide(reader: StatesReader) -> None:
    """Called by the state package's ``install()``; idempotent (the last reader wins)."""
    _reader[:] = [reader]


def states(
    session: Session, subject_ids: Sequence[uuid.UUID], *, at: datetime
) -> Mapping[uuid.UUID, CountedState]:
    """Each person's credit state at ``at``, through the provided reader."""
    if not _reader:
        raise NotProvided("scoring read credit states before chengxin.wiring.install()")
    return _reader[0](session, subject_ids, at=at)
