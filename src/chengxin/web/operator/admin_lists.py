"""List publication (/console/operator/lists): entries by state with the objection window's end;
notify, publish, withdraw and exit with a reason; each entry's history.

Mirrors ``lists/routes.py`` (``ListEntryController``): the same service calls with the same
``actor``, and the service refuses what is not allowed — a publication before the objection
window ends (``list-objection-window-open``) or while an objection is open
(``list-record-in-dispute``) is shown beside the entry, as the API answers it.
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery, URLEncodedBody
from pydantic import BaseModel

from chengxin.db import utcnow
from chengxin.deps import ActorDep, Offset, SessionDep, SettingsDep
from chengxin.errors import DomainError
from chengxin.lists import service as list_service
from chengxin.lists import types as list_types
from chengxin.lists.models import EntryStatus, ExitReason, ListEntry
from chengxin.lists.schemas import ExitIn, WithdrawIn
from chengxin.security.permissions import Permission
from chengxin.web import forms
from chengxin.web import labels as vocabulary
from chengxin.web.guards import page_requires
from chengxin.web.i18n import n_
from chengxin.web.operator import frame
from chengxin.web.render import see_other

BASE = "/console/operator/lists"
PAGE_SIZE = 50
NOT_FOUND = 404
MANAGE = [page_requires(Permission.LISTS_ENTRY_MANAGE)]

STATUS_LABELS = {
    EntryStatus.PROPOSED.value: n_("已提出"),
    EntryStatus.NOTIFIED.value: n_("已告知"),
    EntryStatus.PUBLISHED.value: n_("已公布"),
    EntryStatus.EXITED.value: n_("已移出"),
    EntryStatus.WITHDRAWN.value: n_("已撤回"),
}
EXIT_LABELS = {
    ExitReason.TERM_END.value: n_("期限届满"),
    ExitReason.REPAIRED.value: n_("信用修复"),
    ExitReason.PERFORMED.value: n_("已履行义务"),
    ExitReason.COURT_DELETION.value: n_("法院决定删除"),
    ExitReason.ERROR.value: n_("列入有误"),
    ExitReason.RECORD_ENDED.value: n_("依据记录已失效"),
    # what the other steps record as their reason (lists.service._step)
    "automatic": n_("依据信用信息自动提请"),
    "provider": n_("认定单位提请"),
    "notice": n_("已告知本人"),
    "published": n_("异议期满，予以公开"),
    "withdrawn": n_("已撤回"),
}
KIND_LABELS = vocabulary.LIST_KIND


class ExitForm(BaseModel):
    reason: str = ""
    note: str = ""


class WithdrawForm(BaseModel):
    note: str = ""


def list_name(code: str, lang: str) -> str:
    """A list type's name from the lists registry, in English where it has one."""
    found = list_types.get(code)
    if found is None:
        return code
    return found.name_en if lang == "en" else found.name_zh


