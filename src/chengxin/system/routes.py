"""Liveness, readiness and the Chinese landing page."""

from __future__ import annotations

from importlib import resources
from typing import Any

from litestar import Controller, MediaType, Request, Response, get

from chengxin import __version__
from chengxin.system import service as system_service

PUBLIC = {"public": True}


class SystemController(Controller):
    tags = ["system"]

    @get("/health", opt=PUBLIC, summary="Liveness", sync_to_thread=False)
    def health(self) -> dict[str, str]:
        """The process is up. Does not touch the database (that is /ready)."""
        return {"status": "ok", "version": __version__}

    @get("/ready", opt=PUBLIC, summary="Readiness", sync_to_thread=True)
    def ready(self, request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
        """200 when the database answers and migrations are current; 503 otherwise."""
        state = system_service.readiness(request.app.state.runtime.engine)
        body = {
            "status": "ready" if state.ready else "not-ready",
            "database": state.database,
            "schema_revision": state.schema_revision,
            "expected_revision": state.expected_revision,
        }
        return Response(body, status_code=200 if state.ready else 503)

    @get(
        "/",
        opt=PUBLIC,
        media_type=MediaType.HTML,
        summary="Landing page",
        include_in_schema=False,
        sync_to_thread=False,
    )
    def landing(self) -> str:
        """What the platform is, in Chinese, with links to the API documentation."""
        return (resources.files("chengxin.system") / "templates" / "landing.html").read_text(
            encoding="utf-8"
        )
