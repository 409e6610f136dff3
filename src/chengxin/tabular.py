"""Streaming readers for uploaded tables (CSV and XLSX) with row numbers and per-row faults.

Memory stays bounded whatever the file size: CSV is decoded line by line (a line longer than
the limit refuses the file once that many bytes were read), XLSX is inspected first
(:func:`chengxin.workbook_limits.check_workbook`) and then read with openpyxl's read-only mode.
The limits are those in force (:func:`~chengxin.workbook_limits.limits_in_force`). Encodings:
UTF-8 (with or without BOM) and GB18030 (which covers GBK and GB2312), detected from the first
64 KiB; anything else is refused as a whole file.
Row numbers are what a clerk sees in a spreadsheet: the header is row 1.
"""

from __future__ import annotations

import codecs
import csv
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any, NamedTuple
from xml.etree.ElementTree import ParseError

from chengxin.workbook_limits import FileFault as FileFault  # noqa: PLC0414  # re-exported
from chengxin.workbook_limits import Limits, check_workbook, current_limits

SAMPLE_BYTES = 64 * 1024
FORMATS = ("csv", "xlsx")


@dataclass(frozen=True)
class RowFault:
    """One row cannot be used; the import goes on."""

    row_no: int
    code: str
    message: str
    field: str | None = None


class Row(NamedTuple):
    """A data row as canonical field name → text."""

    row_no: int
    values: dict[str, str]


_FORMAT_NAMES = {"csv": "CSV (.csv)", "xlsx": "Excel (.xlsx)", "jsonl": "JSON Lines (.jsonl)"}


def format_for(
    filename: str | None, content_type: str | None = None, *, allowed: Sequence[str] = FORMATS
) -> str:
    """``csv``, ``xlsx`` or ``jsonl`` (when allowed) from a file name or media type; FileFault
    otherwise."""
    name = (filename or "").lower()
    ctype = (content_type or "").split(";")[0].strip().lower()
    found = None
    if name.endswith(".xlsx") or ctype.endswith("spreadsheetml.sheet"):
        found = "xlsx"
    elif name.endswith((".jsonl", ".ndjson")) or ctype in (
        "application/x-ndjson",
        "application/jsonl",
    ):
        found = "jsonl"
    elif name.endswith((".csv", ".txt")) or ctype in ("text/csv", "text/plain"):
        found = "csv"
    if found is None or found not in allowed:
        names = " or ".join(_FORMAT_NAMES[f] for f in allowed)
        raise FileFault("file-format-unsupported", f"upload {names} files")
    return found


def detect_encoding(sample: bytes) -> str:
    """``utf-8-sig`` or ``gb18030``: the one that decodes more lines of the sample (UTF-8 on a tie).

    A stray bad line does not decide the file's encoding (it becomes a rejected row); UTF-16/32,
    binary data, or a sample that neither decodes for the most part are refused as a whole.
    """
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in sample:
        raise FileFault("encoding-unsupported", "the file is UTF-16/32 or binary; save it as UTF-8")
    lines = sample.split(b"\n")
    if len(lines) > 1 and len(sample) >= SAMPLE_BYTES:
        lines = lines[:-1]  # the last line of a full sample may be cut mid-character
    scores = {}
    for encoding in ("utf-8-sig", "gb18030"):
        good = 0
        for line in lines:
            try:
                line.decode(encoding)
            except UnicodeDecodeError:
                continue
            good += 1
        scores[encoding] = good
    best = max(scores, key=lambda e: (scores[e], e == "utf-8-sig"))
    if scores[best] * 2 <= len(lines):
        raise FileFault("encoding-unsupported", "the file is neither UTF-8 nor GB18030 (GBK) text")
    return best


