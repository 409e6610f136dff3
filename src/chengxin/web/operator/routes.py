"""Pages of the operator console: administration (``admin``: catalog, organizations, accounts,
tokens, permission lists, list publication, query review; the working-day calendar,
``admin_calendar``) and oversight (``oversight``:
dashboards, alerts, freeze and lockdown, audit log, scoring sandbox). The content pages'
editor lives with the portal that shows them (``web.portal.content_admin``)."""

from __future__ import annotations

from litestar import Controller

from chengxin.web.operator.admin import CONTROLLERS as ADMIN
from chengxin.web.operator.admin_calendar import CONTROLLERS as CALENDAR
from chengxin.web.operator.oversight import CONTROLLERS as OVERSIGHT

CONTROLLERS: list[type[Controller]] = [*ADMIN, *CALENDAR, *OVERSIGHT]
