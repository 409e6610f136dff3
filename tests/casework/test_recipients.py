"""Casework's recipient sources (issue 21): access and checks register theirs at wiring, and a
process that never wired itself is refused rather than telling nobody."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from chengxin.casework import recipients
from chengxin.db import utcnow


def test_wiring_registers_access_and_checks() -> None:
    found = {s.name: s for s in recipients.sources()}
    assert found["access"].received is not None
    assert found["checks"].checked is not None


def test_no_source_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(recipients, "_sources", {})
    session: Any = None  # never reached: no source to ask
    with pytest.raises(recipients.NoRecipientSource):
        recipients.received(session, uuid.uuid4(), [uuid.uuid4()])
    with pytest.raises(recipients.NoRecipientSource):
        recipients.checked_since(session, uuid.uuid4(), utcnow())


def test_the_answers_are_the_union_of_the_sources(monkeypatch: pytest.MonkeyPatch) -> None:
    a, b, c = (uuid.uuid4() for _ in range(3))
    monkeypatch.setattr(recipients, "_sources", {})
    recipients.register(recipients.Source("one", received=lambda *_: {a, b}))
    recipients.register(
        recipients.Source("two", received=lambda *_: {b, c}, checked=lambda *_: {c})
    )
    session: Any = None  # the sources here read nothing
    assert recipients.received(session, uuid.uuid4(), []) == {a, b, c}
    assert recipients.checked_since(session, uuid.uuid4(), utcnow()) == {c}
