from __future__ import annotations

from chengxin.errors import Conflict, InvalidInput, NotFound


class IndicatorsInvalid(InvalidInput):
    code = "indicators-invalid"
    title = "The indicator set is not valid"


class IndicatorSetNotFound(NotFound):
    code = "indicator-set-not-found"
    title = "No such indicator set version"


class IndicatorSetExists(Conflict):
    code = "indicator-set-exists"
    title = "An indicator set with this version already exists"


class IndicatorSetNotDraft(Conflict):
    code = "indicator-set-not-draft"
    title = "Only a draft indicator set can be activated"


class AssessmentNotFound(NotFound):
    code = "assessment-not-found"
    title = "No such assessment"


class AssessmentPeriodInvalid(InvalidInput):
    code = "assessment-period-invalid"
    title = "The assessment period is not valid"


class AssessmentUnitInvalid(InvalidInput):
    code = "assessment-unit-invalid"
    title = "No such indicator or unit in this assessment"
