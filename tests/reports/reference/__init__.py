"""The reference images of a credit report's first page (issue 20), and how to make them.

A fixed synthetic report (``demo.sample_report``: a seeded Faker person, issued 2026-11-28 14:05
Beijing time, its number and verification code seeded too) is rendered with fixed settings (a
distinctive issuing body, seal text and ``public_base_url``), and page 1 of the PDF is rasterized
with poppler's ``pdftoppm`` at 60 dpi. Every input is fixed, so nothing on the page legitimately
varies: the QR code encodes the fixed address and number, and the platform's signature is a line
after ``%%EOF`` that no reader draws (a different signing key changes no pixel). What may differ
between machines is anti-aliasing: :func:`differing` counts the pixels whose grey level differs by
more than ``LEVELS``, and the test allows ``TOLERANCE`` of the page to differ.

After an intended change of the layout, write new references and look at them before committing:

    .venv/bin/python -m tests.reports.reference --write
"""

from __future__ import annotations

import random
import shutil
import subprocess
import tempfile
from pathlib import Path

from PIL import Image, ImageChops

from chengxin.demo.sample_report import sample_code, sample_report
from chengxin.reports import pdf as report_pdf
from chengxin.reports import verification
from chengxin.reports.render import Issuer
from chengxin.settings import Settings

HERE = Path(__file__).parent
BASE_URL = "https://xinyong.example.gov.cn"
ISSUER = "荆楚市公共信用信息中心"
ISSUER_EN = "Jingchu City Public Credit Information Center"
SEAL_TEXT = "信用报告专用章"
DPI = 60
LEVELS = 64  # a pixel differs when its grey level moves by more than this (of 255)
TOLERANCE = 0.004  # the share of the page's pixels that may differ (anti-aliasing, hinting)


def fixed_settings() -> Settings:
    return Settings(
        env="test",
        database_url="sqlite://",
        public_base_url=BASE_URL,
        report_issuer=ISSUER,
        report_issuer_en=ISSUER_EN,
        report_seal_text=SEAL_TEXT,
    )


def reference_path(lang: str) -> Path:
    return HERE / f"report-page1-{lang}.png"


def render_pdf(lang: str) -> bytes:
    """The fixed report as a PDF (unsealed: the seal line draws nothing)."""
    settings = fixed_settings()
    report = sample_report()
    pdf, _ = report_pdf.render_unsealed(
        report,
        lang=lang,
        verification_code=sample_code(random.Random(report.number)),
        verify_url=verification.verify_url(settings.public_base_url, report.number),
        issuer=Issuer.from_settings(settings),
    )
    return pdf


def first_page(pdf: bytes) -> Image.Image:
    """Page 1 of the PDF as pdftoppm draws it (RGB)."""
    tool = shutil.which("pdftoppm")
    if tool is None:
        raise FileNotFoundError("pdftoppm (Debian's poppler-utils) is not installed")
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "report.pdf"
        source.write_bytes(pdf)
        subprocess.run(  # noqa: S603  # fixed arguments, our own temporary files
            [
                tool,
                "-r",
                str(DPI),
                "-f",
                "1",
                "-l",
                "1",
                "-png",
                "-singlefile",
                str(source),
                str(Path(folder) / "page"),
            ],
            check=True,
            capture_output=True,
        )
        with Image.open(Path(folder) / "page.png") as image:
            return image.convert("RGB")


def differing(actual: Image.Image, expected: Image.Image) -> tuple[float, Image.Image]:
    """The share of pixels that differ by more than LEVELS grey levels, and the difference."""
    if actual.size != expected.size:
        return 1.0, Image.new("L", actual.size, 255)
    difference = ImageChops.difference(actual.convert("L"), expected.convert("L"))
    changed = difference.point(lambda value: 255 if value > LEVELS else 0)
    histogram = changed.histogram()
    return histogram[255] / (actual.size[0] * actual.size[1]), changed


def write() -> list[Path]:
    written = []
    for lang in ("zh", "en"):
        path = reference_path(lang)
        # A 64-colour palette: a third of the bytes; the test compares grey levels anyway.
        first_page(render_pdf(lang)).quantize(64).save(path, optimize=True)
        written.append(path)
    return written
