"""The operator console's side menu: each page with the permission that opens it."""

from __future__ import annotations

from chengxin.security.actor import Actor
from chengxin.security.permissions import Permission as P  # noqa: N817  # as in security/roles.py
from chengxin.web.i18n import n_
from chengxin.web.nav import MenuItem

ITEMS: tuple[tuple[MenuItem, P], ...] = (
    (MenuItem(n_("监管看板"), "/console/operator"), P.INGESTION_QUALITY_READ),
    (MenuItem(n_("目录版本"), "/console/operator/catalog"), P.CATALOG_CATALOG_READ),
    (MenuItem(n_("工作日历"), "/console/operator/calendar"), P.WORKDAYS_CALENDAR_READ),
    (
        MenuItem(n_("单位与账号"), "/console/operator/organizations"),
        P.ORGANIZATION_ORGANIZATION_READ,
    ),
    (MenuItem(n_("名单发布"), "/console/operator/lists"), P.LISTS_ENTRY_MANAGE),
    (MenuItem(n_("查询审核"), "/console/operator/queries"), P.ACCESS_QUERY_REVIEW),
    (MenuItem(n_("举报处理"), "/console/operator/tips"), P.TIPS_TIP_HANDLE),
    (MenuItem(n_("监测预警"), "/console/operator/alerts"), P.ACCESS_ALERT_READ),
    (MenuItem(n_("冻结与封锁"), "/console/operator/emergency"), P.ACCOUNTS_FREEZE_MANAGE),
    (MenuItem(n_("审计日志"), "/console/operator/audit"), P.AUDIT_LOG_READ),
    (MenuItem(n_("积分规则沙盘"), "/console/operator/scoring"), P.SCORING_RULESET_MANAGE),
    (MenuItem(n_("内容管理"), "/console/operator/content"), P.CONTENT_PAGE_MANAGE),
)


def side_menu(actor: Actor) -> list[MenuItem]:
    """The operator pages this actor may open."""
    return [item for item, permission in ITEMS if actor.can(permission)]
