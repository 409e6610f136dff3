"""Organization errors with stable codes."""

from __future__ import annotations

from chengxin.errors import Conflict, DomainError, InvalidInput, NotFound


class CreditCodeInvalid(InvalidInput):
    code = "credit-code-invalid"
    title = "The unified social credit code is not valid (GB 32100-2015)"


class OrganizationNotFound(NotFound):
    code = "organization-not-found"
    title = "No organization with this id"


class OrganizationExists(Conflict):
    code = "organization-exists"
    title = "An organization with this credit code is already registered"


class TokenNotFound(NotFound):
    code = "token-not-found"
    title = "No API token with this id"


class TokenInvalid(DomainError):
    status = 401
    code = "token-invalid"
    title = "The API token is unknown, expired or revoked"


class PermissionNotGrantable(InvalidInput):
    code = "permission-not-grantable"
    title = "A token cannot carry a permission its issuer does not hold"


class RoleExists(Conflict):
    code = "role-exists"
    title = "This person already holds this role in this organization from that date"
