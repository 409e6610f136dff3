"""Bounds on what reading an uploaded file may cost, and the XLSX inspection done before opening.

openpyxl's read-only mode streams a worksheet's rows, but not everything: it loads the shared
strings whole, builds each row element whole, keeps every element outside the rows (and an emptied
element per row) until the sheet ends, and parses the other parts (styles, workbook) whole. A zip
bomb or a crafted workbook therefore makes it hold gigabytes (issue 23). :func:`check_workbook`
refuses such a workbook before openpyxl opens it, reading only what the limits allow:

1. the zip's end-of-directory record: the number of entries and the directory's size;
2. the directory: the total unzipped size and each entry's compression ratio;
3. each part openpyxl parses whole (content types, workbook, styles, …) is small;
4. the shared strings and every worksheet are scanned with expat, streaming, for the count of
   strings, the rows and the elements openpyxl keeps, the width and bytes of each row.

A refusal is a :class:`~chengxin.tabular.FileFault` with a stable code.
"""

from __future__ import annotations

import struct
import zipfile
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, fields
from pathlib import Path
from typing import IO, Any
from xml.parsers import expat

from chengxin.settings import Settings

MIB = 1024**2
SHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_ROW, _CELL, _SI = f"{SHEET_NS} row", f"{SHEET_NS} c", f"{SHEET_NS} si"
_RATIO_FLOOR = MIB  # entries smaller than this may compress as well as they like
_SCAN_BLOCK = 64 * 1024
_END_RECORD, _ZIP64_RECORD = 22, 56  # bytes of the zip end-of-directory records


class FileFault(Exception):  # a fault, reported, not an unexpected error
    """The whole file cannot be read (encoding, format, header, limits)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def _default(field: str) -> Any:
    """The default of the setting ``ingest_<field>``: one place for each limit's value."""
    return Settings.model_fields[f"ingest_{field}"].default


@dataclass(frozen=True)
class Limits:
    """What one uploaded file may make a reader hold or do: each field is the setting
    ``ingest_<field>`` (defaults: the settings' defaults)."""

    max_row_bytes: int = _default("max_row_bytes")
    max_columns: int = _default("max_columns")
    xlsx_max_rows: int = _default("xlsx_max_rows")
    xlsx_max_entries: int = _default("xlsx_max_entries")
    xlsx_max_unzipped_bytes: int = _default("xlsx_max_unzipped_bytes")
    xlsx_max_ratio: int = _default("xlsx_max_ratio")
    xlsx_max_part_bytes: int = _default("xlsx_max_part_bytes")
    xlsx_max_shared_strings: int = _default("xlsx_max_shared_strings")
    xlsx_max_shared_strings_bytes: int = _default("xlsx_max_shared_strings_bytes")

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(**{f.name: getattr(settings, f"ingest_{f.name}") for f in fields(cls)})


_LIMITS: ContextVar[Limits] = ContextVar("chengxin_read_limits", default=Limits())  # noqa: B039


def current_limits() -> Limits:
    """The limits readers apply in this context (the defaults unless a caller set others)."""
    return _LIMITS.get()


@contextmanager
def limits_in_force(limits: Limits) -> Any:
    """Readers created inside the block apply ``limits`` (a route sets the configured ones)."""
    token = _LIMITS.set(limits)
    try:
        yield limits
    finally:
        _LIMITS.reset(token)


def _directory_counts(handle: IO[bytes]) -> tuple[int, int]:
    """Entries and central-directory bytes from the end record (zip64 too), before any of the
    directory is read: a directory of millions of entries would be millions of objects."""
    handle.seek(0, 2)
    size = handle.tell()
    tail_len = min(size, _END_RECORD + 65535)
    handle.seek(size - tail_len)
    tail = handle.read(tail_len)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < _END_RECORD:
        raise FileFault("file-unreadable", "the file is not a readable .xlsx workbook")
    entries, directory = struct.unpack("<HI", tail[at + 10 : at + 16])
    locator = at - 20
    if locator >= 0 and tail[locator : locator + 4] == b"PK\x06\x07":
        (record_at,) = struct.unpack("<Q", tail[locator + 8 : locator + 16])
        handle.seek(record_at)
        record = handle.read(_ZIP64_RECORD)
        if len(record) == _ZIP64_RECORD and record[:4] == b"PK\x06\x06":
            entries, directory = struct.unpack("<QQ", record[32:48])
    return entries, directory


def _fault_unreadable() -> FileFault:
    return FileFault("file-unreadable", "the file is not a readable .xlsx workbook")


