"""One case base for the rights workflows (objections, repair; issue 21): what a kind of case is,
and the steps every kind takes the same way: reading a case and its evidence (logged), the
person's sealed words, the person's own cases, reminders and escalation, the queue.

A new kind (a tip's follow-up, an objection to a list entry) describes itself once as a
``CaseKind`` (its table and states, reference prefix, audit actions, permission, not-found error,
notice topics) and takes these steps from it; only its own decisions are written out. Its table
has the columns every case has: ``id``, ``reference``, ``subject_id``, ``provider_id`` (who
decides), ``status``, ``sealed``/``key_id``, ``filed_at``, ``decide_due_at``, ``remind_at``,
``reminded_at`` and ``escalated_at``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import and_, func, select
from sqlalchemy import case as when
from sqlalchemy.orm import Session

from chengxin import workdays
from chengxin.audit import service as audit
from chengxin.casework import (
    CaseTable,
    Queue,
    is_operator,
    operator_ids,
    reference,
    scope,
    tell_organizations,
    tell_subject,
)
from chengxin.casework import queue as table_queue
from chengxin.casework.errors import RecordNotFound
from chengxin.db import utcnow
from chengxin.errors import DomainError
from chengxin.evidence import service as evidence_service
from chengxin.evidence.service import EvidenceFile
from chengxin.keys import keyring_of
from chengxin.keys.sealed import seal, unseal
from chengxin.records.models import CreditRecord
from chengxin.security.actor import Actor, ActorKind
from chengxin.security.permissions import Permission

Case = TypeVar("Case")
MIN_TEXT, MAX_TEXT = 4, 2000  # a person's or a decider's words


def own_record(session: Session, record_id: uuid.UUID, actor: Actor) -> CreditRecord:
    """A record the actor may act on for its subject: a citizen's own, or any for staff holding
    the filing permission. Another person's record is simply not found."""
    record = session.get(CreditRecord, record_id)
    if record is None:
        raise RecordNotFound
    if actor.kind is ActorKind.CITIZEN and record.subject_id != actor.subject_id:
        raise RecordNotFound
    return record


@dataclass(frozen=True)
class Shown(Generic[Case]):
    """A case with its sealed words and its evidence list, opened for a reader. The case reads
    by its kind's noun too (``shown.objection``), and the words its kind seals as attributes
    (``shown.reason``; ``None`` until written)."""

    case: Case
    words: dict[str, Any]
    evidence: list[Any]
    noun: str = "case"  # what its kind calls a case
    sealed: tuple[str, ...] = ()  # the names of the words its kind seals

    def __getattr__(self, name: str) -> Any:
        if name == self.noun:
            return self.case
        if name in self.sealed:
            return self.words.get(name)
        raise AttributeError(name)


@dataclass(frozen=True)
class Figure:
    """One deciding organization's figures (R11): decided, decided on time, (answered on time,)
    open, overdue."""

    organization_id: uuid.UUID
    decided: int
    on_time: int
    open: int
    overdue: int
    answered_on_time: int | None = None  # kinds with an answer deadline (repair)

    @property
    def on_time_rate(self) -> float | None:
        return round(self.on_time / self.decided, 4) if self.decided else None


