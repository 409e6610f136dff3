"""HTTP routes of the checks domain: run a check, read it back, feedback and its rates, and
the person's own "who checked me"."""

from __future__ import annotations

import uuid
from datetime import datetime

from litestar import Controller, get, post
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery, JSONBody

from chengxin.audit import service as audit
from chengxin.checks import service as check_service
from chengxin.checks.schemas import (
    CheckIn,
    CheckRead,
    CheckResultRead,
    FeedbackBody,
    FeedbackRateRead,
    FeedbackRead,
    MyCheckRead,
)
from chengxin.deps import ActorDep, SessionDep
from chengxin.identity.resolve import PersonAsked
from chengxin.security.guards import requires
from chengxin.security.permissions import Permission


class CheckController(Controller):
    path = "/api/v1/checks"
    tags = ["checks"]

    @post(
        "/",
        guards=[requires(Permission.CHECKS_CHECK_RUN)],
        status_code=200,
        summary="Check persons for joint measures",
    )
    async def run(self, state: State, actor: ActorDep, data: JSONBody[CheckIn]) -> CheckResultRead:
        """联合奖惩核查 at a service window: per person, list memberships and the measures that
        apply in the scene, each with its reasons and legal basis; per-person errors do not
        fail the batch."""
        outcome = await check_service.run_async(
            state.runtime,
            scene=data.scene,
            purpose=data.purpose,
            persons=[PersonAsked(p.id_number, p.name) for p in data.persons],
            actor=actor,
        )
        return CheckResultRead.of(outcome)

    @get(
        "/feedback-rates",
        sync_to_thread=True,
        guards=[requires(Permission.CHECKS_FEEDBACK_READ)],
        summary="Feedback rates per department and scene",
    )
    def rates(
        self,
        session: SessionDep,
        actor: ActorDep,
        since: FromQuery[datetime | None] = None,
        until: FromQuery[datetime | None] = None,
    ) -> list[FeedbackRateRead]:
        """Checks, checks with feedback and the rate (R11 supervision), in the actor's region."""
        found = check_service.feedback_rates(session, since=since, until=until, actor=actor)
        return [FeedbackRateRead.of(r) for r in found]

    @get(
        "/{check_id:uuid}",
        sync_to_thread=True,
        guards=[requires(Permission.CHECKS_CHECK_READ)],
        summary="One check of my organization",
    )
    def detail(
        self, session: SessionDep, actor: ActorDep, check_id: FromPath[uuid.UUID]
    ) -> CheckRead:
        """Its registration: scene, purpose, per person the outcome and measure codes, feedback."""
        check = check_service.get_or_raise(session, check_id, actor=actor)
        return CheckRead.of(
            check,
            check_service.subjects_of(session, check),
            check_service.feedback_of(session, check),
        )

    @post(
        "/{check_id:uuid}/feedback",
        sync_to_thread=True,
        guards=[requires(Permission.CHECKS_FEEDBACK_SUBMIT)],
        status_code=201,
        summary="Report which measures were applied",
    )
    def feedback(
        self,
        session: SessionDep,
        actor: ActorDep,
        check_id: FromPath[uuid.UUID],
        data: JSONBody[FeedbackBody],
    ) -> list[FeedbackRead]:
        """反馈: per measure of the check, applied or not, and why."""
        items = [
            check_service.FeedbackItem(i.measure, i.decision == "applied", i.reason, i.index)
            for i in data.items
        ]
        rows = check_service.feedback(session, check_id, items, actor=actor)
        return [FeedbackRead.of(r) for r in rows]


class MyChecksController(Controller):
    path = "/api/v1/me/checks"
    tags = ["self"]

    @get(
        "/",
        sync_to_thread=True,
        guards=[requires(Permission.SELF_DATA_READ)],
        summary="Who checked me",
    )
    def mine(self, session: SessionDep, actor: ActorDep) -> list[MyCheckRead]:
        """Each service-window check that named me: when, which organization, scene, purpose,
        and the proof that its audit entry covers me."""
        subject_id = audit.own_subject(actor)
        return [MyCheckRead.of(line) for line in check_service.checks_about(session, subject_id)]
