"""HTTP routes of watch subscriptions: an organization's own, under its subjects' grants."""

from __future__ import annotations

import uuid

from litestar import Controller, delete, get, post
from litestar.params import FromPath, FromQuery, JSONBody

from chengxin.deps import ActorDep, SessionDep, SettingsDep
from chengxin.security.guards import requires
from chengxin.security.permissions import Permission
from chengxin.watch import service as watch_service
from chengxin.watch.schemas import DeliveryRead, SubscriptionIn, SubscriptionRead

MANAGE = [requires(Permission.WATCH_SUBSCRIPTION_MANAGE)]


class WatchController(Controller):
    path = "/api/v1/watch/subscriptions"
    tags = ["watch"]

    @post("/", sync_to_thread=True, guards=MANAGE, status_code=201, summary="Watch a person")
    def subscribe(
        self,
        session: SessionDep,
        actor: ActorDep,
        settings: SettingsDep,
        data: JSONBody[SubscriptionIn],
    ) -> SubscriptionRead:
        """Under the person's valid grant to this organization (else 403); changes from now on
        are delivered signed, by webhook or to the inbox, until the grant ends."""
        return SubscriptionRead.of(
            watch_service.subscribe(
                session,
                id_number=data.id_number,
                name=data.name,
                grant_id=data.grant_id,
                channel=data.channel,
                webhook_url=data.webhook_url,
                actor=actor,
                settings=settings,
            )
        )

    @get("/", sync_to_thread=True, guards=MANAGE, summary="The organization's subscriptions")
    def mine(
        self,
        session: SessionDep,
        actor: ActorDep,
        include_ended: FromQuery[bool] = False,  # noqa: FBT002
    ) -> list[SubscriptionRead]:
        """Newest first; ended ones on request."""
        found = watch_service.mine(session, actor=actor, include_ended=include_ended)
        return [SubscriptionRead.of(s) for s in found]

    @get(
        "/{subscription_id:uuid}/deliveries",
        sync_to_thread=True,
        guards=MANAGE,
        summary="A subscription's deliveries",
    )
    def deliveries(
        self, session: SessionDep, actor: ActorDep, subscription_id: FromPath[uuid.UUID]
    ) -> list[DeliveryRead]:
        """Each with its signed body and signature, to re-check or fetch what a webhook missed."""
        found = watch_service.deliveries_of(session, subscription_id, actor=actor)
        return [DeliveryRead.of(d) for d in found]

    @delete(
        "/{subscription_id:uuid}",
        sync_to_thread=True,
        guards=MANAGE,
        status_code=200,
        summary="Stop watching",
    )
    def cancel(
        self, session: SessionDep, actor: ActorDep, subscription_id: FromPath[uuid.UUID]
    ) -> SubscriptionRead:
        """Nothing more is delivered; pending webhook deliveries are dropped."""
        return SubscriptionRead.of(watch_service.cancel(session, subscription_id, actor=actor))
