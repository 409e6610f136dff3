from __future__ import annotations

from chengxin.errors import Conflict, Forbidden, InvalidInput, NotFound


class RepairNotFound(NotFound):
    code = "repair-not-found"
    title = "No such repair application"


class RepairInputInvalid(InvalidInput):
    code = "repair-input-invalid"
    title = "The repair application is not complete"


class RepairCommitmentMissing(InvalidInput):
    code = "repair-commitment-missing"
    title = "A repair application carries the applicant's credit commitment (信用承诺书)"


class RepairNotEligible(Conflict):
    code = "repair-not-eligible"
    title = "The record cannot be repaired now"


class RepairClosed(Conflict):
    code = "repair-closed"
    title = "The application is not waiting for this step"


class RepairNotTheFindingDepartment(Forbidden):
    code = "repair-not-the-finding-department"
    title = "Only the department that made the finding decides its repair (谁认定、谁修复)"


class ArchiveNotFound(NotFound):
    code = "archive-not-found"
    title = "No archived record with this id"
