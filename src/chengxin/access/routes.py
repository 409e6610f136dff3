"""HTTP routes of the access domain: scenes, permission lists, queries and their review, the
citizen's grants, monitoring alerts."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, delete, get, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from chengxin.access import grants, monitoring, policy, queries
from chengxin.access.errors import QueryInputInvalid
from chengxin.access.models import Grant, QueryStatus
from chengxin.access.scenes import SCENES
from chengxin.access.schemas import (
    AccessRuleIn,
    AccessRuleRead,
    AcknowledgeIn,
    AlertRead,
    DecisionIn,
    FeedbackIn,
    GrantIn,
    GrantRead,
    GrantUseRead,
    QueryAnswer,
    QueryIn,
    QueryRead,
    RecordOut,
    RevokeIn,
    SceneRead,
    SubjectResultRead,
)
from chengxin.catalog import service as catalog_service
from chengxin.db import utcnow
from chengxin.deps import ActorDep, Offset, SessionDep, SettingsDep
from chengxin.errors import Forbidden
from chengxin.identity.resolve import PersonAsked
from chengxin.security.guards import requires
from chengxin.security.permissions import Permission
from chengxin.workdays.days import day_of

Limit = Annotated[int, QueryParameter(ge=1, le=500)]


def _answer(outcome: queries.QueryOutcome) -> QueryAnswer:
    results = None
    if outcome.results is not None:
        results = [
            SubjectResultRead(
                position=r.position,
                outcome=r.outcome,
                masked_name=r.masked_name,
                masked_id_number=r.masked_id_number,
                records=[
                    RecordOut.model_validate(rec, from_attributes=True).model_copy(
                        update={"in_dispute": rec.id in r.disputed}
                    )
                    for rec in r.records
                ],
            )
            for r in outcome.results
        ]
    return QueryAnswer(query=QueryRead.model_validate(outcome.query), results=results)


def _grant_read(grant: Grant) -> GrantRead:
    return GrantRead.model_validate(
        {
            **{c: getattr(grant, c) for c in GrantRead.model_fields if c != "status"},
            "status": grant.status_at(utcnow()).value,
        }
    )


class AccessController(Controller):
    path = "/api/v1/access"
    tags = ["access"]

    @get("/scenes", opt={"public": True}, summary="Business scenes a query may name")
    async def scenes(self) -> list[SceneRead]:
        """Every scene with its labels and whether it is a government check or needs a grant."""
        return [
            SceneRead(code=s, zh=i.zh, en=i.en, government=i.government) for s, i in SCENES.items()
        ]

    @get(
        "/permissions",
        sync_to_thread=True,
        guards=[requires(Permission.ACCESS_POLICY_READ)],
        summary="An organization's permission list",
    )
    def permission_list(
        self,
        session: SessionDep,
        actor: ActorDep,
        organization_id: FromQuery[uuid.UUID | None] = None,
    ) -> list[AccessRuleRead]:
        """Lines of the list; without policy management an organization sees only its own."""
        org = organization_id or actor.organization_id
        if org is None:
            raise QueryInputInvalid("name organization_id")
        if org != actor.organization_id and not actor.can(Permission.ACCESS_POLICY_MANAGE):
            raise Forbidden("only your own organization's list")
        return [AccessRuleRead.model_validate(r) for r in policy.rules_of(session, org)]

    @post(
        "/permissions",
        sync_to_thread=True,
        guards=[requires(Permission.ACCESS_POLICY_MANAGE)],
        summary="Add a line to a permission list",
    )
    def add_permission(
        self, session: SessionDep, actor: ActorDep, data: JSONBody[AccessRuleIn]
    ) -> AccessRuleRead:
        """What an organization may read, in which scene, on which basis (R3.1)."""
        _, document = catalog_service.active_document(session)
        rule = policy.add_rule(
            session,
            document,
            organization_id=data.organization_id,
            scene=data.scene,
            kinds=data.kinds,
            sharing=data.sharing,
            basis=data.basis,
            valid_from_on=data.valid_from_on or day_of(utcnow()),
            valid_until_on=data.valid_until_on,
            actor=actor,
        )
        return AccessRuleRead.model_validate(rule)

    @delete(
        "/permissions/{rule_id:uuid}",
        sync_to_thread=True,
        guards=[requires(Permission.ACCESS_POLICY_MANAGE)],
        status_code=200,
        summary="End a permission-list line",
    )
    def revoke_permission(
        self, session: SessionDep, actor: ActorDep, rule_id: FromPath[uuid.UUID]
    ) -> AccessRuleRead:
        """The line stops allowing queries at once."""
        return AccessRuleRead.model_validate(policy.revoke_rule(session, rule_id, actor=actor))

    @get(
        "/queries",
        sync_to_thread=True,
        guards=[requires(Permission.ACCESS_QUERY_READ)],
        summary="Registered queries (查询登记)",
    )
    def registered(
        self,
        session: SessionDep,
        actor: ActorDep,
        status: FromQuery[QueryStatus | None] = None,
        limit: Limit = 100,
        offset: Offset = 0,
    ) -> list[QueryRead]:
        """Queries of organizations in the reader's region, newest first."""
        rows = queries.list_queries(session, actor=actor, status=status, limit=limit, offset=offset)
        return [QueryRead.model_validate(q) for q in rows]

    @get(
        "/reviews",
        sync_to_thread=True,
        guards=[requires(Permission.ACCESS_QUERY_REVIEW)],
        summary="Queries waiting for review",
    )
    def reviews(
        self, session: SessionDep, actor: ActorDep, limit: Limit = 100, offset: Offset = 0
    ) -> list[QueryRead]:
        """The review queue: purpose, scene, grant and the rules that held each query."""
        rows = queries.list_queries(
            session, actor=actor, status=QueryStatus.PENDING_REVIEW, limit=limit, offset=offset
        )
        return [QueryRead.model_validate(q) for q in rows]

    @post(
        "/reviews/{query_id:uuid}",
        sync_to_thread=True,
        guards=[requires(Permission.ACCESS_QUERY_REVIEW)],
        status_code=200,
        summary="Release or refuse a registered query",
    )
    def decide(
        self,
        session: SessionDep,
        actor: ActorDep,
        query_id: FromPath[uuid.UUID],
        data: JSONBody[DecisionIn],
    ) -> QueryRead:
        """A reviewer's decision, with its reason (R3.3)."""
        query = queries.decide(
            session, query_id, approve=data.approve, reason=data.reason, actor=actor
        )
        return QueryRead.model_validate(query)

    @get(
        "/alerts",
        sync_to_thread=True,
        guards=[requires(Permission.ACCESS_ALERT_READ)],
        summary="Monitoring alerts (R4.3)",
    )
    def alerts(
        self,
        session: SessionDep,
        *,
        open_only: FromQuery[bool] = True,
        limit: Limit = 100,
        offset: Offset = 0,
    ) -> list[AlertRead]:
        """Deviations in how organizations use the data, newest first."""
        rows = monitoring.list_alerts(session, open_only=open_only, limit=limit, offset=offset)
        return [AlertRead.model_validate(a) for a in rows]

    @post(
        "/alerts/scan",
        sync_to_thread=True,
        guards=[requires(Permission.ACCESS_ALERT_MANAGE)],
        status_code=200,
        summary="Look for released queries without feedback",
    )
    def scan(self, session: SessionDep, settings: SettingsDep) -> list[AlertRead]:
        """Raise no-feedback alerts now (the scheduler runs this daily once jobs exist)."""
        return [
            AlertRead.model_validate(a)
            for a in monitoring.scan_feedback(session, settings=settings)
        ]

    @post(
        "/alerts/{alert_id:uuid}/acknowledge",
        sync_to_thread=True,
        guards=[requires(Permission.ACCESS_ALERT_MANAGE)],
        status_code=200,
        summary="Acknowledge an alert",
    )
    def acknowledge(
        self,
        session: SessionDep,
        actor: ActorDep,
        alert_id: FromPath[uuid.UUID],
        data: JSONBody[AcknowledgeIn],
    ) -> AlertRead:
        """An operator has looked at it; the note goes to the audit log."""
        return AlertRead.model_validate(
            monitoring.acknowledge(session, alert_id, note=data.note, actor=actor)
        )


