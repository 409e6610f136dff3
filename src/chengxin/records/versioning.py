"""The version rules of a credit record (pure: no database, no clock).

A provider's record is identified by (provider, source id); each row it sends about it is new
content or a revocation. Given the record's current (latest) version, or none, these rules decide
what the row does:

- New content, no current version: the first version (``created``).
- Content equal to that of any version already held: a replay (a resent file), nothing changes.
- New content of a repaired record: refused (``record-repaired``); a repaired record left the
  active store for good (RULES.md §2).
- Other new content: a new version, one number up, active (``corrected``). The current version
  ends superseded when it was active; a revoked one stays revoked.
- A revocation, no current version: refused (``revoke-unknown-record``).
- A revocation of a revoked or repaired record: nothing changes.
- Other revocations: the current version ends revoked (``revoked``), no new version.

Intake (``ingestion.service``) reads the current versions, asks these rules row by row (each
decision's ``after`` is the current version the next row of the same source id sees), and writes
the versions, status marks and events they call for, in bulk.
"""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import NamedTuple

from chengxin.records.models import RecordStatus


class Current(NamedTuple):
    """The latest version of a source id, and the content digests of all its versions."""

    id: uuid.UUID
    version: int
    status: str  # a RecordStatus
    subject_id: uuid.UUID
    kind_code: str
    digests: frozenset[bytes]


class Step(StrEnum):
    """What a row does; a step that changes the store is named as its ``record_event`` action."""

    CREATE = "created"  # a first version
    CORRECT = "corrected"  # a new version after the current one
    REVOKE = "revoked"  # the current version ends revoked
    DUPLICATE = "duplicate"  # nothing changes
    REFUSE = "refused"  # the row is rejected (``Decision.refusal`` says why)


class Refusal(StrEnum):
    """Why a row is refused: the row error code intake reports (on the ``source_id`` field)."""

    REVOKE_UNKNOWN = "revoke-unknown-record"  # a revocation of a record never received
    REPAIRED = "record-repaired"  # new content for a repaired record


class Decision(NamedTuple):
    """A rule's answer for one row."""

    step: Step
    # The current version after the step: the new version (created, corrected), the revoked one
    # (revoked), or the current version unchanged (duplicate, refused; None when there is none).
    after: Current | None
    # The status the previous current version ends in (superseded, revoked), None: it stays.
    ends: RecordStatus | None = None
    refusal: Refusal | None = None


# Statuses whose record a revocation leaves as it is.
_WITHDRAWN = frozenset({RecordStatus.REVOKED, RecordStatus.REPAIRED})


def on_content(
    current: Current | None,
    *,
    record_id: uuid.UUID,
    subject_id: uuid.UUID,
    kind_code: str,
    digest: bytes,
) -> Decision:
    """A row of content (its new version would be ``record_id``) for a record whose current
    version is ``current`` (None: never received)."""
    if current is None:
        return Decision(
            Step.CREATE,
            Current(record_id, 1, RecordStatus.ACTIVE, subject_id, kind_code, frozenset({digest})),
        )
    # Content of any version already held is a replay (a resent file), not a change.
    if digest in current.digests:
        return Decision(Step.DUPLICATE, current)
    if current.status == RecordStatus.REPAIRED:
        return Decision(Step.REFUSE, current, refusal=Refusal.REPAIRED)
    after = Current(
        record_id,
        current.version + 1,
        RecordStatus.ACTIVE,
        subject_id,
        kind_code,
        current.digests | {digest},
    )
    ends = RecordStatus.SUPERSEDED if current.status == RecordStatus.ACTIVE else None
    return Decision(Step.CORRECT, after, ends)


def on_revocation(current: Current | None) -> Decision:
    """A revocation of the record whose current version is ``current`` (None: never received)."""
    if current is None:
        return Decision(Step.REFUSE, None, refusal=Refusal.REVOKE_UNKNOWN)
    if current.status in _WITHDRAWN:
        return Decision(Step.DUPLICATE, current)
    return Decision(
        Step.REVOKE, current._replace(status=RecordStatus.REVOKED), RecordStatus.REVOKED
    )
