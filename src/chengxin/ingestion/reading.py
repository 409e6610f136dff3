"""Row sources for ingestion: CSV, XLSX, JSONL files and JSON pushes.

A file source splits its file into raw rows (``raw_rows``) and hands out a picklable
:class:`Decoder` that turns one raw row into a :class:`SourceRow` (standard values, kind fields,
and the row as sent, kept for the rejected-rows download) or a
:class:`~chengxin.tabular.RowFault`. Decoding may run in worker processes
(:mod:`chengxin.ingestion.pipeline`); iterating a source decodes in-process.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from chengxin import tabular, workbook_limits
from chengxin.catalog.schema import CatalogDocument
from chengxin.ingestion import validation
from chengxin.tabular import RowFault, RowParser, TableReader

FILE_FORMATS = ("csv", "xlsx", "jsonl")  # uploads; pushed JSON arrays are read as objects


class SourceRow(NamedTuple):
    row_no: int
    values: dict[str, Any]
    fields: dict[str, Any]
    raw: Any  # canonical name → text (tables) or the object (JSON)


class Decoder(Protocol):
    def decode(self, row_no: int, raw: Any) -> SourceRow | RowFault | None: ...


def format_for(filename: str | None, content_type: str | None = None) -> str:
    """``csv``, ``xlsx`` or ``jsonl`` from a file name or media type; FileFault otherwise."""
    return tabular.format_for(filename, content_type, allowed=FILE_FORMATS)


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


def _object_row(row_no: int, obj: Any) -> SourceRow | RowFault:
    if not isinstance(obj, dict):
        return RowFault(row_no, "row-malformed", "each record is a JSON object")
    standard, fields = _split(obj)
    return SourceRow(row_no, standard, fields, obj)


@dataclass(frozen=True)
class TableDecoder:
    """CSV line or XLSX cells → row, through the header mapping."""

    parser: RowParser

    def decode(self, row_no: int, raw: Any) -> SourceRow | RowFault | None:
        row = self.parser.parse(row_no, raw)
        if row is None or isinstance(row, RowFault):
            return row
        standard, fields = _split(row.values)
        return SourceRow(row.row_no, standard, fields, row.values)


@dataclass(frozen=True)
class JsonDecoder:
    """One line of JSON Lines (UTF-8, RFC 8259) → row."""

    def decode(self, row_no: int, raw: Any) -> SourceRow | RowFault | None:
        if not raw.strip():
            return None
        try:
            obj = json.loads(raw.decode("utf-8-sig" if row_no == 1 else "utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            return RowFault(row_no, "row-malformed", "the line is not a UTF-8 JSON object")
        return _object_row(row_no, obj)


class FileSource(ABC):
    """Raw rows of a file and the decoder for them; iterating decodes in-process."""

    @property
    def encoding(self) -> str | None:
        return "utf-8"

    @property
    def header(self) -> list[tuple[str, str | None]]:
        return []

    @abstractmethod
    def raw_rows(self) -> Iterator[tuple[int, Any]]:
        """(row number, raw row) for every data row of the file."""

    @abstractmethod
    def decoder(self) -> Decoder:
        """Valid once ``raw_rows`` has yielded (tables map their header first)."""

    def __iter__(self) -> Iterator[SourceRow | RowFault]:
        decoder = None
        for row_no, raw in self.raw_rows():
            decoder = decoder or self.decoder()
            item = decoder.decode(row_no, raw)
            if item is not None:
                yield item


class TableSource(FileSource):
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

    def raw_rows(self) -> Iterator[tuple[int, Any]]:
        return self.reader.raw_rows()

    def decoder(self) -> Decoder:
        if self.reader.parser is None:
            msg = "the header has not been read"
            raise RuntimeError(msg)
        return TableDecoder(self.reader.parser)


class JsonLinesSource(FileSource):
    """One JSON object per line; the line number is the row number. A line longer than the
    row limit refuses the file (``row-too-long``) after that many bytes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.limits = workbook_limits.current_limits()

    def raw_rows(self) -> Iterator[tuple[int, Any]]:
        with self.path.open("rb") as handle:
            yield from enumerate(tabular.read_lines(handle, self.limits.max_row_bytes), start=1)

    def decoder(self) -> Decoder:
        return JsonDecoder()


class ObjectSource:
    """Records pushed as a JSON array; the position (from 1) is the row number."""

    def __init__(self, records: Iterable[Any]) -> None:
        self.records = records
        self.encoding: str | None = "utf-8"
        self.header: list[tuple[str, str | None]] = []

    def __iter__(self) -> Iterator[SourceRow | RowFault]:
        for row_no, obj in enumerate(self.records, start=1):
            yield _object_row(row_no, obj)


def count_rows(path: Path, file_format: str) -> int:
    """Data rows in a file, counted cheaply for a progress bar (an estimate for XLSX)."""
    if file_format == "xlsx":
        from openpyxl import load_workbook  # noqa: PLC0415

        try:
            workbook_limits.check_workbook(path)
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
) -> FileSource:
    """The row source for an uploaded file."""
    if file_format == "jsonl":
        return JsonLinesSource(path)
    return TableSource(path, file_format, catalog, max_field_chars=max_field_chars)
