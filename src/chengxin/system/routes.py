"""Liveness and readiness. (The home page is the portal's: web/portal/routes.py.)"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get

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