class QueryController(Controller):
    path = "/api/v1/queries"
    tags = ["queries"]

    @post(
        "/",
        sync_to_thread=True,
        guards=[requires(Permission.ACCESS_QUERY_SUBMIT)],
        status_code=200,
        summary="Query persons' credit records",
    )
    def submit(
        self, session: SessionDep, actor: ActorDep, settings: SettingsDep, data: JSONBody[QueryIn]
    ) -> QueryAnswer:
        """Within the permission list (and the subject's grant for third parties); a query a
        review rule holds answers with status ``pending_review`` and no results."""
        if len(data.persons) > settings.access_max_subjects:
            raise QueryInputInvalid(f"at most {settings.access_max_subjects} persons per query")
        _, document = catalog_service.active_document(session)
        outcome = queries.submit(
            session,
            document,
            persons=[PersonAsked(p.id_number, p.name) for p in data.persons],
            scene=data.scene,
            purpose=data.purpose,
            grant_id=data.grant_id,
            kinds=data.kinds,
            review=queries.ReviewRules.from_settings(settings),
            settings=settings,
            actor=actor,
        )
        return _answer(outcome)

    @get(
        "/{query_id:uuid}",
        sync_to_thread=True,
        guards=[requires(Permission.ACCESS_QUERY_SUBMIT)],
        summary="A query's state; an approved query's results, once",
    )
    def fetch(
        self, session: SessionDep, actor: ActorDep, query_id: FromPath[uuid.UUID]
    ) -> QueryAnswer:
        """Your own organization's queries only."""
        _, document = catalog_service.active_document(session)
        return _answer(queries.fetch(session, document, query_id, actor=actor))

    @post(
        "/{query_id:uuid}/feedback",
        sync_to_thread=True,
        guards=[requires(Permission.ACCESS_QUERY_SUBMIT)],
        status_code=200,
        summary="Say what the result was used for",
    )
    def feedback(
        self,
        session: SessionDep,
        actor: ActorDep,
        query_id: FromPath[uuid.UUID],
        data: JSONBody[FeedbackIn],
    ) -> QueryRead:
        """Feedback on a released query (used, not-used, wrong-result)."""
        query = queries.feedback(
            session, query_id, outcome=data.outcome, note=data.note, actor=actor
        )
        return QueryRead.model_validate(query)


