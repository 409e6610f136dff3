"""Hostile provider input is refused with a stable code, and the server's memory stays bounded.

Issue 23, finding 3: an XLSX zip bomb took the server from 450 MiB to 6,477 MiB, a 600 MiB
single-line CSV added 1.3 GiB, a 60 MiB push of ``{}`` items added 1.7 GiB. Each hostile file is
generated on the fly in the test's tmp directory and sent to a real server (granian, in a
subprocess: :mod:`tests.ingestion.hostile_server`) with the default limits. The test watches the
server process's resident memory while the request runs and fails as soon as it grows more than
``RSS_BOUND_MIB`` over what it was before; afterwards it checks the kernel's high-water mark
(``VmHWM``, reset before the request through ``/proc/<pid>/clear_refs``), so a spike between two
looks is caught too.
"""

from __future__ import annotations

import io
import json
import socket
import struct
import subprocess
import sys
import threading
import time
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from openpyxl import Workbook

from chengxin.catalog import service as catalog_service
from chengxin.ingestion import reading
from chengxin.ingestion.errors import BatchTooDeep, BatchTooManyValues
from chengxin.ingestion.routes import _records_of
from chengxin.keys.keyring import Keyring
from chengxin.organizations import service as organization_service
from chengxin.security.actor import system_actor
from chengxin.security.permissions import Permission
from chengxin.tabular import FileFault
from chengxin.workbook_limits import Limits, check_workbook, limits_in_force
from tests.ingestion.fixtures import HEADER, World, csv_data, tax_row

MIB = 1024**2
RSS_BOUND_MIB = 32  # the most a hostile request may add to the server's resident memory
REQUEST_SECONDS = 60
REPO = Path(__file__).resolve().parents[2]
SHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
UPLOADS = "/api/v1/ingestion/uploads"
PUSH = "/api/v1/ingestion/batches"
MEDIA_TYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}


# -- the server ------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    msg = f"no {field} for process {pid}"
    raise RuntimeError(msg)


class Sent:
    """A hostile request's answer and what it cost the server."""

    def __init__(self, response: httpx.Response, growth_mib: float) -> None:
        self.response = response
        self.growth_mib = growth_mib
        self.problem: dict[str, Any] = (
            response.json() if response.headers.get("content-type", "").endswith("json") else {}
        )

    @property
    def code(self) -> str:
        return str(self.problem.get("type", "")).rsplit("/", 1)[-1]


