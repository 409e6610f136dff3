"""Validate and seal registry rows in chunks — in this process, or in worker processes.

Sealing (blind index, AES-256-GCM of three fields, fingerprint) and validation cost far more CPU
than the database needs to store a row. For large imports the reading process only splits the
file into raw rows; worker processes parse, validate and seal whole chunks and hand back rows
ready to store (COPY text lines for PostgreSQL), in file order. The reading process classifies
each chunk against the store and writes it (ADR 0006).
"""

from __future__ import annotations

import hashlib
import hmac
import multiprocessing
import os
import uuid
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from chengxin.errors import DomainError
from chengxin.identity import divisions, idnumber, rules
from chengxin.identity import service as identity_service
from chengxin.keys.keyring import NONCE_BYTES, Keyring
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
    (
        sid,
        id_ct,
        name_ct,
        phone_ct,
        key_id,
        birth_on,
        sex,
        address,
        region,
        prefecture,
        in_registry,
        digest,
        version,
        _created,
        _updated,
    ) = row
    phone = _BYTEA + phone_ct.hex() if phone_ct is not None else _NULL
    flag = "t" if in_registry else "f"
    return (
        f"{sid}\t{_BYTEA}{id_ct.hex()}\t{_BYTEA}{name_ct.hex()}\t{phone}\t{key_id}"
        f"\t{birth_on.isoformat()}\t{sex}\t{address}\t{region or _NULL}\t{prefecture or _NULL}"
        f"\t{flag}\t{_BYTEA}{digest.hex()}\t{version}\t{stamp}\t{stamp}\n"
    ).encode("ascii")


class Blinder:
    """``Keyring.blind`` for many values: the HMAC keyed once and copied per value (the one-shot
    call sets the key up again every time)."""

    def __init__(self, ring: Keyring) -> None:
        self.base = hmac.new(ring.blind_index_key, digestmod=hashlib.sha256)

    def blind(self, purpose: bytes, value: str) -> bytes:
        """HMAC-SHA256 of ``purpose``, a NUL and the value: what ``Keyring.blind`` gives."""
        h = self.base.copy()
        h.update(purpose + b"\x00" + value.encode("utf-8"))
        return h.digest()

    def subject_id_text(self, id_number: str) -> str:
        """``str(Keyring.subject_id(id_number))`` without the UUID object."""
        h = self.blind(b"id-number", id_number)[:16].hex()
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


class _Sealer:
    """The crypto of one chunk, batched: one AES-GCM object for the active key, the blind-index
    HMAC keyed once and copied per value, one ``os.urandom`` call for every nonce of the chunk.
    Its output is byte for byte what :func:`identity_service.sealed_row` and
    :func:`subject_copy_line` make (tests/identity/test_columnar.py)."""

    def __init__(
        self, ring: Keyring, now: datetime, rows: int, *, copy_format: bool, chunk: SealedChunk
    ) -> None:
        self.ring, self.now, self.copy_format, self.chunk = ring, now, copy_format, chunk
        self.kid = ring.active
        self.aes = AESGCM(ring.data_keys[self.kid])
        self.blind = Blinder(ring).blind
        self.nonces = os.urandom(3 * NONCE_BYTES * max(rows, 1))
        self.used = 0
        self.stamp = now.isoformat()

    def add(  # noqa: PLR0917  # one row's clear fields
        self,
        number: str,
        name: str,
        phone: str | None,
        region: str | None,
        birth_on: date,
        sex: str,
        prefecture: str | None,
    ) -> None:
        chunk, aes = self.chunk, self.aes
        blind = self.blind(b"id-number", number)
        sid_bytes = blind[:16]
        digest = self.blind(b"registry-row", "\x1f".join((name, phone or "", region or "")))
        at = self.used
        nonces = self.nonces[at : at + 3 * NONCE_BYTES]
        self.used = at + 3 * NONCE_BYTES
        n1, n2, n3 = nonces[:12], nonces[12:24], nonces[24:]
        prefix = sid_bytes + b":"  # identity.models.field_aad: the row and the field
        id_ct = n1 + aes.encrypt(n1, number.encode("utf-8"), prefix + b"id_number")
        name_ct = n2 + aes.encrypt(n2, name.encode("utf-8"), prefix + b"name")
        phone_ct = n3 + aes.encrypt(n3, phone.encode("utf-8"), prefix + b"phone") if phone else None
        h = sid_bytes.hex()
        sid = f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
        chunk.persons.append((number, name, phone, region))
        chunk.subject_ids.append(sid)
        chunk.digests.append(digest)
        if self.copy_format:
            stamp = self.stamp
            phone_text = _BYTEA + phone_ct.hex() if phone_ct is not None else _NULL
            chunk.copy_lines.append(
                (
                    f"{sid}\t{_BYTEA}{id_ct.hex()}\t{_BYTEA}{name_ct.hex()}\t{phone_text}"
                    f"\t{self.kid}\t{birth_on.isoformat()}\t{sex}\t{number[:6]}"
                    f"\t{region or _NULL}\t{prefecture or _NULL}\tt\t{_BYTEA}{digest.hex()}"
                    f"\t1\t{stamp}\t{stamp}\n"
                ).encode("ascii")
            )
            return
        chunk.rows.append(
            (
                uuid.UUID(bytes=sid_bytes),
                id_ct,
                name_ct,
                phone_ct,
                self.kid,
                birth_on,
                sex,
                number[:6],
                region,
                prefecture,
                True,
                digest,
                1,
                self.now,
                self.now,
            )
        )


