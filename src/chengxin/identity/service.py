"""Identity use cases: register persons (one or in bulk), find them by blind index, verify names."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, NamedTuple, cast

from sqlalchemy import Table, Uuid, bindparam, insert, select, update
from sqlalchemy.orm import Session

from chengxin import privacy
from chengxin.audit import service as audit
from chengxin.db import probe_many, utcnow
from chengxin.identity import divisions, idnumber, rules
from chengxin.identity.errors import SubjectNotFound
from chengxin.identity.models import Subject, field_aad
from chengxin.keys import keyring_of
from chengxin.keys.keyring import NONCE_BYTES, Keyring
from chengxin.security.actor import Actor

SUBJECT_TABLE = cast("Table", Subject.__table__)


class Outcome(StrEnum):
    INSERTED = "inserted"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


class PersonIn(NamedTuple):
    """A validated, normalised person as the population registry gives it."""

    parsed: idnumber.ParsedIdNumber
    name: str
    phone: str | None = None
    region_code: str | None = None


@dataclass(frozen=True)
class ClearIdentity:
    """Decrypted identity, for the few paths that need it (the subject's own view, exports)."""

    id_number: str
    name: str
    phone: str | None

    @property
    def masked(self) -> dict[str, str | None]:
        """The display form used everywhere else."""
        return {
            "id_number": privacy.mask_id_number(self.id_number),
            "name": privacy.mask_name(self.name),
            "phone": privacy.mask_phone(self.phone) if self.phone else None,
        }


def prepare_person(
    id_number: str, name: str, phone: str | None = None, region_code: str | None = None
) -> PersonIn:
    """Validate and normalise one person's fields; a coded InvalidInput on the first fault."""
    return PersonIn(
        parsed=idnumber.parse(id_number),
        name=rules.normalize_name(name),
        phone=rules.normalize_phone(phone),
        region_code=rules.normalize_region(region_code),
    )


def registry_digest(ring: Keyring, person: PersonIn) -> bytes:
    """Keyed fingerprint of a registry row, so a re-import can skip unchanged rows unread."""
    fields = (person.name, person.phone or "", person.region_code or "")
    return ring.blind(b"registry-row", "\x1f".join(fields))


# Column order of sealed rows (COPY and executemany use it).
COLUMNS = (
    "id",
    "id_number_ct",
    "name_ct",
    "phone_ct",
    "key_id",
    "birth_on",
    "sex",
    "address_code",
    "region_code",
    "prefecture_code",
    "in_registry",
    "registry_digest",
    "version",
    "created_at",
    "updated_at",
)


def sealed_row(
    ring: Keyring, person: PersonIn, sid: uuid.UUID, digest: bytes, now: datetime
) -> tuple[Any, ...]:
    """The subject row for a person, in :data:`COLUMNS` order: ciphertexts and the clear
    fields rules need. One ``os.urandom`` call yields the three nonces."""
    kid = ring.active
    nonces = os.urandom(3 * NONCE_BYTES)
    parsed, region = person.parsed, person.region_code
    prefix = field_aad(b"", sid)  # computed once for the three fields
    return (
        sid,
        ring.encrypt(parsed.number, prefix + b"id_number", kid, nonces[:12]),
        ring.encrypt(person.name, prefix + b"name", kid, nonces[12:24]),
        ring.encrypt(person.phone, prefix + b"phone", kid, nonces[24:]) if person.phone else None,
        kid,
        parsed.birth_on,
        parsed.sex,
        parsed.address_code,
        region,
        divisions.prefecture_of(region or parsed.address_code),
        True,
        digest,
        1,
        now,
        now,
    )


def reveal(ring: Keyring, subject: Subject) -> ClearIdentity:
    """Decrypt a subject's identity (never log the result)."""
    sid = subject.id
    return ClearIdentity(
        id_number=ring.decrypt(subject.id_number_ct, field_aad(b"id_number", sid), subject.key_id),
        name=ring.decrypt(subject.name_ct, field_aad(b"name", sid), subject.key_id),
        phone=(
            ring.decrypt(subject.phone_ct, field_aad(b"phone", sid), subject.key_id)
            if subject.phone_ct
            else None
        ),
    )


def reseal(ring: Keyring, subject: Subject, key_id: str) -> dict[str, Any]:
    """Re-encrypt a subject's fields under another key (key rotation)."""
    clear = reveal(ring, subject)
    sid = subject.id
    return {
        "b_id": sid,
        "id_number_ct": ring.encrypt(clear.id_number, field_aad(b"id_number", sid), key_id),
        "name_ct": ring.encrypt(clear.name, field_aad(b"name", sid), key_id),
        "phone_ct": ring.encrypt(clear.phone, field_aad(b"phone", sid), key_id)
        if clear.phone
        else None,
        "key_id": key_id,
    }


def subject_id_for(session: Session, id_number: str) -> uuid.UUID:
    """The subject key for a (valid) ID number: the blind index of its canonical form."""
    return keyring_of(session).subject_id(idnumber.parse(id_number).number)


def subject_keys(ring: Keyring, id_numbers: Iterable[str]) -> list[str | None]:
    """:func:`subject_id_for` for many ID numbers with the keyring at hand (the check's hot
    path): each subject key in canonical text, None for an invalid number (the caller answers
    it per person; the others are still resolved)."""
    subject_id, parse = ring.subject_id, idnumber.parse
    keys: list[str | None] = []
    for id_number in id_numbers:
        try:
            keys.append(str(subject_id(parse(id_number).number)))
        except idnumber.IdNumberError:
            keys.append(None)
    return keys


def get_subject(session: Session, id_number: str) -> Subject | None:
    """The person with this ID number, found by blind index, or None."""
    return session.get(Subject, subject_id_for(session, id_number))


def get_subject_or_raise(session: Session, id_number: str) -> Subject:
    """Like :func:`get_subject`, raising ``subject-not-found``."""
    subject = get_subject(session, id_number)
    if subject is None:
        raise SubjectNotFound
    return subject


def register(session: Session, person: PersonIn, *, actor: Actor) -> tuple[Subject, Outcome]:
    """Add or update one person from the registry (or an operator), with its audit entry."""
    counts = bulk_register(session, [person], actor=actor, source="single")
    outcome = next(o for o in Outcome if counts[o] == 1)
    sid = subject_id_for(session, person.parsed.number)
    # The row was written with Core statements: refresh any copy already in the identity map.
    subject = session.get(Subject, sid, populate_existing=True)
    assert subject is not None  # noqa: S101  # just written in this transaction
    return subject, outcome


def bulk_register(
    session: Session,
    persons: Sequence[PersonIn],
    *,
    actor: Actor,
    source: str,
    import_id: uuid.UUID | None = None,
) -> dict[Outcome, int]:
    """Upsert persons whose ID numbers are distinct; one audit entry for the batch.

    New persons are inserted (COPY on PostgreSQL, sealed while the server ingests the stream),
    changed ones updated with a version bump, identical ones counted unchanged and not touched.
    """
    ring = keyring_of(session)
    now = utcnow()
    ids = [ring.subject_id(p.parsed.number) for p in persons]
    digests = [registry_digest(ring, p) for p in persons]

    def seal_at(i: int) -> tuple[Any, ...]:
        return sealed_row(ring, persons[i], ids[i], digests[i], now)

    def insert_new(new: list[int]) -> None:
        insert_subjects(session, (seal_at(i) for i in new))

    return apply_batch(
        session,
        [str(sid) for sid in ids],
        digests,
        insert_new=insert_new,
        seal_at=seal_at,
        actor=actor,
        source=source,
        import_id=import_id,
    )


def apply_batch(
    session: Session,
    ids: list[str],
    digests: list[bytes],
    *,
    insert_new: Callable[[list[int]], None],
    seal_at: Callable[[int], tuple[Any, ...]],
    actor: Actor,
    source: str,
    import_id: uuid.UUID | None,
) -> dict[Outcome, int]:
    """Classify a batch against the store, insert the new (``insert_new`` gets their positions),
    update the changed (sealed by ``seal_at``), and append the batch's audit entry.

    ``ids`` are subject keys in canonical text form: bulk paths carry them as text end to end."""
    if len(set(ids)) != len(ids):
        msg = "a batch needs distinct persons; split it at repeats"
        raise ValueError(msg)
    existing = _registry_digests(session, ids)
    new = [i for i, sid in enumerate(ids) if sid not in existing]
    changed = [i for i, sid in enumerate(ids) if sid in existing and existing[sid] != digests[i]]
    if new:
        insert_new(new)
    if changed:
        session.execute(
            update(SUBJECT_TABLE)
            .where(SUBJECT_TABLE.c.id == bindparam("b_id"))
            .values(version=SUBJECT_TABLE.c.version + 1)
            .execution_options(synchronize_session=False),
            [_update_params(seal_at(i)) for i in changed],
        )
    counts = {
        Outcome.INSERTED: len(new),
        Outcome.UPDATED: len(changed),
        Outcome.UNCHANGED: len(ids) - len(new) - len(changed),
    }
    if new or changed:
        single = uuid.UUID(ids[0]) if len(ids) == 1 else None
        audit.record(
            session,
            "identity:subject:register",
            actor=actor,
            object_type="population_import" if import_id else "subject",
            object_id=import_id or single,
            subject_id=single,
            data={
                "source": source,
                **{o.value: n for o, n in counts.items()},
                # Pseudonymous keys of changed persons: the future change feed starts here.
                "updated_subjects": [ids[i] for i in changed],
            },
        )
    return counts


def _registry_digests(session: Session, ids: list[str]) -> dict[str, bytes | None]:
    """Registry fingerprints of the persons already known (None: known, not from the registry)."""
    rows = rows_by_id(session, (Subject.id, Subject.registry_digest, Subject.in_registry), ids)
    return {str(sid): (d if in_registry else None) for sid, d, in_registry in rows}


def registry_name(ring: Keyring, subject_id: uuid.UUID, name_ct: bytes, key_id: str) -> str:
    """A registry row's name, decrypted (normalised as stored): for readers that fetched the row
    with other columns (the check reads it beside the person's credit state)."""
    return ring.decrypt(name_ct, field_aad(b"name", subject_id), key_id)


def registry_names(session: Session, ids: list[str]) -> dict[str, str]:
    """Names (decrypted, normalised) of the persons in the population registry among ``ids``;
    bulk paths use it to check that a pushed name matches the registry (R1.2)."""
    ring = keyring_of(session)
    columns = (Subject.id, Subject.name_ct, Subject.key_id, Subject.in_registry)
    return {
        str(sid): ring.decrypt(name_ct, field_aad(b"name", sid), key_id)
        for sid, name_ct, key_id, in_registry in rows_by_id(session, columns, ids)
        if in_registry
    }


def rows_by_id(session: Session, columns: Sequence[Any], ids: list[str]) -> Sequence[Any]:
    """Subject rows (the given columns) for keys in canonical text form, by primary key."""
    return probe_many(session, select(*columns), Subject.id, ids, as_type=Uuid(), convert=uuid.UUID)


_UPDATED = (
    "id_number_ct",
    "name_ct",
    "phone_ct",
    "key_id",
    "region_code",
    "prefecture_code",
    "in_registry",
    "registry_digest",
    "updated_at",
)


def _update_params(row: tuple[Any, ...]) -> dict[str, Any]:
    values = dict(zip(COLUMNS, row, strict=True))
    return {"b_id": values["id"], **{k: values[k] for k in _UPDATED}}


def insert_subjects(session: Session, rows: Iterable[tuple[Any, ...]]) -> None:
    """Insert sealed rows (:data:`COLUMNS` order): COPY on PostgreSQL, executemany elsewhere."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        copy_rows(connection.connection.driver_connection, "subject", COLUMNS, rows)
        return
    params = [dict(zip(COLUMNS, row, strict=True)) for row in rows]
    if params:
        session.execute(insert(SUBJECT_TABLE), params)


def copy_text(raw_connection: Any, table: str, columns: Sequence[str], data: bytes) -> None:
    """PostgreSQL ``COPY … FROM STDIN`` of rows already in COPY text format (one per line)."""
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with raw_connection.cursor() as cursor, cursor.copy(statement) as copy:
        copy.write(data)


def copy_rows(
    raw_connection: Any, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """PostgreSQL ``COPY … FROM STDIN`` through psycopg 3, inside the caller's transaction.
    Rows are written as they are produced, so the server ingests while the caller computes."""
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with raw_connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def verify_identity(session: Session, id_number: str, name: str, *, actor: Actor) -> bool:
    """Does (ID number, name) match the registry (R1.2)? The check itself is audited."""
    subject = get_subject(session, id_number)
    matched = False
    if subject is not None and subject.in_registry:
        matched = reveal(keyring_of(session), subject).name == rules.normalize_name(name)
    audit.record(
        session,
        "identity:person:verify",
        actor=actor,
        object_type="subject",
        object_id=subject.id if subject else None,
        subject_id=subject.id if subject else None,
        data={"matched": matched},
    )
    return matched
