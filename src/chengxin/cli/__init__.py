"""The ``chengxin`` command: serve, demo, database, keys, registry import, ID checks, exchange,
access, accounts, emergencies, reports, the job worker and queue, audit."""

from __future__ import annotations

import json
import multiprocessing
import os
import sys
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import NoReturn

import click

from chengxin import wiring
from chengxin.context import new_request_id
from chengxin.errors import DomainError
from chengxin.organizations.models import OrganizationKind
from chengxin.settings import Environment, Settings, load_settings

EXIT_INVALID = 1  # the input is wrong (invalid ID number, rejected file)
EXIT_FAILURE = 2  # the platform cannot do it (keys, database, schema)


def _fail(code: str, message: str, exit_code: int = EXIT_FAILURE) -> NoReturn:
    click.echo(f"error: {code}: {message}", err=True)
    sys.exit(exit_code)


def _settings() -> Settings:
    try:
        return load_settings()
    except ValueError as exc:
        _fail("settings-invalid", str(exc).splitlines()[0])


def _runtime(*, upgrade: bool = False):  # type: ignore[no-untyped-def]  # noqa: ANN202
    from chengxin import migrate  # noqa: PLC0415
    from chengxin.logs import configure_logging  # noqa: PLC0415
    from chengxin.runtime import build_runtime  # noqa: PLC0415

    settings = _settings()
    configure_logging(
        settings.log_level,
        json=settings.log_json,
        log_file=settings.data_dir / "logs" / "chengxin.log",
        quiet=settings.log_quiet,
        verbose=_verbose(),
    )
    new_request_id()
    try:
        runtime = build_runtime(settings)
    except DomainError as exc:
        _fail(exc.code, exc.detail)
    click.get_current_context().call_on_close(runtime.engine.dispose)
    if upgrade:
        migrate.upgrade(runtime.engine)
        _bootstrap_catalog(runtime)
    elif migrate.current_revision(runtime.engine) != migrate.head_revision():
        _fail("schema-not-current", "the database schema is not current: run `chengxin db upgrade`")
    return runtime


def _bootstrap_catalog(runtime) -> None:  # type: ignore[no-untyped-def]  # noqa: ANN001
    """A fresh database gets the catalog shipped in the package as its active version."""
    from chengxin.catalog import service as catalog_service  # noqa: PLC0415
    from chengxin.security.actor import system_actor  # noqa: PLC0415

    with runtime.scope() as session:
        catalog_service.ensure_active(session, actor=system_actor("bootstrap"))


def _verbose() -> bool:
    """``chengxin --verbose …``: the migrations' own lines too (Alembic's, otherwise quiet)."""
    context = click.get_current_context(silent=True)
    return bool(context and context.find_root().params.get("verbose"))


@click.group()
@click.version_option(package_name="chengxin")
@click.option(
    "--verbose", is_flag=True, help="Also show the migrations' lines (Alembic) and other detail"
)
def main(*, verbose: bool) -> None:
    """Chengxin (诚信): provincial personal public credit information platform."""
    del verbose  # read by the commands through the context (_verbose)
    wiring.install()


# -- serving ---------------------------------------------------------------------------------------


def _when_serving(url: str, then: Callable[[], None], *, timeout: float = 300.0) -> None:
    """Run ``then`` once the server answers ``/health`` (a thread: granian's serve() blocks)."""

    def wait() -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=2) as answer:  # noqa: S310
                    if answer.status == 200:  # noqa: PLR2004
                        then()
                        return
            except OSError:
                pass
            time.sleep(0.2)

    threading.Thread(target=wait, name="chengxin-when-serving", daemon=True).start()


def _serve(
    host: str, port: int, workers: int, *, log_level: str, ready: Callable[[], None] | None = None
) -> None:
    from granian import Granian  # noqa: PLC0415
    from granian.constants import Interfaces  # noqa: PLC0415
    from granian.log import LogLevels  # noqa: PLC0415

    from chengxin.demo.banner import base_url  # noqa: PLC0415
    from chengxin.logs import granian_log_config  # noqa: PLC0415

    # granian's workers are spawned, not forked: a forked child inherits the parent's thread
    # pools without their threads (Polars' pool, started when the demo scored its data here,
    # hung the worker's first score recompute while it held SQLite's write turn).
    multiprocessing.set_start_method("spawn", force=True)
    url = base_url(host, port)
    click.echo(
        f"Chengxin listening on {url}  (citizens sign in at /me/signin, staff at /signin; "
        "API docs: /schema/swagger)"
    )
    if ready is not None:
        _when_serving(url, ready)
    Granian(
        "chengxin.app:create_app",
        factory=True,
        address=host,
        port=port,
        interface=Interfaces.ASGI,
        workers=workers,
        # granian's lines go through the platform's handlers (JSON, redaction); the access log
        # is the platform's own (CHENGXIN_ACCESS_LOG), with the request id (ADR 0024).
        log_level=LogLevels(log_level.lower()),
        log_dictconfig=granian_log_config(),
        log_access=False,
    ).serve()


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int)
def serve(host: str, port: int, workers: int) -> None:
    """Serve the platform (development upgrades the schema; production insists it is current)."""
    settings = _settings()
    runtime = _runtime(upgrade=settings.env is not Environment.PRODUCTION)
    try:
        runtime.check_production_safety()
    except DomainError as exc:
        _fail(exc.code, exc.detail)
    _serve(host, port, workers, log_level=settings.log_level)


