"""Request-level ingestion errors (row-level problems go into the receipt instead)."""

from __future__ import annotations

from chengxin.errors import Conflict, InvalidInput, NotFound, PayloadTooLarge

__all__ = [
    "BatchMalformed",
    "BatchNotFound",
    "BatchNotProcessing",
    "BatchTooDeep",
    "BatchTooLarge",
    "BatchTooManyValues",
    "FileRejected",
]


class BatchNotFound(NotFound):
    code = "batch-not-found"
    title = "No such ingestion batch"


class BatchTooLarge(PayloadTooLarge):
    code = "batch-too-large"
    title = "A pushed batch holds at most 10,000 records; upload a file for more"


class BatchTooManyValues(PayloadTooLarge):
    code = "batch-too-many-values"
    title = "A pushed body holds more JSON values than this platform parses in one push"


class BatchTooDeep(InvalidInput):
    code = "batch-too-deep"
    title = "A pushed body nests JSON deeper than this platform accepts"


class BatchMalformed(InvalidInput):
    code = "batch-malformed"
    title = 'The body is not a JSON object with a "records" array'


class FileRejected(InvalidInput):
    code = "file-rejected"
    title = "The file cannot be read as a whole; no row of it was used"


class BatchNotProcessing(Conflict):
    code = "batch-not-processing"
    title = "The batch was closed as interrupted while this upload was still sending it; resend"
