"""Rejected rows written back in the format they came in, with an errors column, so a clerk
fixes them in place and resends the file (the errors column is ignored on the way in)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from chengxin.ingestion.models import IngestBatch, IngestRejection

ERRORS_TITLE = "错误原因 errors"
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "jsonl": "application/x-ndjson",
    "json": "application/x-ndjson",
}


def _safe(value: Any) -> Any:
    # A rejected row may hold a formula-injection string: neutralise it for spreadsheets (OWASP).
    if isinstance(value, str) and value.startswith(("=", "+", "-", "@", "\t", "\r")):
        return "'" + value
    return value


def _summary(rejection: IngestRejection) -> str:
    return "; ".join(
        f"{e.get('field') or '-'}: {e['code']} {e['zh']} / {e['en']}" for e in rejection.errors
    )


def filename_for(batch: IngestBatch) -> str:
    """Download name: rejected-<batch>.<ext>."""
    ext = "jsonl" if batch.file_format in ("json", "jsonl") else batch.file_format
    return f"rejected-{batch.id}.{ext}"


def write(batch: IngestBatch, rows: Iterable[tuple[IngestRejection, Any]], path: Path) -> None:
    """Write the rejected rows to ``path`` in the batch's format."""
    if batch.file_format in ("json", "jsonl"):
        with path.open("w", encoding="utf-8") as handle:
            for rejection, raw in rows:
                obj = dict(raw) if isinstance(raw, dict) else {"row": raw}
                obj["errors"] = rejection.errors
                handle.write(json.dumps(obj, ensure_ascii=False) + "\n")
        return
    columns = [(title, name) for title, name in (batch.header or []) if name]
    header = [title for title, _ in columns] + [ERRORS_TITLE]

    def cells(rejection: IngestRejection, raw: Any) -> list[Any]:
        values = raw if isinstance(raw, dict) else {}
        return [_safe(values.get(name, "")) for _, name in columns] + [_summary(rejection)]

    if batch.file_format == "xlsx":
        from openpyxl import Workbook  # noqa: PLC0415

        book = Workbook(write_only=True)
        sheet = book.create_sheet("rejected")
        sheet.append(header)
        for rejection, raw in rows:
            sheet.append(cells(rejection, raw))
        book.save(path)
        return
    # UTF-8 with BOM: Excel opens it as UTF-8; the reader accepts it back.
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        for rejection, raw in rows:
            writer.writerow(cells(rejection, raw))