@dataclass(frozen=True)
class RowParser:
    """Turns one raw data row into a :class:`Row` or :class:`RowFault`. Picklable, so worker
    processes can parse while the reading process only splits the file into raw rows."""

    file_format: str
    encoding: str | None
    positions: tuple[tuple[str, int], ...]
    max_field_chars: int
    text_only: frozenset[str]

    def parse(self, row_no: int, raw: Any) -> Row | RowFault | None:
        """A CSV line (bytes) or XLSX cells; None for a blank line (not a row)."""
        if self.file_format == "xlsx":
            return self._row(row_no, raw)
        try:
            line = raw.decode(self.encoding)
        except UnicodeDecodeError:
            return RowFault(row_no, "row-encoding", f"row is not valid {self.encoding} text")
        if not line.strip():
            return None
        if '"' not in line:  # no quoting: splitting on commas is exactly what CSV means
            cells = line.split(",")
        else:
            try:
                cells = next(csv.reader([line]))
            except csv.Error:
                return RowFault(row_no, "row-malformed", "the row is not valid CSV")
        return self._text_row(row_no, cells)

    def _text_row(self, row_no: int, cells: list[str]) -> Row | RowFault:
        """CSV cells are text already: the common case, kept lean."""
        values: dict[str, str] = {}
        count = len(cells)
        limit = self.max_field_chars
        for name, position in self.positions:
            text = cells[position].strip() if position < count else ""
            if len(text) > limit:
                return RowFault(row_no, "field-too-long", f"longer than {limit} characters", name)
            values[name] = text
        return Row(row_no, values)

    def _row(self, row_no: int, cells: Sequence[Any]) -> Row | RowFault:
        values: dict[str, str] = {}
        for name, position in self.positions:
            cell = cells[position] if position < len(cells) else None
            if (
                name in self.text_only
                and isinstance(cell, int | float)
                and not isinstance(cell, bool)
            ):
                return RowFault(
                    row_no,
                    "cell-not-text",
                    "store this column as text in Excel: long numbers lose digits",
                    name,
                )
            text = _cell_text(cell)
            if len(text) > self.max_field_chars:
                return RowFault(
                    row_no, "field-too-long", f"longer than {self.max_field_chars} characters", name
                )
            values[name] = text
        return Row(row_no, values)


