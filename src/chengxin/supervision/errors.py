"""Supervision errors with stable codes (docs/problems.md)."""

from __future__ import annotations

from chengxin.errors import NotFound


class AuditEntryNotFound(NotFound):
    code = "audit-entry-not-found"
    title = "No audit entry with this sequence number"