class ListPages(Controller):
    path = BASE

    @get("/", guards=MANAGE, sync_to_thread=True)
    def entries(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        status: FromQuery[str] = EntryStatus.NOTIFIED.value,
        offset: FromQuery[Offset] = 0,
    ) -> Response[str]:
        """Entries in one state, newest first (``list_service.entries``, as the API)."""
        chosen = EntryStatus(status) if status in STATUS_LABELS else EntryStatus.NOTIFIED
        page = list_service.entries(
            session,
            list_service.EntryFilter(status=chosen),
            actor=actor,
            limit=PAGE_SIZE,
            offset=offset,
        )
        return frame.console_page(
            request,
            actor,
            "operator/admin/lists.html",
            {
                "entries": page.items,
                "total": page.total,
                "status": chosen.value,
                "offset": offset,
                "page_size": PAGE_SIZE,
                "labels": STATUS_LABELS,
                "kind_labels": KIND_LABELS,
                "list_name": list_name,
                "now": utcnow(),
            },
        )

    @get("/{entry_id:uuid}", guards=MANAGE, sync_to_thread=True)
    def entry(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        entry_id: FromPath[uuid.UUID],
    ) -> Response[str]:
        """One entry, its reason and every step (the reading is logged, as in the API)."""
        return self._entry(request, session, actor, entry_id)

    def _entry(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        entry_id: uuid.UUID,
        *,
        error: DomainError | None = None,
        exit_form: ExitForm | None = None,
        withdraw_form: WithdrawForm | None = None,
    ) -> Response[str]:
        entry: ListEntry = list_service.read(session, entry_id, actor=actor)
        return frame.console_page(
            request,
            actor,
            "operator/admin/entry.html",
            {
                "entry": entry,
                "opened": list_service.reason_of(session, entry),
                "history": list_service.history(session, entry.id),
                "list_type": list_types.get(entry.list_type),
                "labels": STATUS_LABELS,
                "exit_labels": EXIT_LABELS,
                "kind_labels": KIND_LABELS,
                "list_name": list_name,
                "now": utcnow(),
                "error": error,
                "exit_form": exit_form or ExitForm(),
                "withdraw_form": withdraw_form or WithdrawForm(),
            },
            status_code=error.status if error else 200,
        )

    def _refused(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        entry_id: uuid.UUID,
        exc: DomainError,
        **forms: Any,
    ) -> Response[str]:
        if exc.status == NOT_FOUND:
            raise exc
        session.rollback()  # nothing of the refused step is kept; the page reads afresh
        return self._entry(request, session, actor, entry_id, error=exc, **forms)

    @post("/{entry_id:uuid}/notify", guards=MANAGE, sync_to_thread=True)
    def notify(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        settings: SettingsDep,
        entry_id: FromPath[uuid.UUID],
    ) -> Response[Any]:
        """Tell the subject and open the objection window (``list_service.notify``)."""
        try:
            list_service.notify(session, entry_id, actor=actor, settings=settings)
        except DomainError as exc:
            return self._refused(request, session, actor, entry_id, exc)
        return see_other(f"{BASE}/{entry_id}", notice=n_("已告知当事人，异议期开始"))

    @post("/{entry_id:uuid}/publish", guards=MANAGE, sync_to_thread=True)
    def publish(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        entry_id: FromPath[uuid.UUID],
    ) -> Response[Any]:
        """Publish once the objection window has ended with no objection open."""
        try:
            list_service.publish(session, entry_id, actor=actor)
        except DomainError as exc:
            return self._refused(request, session, actor, entry_id, exc)
        return see_other(f"{BASE}/{entry_id}", notice=n_("已公布"))

    @post("/{entry_id:uuid}/exit", guards=MANAGE, sync_to_thread=True)
    def exit_entry(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        entry_id: FromPath[uuid.UUID],
        data: URLEncodedBody[ExitForm],
    ) -> Response[Any]:
        """Take a published entry off its list, with the reason and a note."""
        try:
            body = forms.parse(ExitIn, data.model_dump(), omit_blank=True)
            list_service.exit_entry(
                session, entry_id, reason=body.reason, note=body.note, actor=actor
            )
        except DomainError as exc:
            return self._refused(request, session, actor, entry_id, exc, exit_form=data)
        return see_other(f"{BASE}/{entry_id}", notice=n_("已移出名单"))

    @post("/{entry_id:uuid}/withdraw", guards=MANAGE, sync_to_thread=True)
    def withdraw(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        entry_id: FromPath[uuid.UUID],
        data: URLEncodedBody[WithdrawForm],
    ) -> Response[Any]:
        """Drop an unpublished entry, with a note (the service allows its proposer or an
        operator)."""
        try:
            body = forms.parse(WithdrawIn, data.model_dump(), omit_blank=True)
            list_service.withdraw(session, entry_id, note=body.note, actor=actor)
        except DomainError as exc:
            return self._refused(request, session, actor, entry_id, exc, withdraw_form=data)
        return see_other(f"{BASE}/{entry_id}", notice=n_("已撤回"))


CONTROLLERS: list[type[Controller]] = [ListPages]
