"""Organizations: register by credit code, person roles (R1.4), API tokens for system callers."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from stdnum.cn import uscc
from stdnum.exceptions import ValidationError

from chengxin.audit import service as audit
from chengxin.db import utcnow
from chengxin.identity import service as identity_service
from chengxin.identity.rules import normalize_region
from chengxin.organizations.errors import (
    CreditCodeInvalid,
    OrganizationExists,
    OrganizationNotFound,
    PermissionNotGrantable,
    RoleExists,
    TokenInvalid,
    TokenNotFound,
)
from chengxin.organizations.models import (
    ApiToken,
    Organization,
    OrganizationKind,
    OrganizationRole,
    RoleKind,
)
from chengxin.security.actor import Actor, ActorKind
from chengxin.security.permissions import Permission

TOKEN_PREFIX = "cxt"  # noqa: S105  # a marker, not a secret


def validate_credit_code(raw: str) -> str:
    """Normalise and check a unified social credit code (python-stdnum's cn.uscc, GB 32100)."""
    try:
        return str(uscc.validate(raw))
    except ValidationError as exc:
        raise CreditCodeInvalid from exc


def create(
    session: Session,
    *,
    credit_code: str,
    name: str,
    kind: OrganizationKind,
    region_code: str | None,
    actor: Actor,
    department: str | None = None,
) -> Organization:
    """Register an organization; ``department`` is its catalog department code, if any."""
    code = validate_credit_code(credit_code)
    if session.execute(select(Organization.id).where(Organization.credit_code == code)).first():
        raise OrganizationExists
    now = utcnow()
    org = Organization(
        credit_code=code,
        name=name.strip(),
        kind=OrganizationKind(kind).value,
        region_code=normalize_region(region_code),
        department=department,
        created_at=now,
        updated_at=now,
    )
    session.add(org)
    session.flush()
    audit.record(
        session,
        "organizations:organization:create",
        actor=actor,
        object_type="organization",
        object_id=org.id,
        data={
            "credit_code": org.credit_code,
            "name": org.name,
            "kind": org.kind,
            "region_code": org.region_code,
            "department": org.department,
        },
    )
    return org


def get(session: Session, org_id: uuid.UUID) -> Organization | None:
    """An organization by id, or None."""
    return session.get(Organization, org_id)


def sees_every_organization(session: Session, actor: Actor) -> bool:
    """Whether the actor oversees every organization's data (the platform operator's staff and
    tokens, and the machine's own commands) rather than only its own organization's."""
    if actor.organization_id is None:
        return actor.kind is ActorKind.SYSTEM
    org = get(session, actor.organization_id)
    return org is not None and org.kind == OrganizationKind.OPERATOR.value


def get_or_raise(session: Session, org_id: uuid.UUID) -> Organization:
    """An organization by id; ``organization-not-found`` otherwise."""
    org = get(session, org_id)
    if org is None:
        raise OrganizationNotFound
    return org


def get_by_credit_code(session: Session, credit_code: str) -> Organization | None:
    """An organization by its credit code, or None."""
    code = validate_credit_code(credit_code)
    return session.execute(
        select(Organization).where(Organization.credit_code == code)
    ).scalar_one_or_none()


def list_all(
    session: Session,
    *,
    kind: str | None = None,
    name_contains: str | None = None,
    offset: int = 0,
    limit: int = 100,
) -> list[Organization]:
    """Organizations by name, optionally of one kind, optionally those whose name contains a text
    (any case; ``%`` and ``_`` are plain characters)."""
    query = select(Organization).order_by(Organization.name, Organization.id)
    if kind:
        query = query.where(Organization.kind == kind)
    if name_contains:
        query = query.where(
            func.lower(Organization.name).contains(name_contains.lower(), autoescape=True)
        )
    return list(session.execute(query.offset(offset).limit(limit)).scalars())


def add_role(
    session: Session,
    org_id: uuid.UUID,
    *,
    id_number: str,
    role: RoleKind,
    since_on: date,
    until_on: date | None,
    actor: Actor,
) -> OrganizationRole:
    """Record that a registered person holds a role (legal representative …) in an organization."""
    org = get_or_raise(session, org_id)
    subject = identity_service.get_subject_or_raise(session, id_number)
    duplicate = select(OrganizationRole.id).where(
        OrganizationRole.organization_id == org.id,
        OrganizationRole.subject_id == subject.id,
        OrganizationRole.role == role.value,
        OrganizationRole.since_on == since_on,
    )
    if session.execute(duplicate).first():
        raise RoleExists
    link = OrganizationRole(
        organization_id=org.id,
        subject_id=subject.id,
        role=RoleKind(role).value,
        since_on=since_on,
        until_on=until_on,
        created_at=utcnow(),
    )
    session.add(link)
    session.flush()
    audit.record(
        session,
        "organizations:role:create",
        actor=actor,
        object_type="organization_role",
        object_id=link.id,
        subject_id=subject.id,
        data={"organization_id": str(org.id), "role": link.role, "since_on": since_on.isoformat()},
    )
    return link


def roles_of(
    session: Session, org_id: uuid.UUID, *, on: date | None = None
) -> list[OrganizationRole]:
    """Roles in an organization, current on a day when given."""
    query = select(OrganizationRole).where(OrganizationRole.organization_id == org_id)
    if on is not None:
        query = query.where(
            OrganizationRole.since_on <= on,
            (OrganizationRole.until_on.is_(None)) | (OrganizationRole.until_on >= on),
        )
    return list(session.execute(query.order_by(OrganizationRole.since_on)).scalars())


# -- API tokens ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedToken:
    """A new token; ``secret`` is the only time the full token exists outside the caller."""

    token: ApiToken
    secret: str


def _hash_secret(secret: str) -> str:
    # The secret is 256 random bits, so a fast hash is enough (no dictionary to guard against).
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def issue_token(
    session: Session,
    org_id: uuid.UUID,
    *,
    name: str,
    permissions: list[Permission],
    valid_days: int,
    actor: Actor,
    now: datetime | None = None,
) -> IssuedToken:
    """Issue an API token for an organization's system; shown once, stored hashed."""
    org = get_or_raise(session, org_id)
    missing = [p for p in permissions if not actor.can(p)]
    if missing:
        raise PermissionNotGrantable(f"not held by the issuer: {', '.join(sorted(missing))}")
    now = now or utcnow()
    token_id = uuid.uuid4()
    secret = secrets.token_urlsafe(32)
    token = ApiToken(
        id=token_id,
        organization_id=org.id,
        name=name.strip()[:100],
        secret_hash=_hash_secret(secret),
        permissions=sorted(p.value for p in set(permissions)),
        created_at=now,
        expires_at=now + timedelta(days=valid_days),
    )
    session.add(token)
    session.flush()
    audit.record(
        session,
        "organizations:token:issue",
        actor=actor,
        object_type="api_token",
        object_id=token.id,
        data={
            "organization_id": str(org.id),
            "permissions": token.permissions,
            "expires_at": token.expires_at.isoformat(),
        },
    )
    return IssuedToken(token, f"{TOKEN_PREFIX}_{token_id.hex}_{secret}")


def revoke_token(session: Session, token_id: uuid.UUID, *, actor: Actor) -> ApiToken:
    """Revoke a token at once (incident response: R3.4)."""
    token = session.execute(
        select(ApiToken).where(ApiToken.id == token_id).with_for_update()
    ).scalar_one_or_none()
    if token is None:
        raise TokenNotFound
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record(
            session,
            "organizations:token:revoke",
            actor=actor,
            object_type="api_token",
            object_id=token.id,
        )
    return token


def list_tokens(session: Session, org_id: uuid.UUID) -> list[ApiToken]:
    """An organization's tokens (never their secrets)."""
    get_or_raise(session, org_id)
    return list(
        session.execute(
            select(ApiToken).where(ApiToken.organization_id == org_id).order_by(ApiToken.created_at)
        ).scalars()
    )


def authenticate(session: Session, presented: str, *, now: datetime | None = None) -> Actor:
    """Turn a presented bearer token into an Actor; ``token-invalid`` for anything else."""
    parts = presented.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:  # noqa: PLR2004
        raise TokenInvalid
    try:
        token_id = uuid.UUID(hex=parts[1])
    except ValueError:
        raise TokenInvalid from None
    token = session.get(ApiToken, token_id)
    now = now or utcnow()
    if (
        token is None
        or not hmac.compare_digest(token.secret_hash, _hash_secret(parts[2]))
        or token.revoked_at is not None
        or token.expires_at <= now
    ):
        raise TokenInvalid
    org = session.get_one(Organization, token.organization_id)
    return Actor(
        kind=ActorKind.TOKEN,
        id=str(token.id),
        name=f"{org.name}/{token.name}",
        organization_id=org.id,
        permissions=frozenset(
            Permission(p) for p in token.permissions if p in Permission._value2member_map_
        ),
    )
