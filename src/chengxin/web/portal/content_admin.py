"""The operators' editor of the portal's content pages (Markdown)."""

from __future__ import annotations

from litestar import Controller

CONTROLLERS: list[type[Controller]] = []
