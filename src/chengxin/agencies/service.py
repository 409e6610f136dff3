"""Credit agency oversight (R3.5): register agencies, link staff, record violations, and keep the
agency blacklist whose members' tokens and staff are refused at authentication."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from chengxin.agencies.errors import (
    AgencyAlreadyBlacklisted,
    AgencyExists,
    AgencyInputInvalid,
    AgencyNotBlacklisted,
    AgencyNotFound,
    NotACreditAgency,
    StaffExists,
    StaffNotFound,
    StaffNotInAgency,
)
from chengxin.agencies.models import (
    AgencyBlacklisting,
    AgencyStaff,
    AgencyStatus,
    AgencyViolation,
    CreditAgency,
    ViolationSeverity,
)
from chengxin.audit import service as audit
from chengxin.db import utcnow
from chengxin.organizations import service as organization_service
from chengxin.organizations.models import OrganizationKind
from chengxin.security.actor import Actor

StaffOrganization = Callable[[Session, uuid.UUID], uuid.UUID | None]
"""The organization of a staff account, None if there is no such account."""

_staff_organization: list[StaffOrganization] = []


def find_staff_organization_with(lookup: StaffOrganization) -> None:
    """Accounts (built on agencies) tells how to find a staff account's organization: called by
    ``chengxin.accounts.hooks.install()``; idempotent."""
    _staff_organization[:] = [lookup]


def _organization_of_staff(session: Session, user_id: uuid.UUID) -> uuid.UUID | None:
    if not _staff_organization:
        msg = "no staff account lookup: call chengxin.wiring.install() first"
        raise RuntimeError(msg)
    return _staff_organization[0](session, user_id)


def _audit(
    session: Session, action: str, agency: CreditAgency, *, actor: Actor, **data: object
) -> None:
    audit.record(
        session,
        action,
        actor=actor,
        object_type="credit_agency",
        object_id=agency.id,
        data={"organization_id": str(agency.organization_id), **data},
    )


def _required(text: str, what: str) -> str:
    value = text.strip()
    if not value:
        raise AgencyInputInvalid(f"{what} is required")
    return value


# -- registry --------------------------------------------------------------------------------------


def register(
    session: Session,
    *,
    organization_id: uuid.UUID,
    licence_number: str,
    regulator: str,
    actor: Actor,
    now: datetime | None = None,
) -> CreditAgency:
    """Put a credit agency under oversight: its organization (kind credit_agency) and licence."""
    org = organization_service.get_or_raise(session, organization_id)
    if org.kind != OrganizationKind.CREDIT_AGENCY.value:
        raise NotACreditAgency
    licence = _required(licence_number, "licence number")
    duplicate = select(CreditAgency.id).where(
        (CreditAgency.organization_id == org.id) | (CreditAgency.licence_number == licence)
    )
    if session.execute(duplicate).first():
        raise AgencyExists
    now = now or utcnow()
    agency = CreditAgency(
        organization_id=org.id,
        licence_number=licence,
        regulator=_required(regulator, "regulator"),
        status=AgencyStatus.ACTIVE.value,
        created_at=now,
        updated_at=now,
    )
    session.add(agency)
    session.flush()
    _audit(
        session,
        "agencies:agency:register",
        agency,
        actor=actor,
        licence_number=licence,
        regulator=agency.regulator,
    )
    return agency


def get(session: Session, agency_id: uuid.UUID) -> CreditAgency | None:
    """A credit agency by id, or None."""
    return session.get(CreditAgency, agency_id)


def get_or_raise(session: Session, agency_id: uuid.UUID) -> CreditAgency:
    """A credit agency by id; ``agency-not-found`` otherwise."""
    agency = get(session, agency_id)
    if agency is None:
        raise AgencyNotFound
    return agency


def get_by_organization(session: Session, organization_id: uuid.UUID) -> CreditAgency | None:
    """The credit agency of an organization, or None."""
    return session.execute(
        select(CreditAgency).where(CreditAgency.organization_id == organization_id)
    ).scalar_one_or_none()


def list_agencies(
    session: Session, *, status: str | None = None, offset: int = 0, limit: int = 100
) -> list[CreditAgency]:
    """Credit agencies by licence number, optionally in one status."""
    query = select(CreditAgency).order_by(CreditAgency.licence_number)
    if status:
        query = query.where(CreditAgency.status == status)
    return list(session.execute(query.offset(offset).limit(limit)).scalars())


def _locked(session: Session, agency_id: uuid.UUID) -> CreditAgency:
    agency = session.execute(
        select(CreditAgency).where(CreditAgency.id == agency_id).with_for_update()
    ).scalar_one_or_none()
    if agency is None:
        raise AgencyNotFound
    return agency


def set_status(
    session: Session,
    agency_id: uuid.UUID,
    *,
    status: AgencyStatus,
    reason: str,
    actor: Actor,
    now: datetime | None = None,
) -> CreditAgency:
    """Record the regulator's licence decision (active, suspended, revoked), with a reason."""
    why = _required(reason, "a reason")
    agency = _locked(session, agency_id)
    new = AgencyStatus(status).value
    if agency.status != new:
        before, agency.status, agency.updated_at = agency.status, new, now or utcnow()
        _audit(
            session,
            "agencies:agency:status",
            agency,
            actor=actor,
            before=before,
            after=new,
            reason=why,
        )
    return agency


