"""Person resolution (R1.2): who a caller means by an ID number and a name, checked against the
population registry. The one rule behind queries, checks, list proposals, reports and score
look-ups: a person is found only when the ID number is valid, the person is in the registry and
the registry's name matches the one given (normalised as the registry stores names).

``resolve`` answers per person with a :class:`Resolution`; each caller decides what an outcome
means to it (a query registers it per person, a report or a list proposal refuses with a problem:
``subject_of``).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.orm import Session

from chengxin.errors import NotFound
from chengxin.identity import idnumber, rules
from chengxin.identity import service as identity_service
from chengxin.identity.errors import SubjectNotFound
from chengxin.keys import keyring_of


class Resolution(StrEnum):
    """What resolving one person gave (the values are stored: ``access_query_subject.outcome``,
    the checks' subjects)."""

    FOUND = "found"
    NOT_REGISTERED = "not-registered"
    NAME_MISMATCH = "name-mismatch"
    ID_NUMBER_INVALID = "id-number-invalid"


class SubjectNameMismatch(NotFound):
    code = "subject-name-mismatch"
    title = "The name does not match the population registry for this ID number"


@dataclass(frozen=True)
class PersonAsked:
    """A person named by the caller: ID number and name, as the caller has them."""

    id_number: str
    name: str


Resolved = tuple[Resolution, uuid.UUID | None]
"""One person's resolution and, when found, their subject key: a plain pair, as the check's hot
path builds one per person."""


def match(
    persons: Sequence[PersonAsked], keys: Sequence[str | None], names: Mapping[str, str]
) -> list[Resolved]:
    """Each person's resolution, given their subject keys (``identity.service.subject_keys``)
    and the registry's names of the keys found (``identity.service.registry_names``, or a
    reader that fetched them beside other columns: the check)."""
    resolved: list[Resolved] = []
    for person, key in zip(persons, keys, strict=True):
        registered = names.get(key) if key is not None else None
        if key is None:
            resolved.append((Resolution.ID_NUMBER_INVALID, None))
        elif registered is None:
            resolved.append((Resolution.NOT_REGISTERED, None))
        elif registered != rules.normalize_name(person.name):
            resolved.append((Resolution.NAME_MISMATCH, None))
        else:
            resolved.append((Resolution.FOUND, uuid.UUID(key)))
    return resolved


def resolve(session: Session, persons: Sequence[PersonAsked]) -> list[Resolved]:
    """Each person's resolution, in order: found only when the registry name matches (R1.2)."""
    keys = identity_service.subject_keys(keyring_of(session), [p.id_number for p in persons])
    names = identity_service.registry_names(session, [k for k in keys if k is not None])
    return match(persons, keys, names)


def subject_of(session: Session, id_number: str, name: str) -> uuid.UUID:
    """The registered person with this ID number and name, or the problem: the precise
    ``id-number-*`` one for an invalid number, ``subject-name-mismatch``, ``subject-not-found``."""
    [(resolution, subject_id)] = resolve(session, [PersonAsked(id_number, name)])
    if resolution == Resolution.ID_NUMBER_INVALID:
        idnumber.parse(id_number)  # raises the precise id-number-* problem (a masked number too)
    if resolution == Resolution.NAME_MISMATCH:
        raise SubjectNameMismatch
    if subject_id is None:
        raise SubjectNotFound
    return subject_id