@main.command()
@click.option("--people", default=10_000, show_default=True, type=click.IntRange(1, 10_000_000))
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Load the demo data and exit")
def demo(people: int, host: str, port: int, *, no_serve: bool) -> None:
    """Load synthetic demo data (idempotent), then serve; prints synthetic citizens to sign in
    as, the pages and the staff accounts once the server answers."""
    from chengxin.demo import accounts as demo_accounts  # noqa: PLC0415
    from chengxin.demo import banner, loader  # noqa: PLC0415

    settings = _settings()
    if settings.env is Environment.PRODUCTION:
        _fail("demo-in-production", "the demo never runs in production", EXIT_INVALID)
    if "CHENGXIN_LOG_QUIET" not in os.environ:
        # One line per message sent (about a thousand at start) would bury the demo's block:
        # they are logged at DEBUG here, in this process and in the server's workers.
        os.environ["CHENGXIN_LOG_QUIET"] = json.dumps(["chengxin.notifications"])
    if "CHENGXIN_PUBLIC_BASE_URL" not in os.environ:
        # Reports' QR codes and printed addresses name the address this demo serves on.
        os.environ["CHENGXIN_PUBLIC_BASE_URL"] = banner.base_url(host, port)
    settings = _settings()
    runtime = _runtime(upgrade=True)
    summary = loader.load(runtime, people=people)
    click.echo(
        f"Demo data: {summary.people_rows} registry rows ({summary.inserted} new, "
        f"{summary.unchanged} unchanged, {summary.rejected} rejected); "
        f"{summary.organizations} organizations."
    )
    r = summary.records
    click.echo(
        f"Credit records pushed through the exchange: {r['submitted']} ({r['created']} new, "
        f"{r['duplicates']} duplicates, {r['rejected']} rejected)."
    )
    click.echo(f"Red and black list entries published: {summary.listed}.")
    listed = _demo_accounts(runtime)
    block = banner.render(
        banner.base_url(host, port),
        people=banner.citizens(people),
        accounts=listed,
        password=demo_accounts.DEMO_PASSWORD,
        token=summary.operator_token,
        token_file=summary.token_file,
    )
    if no_serve:
        click.echo(block)
        return
    runtime.engine.dispose()
    # Printed once, when the server answers: after granian's and the workers' start-up lines.
    _serve(host, port, 1, log_level=settings.log_level, ready=lambda: click.echo(block))


def _demo_accounts(runtime) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]  # noqa: ANN001
    """Open the demo's staff accounts (one per role); (login, role) of each."""
    from chengxin.accounts import service as accounts_service  # noqa: PLC0415
    from chengxin.demo import accounts as demo_accounts  # noqa: PLC0415
    from chengxin.security.actor import system_actor  # noqa: PLC0415

    policy = accounts_service.Policy.from_settings(runtime.settings)
    with runtime.scope() as session:
        return demo_accounts.ensure_accounts(session, policy=policy, actor=system_actor("demo"))


