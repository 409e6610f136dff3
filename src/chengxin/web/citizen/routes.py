"""Pages of this area: thin handlers calling the same services as the API."""

from __future__ import annotations

from litestar import Controller

CONTROLLERS: list[type[Controller]] = []
