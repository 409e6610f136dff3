"""The assessment pages (考核评估, R11.1) under /console/work/assessments: the assessments issued
(and the form to issue one), one assessment's units with their figures, findings and the tasks
opened from them, the drill-down from a figure to the facts behind it, the XLSX and PDF
downloads, and the indicator sets (upload, activate).

Every page calls ``assessment.service`` as the API does; what a reader sees (every unit, a city's,
or their own department's) is the service's scope. Ids travel in paths, a figure's indicator and
unit in the query string (codes, never personal data).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery, MultipartBody, URLEncodedBody
from pydantic import BaseModel

from chengxin.assessment import export as assessment_export
from chengxin.assessment import rules as assessment_rules
from chengxin.assessment import service as assessment_service
from chengxin.assessment.errors import IndicatorsInvalid
from chengxin.db import utcnow
from chengxin.deps import ActorDep, SessionDep, SettingsDep
from chengxin.errors import DomainError
from chengxin.security.actor import Actor
from chengxin.security.permissions import Permission as P  # noqa: N817  # as in security/roles.py
from chengxin.tracking import service as tracking_service
from chengxin.web import charts
from chengxin.web.forms import SourceForm, source_text
from chengxin.web.guards import page_requires
from chengxin.web.i18n import lang_of, n_, translator
from chengxin.web.render import see_other
from chengxin.web.work import assessment_views as views
from chengxin.web.work.frame import ASSESSMENTS, TASKS, work_page
from chengxin.workdays.days import day_of

READ = [page_requires(P.ASSESSMENT_ASSESSMENT_READ)]
ISSUE = [page_requires(P.ASSESSMENT_ASSESSMENT_ISSUE)]
MANAGE = [page_requires(P.ASSESSMENT_INDICATORS_MANAGE)]
INDICATORS = f"{ASSESSMENTS}/indicators"
SHOWN_ITEMS = 500  # a figure's items on its page; the workbook lists every one

SET_STATUS = {
    "draft": (n_("草稿"), "amber"),
    "active": (n_("生效中"), "green"),
    "retired": (n_("已停用"), ""),
}
TASK_STATUS = {"open": n_("办理中"), "closed": n_("已办结")}
MEDIA = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


class IssueForm(BaseModel):
    kind: str = "month"
    label: str = ""


class VersionForm(BaseModel):
    version: str = ""


def _tasks(session: SessionDep, assessment_id: uuid.UUID, actor: Actor) -> list[Any]:
    """The tasks opened from the assessment's findings, for readers of tasks."""
    if not actor.can(P.TRACKING_TASK_READ):
        return []
    return list(tracking_service.tasks_for_assessment(session, assessment_id, actor=actor))


def _words(request: Request[Any, Any, Any]) -> tuple[str, Callable[..., Any]]:
    lang = lang_of(request.cookies)
    return lang, translator(lang)


def _indicator_name(indicator: Any, lang: str) -> str:
    return str(indicator.name_en if lang == "en" else indicator.name)


