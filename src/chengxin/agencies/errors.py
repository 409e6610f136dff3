"""Credit agency errors with stable codes (docs/problems.md)."""

from __future__ import annotations

from chengxin.errors import Conflict, Forbidden, InvalidInput, NotFound


class AgencyNotFound(NotFound):
    code = "agency-not-found"
    title = "No credit agency with this id"


class AgencyExists(Conflict):
    code = "agency-exists"
    title = "This organization or licence number is already registered as a credit agency"


class NotACreditAgency(InvalidInput):
    code = "organization-not-credit-agency"
    title = "Only an organization of kind credit_agency can be registered as a credit agency"


class AgencyInputInvalid(InvalidInput):
    code = "agency-input-invalid"
    title = "The agency change is not valid"


class StaffNotInAgency(InvalidInput):
    code = "staff-not-in-agency"
    title = "The staff account does not belong to the agency's organization"


class StaffExists(Conflict):
    code = "agency-staff-exists"
    title = "The account is already linked to this agency"


class StaffNotFound(NotFound):
    code = "agency-staff-not-found"
    title = "The account is not a current staff member of this agency"


class AgencyAlreadyBlacklisted(Conflict):
    code = "agency-already-blacklisted"
    title = "The agency is already on the agency blacklist"


class AgencyNotBlacklisted(Conflict):
    code = "agency-not-blacklisted"
    title = "The agency is not on the agency blacklist"


class AgencyBlacklisted(Forbidden):
    # The same code as the access domain's refusal: one meaning wherever it is raised.
    status = 403
    code = "agency-blacklisted"
    title = "The credit agency is on the agency blacklist: its tokens and staff are refused"
