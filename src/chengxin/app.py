"""create_app(): mounts routers, error handlers and middleware. Wiring only."""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import anyio
import anyio.to_thread
from litestar import Litestar, Request
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import NotFoundException
from litestar.handlers import HTTPRouteHandler
from litestar.openapi import OpenAPIConfig, ResponseSpec
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import (
    OpenAPIFormat,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    RequestBody,
    Schema,
)
from litestar.status_codes import HTTP_204_NO_CONTENT
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session

from chengxin import __version__, wiring
from chengxin.access.routes import AccessController, MyGrantsController, QueryController
from chengxin.accounts import authn
from chengxin.accounts.emergency.gate import lockdown_middleware
from chengxin.accounts.emergency.routes import (
    LockdownController,
    OrganizationFreezeController,
    TokenFreezeController,
)
from chengxin.accounts.routes import AuthController, UserController
from chengxin.agencies.routes import AgencyController
from chengxin.assessment.routes import AssessmentController, IndicatorSetController
from chengxin.audit.routes import AuditController
from chengxin.bounds import check_request, mark_json_routes, takes_json
from chengxin.catalog.routes import CatalogController
from chengxin.checks.routes import CheckController, MyChecksController
from chengxin.citizens.routes import CitizenSignInController, MyNoticesController
from chengxin.context import ROLLBACK_ONLY, request_middleware
from chengxin.errors import (
    ERROR_DESCRIPTIONS,
    EXCEPTION_HANDLERS,
    PROBLEM_MEDIA_TYPE,
    ProblemDetails,
    error_statuses,
)
from chengxin.identity.routes import (
    IdentityController,
    IdNumberController,
    PopulationController,
    file_fault_handler,
)
from chengxin.ingestion.routes import IngestionController
from chengxin.lists.routes import ListEntryController, MyListsController, PublicListController
from chengxin.logs import configure_logging
from chengxin.measures.routes import MeasureController
from chengxin.notifications import channels as notification_channels
from chengxin.notifications.routes import NoticeController
from chengxin.objections.routes import (
    MyObjectionsController,
    MyStatementsController,
    ObjectionController,
)
from chengxin.organizations.routes import OrganizationController, TokenController
from chengxin.records.routes import RecordController
from chengxin.repair.routes import ArchiveController, MyRepairsController, RepairController
from chengxin.replicas import READ_ONLY_OPT, lsn_middleware, mark_read_only_routes
from chengxin.reports.routes import MyReportController, ReportController
from chengxin.runtime import Runtime, build_runtime
from chengxin.scoring.routes import MyScoreController, RulesetController, ScoreController
from chengxin.security.guards import provide_actor
from chengxin.settings import Settings, load_settings
from chengxin.system.routes import SystemController
from chengxin.tabular import FileFault
from chengxin.tips.routes import TipController, TipPublicController
from chengxin.tracking.routes import TaskController
from chengxin.watch.routes import WatchController
from chengxin.web.errors import unrouted_not_found
from chengxin.web.routes import static_router, web_router
from chengxin.web.security import csrf_config, security_headers
from chengxin.workdays.routes import WorkdayCalendarController

SWAGGER = "/static/vendor/swagger-ui"  # swagger-ui-dist 5.35.0 (Apache-2.0), vendored

CONTROLLERS = [
    SystemController,
    AuthController,
    UserController,
    CitizenSignInController,
    MyNoticesController,
    TokenFreezeController,
    OrganizationFreezeController,
    LockdownController,
    AgencyController,
    IdNumberController,
    IdentityController,
    PopulationController,
    OrganizationController,
    TokenController,
    AuditController,
    CatalogController,
    WorkdayCalendarController,
    IngestionController,
    RecordController,
    AccessController,
    QueryController,
    MyGrantsController,
    ReportController,
    MyReportController,
    ObjectionController,
    MyObjectionsController,
    MyStatementsController,
    RepairController,
    MyRepairsController,
    ArchiveController,
    NoticeController,
    ListEntryController,
    PublicListController,
    MyListsController,
    TipPublicController,
    TipController,
    TaskController,
    WatchController,
    MeasureController,
    CheckController,
    MyChecksController,
    RulesetController,
    ScoreController,
    MyScoreController,
    IndicatorSetController,
    AssessmentController,
]


