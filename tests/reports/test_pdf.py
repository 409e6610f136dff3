"""PDF reports: a real A4 PDF with CJK fonts, page numbers and QR code; the seal and its checks."""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import example, given, settings
from hypothesis import strategies as st

from chengxin.cli import main
from chengxin.demo.sample_report import sample_report
from chengxin.keys.keyring import Keyring, save
from chengxin.reports import pdf as report_pdf
from chengxin.reports.content import Report, report_digest
from chengxin.reports.pdf import (
    SEAL_PREFIX,
    FontsMissing,
    PublicKeyInvalid,
    render_document,
    render_pdf,
    seal_message,
    seal_pdf,
    verify_pdf,
)
from chengxin.reports.render import render_html

CODE = "ABCD2345"
RING = Keyring.generate(demo=True)
OTHER = Keyring.generate(demo=True)


def verify_url(report: Report) -> str:
    return f"https://credit.example.gov.cn/reports/verify?number={report.number}"


@pytest.fixture(scope="module")
def report() -> Report:
    return sample_report()


@pytest.fixture(scope="module")
def sealed(report: Report) -> bytes:
    return render_pdf(report, keyring=RING, verification_code=CODE, verify_url=verify_url(report))


def _streams(data: bytes) -> Iterator[bytes]:
    """Every stream of the PDF, inflated when Flate-compressed (object streams included)."""
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.DOTALL):
        try:
            yield zlib.decompress(match.group(1))
        except zlib.error:
            yield match.group(1)


def _texts(box: object) -> Iterator[str]:
    from weasyprint.formatting_structure import boxes

    if isinstance(box, boxes.TextBox):
        yield box.text
    for child in getattr(box, "children", None) or []:
        yield from _texts(child)


def test_pdf_is_a_real_pdf_with_pages_and_an_embedded_noto_cjk_font(sealed: bytes) -> None:
    assert sealed.startswith(b"%PDF-1.")
    assert report_pdf.is_pdf(sealed)
    inflated = b"".join(_streams(sealed))
    assert re.search(rb"/Type\s*/Pages\b", inflated)
    assert re.search(rb"/Count\s+[1-9]", inflated)
    fonts = set(re.findall(rb"/BaseFont\s*/[A-Z]{6}\+([\w-]+)", inflated))
    assert any(b"Noto-Sans-CJK-SC" in name for name in fonts), fonts
    assert re.search(rb"/ToUnicode", inflated)  # Chinese text stays searchable and copyable
    assert re.search(rb"/MediaBox\s*\[\s*0\s+0\s+595\.\d+\s+841\.\d+", inflated)  # A4


def test_pages_are_numbered_and_carry_the_number_code_and_url(report: Report) -> None:
    document = render_document(report, verification_code=CODE, verify_url=verify_url(report))
    pages = [list(_texts(page._page_box)) for page in document.pages]
    total = len(pages)
    assert total >= 1
    for n, texts in enumerate(pages, start=1):
        assert f"第 {n} 页 共 {total} 页" in texts
        assert report.number in texts
    everything = "".join(t for texts in pages for t in texts)
    assert CODE in everything
    assert "https://credit.example.gov.cn/verify" in everything  # the address people type


def test_english_pdf_numbers_pages_in_english(report: Report) -> None:
    document = render_document(
        report, lang="en", verification_code=CODE, verify_url=verify_url(report)
    )
    first = list(_texts(document.pages[0]._page_box))
    assert f"Page 1 of {len(document.pages)}" in first


def test_qr_code_is_embedded_and_points_to_the_number_only(report: Report) -> None:
    html = render_html(report, verification_code=CODE, verify_url=verify_url(report))
    uri = re.search(r'<img class="qr" src="data:image/svg\+xml;base64,([^"]+)"', html)
    assert uri is not None
    svg = base64.b64decode(uri.group(1)).decode()
    assert svg.startswith("<svg")
    assert "<path" in svg
    assert report.masked_name not in verify_url(report)


