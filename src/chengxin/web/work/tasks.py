"""Pages of the work console: tasks (filled in by issue 22)."""

from __future__ import annotations

from litestar import Controller

CONTROLLERS: list[type[Controller]] = []
