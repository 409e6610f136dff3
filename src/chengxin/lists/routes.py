"""HTTP routes of the red and black lists: staff entries through their lifecycle, the public
lists and search, and the person's own entries."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery, JSONBody

from chengxin.audit import service as audit
from chengxin.db import utcnow
from chengxin.deps import ActorDep, Limit, Offset, SessionDep, SettingsDep, client_ip
from chengxin.lists import public as public_lists
from chengxin.lists import service as list_service
from chengxin.lists import types as list_types
from chengxin.lists.models import EntryStatus, ListEntry, ListKind
from chengxin.lists.schemas import (
    EntryCreate,
    EntryDetail,
    EntryPage,
    EntryPublic,
    EntryRead,
    ExitIn,
    ListTypeRead,
    MyEntryRead,
    PublicEntryPage,
    SearchIn,
    WithdrawIn,
    detail,
)
from chengxin.security.guards import requires
from chengxin.security.permissions import Permission

PUBLIC = {"public": True}


def _detail(session: SessionDep, entry: ListEntry) -> EntryDetail:
    return detail(
        entry, list_service.reason_of(session, entry), list_service.history(session, entry.id)
    )


class ListEntryController(Controller):
    path = "/api/v1/lists/entries"
    tags = ["lists"]

    @post(
        "/",
        sync_to_thread=True,
        guards=[requires(Permission.LISTS_ENTRY_PROPOSE)],
        summary="Propose a list entry",
    )
    def propose(
        self, session: SessionDep, actor: ActorDep, data: JSONBody[EntryCreate]
    ) -> EntryDetail:
        """A provider proposes an entry on its own current records about one person, or on a
        finding document (a person by ID number and name, an organization by credit code)."""
        entry = list_service.propose(
            session,
            list_service.Proposal(
                list_type=data.list_type,
                reason=data.reason,
                record_ids=data.record_ids,
                credit_code=data.credit_code,
                document_no=data.document_no,
                id_number=data.id_number,
                name=data.name,
            ),
            actor=actor,
        )
        return _detail(session, entry)

    @get(
        "/",
        sync_to_thread=True,
        guards=[requires(Permission.LISTS_ENTRY_READ)],
        summary="List entries",
    )
    def entries(  # noqa: PLR0917
        self,
        session: SessionDep,
        actor: ActorDep,
        status: FromQuery[EntryStatus | None] = None,
        list_type: FromQuery[str | None] = None,
        kind: FromQuery[ListKind | None] = None,
        limit: FromQuery[Limit] = 50,
        offset: FromQuery[Offset] = 0,
    ) -> EntryPage:
        """The entries a provider proposed (operators: all), newest first, filtered."""
        page = list_service.entries(
            session,
            list_service.EntryFilter(status=status, list_type=list_type, kind=kind),
            actor=actor,
            limit=limit,
            offset=offset,
        )
        return EntryPage(items=[EntryRead.of(e) for e in page.items], total=page.total)

    @get(
        "/{entry_id:uuid}",
        sync_to_thread=True,
        guards=[requires(Permission.LISTS_ENTRY_READ)],
        summary="One list entry with its history",
    )
    def detail(
        self, session: SessionDep, actor: ActorDep, entry_id: FromPath[uuid.UUID]
    ) -> EntryDetail:
        """The entry, its sealed reason opened, and every step in order (the reading is logged)."""
        return _detail(session, list_service.read(session, entry_id, actor=actor))

    @post(
        "/{entry_id:uuid}/notify",
        sync_to_thread=True,
        guards=[requires(Permission.LISTS_ENTRY_MANAGE)],
        status_code=200,
        summary="Tell the subject and open the objection window",
    )
    def notify(
        self,
        session: SessionDep,
        actor: ActorDep,
        settings: SettingsDep,
        entry_id: FromPath[uuid.UUID],
    ) -> EntryDetail:
        """Reasons, basis and rights go to the subject through the outbox; the entry cannot be
        published before the objection window ends."""
        entry = list_service.notify(session, entry_id, actor=actor, settings=settings)
        return _detail(session, entry)

    @post(
        "/{entry_id:uuid}/publish",
        sync_to_thread=True,
        guards=[requires(Permission.LISTS_ENTRY_MANAGE)],
        status_code=200,
        summary="Publish a notified entry",
    )
    def publish(
        self, session: SessionDep, actor: ActorDep, entry_id: FromPath[uuid.UUID]
    ) -> EntryDetail:
        """Only after the objection window and with no open objection to its records."""
        return _detail(session, list_service.publish(session, entry_id, actor=actor))

    @post(
        "/{entry_id:uuid}/exit",
        sync_to_thread=True,
        guards=[requires(Permission.LISTS_ENTRY_MANAGE)],
        status_code=200,
        summary="Take an entry off its list",
    )
    def exit_entry(
        self,
        session: SessionDep,
        actor: ActorDep,
        entry_id: FromPath[uuid.UUID],
        data: JSONBody[ExitIn],
    ) -> EntryDetail:
        """Term ended, repaired, performed, court deletion or error, with a note."""
        entry = list_service.exit_entry(
            session, entry_id, reason=data.reason, note=data.note, actor=actor
        )
        return _detail(session, entry)

    @post(
        "/{entry_id:uuid}/withdraw",
        sync_to_thread=True,
        guards=[requires(Permission.LISTS_ENTRY_PROPOSE)],
        status_code=200,
        summary="Withdraw a proposal before publication",
    )
    def withdraw(
        self,
        session: SessionDep,
        actor: ActorDep,
        entry_id: FromPath[uuid.UUID],
        data: JSONBody[WithdrawIn],
    ) -> EntryDetail:
        """The proposing provider drops its proposal (proposed or notified only)."""
        entry = list_service.withdraw(session, entry_id, note=data.note, actor=actor)
        return _detail(session, entry)


class PublicListController(Controller):
    path = "/api/v1/public/lists"
    tags = ["public"]

    @get("/types", opt=PUBLIC, sync_to_thread=False, summary="The red and black list types")
    def types(self) -> list[ListTypeRead]:
        """Each list with its legal basis, standard, term, exit conditions and remedies."""
        return [ListTypeRead.of(t) for t in list_types.all_types()]

    @get("/entries", opt=PUBLIC, sync_to_thread=True, summary="Published list entries")
    def entries(  # noqa: PLR0917
        self,
        session: SessionDep,
        list_type: FromQuery[str | None] = None,
        domain: FromQuery[str | None] = None,
        kind: FromQuery[ListKind | None] = None,
        limit: FromQuery[Limit] = 50,
        offset: FromQuery[Offset] = 0,
    ) -> PublicEntryPage:
        """Published, current entries: masked name and number, basis, dates, exit conditions."""
        page = public_lists.entries(
            session, list_type=list_type, domain=domain, kind=kind, limit=limit, offset=offset
        )
        return PublicEntryPage(
            items=[EntryPublic.of(e) for e in page.items],
            total=page.total,
            limit=limit,
            offset=offset,
        )

    @post(
        "/search",
        opt=PUBLIC,
        sync_to_thread=True,
        status_code=200,
        summary="Search the published lists (exact ID number or credit code, or full name)",
    )
    def search(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        settings: SettingsDep,
        data: JSONBody[SearchIn],
    ) -> list[EntryPublic]:
        """POST, so nothing personal is in a URL; name search returns masked results only.
        Rate-limited per client (``list-search-rate-limited``, 429 with Retry-After)."""
        # Counted in a unit of work of its own before the request's session begins.
        public_lists.count_search(
            request.app.state.runtime.scope,
            client_ip=client_ip(request),
            limit=settings.lists_searches_per_client_per_hour,
            now=utcnow(),
        )
        found = public_lists.search(
            session, id_number=data.id_number, credit_code=data.credit_code, name=data.name
        )
        return [EntryPublic.of(e) for e in found]


class MyListsController(Controller):
    path = "/api/v1/me/lists"
    tags = ["self"]

    @get(
        "/",
        sync_to_thread=True,
        guards=[requires(Permission.SELF_DATA_READ)],
        summary="My list entries",
    )
    def mine(self, session: SessionDep, actor: ActorDep) -> list[MyEntryRead]:
        """Every entry about me in any state, with its reason, rights and exit conditions."""
        audit.own_subject(actor)
        return [
            MyEntryRead.of(e, list_service.reason_of(session, e))
            for e in list_service.mine(session, actor=actor)
        ]
