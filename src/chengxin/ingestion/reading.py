"""Row sources for ingestion: CSV, XLSX, JSONL files and JSON pushes, one row at a time.

Each source yields :class:`SourceRow` (standard values, kind fields, and the row as sent, kept
for the rejected-rows download) or :class:`~chengxin.tabular.RowFault`, and exposes what the
receipt needs after reading began (encoding, header).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from chengxin.catalog.schema import CatalogDocument
from chengxin.ingestion import validation
from chengxin.tabular import FileFault, RowFault, TableReader

FORMATS = ("csv", "xlsx", "jsonl", "json")


class SourceRow(NamedTuple):
    row_no: int
    values: dict[str, Any]
    fields: dict[str, Any]
    raw: Any  # canonical name → text (tables) or the object (JSON)


def format_for(filename: str | None, content_type: str | None = None) -> str:
    """``csv``, ``xlsx`` or ``jsonl`` from a file name or media type; FileFault otherwise."""
    name = (filename or "").lower()
    ctype = (content_type or "").split(";")[0].strip().lower()
    if name.endswith(".xlsx") or ctype.endswith("spreadsheetml.sheet"):
        return "xlsx"
    if name.endswith((".jsonl", ".ndjson")) or ctype in (
        "application/x-ndjson",
        "application/jsonl",
    ):
        return "jsonl"
    if name.endswith((".csv", ".txt")) or ctype in ("text/csv", "text/plain"):
        return "csv"
    raise FileFault(
        "file-format-unsupported", "upload CSV (.csv), Excel (.xlsx) or JSON Lines (.jsonl) files"
    )


def _split(values: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    standard: dict[str, Any] = {}
    fields: dict[str, Any] = {}
    for key, value in values.items():
        if key in validation.STANDARD_COLUMNS:
            standard[key] = value
        elif key == "fields" and isinstance(value, Mapping):
            fields.update(value)
        elif key not in validation.IGNORED_COLUMNS:
            fields[key] = value  # a kind field given at the top level, or an unexpected key
    return standard, fields


class TableSource:
    """CSV or XLSX through the streaming table reader, with a strict header."""

    def __init__(
        self, path: Path, file_format: str, catalog: CatalogDocument, *, max_field_chars: int
    ) -> None:
        self.reader = TableReader(
            path,
            file_format,
            columns={**validation.STANDARD_COLUMNS, **validation.field_columns(catalog)},
            required=validation.REQUIRED_COLUMNS,
            max_field_chars=max_field_chars,
            text_only=validation.TEXT_ONLY_COLUMNS,
            strict=True,
            ignored=validation.IGNORED_COLUMNS,
        )

    @property
    def encoding(self) -> str | None:
        return self.reader.encoding

    @property
    def header(self) -> list[tuple[str, str | None]]:
        return self.reader.header

    def __iter__(self) -> Iterator[SourceRow | RowFault]:
        for item in self.reader:
            if isinstance(item, RowFault):
                yield item
                continue
            standard, fields = _split(item.values)
            yield SourceRow(item.row_no, standard, fields, item.values)


def _object_row(row_no: int, obj: Any) -> SourceRow | RowFault:
    if not isinstance(obj, dict):
        return RowFault(row_no, "row-malformed", "each record is a JSON object")
    standard, fields = _split(obj)
    return SourceRow(row_no, standard, fields, obj)


class JsonLinesSource:
    """One JSON object per line, UTF-8 (RFC 8259); the line number is the row number."""

    encoding = "utf-8"
    header: list[tuple[str, str | None]] = []  # no header in JSON

    def __init__(self, path: Path) -> None:
        self.path = path

    def __iter__(self) -> Iterator[SourceRow | RowFault]:
        with self.path.open("rb") as handle:
            for row_no, raw in enumerate(handle, start=1):
                if not raw.strip():
                    continue
                try:
                    obj = json.loads(raw.decode("utf-8-sig" if row_no == 1 else "utf-8"))
                except (UnicodeDecodeError, json.JSONDecodeError):
                    yield RowFault(row_no, "row-malformed", "the line is not a UTF-8 JSON object")
                    continue
                yield _object_row(row_no, obj)


class ObjectSource:
    """Records pushed as a JSON array; the position (from 1) is the row number."""

    encoding = "utf-8"
    header: list[tuple[str, str | None]] = []

    def __init__(self, records: Iterable[Any]) -> None:
        self.records = records

    def __iter__(self) -> Iterator[SourceRow | RowFault]:
        for row_no, obj in enumerate(self.records, start=1):
            yield _object_row(row_no, obj)


def count_rows(path: Path, file_format: str) -> int:
    """Data rows in a file, counted cheaply for a progress bar (an estimate for XLSX)."""
    if file_format == "xlsx":
        from openpyxl import load_workbook  # noqa: PLC0415

        try:
            book = load_workbook(path, read_only=True)
        except Exception:  # noqa: BLE001  # the real read reports the fault
            return 0
        try:
            return max((book.worksheets[0].max_row or 1) - 1, 0)
        finally:
            book.close()
    lines = 0
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            lines += block.count(b"\n")
    return max(lines - (1 if file_format == "csv" else 0), 0)


def open_source(
    path: Path, file_format: str, catalog: CatalogDocument, *, max_field_chars: int
) -> TableSource | JsonLinesSource:
    """The row source for an uploaded file."""
    if file_format == "jsonl":
        return JsonLinesSource(path)
    return TableSource(path, file_format, catalog, max_field_chars=max_field_chars)