def _finish(session: Session, *, commit: bool) -> None:
    try:
        if commit:
            session.commit()
        else:
            session.rollback()
    finally:
        session.close()


async def provide_session(state: State, request: Request[Any, Any, Any]) -> AsyncIterator[Session]:
    """One transaction per request: commit after the handler, before the response is sent.

    A handler that answers with an error without raising — a page showing a refused form again
    (``web.render.page`` with a 4xx/5xx status marks the request with ``ROLLBACK_ONLY``) — has its
    transaction rolled back, exactly as a raised error would: a refused step never half-commits.

    The commit runs in a thread of its own limiter, never behind handlers: Litestar runs a sync
    generator's cleanup in the handlers' executor, so with every handler thread waiting for a
    connection (PostgreSQL pool) or the write turn (SQLite) held by a request whose commit was
    queued behind them, the server stalled (issue 7's check benchmark at 64 connections).
    """
    runtime = state.runtime
    # A route marked read-only reads in a read-only transaction, on a replica when one is fresh
    # enough for this caller (ADR 0033).
    read_only = request.route_handler.opt.get(READ_ONLY_OPT, False)
    session = runtime.read_only_session() if read_only else runtime.session_factory()
    session.begin()
    try:
        yield session
    except BaseException:
        # The handler's error is the answer. A rollback that fails because the connection died
        # under the request (a restart, a failover) changes nothing, the server dropped the
        # transaction with it, and must not replace that answer: Litestar would wrap it in an
        # ExceptionGroup no handler matches, a 500 (bench/soak.py found it).
        with contextlib.suppress(sa_exc.DBAPIError):
            await anyio.to_thread.run_sync(
                functools.partial(_finish, session, commit=False), limiter=runtime.finish_limiter
            )
        raise
    commit = not request.scope.get(ROLLBACK_ONLY, False)
    await anyio.to_thread.run_sync(
        functools.partial(_finish, session, commit=commit), limiter=runtime.finish_limiter
    )


def provide_settings(state: State) -> Settings:
    """The settings the app was built with."""
    return state.runtime.settings  # type: ignore[no-any-return]


def start_handler_threads(app: Litestar) -> None:
    """On startup: the thread pool sync handlers run in, the event loop's default executor
    (``server_threads``; asyncio's default is cores + 4, too few for handlers that mostly wait on
    the database), and the limiter of the threads that finish requests' transactions."""
    runtime = app.state.runtime
    threads = runtime.settings.server_threads
    executor = ThreadPoolExecutor(threads, thread_name_prefix="handler")
    asyncio.get_running_loop().set_default_executor(executor)
    runtime.finish_limiter = anyio.CapacityLimiter(threads)
    runtime.auth_limiter = anyio.CapacityLimiter(runtime.settings.auth_threads)
    runtime.read_limiter = anyio.CapacityLimiter(threads)


def start_audit_writer(app: Litestar) -> None:
    """On startup: the group-commit writer that read paths' audit entries go through."""
    app.state.runtime.start_audit_writer()


def stop_audit_writer(app: Litestar) -> None:
    """On shutdown: commit, integrate and sign what is queued, then stop the writer."""
    app.state.runtime.stop_audit_writer()


def start_change_watcher(app: Litestar) -> None:
    """Forget what other processes changed: the platform_change poll (ADR 0034)."""
    app.state.runtime.start_change_watcher()


def stop_change_watcher(app: Litestar) -> None:
    app.state.runtime.stop_change_watcher()


def start_job_worker(app: Litestar) -> None:
    """On startup: the in-process job worker, when ``jobs_in_process`` (the demo's server)."""
    if app.state.runtime.settings.jobs_in_process:
        app.state.runtime.start_job_worker()


