"""HTTP routes of integrity points: operators' rulesets and sandbox, staff score look-ups, the
person's own score with its breakdown and review requests, the review queue, and city exports."""

from __future__ import annotations

import uuid

from litestar import Controller, Response, get, post
from litestar.params import FromPath, FromQuery, JSONBody

from chengxin.audit import service as audit
from chengxin.deps import ActorDep, Limit, Offset, SessionDep, SettingsDep
from chengxin.scoring import export as score_export
from chengxin.scoring import sandbox as scoring_sandbox
from chengxin.scoring import service as scoring_service
from chengxin.scoring.models import ReviewStatus
from chengxin.scoring.schemas import (
    ComparisonRead,
    ReviewDecisionIn,
    ReviewIn,
    ReviewRead,
    RulesetIn,
    RulesetRead,
    ScoreRead,
    SubjectLookup,
)
from chengxin.security.guards import requires
from chengxin.security.permissions import Permission
from chengxin.watch.delivery import KEY_ID_HEADER, SIGNATURE_HEADER

MANAGE = [requires(Permission.SCORING_RULESET_MANAGE)]


class RulesetController(Controller):
    path = "/api/v1/scoring/rulesets"
    tags = ["scoring"]

    @post("/", sync_to_thread=True, guards=MANAGE, summary="Upload a draft ruleset")
    def upload(
        self, session: SessionDep, actor: ActorDep, data: JSONBody[RulesetIn]
    ) -> RulesetRead:
        """A YAML ruleset with a new version; it is validated (grades must not overlap) and
        stored as a draft, unused until activated."""
        return RulesetRead.of(scoring_service.upload_draft(session, data.source, actor=actor))

    @get("/", sync_to_thread=True, guards=MANAGE, summary="Rulesets")
    def rulesets(self, session: SessionDep) -> list[RulesetRead]:
        """Every ruleset, newest first, with its status."""
        return [RulesetRead.of(r) for r in scoring_service.list_rulesets(session)]

    @post(
        "/{version:str}/activate",
        sync_to_thread=True,
        guards=MANAGE,
        status_code=200,
        summary="Activate a draft ruleset",
    )
    def activate(self, session: SessionDep, actor: ActorDep, version: FromPath[str]) -> RulesetRead:
        """The draft becomes active, the previous one retires; a full recompute is queued."""
        return RulesetRead.of(scoring_service.activate(session, version, actor=actor))

    @post(
        "/{version:str}/sandbox",
        sync_to_thread=True,
        guards=MANAGE,
        status_code=200,
        summary="Compare a draft ruleset with the active one",
    )
    def sandbox(
        self, session: SessionDep, actor: ActorDep, settings: SettingsDep, version: FromPath[str]
    ) -> ComparisonRead:
        """Over the whole population, without activating: grades before and after, moved up
        and down, by region and by domain."""
        return ComparisonRead.of(
            scoring_sandbox.compare(session, version, settings=settings, actor=actor)
        )


class ScoreController(Controller):
    path = "/api/v1/scoring"
    tags = ["scoring"]

    @post(
        "/scores/lookup",
        sync_to_thread=True,
        status_code=200,
        guards=[requires(Permission.SCORING_SCORE_READ)],
        summary="A person's score",
    )
    def lookup(
        self,
        session: SessionDep,
        actor: ActorDep,
        settings: SettingsDep,
        data: JSONBody[SubjectLookup],
    ) -> ScoreRead:
        """By ID number and name in the body (never in the URL); now or as of a moment, with
        its breakdown. The reading is logged."""
        return ScoreRead.of(
            scoring_service.lookup(
                session,
                id_number=data.id_number,
                name=data.name,
                as_of=data.as_of,
                actor=actor,
                settings=settings,
            )
        )

    @get(
        "/reviews",
        sync_to_thread=True,
        guards=[requires(Permission.SCORING_REVIEW_DECIDE)],
        summary="Score review queue",
    )
    def reviews(
        self,
        session: SessionDep,
        status: FromQuery[ReviewStatus | None] = None,
        limit: FromQuery[Limit] = 50,
        offset: FromQuery[Offset] = 0,
    ) -> list[ReviewRead]:
        """Requests for human review (PIPL Art. 24), the ones due soonest first."""
        found = scoring_service.review_queue(session, status=status, limit=limit, offset=offset)
        return [ReviewRead.of(scoring_service.view(session, r)) for r in found]

    @post(
        "/reviews/{review_id:uuid}/decision",
        sync_to_thread=True,
        status_code=200,
        guards=[requires(Permission.SCORING_REVIEW_DECIDE)],
        summary="Decide a score review",
    )
    def decide(
        self,
        session: SessionDep,
        actor: ActorDep,
        settings: SettingsDep,
        review_id: FromPath[uuid.UUID],
        data: JSONBody[ReviewDecisionIn],
    ) -> ReviewRead:
        """Confirmed, or recomputed; the note is shown to the person."""
        review = scoring_service.decide_review(
            session,
            review_id,
            outcome=data.outcome,
            note=data.note,
            actor=actor,
            settings=settings,
        )
        return ReviewRead.of(scoring_service.view(session, review))

    @get(
        "/exports/{region:str}",
        sync_to_thread=True,
        guards=[requires(Permission.SCORING_EXPORT_READ)],
        summary="Signed city export",
    )
    def export(
        self, session: SessionDep, actor: ActorDep, region: FromPath[str]
    ) -> Response[bytes]:
        """A city's current scores and grades as JSON lines with the ruleset version, signed
        (Ed25519, headers `X-Chengxin-Signature` and `X-Chengxin-Key-Id`)."""
        done = score_export.export_region(session, region, actor=actor)
        return Response(
            done.body,
            media_type="application/x-ndjson",
            headers={SIGNATURE_HEADER: done.signature, KEY_ID_HEADER: done.key_id},
        )


class MyScoreController(Controller):
    path = "/api/v1/me/score"
    tags = ["self"]

    @get(
        "/",
        sync_to_thread=True,
        guards=[requires(Permission.SELF_DATA_READ)],
        summary="My integrity points",
    )
    def mine(self, session: SessionDep, actor: ActorDep, settings: SettingsDep) -> ScoreRead:
        """My score, grade and ruleset version, line by line (record → rule → points)."""
        subject_id = audit.own_subject(actor)
        return ScoreRead.of(scoring_service.current(session, subject_id, settings=settings))

    @post(
        "/reviews",
        sync_to_thread=True,
        guards=[requires(Permission.SELF_SCORE_REVIEW)],
        summary="Ask for human review of my score",
    )
    def review(
        self,
        session: SessionDep,
        actor: ActorDep,
        settings: SettingsDep,
        data: JSONBody[ReviewIn],
    ) -> ReviewRead:
        """A person at the platform reviews the automated score and answers by the due date."""
        audit.own_subject(actor)
        review = scoring_service.request_review(
            session, reason=data.reason, actor=actor, settings=settings
        )
        return ReviewRead.of(scoring_service.view(session, review))

    @get(
        "/reviews",
        sync_to_thread=True,
        guards=[requires(Permission.SELF_DATA_READ)],
        summary="My score reviews",
    )
    def reviews(self, session: SessionDep, actor: ActorDep) -> list[ReviewRead]:
        """Each with its state, due date and outcome."""
        audit.own_subject(actor)
        return [
            ReviewRead.of(scoring_service.view(session, r))
            for r in scoring_service.my_reviews(session, actor=actor)
        ]
