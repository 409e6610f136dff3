"""Domain events inside one transaction: how a lower layer causes an effect in a higher one
without importing it (ADR 0038).

A package that owns a fact publishes what happened to it (``publish(session, NAME, payload)``);
a package built on that fact subscribes (``subscribe(NAME, handler)``) in its own ``install()``.
Handlers run synchronously, in the publisher's session and transaction, so the effect commits
or rolls back with the event that caused it (one truth per person, STYLE.md).

Nothing subscribes when a module is imported: the composition roots (the app, the CLI, the
worker, the test suite) call ``chengxin.wiring.install()`` once, which calls each domain's
``install()``. Publishing before that is refused, so an effect can never be silently lost in a
process that forgot to wire itself.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

Handler = Callable[[Session, Any], None]

_lock = threading.Lock()
_handlers: dict[str, tuple[Handler, ...]] = {}
_wired = False


class NotWired(RuntimeError):
    """An event was published in a process that never called ``chengxin.wiring.install()``."""


def subscribe(name: str, handler: Handler) -> None:
    """Run ``handler(session, payload)`` for every ``name`` published; idempotent."""
    with _lock:
        present = _handlers.get(name, ())
        if handler not in present:
            _handlers[name] = (*present, handler)


def publish(session: Session, name: str, payload: Any) -> None:
    """Tell every subscriber of ``name``, in the caller's session and transaction, in the
    order they subscribed. A subscriber's exception propagates: the transaction fails whole."""
    if not _wired:
        raise NotWired(f"event {name!r} published before chengxin.wiring.install()")
    for handler in _handlers.get(name, ()):
        handler(session, payload)


def subscribers(name: str) -> tuple[Handler, ...]:
    """Who listens to ``name`` (for tests and the architecture page)."""
    return _handlers.get(name, ())


def mark_wired() -> None:
    """Called by ``chengxin.wiring.install()`` once every domain has subscribed."""
    global _wired  # noqa: PLW0603 — one flag per process, set once by the composition root
    _wired = True