# -- database --------------------------------------------------------------------------------------


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply migrations up to the head revision."""
    from chengxin import migrate  # noqa: PLC0415

    runtime = _runtime(upgrade=True)
    click.echo(f"schema at {migrate.current_revision(runtime.engine)}")


# -- keys ------------------------------------------------------------------------------------------


@main.group()
def keys() -> None:
    """The keyring: blind-index key and data-encryption keys."""


@keys.command("init")
def keys_init() -> None:
    """Create a production keyring in the data directory (refuses to overwrite one)."""
    from chengxin.keys.keyring import Keyring, save  # noqa: PLC0415

    settings = _settings()
    if settings.keys:
        _fail(
            "keys-from-environment",
            "CHENGXIN_KEYS is set; the keyring is managed by your secret store",
        )
    if settings.key_file.exists():
        _fail("keys-exist", f"{settings.key_file} exists; use `chengxin keys rotate`", EXIT_INVALID)
    save(Keyring.generate(demo=False), settings.key_file)
    click.echo(
        f"keyring created at {settings.key_file} (mode 600). "
        "Back it up: without it no data can be read."
    )


@keys.command("rotate")
@click.option("--batch", default=1000, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--resume", is_flag=True, help="Finish an interrupted rotation without adding a key")
def keys_rotate(batch: int, *, resume: bool) -> None:
    """Add a data key and re-encrypt every subject under it, in batches (safe to interrupt)."""
    from chengxin.identity import rotation  # noqa: PLC0415
    from chengxin.keys.keyring import save  # noqa: PLC0415

    runtime = _runtime()
    if runtime.settings.keys:
        _fail(
            "keys-from-environment",
            "CHENGXIN_KEYS is set; rotate in the secret store, then run --resume",
        )
    if not resume:
        kid = runtime.keyring.add_key()
        save(runtime.keyring, runtime.settings.key_file)
        click.echo(f"new active key {kid}")
    result = rotation.reencrypt_all(
        runtime, batch=batch, progress=lambda n: click.echo(f"  re-encrypted {n}")
    )
    click.echo(f"re-encrypted {result.reencrypted} sealed rows; all under {result.active_key}")


# -- population registry ---------------------------------------------------------------------------


@main.group()
def population() -> None:
    """The population base registry (R1.2)."""


@population.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--errors",
    "errors_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write all rejected rows (CSV)",
)
def population_import(file: Path, errors_file: Path | None) -> None:
    """Import a CSV or XLSX registry extract; prints the balanced report."""
    from chengxin.identity import population as population_service  # noqa: PLC0415
    from chengxin.security.actor import system_actor  # noqa: PLC0415
    from chengxin.tabular import FileFault, format_for  # noqa: PLC0415

    runtime = _runtime()
    try:
        file_format = format_for(file.name)
    except FileFault as fault:
        _fail(fault.code, fault.message, EXIT_INVALID)
    report = population_service.import_file(
        runtime.scope,
        file,
        file_format,
        actor=system_actor("population-import"),
        filename=file.name,
        batch_rows=runtime.settings.import_batch_rows,
        max_field_chars=runtime.settings.max_field_chars,
        workers=runtime.settings.workers_for(file.stat().st_size),
    )
    summary = {
        "import_id": str(report.import_id),
        "status": report.status,
        "encoding": report.encoding,
        "rows_read": report.rows_read,
        "inserted": report.inserted,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "rejected": report.rejected,
        "balanced": report.balanced,
    }
    if report.failure_code:
        summary["failure"] = f"{report.failure_code}: {report.failure_message}"
    click.echo(json.dumps(summary, ensure_ascii=False))
    for row_fault in report.errors[:20]:
        click.echo(
            f"  row {row_fault.row_no}: {row_fault.code} "
            f"({row_fault.field or '-'}) {row_fault.message}"
        )
    if report.rejected > 20:  # noqa: PLR2004
        click.echo(f"  … {report.rejected - 20} more rejected rows")
    if errors_file is not None:
        _write_errors(runtime, report.import_id, errors_file)
    if report.status == "failed":
        sys.exit(EXIT_INVALID)


def _write_errors(runtime, import_id, path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: ANN001
    import csv  # noqa: PLC0415

    from chengxin.identity import population as population_service  # noqa: PLC0415

    with runtime.scope() as session, path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["row_no", "code", "field", "message"])
        offset = 0
        while True:
            _, rows = population_service.list_errors(session, import_id, offset=offset, limit=5000)
            if not rows:
                break
            writer.writerows([r["row_no"], r["code"], r["field"], r["message"]] for r in rows)
            offset += len(rows)


# -- ID numbers ------------------------------------------------------------------------------------


@main.group("id")
def id_group() -> None:
    """Citizen ID numbers (GB 11643)."""


@id_group.command("check")
@click.argument("number")
def id_check(number: str) -> None:
    """Exit 0 with the parsed birth date, sex and region; exit 1 with the error code."""
    from chengxin.identity import divisions, idnumber, masking  # noqa: PLC0415

    try:
        parsed = idnumber.parse(number)
    except idnumber.IdNumberError as exc:
        _fail(exc.code, exc.detail, EXIT_INVALID)
    click.echo(
        json.dumps(
            {
                "valid": True,
                "id_number": masking.mask_id_number(parsed.number),
                "birth_on": parsed.birth_on.isoformat(),
                "sex": parsed.sex,
                "address_code": parsed.address_code,
                "region": divisions.describe(parsed.address_code),
            },
            ensure_ascii=False,
        )
    )


# -- organizations and tokens ----------------------------------------------------------------


@main.group()
def org() -> None:
    """Organizations and their API tokens."""


@org.command("create")
@click.option("--credit-code", required=True)
@click.option("--name", required=True)
@click.option("--kind", required=True, type=click.Choice([k.value for k in OrganizationKind]))
@click.option("--region", default=None)
@click.option("--department", default=None, help="Catalog department code (tax, education, …)")
def org_create(
    credit_code: str, name: str, kind: str, region: str | None, department: str | None
) -> None:
    """Register an organization."""
    from chengxin.organizations import service as organization_service  # noqa: PLC0415
    from chengxin.security.actor import system_actor  # noqa: PLC0415

    runtime = _runtime()
    try:
        with runtime.scope() as session:
            created = organization_service.create(
                session,
                credit_code=credit_code,
                name=name,
                kind=OrganizationKind(kind),
                department=department,
                region_code=region,
                actor=system_actor(),
            )
            click.echo(json.dumps({"id": str(created.id), "credit_code": created.credit_code}))
    except DomainError as exc:
        _fail(exc.code, exc.detail, EXIT_INVALID)


@org.command("token")
@click.argument("credit_code")
@click.option("--name", required=True, help="What system uses the token")
@click.option(
    "--permission", "permissions", multiple=True, required=True, help="Repeat for each permission"
)
@click.option("--days", default=365, show_default=True, type=click.IntRange(1, 3650))
def org_token(credit_code: str, name: str, permissions: tuple[str, ...], days: int) -> None:
    """Issue an API token; the token is printed once and stored only as a hash."""
    from chengxin.organizations import service as organization_service  # noqa: PLC0415
    from chengxin.security.actor import system_actor  # noqa: PLC0415
    from chengxin.security.permissions import Permission  # noqa: PLC0415

    runtime = _runtime()
    try:
        perms = [Permission(p) for p in permissions]
    except ValueError:
        _fail(
            "permission-unknown",
            f"known permissions: {', '.join(p.value for p in Permission)}",
            EXIT_INVALID,
        )
    try:
        with runtime.scope() as session:
            found = organization_service.get_by_credit_code(session, credit_code)
            if found is None:
                _fail(
                    "organization-not-found", "no organization with this credit code", EXIT_INVALID
                )
            issued = organization_service.issue_token(
                session,
                found.id,
                name=name,
                permissions=perms,
                valid_days=days,
                actor=system_actor(),
            )
            click.echo(issued.secret)
    except DomainError as exc:
        _fail(exc.code, exc.detail, EXIT_INVALID)


# -- access ----------------------------------------------------------------------------------------


@main.group()
def access() -> None:
    """Permission lists (R3.1) and monitoring of use (R4.3)."""


@access.command("permit")
@click.argument("credit_code")
@click.option("--scene", required=True, help="Business scene code (GET /api/v1/access/scenes)")
@click.option("--kind", "kinds", multiple=True, help="Record kind code; repeat")
@click.option("--sharing", multiple=True, help="public, authorized or government; repeat")
@click.option("--basis", required=True, help="The duty or agreement the line rests on")
@click.option(
    "--until", "until_on", type=click.DateTime(["%Y-%m-%d"]), help="Last day (open-ended)"
)
def access_permit(  # noqa: PLR0917  # click passes the options
    credit_code: str,
    scene: str,
    kinds: tuple[str, ...],
    sharing: tuple[str, ...],
    basis: str,
    until_on: datetime | None,
) -> None:
    """Add a line to an organization's permission list."""
    from chengxin.access import policy  # noqa: PLC0415
    from chengxin.access.scenes import Scene  # noqa: PLC0415
    from chengxin.catalog import service as catalog_service  # noqa: PLC0415
    from chengxin.catalog.schema import Sharing  # noqa: PLC0415
    from chengxin.db import utcnow  # noqa: PLC0415
    from chengxin.organizations import service as organization_service  # noqa: PLC0415
    from chengxin.security.actor import system_actor  # noqa: PLC0415
    from chengxin.workdays.days import day_of  # noqa: PLC0415

    try:
        scene_code, levels = Scene(scene), [Sharing(s) for s in sharing]
    except ValueError as exc:
        _fail("access-rule-invalid", str(exc), EXIT_INVALID)
    runtime = _runtime()
    try:
        with runtime.scope() as session:
            org = organization_service.get_by_credit_code(session, credit_code)
            if org is None:
                _fail(
                    "organization-not-found", "no organization with this credit code", EXIT_INVALID
                )
            _, document = catalog_service.active_document(session)
            rule = policy.add_rule(
                session,
                document,
                organization_id=org.id,
                scene=scene_code,
                kinds=list(kinds),
                sharing=levels,
                basis=basis,
                valid_from_on=day_of(utcnow()),
                valid_until_on=until_on.date() if until_on else None,
                actor=system_actor("access-permit"),
            )
            click.echo(
                f"{rule.id} {org.name}: {rule.scene} kinds={rule.kinds} sharing={rule.sharing}"
            )
    except DomainError as exc:
        _fail(exc.code, exc.detail, EXIT_INVALID)


@access.command("list")
@click.argument("credit_code")
def access_list(credit_code: str) -> None:
    """An organization's permission list (lines in force today are marked *)."""
    from chengxin.access import policy  # noqa: PLC0415
    from chengxin.db import utcnow  # noqa: PLC0415
    from chengxin.organizations import service as organization_service  # noqa: PLC0415
    from chengxin.workdays.days import day_of  # noqa: PLC0415

    runtime = _runtime()
    with runtime.scope() as session:
        org = organization_service.get_by_credit_code(session, credit_code)
        if org is None:
            _fail("organization-not-found", "no organization with this credit code", EXIT_INVALID)
        current = {r.id for r in policy.rules_of(session, org.id, on=day_of(utcnow()))}
        for rule in policy.rules_of(session, org.id):
            mark = "*" if rule.id in current else " "
            click.echo(f"{mark} {rule.id} {rule.scene} kinds={rule.kinds} sharing={rule.sharing}")


