"""Operator console pages (see operator/routes.py)."""

from __future__ import annotations

from litestar import Controller

CONTROLLERS: list[type[Controller]] = []