def test_seal_round_trip_verifies(sealed: bytes, report: Report) -> None:
    result = verify_pdf(sealed, public_key_pem=RING.public_key_pem())
    assert result.ok, result
    assert (result.number, result.audience, result.digest, result.key_id) == (
        report.number,
        "subject",
        report_digest(report),
        RING.signing_key_id,
    )
    assert result.issued_at == report.model_dump(mode="json")["issued_at"]


def test_seal_is_one_comment_line_after_the_final_eof(sealed: bytes) -> None:
    body, _, line = sealed.rstrip(b"\n").rpartition(b"\n")
    assert body.endswith(b"%%EOF")
    assert line.startswith(SEAL_PREFIX)
    seal = json.loads(base64.urlsafe_b64decode(line[len(SEAL_PREFIX) :] + b"=="))
    assert set(seal) == {
        "v",
        "number",
        "issued_at",
        "audience",
        "digest",
        "pdf_sha256",
        "key_id",
        "signature",
    }
    message = seal_message(
        seal["number"], seal["issued_at"], seal["audience"], seal["digest"], seal["pdf_sha256"]
    )
    assert message.startswith(b"chengxin-report-pdf-v1\n")
    assert message.endswith(b"\n")
    signature = base64.urlsafe_b64decode(seal["signature"] + "==")
    assert RING.check_signature(message, signature)


@settings(max_examples=25, deadline=None)
@given(position=st.integers(min_value=0), flip=st.integers(min_value=1, max_value=255))
@example(position=-1, flip=1)  # the final newline
@example(position=-2, flip=1)  # the seal's last base64 character
@example(position=-120, flip=1)  # inside the signature
@example(position=0, flip=1)  # the %PDF header
def test_a_one_byte_change_anywhere_fails_verification(
    sealed: bytes, position: int, flip: int
) -> None:
    data = bytearray(sealed)
    data[position % len(data)] ^= flip
    result = verify_pdf(bytes(data), public_key_pem=RING.public_key_pem())
    assert not result.ok
    assert result.problem in {"seal-missing", "seal-malformed", "pdf-changed", "signature-invalid"}


def test_each_byte_of_the_seal_line_matters(sealed: bytes) -> None:
    start = sealed.rindex(b"\n" + SEAL_PREFIX) + 1
    for position in range(start, len(sealed)):
        data = bytearray(sealed)
        data[position] ^= 0x01
        assert not verify_pdf(bytes(data), public_key_pem=RING.public_key_pem()).ok, position


