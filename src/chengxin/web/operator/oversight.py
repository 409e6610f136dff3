"""Operator console, oversight (R11, R3.4, R4): the supervision dashboard here; monitoring
alerts, freezes and the lockdown (``oversight_security``), the audit log (``oversight_audit``)
and the scoring sandbox (``oversight_scoring``). Each page calls the services the API calls."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get
from litestar.params import FromQuery

from chengxin.checks import service as check_service
from chengxin.db import utcnow
from chengxin.deps import ActorDep, SessionDep
from chengxin.lists import types as list_types
from chengxin.security.permissions import Permission
from chengxin.supervision import service as supervision
from chengxin.web import charts
from chengxin.web.guards import page_requires
from chengxin.web.i18n import lang_of, translator
from chengxin.web.labels import name_of
from chengxin.web.operator.frame import BASE, console_page
from chengxin.web.operator.oversight_audit import AuditPages
from chengxin.web.operator.oversight_scoring import ScoringPages
from chengxin.web.operator.oversight_security import AlertPages, EmergencyPages
from chengxin.web.work import assessment_views
from chengxin.workdays import years as calendar_years
from chengxin.workdays.days import day_of


def _department(code: str | None, _: Any, lang: str) -> str:
    """A department in words (the catalog's name for its code)."""
    return name_of("department", code, lang) if code else str(_("未标注部门"))


def _list_name(code: str, lang: str) -> str:
    found = list_types.get(code)
    if found is None:
        return code
    return found.name_en if lang == "en" else found.name_zh


class DashboardPage(Controller):
    path = BASE

    @get("/", guards=[page_requires(Permission.INGESTION_QUALITY_READ)], sync_to_thread=True)
    def dashboard(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        since: FromQuery[str] = "",
        until: FromQuery[str] = "",
    ) -> Response[str]:
        """Supervision and assessment (R11): ingestion, rejection, on-time and feedback rates,
        list sizes, over a period of days (the query string carries dates only)."""
        lang = lang_of(request.cookies)
        _ = translator(lang)
        now = utcnow()
        within = supervision.period(  # whole days in Beijing, as every day the platform counts
            supervision.parse_day(since), supervision.parse_day(until), today=day_of(now)
        )
        days = supervision.ingestion_by_day(session, actor=actor, within=within)
        rejection = supervision.rejection_rates(session, actor=actor, within=within)
        objections = supervision.objection_on_time(session, actor=actor, within=within)
        repairs = supervision.repair_on_time(session, actor=actor, within=within)
        sizes = supervision.list_sizes(session)
        feedback = None
        if actor.can(Permission.CHECKS_FEEDBACK_READ):  # the API's permission for these rates
            feedback = check_service.feedback_rates(
                session, since=within.start, until=within.end, actor=actor
            )
        by_org: dict[str, list[tuple[str, float]]] = {}
        for d in days:
            by_org.setdefault(d.organization, []).append((d.day.isoformat(), d.accepted))
        totals = {
            "accepted": sum(d.accepted for d in days),
            "rejected": sum(d.rejected for d in days),
            "batches": sum(d.batches for d in days),
        }
        none = _("暂无数据")
        figures = {
            "ingestion": charts.line_chart(
                by_org, title=_("每日接收行数（按单位）"), y_label=_("接收行数"), empty=none
            ),
            "rejection": charts.bar_chart(
                [(_department(r.department, _, lang), r.rate) for r in rejection],
                title=_("退回率（按部门）"),
                percent=True,
                empty=none,
            ),
            "objections": charts.bar_chart(
                [(_department(r.department, _, lang), r.rate) for r in objections],
                title=_("异议按时办结率（按部门）"),
                percent=True,
                empty=none,
            ),
            "repairs": charts.bar_chart(
                [(_department(r.department, _, lang), r.rate) for r in repairs],
                title=_("信用修复按时办结率（按部门）"),
                percent=True,
                empty=none,
            ),
            "feedback": charts.bar_chart(
                [
                    (
                        f"{_department(r.department, _, lang)} · {name_of('scene', r.scene, lang)}",
                        r.rate,
                    )
                    for r in feedback or []
                ],
                title=_("核查反馈率（按部门和场景）"),
                percent=True,
                empty=none,
            ),
            "lists": charts.bar_chart(
                [(_list_name(s.list_type, lang), s.entries) for s in sizes],
                title=_("名单规模（已公示条目）"),
                empty=none,
            ),
        }
        return console_page(
            request,
            actor,
            "operator/oversight/dashboard.html",
            {
                "within": within,
                "days": days,
                "totals": totals,
                "rejection": rejection,
                "objections": objections,
                "repairs": repairs,
                "feedback": feedback,
                "sizes": [(_list_name(s.list_type, lang), s) for s in sizes],
                "figures": figures,
                "calendar_missing": calendar_years.missing_next_year(session, now),
                "may_enter_calendar": actor.can(Permission.WORKDAYS_CALENDAR_MANAGE),
                "department": lambda name: _department(name, _, lang),
                "trend": (  # the assessments' totals, month by month (R11.1)
                    assessment_views.trend(session, actor=actor, lang=lang, _=_)
                    if actor.can(Permission.ASSESSMENT_ASSESSMENT_READ)
                    else None
                ),
            },
        )


CONTROLLERS: list[type[Controller]] = [
    DashboardPage,
    AlertPages,
    EmergencyPages,
    AuditPages,
    ScoringPages,
]
