"""Pages of the citizen: authorizations, statements, notices, lists and the score."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery, URLEncodedBody
from pydantic import BaseModel

from chengxin.access import grants as grant_service
from chengxin.access.schemas import GrantIn, GrantUseRead
from chengxin.audit import service as audit
from chengxin.catalog import service as catalog_service
from chengxin.db import utcnow
from chengxin.deps import ActorDep, SessionDep, SettingsDep
from chengxin.errors import DomainError
from chengxin.lists.models import ListEntry
from chengxin.lists.types import get_or_raise as list_type
from chengxin.notifications import service as notifications_service
from chengxin.objections import statements as statement_service
from chengxin.objections.schemas import StatementIn
from chengxin.organizations import service as organization_service
from chengxin.scoring import service as scoring_service
from chengxin.scoring.schemas import ReviewIn, ReviewRead, ScoreRead
from chengxin.security.permissions import Permission
from chengxin.web.citizen.common import (
    READ,
    page_lang,
    show,
)
from chengxin.web.citizen.listed import my_lists
from chengxin.web.citizen.pages import (
    my_records,
    scene_options,
    uuid_or_none,
)
from chengxin.web.forms import parse
from chengxin.web.guards import page_requires
from chengxin.web.i18n import lang_of, n_, translator
from chengxin.web.labels import grade_scale, name_of, score_rule
from chengxin.web.render import see_other
from chengxin.workdays.days import day_of

# -- grants ----------------------------------------------------------------------------------------


class GrantForm(BaseModel):
    credit_code: str = ""
    scene: str = ""
    purpose: str = ""
    valid_days: str = "30"
    max_uses: str = "1"


class RevokeForm(BaseModel):
    reason: str = ""


GRANT_MANAGE = [page_requires(Permission.SELF_GRANT_MANAGE)]


class CitizenGrants(Controller):
    path = "/me/grants"

    def _index(
        self,
        request: Request[Any, Any, Any],
        session: Any,
        actor: Any,
        form: GrantForm,
        error: DomainError | None = None,
    ) -> Response[str]:
        now = utcnow()
        rows = []
        for g in grant_service.mine(session, actor=actor):
            org = organization_service.get(session, g.organization_id)
            rows.append((g, org.name if org else "—", g.status_at(now).value))
        return show(
            request,
            "grants.html",
            {
                "rows": rows,
                "form": form,
                "error": error,
                "scenes": scene_options(page_lang(request)),
            },
            status_code=error.status if error else 200,
        )

    @get("/", guards=READ, sync_to_thread=True)
    def index(
        self, request: Request[Any, Any, Any], session: SessionDep, actor: ActorDep
    ) -> Response[str]:
        audit.own_subject(actor)
        return self._index(request, session, actor, GrantForm())

    @post("/", guards=GRANT_MANAGE, sync_to_thread=True)
    def create(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        data: URLEncodedBody[GrantForm],
    ) -> Response[Any]:
        """As ``POST /api/v1/me/grants``: one organization, a purpose, a period, a number of
        uses (the authorized report)."""
        try:
            audit.own_subject(actor)
            form = parse(
                GrantIn,
                {
                    "credit_code": data.credit_code.strip(),
                    "scene": data.scene or None,
                    "purpose": data.purpose,
                    "valid_days": data.valid_days.strip() or None,
                    "max_uses": data.max_uses.strip() or None,
                },
            )
            _, document = catalog_service.active_document(session)
            grant_service.create(
                session,
                document,
                credit_code=form.credit_code,
                scene=form.scene,
                purpose=form.purpose,
                kinds=form.kinds,
                valid_days=form.valid_days,
                max_uses=form.max_uses,
                actor=actor,
            )
        except DomainError as exc:
            session.rollback()
            return self._index(request, session, actor, data, exc)
        return see_other("/me/grants", notice=n_("已授权"))

    @get("/{grant_id:uuid}", guards=READ, sync_to_thread=True)
    def detail(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        grant_id: FromPath[uuid.UUID],
    ) -> Response[str]:
        """The uses of one grant."""
        uses = [
            GrantUseRead.model_validate(u)
            for u in grant_service.uses_of(session, grant_id, actor=actor)
        ]
        grant = next(g for g in grant_service.mine(session, actor=actor) if g.id == grant_id)
        org = organization_service.get(session, grant.organization_id)
        return show(
            request,
            "grant.html",
            {
                "g": grant,
                "organization": org.name if org else "—",
                "status": grant.status_at(utcnow()).value,
                "uses": uses,
            },
        )

    @post("/{grant_id:uuid}/revoke", guards=GRANT_MANAGE, sync_to_thread=True)
    def revoke(
        self,
        session: SessionDep,
        actor: ActorDep,
        grant_id: FromPath[uuid.UUID],
        data: URLEncodedBody[RevokeForm],
    ) -> Response[Any]:
        """It stops working at once."""
        grant_service.revoke(session, grant_id, reason=data.reason or None, actor=actor)
        return see_other("/me/grants", notice=n_("已撤销授权"))


# -- statements, notices, lists, score -------------------------------------------------------------


class StatementForm(BaseModel):
    record_id: str = ""
    text: str = ""


class ReviewForm(BaseModel):
    reason: str = ""


def _score_basis(
    session: Any, actor: Any, source_ids: list[str | None], lang: str
) -> dict[str, str]:
    """What each score line counts, in words: a record as its kind and finding date, a list
    entry as its list and publication date (the API gives their ids)."""
    found = {
        str(r.record.id): f"{r.kind_en if lang == 'en' else r.kind_zh} · "
        f"{r.record.finding_on.isoformat()}"
        for r in my_records(session, actor, current_only=False)
    }
    for source in source_ids:
        if not source or source in found:
            continue
        entry_id = uuid_or_none(source)
        entry = session.get(ListEntry, entry_id) if entry_id else None
        if entry is not None:
            published = day_of(entry.published_at).isoformat() if entry.published_at else ""
            found[source] = f"{name_of('list_type', entry.list_type, lang)} · {published}"
    return found


class CitizenMore(Controller):
    path = "/me"

    def _statements(
        self,
        request: Request[Any, Any, Any],
        session: Any,
        actor: Any,
        form: StatementForm,
        error: DomainError | None = None,
    ) -> Response[str]:
        lang = page_lang(request)
        records = my_records(session, actor)
        said = [
            (s, statement_service.text_of(session, s))
            for s in statement_service.mine(session, actor=actor)
        ]
        every = my_records(session, actor, current_only=False)
        labels = {str(r.record.id): r.label(lang) for r in every}
        return show(
            request,
            "statements.html",
            {
                "said": said,
                "records": [(str(r.record.id), r.label(lang)) for r in records],
                "record_labels": labels,
                "form": form,
                "error": error,
            },
            status_code=error.status if error else 200,
        )

    @get("/statements", guards=READ, sync_to_thread=True)
    def statements(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        record_id: FromQuery[str] = "",
    ) -> Response[str]:
        audit.own_subject(actor)
        return self._statements(request, session, actor, StatementForm(record_id=record_id))

    @post(
        "/statements",
        guards=[page_requires(Permission.SELF_STATEMENT_MANAGE)],
        sync_to_thread=True,
    )
    def add_statement(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        data: URLEncodedBody[StatementForm],
    ) -> Response[Any]:
        """本人声明 (``POST /api/v1/me/statements``): it travels with the record in reports."""
        try:
            audit.own_subject(actor)
            form = parse(
                StatementIn, {"record_id": data.record_id.strip() or None, "text": data.text}
            )
            statement_service.add(session, record_id=form.record_id, text=form.text, actor=actor)
        except DomainError as exc:
            session.rollback()
            return self._statements(request, session, actor, data, exc)
        return see_other("/me/statements", notice=n_("已提交"))

    @post(
        "/statements/{statement_id:uuid}/withdraw",
        guards=[page_requires(Permission.SELF_STATEMENT_MANAGE)],
        sync_to_thread=True,
    )
    def withdraw_statement(
        self, session: SessionDep, actor: ActorDep, statement_id: FromPath[uuid.UUID]
    ) -> Response[Any]:
        audit.own_subject(actor)
        statement_service.withdraw(session, statement_id, actor=actor)
        return see_other("/me/statements", notice=n_("已撤回"))

    @get("/notices", guards=READ, sync_to_thread=True)
    def notices(
        self, request: Request[Any, Any, Any], session: SessionDep, actor: ActorDep
    ) -> Response[str]:
        """The messages the platform sent me (sign-in codes left out)."""
        return show(
            request,
            "notices.html",
            {"items": notifications_service.for_person(session, actor=actor)},
        )

    @get("/lists", guards=READ, sync_to_thread=True)
    def lists(
        self, request: Request[Any, Any, Any], session: SessionDep, actor: ActorDep
    ) -> Response[str]:
        """The lists I am on and those on their way (my credit state), each with its reason,
        rights and exit; then my past entries (as ``/api/v1/me/lists``)."""
        lang = page_lang(request)
        past = []
        mine = my_lists(session, actor, lang)
        for read in mine.past:
            kind = list_type(read.list_type)
            past.append((read, kind.name_en if lang == "en" else kind.name_zh))
        return show(request, "lists.html", {"lists": mine, "past": past})

    def _score(  # noqa: PLR0917
        self,
        request: Request[Any, Any, Any],
        session: Any,
        actor: Any,
        settings: Any,
        form: ReviewForm,
        error: DomainError | None = None,
    ) -> Response[str]:
        subject_id = audit.own_subject(actor)
        score = ScoreRead.of(scoring_service.current(session, subject_id, settings=settings))
        reviews = [
            ReviewRead.of(scoring_service.view(session, r))
            for r in scoring_service.my_reviews(session, actor=actor)
        ]
        lang = lang_of(request.cookies)
        _ = translator(lang)
        basis = _score_basis(session, actor, [line.source_id for line in score.lines], lang)
        ruleset = scoring_service.active_rules(session)
        return show(
            request,
            "score.html",
            {
                "score": score,
                "lines": [
                    (score_rule(line.rule, lang, _), basis.get(line.source_id or ""), line)
                    for line in score.lines
                ],
                "scale": grade_scale(ruleset.grades, ruleset.high, _),
                "base": ruleset.base,
                "reviews": reviews,
                "form": form,
                "error": error,
            },
            status_code=error.status if error else 200,
        )

    @get("/score", guards=READ, sync_to_thread=True)
    def score(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        settings: SettingsDep,
    ) -> Response[str]:
        """As ``/api/v1/me/score``: score, grade and ruleset, line by line."""
        return self._score(request, session, actor, settings, ReviewForm())

    @post(
        "/score/reviews",
        guards=[page_requires(Permission.SELF_SCORE_REVIEW)],
        sync_to_thread=True,
    )
    def review(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        settings: SettingsDep,
        data: URLEncodedBody[ReviewForm],
    ) -> Response[Any]:
        """Ask for a person to review the automated score (``/api/v1/me/score/reviews``)."""
        try:
            audit.own_subject(actor)
            form = parse(ReviewIn, {"reason": data.reason})
            scoring_service.request_review(
                session, reason=form.reason, actor=actor, settings=settings
            )
        except DomainError as exc:
            session.rollback()
            return self._score(request, session, actor, settings, data, exc)
        return see_other("/me/score", notice=n_("已提交复核申请"))