@access.command("scan-alerts")
def access_scan_alerts() -> None:
    """Raise no-feedback alerts for released queries past the feedback period."""
    from chengxin.access import monitoring  # noqa: PLC0415

    runtime = _runtime()
    with runtime.scope() as session:
        alerts = monitoring.scan_feedback(session, settings=runtime.settings)
        for alert in alerts:
            click.echo(f"{alert.rule} {alert.organization_id} {alert.detail}")
    click.echo(f"{len(alerts)} new alerts")


# -- credit state ---------------------------------------------------------------------------------


@main.group()
def state() -> None:
    """The stored credit state: one row per person (issue 16)."""


@state.command("rebuild")
@click.option(
    "--check", "check_only", is_flag=True, help="Only compare with the rule; write nothing."
)
def state_rebuild(*, check_only: bool) -> None:
    """Recompute every person's stored credit state from their facts, or with --check report
    every row that differs from the rule (exit 1 when any does)."""
    from chengxin.state import service as state_service  # noqa: PLC0415

    runtime = _runtime()
    with runtime.scope() as session:
        report = state_service.rebuild(session, check=check_only)
    click.echo(
        f"persons={report.persons} written={report.written} differing={report.differing} "
        f"missing={report.missing} extra={report.extra} stale={report.stale}"
    )
    for example in report.examples:
        click.echo(f"  {example}")
    if check_only and (report.differing or report.missing or report.extra):
        _fail("state-differs", "stored credit states differ from the rule", EXIT_INVALID)


# -- catalog ---------------------------------------------------------------------------------------


@main.group()
def catalog() -> None:
    """The public credit information catalog (record kinds and their rules)."""


@catalog.command("show")
def catalog_show() -> None:
    """The active version and its kinds."""
    from chengxin.catalog import service as catalog_service  # noqa: PLC0415

    runtime = _runtime()
    try:
        with runtime.scope() as session:
            row, document = catalog_service.active_document(session)
    except DomainError as exc:
        _fail(exc.code, exc.detail)
    click.echo(f"catalog {row.version} (active since {row.activated_at:%Y-%m-%d %H:%M} UTC)")
    for kind in document.kinds:
        severity = f"/{kind.severity.value}" if kind.severity else ""
        click.echo(f"  {kind.code:<40} {kind.category.value}{severity:<9} {kind.name_zh}")


@catalog.command("load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Activate without asking (after showing the diff)")
def catalog_load(file: Path, *, yes: bool) -> None:
    """Validate FILE, show its diff against the active version, activate on confirmation."""
    from chengxin.catalog import service as catalog_service  # noqa: PLC0415
    from chengxin.security.actor import system_actor  # noqa: PLC0415

    runtime = _runtime()
    try:
        content = catalog_service.read_file(file)
        with runtime.scope() as session:
            _, change = catalog_service.preview(session, content)
    except DomainError as exc:
        problems = exc.extra.get("problems") or [exc.detail]
        for problem in problems:
            click.echo(f"  {problem}", err=True)
        _fail(exc.code, f"{file.name} was not loaded", EXIT_INVALID)
    for line in change.lines():
        click.echo(line)
    if change.empty and change.from_version == change.to_version:
        click.echo("already active; nothing to do")
        return
    if not yes and not click.confirm(f"Activate catalog {change.to_version}?", default=False):
        click.echo("not activated")
        sys.exit(EXIT_INVALID)
    try:
        with runtime.scope() as session:
            row = catalog_service.load(
                session, content, actor=system_actor("catalog-load"), activate=True
            )
    except DomainError as exc:
        _fail(exc.code, exc.detail, EXIT_INVALID)
    click.echo(f"catalog {row.version} is active ({row.kinds} kinds)")


@catalog.command("schema")
def catalog_schema() -> None:
    """Print the catalog's JSON Schema (the file shipped as catalog.schema.json)."""
    from chengxin.catalog.schema import json_schema  # noqa: PLC0415

    click.echo(json.dumps(json_schema(), ensure_ascii=False, indent=2))


# -- ingestion -------------------------------------------------------------------------------------


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as", "as_org", required=True, help="Credit code of the providing organization")
@click.option(
    "--rejected-out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the rejected rows here, in the file's format, to fix and resend",
)
def ingest(file: Path, as_org: str, rejected_out: Path | None) -> None:
    """Ingest a file of credit records (CSV, XLSX, JSONL) for a provider, with progress."""
    from chengxin.ingestion import export, reading  # noqa: PLC0415
    from chengxin.ingestion import service as ingestion_service  # noqa: PLC0415
    from chengxin.organizations import service as organization_service  # noqa: PLC0415
    from chengxin.security.actor import Actor, ActorKind  # noqa: PLC0415
    from chengxin.security.permissions import Permission  # noqa: PLC0415
    from chengxin.tabular import FileFault  # noqa: PLC0415

    runtime = _runtime()
    try:
        file_format = reading.format_for(file.name)
        with runtime.scope() as session:
            org = organization_service.get_by_credit_code(session, as_org)
    except DomainError as exc:
        _fail(exc.code, exc.detail, EXIT_INVALID)
    except FileFault as fault:
        _fail(fault.code, fault.message, EXIT_INVALID)
    if org is None:
        _fail("organization-not-found", f"no organization with credit code {as_org}", EXIT_INVALID)
    # The command acts for the organization and is named as a system command in the audit log.
    actor = Actor(
        ActorKind.SYSTEM,
        "ingest",
        "system:ingest",
        org.id,
        frozenset({Permission.INGESTION_BATCH_SUBMIT}),
    )
    total = reading.count_rows(file, file_format)
    with click.progressbar(length=total, label=f"{file.name} → {org.name}") as bar:
        seen = 0

        def progress(batch) -> None:  # type: ignore[no-untyped-def]  # noqa: ANN001
            nonlocal seen
            bar.update(batch.submitted - seen)
            seen = batch.submitted

        try:
            batch = ingestion_service.ingest_file(
                runtime.scope,
                file,
                file_format,
                provider_id=org.id,
                actor=actor,
                channel="cli",
                filename=file.name,
                options=ingestion_service.Options.from_settings(runtime.settings),
                on_progress=progress,
            )
        except DomainError as exc:
            _fail(exc.code, exc.detail, EXIT_INVALID)
    click.echo(
        f"batch {batch.id}: {batch.status}; submitted {batch.submitted} = accepted "
        f"{batch.accepted} (created {batch.created}, corrected {batch.corrected}, revoked "
        f"{batch.revoked}) + rejected {batch.rejected} + duplicates {batch.duplicates}"
    )
    for code, count in sorted((batch.error_codes or {}).items()):
        click.echo(f"  {code}: {count}")
    if rejected_out is not None and batch.rejected:
        with runtime.scope() as session:
            batch_row, rows = ingestion_service.rejected_rows(session, batch.id, actor=actor)
            export.write(batch_row, rows, rejected_out)
        click.echo(f"rejected rows written to {rejected_out}")
    if batch.status == "failed":
        _fail(batch.failure_code or "file-rejected", batch.failure_message or "", EXIT_INVALID)