def stop_job_worker(app: Litestar) -> None:
    """On shutdown: let the worker finish the job it runs, then stop it (before the audit
    writer, which its jobs may use)."""
    app.state.runtime.stop_job_worker()


_EVIDENCE = ("application/pdf", "image/jpeg", "image/png")
_REPORT = ("application/json", "text/html", "application/pdf")  # by the body's ``format``
# Operations whose success answer is not (only) JSON: their real media types, by
# "METHOD /path" as the OpenAPI writes it.
SUCCESS_MEDIA_TYPES: dict[str, tuple[str, ...]] = {
    "GET /api/v1/audit/export": ("text/csv", "application/json"),
    "GET /api/v1/objections/{objection_id}/evidence/{evidence_id}": _EVIDENCE,
    "GET /api/v1/repairs/{application_id}/evidence/{evidence_id}": _EVIDENCE,
    "GET /api/v1/ingestion/batches/{batch_id}/rejected-rows": (
        "text/csv",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/x-ndjson",
    ),
    "GET /api/v1/scoring/exports/{region}": ("application/x-ndjson",),
    "GET /api/v1/assessments/{assessment_id}/export": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/pdf",
    ),
    "POST /api/v1/reports": _REPORT,
    "POST /api/v1/me/report": _REPORT,
}


_TABULAR = (
    "text/csv",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/x-ndjson",
)
# Operations that read their body themselves (a stream, with limits of their own): what it is.
RAW_REQUEST_BODIES: dict[str, tuple[str, ...]] = {
    "POST /api/v1/ingestion/batches": ("application/json",),  # {"records": [...]}
    "POST /api/v1/ingestion/uploads": _TABULAR,
    "POST /api/v1/population/imports": _TABULAR[:2],
}
_PUSH_BODY = Schema(
    type=OpenAPIType.OBJECT,
    required=["records"],
    properties={"records": Schema(type=OpenAPIType.ARRAY, items=Schema(type=OpenAPIType.OBJECT))},
)


def _completed(success: tuple[str, ...] | None, body: tuple[str, ...] | None) -> type[Operation]:
    """An OpenAPI operation whose success responses list the ``success`` media types (a file:
    binary; JSON keeps the schema Litestar derived) and whose request body, read by the handler
    itself, is of the ``body`` media types."""

    @dataclass
    class CompletedOperation(Operation):
        def __post_init__(self) -> None:
            binary = OpenAPIMediaType(
                schema=Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)
            )
            for status, response in (self.responses or {}).items():
                if success and status.startswith("2") and isinstance(response, OpenAPIResponse):
                    derived = response.content or {}
                    response.content = {t: derived.get(t, binary) for t in success}
            if body and self.request_body is None:
                push = OpenAPIMediaType(schema=_PUSH_BODY)
                self.request_body = RequestBody(
                    content={t: push if t == "application/json" else binary for t in body},
                    required=True,
                )

    return CompletedOperation


def document_contract(app: Litestar) -> None:
    """Complete every documented operation's answers (the OpenAPI is built on first request):
    the error statuses its shape can produce, each a problem+json ``ProblemDetails``
    (``errors.error_statuses``), and no body where it answers 204. A route's own ``responses``
    stay as the route wrote them."""
    for route in app.routes:
        handlers = getattr(route, "route_handlers", [])
        for handler in handlers:
            if not isinstance(handler, HTTPRouteHandler) or not handler.resolve_include_in_schema():
                continue
            statuses = error_statuses(
                route.path,
                set(handler.http_methods),
                guarded=bool(handler.resolve_guards()),
                takes_actor="actor" in handler.parsed_fn_signature.parameters,
                takes_body="data" in handler.parsed_fn_signature.parameters
                or takes_json(handler)
                or handler.resolve_request_max_body_size() is None,  # reads a stream itself
            )
            documented: dict[int, ResponseSpec] = {
                status: ResponseSpec(
                    data_container=ProblemDetails,
                    media_type=PROBLEM_MEDIA_TYPE,
                    description=ERROR_DESCRIPTIONS[status],
                    generate_examples=False,
                )
                for status in sorted(statuses)
            }
            if handler.status_code == HTTP_204_NO_CONTENT:
                documented[HTTP_204_NO_CONTENT] = ResponseSpec(
                    data_container=None, description="Done; no body"
                )
            handler.responses = {**documented, **(handler.responses or {})}
            operation = next(f"{m} {route.path_format}" for m in sorted(handler.http_methods))
            success = SUCCESS_MEDIA_TYPES.get(operation)
            body = RAW_REQUEST_BODIES.get(operation)
            if success or body:
                handler.operation_class = _completed(success, body)