def check_workbook(path: Path, limits: Limits | None = None, *, scan: bool = True) -> None:
    """Refuse (FileFault) a workbook that opening or reading would make too large; read only
    what the limits allow. A workbook that passes is read by openpyxl within the limits.

    ``scan=False`` checks the zip directory and the small parts only (milliseconds: what a route
    does before it opens a batch); the reader scans the shared strings and sheets as well."""
    limits = limits or current_limits()
    try:
        with path.open("rb") as handle:
            entries, directory = _directory_counts(handle)
    except OSError as exc:
        raise _fault_unreadable() from exc
    if entries > limits.xlsx_max_entries or directory > limits.xlsx_max_entries * 1024:
        raise FileFault(
            "xlsx-too-many-entries", f"the workbook has more than {limits.xlsx_max_entries} parts"
        )
    try:
        with zipfile.ZipFile(path) as archive:
            _check_archive(archive, limits, scan=scan)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, OSError, ValueError) as exc:
        raise _fault_unreadable() from exc
    except (SyntaxError, expat.ExpatError, TypeError, AttributeError) as exc:
        # openpyxl's own parsers on the small parts: malformed XML or a missing element
        raise _fault_unreadable() from exc


def _sizes_of(infos: list[zipfile.ZipInfo], limits: Limits) -> dict[str, int]:
    """Each part's unzipped size, as the directory states it (zipfile never unzips more)."""
    if len(infos) > limits.xlsx_max_entries:
        raise FileFault(
            "xlsx-too-many-entries", f"the workbook has more than {limits.xlsx_max_entries} parts"
        )
    sizes: dict[str, int] = {}
    for info in infos:
        sizes[info.filename] = info.file_size
        if info.file_size > _RATIO_FLOOR and info.file_size > limits.xlsx_max_ratio * max(
            info.compress_size, 1
        ):
            raise FileFault(
                "xlsx-compression-ratio",
                f"a part of the workbook unzips to more than {limits.xlsx_max_ratio} times its "
                "size (a zip bomb?)",
            )
    if sum(info.file_size for info in infos) > limits.xlsx_max_unzipped_bytes:
        raise FileFault(
            "xlsx-too-large",
            f"the workbook unzips to more than {limits.xlsx_max_unzipped_bytes // MIB} MiB; "
            "save it as CSV",
        )
    return sizes


def _check_archive(archive: zipfile.ZipFile, limits: Limits, *, scan: bool) -> None:
    sizes = _sizes_of(archive.infolist(), limits)
    strings, sheets = _parts_of(archive, sizes, limits)
    for name, size in sizes.items():
        if name not in sheets and name != strings and size > limits.xlsx_max_part_bytes:
            raise FileFault(
                "xlsx-too-large",
                f"a part of the workbook ({name[:60]}) is larger than "
                f"{limits.xlsx_max_part_bytes // MIB} MiB",
            )
    if strings is not None and sizes[strings] > limits.xlsx_max_shared_strings_bytes:
        raise FileFault(
            "xlsx-too-large",
            "the workbook's text table is larger than "
            f"{limits.xlsx_max_shared_strings_bytes // MIB} MiB; save it as CSV",
        )
    if not scan:
        return
    if strings is not None:
        with archive.open(strings) as source:
            _Scan(limits, strings=True).run(source)
    for name in sheets:
        with archive.open(name) as source:
            _Scan(limits, strings=False).run(source)


def _parts_of(
    archive: zipfile.ZipFile, sizes: dict[str, int], limits: Limits
) -> tuple[str | None, set[str]]:
    """The shared-strings part and the worksheets, found the way openpyxl finds them (content
    types, workbook, its relations: each checked small before it is parsed)."""
    from openpyxl.packaging.manifest import Manifest  # noqa: PLC0415
    from openpyxl.reader.excel import _find_workbook_part  # noqa: PLC0415
    from openpyxl.reader.workbook import WorkbookParser  # noqa: PLC0415
    from openpyxl.xml.constants import ARC_CONTENT_TYPES, SHARED_STRINGS  # noqa: PLC0415
    from openpyxl.xml.functions import fromstring  # noqa: PLC0415

    def small(name: str) -> str:
        if sizes.get(name, 0) > limits.xlsx_max_part_bytes:
            raise FileFault(
                "xlsx-too-large",
                f"a part of the workbook ({name[:60]}) is larger than "
                f"{limits.xlsx_max_part_bytes // MIB} MiB",
            )
        return name

    package = Manifest.from_tree(fromstring(archive.read(small(ARC_CONTENT_TYPES))))
    found = package.find(SHARED_STRINGS)
    strings = found.PartName[1:] if found is not None else None
    workbook = small(_find_workbook_part(package).PartName[1:])
    folder, _, leaf = workbook.rpartition("/")
    small(f"{folder}/_rels/{leaf}.rels" if folder else f"_rels/{leaf}.rels")
    parser = WorkbookParser(archive, workbook, keep_links=False)
    parser.parse()
    sheets = {rel.target for _, rel in parser.find_sheets() if "chartsheet" not in (rel.Type or "")}
    return (strings if strings in sizes else None), {s for s in sheets if s in sizes}


