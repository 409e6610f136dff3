"""Operator console pages (see operator/routes.py): administration — catalog versions,
organizations with their accounts, tokens and permission lists, list publication, the review
queue of registered queries, and the tips queue (not in the side menu yet). Each page calls the
same services as the API route it mirrors."""

from __future__ import annotations

from litestar import Controller

from chengxin.web.operator.admin_accounts import CONTROLLERS as ACCOUNTS
from chengxin.web.operator.admin_catalog import CONTROLLERS as CATALOG
from chengxin.web.operator.admin_lists import CONTROLLERS as LISTS
from chengxin.web.operator.admin_orgs import CONTROLLERS as ORGANIZATIONS
from chengxin.web.operator.admin_queries import CONTROLLERS as QUERIES
from chengxin.web.operator.admin_tips import CONTROLLERS as TIPS

CONTROLLERS: list[type[Controller]] = [
    *CATALOG,
    *ORGANIZATIONS,
    *ACCOUNTS,
    *LISTS,
    *QUERIES,
    *TIPS,
]
