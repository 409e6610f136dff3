"""Check errors with stable codes (docs/problems.md)."""

from __future__ import annotations

from chengxin.errors import Forbidden, InvalidInput, NotFound, PayloadTooLarge


class CheckNotFound(NotFound):
    code = "check-not-found"
    title = "No such check for this organization"


class CheckInputInvalid(InvalidInput):
    code = "check-input-invalid"
    title = "The check request is not complete"


class CheckBatchTooLarge(PayloadTooLarge):
    code = "check-batch-too-large"
    title = "A check names more persons than the platform accepts in one request"


class CheckNeedsPublicBody(Forbidden):
    code = "check-needs-public-body"
    title = "Only a public body checks joint measures, under its statutory duty"


class FeedbackMeasureUnknown(InvalidInput):
    code = "check-feedback-measure-unknown"
    title = "The feedback names a measure the check did not return"
