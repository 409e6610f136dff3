"""The composition root's one call: every domain's registrations, made explicitly, once per
process (ADR 0038). Called by the app, the CLI, the job worker and the test suite; nothing is
registered by importing a module.

A domain that reacts to another's events or declares something to the platform has an
``install()`` here. Faces layer: it may import every domain.
"""

from __future__ import annotations

import threading

from chengxin import events

_lock = threading.Lock()
_installed = False


def install() -> None:
    """Make every registration; idempotent and thread-safe."""
    global _installed  # noqa: PLW0603 — once per process
    with _lock:
        if _installed:
            return
        # Every table in the metadata first: registries read table and column declarations.
        from chengxin import models  # noqa: F401, PLC0415

        # The audit log's Session listeners (the group-commit writer relies on them).
        from chengxin.audit import hooks as audit_hooks  # noqa: PLC0415

        audit_hooks.install()
        # The platform reads the tables' declarations: change topics (their session events too).
        from chengxin.changes import hooks as changes_hooks  # noqa: PLC0415

        changes_hooks.install()
        # Each domain's install() is added below, lowest layer first.
        from chengxin.accounts import hooks as accounts_hooks  # noqa: PLC0415

        accounts_hooks.install()  # agencies find staff accounts' organizations
        from chengxin.identity import hooks as identity_hooks  # noqa: PLC0415

        identity_hooks.install()
        from chengxin.access import recipients as access_recipients  # noqa: PLC0415
        from chengxin.checks import recipients as checks_recipients  # noqa: PLC0415
        from chengxin.lists import hooks as lists_hooks  # noqa: PLC0415

        access_recipients.install()
        lists_hooks.install()
        checks_recipients.install()
        from chengxin.scoring import on_catalog as scoring_on_catalog  # noqa: PLC0415

        scoring_on_catalog.install()
        from chengxin.catalog import hooks as catalog_hooks  # noqa: PLC0415
        from chengxin.checks import hooks as checks_hooks  # noqa: PLC0415

        catalog_hooks.install()  # caches forgotten when what they hold changes
        checks_hooks.install()
        from chengxin.state import hooks as state_hooks  # noqa: PLC0415

        state_hooks.install()
        # The platform's background jobs and schedules, on the worker's registry.
        from chengxin import tasks  # noqa: PLC0415

        tasks.install()
        events.mark_wired()
        _installed = True