class HostileServer:
    def __init__(self, world: World, keyring: Keyring, tmp_path: Path) -> None:
        settings = world.runtime.settings
        keys = tmp_path / "server-keys.json"
        keys.write_text(keyring.to_json(), encoding="utf-8")
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = {
            "database_url": settings.resolved_database_url,
            "data_dir": str(tmp_path / "server"),
            "keys": str(keys),
            "port": self.port,
        }
        self.log = (tmp_path / "server.log").open("wb")
        self.process = subprocess.Popen(  # noqa: S603  # our interpreter, our test module
            [sys.executable, "-m", "tests.ingestion.hostile_server", json.dumps(config)],
            cwd=REPO,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.token = _token(world)
        self.people = world.people[:3]
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                msg = f"the server exited: {Path(self.log.name).read_text()[-2000:]}"
                raise RuntimeError(msg)
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        msg = "the server did not start"
        raise RuntimeError(msg)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()

    def post(self, path: str, body: Path | bytes, **params: str) -> httpx.Response:
        content: Any = body if isinstance(body, bytes) else _blocks(body)
        media_type = MEDIA_TYPES[params.get("filename", "push.json").rsplit(".", 1)[-1]]
        return httpx.post(
            self.url + path,
            params=params,
            content=content,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": media_type},
            timeout=REQUEST_SECONDS,
        )

    def warm_up(self) -> None:
        """Requests of every kind, so that the measured peak is not the first use of a path."""
        rows = [tax_row(p, f"W-{i}") for i, p in enumerate(self.people)]
        assert self.post(UPLOADS, csv_data(rows), filename="warm.csv").status_code == 201
        assert self.post(UPLOADS, _xlsx(rows), filename="warm.xlsx").status_code == 201
        assert self.post(PUSH, b'{"records": [{}]}').status_code == 201
        refused = self.post(UPLOADS, b"\xff\xfe\x00\x00", filename="warm.csv")
        assert refused.status_code == 422

    def send(self, path: str, body: Path | bytes, **params: str) -> Sent:
        """Send a hostile request; fail when the server's memory passes the bound meanwhile."""
        pid = self.process.pid
        Path(f"/proc/{pid}/clear_refs").write_text("5")  # the high-water mark restarts here
        base = _status_kib(pid, "VmRSS")
        answer: list[httpx.Response | BaseException] = []

        def request() -> None:
            try:
                answer.append(self.post(path, body, **params))
            except BaseException as exc:  # noqa: BLE001  # reported by the test thread
                answer.append(exc)

        thread = threading.Thread(target=request, daemon=True)
        thread.start()
        while thread.is_alive():
            grown = (_status_kib(pid, "VmRSS") - base) / 1024
            if grown > RSS_BOUND_MIB:
                self.process.kill()
                thread.join(timeout=10)
                pytest.fail(f"the server's memory grew by {grown:.0f} MiB (bound {RSS_BOUND_MIB})")
            time.sleep(0.01)
        (result,) = answer
        if isinstance(result, BaseException):
            raise result
        growth = (_status_kib(pid, "VmHWM") - base) / 1024
        print(f"{path} {params}: {result.status_code}, peak RSS +{growth:.1f} MiB")  # noqa: T201
        return Sent(result, growth)


def _token(world: World) -> str:
    with world.runtime.scope() as session:
        return organization_service.issue_token(
            session,
            world.tax_org_id,
            name="tax system",
            valid_days=1,
            permissions=[Permission.INGESTION_BATCH_SUBMIT, Permission.INGESTION_BATCH_READ],
            actor=system_actor("test"),
        ).secret


def _blocks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        while block := handle.read(MIB):
            yield block


@pytest.fixture
def server(world: World, keyring: Keyring, tmp_path: Path) -> Iterator[HostileServer]:
    running = HostileServer(world, keyring, tmp_path)
    try:
        running.warm_up()
        yield running
    finally:
        running.stop()


def _assert_bounded(sent: Sent) -> None:
    assert sent.growth_mib <= RSS_BOUND_MIB, f"peak RSS grew {sent.growth_mib:.0f} MiB"


# -- hostile files ---------------------------------------------------------------------------------


def _xlsx(rows: list[dict[str, str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(HEADER))
    for row in rows:
        sheet.append([row.get(h, "") for h in HEADER])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


class _Entry:
    """A zip entry given as its raw deflate stream (built without holding the unzipped bytes)."""

    def __init__(self, name: str, deflated: bytes | list[bytes], size: int, crc: int) -> None:
        self.name = name.encode()
        self.deflated = deflated if isinstance(deflated, list) else [deflated]
        self.size = size
        self.crc = crc

    @classmethod
    def of(cls, name: str, data: bytes) -> _Entry:
        packer = zlib.compressobj(6, zlib.DEFLATED, -15)
        return cls(name, packer.compress(data) + packer.flush(), len(data), zlib.crc32(data))

    @classmethod
    def repeated(cls, name: str, head: bytes, block: bytes, times: int, tail: bytes) -> _Entry:
        """``head + block * times + tail``, deflated once per distinct part: a zip bomb."""
        packer = zlib.compressobj(9, zlib.DEFLATED, -15)
        first = packer.compress(head) + packer.flush(zlib.Z_FULL_FLUSH)
        middle = packer.compress(block) + packer.flush(zlib.Z_FULL_FLUSH)
        last = packer.compress(tail) + packer.flush()
        crc = zlib.crc32(head)
        for _ in range(times):
            crc = zlib.crc32(block, crc)
        crc = zlib.crc32(tail, crc)
        return cls(
            name, [first, *([middle] * times), last], len(head + tail) + len(block) * times, crc
        )


def _write_zip(path: Path, entries: list[_Entry]) -> None:
    """A plain zip (deflate, no zip64) written by hand, so an entry may be a repeated stream."""
    directory = b""
    with path.open("wb") as out:
        for entry in entries:
            offset = out.tell()
            packed = sum(len(part) for part in entry.deflated)
            fields = (20, 0, 8, 0, 0, entry.crc, packed, entry.size, len(entry.name), 0)
            out.write(b"PK\x03\x04" + struct.pack("<HHHHHIIIHH", *fields) + entry.name)
            for part in entry.deflated:
                out.write(part)
            header = (20, 20, 0, 8, 0, 0, entry.crc, packed, entry.size, len(entry.name))
            header += (0, 0, 0, 0, 0, offset)
            directory += b"PK\x01\x02" + struct.pack("<HHHHHHIIIHHHHHII", *header) + entry.name
        start = out.tell()
        out.write(directory)
        count = len(entries)
        end = (0, 0, count, count, len(directory), start, 0)
        out.write(b"PK\x05\x06" + struct.pack("<HHHHIIH", *end))


def _workbook_with(path: Path, replace: dict[str, _Entry], rows: list[dict[str, str]]) -> Path:
    """A real workbook (openpyxl's parts) with some parts replaced or added."""
    with zipfile.ZipFile(io.BytesIO(_xlsx(rows))) as book:
        parts = {info.filename: book.read(info) for info in book.infolist()}
    if "xl/sharedStrings.xml" in replace:  # declared as openpyxl (and Excel) declare it
        parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
            b"</Types>",
            b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
            b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml" /></Types>',
        )
    entries = [replace.pop(name, None) or _Entry.of(name, data) for name, data in parts.items()]
    _write_zip(path, entries + list(replace.values()))
    return path


def _text_table(texts: Iterator[bytes] | list[bytes], count: int) -> bytes:
    body = b"".join(b"<si><t>" + t + b"</t></si>" for t in texts)
    head = f'<sst xmlns="{SHEET_NS}" count="{count}" uniqueCount="{count}">'.encode()
    return head + body + b"</sst>"


def _sheet(rows_xml: bytes) -> bytes:
    return (
        f'<worksheet xmlns="{SHEET_NS}"><sheetData>'.encode()
        + rows_xml
        + (b"</sheetData></worksheet>")
    )


def _header_row() -> bytes:
    cells = b"".join(
        b'<c t="inlineStr"><is><t>' + title.encode() + b"</t></is></c>" for title in HEADER
    )
    return b'<row r="1">' + cells + b"</row>"


def zip_bomb(tmp_path: Path, world: World) -> Path:
    """The shared strings unzip to 1 GiB (``<si><t>a</t></si>`` over and over) from ~1 MiB."""
    block = b"<si><t>a</t></si>" * (MIB // 17)
    head = f'<sst xmlns="{SHEET_NS}">'.encode()
    bomb = _Entry.repeated("xl/sharedStrings.xml", head, block, 1024 * MIB // len(block), b"</sst>")
    rows = [tax_row(world.people[0], "B-1")]
    return _workbook_with(tmp_path / "bomb.xlsx", {"xl/sharedStrings.xml": bomb}, rows)


def wide_row(tmp_path: Path) -> Path:
    """One row of 2,000,000 cells (numbers, so it does not compress like a bomb)."""
    cells = b"".join(b"<c><v>%d</v></c>" % i for i in range(2_000_000))
    sheet = _sheet(_header_row() + b'<row r="2">' + cells + b"</row>")
    replace = {"xl/worksheets/sheet1.xml": _Entry.of("xl/worksheets/sheet1.xml", sheet)}
    return _workbook_with(tmp_path / "wide.xlsx", replace, [])


def many_shared_strings(tmp_path: Path) -> Path:
    """1,500,000 distinct shared strings (33 MiB unzipped): more than openpyxl should hold."""
    count = 1_500_000
    table = _text_table([b"s%d" % i for i in range(count)], count)
    name = "xl/sharedStrings.xml"
    return _workbook_with(tmp_path / "strings.xlsx", {name: _Entry.of(name, table)}, [])


def single_line_csv(tmp_path: Path, size: int = 256 * MIB) -> Path:
    """No line end at all: one line of ``size`` bytes."""
    path = tmp_path / "one-line.csv"
    with path.open("wb") as out:
        out.write(",".join(HEADER).encode())
        block = b"a" * MIB
        for _ in range(size // MIB):
            out.write(block)
    return path


def huge_field_csv(tmp_path: Path, world: World, size: int = 128 * MIB) -> Path:
    """A good header and row, then a row whose quoted note is ``size`` bytes long."""
    path = tmp_path / "huge-field.csv"
    with path.open("wb") as out:
        out.write(csv_data([tax_row(world.people[0], "F-1")]))
        out.write(b'F-2,tax-arrears,x,x,x,2026-03-01,2026-01-15,2026-03-05,1,vat,"')
        block = b"x" * MIB
        for _ in range(size // MIB):
            out.write(block)
        out.write(b'",,\n')
    return path


# -- the tests: one per hostile file ---------------------------------------------------------------


def test_an_xlsx_zip_bomb_is_refused_from_its_zip_directory(
    server: HostileServer, world: World, tmp_path: Path
) -> None:
    sent = server.send(UPLOADS, zip_bomb(tmp_path, world), filename="bomb.xlsx")
    assert sent.response.status_code == 422, sent.response.text
    assert sent.code == "xlsx-compression-ratio"
    _assert_bounded(sent)


def test_an_xlsx_row_of_two_million_cells_is_refused(server: HostileServer, tmp_path: Path) -> None:
    sent = server.send(UPLOADS, wide_row(tmp_path), filename="wide.xlsx")
    assert sent.response.status_code == 422, sent.response.text
    assert (sent.code, sent.problem["failure_code"]) == ("file-rejected", "row-too-wide")
    _assert_bounded(sent)


def test_an_xlsx_with_too_many_shared_strings_is_refused(
    server: HostileServer, tmp_path: Path
) -> None:
    sent = server.send(UPLOADS, many_shared_strings(tmp_path), filename="strings.xlsx")
    assert sent.response.status_code == 422, sent.response.text
    assert (sent.code, sent.problem["failure_code"]) == (
        "file-rejected",
        "xlsx-too-many-shared-strings",
    )
    _assert_bounded(sent)


def test_a_single_line_csv_is_refused_after_reading_the_row_limit(
    server: HostileServer, tmp_path: Path
) -> None:
    sent = server.send(UPLOADS, single_line_csv(tmp_path), filename="one-line.csv")
    assert sent.response.status_code == 422, sent.response.text
    assert (sent.code, sent.problem["failure_code"]) == ("file-rejected", "row-too-long")
    _assert_bounded(sent)


def test_a_csv_field_of_128_mib_is_refused(
    server: HostileServer, world: World, tmp_path: Path
) -> None:
    sent = server.send(UPLOADS, huge_field_csv(tmp_path, world), filename="huge-field.csv")
    assert sent.response.status_code == 422, sent.response.text
    assert (sent.code, sent.problem["failure_code"]) == ("file-rejected", "row-too-long")
    _assert_bounded(sent)


def test_a_push_of_a_million_empty_objects_is_refused_before_parsing(
    server: HostileServer,
) -> None:
    body = b'{"records": [' + b"{}," * 999_999 + b"{}]}"
    sent = server.send(PUSH, body)
    assert sent.response.status_code == 413, sent.response.text
    assert sent.code == "batch-too-many-values"
    _assert_bounded(sent)


def test_a_deeply_nested_push_is_refused(server: HostileServer) -> None:
    for depth in (40, 100_000):  # past the limit (32); past Python's recursion limit
        body = b'{"records": [' + b"[" * depth + b"]" * depth + b"]}"
        sent = server.send(PUSH, body)
        assert sent.response.status_code == 422, sent.response.text
        assert sent.code == "batch-too-deep"
        _assert_bounded(sent)


# -- the limits one by one, on the readers (no server) ---------------------------------------------


def _catalog(world: World) -> Any:
    with world.runtime.scope() as session:
        return catalog_service.active_document(session)[1]


def _read_all(path: Path, fmt: str, world: World, limits: Limits) -> list[Any]:
    with limits_in_force(limits):
        return list(reading.open_source(path, fmt, _catalog(world), max_field_chars=4000))


def _fault(call: Callable[[], Any]) -> str:
    with pytest.raises(FileFault) as caught:
        call()
    return caught.value.code


def test_a_workbook_with_too_many_parts_is_refused_from_the_end_record(tmp_path: Path) -> None:
    path = tmp_path / "parts.xlsx"
    _write_zip(path, [_Entry.of(f"x/{i}.xml", b"") for i in range(1001)])
    assert _fault(lambda: check_workbook(path, Limits())) == "xlsx-too-many-entries"


def test_workbook_limits_each_have_their_code(tmp_path: Path, world: World) -> None:
    rows = [tax_row(p, f"L-{i}") for i, p in enumerate(world.people[:5])]
    good = tmp_path / "good.xlsx"
    good.write_bytes(_xlsx(rows))
    check_workbook(good, Limits())
    assert len(_read_all(good, "xlsx", world, Limits())) == 5
    assert _fault(lambda: check_workbook(good, Limits(xlsx_max_rows=3))) == "xlsx-too-many-rows"
    assert _fault(lambda: check_workbook(good, Limits(max_columns=5))) == "row-too-wide"
    assert _fault(lambda: check_workbook(good, Limits(max_row_bytes=100))) == "row-too-long"
    name = "xl/sharedStrings.xml"
    texts = _Entry.of(name, _text_table([b"t%d" % i for i in range(20)], 20))
    strings = _workbook_with(tmp_path / "strings.xlsx", {name: texts}, rows)
    check_workbook(strings, Limits(xlsx_max_shared_strings=20))
    assert (
        _fault(lambda: check_workbook(strings, Limits(xlsx_max_shared_strings=19)))
        == "xlsx-too-many-shared-strings"
    )
    assert _fault(lambda: check_workbook(good, Limits(xlsx_max_part_bytes=100))) == "xlsx-too-large"
    assert (
        _fault(lambda: check_workbook(good, Limits(xlsx_max_unzipped_bytes=1000)))
        == "xlsx-too-large"
    )
    # the readers the service opens apply the limits in force
    with pytest.raises(FileFault) as caught:
        _read_all(good, "xlsx", world, Limits(xlsx_max_rows=3))
    assert caught.value.code == "xlsx-too-many-rows"
    not_a_zip = tmp_path / "not.xlsx"
    not_a_zip.write_bytes(b"PK\x03\x04 not really")
    assert _fault(lambda: check_workbook(not_a_zip, Limits())) == "file-unreadable"


def test_an_xlsx_row_reaches_the_reader_only_as_wide_as_its_mapped_columns(
    tmp_path: Path, world: World
) -> None:
    rows = [tax_row(world.people[0], "N-1")]
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(HEADER))
    sheet.append([rows[0].get(h, "") for h in HEADER])
    sheet.cell(row=2, column=1000, value="far away")  # unmapped, beyond the header
    path = tmp_path / "far.xlsx"
    book.save(path)
    source = reading.open_source(path, "xlsx", _catalog(world), max_field_chars=4000)
    raws = [raw for _, raw in source.raw_rows()]
    assert [len(raw) for raw in raws] == [len(HEADER)]


def test_text_lines_past_the_row_limit_refuse_the_file(tmp_path: Path, world: World) -> None:
    limits = Limits(max_row_bytes=2048)
    ok = tmp_path / "ok.csv"
    ok.write_bytes(csv_data([tax_row(world.people[0], "C-1", note="n" * 1000)]))
    assert len(_read_all(ok, "csv", world, limits)) == 1
    long = tmp_path / "long.csv"
    long.write_bytes(csv_data([tax_row(world.people[0], "C-1", note="n" * 3000)]))
    with pytest.raises(FileFault) as caught:
        _read_all(long, "csv", world, limits)
    assert caught.value.code == "row-too-long"
    lines = tmp_path / "long.jsonl"
    lines.write_bytes(b'{"source_id": "J-1"}\n{"note": "' + b"n" * 3000 + b'"}\n')
    with pytest.raises(FileFault) as caught:
        _read_all(lines, "jsonl", world, limits)
    assert caught.value.code == "row-too-long"
    nested = tmp_path / "nested.jsonl"
    nested.write_bytes(b"[" * 1500 + b"]" * 1500 + b"\n")
    (item,) = _read_all(nested, "jsonl", world, Limits())
    assert item.code == "row-malformed"  # RecursionError is a rejected row, not a crash


def test_push_values_are_counted_outside_strings_only_when_it_matters() -> None:
    body = json.dumps({"records": [{"note": "," * 50, "fields": {"a": [1, 2]}}] * 10}).encode()
    assert len(_records_of(body, max_values=100, max_depth=5)) == 10  # commas in strings: free
    with pytest.raises(BatchTooManyValues):
        _records_of(body, max_values=50, max_depth=5)
    with pytest.raises(BatchTooDeep):
        _records_of(body, max_values=100, max_depth=4)