# -- audit -----------------------------------------------------------------------------------------


# -- staff accounts --------------------------------------------------------------------------------


@main.group()
def user() -> None:
    """Staff accounts of organizations."""


@user.command("create")
@click.argument("login")
@click.option("--org", "credit_code", required=True, help="The organization's credit code")
@click.option(
    "--role", "roles", multiple=True, required=True, help="A staff role; repeat for several"
)
@click.option("--region", default=None, help="A city's code for a city-bound account")
@click.option("--name", default=None, help="Display name (default: the login name)")
def user_create(
    login: str, credit_code: str, roles: tuple[str, ...], region: str | None, name: str | None
) -> None:
    """Open a staff account; its generated initial password is printed once."""
    from chengxin.accounts import service as accounts_service  # noqa: PLC0415
    from chengxin.organizations import service as organization_service  # noqa: PLC0415
    from chengxin.security.actor import system_actor  # noqa: PLC0415

    runtime = _runtime()
    try:
        with runtime.scope() as session:
            found = organization_service.get_by_credit_code(session, credit_code)
            if found is None:
                _fail(
                    "organization-not-found", "no organization with this credit code", EXIT_INVALID
                )
            created = accounts_service.create_user(
                session,
                organization_id=found.id,
                login=login,
                display_name=name or login,
                roles=list(roles),
                region_code=region,
                password=None,
                policy=accounts_service.Policy.from_settings(runtime.settings),
                actor=system_actor(),
            )
            click.echo(json.dumps({"id": str(created.user.id), "login": created.user.login}))
            click.echo(f"initial password (shown once): {created.password}")
    except DomainError as exc:
        _fail(exc.code, exc.detail, EXIT_INVALID)


# -- credit agencies, outbox, emergency ------------------------------------------------------------


def _agency_by_code(session, credit_code: str):  # type: ignore[no-untyped-def]  # noqa: ANN001, ANN202
    from chengxin.agencies import service as agency_service  # noqa: PLC0415
    from chengxin.organizations import service as organization_service  # noqa: PLC0415

    org = organization_service.get_by_credit_code(session, credit_code)
    agency = agency_service.get_by_organization(session, org.id) if org else None
    if agency is None:
        _fail("agency-not-found", "no credit agency with this credit code", EXIT_INVALID)
    return agency


@main.group()
def agency() -> None:
    """Credit agencies under oversight (R3.5): the agency blacklist."""


@agency.command("blacklist")
@click.argument("credit_code")
@click.option("--reason", required=True, help="Why the agency is listed")
@click.option("--basis", required=True, help="Legal basis of the listing")
def agency_blacklist(credit_code: str, reason: str, basis: str) -> None:
    """Put a credit agency on the agency blacklist: its tokens and staff are refused at once."""
    from chengxin.agencies import service as agency_service  # noqa: PLC0415
    from chengxin.security.actor import system_actor  # noqa: PLC0415

    runtime = _runtime()
    try:
        with runtime.scope() as session:
            found = _agency_by_code(session, credit_code)
            listing = agency_service.blacklist(
                session, found.id, reason=reason, basis=basis, actor=system_actor()
            )
            click.echo(json.dumps({"listing_id": str(listing.id), "agency_id": str(found.id)}))
    except DomainError as exc:
        _fail(exc.code, exc.detail, EXIT_INVALID)


@agency.command("delist")
@click.argument("credit_code")
@click.option("--reason", required=True, help="Why the agency is delisted")
def agency_delist(credit_code: str, reason: str) -> None:
    """Take a credit agency off the agency blacklist."""
    from chengxin.agencies import service as agency_service  # noqa: PLC0415
    from chengxin.security.actor import system_actor  # noqa: PLC0415

    runtime = _runtime()
    try:
        with runtime.scope() as session:
            found = _agency_by_code(session, credit_code)
            listing = agency_service.delist(session, found.id, reason=reason, actor=system_actor())
            click.echo(json.dumps({"listing_id": str(listing.id), "delisted": True}))
    except DomainError as exc:
        _fail(exc.code, exc.detail, EXIT_INVALID)


@main.group()
def outbox() -> None:
    """Messages to persons (the local notification channel's mailbox)."""


@outbox.command("show")
@click.option("--last", default=10, show_default=True, type=click.IntRange(1, 1000))
@click.option(
    "--code", "code_only", is_flag=True, help="Print only the latest sign-in code (digits)"
)
def outbox_show(last: int, *, code_only: bool) -> None:
    """Print the most recent messages decrypted (a demo user reads their one-time code here)."""
    from chengxin.citizens import service as citizens_service  # noqa: PLC0415
    from chengxin.notifications import service as notifications_service  # noqa: PLC0415

    runtime = _runtime()
    if code_only:
        with runtime.scope() as session:
            code = citizens_service.latest_code(session)
        if code is None:
            _fail("no-sign-in-code", "the outbox holds no sign-in code yet", EXIT_INVALID)
        click.echo(code)
        return
    with runtime.scope() as session:
        for shown in notifications_service.recent(session, last=last):
            row = shown.row
            click.echo(
                f"{row.created_at:%Y-%m-%d %H:%M:%S} {shown.masked_phone or '-'} "
                f"[{row.template}, {row.status}] {shown.text}"
            )


