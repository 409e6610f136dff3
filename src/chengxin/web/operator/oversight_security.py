"""Operator console: monitoring alerts (R4.3) and the emergency mechanism (R3.4) — freezes of
organizations and API tokens, the platform lockdown. The same services as ``access/routes.py``
and ``accounts/emergency/routes.py``; ids travel in the form bodies, never personal data."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, get, post
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
from chengxin.web.guards import page_requires
from chengxin.web.i18n import n_
from chengxin.web.operator.oversight_common import BASE, oversight_page
from chengxin.web.render import see_other

ALERTS = f"{BASE}/alerts"
EMERGENCY = f"{BASE}/emergency"
PAGE_SIZE = 50

RULE_LABELS = {
    "many-subjects": n_("短时间内查询人数过多"),
    "night-burst": n_("夜间集中查询"),
    "new-scene": n_("首次使用的查询场景"),
    "no-feedback": n_("放行查询后未反馈"),
}


class NoteForm(BaseModel):
    note: str = ""


class TargetForm(BaseModel):
    target: str = ""
    reason: str = ""


class ReasonForm(BaseModel):
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
        return oversight_page(
            request,
            actor,
            "alerts.html",
            {
                "alerts": rows[:PAGE_SIZE],
                "more": len(rows) > PAGE_SIZE,
                "page": page,
                "show": "all" if show == "all" else "open",
                "names": names,
                "rules": RULE_LABELS,
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
        return oversight_page(
            request,
            actor,
            "emergency.html",
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

    def _act(  # one action of the page, with what to re-show on failure
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: Actor,
        which: str,
        *,
        action: Any,
        form: dict[str, str],
        notice: str,
    ) -> Response[Any]:
        try:
            action()
        except DomainError as exc:
            return self._emergency(request, session, actor, error=exc, failed=which, form=form)
        return see_other(EMERGENCY, notice=notice)

    @post(
        "/organization/freeze",
        guards=[page_requires(Permission.ACCOUNTS_FREEZE_MANAGE)],
        sync_to_thread=True,
    )
    def freeze_organization(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        data: URLEncodedBody[TargetForm],
    ) -> Response[Any]:
        """Refuse all the organization's tokens and staff from their next request on."""
        return self._act(
            request, session, actor, "org",
            action=lambda: emergency_service.freeze_organization(
                session, _uuid(data.target, OrganizationNotFound), reason=data.reason,
                actor=actor,
            ),
            form=data.model_dump(), notice=n_("单位已冻结"),
        )  # fmt: skip

    @post(
        "/organization/unfreeze",
        guards=[page_requires(Permission.ACCOUNTS_FREEZE_MANAGE)],
        sync_to_thread=True,
    )
    def unfreeze_organization(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        data: URLEncodedBody[TargetForm],
    ) -> Response[Any]:
        """Lift the organization's freeze, with a reason."""
        return self._act(
            request, session, actor, "org",
            action=lambda: emergency_service.unfreeze_organization(
                session, _uuid(data.target, OrganizationNotFound), reason=data.reason,
                actor=actor,
            ),
            form=data.model_dump(), notice=n_("单位已解冻"),
        )  # fmt: skip

    @post(
        "/token/freeze",
        guards=[page_requires(Permission.ACCOUNTS_FREEZE_MANAGE)],
        sync_to_thread=True,
    )
    def freeze_token(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        data: URLEncodedBody[TargetForm],
    ) -> Response[Any]:
        """Refuse one API token from its next request on."""
        return self._act(
            request, session, actor, "token",
            action=lambda: emergency_service.freeze_token(
                session, _uuid(data.target, TokenNotFound), reason=data.reason, actor=actor
            ),
            form=data.model_dump(), notice=n_("令牌已冻结"),
        )  # fmt: skip

    @post(
        "/token/unfreeze",
        guards=[page_requires(Permission.ACCOUNTS_FREEZE_MANAGE)],
        sync_to_thread=True,
    )
    def unfreeze_token(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        data: URLEncodedBody[TargetForm],
    ) -> Response[Any]:
        """Lift one token's freeze (revoked or expired tokens stay refused)."""
        return self._act(
            request, session, actor, "token",
            action=lambda: emergency_service.unfreeze_token(
                session, _uuid(data.target, TokenNotFound), reason=data.reason, actor=actor
            ),
            form=data.model_dump(), notice=n_("令牌已解冻"),
        )  # fmt: skip

    @post(
        "/lockdown",
        guards=[page_requires(Permission.SYSTEM_LOCKDOWN_MANAGE)],
        sync_to_thread=True,
    )
    def lock(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        data: URLEncodedBody[ReasonForm],
    ) -> Response[Any]:
        """Refuse every change platform-wide until lifted."""
        return self._act(
            request, session, actor, "lockdown",
            action=lambda: emergency_service.lock(session, reason=data.reason, actor=actor),
            form=data.model_dump(), notice=n_("平台已封锁"),
        )  # fmt: skip

    @post(
        "/lockdown/lift",
        guards=[page_requires(Permission.SYSTEM_LOCKDOWN_MANAGE)],
        sync_to_thread=True,
    )
    def lift(
        self,
        request: Request[Any, Any, Any],
        session: SessionDep,
        actor: ActorDep,
        data: URLEncodedBody[ReasonForm],
    ) -> Response[Any]:
        """End the lockdown, with a reason."""
        return self._act(
            request, session, actor, "lockdown",
            action=lambda: emergency_service.lift(session, reason=data.reason, actor=actor),
            form=data.model_dump(), notice=n_("封锁已解除"),
        )  # fmt: skip
