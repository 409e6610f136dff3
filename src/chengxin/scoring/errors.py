from __future__ import annotations

from chengxin.errors import Conflict, Forbidden, InvalidInput, NotFound


class RulesetInvalid(InvalidInput):
    code = "scoring-ruleset-invalid"
    title = "The ruleset is not valid"


class RulesetNotFound(NotFound):
    code = "scoring-ruleset-not-found"
    title = "No such ruleset version"


class RulesetExists(Conflict):
    code = "scoring-ruleset-exists"
    title = "A ruleset with this version already exists"


class RulesetNotDraft(Conflict):
    code = "scoring-ruleset-not-draft"
    title = "Only a draft ruleset can be activated or compared in the sandbox"


class ReviewNotFound(NotFound):
    code = "scoring-review-not-found"
    title = "No such score review"


class ReviewClosed(Conflict):
    code = "scoring-review-closed"
    title = "The review is already decided"


class ReviewAlreadyOpen(Conflict):
    code = "scoring-review-already-open"
    title = "A review of your score is already being handled"


class ReviewInputInvalid(InvalidInput):
    code = "scoring-review-input-invalid"
    title = "The review request is not complete"


class RegionInvalid(InvalidInput):
    code = "scoring-region-invalid"
    title = "A region code has six digits"


class ExportOutOfScope(Forbidden):
    code = "scoring-export-out-of-scope"
    title = "A city operator exports only its own city's scores"


class ScoreNotFound(NotFound):
    code = "scoring-score-not-found"
    title = "No score was in force at that moment"
