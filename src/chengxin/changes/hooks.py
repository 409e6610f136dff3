"""The change topics' registrations (ADR 0034, ADR 0038): called once by
``chengxin.wiring.install()``, after every table is in the metadata."""

from __future__ import annotations

from chengxin.changes import service


def install() -> None:
    """Read which tables move which topic from their declarations, and attach the session events
    that note and bump them (idempotent)."""
    service.track()
    service.listen()
