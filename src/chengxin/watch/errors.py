"""Watch errors with stable codes (docs/problems.md)."""

from __future__ import annotations

from chengxin.errors import Conflict, Forbidden, InvalidInput, NotFound


class WatchInputInvalid(InvalidInput):
    code = "watch-input-invalid"
    title = "The subscription is not valid"


class WatchSubjectNotFound(InvalidInput):
    code = "watch-subject-not-found"
    title = "No registered person with this ID number and name"


class WatchGrantInvalid(Forbidden):
    code = "watch-grant-invalid"
    title = "No valid grant of this person for this organization"


class WatchWebhookRefused(InvalidInput):
    code = "watch-webhook-refused"
    title = "Webhook URLs must be http(s) and reach a public address"


class WatchAlreadySubscribed(Conflict):
    code = "watch-already-subscribed"
    title = "The organization already watches this person"


class WatchSubscriptionNotFound(NotFound):
    code = "watch-subscription-not-found"
    title = "No such subscription"


class WatchNeedsOrganization(Forbidden):
    code = "watch-needs-organization"
    title = "Only an organization's account or system can watch"
