"""HTTP routes of tips: the public form, domains and look-up (no account), and the queue of the
department (or operator) handling them."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery, JSONBody

from chengxin.deps import ActorDep, Limit, Offset, SessionDep, SettingsDep, client_ip
from chengxin.lists import types as list_types
from chengxin.lists.models import ListKind
from chengxin.runtime import Runtime
from chengxin.security.guards import requires
from chengxin.security.permissions import Permission
from chengxin.tips import service as tip_service
from chengxin.tips.models import TipStatus
from chengxin.tips.schemas import (
    TipDomainRead,
    TipIn,
    TipLookupIn,
    TipPage,
    TipPublic,
    TipRead,
    TipReceipt,
    TipStateIn,
    TipSummary,
)

PUBLIC = {"public": True}


class TipPublicController(Controller):
    path = "/api/v1/tips"
    tags = ["tips"]

    @get("/domains", opt=PUBLIC, sync_to_thread=False, summary="What a tip may be about")
    def domains(self) -> list[TipDomainRead]:
        """The serious-dishonesty lists (a tip goes to their competent department), and `other`
        (the platform operator routes it)."""
        found = [
            TipDomainRead(code=t.code, name_zh=t.name_zh, name_en=t.name_en)
            for t in list_types.all_types()
            if t.kind is ListKind.BLACK
        ]
        return [
            *found,
            TipDomainRead(code=tip_service.OTHER_DOMAIN, name_zh="其他", name_en="other"),
        ]

    @post("/", opt=PUBLIC, sync_to_thread=True, status_code=201, summary="Submit a tip (举报)")
    def submit(
        self, request: Request[Any, Any, Any], settings: SettingsDep, data: JSONBody[TipIn]
    ) -> TipReceipt:
        """Anyone, without an account. The answer's reference and secret are the only way back
        to the tip; identifiers named in it are kept blind and masked, its text sealed."""
        runtime: Runtime = request.app.state.runtime
        receipt = tip_service.submit(
            runtime.scope,
            tip_service.TipInput(
                domain=data.domain,
                about=data.about,
                what=data.what,
                id_number=data.id_number,
                credit_code=data.credit_code,
                region_code=data.region_code,
                contact=data.contact,
            ),
            client_ip=client_ip(request),
            settings=settings,
        )
        return TipReceipt(
            reference=receipt.tip.reference,
            secret=receipt.secret,
            status=TipStatus(receipt.tip.status),
            received_at=receipt.tip.received_at,
            handled_by=receipt.handled_by,
        )

    @post("/lookup", opt=PUBLIC, sync_to_thread=True, status_code=200, summary="Follow a tip")
    def lookup(
        self, request: Request[Any, Any, Any], settings: SettingsDep, data: JSONBody[TipLookupIn]
    ) -> TipPublic:
        """State and public updates for the holder of the reference and secret (POST: nothing
        in a URL). Look-ups are rate-limited per client."""
        runtime: Runtime = request.app.state.runtime
        return TipPublic.of(
            tip_service.lookup(
                runtime.scope,
                reference=data.reference,
                secret=data.secret,
                client_ip=client_ip(request),
                settings=settings,
            )
        )


class TipController(Controller):
    path = "/api/v1/tips/queue"
    tags = ["tips"]

    @get(
        "/",
        sync_to_thread=True,
        guards=[requires(Permission.TIPS_TIP_READ)],
        summary="Tip queue",
    )
    def queue(  # noqa: PLR0917
        self,
        session: SessionDep,
        actor: ActorDep,
        status: FromQuery[TipStatus | None] = None,
        overdue: FromQuery[bool] = False,  # noqa: FBT002
        limit: FromQuery[Limit] = 50,
        offset: FromQuery[Offset] = 0,
    ) -> TipPage:
        """The organization's tips (operators: all), those due first; no content in the list."""
        found = tip_service.queue(
            session, actor=actor, status=status, overdue_only=overdue, limit=limit, offset=offset
        )
        return TipPage(
            items=[TipSummary.of(t) for t in found.items], open=found.open, overdue=found.overdue
        )

    @get(
        "/{tip_id:uuid}",
        sync_to_thread=True,
        guards=[requires(Permission.TIPS_TIP_READ)],
        summary="Open one tip",
    )
    def detail(self, session: SessionDep, actor: ActorDep, tip_id: FromPath[uuid.UUID]) -> TipRead:
        """Its content, the contact and the history (the opening is logged)."""
        return TipRead.of_view(tip_service.open_tip(session, tip_id, actor=actor))

    @post(
        "/{tip_id:uuid}/state",
        sync_to_thread=True,
        guards=[requires(Permission.TIPS_TIP_HANDLE)],
        status_code=200,
        summary="Start on, close or re-route a tip",
    )
    def change_state(
        self,
        session: SessionDep,
        actor: ActorDep,
        tip_id: FromPath[uuid.UUID],
        data: JSONBody[TipStateIn],
    ) -> TipRead:
        """in_progress, closed with an outcome, or (operators) routed to another organization;
        the public note is shown to the submitter."""
        tip = tip_service.change_state(
            session,
            tip_id,
            state=data.state,
            outcome=data.outcome,
            note=data.public_note,
            organization_id=data.organization_id,
            actor=actor,
        )
        return TipRead.of_view(tip_service.view(session, tip))
