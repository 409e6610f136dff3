"""Access errors with stable codes (docs/problems.md)."""

from __future__ import annotations

from chengxin.errors import Conflict, Forbidden, InvalidInput, NotFound


class SceneNotPermitted(Forbidden):
    code = "scene-not-permitted"
    title = "The organization's permission list does not cover this business scene"


class KindsNotPermitted(Forbidden):
    code = "kinds-not-permitted"
    title = "The permission list (or the grant) does not cover the requested record kinds"


class QueryNeedsOrganization(Forbidden):
    code = "query-needs-organization"
    title = "Only an organization's account or system can query credit data"


class AgencyBlacklisted(Forbidden):
    code = "agency-blacklisted"
    title = "The credit agency is on the agency blacklist and may not query"


class GrantRequired(Forbidden):
    code = "grant-required"
    title = "A third party needs the subject's authorization (grant) to query"


class GrantInvalid(Forbidden):
    code = "grant-invalid"
    title = "No such grant for this organization and subject"


class GrantNotUsable(Forbidden):
    code = "grant-not-usable"
    title = "The grant is revoked, expired or used up, or was given for another scene"


class GrantNotFound(NotFound):
    code = "grant-not-found"
    title = "No grant with this id"


class GrantInputInvalid(InvalidInput):
    code = "grant-input-invalid"
    title = "The grant is not valid"


class AccessRuleInvalid(InvalidInput):
    code = "access-rule-invalid"
    title = "The permission-list line is not valid"


class AccessRuleNotFound(NotFound):
    code = "access-rule-not-found"
    title = "No permission-list line with this id"


class QueryNotFound(NotFound):
    code = "query-not-found"
    title = "No query with this id"


class QueryNotReleasable(Conflict):
    code = "query-not-releasable"
    title = "The query waits for review or was refused"


class QueryAlreadyDecided(Conflict):
    code = "query-already-decided"
    title = "The query is not waiting for review"


class AlertNotFound(NotFound):
    code = "alert-not-found"
    title = "No alert with this id"


class QueryInputInvalid(InvalidInput):
    code = "query-input-invalid"
    title = "The query is not valid"