class TableReader:
    """Iterate rows of a CSV or XLSX file, mapping headers (with aliases) to canonical names.

    ``raw_rows()`` only splits the file (the header is read and mapped on the way, which sets
    ``parser``); iterating the reader parses too. Parallel imports parse in worker processes.
    """

    def __init__(
        self,
        path: Path,
        file_format: str,
        *,
        columns: Mapping[str, Sequence[str]],
        required: Sequence[str],
        max_field_chars: int,
        text_only: Sequence[str] = (),
        strict: bool = False,
        ignored: Sequence[str] = (),
        limits: Limits | None = None,
    ) -> None:
        if file_format not in FORMATS:
            raise FileFault("file-format-unsupported", "upload CSV (.csv) or Excel (.xlsx) files")
        self.path = path
        self.file_format = file_format
        self.columns = columns
        self.required = required
        self.max_field_chars = max_field_chars
        self.text_only = frozenset(text_only)
        # strict: a column that maps to nothing is a file fault (data must not land nowhere),
        # except the ``ignored`` titles.
        self.strict = strict
        self.ignored = frozenset(t.lower() for t in ignored)
        self.limits = limits or current_limits()
        self.header: list[tuple[str, str | None]] = []  # (title as sent, canonical name)
        self.encoding: str | None = None
        self.parser: RowParser | None = None

    def _map_header(self, header: Sequence[str]) -> RowParser:
        lookup = {
            alias.strip().lower(): name
            for name, aliases in self.columns.items()
            for alias in (name, *aliases)
        }
        positions: dict[str, int] = {}
        unknown: list[str] = []
        for position, title in enumerate(header):
            clean = str(title or "").strip().lstrip("\ufeff")
            name = lookup.get(clean.lower())
            if name is not None and name not in positions:
                positions[name] = position
            elif name is None and clean and clean.lower() not in self.ignored:
                unknown.append(clean)
            self.header.append((clean, name if positions.get(name or "") == position else None))
        missing = [name for name in self.required if name not in positions]
        if missing:
            raise FileFault(
                "header-missing-column", f"the header lacks column(s): {', '.join(missing)}"
            )
        if self.strict and unknown:
            shown = ", ".join(title[:40] for title in unknown[:10])
            raise FileFault("header-unknown-column", f"the header has unknown column(s): {shown}")
        self.parser = RowParser(
            self.file_format,
            self.encoding,
            tuple(positions.items()),
            self.max_field_chars,
            self.text_only,
        )
        return self.parser

    def __iter__(self) -> Iterator[Row | RowFault]:
        for row_no, raw in self.raw_rows():
            assert self.parser is not None  # noqa: S101  # set by raw_rows before the first row
            item = self.parser.parse(row_no, raw)
            if item is not None:
                yield item

    def raw_rows(self) -> Iterator[tuple[int, Any]]:
        """(row number, raw row) for every data row; the header is mapped on the way."""
        if self.file_format == "csv":
            return self._csv_raw()
        return self._xlsx_raw()

    def _csv_raw(self) -> Iterator[tuple[int, bytes]]:
        with self.path.open("rb") as handle:
            self.encoding = detect_encoding(handle.read(SAMPLE_BYTES))
            handle.seek(0)
            header_seen = False
            lines = read_lines(handle, self.limits.max_row_bytes)
            for row_no, raw in enumerate(lines, start=1):
                if header_seen:
                    yield row_no, raw
                    continue
                try:
                    line = raw.decode(self.encoding).lstrip("\ufeff")
                except UnicodeDecodeError:
                    raise FileFault(
                        "encoding-unsupported", "the header is not valid text"
                    ) from None
                if not line.strip():
                    continue
                try:
                    header = next(csv.reader([line]))
                except csv.Error:
                    raise FileFault(
                        "header-missing-column", "the header is not valid CSV"
                    ) from None
                self._map_header(header)
                header_seen = True
            if not header_seen:
                raise FileFault("header-missing-column", "the file is empty")

    def _xlsx_raw(self) -> Iterator[tuple[int, tuple[Any, ...]]]:
        from openpyxl import load_workbook  # noqa: PLC0415  # only XLSX uploads pay for it

        check_workbook(self.path, self.limits)
        try:
            book = load_workbook(self.path, read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError, ParseError) as exc:
            raise FileFault("file-unreadable", "the file is not a readable .xlsx workbook") from exc
        try:
            sheet = book.worksheets[0]
            # Rows as wide as their last cell, not as the sheet's declared dimension (which may
            # claim 16,384 columns); only the mapped columns travel on (chunks hold 1000s of rows).
            sheet.reset_dimensions()
            width = 0
            header_seen = False
            for row_no, cells in enumerate(_sheet_rows(sheet), start=1):
                if all(cell is None or str(cell).strip() == "" for cell in cells):
                    continue
                if not header_seen:
                    parser = self._map_header([_cell_text(c) for c in cells])
                    width = max((position for _, position in parser.positions), default=-1) + 1
                    header_seen = True
                    continue
                yield row_no, tuple(cells[:width])
            if not header_seen:
                raise FileFault("header-missing-column", "the first sheet is empty")
        finally:
            book.close()


def _sheet_rows(sheet: Any) -> Iterator[tuple[Any, ...]]:
    """The sheet's rows as values; a sheet that turns out malformed is a file fault."""
    try:
        yield from sheet.iter_rows(values_only=True)
    except (ParseError, KeyError, ValueError, TypeError, IndexError) as exc:
        raise FileFault("file-unreadable", "the sheet is not readable") from exc


def read_lines(handle: IO[bytes], limit: int) -> Iterator[bytes]:
    """The lines of a file without their line ends; a line longer than ``limit`` bytes refuses
    the file (FileFault ``row-too-long``) once ``limit`` bytes of it were read, never more."""
    line_no = 0
    while raw := handle.readline(limit + 2):
        line_no += 1
        line = raw.rstrip(b"\r\n")
        if len(line) > limit:
            raise FileFault("row-too-long", f"line {line_no} is longer than {limit} bytes")
        yield line


def _cell_text(cell: Any) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, datetime | date):
        return cell.isoformat()
    return str(cell).strip()
