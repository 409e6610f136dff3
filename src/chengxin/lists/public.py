"""The public lists (R9.1; RULES.md §6): published, current entries only — masked name and
masked ID number or credit code, domain, basis, dates, exit conditions — and a search by exact
ID number or credit code, or by full name through the blind index (masked results only). Nothing
about an entry that exited, was withdrawn, or has not been published yet is ever shown.

The search is rate-limited per client (``count_search``, ``chengxin.ratelimit``)."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from chengxin import ratelimit
from chengxin.db import utcnow
from chengxin.identity import idnumber, rules
from chengxin.identity.errors import NameInvalid
from chengxin.keys import keyring_of
from chengxin.lists import service as list_service
from chengxin.lists.errors import ListSearchInvalid, ListSearchRateLimited
from chengxin.lists.models import EntryStatus, ListEntry, ListKind

MAX_RESULTS = 50
SEARCH_ACTION = "search"  # what the search counts per client (chengxin.ratelimit)


@dataclass(frozen=True)
class PublicPage:
    items: list[ListEntry]
    total: int


def _published(now: datetime) -> Select[Any]:
    return select(ListEntry).where(
        ListEntry.status == EntryStatus.PUBLISHED.value,
        ListEntry.published_at <= now,
        or_(ListEntry.term_ends_at.is_(None), ListEntry.term_ends_at > now),
    )


def entries(
    session: Session,
    *,
    list_type: str | None = None,
    domain: str | None = None,
    kind: ListKind | None = None,
    limit: int = 50,
    offset: int = 0,
    now: datetime | None = None,
) -> PublicPage:
    """Published, current entries, newest first."""
    now = now or utcnow()
    query = _published(now)
    if list_type is not None:
        query = query.where(ListEntry.list_type == list_type)
    if domain is not None:
        query = query.where(ListEntry.domain == domain)
    if kind is not None:
        query = query.where(ListEntry.kind == kind.value)
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    items = session.execute(
        query.order_by(ListEntry.published_at.desc(), ListEntry.id).limit(limit).offset(offset)
    ).scalars()
    return PublicPage(list(items), int(total))


def _name_indexes(session: Session, name: str) -> set[bytes]:
    cleaned = name.strip()
    if not cleaned:
        raise ListSearchInvalid("the name is empty", field="name")
    found = {list_service.name_index(session, cleaned)}
    with suppress(NameInvalid):  # not a person's name (an organization's): searched as given
        found.add(list_service.name_index(session, rules.normalize_name(cleaned)))
    return found


def count_search(
    scope: ratelimit.Scope, *, client_ip: str | None, limit: int, now: datetime
) -> None:
    """Count one search of this client in the current hour, in a unit of work of its own before
    the request's session begins; ``list-search-rate-limited`` with ``retry_after`` past
    ``limit``."""
    ratelimit.take(
        scope,
        client_ip=client_ip,
        action=SEARCH_ACTION,
        limit=limit,
        now=now,
        refuse=ListSearchRateLimited,
    )


def search(
    session: Session,
    *,
    id_number: str | None = None,
    credit_code: str | None = None,
    name: str | None = None,
    now: datetime | None = None,
) -> list[ListEntry]:
    """Published, current entries of the person with this exact ID number, the organization with
    this exact credit code, or everyone with exactly this full name (masked results only)."""
    given = [v for v in (id_number, credit_code, name) if v]
    if len(given) != 1:
        raise ListSearchInvalid("give exactly one of id_number, credit_code, name")
    now = now or utcnow()
    query = _published(now)
    if id_number:
        number = idnumber.parse(id_number).number  # id-number-* problems for a malformed one
        query = query.where(ListEntry.subject_id == keyring_of(session).subject_id(number))
    elif credit_code:
        org = list_service.organization_by_code(session, credit_code)
        if org is None:
            return []
        query = query.where(ListEntry.organization_id == org.id)
    else:
        assert name is not None  # noqa: S101 — exactly one was given
        query = query.where(ListEntry.name_index.in_(sorted(_name_indexes(session, name))))
    return list(
        session.execute(
            query.order_by(ListEntry.published_at.desc(), ListEntry.id).limit(MAX_RESULTS)
        ).scalars()
    )
