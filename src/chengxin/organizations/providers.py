"""Which organization provides records: the one an actor acts for (issue 21).

Intake (pushes, uploads), the provider's view of its own records and the provider console all
ask it; it lives with the organizations so that the records layer need not import a use of it.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from chengxin.errors import Forbidden
from chengxin.organizations import service as organization_service
from chengxin.organizations.models import Organization
from chengxin.security.actor import Actor


class NotAProvider(Forbidden):
    code = "not-a-provider"
    title = "Only an organization can push records; act with an organization's token"


def provider_of(session: Session, actor: Actor) -> Organization:
    """The organization an actor pushes for; NotAProvider for callers without one."""
    if actor.organization_id is None:
        raise NotAProvider
    return organization_service.get_or_raise(session, actor.organization_id)
