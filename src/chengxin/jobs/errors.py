"""Job queue errors with stable codes (docs/problems.md)."""

from __future__ import annotations

from chengxin.errors import DomainError


class JobNotFound(DomainError):
    status = 404
    code = "job-not-found"
    title = "No job with this id"


class JobNotRetryable(DomainError):
    status = 409
    code = "job-not-retryable"
    title = "Only a failed or dead job can be retried"


class PersonalDataInPayload(ValueError):
    """A programming error: a job payload must carry ids, never a clear ID number."""


class LeaseLost(RuntimeError):
    """The worker's lease on a job ran out and another worker claimed it: the run is void and its
    transaction rolls back."""
