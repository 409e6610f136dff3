"""Key rotation: re-encrypts in batches, resumes after an interruption, decrypts across keys."""

from __future__ import annotations

from pathlib import Path

from chengxin.identity import population, rotation
from chengxin.identity import service as identity_service
from chengxin.keys import keyring_of
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
