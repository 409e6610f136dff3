"""Catalog use cases: load a version, show its diff against the active one, activate, read.

Every version loaded is kept (``catalog_version``); activation is audited and retires the
previous version. Parsed documents are cached by digest, so the hot ingestion path reads one
small row per batch, not the whole document.

Scores read the active catalog (a kind's sharing level decides whether its records count, its
domain which cap they fall under): an activation that changes either for a kind, or adds or
removes kinds, publishes ``catalog.events.KINDS_RESCORED`` in its transaction (``rescored``):
scoring queues a full recompute (``scoring.on_catalog``), without the catalog importing it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from chengxin import events
from chengxin.audit import service as audit
from chengxin.catalog import references
from chengxin.catalog.errors import (
    CatalogInvalid,
    CatalogListTypeUnknown,
    CatalogNotFound,
    CatalogVersionExists,
    KindNotFound,
    NoActiveCatalog,
)
from chengxin.catalog.events import KINDS_RESCORED, KindsRescored
from chengxin.catalog.models import CatalogVersion
from chengxin.catalog.schema import CatalogDocument, RecordKind
from chengxin.db import utcnow
from chengxin.security.actor import Actor

SHIPPED = "catalog.json"
# What scoring reads of a kind (scoring.service.load_inputs): whether its sharing level reaches
# government (its records count at all) and its domain (the cap they fall under).
SCORED_ATTRIBUTES = frozenset({"sharing", "domain"})


def canonical(content: dict[str, Any]) -> str:
    """The canonical JSON text a digest is taken over."""
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def digest_of(content: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON."""
    return hashlib.sha256(canonical(content).encode("utf-8")).hexdigest()


def parse(content: dict[str, Any]) -> CatalogDocument:
    """Validate a catalog document; CatalogInvalid lists every problem found, and
    CatalogListTypeUnknown every kind whose ``proposes_list`` names no list type."""
    try:
        document = CatalogDocument.model_validate(content)
    except ValidationError as exc:
        problems = [
            f"{'.'.join(str(p) for p in err['loc']) or '(document)'}: {err['msg']}"
            for err in exc.errors(include_url=False)
        ]
        raise CatalogInvalid("; ".join(problems[:20]), problems=problems) from None
    _check_list_types(document)
    return document


def _check_list_types(document: CatalogDocument) -> None:
    """Every list a kind proposes is a list type of ``lists/data`` (a provider proposing with an
    unknown code would be refused with ``list-type-unknown``); the lists tell which codes are
    theirs (``catalog.references``)."""
    unknown = [
        {"kind": kind.code, "list_type": kind.proposes_list}
        for kind in document.kinds
        if kind.proposes_list is not None and not references.list_type_known(kind.proposes_list)
    ]
    if unknown:
        problems = [
            f"kind {u['kind']}: proposes_list {u['list_type']} is no list type" for u in unknown
        ]
        raise CatalogListTypeUnknown("; ".join(problems[:20]), problems=problems, unknown=unknown)


def read_file(path: Path) -> dict[str, Any]:
    """A catalog file's JSON (UTF-8); CatalogInvalid if it is not JSON."""
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CatalogInvalid(f"cannot read {path.name}: {exc}") from None
    if not isinstance(content, dict):
        raise CatalogInvalid("a catalog is a JSON object")
    return content


def shipped_content() -> dict[str, Any]:
    """The catalog shipped in the package."""
    text = resources.files("chengxin.catalog").joinpath("data", SHIPPED).read_text("utf-8")
    return dict(json.loads(text))


# Parsed documents by digest: a version's content never changes, and there are few versions.
_DOCUMENTS: dict[str, CatalogDocument] = {}


# The digest of the document ``active_document`` returned last: the active version's, on a
# process serving one database. Forgotten when a version is activated anywhere (ADR 0034): the
# next ``active_document`` call names the new one.
_last_active: dict[str, str] = {}