class MyGrantsController(Controller):
    path = "/api/v1/me/grants"
    tags = ["self"]

    @get(
        "/",
        sync_to_thread=True,
        guards=[requires(Permission.SELF_DATA_READ)],
        summary="My authorizations",
    )
    def mine(self, session: SessionDep, actor: ActorDep) -> list[GrantRead]:
        """Every grant I gave, with its uses and state."""
        return [_grant_read(g) for g in grants.mine(session, actor=actor)]

    @post(
        "/",
        sync_to_thread=True,
        guards=[requires(Permission.SELF_GRANT_MANAGE)],
        summary="Authorize an organization",
    )
    def create(self, session: SessionDep, actor: ActorDep, data: JSONBody[GrantIn]) -> GrantRead:
        """Let one organization query me, for a purpose, a period and a number of uses (R4)."""
        _, document = catalog_service.active_document(session)
        grant = grants.create(
            session,
            document,
            credit_code=data.credit_code,
            scene=data.scene,
            purpose=data.purpose,
            kinds=data.kinds,
            valid_days=data.valid_days,
            max_uses=data.max_uses,
            actor=actor,
        )
        return _grant_read(grant)

    @post(
        "/{grant_id:uuid}/revoke",
        sync_to_thread=True,
        guards=[requires(Permission.SELF_GRANT_MANAGE)],
        status_code=200,
        summary="Withdraw an authorization",
    )
    def revoke(
        self,
        session: SessionDep,
        actor: ActorDep,
        grant_id: FromPath[uuid.UUID],
        data: JSONBody[RevokeIn],
    ) -> GrantRead:
        """It stops working at once."""
        return _grant_read(grants.revoke(session, grant_id, reason=data.reason, actor=actor))

    @get(
        "/{grant_id:uuid}/uses",
        sync_to_thread=True,
        guards=[requires(Permission.SELF_DATA_READ)],
        summary="When an authorization was used",
    )
    def uses(
        self, session: SessionDep, actor: ActorDep, grant_id: FromPath[uuid.UUID]
    ) -> list[GrantUseRead]:
        """Each use with its query."""
        return [
            GrantUseRead.model_validate(u) for u in grants.uses_of(session, grant_id, actor=actor)
        ]
