"""The runtime as a command opens it: logging configured, the schema checked (or upgraded), the
engine disposed of when the command ends; and the lookups commands share."""

from __future__ import annotations

import click
from sqlalchemy.orm import Session

from chengxin import migrate
from chengxin.catalog import service as catalog_service
from chengxin.cli.common import read_settings, verbose
from chengxin.cli.errors import EXIT_FAILURE, EXIT_INVALID, exits_with, fail
from chengxin.context import new_request_id
from chengxin.logs import configure_logging
from chengxin.organizations import service as organization_service
from chengxin.organizations.models import Organization
from chengxin.runtime import Runtime, build_runtime
from chengxin.security.actor import system_actor


def open_runtime(*, upgrade: bool = False) -> Runtime:
    """The runtime on the configured database; ``upgrade`` migrates it to the head revision and
    gives a fresh database its catalog, otherwise a schema that is not current exits 2."""
    settings = read_settings()
    configure_logging(
        settings.log_level,
        json=settings.log_json,
        log_file=settings.data_dir / "logs" / "chengxin.log",
        quiet=settings.log_quiet,
        verbose=verbose(),
    )
    new_request_id()
    with exits_with(EXIT_FAILURE):
        runtime = build_runtime(settings)
    click.get_current_context().call_on_close(runtime.engine.dispose)
    if upgrade:
        migrate.upgrade(runtime.engine)
        _bootstrap_catalog(runtime)
    elif migrate.current_revision(runtime.engine) != migrate.head_revision():
        fail("schema-not-current", "the database schema is not current: run `chengxin db upgrade`")
    return runtime


def _bootstrap_catalog(runtime: Runtime) -> None:
    """A fresh database gets the catalog shipped in the package as its active version."""
    with runtime.scope() as session:
        catalog_service.ensure_active(session, actor=system_actor("bootstrap"))


def organization_by_code(session: Session, credit_code: str) -> Organization:
    """The organization with this credit code; exit 1 if there is none."""
    found = organization_service.get_by_credit_code(session, credit_code)
    if found is None:
        fail("organization-not-found", "no organization with this credit code", EXIT_INVALID)
    return found
