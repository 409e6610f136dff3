"""Key rotation: re-encrypts in batches, resumes after an interruption, decrypts across keys."""

from __future__ import annotations

from pathlib import Path

from chengxin.identity import population
from chengxin.identity import service as identity_service
from chengxin.keys import keyring_of, rotation
from chengxin.keys.keyring import Keyring
from chengxin.runtime import Runtime, build_runtime
from chengxin.security.actor import system_actor
from tests.helpers import csv_bytes, people, person_rows


def test_rotation_resumes_and_every_subject_still_decrypts(
    runtime: Runtime, tmp_path: Path
) -> None:
    ring = Keyring.from_json(
        runtime.keyring.to_json()
    )  # private copy: the session keyring is shared
    rt = build_runtime(runtime.settings, keyring=ring, engine=runtime.engine)
    persons = people(25)
    path = tmp_path / "p.csv"
    path.write_bytes(csv_bytes(person_rows(persons)))
    population.import_file(rt.scope, path, "csv", actor=system_actor("t"), filename="p.csv")
    old = ring.active
    new = ring.add_key()

    first = rotation.reencrypt_all(rt, batch=10, max_batches=1)  # "interrupted" after one batch
    assert first.reencrypted == 10
    assert rotation.keys_in_use(rt) == {old: 15, new: 10}
    with rt.scope() as session:  # mixed keys: both still readable
        for p in persons:
            subject = identity_service.get_subject_or_raise(session, p.id_number)
            assert identity_service.reveal(keyring_of(session), subject).name == p.name

    rest = rotation.reencrypt_all(rt, batch=10)  # --resume
    assert rest.reencrypted == 15
    assert rotation.keys_in_use(rt) == {new: 25}
    assert rotation.reencrypt_all(rt, batch=10).reencrypted == 0
    with rt.scope() as session:
        for p in persons:
            subject = identity_service.get_subject_or_raise(session, p.id_number)
            clear = identity_service.reveal(keyring_of(session), subject)
            assert (clear.id_number, clear.name, clear.phone) == (p.id_number, p.name, p.phone)
            assert subject.key_id == new


def test_rotation_covers_sealed_record_fields_and_rejected_rows(
    runtime: Runtime, tmp_path: Path
) -> None:
    from chengxin.ingestion import service as ingestion_service
    from chengxin.records import service as records_service
    from tests.ingestion.fixtures import build_world, csv_data, ingest_bytes, tax_row

    ring = Keyring.from_json(runtime.keyring.to_json())
    rt = build_runtime(runtime.settings, keyring=ring, engine=runtime.engine)
    world = build_world(rt, n_people=3)
    rows = [
        tax_row(world.people[0], "T-1", note="当事人陈述"),
        tax_row(world.people[1], "T-2", 姓名="错名字"),
    ]
    batch = ingest_bytes(world, csv_data(rows), tmp_path)
    old, new = ring.active, ring.add_key()
    assert rotation.keys_in_use(rt) == {old: 3 + 1 + 1}  # subjects, a sealed record, a rejection
    assert rotation.reencrypt_all(rt, batch=2).reencrypted == 5
    assert rotation.keys_in_use(rt) == {new: 5}
    with rt.scope() as session:
        (record,) = records_service.versions_of(session, world.tax_org_id, "T-1")
        assert (record.key_id, records_service.personal_fields(session, record)) == (
            new,
            {"note": "当事人陈述"},
        )
        _, rejected = ingestion_service.rejected_rows(session, batch.id, actor=world.tax)
        assert [raw["name"] for _, raw in rejected] == ["错名字"]
