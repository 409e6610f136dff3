"""Account and session errors with stable codes (docs/problems.md)."""

from __future__ import annotations

from chengxin.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound


class LoginFailed(DomainError):
    # One answer for an unknown login and a wrong password: the response never says which.
    status = 401
    code = "login-failed"
    title = "The login name or the password is wrong"


class AccountLocked(DomainError):
    status = 423
    code = "account-locked"
    title = "Too many failed sign-ins: the account is locked for a while"


class TooManyAttempts(DomainError):
    status = 429
    code = "too-many-attempts"
    title = "Too many sign-in attempts from this client for this login name"


class AccountFrozen(DomainError):
    status = 401
    code = "account-frozen"
    title = "The account is frozen"


class OrganizationFrozen(DomainError):
    status = 401
    code = "organization-frozen"
    title = "The organization is frozen: its accounts and tokens are refused"


class TokenFrozen(DomainError):
    status = 401
    code = "token-frozen"
    title = "The API token is frozen"


class SessionInvalid(DomainError):
    status = 401
    code = "session-invalid"
    title = "The session is unknown, expired or ended: sign in again"


class PasswordTooWeak(InvalidInput):
    code = "password-too-weak"
    title = "The password does not meet the password policy"


class LoginTaken(Conflict):
    code = "login-taken"
    title = "This login name is already in use"


class LoginInvalid(InvalidInput):
    code = "login-invalid"
    title = "A login name is 3 to 64 lowercase letters, digits, dots, dashes or underscores"


class RoleUnknown(InvalidInput):
    code = "role-unknown"
    title = "Not a staff role"


class RoleNotGrantable(Forbidden):
    code = "role-not-grantable"
    title = "A role can only be given or taken by someone who holds all its permissions"


class RoleNotForOrganizationKind(Conflict):
    # 409: the request is well-formed; it conflicts with the organization the account belongs to.
    code = "role-not-for-organization-kind"
    title = "A role can only be given to staff of an organization kind the role is for"


class RegionNotGrantable(Forbidden):
    code = "region-not-grantable"
    title = "A region-bound administrator manages only accounts of its own region"


class UserNotFound(NotFound):
    code = "user-not-found"
    title = "No staff account with this id"