class _Scan:
    """One streaming pass over a worksheet or the shared strings with expat (C), counting what
    openpyxl would keep; stops at the first limit passed, having held one block."""

    def __init__(self, limits: Limits, *, strings: bool) -> None:
        self.limits = limits
        self.strings = strings
        self.unit = _SI if strings else _ROW  # a text of the table, or a row of the sheet
        self.parser = expat.ParserCreate(namespace_separator=" ")
        self.parser.StartElementHandler = self._start
        self.parser.EndElementHandler = self._end
        self.count = 0  # rows or texts, and the elements openpyxl keeps beside them
        self.cells = 0
        self.depth = 0
        self.unit_at: int | None = None  # where the current row or text began
        self.unit_depth = 0
        self.event_at = 0  # where the last element began or ended
        self.fed = 0

    def run(self, source: IO[bytes]) -> None:
        limit = self.limits.max_row_bytes
        while block := source.read(_SCAN_BLOCK):
            self.fed += len(block)
            self.parser.Parse(block, False)  # noqa: FBT003  # expat's signature
            if self.unit_at is not None and self.fed - self.unit_at > limit:
                raise self._too_long()
            if self.unit_at is None and self.fed - self.event_at > limit + _SCAN_BLOCK:
                raise FileFault(
                    "xlsx-element-too-large",
                    f"an element of the workbook is longer than {limit} bytes",
                )
        self.parser.Parse(b"", True)  # noqa: FBT003

    def _too_long(self) -> FileFault:
        what = "a text of the workbook" if self.strings else "a row"
        return FileFault("row-too-long", f"{what} is longer than {self.limits.max_row_bytes} bytes")

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        self.depth += 1
        self.event_at = at = self.parser.CurrentByteIndex
        if self.unit_at is not None:  # inside a row or text: bounded by its bytes
            if at - self.unit_at > self.limits.max_row_bytes:
                raise self._too_long()
            if not self.strings and name == _CELL and self.depth == self.unit_depth + 1:
                self.cells += 1
                column = _column_of(attrs.get("r"), self.cells)
                if max(self.cells, column) > self.limits.max_columns:
                    raise FileFault(
                        "row-too-wide", f"a row has more than {self.limits.max_columns} columns"
                    )
        elif name == self.unit:
            self.count += 1
            number = self.count if self.strings else _row_number(attrs.get("r"), self.count)
            self._check_count(max(number, self.count))
            self.unit_at, self.unit_depth, self.cells = at, self.depth, 0
        elif self.depth > 1:  # kept by openpyxl until the part ends
            self.count += 1
            self._check_count(self.count)

    def _check_count(self, count: int) -> None:
        if self.strings and count > self.limits.xlsx_max_shared_strings:
            raise FileFault(
                "xlsx-too-many-shared-strings",
                f"the workbook holds more than {self.limits.xlsx_max_shared_strings} distinct "
                "texts; save it as CSV",
            )
        if not self.strings and count > self.limits.xlsx_max_rows:
            raise FileFault(
                "xlsx-too-many-rows",
                f"a sheet has more than {self.limits.xlsx_max_rows} rows (or other elements)",
            )

    def _end(self, _name: str) -> None:
        self.event_at = at = self.parser.CurrentByteIndex
        if self.unit_at is not None and self.depth == self.unit_depth:
            if at - self.unit_at > self.limits.max_row_bytes:
                raise self._too_long()
            self.unit_at = None
        self.depth -= 1


def _row_number(ref: str | None, default: int) -> int:
    if ref is None:
        return default
    try:
        return int(ref)
    except ValueError:
        raise _fault_unreadable() from None


_COLUMNS: dict[str, int] = {}


def _column_of(ref: str | None, default: int) -> int:
    """The column number of a cell reference (``AB12`` → 28); ``default`` without one."""
    if ref is None:
        return default
    letters = ref.rstrip("0123456789")
    found = _COLUMNS.get(letters)
    if found is not None:
        return found
    if len(letters) > 3:  # noqa: PLR2004  # beyond ZZZ (18,278)
        return 18_279
    if not letters.isalpha() or not letters.isascii():
        return default  # not a reference: openpyxl reports it
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    if len(_COLUMNS) < 20_000:  # noqa: PLR2004  # at most the 18,278 references of 3 letters
        _COLUMNS[letters] = number
    return number
