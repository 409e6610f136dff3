"""Privacy at rest and in logs: no imported ID number or name appears as bytes anywhere."""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from litestar.testing import TestClient
from sqlalchemy import text

from chengxin.demo import loader
from chengxin.logs import configure_logging, redact
from chengxin.runtime import Runtime
from chengxin.security.permissions import Permission
from tests.helpers import auth, csv_bytes, people, person_rows
from tests.ingestion.fixtures import build_world, csv_data, ingest_bytes, tax_row


def _needles(persons) -> list[bytes]:  # type: ignore[no-untyped-def]
    out = []
    for p in persons:
        out.append(p.id_number.encode())
        out.append(p.name.encode("utf-8"))
        out.append(
            p.name.encode("utf-16-le")
        )  # SQLite may store text as UTF-16; we do not, but check
        out.append(p.phone.encode())
    return out


@pytest.mark.sqlite
def test_database_files_and_logs_hold_no_clear_identity(
    runtime: Runtime, client: TestClient, token_for, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def, type-arg]
    log_file = tmp_path / "logs" / "test.log"
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    configure_logging("DEBUG", json=True, log_file=log_file)
    try:
        summary = loader.load(runtime, people=60, enterprises=3)
        assert summary.inserted == 60
        token = token_for(
            Permission.IDENTITY_POPULATION_IMPORT,
            Permission.IDENTITY_PERSON_VERIFY,
            Permission.IDENTITY_SUBJECT_READ,
        )
        imported = people(40, seed=99)
        rows = person_rows(imported)
        response = client.post(
            "/api/v1/population/imports",
            params={"filename": "p.csv"},
            content=csv_bytes(rows),
            headers={**auth(token), "content-type": "text/csv"},
        )
        assert response.json()["inserted"] == 40
        p = imported[0]
        client.post(
            "/api/v1/identity/verify",
            json={"id_number": p.id_number, "name": p.name},
            headers=auth(token),
        )
        client.post("/api/v1/subjects/lookup", json={"id_number": p.id_number}, headers=auth(token))
        # A rejected credit record keeps the row for the provider's download: sealed, not clear.
        pusher = token_for(Permission.INGESTION_BATCH_SUBMIT)
        record = {
            "source_id": "P-1",
            "kind": "tax-arrears",
            "id_number": imported[1].id_number,
            "name": imported[1].name,
            "document_no": "D-1",
            "finding_date": "2026-01-02",
            "act_date": "2026-01-01",
            "notified_date": "2026-01-03",
        }
        receipt = client.post(
            "/api/v1/ingestion/batches", json={"records": [record]}, headers=auth(pusher)
        ).json()
        assert (receipt["rejected"], receipt["balanced"]) == (1, True)
        # An accident on purpose: a library logging an ID number is redacted by the formatter.
        logging.getLogger("some.library").warning("looked up %s", p.id_number)
    finally:
        for handler in root.handlers:
            handler.flush()
            if handler not in saved[0]:
                handler.close()
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    runtime.engine.dispose()  # keep the WAL: the test reads it too, if present
    db_path = Path(runtime.settings.resolved_database_url.removeprefix("sqlite:///"))
    blobs = {path.name: path.read_bytes() for path in db_path.parent.glob(db_path.name + "*")}
    blobs["log"] = log_file.read_bytes()
    from chengxin.demo import generator

    needles = _needles(imported) + _needles(generator.people(60))
    for name, blob in blobs.items():
        leaked = [n for n in needles if n in blob]
        assert not leaked, f"{name} holds {len(leaked)} clear identity values"
    assert b"4201" in blobs["log"] or b"**********" in blobs["log"]


def _pg_dump() -> str | None:
    """pg_dump on the PATH, or the newest Debian server's (its bin is not on the PATH)."""
    debian = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pg_dump"),
        key=lambda p: int(p.parts[-3].split(".")[0]),
    )
    return shutil.which("pg_dump") or (str(debian[-1]) if debian else None)


def _dumped_needles(persons) -> dict[bytes, str]:  # type: ignore[no-untyped-def]
    """Each person's ID number and name as pg_dump may print them: clear text, and the hex of
    a bytea column (``\\x…``) holding the clear bytes."""
    out = {}
    for p in persons:
        for label, value in (("ID number", p.id_number), ("name", p.name)):
            raw = value.encode("utf-8")
            out[raw] = f"clear {label}"
            out[raw.hex().encode()] = f"{label} as bytea hex"
    return out


@pytest.mark.postgresql
def test_postgresql_stores_no_clear_identity_after_copy(
    runtime: Runtime, client: TestClient, token_for, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def, type-arg]
    """PostgreSQL takes bulk rows by COPY, not through the ORM: a population import (the sealing
    pool's COPY lines), a bulk registration (``copy_rows``) and a provider's records (COPY into
    credit_record and record_event). A ``pg_dump`` of the database names no person."""
    dump_bin = _pg_dump()
    if dump_bin is None:
        pytest.skip("no pg_dump: install Debian's postgresql-client")
    token = token_for(Permission.IDENTITY_POPULATION_IMPORT)
    imported = people(40, seed=99)
    response = client.post(
        "/api/v1/population/imports",
        params={"filename": "p.csv"},
        content=csv_bytes(person_rows(imported)),
        headers={**auth(token), "content-type": "text/csv"},
    )
    assert response.json()["inserted"] == 40, response.text
    world = build_world(runtime, n_people=20)  # bulk_register: COPY of sealed rows
    batch = ingest_bytes(
        world,
        csv_data(tax_row(p, f"PG-{i}", note=f"{p.name} 欠税") for i, p in enumerate(world.people)),
        tmp_path,
    )
    assert (batch.created, batch.rejected) == (20, 0), batch.error_codes
    with runtime.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM credit_record")).scalar_one() == 20
        assert conn.execute(text("SELECT count(*) FROM subject")).scalar_one() == 60
    url = runtime.settings.resolved_database_url.replace("postgresql+psycopg://", "postgresql://")
    dump = subprocess.run(  # noqa: S603  # our own test database, fixed arguments
        [dump_bin, "--data-only", "--no-owner", f"--dbname={url}"],
        capture_output=True,
        check=True,
    ).stdout
    # On PostgreSQL the big tables' rows are in their partitions (schema ``partitions``, ADR 0035).
    copied = re.findall(rb"^COPY (public|partitions)\.(\w+) ", dump, flags=re.MULTILINE)
    tables = {re.sub(rb"_(h\d+|s\d+|default)$", b"", name) for _, name in copied}
    assert {b"subject", b"credit_record", b"record_event"} <= tables
    needles = _dumped_needles(imported) | _dumped_needles(world.people)
    leaked = []
    for section in re.split(rb"^(?=COPY (?:public|partitions)\.)", dump, flags=re.MULTILINE):
        table = re.match(rb"COPY (?:public|partitions)\.(\w+)", section)
        where = table.group(1).decode() if table else "(preamble)"
        leaked += [f"{where}: {what}" for n, what in needles.items() if n in section]
    assert not leaked, f"pg_dump holds {len(leaked)} clear identity values: {sorted(set(leaked))}"


def test_redact_masks_id_numbers_inside_text() -> None:
    assert redact("x=42010219800501123X;") == "x=4201**********123X;"
    assert (
        redact("id 11010519491231002X and 11010519491231002x")
        == "id 1101**********002X and 1101**********002x"
    )
    assert redact("order 1234567890123456789012") == "order 1234567890123456789012"
