"""``chengxin population``: the population base registry's imports."""

from __future__ import annotations

import csv
import sys
import uuid
from pathlib import Path

import click

from chengxin.cli import main
from chengxin.cli.common import echo_json
from chengxin.cli.errors import EXIT_INVALID, exits_with
from chengxin.cli.runtime import open_runtime
from chengxin.identity import population as population_service
from chengxin.runtime import Runtime
from chengxin.security.actor import system_actor
from chengxin.tabular import FileFault, format_for


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
    runtime = open_runtime()
    with exits_with({FileFault: EXIT_INVALID}):
        file_format = format_for(file.name)
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
    echo_json(summary, ensure_ascii=False)
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


def _write_errors(runtime: Runtime, import_id: uuid.UUID, path: Path) -> None:
    """Every rejected row of the import, as CSV (row_no, code, field, message)."""
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
