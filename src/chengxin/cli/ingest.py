"""``chengxin ingest``: a provider's file of credit records through the exchange."""

from __future__ import annotations

from pathlib import Path

import click

from chengxin.cli import main
from chengxin.cli.errors import EXIT_INVALID, exits_with, fail
from chengxin.cli.runtime import open_runtime
from chengxin.errors import DomainError
from chengxin.ingestion import export, reading
from chengxin.ingestion import service as ingestion_service
from chengxin.ingestion.models import IngestBatch
from chengxin.organizations import service as organization_service
from chengxin.security.actor import Actor, ActorKind
from chengxin.security.permissions import Permission
from chengxin.tabular import FileFault


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
    runtime = open_runtime()
    with exits_with({DomainError: EXIT_INVALID, FileFault: EXIT_INVALID}):
        file_format = reading.format_for(file.name)
        with runtime.scope() as session:
            org = organization_service.get_by_credit_code(session, as_org)
    if org is None:
        fail("organization-not-found", f"no organization with credit code {as_org}", EXIT_INVALID)
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

        def progress(batch: IngestBatch) -> None:
            nonlocal seen
            bar.update(batch.submitted - seen)
            seen = batch.submitted

        with exits_with(EXIT_INVALID):
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
        fail(batch.failure_code or "file-rejected", batch.failure_message or "", EXIT_INVALID)
