from __future__ import annotations

from chengxin.errors import Conflict, Forbidden, InvalidInput, NotFound


class ObjectionNotFound(NotFound):
    code = "objection-not-found"
    title = "No such objection"


class ObjectionInputInvalid(InvalidInput):
    code = "objection-input-invalid"
    title = "The objection is not complete"


class ObjectionRecordNotCurrent(Conflict):
    code = "objection-record-not-current"
    title = "Only the current version of a record can be objected to"


class ObjectionAlreadyOpen(Conflict):
    code = "objection-already-open"
    title = "An objection to this record is already being handled"


class ObjectionClosed(Conflict):
    code = "objection-closed"
    title = "The objection is already decided or withdrawn"


class ObjectionNotYours(Forbidden):
    code = "objection-not-yours"
    title = "This objection is decided by another organization"


class CorrectionMissing(InvalidInput):
    code = "objection-correction-missing"
    title = "Push the corrected version of the record before deciding 'corrected'"


class StatementNotFound(NotFound):
    code = "statement-not-found"
    title = "No such statement"


class StatementInputInvalid(InvalidInput):
    code = "statement-input-invalid"
    title = "The statement is not acceptable"
