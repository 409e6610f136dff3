"""HTTP routes of the agencies domain: registry, staff, violations, blacklist (R3.5)."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, delete, get, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from chengxin.agencies import service as agency_service
from chengxin.agencies.models import CreditAgency
from chengxin.agencies.schemas import (
    AgencyCreate,
    AgencyRead,
    BlacklistCreate,
    BlacklistingRead,
    DelistRequest,
    StaffCreate,
    StaffRead,
    StatusChange,
    ViolationCreate,
    ViolationRead,
)
from chengxin.deps import ActorDep, Offset, SessionDep
from chengxin.security.guards import requires
from chengxin.security.permissions import Permission

READ = [requires(Permission.AGENCIES_AGENCY_READ)]
MANAGE = [requires(Permission.AGENCIES_AGENCY_MANAGE)]


def _read(session: SessionDep, agency: CreditAgency) -> AgencyRead:
    blacklisted = agency_service.is_blacklisted(session, agency.organization_id)
    return AgencyRead.model_validate(agency).model_copy(update={"blacklisted": blacklisted})


class AgencyController(Controller):
    path = "/api/v1/agencies"
    tags = ["agencies"]

    @get("/", sync_to_thread=True, guards=READ, summary="List credit agencies")
    def list_agencies(
        self,
        session: SessionDep,
        status: FromQuery[str | None] = None,
        offset: Offset = 0,
        limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 100,
    ) -> list[AgencyRead]:
        """Credit agencies under oversight, by licence number."""
        agencies = agency_service.list_agencies(session, status=status, offset=offset, limit=limit)
        return [_read(session, a) for a in agencies]

    @post("/", sync_to_thread=True, guards=MANAGE, summary="Register a credit agency")
    def register(
        self, data: JSONBody[AgencyCreate], session: SessionDep, actor: ActorDep
    ) -> AgencyRead:
        """Put an organization of kind credit_agency under oversight with its licence."""
        agency = agency_service.register(
            session,
            organization_id=data.organization_id,
            licence_number=data.licence_number,
            regulator=data.regulator,
            actor=actor,
        )
        return _read(session, agency)

    @get("/blacklist", sync_to_thread=True, guards=READ, summary="The agency blacklist")
    def blacklist_entries(
        self, session: SessionDep, *, all_listings: FromQuery[bool] = False
    ) -> list[BlacklistingRead]:
        """Listings in force; ``all_listings=true`` adds ended and delisted ones."""
        listings = agency_service.list_blacklist(session, in_force_only=not all_listings)
        return [BlacklistingRead.model_validate(x) for x in listings]

    @get("/{agency_id:uuid}", sync_to_thread=True, guards=READ, summary="One credit agency")
    def read(self, agency_id: FromPath[uuid.UUID], session: SessionDep) -> AgencyRead:
        """A credit agency, with whether it is blacklisted now."""
        return _read(session, agency_service.get_or_raise(session, agency_id))

    @post(
        "/{agency_id:uuid}/status",
        sync_to_thread=True,
        guards=MANAGE,
        status_code=200,
        summary="Set the licence status",
    )
    def set_status(
        self,
        agency_id: FromPath[uuid.UUID],
        data: JSONBody[StatusChange],
        session: SessionDep,
        actor: ActorDep,
    ) -> AgencyRead:
        """Record the regulator's decision: active, suspended or revoked (reason required)."""
        agency = agency_service.set_status(
            session, agency_id, status=data.status, reason=data.reason, actor=actor
        )
        return _read(session, agency)

    @get("/{agency_id:uuid}/staff", sync_to_thread=True, guards=READ, summary="Agency staff")
    def list_staff(self, agency_id: FromPath[uuid.UUID], session: SessionDep) -> list[StaffRead]:
        """The agency's staff links, current and past."""
        return [StaffRead.model_validate(s) for s in agency_service.list_staff(session, agency_id)]

    @post("/{agency_id:uuid}/staff", sync_to_thread=True, guards=MANAGE, summary="Link staff")
    def add_staff(
        self,
        agency_id: FromPath[uuid.UUID],
        data: JSONBody[StaffCreate],
        session: SessionDep,
        actor: ActorDep,
    ) -> StaffRead:
        """Record that a staff account of the agency's organization works for the agency."""
        link = agency_service.add_staff(
            session, agency_id, user_id=data.user_id, position=data.position, actor=actor
        )
        return StaffRead.model_validate(link)

    @delete(
        "/{agency_id:uuid}/staff/{user_id:uuid}",
        sync_to_thread=True,
        guards=MANAGE,
        summary="Unlink staff",
    )
    def remove_staff(
        self,
        agency_id: FromPath[uuid.UUID],
        user_id: FromPath[uuid.UUID],
        session: SessionDep,
        actor: ActorDep,
    ) -> None:
        """End a staff member's link to the agency."""
        agency_service.remove_staff(session, agency_id, user_id, actor=actor)

    @get(
        "/{agency_id:uuid}/violations",
        sync_to_thread=True,
        guards=READ,
        summary="Agency violations",
    )
    def list_violations(
        self, agency_id: FromPath[uuid.UUID], session: SessionDep
    ) -> list[ViolationRead]:
        """The agency's recorded violations, most recent first."""
        violations = agency_service.list_violations(session, agency_id)
        return [ViolationRead.model_validate(v) for v in violations]

    @post(
        "/{agency_id:uuid}/violations",
        sync_to_thread=True,
        guards=MANAGE,
        summary="Record a violation",
    )
    def record_violation(
        self,
        agency_id: FromPath[uuid.UUID],
        data: JSONBody[ViolationCreate],
        session: SessionDep,
        actor: ActorDep,
    ) -> ViolationRead:
        """Record a decided violation: date, description, severity, who decided, basis."""
        violation = agency_service.record_violation(
            session,
            agency_id,
            occurred_on=data.occurred_on,
            description=data.description,
            severity=data.severity,
            decided_by=data.decided_by,
            basis=data.basis,
            actor=actor,
        )
        return ViolationRead.model_validate(violation)

    @post(
        "/{agency_id:uuid}/blacklist",
        sync_to_thread=True,
        guards=MANAGE,
        summary="Blacklist an agency",
    )
    def blacklist(
        self,
        agency_id: FromPath[uuid.UUID],
        data: JSONBody[BlacklistCreate],
        session: SessionDep,
        actor: ActorDep,
    ) -> BlacklistingRead:
        """List the agency: its tokens and staff are refused from the next request on."""
        listing = agency_service.blacklist(
            session,
            agency_id,
            reason=data.reason,
            basis=data.basis,
            since_at=data.since_at,
            until_at=data.until_at,
            actor=actor,
        )
        return BlacklistingRead.model_validate(listing)

    @post(
        "/{agency_id:uuid}/delist",
        sync_to_thread=True,
        guards=MANAGE,
        status_code=200,
        summary="Delist an agency",
    )
    def delist(
        self,
        agency_id: FromPath[uuid.UUID],
        data: JSONBody[DelistRequest],
        session: SessionDep,
        actor: ActorDep,
    ) -> BlacklistingRead:
        """Take the agency off the blacklist, with a reason."""
        listing = agency_service.delist(session, agency_id, reason=data.reason, actor=actor)
        return BlacklistingRead.model_validate(listing)