def _freeze(kind: str, ident: str, reason: str, *, freeze: bool) -> None:
    from chengxin.accounts.emergency import service as emergency_service  # noqa: PLC0415
    from chengxin.organizations import service as organization_service  # noqa: PLC0415
    from chengxin.security.actor import system_actor  # noqa: PLC0415

    runtime = _runtime()
    actor = system_actor()
    try:
        with runtime.scope() as session:
            if kind == "token":
                try:
                    token_id = uuid.UUID(ident)
                except ValueError:
                    _fail("token-not-found", "give the token's id (a UUID)", EXIT_INVALID)
                act = emergency_service.freeze_token if freeze else emergency_service.unfreeze_token
                token = act(session, token_id, reason=reason, actor=actor)
                click.echo(json.dumps({"token_id": str(token.id), "frozen": freeze}))
                return
            try:
                org = organization_service.get_or_raise(session, uuid.UUID(ident))
            except ValueError:
                found = organization_service.get_by_credit_code(session, ident)
                if found is None:
                    _fail("organization-not-found", "no such organization", EXIT_INVALID)
                org = found
            act_org = (
                emergency_service.freeze_organization
                if freeze
                else emergency_service.unfreeze_organization
            )
            act_org(session, org.id, reason=reason, actor=actor)
            click.echo(json.dumps({"organization_id": str(org.id), "frozen": freeze}))
    except DomainError as exc:
        _fail(exc.code, exc.detail, EXIT_INVALID)


@main.command("freeze")
@click.argument("kind", type=click.Choice(["token", "org"]))
@click.argument("ident", metavar="ID_OR_CODE")
@click.option("--reason", required=True, help="Why (kept in the audit log)")
def freeze_cmd(kind: str, ident: str, reason: str) -> None:
    """Emergency (R3.4): freeze an API token (by id) or an organization (by id or credit code)."""
    _freeze(kind, ident, reason, freeze=True)


@main.command("unfreeze")
@click.argument("kind", type=click.Choice(["token", "org"]))
@click.argument("ident", metavar="ID_OR_CODE")
@click.option("--reason", required=True, help="Why (kept in the audit log)")
def unfreeze_cmd(kind: str, ident: str, reason: str) -> None:
    """Lift the freeze of an API token or an organization."""
    _freeze(kind, ident, reason, freeze=False)


@main.command("lockdown")
@click.argument("state", type=click.Choice(["on", "off"]))
@click.option("--reason", required=True, help="Why (kept in the audit log)")
def lockdown_cmd(state: str, reason: str) -> None:
    """Emergency (R3.4): lock the platform read-only (on) or lift the lockdown (off); every
    server process sees it within a second."""
    from chengxin.accounts.emergency import service as emergency_service  # noqa: PLC0415
    from chengxin.security.actor import system_actor  # noqa: PLC0415

    runtime = _runtime()
    try:
        with runtime.scope() as session:
            if state == "on":
                emergency_service.lock(session, reason=reason, actor=system_actor())
            else:
                emergency_service.lift(session, reason=reason, actor=system_actor())
    except DomainError as exc:
        _fail(exc.code, exc.detail, EXIT_INVALID)
    click.echo(json.dumps({"locked": state == "on"}))


@main.group()
def report() -> None:
    """Credit reports: check a PDF report offline, render a synthetic sample."""


def _local_public_key_pem() -> str:
    """The platform's public key from the local keyring (never creates a keyring)."""
    from chengxin.runtime import load_keyring  # noqa: PLC0415

    settings = _settings()
    if not settings.keys and not settings.key_file.exists():
        _fail(
            "keys-missing",
            f"no keyring in {settings.key_file}: give the platform's key with --public-key",
            EXIT_INVALID,
        )
    try:
        return load_keyring(settings).public_key_pem()
    except DomainError as exc:
        _fail(exc.code, exc.detail)


@report.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--public-key",
    "public_key",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The platform's Ed25519 public key (PEM); default: the local keyring's",
)
def report_verify(file: Path, public_key: Path | None) -> None:
    """Check offline that a PDF report is genuine and unchanged; exit 1 saying why it is not."""
    from chengxin.reports import pdf as report_pdf  # noqa: PLC0415

    pem = public_key.read_bytes() if public_key else _local_public_key_pem()
    try:
        result = report_pdf.verify_pdf(file.read_bytes(), public_key_pem=pem)
    except DomainError as exc:
        _fail(exc.code, exc.detail, EXIT_INVALID)
    if not result.ok:
        _fail(result.problem or "verification-failed", result.message, EXIT_INVALID)
    click.echo(f"number:    {result.number}")
    click.echo(f"issued at: {result.issued_at} ({_beijing(result.issued_at)} UTC+8)")
    click.echo(f"audience:  {result.audience}")
    click.echo(f"digest:    {result.digest}")
    click.echo(f"key id:    {result.key_id}")
    click.echo("verified")


def _beijing(iso: str | None) -> str:
    from chengxin.reports.render import local_time  # noqa: PLC0415

    return local_time(datetime.fromisoformat(iso)) if iso else "-"


@report.command("sample")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
def report_sample(out: Path, lang: str) -> None:
    """Render a synthetic sample report (four pages) as a sealed PDF (no database needed)."""
    import random  # noqa: PLC0415
    import time  # noqa: PLC0415

    from chengxin.reports import pdf as report_pdf  # noqa: PLC0415
    from chengxin.reports import sample  # noqa: PLC0415
    from chengxin.reports import service as report_service  # noqa: PLC0415
    from chengxin.reports.render import Issuer  # noqa: PLC0415
    from chengxin.runtime import load_keyring  # noqa: PLC0415

    settings = _settings()
    if settings.env is Environment.PRODUCTION:
        # A synthetic report sealed with the production key would pass as genuine.
        _fail("sample-in-production", "samples are never sealed with production keys", EXIT_INVALID)
    try:
        keyring = load_keyring(settings)
        started = time.perf_counter()
        content = sample.sample_report()
        url = report_service.verify_url(settings.public_base_url, content.number)
        code = sample.sample_code(random.Random(content.number))
        unsealed, pages = report_pdf.render_unsealed(
            content,
            lang=lang,
            verification_code=code,
            verify_url=url,
            issuer=Issuer.from_settings(settings),
        )
        sealed = report_pdf.seal_pdf(unsealed, content, keyring=keyring)
    except DomainError as exc:
        _fail(exc.code, exc.detail)
    seconds = time.perf_counter() - started
    out.write_bytes(sealed)
    click.echo(
        json.dumps(
            {
                "out": str(out),
                "number": content.number,
                "verification_code": code,
                "pages": pages,
                "bytes": len(sealed),
                "seconds": round(seconds, 3),
            },
            ensure_ascii=False,
        )
    )


# -- jobs ------------------------------------------------------------------------------------------


