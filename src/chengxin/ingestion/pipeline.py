"""Validated chunks: rows decoded and checked against the catalog, in-process or in workers.

Decoding and catalog validation are pure CPU work (CSV parsing, GB 11643, dates, fields, two
HMACs per row) and take most of a row's time in CPython, so large files spread them over worker
processes as the population import does (ADR 0006): the reading process splits the file into raw
rows, workers return results in file order, and the reading process does everything that touches
the database. Workers get the catalog, the provider's rights and the keyring once, at start.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, NamedTuple

from chengxin.catalog.schema import CatalogDocument
from chengxin.ingestion.messages import RowError
from chengxin.ingestion.reading import Decoder, FileSource, SourceRow
from chengxin.ingestion.validation import Candidate, Context, Revocation, validate
from chengxin.keys.keyring import Keyring
from chengxin.tabular import RowFault

Result = Candidate | Revocation | list[RowError]
DEFAULT_CHUNK_BYTES = 8 * 1024 * 1024  # Settings.ingest_chunk_bytes


class Chunk(NamedTuple):
    """Results of consecutive rows in file order; ``last_row`` is the cursor after them."""

    last_row: int
    results: list[tuple[int, Result]]
    raw_of: Callable[[int], Any]  # the row as sent, for rows that end up rejected


def check(ctx: Context, item: SourceRow | RowFault) -> Result:
    """One decoded row against the catalog (or its decoding fault)."""
    if isinstance(item, RowFault):
        return [RowError(item.code, item.field)]
    return validate(ctx, item.row_no, item.values, item.fields)


_worker_ctx: Context | None = None


def _init_worker(catalog_json: str, keys: str, options: dict[str, Any]) -> None:
    global _worker_ctx  # noqa: PLW0603  # one context per worker process, set once
    _worker_ctx = Context.build(
        CatalogDocument.model_validate_json(catalog_json), ring=Keyring.from_json(keys), **options
    )


def _context_args(ctx: Context) -> tuple[str, str, dict[str, Any]]:
    options = {
        "organization_kind": ctx.organization_kind,
        "department": ctx.department,
        "today": ctx.today,
        "provider_id": ctx.provider_id,
        "batch_id": ctx.batch_id,
        "received_at": ctx.received_at,
        "copy_format": ctx.copy_format,
    }
    return ctx.catalog.model_dump_json(by_alias=True), ctx.ring.to_json(), options


def check_rows(
    decoder: Decoder, items: list[tuple[int, Any]], ctx: Context | None = None
) -> list[tuple[int, Result, Any]]:
    """Decode and check raw rows; rejected rows carry the row as sent (small: rejections)."""
    ctx = ctx or _worker_ctx
    assert ctx is not None  # noqa: S101  # set by the initializer in workers
    out: list[tuple[int, Result, Any]] = []
    for row_no, raw in items:
        item = decoder.decode(row_no, raw)
        if item is None:
            continue
        result = check(ctx, item)
        # Only a rejected row travels back as sent (for the rejected-rows download).
        sent = item.raw if isinstance(item, SourceRow) and isinstance(result, list) else None
        out.append((row_no, result, sent))
    return out


def raw_size(raw: Any) -> int:
    """About how many bytes a raw row holds: a line's bytes; a sheet row's text (non-ASCII text
    counted at 3 bytes a character, as in UTF-8), 8 for any other cell value."""
    if isinstance(raw, bytes):
        return len(raw)
    if isinstance(raw, str):
        return len(raw) if raw.isascii() else 3 * len(raw)
    if isinstance(raw, tuple | list):
        return sum(raw_size(cell) if isinstance(cell, str | bytes) else 8 for cell in raw)
    return 8


def raw_chunks(
    source: FileSource, chunk_rows: int, skip: int, chunk_bytes: int = DEFAULT_CHUNK_BYTES
) -> Iterator[list[tuple[int, Any]]]:
    """The raw rows after row ``skip`` in chunks of at most ``chunk_rows`` rows and at most
    ``chunk_bytes`` bytes (``raw_size``; a single longer row is a chunk of its own): with up to
    two chunks per worker in flight, long rows cannot make chunks of ``chunk_rows`` × the
    longest row."""
    chunk: list[tuple[int, Any]] = []
    size = 0
    for row_no, raw in source.raw_rows():
        if row_no <= skip:
            continue
        row_size = raw_size(raw)
        if chunk and size + row_size > chunk_bytes:
            yield chunk
            chunk, size = [], 0
        chunk.append((row_no, raw))
        size += row_size
        if len(chunk) >= chunk_rows or size >= chunk_bytes:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


def _chunk(
    decoder: Decoder, items: list[tuple[int, Any]], checked: list[tuple[int, Result, Any]]
) -> Chunk:
    kept = {row_no: raw for row_no, result, raw in checked if isinstance(result, list)}
    by_row = dict(items)

    def raw_of(row_no: int) -> Any:
        if row_no in kept:
            return kept[row_no]
        item = decoder.decode(row_no, by_row[row_no])  # rejected later (registry): decode again
        return item.raw if isinstance(item, SourceRow) else None

    return Chunk(items[-1][0], [(row_no, result) for row_no, result, _ in checked], raw_of)


def file_chunks(  # keyword-only bounds of one file's chunks
    source: FileSource,
    ctx: Context,
    *,
    chunk_rows: int,
    skip: int,
    workers: int,
    chunk_bytes: int = DEFAULT_CHUNK_BYTES,
) -> Iterator[Chunk]:
    """Chunks of a file after row ``skip``, each at most ``chunk_rows`` rows and ``chunk_bytes``
    bytes; ``workers`` > 0 checks them in processes, with at most two chunks per worker in
    flight (memory stays bounded: about 2 × ``workers`` × ``chunk_bytes`` of raw rows)."""
    if workers <= 0:
        for items in raw_chunks(source, chunk_rows, skip, chunk_bytes):
            decoder = source.decoder()
            yield _chunk(decoder, items, check_rows(decoder, items, ctx))
        return
    # spawn, not fork: the server process has threads, and a forked lock may never be released.
    initargs = _context_args(ctx)
    with ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_init_worker,
        initargs=initargs,
    ) as pool:
        pending: deque[tuple[Decoder, list[tuple[int, Any]], Future[Any]]] = deque()
        for items in raw_chunks(source, chunk_rows, skip, chunk_bytes):
            decoder = source.decoder()
            pending.append((decoder, items, pool.submit(check_rows, decoder, items)))
            while len(pending) >= 2 * workers:
                decoder, done, future = pending.popleft()
                yield _chunk(decoder, done, future.result())
        while pending:
            decoder, done, future = pending.popleft()
            yield _chunk(decoder, done, future.result())


def item_chunks(
    items: Iterable[SourceRow | RowFault], ctx: Context, *, chunk_rows: int, skip: int
) -> Iterator[Chunk]:
    """Chunks of already decoded rows (pushed JSON), checked in-process."""
    batch: list[SourceRow | RowFault] = []

    def flush() -> Chunk:
        raws = {i.row_no: i.raw for i in batch if isinstance(i, SourceRow)}
        return Chunk(batch[-1].row_no, [(i.row_no, check(ctx, i)) for i in batch], raws.get)

    for item in items:
        if item.row_no <= skip:
            continue
        batch.append(item)
        if len(batch) >= chunk_rows:
            yield flush()
            batch = []
    if batch:
        yield flush()
