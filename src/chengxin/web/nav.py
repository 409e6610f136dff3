"""The header's menu: the public portal for everyone, then the consoles the actor may open.

Each console draws its own side menu in its layout template; this is only the top level.
"""

from __future__ import annotations

from dataclasses import dataclass

from chengxin.security.actor import Actor, ActorKind
from chengxin.security.permissions import Permission as P  # noqa: N817  # as in security/roles.py
from chengxin.web.i18n import n_


@dataclass(frozen=True)
class MenuItem:
    label: str  # a msgid, translated in the template
    path: str


PORTAL = (
    MenuItem(n_("首页"), "/"),
    MenuItem(n_("红黑名单"), "/lists"),
    MenuItem(n_("诚信典型与失信案例"), "/pages"),
    MenuItem(n_("报告核验"), "/verify"),
    MenuItem(n_("信用修复指南"), "/repair-guide"),
    MenuItem(n_("举报"), "/tips"),
)

# A console shows in the menu when the actor holds any of its permissions.
CONSOLES: tuple[tuple[MenuItem, frozenset[P]], ...] = (
    (MenuItem(n_("数据报送"), "/console/provider"), frozenset({P.INGESTION_BATCH_SUBMIT})),
    (MenuItem(n_("联合奖惩核查"), "/console/consumer"), frozenset({P.CHECKS_CHECK_RUN})),
    (
        MenuItem(n_("运营管理"), "/console/operator"),
        frozenset(
            {
                P.ORGANIZATION_ORGANIZATION_READ,
                P.CATALOG_CATALOG_MANAGE,
                P.LISTS_ENTRY_MANAGE,
                P.ACCESS_QUERY_REVIEW,
                P.AUDIT_LOG_READ,
                P.ACCOUNTS_FREEZE_MANAGE,
                P.ACCESS_ALERT_READ,
            }
        ),
    ),
    (
        MenuItem(n_("考核与任务"), "/console/work/assessments"),
        frozenset({P.ASSESSMENT_ASSESSMENT_READ, P.TRACKING_TASK_READ}),
    ),
)


def menu(actor: Actor) -> list[MenuItem]:
    """The top menu for this actor."""
    items = list(PORTAL)
    if actor.kind is ActorKind.CITIZEN:
        items.append(MenuItem(n_("我的信用"), "/me"))
    if actor.kind is not ActorKind.CITIZEN:  # a citizen holds no console, whatever it may read
        items.extend(item for item, needs in CONSOLES if needs & actor.permissions)
    return items
