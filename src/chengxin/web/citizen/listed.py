"""The lists a person is on, or about to be on, as their pages show them (issue 16).

Which entries count — memberships (own, and an organization's reached through a role) and
pending entries — is the credit state's answer (``state.service``), never derived here. The
person's own entry rows add what only they may read (reason, finding document, the proposing
organization, the records it rests on); the list type adds what it publishes (standard, exit
conditions, remedies).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.orm import Session

from chengxin.audit import service as audit
from chengxin.lists import service as list_service
from chengxin.lists import types as list_types
from chengxin.lists.models import ListEntry
from chengxin.lists.schemas import MyEntryRead
from chengxin.organizations import service as organization_service
from chengxin.reports.render import last_day_to_object
from chengxin.security.actor import Actor
from chengxin.state import service as state_service
from chengxin.state.rule import CreditState


@dataclass(frozen=True)
class ListView:
    """One entry the person is on (``published``) or that is on its way (``proposed``,
    ``notified``)."""

    entry_id: uuid.UUID
    reference: str
    list_type: str
    name: str
    kind: str  # red, black
    status: str  # published, proposed, notified
    basis: str
    standard: str
    exit_conditions: tuple[str, ...]
    remedies: str
    published_at: datetime | None = None
    term_ends_at: datetime | None = None
    last_day_to_object: str | None = None  # notified: the objection window's last day (China)
    via_organization: str | None = None  # an organization's entry: its masked credit code
    role: str | None = None  # the person's role in that organization
    in_dispute: bool = False  # every record the entry rests on is under an open objection
    # The person's own entry only:
    reason: str | None = None
    document_no: str | None = None
    proposer: str | None = None  # the proposing organization; None: the platform's operator
    record_ids: tuple[uuid.UUID, ...] = ()

    @property
    def own(self) -> bool:
        return self.via_organization is None


@dataclass(frozen=True)
class MyLists:
    current: list[ListView]  # on a list now, own entries first
    pending: list[ListView]  # proposed or notified
    past: list[MyEntryRead]  # own entries that no longer count: exited, withdrawn (history)

    @property
    def any(self) -> bool:
        return bool(self.current or self.pending)


def _type(code: str, lang: str) -> tuple[str, str, tuple[str, ...], str]:
    found = list_types.get(code)
    if found is None:
        return code, "", (), ""
    name = found.name_en if lang == "en" else found.name_zh
    return name, found.standard, found.exit_conditions, found.remedies


def _with_details(session: Session, view: ListView, entry: ListEntry | None) -> ListView:
    """The view with what only the listed person reads of their own entry."""
    if entry is None:
        return view
    proposer = None
    if entry.provider_id is not None:
        org = organization_service.get(session, entry.provider_id)
        proposer = org.name if org else None
    return replace(
        view,
        reason=list_service.reason_of(session, entry).get("reason"),
        document_no=entry.document_no,
        proposer=proposer,
        record_ids=tuple(uuid.UUID(r) for r in entry.record_ids),
    )


def my_lists(
    session: Session, actor: Actor, lang: str, *, credit: CreditState | None = None
) -> MyLists:
    """The signed-in person's lists: current and pending from their credit state, with their own
    entries' details; their past entries (exited, withdrawn) as history."""
    subject_id = audit.own_subject(actor)
    credit = credit if credit is not None else state_service.state(session, subject_id)
    rows = {e.id: e for e in list_service.mine(session, actor=actor)}
    disputed = set(credit.disputed_entries)
    current = []
    for m in credit.memberships:
        name, standard, exits, remedies = _type(m.list_type, lang)
        own = rows.get(m.entry_id) if m.via_organization is None else None
        view = ListView(
            entry_id=m.entry_id,
            reference=m.reference,
            list_type=m.list_type,
            name=name,
            kind=m.kind,
            status="published",
            basis=m.basis,
            standard=standard,
            exit_conditions=exits,
            remedies=remedies,
            published_at=m.published_at,
            term_ends_at=m.term_ends_at,
            via_organization=m.via_organization,
            role=m.role,
            in_dispute=m.entry_id in disputed,
        )
        current.append(_with_details(session, view, own))
    pending = []
    for p in credit.pending:
        name, standard, exits, remedies = _type(p.list_type, lang)
        row = rows.get(p.entry_id)
        view = ListView(
            entry_id=p.entry_id,
            reference=p.reference,
            list_type=p.list_type,
            name=name,
            kind=p.kind,
            status=p.status,
            basis=row.basis if row else "",
            standard=standard,
            exit_conditions=exits,
            remedies=remedies,
            last_day_to_object=(
                last_day_to_object(p.objection_due_at) if p.objection_due_at else None
            ),
        )
        pending.append(_with_details(session, view, row))
    shown = {v.entry_id for v in (*current, *pending)}
    past = [  # newest first; an entry the state no longer counts is history even before its exit
        MyEntryRead.of(e, list_service.reason_of(session, e))
        for e in rows.values()
        if e.id not in shown
    ]
    return MyLists(current, pending, past)