def _prepare(runtime: Runtime) -> None:
    runtime.check_production_safety()
    notification_channels.install(runtime)  # an unknown channel stops the start-up here


def use_runtime(app: Litestar, runtime: Runtime) -> None:
    """Serve ``app`` on another runtime. The app reads its runtime from ``app.state`` per request
    and at start-up; while being built it reads only the runtime's settings and keys, so this is
    for a runtime with the same ones (the tests share one app between their databases)."""
    _prepare(runtime)
    app.state.runtime = runtime


def create_app(settings: Settings | None = None, *, runtime: Runtime | None = None) -> Litestar:
    """The ASGI application."""
    wiring.install()
    if runtime is None:
        settings = settings or load_settings()
        configure_logging(
            settings.log_level,
            json=settings.log_json,
            log_file=settings.data_dir / "logs" / "chengxin.log",
            quiet=settings.log_quiet,
        )
        runtime = build_runtime(settings)
    _prepare(runtime)
    handlers: dict[Any, Any] = {
        **EXCEPTION_HANDLERS,
        FileFault: file_fault_handler,
        NotFoundException: unrouted_not_found,
    }
    app = Litestar(
        route_handlers=[*CONTROLLERS, web_router(), static_router()],
        dependencies={
            "session": Provide(provide_session),
            "actor": Provide(provide_actor),
            "settings": Provide(provide_settings, sync_to_thread=False),
        },
        exception_handlers=handlers,
        middleware=[lockdown_middleware],
        before_request=check_request,  # content type, JSON depth, offset bounds (bounds.py)
        csrf_config=csrf_config(runtime.settings, runtime.keyring),
        # The platform's logging (logs.py) is the one in force: Litestar installs none of its own.
        logging_config=None,
        on_startup=[
            start_handler_threads,
            start_change_watcher,
            start_audit_writer,
            start_job_worker,
        ],
        on_shutdown=[stop_job_worker, stop_audit_writer, stop_change_watcher],
        state=State({"runtime": runtime, "authenticate": authn.authenticate}),
        openapi_config=OpenAPIConfig(
            title="Chengxin 诚信 — personal public credit information platform",
            version=__version__,
            description=(
                "Provincial personal public credit information platform (Hubei). "
                "Errors are RFC 9457 "
                "problem+json with stable `type` codes. Citizen ID numbers travel only in request "
                "bodies, never in URLs."
            ),
            path="/schema",
            # Swagger UI from the platform's own copy: no page loads anything from elsewhere.
            render_plugins=[
                SwaggerRenderPlugin(
                    js_url=f"{SWAGGER}/swagger-ui-bundle.js",
                    css_url=f"{SWAGGER}/swagger-ui.css",
                    standalone_preset_js_url=f"{SWAGGER}/swagger-ui-standalone-preset.js",
                    favicon="",
                )
            ],
        ),
        debug=False,
    )
    mark_json_routes(app)
    mark_read_only_routes(app)
    document_contract(app)
    # One middleware around the whole application rather than in each route's stack: every
    # request, routed or not (404, 405), gets its id, the security headers and its access line,
    # all precomputed here (ADR 0024).
    app.asgi_handler = request_middleware(
        lsn_middleware(app.asgi_handler),  # read-your-writes with replicas (ADR 0033)
        headers_for=security_headers,
        access_log=runtime.settings.access_log,
    )
    return app