class AssessmentPages(Controller):
    path = ASSESSMENTS

    # -- the list and the issue form ---------------------------------------------------------------

    @get("/", guards=READ, sync_to_thread=True)
    def assessments(
        self, request: Request[Any, Any, Any], session: SessionDep, actor: ActorDep
    ) -> Response[str]:
        """The assessments issued, newest first (those the reader may see), and, for the
        provincial office, the form to issue one (last month by default)."""
        return self._list(request, session, actor)

    def _list(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: Actor,
        *,
        form: IssueForm | None = None,
        error: DomainError | None = None,
    ) -> Response[str]:
        lang, _ = _words(request)
        if form is None:
            last = assessment_service.previous_period("month", day_of(utcnow()))
            form = IssueForm(kind="month", label=last.label)
        found = assessment_service.list_assessments(session, actor=actor)
        rows = [(a, assessment_service.verify(session, a)) for a in found]
        return work_page(
            request,
            actor,
            "assessments/list.html",
            {
                "rows": rows,
                "form": form,
                "error": error,
                "may_issue": actor.can(P.ASSESSMENT_ASSESSMENT_ISSUE),
                "kinds": [(k, str(_(w))) for k, w in views.PERIOD_KIND.items()],
                "period": lambda a: views.period_words(a.period_kind, a.period_label, _),
                "region": lambda code: (
                    _("全省") if code is None else views.city_name(code, lang, _)
                ),
            },
            status_code=error.status if error else 200,
        )

    @post("/", guards=ISSUE, sync_to_thread=True)
    def issue(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        data: URLEncodedBody[IssueForm],
    ) -> Response[Any]:
        """Issue (compute, sign and store) the assessment of a period."""
        try:
            period = assessment_service.period_of(data.kind, data.label.strip())
            issued = assessment_service.issue(session, actor=actor, period=period)
        except DomainError as exc:
            return self._list(request, session, actor, form=data, error=exc)
        return see_other(f"{ASSESSMENTS}/{issued.id}", notice=n_("考核结果已签发"))

    # -- the indicator sets ------------------------------------------------------------------------

    @get("/indicators", guards=READ, sync_to_thread=True)
    def indicator_sets(
        self, request: Request[Any, Any, Any], session: SessionDep, actor: ActorDep
    ) -> Response[str]:
        """Every indicator set (the active one, drafts, retired ones) with its indicators'
        weights, targets and bases; for the provincial office, upload and activation."""
        return self._sets(request, session, actor)

    def _sets(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: Actor,
        *,
        error: DomainError | None = None,
        source: str = "",
    ) -> Response[str]:
        lang, _ = _words(request)
        sets = []
        for found in assessment_service.list_indicator_sets(session):
            compiled = assessment_rules.compile_set(assessment_rules.from_content(found.content))
            sets.append((found, compiled))
        return work_page(
            request,
            actor,
            "assessments/indicators.html",
            {
                "sets": sets,
                "active": assessment_service.active_indicators(session),
                "status": SET_STATUS,
                "better": views.BETTER,
                "may_manage": actor.can(P.ASSESSMENT_INDICATORS_MANAGE),
                "indicator_name": lambda i: _indicator_name(i, lang),
                "percent": views.percent,
                "error": error,
                "source": source,
            },
            status_code=error.status if error else 200,
        )

    @post("/indicators/upload", guards=MANAGE, sync_to_thread=True)
    def upload(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        data: MultipartBody[SourceForm],
    ) -> Response[Any]:
        """Validate and store a draft indicator set (unused until activated)."""
        try:
            assessment_service.upload_indicators(session, _source(data), actor=actor)
        except DomainError as exc:
            return self._sets(request, session, actor, error=exc, source=data.source)
        return see_other(INDICATORS, notice=n_("指标草稿已保存"))

    @post("/indicators/activate", guards=MANAGE, sync_to_thread=True)
    def activate(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        data: URLEncodedBody[VersionForm],
    ) -> Response[Any]:
        """A draft set becomes the one assessments are issued with; the previous one retires."""
        try:
            assessment_service.activate_indicators(session, data.version, actor=actor)
        except DomainError as exc:
            return self._sets(request, session, actor, error=exc)
        return see_other(INDICATORS, notice=n_("指标体系已生效"))

    # -- one assessment ----------------------------------------------------------------------------

    @get("/{assessment_id:uuid}", guards=READ, sync_to_thread=True)
    def assessment(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        assessment_id: FromPath[uuid.UUID],
    ) -> Response[str]:
        """One assessment: each unit's rank, total and figures (findings marked, each figure
        leading to the facts behind it), a chart of the totals, the tasks opened from its
        findings, its digest and whether its signature verifies, the downloads."""
        lang, _ = _words(request)
        found = assessment_service.get_or_raise(session, assessment_id, actor=actor)
        view = assessment_service.view(session, found, actor=actor)
        tasks = _tasks(session, found.id, actor)
        by_cell: dict[tuple[str, str, str], list[Any]] = {}
        for task in tasks:
            by_cell.setdefault((task.unit_kind, task.unit_code, task.indicator), []).append(task)

        def name(unit: assessment_service.UnitResult) -> str:
            return views.unit_name(unit.kind, unit.code, lang, _)

        groups = []
        for kind, heading in (("department", n_("部门")), ("city", n_("市州"))):
            units = [u for u in view.units if u.kind == kind]
            if not units:
                continue
            chart = charts.bar_chart(
                [(name(u), u.total) for u in units],
                title=str(_("考核总分（{kind}）", kind=_(heading))),
                empty=str(_("暂无数据")),
            )
            groups.append((kind, heading, units, chart))
        indicators = {i.code: i for i in view.indicators}
        return work_page(
            request,
            actor,
            "assessments/assessment.html",
            {
                "a": found,
                "view": view,
                "groups": groups,
                "verified": assessment_service.verify(session, found),
                "tasks": tasks,
                "by_cell": by_cell,
                "task_status": TASK_STATUS,
                "may_open_task": actor.can(P.TRACKING_TASK_MANAGE),
                "tasks_path": TASKS,
                "unit_name": name,
                "unit_of": lambda kind, code: views.unit_name(kind, code, lang, _),
                "unit_kind": views.UNIT_KIND,
                "indicator_name": lambda i: _indicator_name(i, lang),
                "indicator_of": lambda code: (
                    _indicator_name(indicators[code], lang) if code in indicators else code
                ),
                "better": views.BETTER,
                "period": views.period_words(found.period_kind, found.period_label, _),
                "region": _("全省")
                if found.region_code is None
                else views.city_name(found.region_code, lang, _),
                "percent": views.percent,
            },
        )

    @get("/{assessment_id:uuid}/items", guards=READ, sync_to_thread=True)
    def items(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        assessment_id: FromPath[uuid.UUID],
        *,
        indicator: FromQuery[str] = "",
        unit_kind: FromQuery[str] = "",
        unit: FromQuery[str] = "",
    ) -> Response[str]:
        """From one figure to the facts behind its bad part: each late decision, refused row or
        missing notice, with its organization, reference, due and done days and reason."""
        lang, _ = _words(request)
        found = assessment_service.get_or_raise(session, assessment_id, actor=actor)
        rows = assessment_service.items(
            session,
            found,
            actor=actor,
            indicator=indicator,
            unit_kind=unit_kind,
            unit_code=unit,
        )
        view = assessment_service.view(session, found, actor=actor)
        by_code = {i.code: i for i in view.indicators}
        figure = next(
            (
                u.figures.get(indicator)
                for u in view.units
                if u.kind == unit_kind and u.code == unit
            ),
            None,
        )
        return work_page(
            request,
            actor,
            "assessments/items.html",
            {
                "a": found,
                "rows": rows[:SHOWN_ITEMS],
                "total": len(rows),
                "figure": figure,
                "indicator": by_code.get(indicator),
                "indicator_name": lambda i: _indicator_name(i, lang),
                "unit_kind": unit_kind,
                "unit_code": unit,
                "unit": views.unit_name(unit_kind, unit, lang, _),
                "kind_words": views.UNIT_KIND,
                "period": views.period_words(found.period_kind, found.period_label, _),
                "reason": lambda code: views.reason_words(code, _),
                "object_words": lambda t: views.object_words(t, _),
                "reference": lambda item: views.reference_words(item, lang, _),
                "percent": views.percent,
            },
        )

    @get("/{assessment_id:uuid}/export.xlsx", guards=READ, sync_to_thread=True)
    def xlsx(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        assessment_id: FromPath[uuid.UUID],
    ) -> Response[bytes]:
        """The assessment as a workbook, in the page's language."""
        found = assessment_service.get_or_raise(session, assessment_id, actor=actor)
        view = assessment_service.view(session, found, actor=actor)
        body = assessment_export.xlsx(view, lang=lang_of(request.cookies), unit_name=_unit_name)
        return _download(body, "xlsx", found.number)

    @get("/{assessment_id:uuid}/export.pdf", guards=READ, sync_to_thread=True)
    def pdf(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        settings: SettingsDep,
        assessment_id: FromPath[uuid.UUID],
    ) -> Response[bytes]:
        """The assessment as a PDF, in the page's language."""
        found = assessment_service.get_or_raise(session, assessment_id, actor=actor)
        view = assessment_service.view(session, found, actor=actor)
        body = assessment_export.pdf(
            view, lang=lang_of(request.cookies), settings=settings, unit_name=_unit_name
        )
        return _download(body, "pdf", found.number)


def _unit_name(kind: str, code: str, lang: str) -> str:
    """A unit as the pages name it (the exports' own naming lacks the cities' English names)."""
    return views.unit_name(kind, code, lang, translator("en" if lang == "en" else "zh"))


def _download(body: bytes, extension: str, number: str) -> Response[bytes]:
    return Response(
        body,
        media_type=MEDIA[extension],
        headers={
            "Content-Disposition": f'attachment; filename="{number}.{extension}"',
            "Cache-Control": "no-store",
        },
    )


def _source(data: SourceForm) -> str:
    """The YAML of an uploaded file, or the text pasted."""
    return source_text(data, IndicatorsInvalid, "an indicator set")


CONTROLLERS: list[type[Controller]] = [AssessmentPages]