@main.command()
@click.option("--once", is_flag=True, help="Run the due schedules and jobs once, then exit")
@click.option(
    "--poll",
    "poll_seconds",
    type=click.FloatRange(min=0.05),
    default=None,
    help="Seconds an idle worker waits between passes (default: CHENGXIN_JOBS_POLL_SECONDS)",
)
def worker(*, once: bool, poll_seconds: float | None) -> None:
    """Run background jobs and periodic schedules until stopped (SIGTERM, Ctrl-C); any number
    of workers may share the database."""
    import signal  # noqa: PLC0415
    import threading  # noqa: PLC0415

    from chengxin.jobs.worker import Worker  # noqa: PLC0415
    from chengxin.notifications import channels as notification_channels  # noqa: PLC0415

    runtime = _runtime()
    try:
        notification_channels.install(runtime)
    except DomainError as exc:
        _fail(exc.code, exc.detail)
    job_worker = Worker(runtime)
    if once:
        click.echo(json.dumps({"worker": job_worker.name, "ran": job_worker.run_once()}))
        return
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    runtime.start_change_watcher()  # jobs read cached state too (ADR 0034)
    try:
        job_worker.run_forever(stop, poll_seconds=poll_seconds)
    finally:
        runtime.stop_change_watcher()


def _job_line(job) -> str:  # type: ignore[no-untyped-def]  # noqa: ANN001
    return json.dumps(
        {
            "id": str(job.id),
            "kind": job.kind,
            "status": job.status,
            "attempts": job.attempts,
            "max_attempts": job.max_attempts,
            "run_at": job.run_at.isoformat(),
            "finished_at": job.finished_at.isoformat() if job.finished_at else None,
            "locked_by": job.locked_by,
            "last_error": job.last_error,
            # A chunked job's progress as its last chunk saved it (ADR 0026): cursor and counts.
            "progress": job.progress,
        },
        ensure_ascii=False,
    )


@main.group()
def jobs() -> None:
    """The job queue: what ran, what failed, what waits."""


@jobs.command("list")
@click.option(
    "--status",
    type=click.Choice(["queued", "running", "done", "failed", "dead"]),
    default=None,
    help="Only jobs in this status",
)
@click.option("--last", default=50, show_default=True, type=click.IntRange(1, 10_000))
def jobs_list(status: str | None, last: int) -> None:
    """Print the newest jobs, one JSON object a line."""
    from chengxin.jobs import service as jobs_service  # noqa: PLC0415

    runtime = _runtime()
    with runtime.scope() as session:
        for job in jobs_service.list_jobs(session, status=status, limit=last):
            click.echo(_job_line(job))


@jobs.command("retry")
@click.argument("job_id")
def jobs_retry(job_id: str) -> None:
    """Send a failed or dead job round again with fresh attempts (audited)."""
    from chengxin.jobs import service as jobs_service  # noqa: PLC0415
    from chengxin.security.actor import system_actor  # noqa: PLC0415

    try:
        ident = uuid.UUID(job_id)
    except ValueError:
        _fail("job-not-found", "give the job's id (a UUID)", EXIT_INVALID)
    runtime = _runtime()
    try:
        with runtime.scope() as session:
            job = jobs_service.retry(session, ident, actor=system_actor())
            click.echo(_job_line(job))
    except DomainError as exc:
        _fail(exc.code, exc.detail, EXIT_INVALID)


@main.group()
def audit() -> None:
    """The audit log: an RFC 9162 Merkle tree with signed tree heads."""


@audit.command("verify")
def audit_verify() -> None:
    """Re-derive leaves, tiles and signed heads; exit 1 naming the first entry that is wrong."""
    from chengxin.audit import service as audit_service  # noqa: PLC0415

    runtime = _runtime()
    with runtime.scope() as session:
        report = audit_service.verify(session)
    click.echo(json.dumps(report.__dict__))
    if not report.ok:
        sys.exit(EXIT_INVALID)


@keys.command("add-signing-key")
def keys_add_signing_key() -> None:
    """Give a key file written before the Merkle audit log its Ed25519 tree-head signing key."""
    from chengxin.keys.keyring import Keyring, save  # noqa: PLC0415

    settings = _settings()
    if settings.keys:
        _fail("keys-from-environment", "CHENGXIN_KEYS is set; add the key in the secret store")
    ring = Keyring.from_json(settings.key_file.read_text(encoding="utf-8"))
    if ring.signing_key is not None:
        _fail("signing-key-exists", "the keyring already holds a signing key", EXIT_INVALID)
    ring.add_signing_key()
    save(ring, settings.key_file)
    click.echo(json.dumps({"key_id": ring.signing_key_id}))


@audit.command("sign-head")
def audit_sign_head() -> None:
    """Integrate new entries into the tree and sign a tree head now."""
    from chengxin.audit import service as audit_service  # noqa: PLC0415

    runtime = _runtime()
    with runtime.scope() as session:
        head = audit_service.sign_tree_head(session)
        shown = (
            {
                "tree_size": head.tree_size,
                "root_hash": head.root_hash,
                "timestamp_ms": head.timestamp_ms,
                "key_id": head.key_id,
                "signature": audit_service.signature_b64(head),
            }
            if head
            else {"tree_size": 0}
        )
    click.echo(json.dumps(shown))


@audit.command("export")
@click.option("--format", "export_format", type=click.Choice(["csv", "json"]), default="csv")
@click.option("--organization", "organization_id", type=click.UUID, default=None)
@click.option("--subject", "subject_id", type=click.UUID, default=None)
@click.option("--since", type=click.DateTime(), default=None, help="UTC, inclusive")
@click.option("--until", type=click.DateTime(), default=None, help="UTC, exclusive")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
def audit_export(  # noqa: PLR0917  # click passes the options
    export_format: str,
    organization_id: uuid.UUID | None,
    subject_id: uuid.UUID | None,
    since: datetime | None,
    until: datetime | None,
    output: Path | None,
) -> None:
    """Write audit entries (filtered) as CSV or JSON to a file or stdout; the export is logged."""
    from chengxin.audit import service as audit_service  # noqa: PLC0415
    from chengxin.security.actor import system_actor  # noqa: PLC0415

    runtime = _runtime()
    filters = {
        "organization_id": organization_id,
        "subject_id": subject_id,
        "since": since.replace(tzinfo=UTC) if since else None,
        "until": until.replace(tzinfo=UTC) if until else None,
    }
    with runtime.scope() as session:
        audit_service.record_export(
            session, actor=system_actor(), export_format=export_format, **filters
        )
    chunks = audit_service.export_lines(runtime.scope, export_format, **filters)
    if output is None:
        for chunk in chunks:
            sys.stdout.buffer.write(chunk)
        return
    with output.open("wb") as handle:
        for chunk in chunks:
            handle.write(chunk)


