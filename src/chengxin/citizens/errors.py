"""Citizens' sign-in errors with stable codes (docs/problems.md)."""

from __future__ import annotations

from chengxin.errors import DomainError


class PersonNotVerified(DomainError):
    # One answer for an unknown person, a wrong name and a person without a registered phone.
    status = 401
    code = "person-not-verified"
    title = "The person could not be verified against the population registry"


class CodeInvalid(DomainError):
    status = 401
    code = "code-invalid"
    title = "The one-time code is wrong, or the challenge is unknown or used up"


class ChallengeExpired(DomainError):
    status = 410
    code = "challenge-expired"
    title = "The sign-in challenge has expired or was already used: ask for a new code"


class TooManyCodes(DomainError):
    status = 429
    code = "too-many-codes"
    title = "Too many sign-in codes asked for this person: wait and try again"