# -- staff -----------------------------------------------------------------------------------------


def add_staff(
    session: Session,
    agency_id: uuid.UUID,
    *,
    user_id: uuid.UUID,
    position: str | None,
    actor: Actor,
    now: datetime | None = None,
) -> AgencyStaff:
    """Record that a staff account of the agency's organization works for the agency."""
    agency = get_or_raise(session, agency_id)
    if _organization_of_staff(session, user_id) != agency.organization_id:
        raise StaffNotInAgency
    link = session.execute(
        select(AgencyStaff).where(
            AgencyStaff.agency_id == agency.id, AgencyStaff.user_id == user_id
        )
    ).scalar_one_or_none()
    now = now or utcnow()
    if link is not None and link.unlinked_at is None:
        raise StaffExists
    if link is None:
        link = AgencyStaff(agency_id=agency.id, user_id=user_id)
        session.add(link)
    link.position = (position or "").strip()[:100] or None
    link.linked_at, link.unlinked_at = now, None
    session.flush()
    _audit(session, "agencies:staff:link", agency, actor=actor, user_id=str(user_id))
    return link


def remove_staff(
    session: Session,
    agency_id: uuid.UUID,
    user_id: uuid.UUID,
    *,
    actor: Actor,
    now: datetime | None = None,
) -> AgencyStaff:
    """End a staff member's link to the agency (the account itself is managed in accounts)."""
    agency = get_or_raise(session, agency_id)
    link = session.execute(
        select(AgencyStaff).where(
            AgencyStaff.agency_id == agency.id,
            AgencyStaff.user_id == user_id,
            AgencyStaff.unlinked_at.is_(None),
        )
    ).scalar_one_or_none()
    if link is None:
        raise StaffNotFound
    link.unlinked_at = now or utcnow()
    _audit(session, "agencies:staff:unlink", agency, actor=actor, user_id=str(user_id))
    return link


def list_staff(session: Session, agency_id: uuid.UUID) -> list[AgencyStaff]:
    """An agency's staff links, current and past, oldest first."""
    get_or_raise(session, agency_id)
    return list(
        session.execute(
            select(AgencyStaff)
            .where(AgencyStaff.agency_id == agency_id)
            .order_by(AgencyStaff.linked_at, AgencyStaff.id)
        ).scalars()
    )


# -- violations ------------------------------------------------------------------------------------


def record_violation(  # the fields of a decision
    session: Session,
    agency_id: uuid.UUID,
    *,
    occurred_on: date,
    description: str,
    severity: ViolationSeverity,
    decided_by: str,
    basis: str,
    actor: Actor,
    now: datetime | None = None,
) -> AgencyViolation:
    """Record a decided violation of the rules by an agency."""
    agency = get_or_raise(session, agency_id)
    now = now or utcnow()
    if occurred_on > now.date():
        raise AgencyInputInvalid("a violation cannot lie in the future")
    violation = AgencyViolation(
        agency_id=agency.id,
        occurred_on=occurred_on,
        description=_required(description, "a description"),
        severity=ViolationSeverity(severity).value,
        decided_by=_required(decided_by, "who decided"),
        basis=_required(basis, "a basis"),
        recorded_by=actor.name[:200],
        created_at=now,
    )
    session.add(violation)
    session.flush()
    _audit(
        session,
        "agencies:violation:record",
        agency,
        actor=actor,
        violation_id=str(violation.id),
        severity=violation.severity,
        occurred_on=occurred_on.isoformat(),
    )
    return violation