# -- backups and restore (ADR 0036, docs/operations.md) ------------------------------------------

KEYS_APART = (
    "the keyring is not in the backup (it never is): keep a `chengxin keys export` of it "
    "elsewhere (docs/operations.md, Keys)"
)


def _existing_keyring(settings: Settings):  # type: ignore[no-untyped-def]  # noqa: ANN202
    """The keyring in place (environment or key file); never a new one."""
    from chengxin.keys.keyring import load_or_create  # noqa: PLC0415

    if not settings.keys and not settings.key_file.exists():
        _fail(
            "keys-missing",
            f"no keyring: CHENGXIN_KEYS is unset and {settings.key_file} does not exist "
            "(`chengxin keys import FILE` puts an exported one back)",
            EXIT_INVALID,
        )
    try:
        return load_or_create(settings.key_file, settings.keys, create_demo=False)
    except DomainError as exc:
        _fail(exc.code, exc.detail)


def _key_ids(ring) -> dict[str, object]:  # type: ignore[no-untyped-def]  # noqa: ANN001
    """Which keys a keyring holds, by id only."""
    return {
        "data_key_ids": sorted(ring.data_keys),
        "signing_key_id": ring.signing_key_id if ring.signing_key else None,
    }


@main.command()
@click.argument("dest", type=click.Path(path_type=Path))
def backup(dest: Path) -> None:
    """Copy the embedded database to DEST (a new file, or a directory) while servers keep
    writing, with a manifest beside it. Never the keys. PostgreSQL: exit 2 (pg_basebackup)."""
    from chengxin.backup import service as backup_service  # noqa: PLC0415
    from chengxin.backup.errors import BackupNotEmbedded  # noqa: PLC0415

    settings = _settings()
    try:
        target, manifest = backup_service.back_up(
            settings.resolved_database_url, dest, lock_wait_seconds=settings.db_lock_wait_seconds
        )
    except BackupNotEmbedded as exc:
        _fail(exc.code, exc.detail, EXIT_FAILURE)
    except DomainError as exc:
        _fail(exc.code, exc.detail, EXIT_INVALID)
    click.echo(KEYS_APART, err=True)
    shown = {"backup": str(target), "manifest": str(backup_service.manifest_path(target))}
    click.echo(json.dumps(shown | json.loads(manifest.to_json())))


@main.command()
@click.argument("src", type=click.Path(path_type=Path))
@click.option(
    "--force", is_flag=True, help="Restore while a process has the database open (restart it after)"
)
def restore(src: Path, *, force: bool) -> None:
    """Put the backup SRC in place of the embedded database (digest, schema and keyring checked
    first), then verify the audit log; exit 1 if anything does not hold."""
    from chengxin import migrate  # noqa: PLC0415
    from chengxin.audit import service as audit_service  # noqa: PLC0415
    from chengxin.backup import service as backup_service  # noqa: PLC0415
    from chengxin.backup.errors import BackupNotEmbedded  # noqa: PLC0415

    settings = _settings()
    try:
        backup_service.sqlite_path(settings.resolved_database_url)  # PostgreSQL: exit 2 first
    except BackupNotEmbedded as exc:
        _fail(exc.code, exc.detail, EXIT_FAILURE)
    ring = _existing_keyring(settings)
    try:
        manifest = backup_service.restore(
            src,
            settings.resolved_database_url,
            force=force,
            signing_key_id=ring.signing_key_id if ring.signing_key else None,
            lock_wait_seconds=settings.db_lock_wait_seconds,
        )
    except BackupNotEmbedded as exc:
        _fail(exc.code, exc.detail, EXIT_FAILURE)
    except DomainError as exc:
        _fail(exc.code, exc.detail, EXIT_INVALID)
    shown: dict[str, object] = {
        "restored": str(src),
        "started_at": manifest.started_at.isoformat(),
        "schema_revision": manifest.schema_revision,
    }
    if manifest.schema_revision != migrate.head_revision():
        click.echo(
            json.dumps(
                shown | {"audit": None, "next": "chengxin db upgrade, then chengxin audit verify"}
            )
        )
        return
    runtime = _runtime()
    with runtime.scope() as session:
        report = audit_service.verify(session)
    click.echo(json.dumps(shown | {"audit": report.__dict__}))
    if not report.ok:
        sys.exit(EXIT_INVALID)


@keys.command("export")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--passphrase",
    envvar="CHENGXIN_KEYS_PASSPHRASE",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="At least 12 characters (or CHENGXIN_KEYS_PASSPHRASE)",
)
def keys_export(out: Path, passphrase: str) -> None:
    """Write the keyring to OUT encrypted under a passphrase (scrypt, AES-256-GCM), to keep
    apart from the database's backups."""
    from chengxin.db import utcnow  # noqa: PLC0415
    from chengxin.keys import export as key_export  # noqa: PLC0415

    ring = _existing_keyring(_settings())
    try:
        text = key_export.seal(ring, passphrase, at=utcnow())
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except DomainError as exc:
        _fail(exc.code, exc.detail, EXIT_INVALID)
    except FileExistsError:
        _fail("export-exists", f"{out} exists", EXIT_INVALID)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    click.echo(json.dumps({"out": str(out)} | _key_ids(ring)))


@keys.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--passphrase", envvar="CHENGXIN_KEYS_PASSPHRASE", prompt=True, hide_input=True)
def keys_import(file: Path, passphrase: str) -> None:
    """Put an exported keyring back as the key file (refuses to replace one)."""
    from chengxin.keys import export as key_export  # noqa: PLC0415
    from chengxin.keys.keyring import save  # noqa: PLC0415

    settings = _settings()
    if settings.keys:
        _fail("keys-from-environment", "CHENGXIN_KEYS is set; put the keyring in the secret store")
    if settings.key_file.exists():
        _fail("keys-exist", f"{settings.key_file} exists; move it away first", EXIT_INVALID)
    try:
        ring = key_export.open_sealed(file.read_text(encoding="utf-8"), passphrase)
    except DomainError as exc:
        _fail(exc.code, exc.detail, EXIT_INVALID)
    save(ring, settings.key_file)
    click.echo(json.dumps({"key_file": str(settings.key_file)} | _key_ids(ring)))
