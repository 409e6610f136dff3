"""A large load keeps PostgreSQL's statistics of credit_record abreast (ADR 0032): without them
each chunk's lookups by key turn into scans of the growing table."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from chengxin.ingestion.service import _intake
from tests.ingestion.fixtures import World, csv_data, ingest_bytes, tax_row

TUPLES = text("SELECT reltuples FROM pg_class WHERE oid = 'credit_record'::regclass")


@pytest.mark.postgresql  # SQLite plans these lookups by index whatever its statistics
def test_a_load_analyzes_the_table_as_it_grows(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_intake._Statistics, "FIRST", 20)  # the real one: 10,000 rows
    rows = [tax_row(world.people[i % len(world.people)], f"S-{i}") for i in range(90)]
    batch = ingest_bytes(world, csv_data(rows), tmp_path)
    assert (batch.created, batch.rejected) == (90, 0)
    with world.runtime.scope() as session:
        # Analyzed at 20 rows written (nothing known before), then once the load doubled it.
        assert session.execute(TUPLES).scalar_one() >= 40
