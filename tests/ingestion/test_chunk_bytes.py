"""Chunks of raw rows bounded by bytes as well as rows (issue 23): with rows up to
``ingest_max_row_bytes`` a chunk of ``ingest_chunk_rows`` rows could hold ~62 MiB, and two chunks
per worker process are in flight. A chunk is cut at ``ingest_chunk_bytes``; an ingest of long
rows cut that way still stores every row once, with a balanced receipt."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from chengxin.catalog.schema import CatalogDocument
from chengxin.ingestion import pipeline, reading
from chengxin.ingestion import service as ingestion_service
from chengxin.ingestion.models import IngestRejection
from chengxin.records.models import CreditRecord
from chengxin.settings import Settings
from tests.ingestion.fixtures import World, catalog_document, csv_data, ingest_bytes, tax_row

NOTE = "长" * 200  # the longest note the test catalog allows: 600 bytes in UTF-8
CHUNK_BYTES = 4096


def _long_rows(world: World, n: int) -> list[dict[str, str]]:
    return [
        tax_row(world.people[i % len(world.people)], f"L-{i}", amount=str(100 + i), note=NOTE)
        for i in range(n)
    ]


def _source(path: Path) -> reading.FileSource:
    catalog = CatalogDocument.model_validate(catalog_document())
    return reading.open_source(path, "csv", catalog, max_field_chars=4000)


def test_the_default_bound_is_eight_mebibytes() -> None:
    assert Settings().ingest_chunk_bytes == 8 * 1024 * 1024
    assert ingestion_service.Options().chunk_bytes == 8 * 1024 * 1024
    options = ingestion_service.Options.from_settings(Settings(ingest_chunk_bytes=1 << 20))
    assert options.chunk_bytes == 1 << 20


def test_long_rows_are_cut_into_chunks_by_bytes(world: World, tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_bytes(csv_data(_long_rows(world, 60)))
    chunks = list(pipeline.raw_chunks(_source(path), 1000, 0, CHUNK_BYTES))
    sizes = [sum(pipeline.raw_size(raw) for _, raw in chunk) for chunk in chunks]
    row_bytes = pipeline.raw_size(chunks[0][0][1])
    assert 700 < row_bytes < CHUNK_BYTES // 4  # each row is long; several fit a chunk
    assert len(chunks) > 10  # the rows' bound (1000) alone would make one chunk
    assert all(size <= CHUNK_BYTES for size in sizes), sizes
    # Cut only when the next row would not fit: every chunk but the last is nearly full.
    assert all(size > CHUNK_BYTES - row_bytes - 64 for size in sizes[:-1]), sizes
    assert [row_no for chunk in chunks for row_no, _ in chunk] == list(range(2, 62))


def test_the_row_bound_still_cuts_and_a_row_over_the_bytes_is_a_chunk_alone(
    world: World, tmp_path: Path
) -> None:
    path = tmp_path / "rows.csv"
    path.write_bytes(csv_data([tax_row(world.people[i], f"S-{i}") for i in range(10)]))
    by_rows = list(pipeline.raw_chunks(_source(path), 3, 0, CHUNK_BYTES))
    assert [len(chunk) for chunk in by_rows] == [3, 3, 3, 1]
    # A bound below one row: each row its own chunk, none lost; rows after ``skip`` only.
    tiny = list(pipeline.raw_chunks(_source(path), 1000, 4, 10))
    assert [[row_no for row_no, _ in chunk] for chunk in tiny] == [[n] for n in range(5, 12)]


def test_raw_size_of_sheet_rows_counts_their_text() -> None:
    assert pipeline.raw_size(b"abc") == 3
    assert pipeline.raw_size(("abc", None, 12, "长长")) == 3 + 8 + 8 + 6


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_an_ingest_of_long_rows_cut_by_bytes_stores_every_row_once(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    rows = _long_rows(world, 60)
    rows[7]["amount"] = "-5"  # rejected (below the minimum) in the second chunk
    rows[41]["姓名"] = "错名字"  # rejected by the registry check, in a later chunk
    if fmt == "csv":
        data = csv_data(rows)
    else:
        data = "\n".join(
            json.dumps(
                {
                    "source_id": r["源记录编号"],
                    "kind": r["信息事项代码"],
                    "id_number": r["身份证号码"],
                    "name": r["姓名"],
                    "document_no": r["决定文书号"],
                    "finding_date": r["认定日期"],
                    "act_date": r["行为日期"],
                    "notified_date": r["告知日期"],
                    "fields": {"amount": r["amount"], "tax_type": "vat", "note": NOTE},
                },
                ensure_ascii=False,
            )
            for r in rows
        ).encode()
    seen: list[list[int]] = []
    real = pipeline.raw_chunks

    def spy(*args: Any, **kwargs: Any) -> Iterator[list[tuple[int, Any]]]:
        for chunk in real(*args, **kwargs):
            assert sum(pipeline.raw_size(raw) for _, raw in chunk) <= CHUNK_BYTES
            seen.append([row_no for row_no, _ in chunk])
            yield chunk

    monkeypatch.setattr(pipeline, "raw_chunks", spy)
    options = ingestion_service.Options(chunk_rows=1000, chunk_bytes=CHUNK_BYTES, commit_rows=4)
    batch = ingest_bytes(world, data, tmp_path, fmt=fmt, options=options)
    assert len(seen) > 10
    first = 2 if fmt == "csv" else 1
    assert [n for chunk in seen for n in chunk] == list(range(first, first + 60))
    assert batch.status == "completed"
    assert batch.balanced
    assert (batch.submitted, batch.created, batch.rejected, batch.duplicates) == (60, 58, 2, 0)
    with world.runtime.scope() as session:
        stored = session.execute(
            select(CreditRecord.source_id, func.count())
            .where(CreditRecord.batch_id == batch.id)
            .group_by(CreditRecord.source_id)
        ).all()
        rejected = session.execute(
            select(IngestRejection.row_no).where(IngestRejection.batch_id == batch.id)
        ).scalars()
        assert sorted(rejected) == [first + 7, first + 41]
    assert sorted(stored) == sorted((f"L-{i}", 1) for i in range(60) if i not in (7, 41))
