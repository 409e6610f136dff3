"""An assessment as a workbook (units × indicators, the indicators, the items) and as a PDF."""

from __future__ import annotations

from typing import Any

from chengxin.assessment.service import AssessmentView


def xlsx(view: AssessmentView, *, lang: str) -> bytes:
    raise NotImplementedError


def pdf(view: AssessmentView, *, lang: str, settings: Any) -> bytes:
    raise NotImplementedError
