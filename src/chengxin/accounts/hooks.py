"""Accounts' registrations (ADR 0038): called once by ``chengxin.wiring.install()``."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from chengxin.accounts import authn
from chengxin.accounts.emergency import gate
from chengxin.accounts.models import UserAccount
from chengxin.agencies import service as agencies_service


def organization_of(session: Session, user_id: uuid.UUID) -> uuid.UUID | None:
    """The organization of a staff account, None if there is no such account."""
    user = session.get(UserAccount, user_id)
    return None if user is None else user.organization_id


def install() -> None:
    """Agencies link staff accounts to an agency only within the agency's organization: tell them
    how to find an account's organization (agencies import nothing from accounts). The cached
    actors and lockdown flags forget what a change of their topics makes stale (ADR 0034)."""
    agencies_service.find_staff_organization_with(organization_of)
    authn.install()
    gate.install()
