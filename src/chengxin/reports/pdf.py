"""PDF credit reports: WeasyPrint renders the report's HTML page, then the platform seals the file.

The seal is one PDF comment line appended after the final ``%%EOF`` (readers ignore bytes there)::

    %CHENGXIN-SEAL <base64url, unpadded, of canonical JSON>\\n

The JSON (sorted keys, no whitespace) holds ``v`` (1), ``number``, ``issued_at`` (as in the report's
canonical JSON), ``audience``, ``digest`` (SHA-256 of the report's canonical JSON), ``pdf_sha256``
(SHA-256 hex of every byte before the seal line), ``key_id`` (SHA-256 hex of the raw Ed25519 public
key) and ``signature``: base64url of the platform's Ed25519 signature of :func:`seal_message`::

    chengxin-report-pdf-v1\\n<number>\\n<issued_at>\\n<audience>\\n<digest>\\n<pdf_sha256>\\n

So the signature covers every byte of the PDF, and every byte of the seal is checked: the base64
text and the JSON must be exactly the canonical encoding of what they carry. A one-byte change
anywhere in the file fails :func:`verify_pdf`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
from dataclasses import dataclass
from functools import cache
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from chengxin.errors import DomainError, InvalidInput
from chengxin.keys.keyring import Keyring
from chengxin.reports.content import Report, report_digest
from chengxin.reports.render import Issuer, render_html, stylesheet

SEAL_PREFIX = b"%CHENGXIN-SEAL "
SEAL_VERSION = 1
MESSAGE_LABEL = "chengxin-report-pdf-v1"
SEAL_FIELDS = frozenset(
    {"v", "number", "issued_at", "audience", "digest", "pdf_sha256", "key_id", "signature"}
)
SIGNATURE_BYTES = 64
# The families the stylesheet asks for (Debian's fonts-noto-cjk); without one of them Pango falls
# back to whatever is installed, which may draw Chinese as empty boxes ("tofu").
CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Serif CJK SC")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_B64URL = re.compile(rb"[A-Za-z0-9_-]*")
_fonts = threading.local()  # each thread's FontConfiguration (_font_config)


class FontsMissing(DomainError):
    status = 500
    code = "fonts-missing"
    title = "The Noto CJK fonts are not installed: PDF reports cannot show Chinese"


class PublicKeyInvalid(InvalidInput):
    code = "public-key-invalid"
    title = "The public key is not an Ed25519 public key in PEM format"


@dataclass(frozen=True)
class PdfVerification:
    """The result of checking a sealed PDF report; ``problem`` says why when ``ok`` is false.

    Problems: ``seal-missing`` (no seal line at the end), ``seal-malformed`` (the seal is not the
    canonical encoding of a version-1 seal), ``pdf-changed`` (the PDF bytes differ from the sealed
    ones), ``signature-invalid`` (not signed by the given key, or the seal was altered).
    """

    ok: bool
    problem: str | None = None
    message: str = ""
    number: str | None = None
    issued_at: str | None = None
    audience: str | None = None
    digest: str | None = None
    key_id: str | None = None


# -- rendering ------------------------------------------------------------------------------------


@cache
def _stylesheet() -> Any:
    """The report's stylesheet parsed once per process (tinycss2 and the selector matcher).

    Shared by every thread: once built, WeasyPrint only reads a ``CSS`` object (its matcher and
    page rules), as it shares its own user-agent stylesheet. Applied with the user origin, which
    changes nothing: the page itself carries only the ``@page`` rules (number and footer), and
    presentational hints are off, so no author rule competes with it.
    """
    from weasyprint import CSS  # noqa: PLC0415  # loads Pango and HarfBuzz: first use only

    return CSS(string=stylesheet(), media_type="print")


def _font_config() -> Any:
    """This thread's WeasyPrint font configuration (a Fontconfig configuration and a Pango font
    map), made on the thread's first PDF and kept: Pango caches the fonts it opened in the map,
    so later reports skip loading Noto CJK again. One per thread because a Pango font map is not
    safe to use from two threads at once (reports render in worker threads)."""
    config = getattr(_fonts, "config", None)
    if config is None:
        from weasyprint.text.fonts import FontConfiguration  # noqa: PLC0415

        config = _fonts.config = FontConfiguration()
    return config


def render_document(
    report: Report,
    *,
    lang: str = "zh",
    verification_code: str,
    verify_url: str,
    issuer: Issuer | None = None,
) -> Any:
    """The laid-out WeasyPrint document of the report (its ``pages`` hold the boxes; tests read
    the page-number margin boxes there). ``issuer``: the issuing body and seal text (by default
    the settings' defaults)."""
    from weasyprint import HTML  # noqa: PLC0415  # loads Pango and HarfBuzz: first use only
    from weasyprint.urls import URLFetcher  # noqa: PLC0415

    html = render_html(
        report,
        lang=lang,
        verification_code=verification_code,
        verify_url=verify_url,
        issuer=issuer,
        for_pdf=True,
    )
    # Only data: URIs (the QR code) may be fetched: a report never makes the renderer reach out.
    fetcher = URLFetcher(allowed_protocols=["data"], fail_on_errors=True)
    return HTML(string=html, url_fetcher=fetcher).render(
        font_config=_font_config(), stylesheets=[_stylesheet()]
    )


def render_unsealed(
    report: Report,
    *,
    lang: str = "zh",
    verification_code: str,
    verify_url: str,
    issuer: Issuer | None = None,
) -> tuple[bytes, int]:
    """The PDF of the report before sealing, and its page count; FontsMissing without Noto CJK."""
    document = render_document(
        report,
        lang=lang,
        verification_code=verification_code,
        verify_url=verify_url,
        issuer=issuer,
    )
    pdf: bytes | None = document.write_pdf()
    if pdf is None:  # pragma: no cover  # write_pdf without a target always returns bytes
        raise FontsMissing("WeasyPrint returned no PDF")
    # Pango names the font it actually used for each run of text: if no Noto CJK face was used,
    # another font (or none) drew the Chinese text, and we refuse rather than print tofu.
    used = {font.family for font in document.fonts.values()}
    if not used.intersection(CJK_FAMILIES):
        raise FontsMissing(
            "none of the fonts "
            + ", ".join(CJK_FAMILIES)
            + " is installed (found: "
            + (", ".join(sorted(used)) or "none")
            + "); install Debian's fonts-noto-cjk: sudo apt-get install fonts-noto-cjk"
        )
    return pdf, len(document.pages)


def render_pdf(
    report: Report,
    *,
    keyring: Keyring,
    verification_code: str,
    verify_url: str,
    lang: str = "zh",
    issuer: Issuer | None = None,
) -> bytes:
    """The report as a sealed A4 PDF: page numbers, QR code of ``verify_url``, the code printed,
    the issuing body and its seal block."""
    pdf, _ = render_unsealed(
        report,
        lang=lang,
        verification_code=verification_code,
        verify_url=verify_url,
        issuer=issuer,
    )
    return seal_pdf(pdf, report, keyring=keyring)


# -- the seal -------------------------------------------------------------------------------------


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64url(text: bytes) -> bytes:
    """Strict base64url: only the canonical, unpadded encoding of the bytes is accepted (so no
    byte of it can change without changing what it decodes to)."""
    if _B64URL.fullmatch(text) is None:
        raise ValueError("not base64url")
    raw = base64.urlsafe_b64decode(text + b"=" * (-len(text) % 4))
    if _b64url(raw).encode("ascii") != text:
        raise ValueError("not the canonical base64url encoding")
    return raw


def _canonical(body: dict[str, Any]) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def seal_message(number: str, issued_at: str, audience: str, digest: str, pdf_sha256: str) -> bytes:
    """The exact bytes the seal's Ed25519 signature covers."""
    lines = (MESSAGE_LABEL, number, issued_at, audience, digest, pdf_sha256)
    return "".join(f"{line}\n" for line in lines).encode("utf-8")


def seal_pdf(pdf: bytes, report: Report, *, keyring: Keyring) -> bytes:
    """Append the signed seal line to a PDF of ``report`` (see the module docstring)."""
    if not pdf.endswith(b"\n"):
        pdf += b"\n"  # the seal must start a line of its own
    head = report.model_dump(mode="json", include={"number", "issued_at", "audience"})
    digest = report_digest(report)
    pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    message = seal_message(head["number"], head["issued_at"], head["audience"], digest, pdf_sha256)
    body = {
        "v": SEAL_VERSION,
        **head,
        "digest": digest,
        "pdf_sha256": pdf_sha256,
        "key_id": keyring.signing_key_id,
        "signature": _b64url(keyring.sign(message)),
    }
    return pdf + SEAL_PREFIX + _b64url(_canonical(body)).encode("ascii") + b"\n"


def _public_key(public_key_pem: str | bytes) -> Ed25519PublicKey:
    pem = public_key_pem.encode("ascii") if isinstance(public_key_pem, str) else public_key_pem
    try:
        key = serialization.load_pem_public_key(pem)
    except (ValueError, TypeError, UnicodeError) as exc:
        raise PublicKeyInvalid("cannot read the public key as PEM") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise PublicKeyInvalid(f"the public key is {type(key).__name__}, not Ed25519")
    return key


class _Malformed(ValueError):
    """Why a seal line is not a well-formed version-1 seal."""


def _check(condition: bool, reason: str) -> None:  # noqa: FBT001
    if not condition:
        raise _Malformed(reason)


def _read_seal(line: bytes) -> dict[str, Any]:
    """The seal's fields (``signature`` decoded); _Malformed says what is wrong with it."""
    _check(
        line.endswith(b"\n") and b"\n" not in line[:-1] and b"\r" not in line,
        "the seal is not one line at the very end of the file",
    )
    try:
        raw = _unb64url(line[len(SEAL_PREFIX) : -1])
        body = json.loads(raw.decode("ascii"))
    except (ValueError, UnicodeError):
        raise _Malformed("the seal is not base64url-encoded JSON") from None
    _check(
        isinstance(body, dict) and set(body) == SEAL_FIELDS and _canonical(body) == raw,
        "the seal does not hold exactly the canonical version-1 fields",
    )
    _check(type(body["v"]) is int and body["v"] == SEAL_VERSION, "unknown seal version")
    _check(
        all(isinstance(body[name], str) for name in SEAL_FIELDS - {"v"}), "a seal field is not text"
    )
    _check(
        all(_HEX64.fullmatch(body[name]) for name in ("digest", "pdf_sha256", "key_id")),
        "a digest or key id in the seal is not 64 lowercase hex digits",
    )
    try:
        body["signature"] = _unb64url(body["signature"].encode("ascii"))
    except (ValueError, UnicodeError):
        raise _Malformed("the signature is not base64url") from None
    _check(len(body["signature"]) == SIGNATURE_BYTES, "the signature is not 64 bytes")
    seal: dict[str, Any] = body
    return seal


def verify_pdf(data: bytes, *, public_key_pem: str | bytes) -> PdfVerification:
    """Check a sealed PDF report offline against the platform's Ed25519 public key (PEM).

    Raises PublicKeyInvalid when the key itself is unusable; every problem with the file is a
    failed verification that says why.
    """
    key = _public_key(public_key_pem)
    key_id = hashlib.sha256(
        key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    ).hexdigest()
    at = data.rfind(b"\n" + SEAL_PREFIX)
    if at < 0:
        return PdfVerification(
            ok=False,
            problem="seal-missing",
            message="the file carries no Chengxin seal: it is not a PDF report issued by the "
            "platform, or its last line was removed or changed",
        )
    pdf, line = data[: at + 1], data[at + 1 :]
    try:
        seal = _read_seal(line)
    except _Malformed as exc:
        return PdfVerification(ok=False, problem="seal-malformed", message=str(exc))
    found = {name: seal[name] for name in ("number", "issued_at", "audience", "digest", "key_id")}
    if hashlib.sha256(pdf).hexdigest() != seal["pdf_sha256"]:
        return PdfVerification(
            ok=False,
            problem="pdf-changed",
            message="the PDF has been changed since it was issued: its bytes do not match the seal",
            **found,
        )
    if seal["key_id"] != key_id:
        return PdfVerification(
            ok=False,
            problem="signature-invalid",
            message=f"the seal names signing key {seal['key_id'][:16]}…, not the given key "
            f"{key_id[:16]}…",
            **found,
        )
    message = seal_message(
        seal["number"], seal["issued_at"], seal["audience"], seal["digest"], seal["pdf_sha256"]
    )
    try:
        key.verify(seal["signature"], message)
    except InvalidSignature:
        return PdfVerification(
            ok=False,
            problem="signature-invalid",
            message="the seal's signature does not match its content: the seal was altered",
            **found,
        )
    return PdfVerification(ok=True, message="verified", **found)


def is_pdf(data: bytes) -> bool:
    """A cheap structural check: the PDF header and an end-of-file marker before any seal."""
    at = data.rfind(b"\n" + SEAL_PREFIX)
    body = data if at < 0 else data[: at + 1]
    return data.startswith(b"%PDF-") and body.rstrip().endswith(b"%%EOF")


__all__ = [
    "FontsMissing",
    "PdfVerification",
    "PublicKeyInvalid",
    "is_pdf",
    "render_document",
    "render_pdf",
    "render_unsealed",
    "seal_message",
    "seal_pdf",
    "verify_pdf",
]
