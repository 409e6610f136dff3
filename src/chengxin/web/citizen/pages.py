"""What the citizen's pages share: uploaded evidence turned into the evidence service's input,
and the person's records to choose from.

No rule lives here: a form is checked by the same pydantic schema the API reads
(``web.forms.parse``: ``invalid-input`` beside the form), and the services decide the rest.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass

from litestar.datastructures import UploadFile
from sqlalchemy.orm import Session

from chengxin.access.scenes import SCENES
from chengxin.audit import service as audit
from chengxin.catalog import service as catalog_service
from chengxin.db import utcnow
from chengxin.evidence.service import EvidenceFile
from chengxin.records.models import CreditRecord, RecordStatus
from chengxin.records.visibility import Audience, AudienceKind, visible_records
from chengxin.security.actor import Actor
from chengxin.workdays.days import day_of


def uuid_or_none(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value.strip())
    except ValueError:
        return None


def evidence_files(uploads: list[UploadFile] | UploadFile | None) -> list[EvidenceFile]:
    """Uploaded files as the evidence service takes them (the API's JSON carries base64; the
    service decodes and checks type, size and content). Empty file inputs are skipped."""
    if uploads is None:
        return []
    items = uploads if isinstance(uploads, list) else [uploads]
    found = []
    for upload in items:
        if not isinstance(upload, UploadFile) or not upload.filename:
            continue
        content = upload.file.read()
        if not content:
            continue
        found.append(
            EvidenceFile(
                upload.filename,
                upload.content_type or "application/octet-stream",
                base64.b64encode(content).decode("ascii"),
            )
        )
    return found


@dataclass(frozen=True)
class MyRecord:
    """One of the person's records, for choosing it in a form."""

    record: CreditRecord
    kind_zh: str
    kind_en: str

    def label(self, lang: str) -> str:
        kind = self.kind_en if lang == "en" else self.kind_zh
        return f"{kind} · {self.record.document_no} · {self.record.finding_on.isoformat()}"


def my_records(session: Session, actor: Actor, *, current_only: bool = True) -> list[MyRecord]:
    """The records the person sees of themselves (the report's subject audience), current
    versions only unless asked: objections, repairs and statements are about those."""
    subject_id = audit.own_subject(actor)
    _, document = catalog_service.active_document(session)
    names = {k.code: (k.name_zh, k.name_en) for k in document.kinds}
    rows = visible_records(
        session, document, [subject_id], Audience(AudienceKind.SUBJECT), day_of(utcnow())
    )
    return [
        MyRecord(r, *names.get(r.kind_code, (r.kind_code, r.kind_code)))
        for r in rows
        if not current_only or r.status == RecordStatus.ACTIVE
    ]


def scene_name(code: str | None, lang: str) -> str:
    """A business scene's name in the reader's language (the domain's own zh/en names)."""
    if not code:
        return "—"
    for scene, info in SCENES.items():
        if scene.value == code:
            return info.en if lang == "en" else info.zh
    return code


def scene_options(lang: str) -> list[tuple[str, str]]:
    """Scenes a person may authorize (consented ones; statutory checks need no grant)."""
    return [
        (scene.value, info.en if lang == "en" else info.zh)
        for scene, info in SCENES.items()
        if not info.government
    ]