def forget_active() -> None:
    """Forget which version was active last (a version was activated; ``catalog.hooks``)."""
    _last_active.pop("digest", None)


def documents_read() -> tuple[tuple[CatalogDocument, ...], str | None]:
    """Every version's document this process has parsed so far (only ever grows), the one
    ``active_document`` returned last at the end, and that one's digest: where pages find the
    names of codes, the active version's names winning over older versions'."""
    active = _last_active.get("digest")
    documents = [d for digest, d in _DOCUMENTS.items() if digest != active]
    if active is not None and active in _DOCUMENTS:
        documents.append(_DOCUMENTS[active])
    return tuple(documents), active


def document_of(row: CatalogVersion) -> CatalogDocument:
    """The parsed document of a stored version (parsed once per process)."""
    document = _DOCUMENTS.get(row.digest)
    if document is None:
        document = _DOCUMENTS[row.digest] = CatalogDocument.model_validate(row.content)
    return document


@dataclass(frozen=True)
class KindChange:
    code: str
    fields: list[str]


@dataclass
class CatalogDiff:
    """What a candidate version changes against the active one."""

    from_version: str | None
    to_version: str
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[KindChange] = field(default_factory=list)
    other: list[str] = field(default_factory=list)  # domains, groups, departments, defaults

    @property
    def rescored(self) -> list[str]:
        """Kinds whose records may count differently in scores: added or removed, or with a
        changed sharing level or domain (activating such a version queues a full recompute)."""
        changed = [c.code for c in self.changed if SCORED_ATTRIBUTES & set(c.fields)]
        return sorted({*self.added, *self.removed, *changed})

    @property
    def empty(self) -> bool:
        """Nothing would change."""
        return not (self.added or self.removed or self.changed or self.other)

    def lines(self) -> list[str]:
        """The diff as text lines for the CLI."""
        head = f"catalog {self.from_version or '(none)'} → {self.to_version}"
        out = [head]
        out += [f"  + {code}" for code in self.added]
        out += [f"  - {code}" for code in self.removed]
        out += [f"  ~ {c.code}: {', '.join(c.fields)}" for c in self.changed]
        out += [f"  ~ {item}" for item in self.other]
        if self.from_version is not None and self.rescored:
            out.append(f"  scores are recomputed on activation ({', '.join(self.rescored)})")
        if self.empty:
            out.append("  (no changes)")
        return out


def diff(old: CatalogDocument | None, new: CatalogDocument) -> CatalogDiff:
    """Kinds added, removed and changed (with the attributes that changed), and other sections."""
    result = CatalogDiff(old.version if old else None, new.version)
    before = {k.code: k for k in old.kinds} if old else {}
    after = {k.code: k for k in new.kinds}
    result.added = sorted(after.keys() - before.keys())
    result.removed = sorted(before.keys() - after.keys())
    for code in sorted(before.keys() & after.keys()):
        a, b = before[code].model_dump(), after[code].model_dump()
        changed = sorted(key for key in a.keys() | b.keys() if a.get(key) != b.get(key))
        if changed:
            result.changed.append(KindChange(code, changed))
    if old is not None:
        for section in ("domains", "key_groups", "departments", "display_defaults"):
            if getattr(old, section) != getattr(new, section):
                result.other.append(section)
    return result


def get_active(session: Session) -> CatalogVersion | None:
    """The active version row, or None before the first activation."""
    return session.execute(
        select(CatalogVersion).where(CatalogVersion.status == "active")
    ).scalar_one_or_none()


def active_document(session: Session) -> tuple[CatalogVersion, CatalogDocument]:
    """The active version and its parsed document; NoActiveCatalog before the first load."""
    row = get_active(session)
    if row is None:
        raise NoActiveCatalog
    document = document_of(row)
    _last_active["digest"] = row.digest
    return row, document