def _decoded(parser: RowParser, items: list[tuple[int, Any]]) -> list[str | None] | None:
    """The chunk's CSV lines as text for the columnar checks (None: not CSV); a line that does
    not decode is None, left to the per-row path that names its fault."""
    if parser.file_format != "csv" or parser.encoding is None:
        return None
    encoding = parser.encoding
    lines: list[str | None] = []
    for _, raw in items:
        try:
            lines.append(raw.decode(encoding))
        except UnicodeDecodeError:
            lines.append(None)
    return lines


def seal_chunk(
    parser: RowParser,
    items: list[tuple[int, Any]],
    now: datetime,
    *,
    copy_format: bool,
    ring: Keyring | None = None,
) -> SealedChunk:
    """Parse, validate and seal raw rows (in a worker, ``ring`` comes from its initializer).

    Plainly valid CSV rows are checked together (:mod:`~chengxin.identity.columnar`); the rest,
    and XLSX rows, row by row through :func:`validate_row`, which names each fault."""
    ring = ring or _worker_ring
    if ring is None:
        msg = "seal_chunk needs a keyring"
        raise RuntimeError(msg)
    chunk = SealedChunk()
    sealer = _Sealer(ring, now, len(items), copy_format=copy_format, chunk=chunk)
    today = date.today()  # noqa: DTZ011  # birth dates are civil dates, compared as such
    lines = _decoded(parser, items)
    plain = None
    if lines is not None and items:
        # Imported here: the intake's workers use this module's Blinder and need no Polars.
        from chengxin.identity import columnar  # noqa: PLC0415

        plain = columnar.plain_rows(
            lines, dict(parser.positions), today=today, max_field_chars=parser.max_field_chars
        )
    for i, (row_no, raw) in enumerate(items):
        if plain is not None and plain.plain[i]:
            # A plain row has every field (columnar.plain_rows); the columns are typed Optional.
            fields = (plain.number[i], plain.name[i], plain.phone[i], plain.region[i])
            sealer.add(*fields, plain.birth_on[i], plain.sex[i], plain.prefecture[i])  # type: ignore[arg-type]
            continue
        row = parser.parse(row_no, raw)
        if row is None:
            continue
        person = row if isinstance(row, RowFault) else validate_row(row, today=today)
        if isinstance(person, RowFault):
            chunk.faults.append(person)
            continue
        parsed, region = person.parsed, person.region_code
        sealer.add(
            parsed.number,
            person.name,
            person.phone,
            region,
            parsed.birth_on,
            parsed.sex,
            divisions.prefecture_of(region or parsed.address_code),
        )
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