def test_a_change_in_the_pdf_body_is_reported_as_pdf_changed(sealed: bytes) -> None:
    data = bytearray(sealed)
    data[len(data) // 2] ^= 0xFF
    result = verify_pdf(bytes(data), public_key_pem=RING.public_key_pem())
    assert result.problem == "pdf-changed"
    assert result.number is not None  # what the seal claims is still reported


def test_another_key_fails(sealed: bytes) -> None:
    result = verify_pdf(sealed, public_key_pem=OTHER.public_key_pem())
    assert result.problem == "signature-invalid"


def test_a_seal_forged_with_another_key_fails(sealed: bytes, report: Report) -> None:
    body = sealed[: sealed.rindex(b"\n" + SEAL_PREFIX) + 1]
    forged = seal_pdf(body, report, keyring=OTHER)
    line = forged[len(body) + len(SEAL_PREFIX) : -1]
    seal = json.loads(base64.urlsafe_b64decode(line + b"=="))
    seal["key_id"] = RING.signing_key_id  # claim the platform's key
    text = json.dumps(seal, sort_keys=True, separators=(",", ":")).encode()
    relabelled = body + SEAL_PREFIX + base64.urlsafe_b64encode(text).rstrip(b"=") + b"\n"
    result = verify_pdf(relabelled, public_key_pem=RING.public_key_pem())
    assert result.problem == "signature-invalid"


def test_unsealed_truncated_and_garbled_seals(sealed: bytes) -> None:
    body = sealed[: sealed.rindex(b"\n" + SEAL_PREFIX) + 1]
    pem = RING.public_key_pem()
    assert verify_pdf(body, public_key_pem=pem).problem == "seal-missing"
    assert verify_pdf(b"", public_key_pem=pem).problem == "seal-missing"
    assert verify_pdf(sealed[:-10], public_key_pem=pem).problem == "seal-malformed"
    assert verify_pdf(sealed + b"x", public_key_pem=pem).problem == "seal-malformed"
    assert verify_pdf(body + SEAL_PREFIX + b"e30\n", public_key_pem=pem).problem == (
        "seal-malformed"  # {} is JSON, but not a seal
    )
    assert verify_pdf(body + SEAL_PREFIX + b"!!!\n", public_key_pem=pem).problem == (
        "seal-malformed"
    )


def test_a_public_key_that_is_not_ed25519_pem_is_refused(sealed: bytes) -> None:
    with pytest.raises(PublicKeyInvalid):
        verify_pdf(sealed, public_key_pem="not a key")


def test_missing_cjk_fonts_are_an_error_not_tofu(
    report: Report, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(report_pdf, "CJK_FAMILIES", ("Font That Is Not Installed",))
    with pytest.raises(FontsMissing) as raised:
        report_pdf.render_unsealed(report, verification_code=CODE, verify_url=verify_url(report))
    assert raised.value.code == "fonts-missing"
    assert "fonts-noto-cjk" in raised.value.detail


# -- the stylesheet and fonts, prepared once (issue 17) -------------------------------------------


def _styled(document: object) -> dict[str, object]:
    """What the stylesheet decides on page 1: the table layout, the heading rule, the body size."""
    from weasyprint.formatting_structure import boxes

    found: dict[str, object] = {}

    def walk(box: object) -> None:
        if isinstance(box, boxes.TableBox):
            found.setdefault("table_layout", box.style["table_layout"])
        if getattr(box, "element_tag", None) == "h2":
            found.setdefault("h2_border", box.style["border_bottom_width"])
        for child in getattr(box, "children", None) or []:
            walk(child)

    walk(document.pages[0]._page_box)  # type: ignore[attr-defined]
    return found


def test_the_pdf_applies_the_stylesheet_parsed_once_and_the_web_page_inlines_it(
    report: Report,
) -> None:
    web = render_html(report, verification_code=CODE, verify_url=verify_url(report))
    printed = render_html(
        report, verification_code=CODE, verify_url=verify_url(report), for_pdf=True
    )
    assert "table-layout: fixed" in web
    assert "table-layout: fixed" not in printed  # the renderer brings it, parsed once
    assert "@page" in printed  # the report's number and page footer stay on the page
    first = render_document(report, verification_code=CODE, verify_url=verify_url(report))
    second = render_document(report, verification_code=CODE, verify_url=verify_url(report))
    assert _styled(first) == _styled(second) == {"table_layout": "fixed", "h2_border": 2}
    assert report_pdf._stylesheet.cache_info().currsize == 1


def test_reports_render_alike_in_parallel_threads(report: Report) -> None:
    """The parsed stylesheet is shared by every thread, the font configuration is each
    thread's own: PDFs laid out at the same time match one laid out alone."""

    def layout(lang: str) -> tuple[int, list[list[str]], int]:
        document = render_document(
            report, lang=lang, verification_code=CODE, verify_url=verify_url(report)
        )
        texts = [list(_texts(page._page_box)) for page in document.pages]
        return len(document.pages), texts, id(report_pdf._font_config())

    alone = {lang: layout(lang)[:2] for lang in ("zh", "en")}
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(layout, ["zh", "en"] * 4))
    for lang, (pages, texts, _) in zip(["zh", "en"] * 4, results, strict=True):
        assert (pages, texts) == alone[lang]
    configs = {config for _, _, config in results}
    assert 1 < len(configs) <= 4  # one font configuration per worker thread, reused
    assert id(report_pdf._font_config()) not in configs  # and this thread's own


# -- the command line --------------------------------------------------------------------------


@pytest.fixture
def pem_file(tmp_path: Path) -> Path:
    path = tmp_path / "platform.pem"
    path.write_text(RING.public_key_pem())
    return path


def test_cli_verify_round_trip_then_a_modified_file_exits_1(
    sealed: bytes, tmp_path: Path, pem_file: Path
) -> None:
    good = tmp_path / "report.pdf"
    good.write_bytes(sealed)
    result = CliRunner().invoke(
        main, ["report", "verify", str(good), "--public-key", str(pem_file)]
    )
    assert result.exit_code == 0, result.output
    assert result.output.rstrip().endswith("verified")
    assert sealed_number(sealed) in result.output

    bad = tmp_path / "changed.pdf"
    data = bytearray(sealed)
    data[100] ^= 0x20
    bad.write_bytes(bytes(data))
    result = CliRunner().invoke(main, ["report", "verify", str(bad), "--public-key", str(pem_file)])
    assert result.exit_code == 1
    assert "pdf-changed" in result.output


def sealed_number(sealed: bytes) -> str:
    line = sealed[sealed.rindex(b"\n" + SEAL_PREFIX) + 1 + len(SEAL_PREFIX) : -1]
    return str(json.loads(base64.urlsafe_b64decode(line + b"=="))["number"])


def _local_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.delenv("CHENGXIN_KEYS", raising=False)
    return {"CHENGXIN_ENV": "test", "CHENGXIN_DATA_DIR": str(tmp_path)}


def test_cli_verify_uses_the_local_keyring_by_default(
    sealed: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = _local_env(tmp_path, monkeypatch)
    target = tmp_path / "report.pdf"
    target.write_bytes(sealed)
    missing = CliRunner().invoke(main, ["report", "verify", str(target)], env=env)
    assert missing.exit_code == 1
    assert "keys-missing" in missing.output
    save(OTHER, tmp_path / "keys.json")
    wrong = CliRunner().invoke(main, ["report", "verify", str(target)], env=env)
    assert wrong.exit_code == 1
    assert "signature-invalid" in wrong.output
    save(RING, tmp_path / "keys.json")
    right = CliRunner().invoke(main, ["report", "verify", str(target)], env=env)
    assert right.exit_code == 0, right.output


def test_cli_refuses_a_bad_public_key_file(sealed: bytes, tmp_path: Path) -> None:
    target = tmp_path / "report.pdf"
    target.write_bytes(sealed)
    key = tmp_path / "key.pem"
    key.write_text("-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n")
    result = CliRunner().invoke(main, ["report", "verify", str(target), "--public-key", str(key)])
    assert result.exit_code == 1
    assert "public-key-invalid" in result.output


def test_cli_sample_renders_a_sealed_four_page_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = _local_env(tmp_path, monkeypatch)
    save(RING, tmp_path / "keys.json")
    out = tmp_path / "sample.pdf"
    result = CliRunner().invoke(main, ["report", "sample", "--out", str(out)], env=env)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["pages"] == 4  # three until the lists section (issue 16)
    assert verify_pdf(out.read_bytes(), public_key_pem=RING.public_key_pem()).ok
    refused = CliRunner().invoke(
        main,
        ["report", "sample", "--out", str(out)],
        env={**env, "CHENGXIN_ENV": "production", "CHENGXIN_DATABASE_URL": "sqlite://"},
    )
    assert refused.exit_code == 1
    assert "sample-in-production" in refused.output


@pytest.mark.skipif(
    shutil.which("pdftotext") is None,
    reason="no pdftotext: `python3 dev.py test` installs Debian's poppler-utils",
)  # fails instead under CHENGXIN_REQUIRE_TOOLS=1 (CI; tests/conftest.py)
def test_pdf_readers_still_read_the_sealed_file(sealed: bytes, tmp_path: Path) -> None:
    target = tmp_path / "report.pdf"
    target.write_bytes(sealed)
    text = subprocess.run(  # noqa: S603  # fixed arguments, our own temporary file
        ["pdftotext", "-enc", "UTF-8", str(target), "-"],  # noqa: S607
        capture_output=True,
        check=True,
    ).stdout.decode("utf-8")
    assert "个人信用报告" in text
    assert CODE in text
    assert "第 1 页 共" in text or "第1页共" in text.replace(" ", "")