def list_violations(session: Session, agency_id: uuid.UUID) -> list[AgencyViolation]:
    """An agency's violations, most recent first."""
    get_or_raise(session, agency_id)
    return list(
        session.execute(
            select(AgencyViolation)
            .where(AgencyViolation.agency_id == agency_id)
            .order_by(AgencyViolation.occurred_on.desc(), AgencyViolation.created_at.desc())
        ).scalars()
    )


# -- blacklist -------------------------------------------------------------------------------------


def _in_force(now: datetime):  # type: ignore[no-untyped-def]  # noqa: ANN202  # a SQL clause
    return (
        AgencyBlacklisting.delisted_at.is_(None)
        & (AgencyBlacklisting.since_at <= now)
        & (AgencyBlacklisting.until_at.is_(None) | (AgencyBlacklisting.until_at > now))
    )


def is_blacklisted(
    session: Session, organization_id: uuid.UUID, *, now: datetime | None = None
) -> bool:
    """True while the organization's credit agency is on the agency blacklist (one indexed query;
    called on every request of an agency's token or staff)."""
    now = now or utcnow()
    query = select(
        exists()
        .where(
            CreditAgency.organization_id == organization_id,
            AgencyBlacklisting.agency_id == CreditAgency.id,
        )
        .where(_in_force(now))
    )
    return bool(session.execute(query).scalar())


def current_listing(
    session: Session, agency_id: uuid.UUID, *, now: datetime | None = None
) -> AgencyBlacklisting | None:
    """The listing in force or still to come (not delisted, not ended), or None."""
    now = now or utcnow()
    return session.execute(
        select(AgencyBlacklisting)
        .where(
            AgencyBlacklisting.agency_id == agency_id,
            AgencyBlacklisting.delisted_at.is_(None),
            AgencyBlacklisting.until_at.is_(None) | (AgencyBlacklisting.until_at > now),
        )
        .order_by(AgencyBlacklisting.since_at)
        .limit(1)
    ).scalar_one_or_none()


def blacklist(  # the fields of a listing
    session: Session,
    agency_id: uuid.UUID,
    *,
    reason: str,
    basis: str,
    actor: Actor,
    since_at: datetime | None = None,
    until_at: datetime | None = None,
    now: datetime | None = None,
) -> AgencyBlacklisting:
    """Put an agency on the agency blacklist (from now, or ``since_at``; until delisted or
    ``until_at``). Its tokens and staff are refused from the next request on."""
    agency = _locked(session, agency_id)
    now = now or utcnow()
    since = since_at or now
    if since.tzinfo is None or (until_at is not None and until_at.tzinfo is None):
        raise AgencyInputInvalid("times need a time zone")
    if until_at is not None and until_at <= since:
        raise AgencyInputInvalid("the listing must end after it starts")
    if current_listing(session, agency.id, now=now) is not None:
        raise AgencyAlreadyBlacklisted
    listing = AgencyBlacklisting(
        agency_id=agency.id,
        reason=_required(reason, "a reason"),
        basis=_required(basis, "a basis"),
        since_at=since,
        until_at=until_at,
        listed_by=actor.name[:200],
    )
    session.add(listing)
    session.flush()
    _audit(
        session,
        "agencies:blacklist:list",
        agency,
        actor=actor,
        listing_id=str(listing.id),
        reason=listing.reason,
        basis=listing.basis,
        since_at=since.isoformat(),
        until_at=until_at.isoformat() if until_at else None,
    )
    return listing


def delist(
    session: Session,
    agency_id: uuid.UUID,
    *,
    reason: str,
    actor: Actor,
    now: datetime | None = None,
) -> AgencyBlacklisting:
    """Take an agency off the agency blacklist, with a reason; the listing stays on record."""
    agency = _locked(session, agency_id)
    why = _required(reason, "a reason")
    now = now or utcnow()
    listing = current_listing(session, agency.id, now=now)
    if listing is None:
        raise AgencyNotBlacklisted
    listing.delisted_at, listing.delist_reason, listing.delisted_by = now, why, actor.name[:200]
    _audit(
        session,
        "agencies:blacklist:delist",
        agency,
        actor=actor,
        listing_id=str(listing.id),
        reason=why,
    )
    return listing


def list_blacklist(
    session: Session, *, in_force_only: bool = True, now: datetime | None = None
) -> list[AgencyBlacklisting]:
    """The agency blacklist: listings in force (default) or every listing ever made."""
    query = select(AgencyBlacklisting).order_by(AgencyBlacklisting.since_at.desc())
    if in_force_only:
        query = query.where(_in_force(now or utcnow()))
    return list(session.execute(query).scalars())
