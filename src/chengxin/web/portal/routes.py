"""Pages of the public portal, and the operators' editor of its content pages."""

from __future__ import annotations

from litestar import Controller

from chengxin.web.portal.content_admin import CONTROLLERS as CONTENT_ADMIN

CONTROLLERS: list[type[Controller]] = [*CONTENT_ADMIN]