@dataclass(frozen=True)
class CaseKind(Generic[Case]):
    """A kind of case, and the steps all kinds take the same way."""

    table: CaseTable[Case]  # the queue's columns and states (``table.model``: the rows)
    name: str  # the table's name: audit object type, sealing context, notices' object type
    action: str  # the audit action's prefix, e.g. ``objections:objection``
    evidence_action: str  # the audit action of reading one of its evidence files
    evidence_type: str  # the evidence rows' case type
    prefix: str  # of its references (``YY-20261129-7Q4M9K``)
    read_permission: Permission  # staff reading it (the provider's, operators)
    not_found: type[DomainError]  # what a case the actor may not read is
    invalid: type[DomainError]  # what a case's words out of bounds are (``field=`` names them)
    refused: Callable[[], DomainError]  # a withdrawal by someone else than the person
    closed: Callable[[str], DomainError]  # a step the case's state (given) no longer takes
    topic: str  # its notices: ``<topic>-due-soon``, ``<topic>-overdue``
    withdrawn: str  # the state of a case its person withdrew
    noun: str  # what a case of this kind is called (``objection``, ``application``)
    sealed: tuple[str, ...]  # the names of the person's (and decider's) sealed words
    decided: tuple[str, ...]  # the states of a decided case (its figures)

    def text(self, value: str | None, what: str) -> str:
        """Words of the person or the decider, trimmed, within the bounds."""
        text = (value or "").strip()
        if not MIN_TEXT <= len(text) <= MAX_TEXT:
            raise self.invalid(f"{what}: {MIN_TEXT} to {MAX_TEXT} characters", field=what)
        return text

    # -- steps' records: the audit log and notices -----------------------------------------

    def log(
        self,
        session: Session,
        verb: str,
        case: Case,
        *,
        actor: Actor,
        now: datetime | None = None,
        data: dict[str, Any] | None = None,
    ) -> None:
        """The audit entry of one step on a case (``<action>:<verb>``), about its person."""
        row: Any = case
        audit.record(
            session,
            f"{self.action}:{verb}",
            actor=actor,
            object_type=self.name,
            object_id=row.id,
            subject_id=row.subject_id,
            at=now,
            data=data,
        )

    def tell(
        self,
        session: Session,
        case: Case,
        organization_ids: list[uuid.UUID],
        topic: str,
        *,
        actor: Actor,
        now: datetime,
        data: dict[str, Any],
    ) -> None:
        """A notice about the case to the organizations that handle it."""
        row: Any = case
        tell_organizations(
            session,
            organization_ids,
            topic,
            object_type=self.name,
            object_id=row.id,
            data=data,
            actor=actor,
            now=now,
        )

    def tell_person(
        self,
        session: Session,
        case: Case,
        step: str,
        *,
        actor: Actor,
        now: datetime,
        **params: str,
    ) -> None:
        """A text message to the person about their case (``<topic>-<step>``), quoting its
        reference."""
        row: Any = case
        params = {"reference": row.reference, **params}
        topic = f"{self.topic}-{step}"
        tell_subject(session, row.subject_id, topic, params, actor=actor, now=now)

    @staticmethod
    def due(case: Any, **more: str) -> dict[str, str]:
        """A notice's data: the case's reference, ``more``, and when the decision is due."""
        return {
            "reference": case.reference,
            **more,
            "decide_due_at": case.decide_due_at.isoformat(),
        }

    def new(
        self,
        session: Session,
        record: CreditRecord,
        words: dict[str, Any],
        *,
        actor: Actor,
        now: datetime,
        **own: Any,
    ) -> Case:
        """A new case about ``record`` with the person's ``words`` sealed, and its own columns."""
        case_id = uuid.uuid4()
        sealed, key_id = self.seal(session, case_id, words)
        model: Any = self.table.model
        case: Case = model(
            id=case_id,
            reference=reference(self.prefix, now),
            subject_id=record.subject_id,
            record_id=record.id,
            provider_id=record.provider_id,
            source_id=record.source_id,
            kind_code=record.kind_code,
            sealed=sealed,
            key_id=key_id,
            filed_by=actor.name,
            filed_at=now,
            notified_organizations=0,
            **own,
        )
        return case

    def filed(
        self,
        session: Session,
        case: Case,
        evidence: list[EvidenceFile],
        *,
        actor: Actor,
        now: datetime,
        **data: str,
    ) -> None:
        """A new case stored with the person's files, its filing logged (``data``: the kind's
        own facts, besides the record, the number of files and the due date)."""
        row: Any = case
        session.add(case)
        session.flush()
        self.attach(session, case, evidence, actor=actor, now=now)
        logged = {
            "record_id": str(row.record_id),
            **data,
            "evidence": len(evidence),
            "decide_due_at": row.decide_due_at.isoformat(),
        }
        self.log(session, "file", case, actor=actor, now=now, data=logged)

    # -- reading ---------------------------------------------------------------------------

    def may_read(self, session: Session, case: Case, actor: Actor) -> bool:
        """The person concerned, the provider whose record it is, operators and auditors."""
        row: Any = case
        if actor.kind is ActorKind.CITIZEN:
            return bool(row.subject_id == actor.subject_id)
        if not actor.can(self.read_permission):
            return False
        return bool(row.provider_id == actor.organization_id) or is_operator(session, actor)

    def get(self, session: Session, case_id: uuid.UUID, *, actor: Actor) -> Case:
        """One case the actor may read (others are not found)."""
        case = session.get(self.table.model, case_id)
        if case is None or not self.may_read(session, case, actor):
            raise self.not_found
        return case

    def read(self, session: Session, case_id: uuid.UUID, *, actor: Actor) -> Case:
        """One case the actor may read, its reading logged (a case names the person)."""
        case = self.get(session, case_id, actor=actor)
        self.log(session, "read", case, actor=actor)
        return case

    def open_evidence(
        self, session: Session, case_id: uuid.UUID, evidence_id: uuid.UUID, *, actor: Actor
    ) -> evidence_service.OpenedEvidence:
        """One evidence file of a case the actor may read, decrypted, its reading logged."""
        row: Any = self.get(session, case_id, actor=actor)
        opened = evidence_service.open_file(session, row.id, evidence_id)
        audit.record(
            session,
            self.evidence_action,
            actor=actor,
            object_type="evidence",
            object_id=evidence_id,
            subject_id=row.subject_id,
        )
        return opened

    def attach(
        self,
        session: Session,
        case: Case,
        evidence: list[EvidenceFile],
        *,
        actor: Actor,
        now: datetime,
    ) -> None:
        """The person's files, sealed, on the case."""
        row: Any = case
        evidence_service.attach(
            session,
            evidence,
            case_type=self.evidence_type,
            case_id=row.id,
            subject_id=row.subject_id,
            actor=actor,
            now=now,
        )

    # -- the person's words, sealed --------------------------------------------------------

    def seal(self, session: Session, case_id: uuid.UUID, value: Any) -> tuple[bytes, str]:
        """``value`` sealed for the case ``case_id`` of this kind."""
        return seal(keyring_of(session), self.name, case_id, value)

    def words(self, session: Session, case: Case) -> dict[str, Any]:
        """The case's sealed words, opened."""
        row: Any = case
        value: dict[str, Any] = unseal(
            keyring_of(session), self.name, row.id, row.sealed, row.key_id
        )
        return value

    def add_words(self, session: Session, case: Case, **more: Any) -> None:
        """Seal more words (a decision's note or reasons) with the person's."""
        row: Any = case
        row.sealed, row.key_id = self.seal(session, row.id, {**self.words(session, case), **more})

    def view(self, session: Session, case: Case) -> Shown[Case]:
        """The case with its words and evidence list, opened for a reader."""
        row: Any = case
        evidence = evidence_service.of_case(session, row.id)
        return Shown(case, self.words(session, case), evidence, self.noun, self.sealed)

    # -- the person's withdrawal -----------------------------------------------------------

    def withdraw(
        self,
        session: Session,
        case_id: uuid.UUID,
        *,
        actor: Actor,
        now: datetime | None = None,
    ) -> Case:
        """The person (or an operator for them) withdraws an open case; the kind's ``refused``
        for anyone else, ``closed`` once it is decided or withdrawn."""
        now = now or utcnow()
        found = self.get(session, case_id, actor=actor)
        row: Any = found
        if actor.kind is not ActorKind.CITIZEN and not is_operator(session, actor):
            raise self.refused()
        if row.status not in self.table.open:
            raise self.closed(row.status)
        row.status, row.decided_at = self.withdrawn, now
        self.log(session, "withdraw", found, actor=actor, now=now)
        return found

    # -- the person's cases ----------------------------------------------------------------

    def mine(self, session: Session, *, actor: Actor) -> list[Case]:
        """The signed-in person's cases of this kind, newest first."""
        model: Any = self.table.model
        query = select(model).where(model.subject_id == actor.subject_id)
        return list(session.execute(query.order_by(model.filed_at.desc())).scalars())

    def of_subject(self, session: Session, subject_id: uuid.UUID, *, at: datetime) -> list[Case]:
        """A person's cases of this kind filed by a moment (their report), oldest first."""
        model: Any = self.table.model
        query = select(model).where(model.subject_id == subject_id, model.filed_at <= at)
        return list(session.execute(query.order_by(model.filed_at)).scalars())

    # -- deadlines and the queue -----------------------------------------------------------

    def remind(
        self,
        session: Session,
        *,
        deciders: Callable[[Session, Any], list[uuid.UUID]],
        actor: Actor,
        now: datetime,
    ) -> int:
        """Remind the deciders of waiting cases whose reminder date came; once each."""
        model: Any = self.table.model
        reminded = 0
        for case in session.execute(
            select(model).where(
                self.table.status.in_(self.table.waiting),
                model.remind_at <= now,
                model.reminded_at.is_(None),
                model.decide_due_at > now,
            )
        ).scalars():
            case.reminded_at = now
            to = deciders(session, case)
            topic = f"{self.topic}-due-soon"
            self.tell(session, case, to, topic, actor=actor, now=now, data=self.due(case))
            reminded += 1
        return reminded

    def escalate(self, session: Session, *, actor: Actor, now: datetime) -> int:
        """Waiting cases past their due date go to operators; once each."""
        model: Any = self.table.model
        escalated = 0
        for case in session.execute(
            select(model).where(
                self.table.status.in_(self.table.waiting),
                model.decide_due_at <= now,
                model.escalated_at.is_(None),
            )
        ).scalars():
            case.escalated_at = now
            provider = str(case.provider_id)
            data = {"provider_id": provider, "decide_due_at": case.decide_due_at.isoformat()}
            self.log(session, "escalate", case, actor=actor, now=now, data=data)
            self.tell(
                session,
                case,
                operator_ids(session),
                f"{self.topic}-overdue",
                actor=actor,
                now=now,
                data=self.due(case, provider_id=provider),
            )
            escalated += 1
        return escalated

    def figures(
        self, session: Session, *, actor: Actor, now: datetime | None = None, answered: bool = False
    ) -> list[Figure]:
        """Per deciding organization: decided, decided on time, (answered on time when
        ``answered``,) open, overdue."""
        now = now or utcnow()
        model: Any = self.table.model
        decided = self.table.status.in_(self.decided)
        waiting = self.table.status.in_(self.table.waiting)

        def on_time(done: Any, due: Any) -> Any:
            return func.sum(when((and_(decided, workdays.in_time(done, due)), 1), else_=0))

        columns = [
            func.count().filter(decided),
            on_time(model.decided_at, model.decide_due_at),
            func.count().filter(self.table.status.in_(self.table.open)),
            func.count().filter(waiting, model.decide_due_at <= now),
        ]
        if answered:
            columns.append(on_time(model.answered_at, model.answer_due_at))
        rows = session.execute(
            select(self.table.provider, *columns)
            .where(scope(session, actor, self.table.provider))
            .group_by(self.table.provider)
            .order_by(self.table.provider)
        ).all()
        return [Figure(row[0], *(int(v or 0) for v in row[1:])) for row in rows]

    def queue(
        self,
        session: Session,
        *,
        actor: Actor,
        status: str | None = None,
        overdue_only: bool = False,
        limit: int = 50,
        offset: int = 0,
        now: datetime | None = None,
    ) -> Queue[Case]:
        """The actor's cases of this kind, most urgent first, with open and overdue counts."""
        return table_queue(
            session,
            self.table,
            actor=actor,
            status=str(status) if status is not None else None,
            overdue_only=overdue_only,
            limit=limit,
            offset=offset,
            now=now or utcnow(),
        )
