"""Operator console: the scoring sandbox (``scoring/routes.py`` ``RulesetController``) —
rulesets, a draft uploaded or pasted as YAML, the comparison with the active ruleset in charts,
activation. Versions travel in form bodies."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import MultipartBody, URLEncodedBody
from pydantic import BaseModel

from chengxin.deps import ActorDep, SessionDep, SettingsDep
from chengxin.errors import DomainError
from chengxin.scoring import sandbox as scoring_sandbox
from chengxin.scoring import service as scoring_service
from chengxin.scoring.errors import RulesetInvalid
from chengxin.security.actor import Actor
from chengxin.security.permissions import Permission
from chengxin.web import charts
from chengxin.web.forms import SourceForm, source_text
from chengxin.web.guards import page_requires
from chengxin.web.i18n import lang_of, n_, translator
from chengxin.web.operator.frame import BASE, console_page
from chengxin.web.render import see_other

SCORING = f"{BASE}/scoring"
MANAGE = [page_requires(Permission.SCORING_RULESET_MANAGE)]

STATUS = {
    "draft": (n_("草稿"), "amber"),
    "active": (n_("生效中"), "green"),
    "retired": (n_("已停用"), ""),
}


class VersionForm(BaseModel):
    version: str = ""


def _source(data: SourceForm) -> str:
    return source_text(data, RulesetInvalid, "a ruleset")


def _movement_rows(groups: dict[str, dict[str, Any]]) -> list[tuple[str, list[float]]]:
    return [(name, [float(m["up"]), float(m["down"])]) for name, m in groups.items()]


class ScoringPages(Controller):
    path = SCORING

    @get("/", guards=MANAGE, sync_to_thread=True)
    def rulesets(
        self, request: Request[Any, Any, Any], session: SessionDep, actor: ActorDep
    ) -> Response[str]:
        """The active ruleset, drafts and retired ones; the form for a new draft."""
        return self._rulesets(request, session, actor)

    def _rulesets(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: Actor,
        *,
        error: DomainError | None = None,
        source: str = "",
    ) -> Response[str]:
        return console_page(
            request,
            actor,
            "operator/oversight/scoring.html",
            {
                "rulesets": scoring_service.list_rulesets(session),
                "active_version": scoring_service.active_rules(session).version,
                "status": STATUS,
                "error": error,
                "source": source,
            },
            status_code=error.status if error else 200,
        )

    @post("/upload", guards=MANAGE, sync_to_thread=True)
    def upload(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        data: MultipartBody[SourceForm],
    ) -> Response[Any]:
        """Validate and store a draft (unused until activated)."""
        try:
            scoring_service.upload_draft(session, _source(data), actor=actor)
        except DomainError as exc:
            return self._rulesets(request, session, actor, error=exc, source=data.source)
        return see_other(SCORING, notice=n_("草稿已保存"))

    @post("/sandbox", guards=MANAGE, sync_to_thread=True, status_code=200)
    def sandbox(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        settings: SettingsDep,
        data: URLEncodedBody[VersionForm],
    ) -> Response[str]:
        """Compare a draft with the active ruleset over the whole population (nothing changes
        but one audit entry): grades before and after, moved up and down, by region and
        domain."""
        try:
            found = scoring_sandbox.compare(session, data.version, settings=settings, actor=actor)
        except DomainError as exc:
            return self._rulesets(request, session, actor, error=exc)
        _ = translator(lang_of(request.cookies))
        none = str(_("暂无数据"))
        grades = sorted(set(found.total["before"]) | set(found.total["after"]))
        before, after = str(_("现行规则")), str(_("草稿规则"))
        up, down = str(_("上升")), str(_("下降"))
        figures = {
            "grades": charts.bar_chart(
                [
                    (g, [found.total["before"].get(g, 0), found.total["after"].get(g, 0)])
                    for g in grades
                ],
                title=str(_("等级分布：现行与草稿")),
                series=(before, after),
                empty=none,
            ),
            "regions": charts.bar_chart(
                _movement_rows(found.by_region),
                title=str(_("等级变动（按地区）")),
                series=(up, down),
                empty=none,
            ),
            "domains": charts.bar_chart(
                _movement_rows(found.by_domain),
                title=str(_("等级变动（按领域）")),
                series=(up, down),
                empty=none,
            ),
        }
        return console_page(
            request,
            actor,
            "operator/oversight/sandbox.html",
            {"c": found, "grades": grades, "figures": figures},
        )

    @post("/activate", guards=MANAGE, sync_to_thread=True)
    def activate(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        data: URLEncodedBody[VersionForm],
    ) -> Response[Any]:
        """The draft becomes active, the previous one retires; a full recompute is queued."""
        try:
            scoring_service.activate(session, data.version, actor=actor)
        except DomainError as exc:
            return self._rulesets(request, session, actor, error=exc)
        return see_other(SCORING, notice=n_("规则已生效，积分将全量重算"))
