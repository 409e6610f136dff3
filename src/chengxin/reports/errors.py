"""Report errors with stable codes (docs/problems.md)."""

from __future__ import annotations

from chengxin.errors import Conflict, Forbidden, InvalidInput, NotFound


class ReportNotVerified(NotFound):
    code = "report-not-verified"
    title = "No report with this number and verification code"


class ReportInputInvalid(InvalidInput):
    code = "report-input-invalid"
    title = "The report request is not valid"


class AsOfNotPermitted(Forbidden):
    code = "report-as-of-not-permitted"
    title = (
        "Only the subject and auditors (audit:log:read) may ask for a report as of a past moment"
    )


class ReportHeldForReview(Conflict):
    code = "report-held-for-review"
    title = "The report's query waits for a reviewer (R3.3); ask again once it is approved"


class ReportNotFound(NotFound):
    code = "report-not-found"
    title = "No issued report with this number"
