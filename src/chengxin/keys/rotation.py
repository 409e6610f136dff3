"""Key rotation: re-encrypt everything still under an old data key, batch by batch.

The sealed columns are found in the metadata, where each domain declares them on its own tables
(``keys.sealed.SealedTable`` in ``Table.info``, each column's AAD in ``Column.info``): subjects
(ID number, name, phone), credit records' personal fields, rejected ingestion rows, the
notification outbox (messages' texts), and the rights workflows' tables (objections, statements,
repair applications, archived records, evidence files). Each batch commits on its own and the
work list is "rows whose key_id is not the active key", so an interrupted rotation resumes where
it stopped (``chengxin keys rotate --resume``). An old key may be retired once no row uses it.

Each batch publishes ``keys.events.DATA_REENCRYPTED`` in its transaction (the audit log records
it): rotation imports no domain, and nothing above the platform.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol

from sqlalchemy import Column, MetaData, Table, and_, bindparam, func, select, update
from sqlalchemy.orm import Session

from chengxin import events
from chengxin.db import Base
from chengxin.keys.events import DATA_REENCRYPTED, DataReencrypted
from chengxin.keys.keyring import Keyring
from chengxin.keys.sealed import ROW, SEALED, Aad, SealedTable, aad_of


class Rotating(Protocol):
    """What rotation needs of the running platform (``chengxin.runtime.Runtime`` has it)."""

    @property
    def keyring(self) -> Keyring: ...

    def scope(self) -> AbstractContextManager[Session]: ...


class RotationUnaudited(RuntimeError):
    """Nothing records ``DATA_REENCRYPTED``: rotating now would leave no audit entries."""


class UndeclaredSealedColumn(RuntimeError):
    """A sealed column without its table's declaration, or a declared table without ``key_id``."""


@dataclass(frozen=True)
class RotationResult:
    """How many rows were re-encrypted, and the key they are now all under."""

    reencrypted: int
    active_key: str


@dataclass(frozen=True)
class Sealed:
    """One declared table: its key columns, its sealed columns with their AADs, its label."""

    table: Table
    declared: SealedTable
    columns: tuple[tuple[str, Aad], ...]

    @property
    def keys(self) -> tuple[str, ...]:
        return self.declared.keys

    def reseal(self, session: Session, ring: Keyring, active: str, batch: int) -> int:
        """Re-encrypt one batch of rows not under the active key; returns how many."""
        t = self.table.c
        key_columns = [t[k] for k in self.keys]
        rows = session.execute(
            select(*key_columns, *(t[name] for name, _ in self.columns), t.key_id)
            .where(t.key_id.is_not(None), t.key_id != active)
            .order_by(*key_columns)
            .limit(batch)
            .with_for_update()
        ).all()
        if not rows:
            return 0
        n = len(self.keys)
        params: list[dict[str, Any]] = []
        for row in rows:
            ids, sealed, kid = row[:n], row[n:-1], row[-1]
            values: dict[str, Any] = {f"b_{k}": v for k, v in zip(self.keys, ids, strict=True)}
            for (name, aad_for), ct in zip(self.columns, sealed, strict=True):
                if ct is None:  # an optional sealed field left empty stays empty
                    values[name] = None
                    continue
                aad = aad_for(*ids)
                values[name] = ring.encrypt(ring.decrypt(ct, aad, kid), aad, active)
            params.append({**values, "key_id": active})
        session.execute(
            update(self.table).where(and_(*(t[k] == bindparam(f"b_{k}") for k in self.keys))),
            params,
            execution_options={"synchronize_session": False},
        )
        payload = DataReencrypted(
            self.declared.label, len(rows), frozenset(row[-1] for row in rows), active
        )
        events.publish(session, DATA_REENCRYPTED, payload)
        return len(rows)


def _aad(table: Table, column: Column[Any]) -> Aad:
    declared = column.info[SEALED]
    if declared == ROW:
        return partial(aad_of, table.name)
    if not callable(declared):
        msg = f"{table.name}.{column.name}: info[{SEALED!r}] is neither ROW nor an AAD function"
        raise UndeclaredSealedColumn(msg)
    return declared  # type: ignore[no-any-return]


def sealed_tables(metadata: MetaData | None = None, *, every: bool = False) -> list[Sealed]:
    """The tables declaring sealed columns, in rotation's turn order (``every``: also those
    declared ``rotated=False``). Refuses a sealed column of an undeclared table, a declared table
    without sealed columns or ``key_id``, and two tables on the same turn."""
    found: list[Sealed] = []
    for table in (metadata or Base.metadata).tables.values():
        declared = table.info.get(SEALED)
        columns = tuple((c.name, _aad(table, c)) for c in table.columns if SEALED in c.info)
        if declared is None and not columns:
            continue
        if not isinstance(declared, SealedTable) or not columns or "key_id" not in table.c:
            msg = f"{table.name}: sealed columns need Table.info[{SEALED!r}] = SealedTable(...),"
            raise UndeclaredSealedColumn(f"{msg} Column.info[{SEALED!r}] and a key_id column")
        if every or declared.rotated:
            found.append(Sealed(table, declared, columns))
    found.sort(key=lambda s: s.declared.turn)
    turns = [s.declared.turn for s in found]
    if len(set(turns)) != len(turns):
        msg = f"two sealed tables share a turn: {[(s.table.name, s.declared.turn) for s in found]}"
        raise UndeclaredSealedColumn(msg)
    return found


def reencrypt_all(
    runtime: Rotating,
    *,
    batch: int = 1000,
    progress: Callable[[int], None] | None = None,
    max_batches: int | None = None,
    metadata: MetaData | None = None,
) -> RotationResult:
    """Re-encrypt every sealed row not under the active key; ``max_batches`` stops early (tests).
    ``metadata``: where the sealed tables are declared (every table's, by default)."""
    if not events.subscribers(DATA_REENCRYPTED):
        msg = f"nothing subscribes to {DATA_REENCRYPTED!r}: call chengxin.wiring.install() first"
        raise RotationUnaudited(msg)
    ring = runtime.keyring
    active = ring.active
    total = batches = 0
    for sealed in sealed_tables(metadata):
        while max_batches is None or batches < max_batches:
            with runtime.scope() as session:
                done = sealed.reseal(session, ring, active, batch)
            if not done:
                break
            total += done
            batches += 1
            if progress:
                progress(total)
    return RotationResult(reencrypted=total, active_key=active)


def keys_in_use(runtime: Rotating, *, metadata: MetaData | None = None) -> dict[str, int]:
    """Sealed rows per data key (over the tables rotation re-encrypts): an old key can be retired
    once it holds none."""
    counts: dict[str, int] = {}
    with runtime.scope() as session:
        for sealed in sealed_tables(metadata):
            column = sealed.table.c.key_id
            query = select(column, func.count()).where(column.is_not(None)).group_by(column)
            for key_id, count in session.execute(query):
                counts[key_id] = counts.get(key_id, 0) + count
    return counts
