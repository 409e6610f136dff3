"""The operators' editor of the portal's content pages (Markdown): list, new, edit with a
preview, publish and unpublish — each change through the content service (a revision and an
audit entry)."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, URLEncodedBody
from pydantic import BaseModel

from chengxin.content import service as content_service
from chengxin.content.models import ContentKind, ContentPage
from chengxin.deps import ActorDep, SessionDep
from chengxin.errors import DomainError
from chengxin.security.actor import Actor
from chengxin.security.permissions import Permission
from chengxin.web.forms import attempt
from chengxin.web.guards import page_requires
from chengxin.web.i18n import n_
from chengxin.web.operator.frame import console_page
from chengxin.web.render import see_other

MANAGE = [page_requires(Permission.CONTENT_PAGE_MANAGE)]
BASE = "/console/operator/content"
KINDS = (
    (ContentKind.EXEMPLAR.value, n_("诚信典型")),
    (ContentKind.WARNING_CASE.value, n_("失信案例")),
    (ContentKind.POLICY.value, n_("政策文件")),
)
ACTIONS = {
    "created": n_("创建"),
    "edited": n_("修改"),
    "published": n_("发布"),
    "unpublished": n_("撤下"),
}


class PageForm(BaseModel):
    slug: str = ""
    kind: str = ContentKind.EXEMPLAR.value
    title: str = ""
    body_markdown: str = ""
    version: str = ""
    action: str = "save"  # or "preview": shown, not saved

    def to_input(self) -> content_service.PageInput:
        return content_service.PageInput(self.slug, self.kind, self.title, self.body_markdown)


def _editor(  # the editor's state, by name
    request: Request[Any, Any, Any],
    actor: Actor,
    form: PageForm,
    *,
    current: ContentPage | None = None,
    error: DomainError | None = None,
    revisions: Any = (),
) -> Response[str]:
    """The editor (with the Markdown's preview), for a new page or ``current``."""
    preview = content_service.render(form.body_markdown) if form.body_markdown.strip() else None
    return console_page(
        request,
        actor,
        "portal/admin/edit.html",
        {
            "form": form,
            "kinds": KINDS,
            "current": current,
            "error": error,
            "preview": preview,
            "actions": ACTIONS,
            "revisions": list(revisions),
        },
        status_code=error.status if error else 200,
    )


class ContentAdminController(Controller):
    """Operators write the exemplars, warning cases and policy documents of the portal."""

    path = BASE

    @get("/", guards=MANAGE, sync_to_thread=True)
    def index(
        self, request: Request[Any, Any, Any], session: SessionDep, actor: ActorDep
    ) -> Response[str]:
        return console_page(
            request,
            actor,
            "portal/admin/index.html",
            {
                "pages": content_service.all_pages(session),
                "kinds": dict(KINDS),
            },
        )

    @get("/new", guards=MANAGE, sync_to_thread=False)
    def new_form(self, request: Request[Any, Any, Any], actor: ActorDep) -> Response[str]:
        return _editor(request, actor, PageForm())

    @post("/new", guards=MANAGE, sync_to_thread=True)
    def create(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        data: URLEncodedBody[PageForm],
    ) -> Response[Any]:
        if data.action == "preview":
            return _editor(request, actor, data)
        return attempt(
            lambda: content_service.create(session, data.to_input(), actor=actor),
            on_error=lambda exc: _editor(request, actor, data, error=exc),
            then=lambda created: see_other(f"{BASE}/{created.id}", notice=n_("已保存")),
        )

    @get("/{page_id:uuid}", guards=MANAGE, sync_to_thread=True)
    def edit_form(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        page_id: FromPath[uuid.UUID],
    ) -> Response[str]:
        current = content_service.get_or_raise(session, page_id)
        form = PageForm(
            slug=current.slug,
            kind=current.kind,
            title=current.title,
            body_markdown=current.body_markdown,
            version=str(current.version),
        )
        revisions = content_service.revisions(session, current.id)
        return _editor(request, actor, form, current=current, revisions=revisions)

    @post("/{page_id:uuid}", guards=MANAGE, sync_to_thread=True)
    def edit(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        page_id: FromPath[uuid.UUID],
        data: URLEncodedBody[PageForm],
    ) -> Response[Any]:
        current = content_service.get_or_raise(session, page_id)
        revisions = content_service.revisions(session, current.id)
        if data.action == "preview":
            return _editor(request, actor, data, current=current, revisions=revisions)
        expected = int(data.version) if data.version.isdigit() else None
        return attempt(
            lambda: content_service.edit(
                session, page_id, data.to_input(), actor=actor, expected_version=expected
            ),
            on_error=lambda exc: _editor(
                request, actor, data, current=current, error=exc, revisions=revisions
            ),
            then=lambda _: see_other(f"{BASE}/{page_id}", notice=n_("已保存")),
        )

    @post("/{page_id:uuid}/publish", guards=MANAGE, sync_to_thread=True)
    def publish(
        self, session: SessionDep, actor: ActorDep, page_id: FromPath[uuid.UUID]
    ) -> Response[Any]:
        content_service.publish(session, page_id, actor=actor)
        return see_other(f"{BASE}/{page_id}", notice=n_("已发布"))

    @post("/{page_id:uuid}/unpublish", guards=MANAGE, sync_to_thread=True)
    def unpublish(
        self, session: SessionDep, actor: ActorDep, page_id: FromPath[uuid.UUID]
    ) -> Response[Any]:
        content_service.unpublish(session, page_id, actor=actor)
        return see_other(f"{BASE}/{page_id}", notice=n_("已撤下"))


CONTROLLERS: list[type[Controller]] = [ContentAdminController]
