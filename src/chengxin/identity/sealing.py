"""Validate and seal registry rows in chunks — in this process, or in worker processes.

Sealing (blind index, AES-256-GCM of three fields, fingerprint) and validation cost far more CPU
than the database needs to store a row. For large imports the reading process only splits the
file into raw rows; worker processes parse, validate and seal whole chunks and hand back rows
ready to store (COPY text lines for PostgreSQL), in file order. The reading process classifies
each chunk against the store and writes it (ADR 0006).
"""

from __future__ import annotations

import multiprocessing
import uuid
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from chengxin.errors import DomainError
from chengxin.identity import idnumber, rules
from chengxin.identity import service as identity_service
from chengxin.keys.keyring import Keyring
from chengxin.tabular import Row, RowFault, RowParser, TableReader

_worker_ring: Keyring | None = None


def validate_row(row: Row, *, today: date | None = None) -> identity_service.PersonIn | RowFault:
    """One registry row → a person, or the first fault with its column."""
    values = row.values
    field_name = "id_number"
    try:
        parsed = idnumber.parse(values["id_number"], today=today)
        field_name = "name"
        name = rules.normalize_name(values["name"])
        field_name = "phone"
        phone = rules.normalize_phone(values.get("phone"))
        field_name = "region_code"
        region = rules.normalize_region(values.get("region_code"))
    except DomainError as exc:
        return RowFault(row.row_no, exc.code, exc.title, field_name)
    return identity_service.PersonIn(parsed=parsed, name=name, phone=phone, region_code=region)


@dataclass
class SealedChunk:
    """A chunk of rows, validated and sealed; persons keep file order."""

    faults: list[RowFault] = field(default_factory=list)
    # Normalised fields, to re-seal the few rows a re-import finds changed.
    persons: list[tuple[str, str, str | None, str | None]] = field(default_factory=list)
    subject_ids: list[str] = field(default_factory=list)  # canonical text form
    digests: list[bytes] = field(default_factory=list)
    copy_lines: list[bytes] = field(default_factory=list)  # PostgreSQL COPY text
    rows: list[tuple[Any, ...]] = field(default_factory=list)  # elsewhere: column values

    @property
    def size(self) -> int:
        """Data rows in the chunk."""
        return len(self.persons) + len(self.faults)


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bytes):
        return "\\\\x" + value.hex()
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).translate(_COPY_ESCAPES)


def copy_line(row: tuple[Any, ...]) -> bytes:
    """One row in PostgreSQL's COPY text format."""
    return ("\t".join(map(_copy_text, row)) + "\n").encode("utf-8")


_NULL = "\\N"
_BYTEA = "\\\\x"  # a bytea in hex, its backslash escaped for COPY text


def subject_copy_line(row: tuple[Any, ...], stamp: str) -> bytes:
    """A sealed subject row (``identity.service.COLUMNS``) as a COPY text line, fast: every
    field is a code, a number, a date or hex, so nothing needs escaping; ``stamp`` is the
    pre-formatted creation time shared by the chunk."""
    (sid, id_ct, name_ct, phone_ct, key_id, birth_on, sex, address, region, prefecture,
     in_registry, digest, version, _created, _updated) = row  # fmt: skip
    phone = _BYTEA + phone_ct.hex() if phone_ct is not None else _NULL
    flag = "t" if in_registry else "f"
    return (
        f"{sid}\t{_BYTEA}{id_ct.hex()}\t{_BYTEA}{name_ct.hex()}\t{phone}\t{key_id}"
        f"\t{birth_on.isoformat()}\t{sex}\t{address}\t{region or _NULL}\t{prefecture or _NULL}"
        f"\t{flag}\t{_BYTEA}{digest.hex()}\t{version}\t{stamp}\t{stamp}\n"
    ).encode("ascii")


def seal_chunk(
    parser: RowParser,
    items: list[tuple[int, Any]],
    now: datetime,
    *,
    copy_format: bool,
    ring: Keyring | None = None,
) -> SealedChunk:
    """Parse, validate and seal raw rows (in a worker, ``ring`` comes from its initializer)."""
    ring = ring or _worker_ring
    if ring is None:
        msg = "seal_chunk needs a keyring"
        raise RuntimeError(msg)
    chunk = SealedChunk()
    stamp = now.isoformat()
    today = date.today()  # noqa: DTZ011  # birth dates are civil dates, compared as such
    for row_no, raw in items:
        row = parser.parse(row_no, raw)
        if row is None:
            continue
        person = row if isinstance(row, RowFault) else validate_row(row, today=today)
        if isinstance(person, RowFault):
            chunk.faults.append(person)
            continue
        blind = ring.blind(b"id-number", person.parsed.number)
        sid = uuid.UUID(bytes=blind[:16])
        digest = identity_service.registry_digest(ring, person)
        sealed = identity_service.sealed_row(ring, person, sid, digest, now)
        chunk.persons.append((person.parsed.number, person.name, person.phone, person.region_code))
        chunk.subject_ids.append(str(sid))
        chunk.digests.append(digest)
        if copy_format:
            chunk.copy_lines.append(subject_copy_line(sealed, stamp))
        else:
            chunk.rows.append(sealed)
    return chunk


def _init_worker(keyring_json: str) -> None:
    global _worker_ring  # noqa: PLW0603  # one keyring per worker process, set once
    _worker_ring = Keyring.from_json(keyring_json)


def sealed_chunks(
    reader: TableReader,
    ring: Keyring,
    now: datetime,
    *,
    batch_rows: int,
    workers: int,
    copy_format: bool,
) -> Iterator[SealedChunk]:
    """Chunks of ``batch_rows`` raw rows, sealed in order; ``workers`` > 0 uses processes.

    At most two chunks per worker are in flight, so memory stays bounded by the batch size.
    """
    if workers <= 0:
        for items in _raw_chunks(reader, batch_rows):
            yield seal_chunk(_parser(reader), items, now, copy_format=copy_format, ring=ring)
        return
    # spawn, not fork: the server process has threads, and a forked lock may never be released.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_init_worker, initargs=(ring.to_json(),)
    ) as pool:
        pending: deque[Future[SealedChunk]] = deque()
        for items in _raw_chunks(reader, batch_rows):
            pending.append(
                pool.submit(seal_chunk, _parser(reader), items, now, copy_format=copy_format)
            )
            while len(pending) >= 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _parser(reader: TableReader) -> RowParser:
    if reader.parser is None:  # raw_rows() maps the header before the first row
        msg = "the header has not been read"
        raise RuntimeError(msg)
    return reader.parser


def _raw_chunks(reader: TableReader, batch_rows: int) -> Iterator[list[tuple[int, Any]]]:
    chunk: list[tuple[int, Any]] = []
    for item in reader.raw_rows():
        chunk.append(item)
        if len(chunk) >= batch_rows:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
