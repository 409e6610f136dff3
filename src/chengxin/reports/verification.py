"""Report numbers, verification codes and signatures, and the public check of an issued report.

Every issued report gets a number ``CX-YYYYMMDD-XXXXXXXX`` (issue day in UTC, 40 random bits in
the 32-character alphabet below) and an 8-character verification code given once to the
requester and printed on the report. The platform stores only a keyed hash of the code, and signs
with its Ed25519 key (the audit log's key, ``GET /api/v1/audit/public-key``) the message::

    chengxin-report-v1\\n<number>\\n<issued_at>\\n<audience>\\n<digest>\\n

where ``issued_at`` is written exactly as in the report's canonical JSON and ``digest`` is the hex
SHA-256 of that canonical JSON (``reports.content.report_digest``). Whoever holds the number and
the code learns the issue time, the audience and the signed digest — never the content — so a
bank can confirm that the report it was handed is genuine and unchanged.
"""

from __future__ import annotations

import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from pydantic import TypeAdapter
from sqlalchemy.orm import Session

from chengxin.keys import keyring_of
from chengxin.keys.keyring import Keyring
from chengxin.reports.content import Report, report_digest
from chengxin.reports.errors import ReportNotVerified
from chengxin.reports.models import ReportIssue

# Base32 without the characters people misread (0/O, 1/I): 26 letters + 10 digits − 4 = 32.
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
MESSAGE_LABEL = "chengxin-report-v1"
_DATETIME = TypeAdapter(datetime)
_CODE_PURPOSE = b"report-code"


def _random(length: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def new_number(issued_at: datetime) -> str:
    """A fresh report number for a report issued at this moment."""
    return f"CX-{issued_at:%Y%m%d}-{_random(8)}"


def new_code() -> str:
    """A fresh verification code (shown once; only its keyed hash is stored)."""
    return _random(CODE_LENGTH)


def normalize_code(code: str) -> str:
    """The code as stored: upper case, spaces and dashes people type removed."""
    return code.strip().upper().replace(" ", "").replace("-", "")


def code_hash(ring: Keyring, number: str, code: str) -> str:
    """HMAC-SHA256 (the blind-index key) of number and code, hex."""
    return ring.blind(_CODE_PURPOSE, f"{number}\n{normalize_code(code)}").hex()


def moment_text(moment: datetime) -> str:
    """A moment written as the report's canonical JSON writes it."""
    return str(_DATETIME.dump_python(moment, mode="json"))


def signed_message(number: str, issued_at: datetime, audience: str, digest: str) -> bytes:
    """The bytes the platform signs for an issued report (module docstring)."""
    text = f"{MESSAGE_LABEL}\n{number}\n{moment_text(issued_at)}\n{audience}\n{digest}\n"
    return text.encode("utf-8")


@dataclass(frozen=True)
class Registration:
    """Who the report was issued to and for, beyond its content: what reproduction needs."""

    subject_id: uuid.UUID
    organization_id: uuid.UUID | None = None
    grant_id: uuid.UUID | None = None
    query_id: uuid.UUID | None = None
    kinds: list[str] | None = None


def register(
    session: Session, report: Report, registration: Registration, *, actor_name: str
) -> tuple[ReportIssue, str]:
    """Sign the report's digest, store the issue and return it with the verification code."""
    ring = keyring_of(session)
    code = new_code()
    digest = report_digest(report)
    audience = report.audience.value
    issue = ReportIssue(
        number=report.number,
        code_hash=code_hash(ring, report.number, code),
        audience=audience,
        organization_id=registration.organization_id,
        subject_id=registration.subject_id,
        scene=report.scene,
        purpose=report.purpose,
        grant_id=registration.grant_id,
        query_id=registration.query_id,
        kinds=registration.kinds,
        actor_name=actor_name,
        issued_at=report.issued_at,
        as_of=report.as_of,
        digest=digest,
        signature=ring.sign(signed_message(report.number, report.issued_at, audience, digest)),
        key_id=ring.signing_key_id,
    )
    session.add(issue)
    session.flush()
    return issue, code


def verify(session: Session, number: str, code: str) -> ReportIssue:
    """The issue with this number if the code is its code; ``report-not-verified`` otherwise
    (the same answer for an unknown number and a wrong code)."""
    ring = keyring_of(session)
    number = number.strip().upper()
    issue = session.get(ReportIssue, number) if len(number) <= 24 else None  # noqa: PLR2004
    expected = issue.code_hash if issue is not None else "0" * 64
    given = code_hash(ring, number, code)
    if not hmac.compare_digest(expected, given) or issue is None:
        raise ReportNotVerified
    return issue


def verify_url(base_url: str, number: str) -> str:
    """The address QR-coded on a report: the public verification page with the number filled
    in (the number only, never the code)."""
    return f"{base_url.rstrip('/')}/reports/verify?number={number}"


def verify_page(url: str) -> str:
    """The verification page people type in, on the same address as a report's QR code
    (``<public_base_url>/verify``), so the printed address and the QR code never disagree."""
    base, found, _ = url.partition("/reports/verify")
    if not found:  # another address (tests, a sample): its site's page
        parts = urlsplit(url)
        base = f"{parts.scheme}://{parts.netloc}" if parts.netloc else url
    return f"{base.rstrip('/')}/verify"


def signature_holds(ring: Keyring, issue: ReportIssue) -> bool:
    """True when the stored signature is the platform's signature of the issue's message."""
    message = signed_message(issue.number, issue.issued_at, issue.audience, issue.digest)
    return issue.key_id == ring.signing_key_id and ring.check_signature(message, issue.signature)
