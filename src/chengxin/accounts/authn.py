"""One authenticator for every caller (wired in app.py as ``state.authenticate``).

``cxt_…`` organization API tokens (scoped by their explicit permission list), ``cxs_…`` sessions
of staff accounts (their roles' permissions, organization and region) and of citizens (own data
only). Checked on every request, so a freeze takes effect on the next one — a server process
trusts a credential it found good for ``auth_cache_seconds`` (security.guards.CredentialCache),
and forgets every such credential as soon as a transaction changes tokens, sessions, accounts,
organizations or agency blacklistings: its own at once, another process's within
``change_poll_seconds`` (below; ADR 0034).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from chengxin.accounts import service as accounts_service
from chengxin.accounts.errors import OrganizationFrozen, TokenFrozen
from chengxin.agencies import service as agencies_service
from chengxin.agencies.errors import AgencyBlacklisted
from chengxin.changes import service as changes_service
from chengxin.changes.service import Topic
from chengxin.db import utcnow
from chengxin.organizations import service as organization_service
from chengxin.organizations.errors import TokenInvalid
from chengxin.organizations.models import ApiToken, Organization, OrganizationKind
from chengxin.security.actor import Actor
from chengxin.security.guards import CREDENTIALS


def _refuse_blacklisted(session: Session, org: Organization, now: datetime) -> None:
    # R3.5: a blacklisted credit agency's tokens and staff are refused on every request.
    if org.kind == OrganizationKind.CREDIT_AGENCY.value and agencies_service.is_blacklisted(
        session, org.id, now=now
    ):
        raise AgencyBlacklisted


def authenticate(session: Session, presented: str, *, now: datetime | None = None) -> Actor:
    """The actor behind a bearer token or session cookie value; a coded 401 otherwise
    (``token-invalid``, ``token-frozen``, ``session-invalid``, ``account-frozen``,
    ``organization-frozen``; 403 ``agency-blacklisted``)."""
    now = now or utcnow()
    value = presented.strip()
    if value.startswith(accounts_service.SESSION_PREFIX + "_"):
        actor = accounts_service.session_actor(session, value, now=now)
        if actor.organization_id is not None:
            _refuse_blacklisted(session, session.get_one(Organization, actor.organization_id), now)
        return actor
    if not value.startswith(organization_service.TOKEN_PREFIX + "_"):
        raise TokenInvalid
    actor = organization_service.authenticate(session, value, now=now)
    token = session.get_one(ApiToken, uuid.UUID(actor.id))
    if token.frozen_at is not None:
        raise TokenFrozen
    org = session.get_one(Organization, token.organization_id)
    if org.frozen_at is not None:
        raise OrganizationFrozen
    _refuse_blacklisted(session, org, now)
    return actor


def install() -> None:
    """A change to a token, session, account, organization or agency blacklisting — in this
    process or another (changes.watcher) — forgets the cached actors (ADR 0034)."""
    changes_service.on_change(CREDENTIALS.forget_all, Topic.CREDENTIALS, Topic.ORGANIZATIONS)
