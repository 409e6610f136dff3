"""Tip errors with stable codes (docs/problems.md)."""

from __future__ import annotations

from chengxin.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from chengxin.ratelimit import RateLimited


class TipNotFound(NotFound):
    code = "tip-not-found"
    title = "No tip with this reference and secret"


class TipInputInvalid(InvalidInput):
    code = "tip-input-invalid"
    title = "The tip is not complete"


class TipRateLimited(RateLimited):
    code = "tip-rate-limited"
    title = "Too many tips or look-ups from this client; try again later"


class TipFlood(DomainError):
    status = 429
    code = "tip-flood"
    title = "The same tip text was sent too often; it is already being handled"


class TipTransitionInvalid(Conflict):
    code = "tip-transition-invalid"
    title = "The tip cannot move to this state from its current one"


class TipNotYours(Forbidden):
    code = "tip-not-yours"
    title = "This tip is in another organization's queue"
