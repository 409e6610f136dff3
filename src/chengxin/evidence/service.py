"""Evidence files: checked (type, size, count), sealed, listed and read back by a case's
parties."""

from __future__ import annotations

import base64
import binascii
import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin.errors import InvalidInput, NotFound
from chengxin.evidence.models import Evidence
from chengxin.keys import keyring_of
from chengxin.keys.sealed import seal, unseal
from chengxin.security.actor import Actor

MAX_FILES = 10
MAX_BYTES = 5 * 1024 * 1024
# PDF scans and photos: what a citizen's phone or a department's scanner produces.
CONTENT_TYPES = {"application/pdf", "image/jpeg", "image/png"}
_MAGIC = {"application/pdf": b"%PDF", "image/jpeg": b"\xff\xd8\xff", "image/png": b"\x89PNG"}


class EvidenceInvalid(InvalidInput):
    code = "evidence-invalid"
    title = "An evidence file is not acceptable"


class EvidenceNotFound(NotFound):
    code = "evidence-not-found"
    title = "No such evidence file"


@dataclass(frozen=True)
class EvidenceFile:
    """A file as sent: name, declared type and content (base64 over JSON)."""

    filename: str
    content_type: str
    content_base64: str


@dataclass(frozen=True)
class OpenedEvidence:
    row: Evidence
    filename: str
    content: bytes


def _decode(item: EvidenceFile, position: int) -> bytes:
    if item.content_type not in CONTENT_TYPES:
        raise EvidenceInvalid(
            f"file {position}: send PDF, JPEG or PNG", position=position, reason="type"
        )
    try:
        content = base64.b64decode(item.content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise EvidenceInvalid(
            f"file {position}: content is not base64", position=position, reason="encoding"
        ) from None
    if not content or len(content) > MAX_BYTES:
        raise EvidenceInvalid(
            f"file {position}: between 1 byte and {MAX_BYTES // (1024 * 1024)} MB",
            position=position,
            reason="size",
        )
    if not content.startswith(_MAGIC[item.content_type]):
        raise EvidenceInvalid(
            f"file {position}: content is not a {item.content_type} file",
            position=position,
            reason="content",
        )
    if not item.filename.strip() or len(item.filename) > 200:  # noqa: PLR2004
        raise EvidenceInvalid(f"file {position}: name it (at most 200 characters)")
    return content


def check(files: list[EvidenceFile], *, already: int = 0) -> list[bytes]:
    """Every file's content, or ``evidence-invalid`` naming the first bad file (nothing stored)."""
    if already + len(files) > MAX_FILES:
        raise EvidenceInvalid(f"at most {MAX_FILES} files per case", reason="count")
    return [_decode(item, i) for i, item in enumerate(files, start=1)]


def attach(
    session: Session,
    files: list[EvidenceFile],
    *,
    case_type: str,
    case_id: uuid.UUID,
    subject_id: uuid.UUID,
    actor: Actor,
    now: datetime,
) -> list[Evidence]:
    """Check and seal the files into the case (the caller audits the case change)."""
    already = len(of_case(session, case_id))
    contents = check(files, already=already)
    ring = keyring_of(session)
    rows = []
    for item, content in zip(files, contents, strict=True):
        row_id = uuid.uuid4()
        sealed, key_id = seal(
            ring,
            "evidence",
            row_id,
            {"filename": item.filename, "content": base64.b64encode(content).decode()},
        )
        rows.append(
            Evidence(
                id=row_id,
                case_type=case_type,
                case_id=case_id,
                subject_id=subject_id,
                content_type=item.content_type,
                size=len(content),
                sha256=hashlib.sha256(content).hexdigest(),
                sealed=sealed,
                key_id=key_id,
                uploaded_at=now,
                uploaded_by=actor.name,
            )
        )
    session.add_all(rows)
    session.flush()
    return rows


def of_case(session: Session, case_id: uuid.UUID) -> list[Evidence]:
    return list(
        session.execute(
            select(Evidence).where(Evidence.case_id == case_id).order_by(Evidence.uploaded_at)
        ).scalars()
    )


def open_file(session: Session, case_id: uuid.UUID, evidence_id: uuid.UUID) -> OpenedEvidence:
    """One file of a case, decrypted (the caller checked who may read the case and audits it)."""
    row = session.get(Evidence, evidence_id)
    if row is None or row.case_id != case_id:
        raise EvidenceNotFound
    value = unseal(keyring_of(session), "evidence", row.id, row.sealed, row.key_id)
    return OpenedEvidence(row, value["filename"], base64.b64decode(value["content"]))