def document_at(session: Session, at: datetime) -> tuple[str, CatalogDocument]:
    """The version active at a moment and its document (as-of reports); the active one when
    ``at`` precedes every activation. Reads the content only when it is not cached yet."""
    row = session.execute(
        select(CatalogVersion.id, CatalogVersion.version, CatalogVersion.digest)
        .where(
            CatalogVersion.activated_at.is_not(None),
            CatalogVersion.activated_at <= at,
            or_(CatalogVersion.retired_at.is_(None), CatalogVersion.retired_at > at),
        )
        .order_by(CatalogVersion.activated_at.desc())
        .limit(1)
    ).one_or_none()
    if row is None:
        active, document = active_document(session)
        return active.version, document
    cached = _DOCUMENTS.get(row.digest)
    if cached is None:
        cached = document_of(session.get_one(CatalogVersion, row.id))
    return row.version, cached


def get_version_or_raise(session: Session, version: str) -> CatalogVersion:
    """A stored version by number."""
    row = session.execute(
        select(CatalogVersion).where(CatalogVersion.version == version)
    ).scalar_one_or_none()
    if row is None:
        raise CatalogNotFound(f"no catalog version {version}")
    return row


def list_versions(session: Session) -> list[CatalogVersion]:
    """Every version ever loaded, newest first."""
    return list(
        session.execute(select(CatalogVersion).order_by(CatalogVersion.id.desc())).scalars()
    )


def get_kind_or_raise(document: CatalogDocument, code: str) -> RecordKind:
    """A kind of the given document."""
    for kind in document.kinds:
        if kind.code == code:
            return kind
    raise KindNotFound(f"no kind {code} in catalog {document.version}")


def preview(session: Session, content: dict[str, Any]) -> tuple[CatalogDocument, CatalogDiff]:
    """Validate a candidate and diff it against the active version (nothing is written)."""
    document = parse(content)
    active = get_active(session)
    return document, diff(document_of(active) if active else None, document)


def load(
    session: Session,
    content: dict[str, Any],
    *,
    actor: Actor,
    activate: bool,
    now: datetime | None = None,
) -> CatalogVersion:
    """Store a version (idempotent for identical content) and, if asked, make it the active one
    (queuing the score recompute a change of what scores read needs)."""
    document = parse(content)
    digest = digest_of(content)
    row = session.execute(
        select(CatalogVersion).where(CatalogVersion.version == document.version)
    ).scalar_one_or_none()
    if row is not None and row.digest != digest:
        raise CatalogVersionExists(
            f"version {document.version} was loaded with other content; give the file a new version"
        )
    now = now or utcnow()
    if row is None:
        row = CatalogVersion(
            version=document.version,
            digest=digest,
            content=content,
            status="loaded",
            kinds=len(document.kinds),
            loaded_by=actor.name,
            loaded_at=now,
        )
        session.add(row)
        session.flush()
        audit.record(
            session,
            "catalog:catalog:load",
            actor=actor,
            object_type="catalog_version",
            object_id=document.version,
            data={"digest": digest, "kinds": len(document.kinds)},
        )
    if activate and row.status != "active":
        previous = get_active(session)
        rescored = diff(document_of(previous), document).rescored if previous else []
        if previous is not None:
            previous.status = "retired"
            previous.retired_at = now
        row.status = "active"
        row.activated_at = now
        session.flush()
        audit.record(
            session,
            "catalog:catalog:activate",
            actor=actor,
            object_type="catalog_version",
            object_id=document.version,
            data={
                "digest": digest,
                "previous": previous.version if previous else None,
                "rescored": rescored,
            },
        )
        if rescored:
            # Scoring queues its full recompute in this transaction (scoring.on_catalog).
            events.publish(
                session, KINDS_RESCORED, KindsRescored(document.version, tuple(rescored), now)
            )
    return row


def ensure_active(session: Session, *, actor: Actor) -> CatalogVersion:
    """The active version; on a fresh database, the shipped catalog is loaded and activated."""
    return get_active(session) or load(session, shipped_content(), actor=actor, activate=True)
