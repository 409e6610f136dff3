"""Key rotation reads the sealed columns from the metadata, where each domain declares them."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import Column, LargeBinary, MetaData, String, Table, Uuid, func, insert, select

from chengxin.audit.models import AuditEntry
from chengxin.db import Base
from chengxin.keys import rotation
from chengxin.keys.keyring import Keyring
from chengxin.keys.sealed import ROW, SEALED, SealedTable, seal, unseal
from chengxin.runtime import Runtime, build_runtime

# What rotation re-encrypts, in its order (subjects first): the same as before the declarations.
ROTATED = [
    ("subject", ("id_number_ct", "name_ct", "phone_ct")),
    ("credit_record", ("sealed_fields",)),
    ("ingest_rejection", ("raw_ct",)),
    ("notification_outbox", ("body_ct",)),
    ("objection", ("sealed",)),
    ("record_statement", ("sealed",)),
    ("repair_application", ("sealed",)),
    ("record_archive", ("sealed",)),
    ("evidence", ("sealed",)),
]


def _looks_sealed(column: Column[object]) -> bool:
    name = column.name
    return isinstance(column.type, LargeBinary) and (
        name == "sealed" or name.startswith("sealed_") or name.endswith("_ct")
    )


def test_rotation_reencrypts_the_declared_tables_in_turn() -> None:
    found = [(s.table.name, tuple(n for n, _ in s.columns)) for s in rotation.sealed_tables()]
    assert found == ROTATED


def test_every_sealed_column_in_the_metadata_is_declared() -> None:
    declared = {
        (s.table.name, name) for s in rotation.sealed_tables(every=True) for name, _ in s.columns
    }
    undeclared = [
        f"{table.name}.{column.name}"
        for table in Base.metadata.tables.values()
        if "key_id" in table.c
        for column in table.columns
        if _looks_sealed(column) and (table.name, column.name) not in declared
    ]
    assert undeclared == []


def test_a_sealed_column_without_its_tables_declaration_is_refused() -> None:
    md = MetaData()
    Table(
        "probe",
        md,
        Column("id", Uuid, primary_key=True),
        Column("sealed", LargeBinary, info={SEALED: ROW}),
        Column("key_id", String(16)),
    )
    with pytest.raises(rotation.UndeclaredSealedColumn):
        rotation.sealed_tables(md)


def test_a_newly_declared_sealed_column_is_picked_up(runtime: Runtime) -> None:
    md = MetaData()
    probe = Table(
        "rotation_probe",
        md,
        Column("id", Uuid, primary_key=True),
        Column("sealed", LargeBinary, info={SEALED: ROW}),
        Column("key_id", String(16)),
        info={SEALED: SealedTable("probe", turn=0)},
    )
    ring = Keyring.from_json(runtime.keyring.to_json())  # private copy: the keyring is shared
    rt = build_runtime(runtime.settings, keyring=ring, engine=runtime.engine)
    md.create_all(rt.engine)
    try:
        ids = [uuid.uuid4() for _ in range(5)]
        with rt.scope() as session:
            for n, row_id in enumerate(ids):
                sealed, key_id = seal(ring, probe.name, row_id, {"n": n})
                session.execute(insert(probe).values(id=row_id, sealed=sealed, key_id=key_id))
        old, new = ring.active, ring.add_key()
        assert rotation.keys_in_use(rt, metadata=md) == {old: 5}

        result = rotation.reencrypt_all(rt, batch=2, metadata=md)

        assert (result.reencrypted, result.active_key) == (5, new)
        assert rotation.keys_in_use(rt, metadata=md) == {new: 5}
        with rt.scope() as session:
            rows = session.execute(select(probe.c.id, probe.c.sealed, probe.c.key_id)).all()
            opened = {row_id: unseal(ring, probe.name, row_id, ct, kid) for row_id, ct, kid in rows}
            assert opened == {row_id: {"n": n} for n, row_id in enumerate(ids)}
            audited = session.execute(
                select(func.count()).where(AuditEntry.action == "keys:probe:reencrypt")
            ).scalar_one()
            assert audited == 3  # one entry per batch of two
    finally:
        md.drop_all(rt.engine)
