"""Operator console: monitoring alerts (R4.3) and the emergency mechanism (R3.4) — freezes of
organizations and API tokens, the platform lockdown. The same services as ``access/routes.py``
and ``accounts/emergency/routes.py``; ids travel in the form bodies, never personal data."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath, FromQuery, URLEncodedBody
from pydantic import BaseModel

from chengxin.access import monitoring
from chengxin.accounts.emergency import service as emergency_service
from chengxin.deps import ActorDep, SessionDep, SettingsDep
from chengxin.errors import DomainError
from chengxin.organizations import service as organization_service
from chengxin.organizations.errors import OrganizationNotFound, TokenNotFound
from chengxin.security.actor import Actor
from chengxin.security.permissions import Permission
from chengxin.supervision import service as supervision
from chengxin.web import labels
from chengxin.web.forms import attempt
from chengxin.web.guards import page_requires
from chengxin.web.i18n import n_
from chengxin.web.operator.frame import BASE, console_page
from chengxin.web.render import see_other

ALERTS = f"{BASE}/alerts"
EMERGENCY = f"{BASE}/emergency"
PAGE_SIZE = 50


class NoteForm(BaseModel):
    note: str = ""


class EmergencyForm(BaseModel):
    target: str = ""  # an organization's or a token's id; none for the lockdown
    reason: str = ""


def _uuid(raw: str, missing: type[DomainError]) -> uuid.UUID:
    """An id from a form; an unreadable one is answered as the service answers an unknown id."""
    try:
        return uuid.UUID(raw.strip())
    except ValueError:
        raise missing from None


class AlertPages(Controller):
    path = ALERTS

    @get("/", guards=[page_requires(Permission.ACCESS_ALERT_READ)], sync_to_thread=True)
    def alerts(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        show: FromQuery[str] = "open",
        page: FromQuery[int] = 0,
    ) -> Response[str]:
        """Open alerts first (or all), newest first, with acknowledgement for those who may."""
        return self._alerts(request, session, actor, show=show, page=page)

    def _alerts(  # the page's state, by name
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: Actor,
        *,
        show: FromQuery[str] = "open",
        page: FromQuery[int] = 0,
        error: DomainError | None = None,
        failed: str | None = None,
    ) -> Response[str]:
        page = max(page, 0)
        rows = monitoring.list_alerts(
            session, open_only=show != "all", limit=PAGE_SIZE + 1, offset=page * PAGE_SIZE
        )
        if failed not in {str(a.id) for a in rows[:PAGE_SIZE]}:
            failed = None  # the alert is not on this page: the error goes on top
        names = {
            org_id: org.name
            for org_id in {a.organization_id for a in rows}
            if (org := organization_service.get(session, org_id)) is not None
        }
        return console_page(
            request,
            actor,
            "operator/oversight/alerts.html",
            {
                "alerts": rows[:PAGE_SIZE],
                "more": len(rows) > PAGE_SIZE,
                "page": page,
                "show": "all" if show == "all" else "open",
                "names": names,
                "rules": labels.ALERT_RULE,
                "may_manage": actor.can(Permission.ACCESS_ALERT_MANAGE),
                "error": error,
                "failed": failed,
            },
            status_code=error.status if error else 200,
        )

    @post(
        "/{alert_id:uuid}/acknowledge",
        guards=[page_requires(Permission.ACCESS_ALERT_MANAGE)],
        sync_to_thread=True,
    )
    def acknowledge(  # Litestar passes dependencies by name
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        alert_id: FromPath[uuid.UUID],
        data: URLEncodedBody[NoteForm],
    ) -> Response[Any]:
        """An operator has looked at the alert; the note goes to the audit log."""
        try:
            monitoring.acknowledge(session, alert_id, note=data.note.strip() or None, actor=actor)
        except DomainError as exc:
            return self._alerts(request, session, actor, error=exc, failed=str(alert_id))
        return see_other(ALERTS, notice=n_("预警已确认"))

    @post("/scan", guards=[page_requires(Permission.ACCESS_ALERT_MANAGE)], sync_to_thread=True)
    def scan(self, session: SessionDep, settings: SettingsDep) -> Response[Any]:
        """Look now for released queries without feedback (the daily job does the same)."""
        monitoring.scan_feedback(session, settings=settings)
        return see_other(ALERTS, notice=n_("已检查未反馈的查询"))


FREEZE = Permission.ACCOUNTS_FREEZE_MANAGE
LOCKDOWN = Permission.SYSTEM_LOCKDOWN_MANAGE
# An action's service call, given the form's values.
Call = Callable[[SessionDep, EmergencyForm, Actor], object]


def _by_target(call: Callable[..., object], missing: type[DomainError]) -> Call:
    """An organization's or a token's freeze (or its lifting), by the id in the form."""
    return lambda session, data, actor: call(
        session, _uuid(data.target, missing), reason=data.reason, actor=actor
    )


def _with_reason(call: Callable[..., object]) -> Call:
    return lambda session, data, actor: call(session, reason=data.reason, actor=actor)


def _action(  # one row of the emergency page's actions
    path: str,
    permission: Permission,
    which: str,
    call: Call,
    *,
    notice: str,
    doc: str,
) -> HTTPRouteHandler:
    """A POST of the emergency page (the six differ only in these arguments): ``call`` with the
    form's values, then back to the page with ``notice``; or the page again with the service's
    error beside the form ``which``, its values kept."""

    def handler(
        self: Any,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        data: URLEncodedBody[EmergencyForm],
    ) -> Response[Any]:
        return attempt(
            lambda: call(session, data, actor),
            on_error=lambda exc: self._emergency(
                request, session, actor, error=exc, failed=which, form=data.model_dump()
            ),
            then=lambda _: see_other(EMERGENCY, notice=notice),
        )

    handler.__name__ = handler.__qualname__ = path.strip("/").replace("/", "_")
    handler.__doc__ = doc
    return post(path, guards=[page_requires(permission)], sync_to_thread=True)(handler)


class EmergencyPages(Controller):
    path = EMERGENCY

    @get("/", guards=[page_requires(Permission.ACCOUNTS_FREEZE_MANAGE)], sync_to_thread=True)
    def emergency(
        self, request: Request[Any, Any, Any], session: SessionDep, actor: ActorDep
    ) -> Response[str]:
        """The state at a glance (lockdown, what is frozen), then the actions."""
        return self._emergency(request, session, actor)

    def _emergency(  # the page's state, by name
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: Actor,
        *,
        error: DomainError | None = None,
        failed: str | None = None,
        form: dict[str, str] | None = None,
    ) -> Response[str]:
        may_lock = actor.can(Permission.SYSTEM_LOCKDOWN_MANAGE)
        return console_page(
            request,
            actor,
            "operator/oversight/emergency.html",
            {
                "lockdown": emergency_service.current_lockdown(session),
                "may_lock": may_lock,
                "frozen_orgs": supervision.frozen_organizations(session, actor=actor),
                "frozen_tokens": supervision.frozen_tokens(session, actor=actor),
                "organizations": supervision.organizations_in_scope(session, actor=actor),
                "error": error,
                "failed": failed,
                "form": form or {},
            },
            status_code=error.status if error else 200,
        )

    freeze_organization = _action(
        "/organization/freeze",
        FREEZE,
        "org",
        _by_target(emergency_service.freeze_organization, OrganizationNotFound),
        notice=n_("单位已冻结"),
        doc="Refuse all the organization's tokens and staff from their next request on.",
    )
    unfreeze_organization = _action(
        "/organization/unfreeze",
        FREEZE,
        "org",
        _by_target(emergency_service.unfreeze_organization, OrganizationNotFound),
        notice=n_("单位已解冻"),
        doc="Lift the organization's freeze, with a reason.",
    )
    freeze_token = _action(
        "/token/freeze",
        FREEZE,
        "token",
        _by_target(emergency_service.freeze_token, TokenNotFound),
        notice=n_("令牌已冻结"),
        doc="Refuse one API token from its next request on.",
    )
    unfreeze_token = _action(
        "/token/unfreeze",
        FREEZE,
        "token",
        _by_target(emergency_service.unfreeze_token, TokenNotFound),
        notice=n_("令牌已解冻"),
        doc="Lift one token's freeze (revoked or expired tokens stay refused).",
    )
    lock = _action(
        "/lockdown",
        LOCKDOWN,
        "lockdown",
        _with_reason(emergency_service.lock),
        notice=n_("平台已封锁"),
        doc="Refuse every change platform-wide until lifted.",
    )
    lift = _action(
        "/lockdown/lift",
        LOCKDOWN,
        "lockdown",
        _with_reason(emergency_service.lift),
        notice=n_("封锁已解除"),
        doc="End the lockdown, with a reason.",
    )
