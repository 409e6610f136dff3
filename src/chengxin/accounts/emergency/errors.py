"""Emergency errors with stable codes (docs/problems.md)."""

from __future__ import annotations

from chengxin.errors import DomainError, InvalidInput


class PlatformLockedDown(DomainError):
    status = 503
    code = "platform-locked-down"
    title = "The platform is in an emergency read-only lockdown: changes are refused"


class ReasonRequired(InvalidInput):
    code = "reason-required"
    title = "An emergency action needs a reason"
