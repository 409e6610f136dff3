"""An official-looking report (issue 20, item 2): the issuing body and seal block from the
settings, the verification address on ``public_base_url``, the person's full name on her own
report, words instead of codes, and one report number per visit for the page and its PDF."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from PIL import Image

from chengxin.catalog import service as catalog_service
from chengxin.catalog.schema import CatalogDocument
from chengxin.db import utcnow
from chengxin.demo.sample_report import sample_report
from chengxin.lists import types as list_types
from chengxin.measures import catalog as measures_catalog
from chengxin.organizations.models import OrganizationKind, RoleKind
from chengxin.reports import service as report_service
from chengxin.reports.render import render_html
from chengxin.settings import Settings
from tests.access.fixtures import citizen
from tests.checks.fixtures import SYSTEM, enterprise
from tests.lists.fixtures import listed
from tests.objections.fixtures import RightsWorld
from tests.reports import reference
from tests.web.test_citizen import signed_in, world  # noqa: F401  # fixtures

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None,
    reason="no pdftotext/pdftoppm: `python3 dev.py test` installs Debian's poppler-utils",
)  # fails instead under CHENGXIN_REQUIRE_TOOLS=1 (CI; tests/conftest.py)


def pdf_text(pdf: bytes, *, first_page_only: bool = False) -> str:
    pages = ["-f", "1", "-l", "1"] if first_page_only else []
    return subprocess.run(  # noqa: S603  # fixed arguments; the PDF comes in on stdin
        ["pdftotext", *pages, "-enc", "UTF-8", "-", "-"],  # noqa: S607
        input=pdf,
        capture_output=True,
        check=True,
    ).stdout.decode("utf-8")


def flat(text: str) -> str:
    """Text without the line breaks and spaces a layout puts in."""
    return re.sub(r"\s+", "", text)


# -- the page image --------------------------------------------------------------------------------


@needs_poppler
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_first_page_matches_the_reference_image(lang: str) -> None:
    pdf = reference.render_pdf(lang)
    actual = reference.first_page(pdf)
    with Image.open(reference.reference_path(lang)) as expected:
        share, difference = reference.differing(actual, expected.convert("RGB"))
    if share > reference.TOLERANCE:
        ARTIFACTS.mkdir(exist_ok=True)
        actual.save(ARTIFACTS / f"report-page1-{lang}-actual.png")
        difference.save(ARTIFACTS / f"report-page1-{lang}-difference.png")
    assert share <= reference.TOLERANCE, (
        f"{share:.2%} of page 1 differs from {reference.reference_path(lang).name} (see "
        "test-artifacts/); after an intended change: python -m tests.reports.reference --write"
    )


@needs_poppler
def test_the_reference_page_shows_issuer_seal_full_name_and_the_configured_address() -> None:
    report = sample_report()
    assert report.name is not None
    zh = flat(pdf_text(reference.render_pdf("zh"), first_page_only=True))
    platform = "诚信湖北·个人公共信用信息平台"
    for text in (
        reference.ISSUER,
        reference.SEAL_TEXT,
        "电子印章（示意）",
        report.name,
        f"{reference.BASE_URL}/verify",
        platform,
        "核验码",
    ):
        assert flat(text) in zh, text
    assert "验证码" not in zh
    assert "127.0.0.1" not in zh
    en = flat(pdf_text(reference.render_pdf("en"), first_page_only=True))
    for text in (reference.ISSUER_EN, report.name, f"{reference.BASE_URL}/verify"):
        assert flat(text) in en, text


# -- no internal code in the PDF -------------------------------------------------------------------


def internal_codes() -> set[str]:
    """Catalog kind and department codes, measure codes, list types, roles, organization kinds."""
    document = CatalogDocument.model_validate(catalog_service.shipped_content())
    codes = {k.code for k in document.kinds} | {d.code for d in document.departments}
    codes |= {m.code for m in measures_catalog.catalog().measures}
    codes |= {t.code for t in list_types.all_types()}
    codes |= {r.value for r in RoleKind} | {k.value for k in OrganizationKind}
    return codes


def codes_in(text: str, *, lang: str) -> list[str]:
    codes = internal_codes()
    if lang == "en":  # a code that is an English word ("tax", "court") is looked for in Chinese
        codes = {c for c in codes if re.search(r"[-_:]", c)}
    pattern = re.compile(
        r"(?<![\w/.@:-])("
        + "|".join(re.escape(c) for c in sorted(codes, key=len, reverse=True))
        + r")(?![\w/.@:-])"
    )
    return sorted(set(pattern.findall(text)))


@needs_poppler
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_internal_code_in_the_sample_pdf(lang: str) -> None:
    text = pdf_text(reference.render_pdf(lang))
    assert codes_in(text, lang=lang) == []
    assert "chengxin report verify" not in text
    assert "system:" not in text


# -- the person's own report on the web ------------------------------------------------------------


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "public_base_url": reference.BASE_URL,
            "report_issuer": reference.ISSUER,
            "report_issuer_en": reference.ISSUER_EN,
            "report_seal_text": reference.SEAL_TEXT,
        }
    )


def _number(page: str) -> str:
    found = re.search(r"<code>(CX-\d{8}-[A-Z0-9]{8})</code>", page)
    assert found is not None
    return found.group(1)


def test_the_page_and_its_pdf_carry_one_report_number(
    signed_in: tuple[TestClient, Any],  # type: ignore[type-arg]  # noqa: F811
    world: RightsWorld,  # noqa: F811
) -> None:
    client, person = signed_in
    page = client.get("/me/report")
    assert page.status_code == 200
    number = _number(page.text)
    assert person.name in page.text  # her full name on her own report
    assert f"{reference.BASE_URL}/verify" in page.text
    assert reference.ISSUER in page.text
    assert "chengxin report verify" not in page.text
    pdf = client.get("/me/report.pdf")
    assert pdf.status_code == 200
    assert pdf.headers["x-report-number"] == number
    assert _number(client.get("/me/report").text) == number  # shown again: the same report
    # Something changed (a government body queried her): the next view is a new report.
    world.government_report(person)
    assert _number(client.get("/me/report").text) != number


def test_a_new_browser_gets_its_own_report(
    signed_in: tuple[TestClient, Any],  # type: ignore[type-arg]  # noqa: F811
) -> None:
    client, _ = signed_in
    first = _number(client.get("/me/report").text)
    client.cookies.delete("chengxin_report")  # another browser (or the cookie expired)
    assert _number(client.get("/me/report").text) != first


@needs_poppler
def test_the_downloaded_pdf_names_her_in_full_with_issuer_seal_and_address(
    signed_in: tuple[TestClient, Any],  # type: ignore[type-arg]  # noqa: F811
) -> None:
    client, person = signed_in
    for lang in ("zh", "en"):
        client.cookies.set("chengxin_lang", lang)
        response = client.get("/me/report.pdf")
        assert response.status_code == 200
        text = pdf_text(response.content)
        first = flat(pdf_text(response.content, first_page_only=True))
        assert response.headers["x-report-number"] in text
        for shown in (
            person.name,
            f"{reference.BASE_URL}/verify",
            reference.ISSUER if lang == "zh" else reference.ISSUER_EN,
        ):
            assert flat(shown) in first, (lang, shown)
        if lang == "zh":
            assert reference.SEAL_TEXT in first
        assert "127.0.0.1" not in text
        assert "chengxin report verify" not in text
        # The test catalog names its kinds after their codes ("测试事项 tax-arrears"): its own
        # words, not a code the report put in.
        words = re.sub(r"(测试事项|test kind)\s+[\w-]+", " ", text)
        assert codes_in(words, lang=lang) == []


def test_a_listing_through_an_organization_names_the_organization(
    world: RightsWorld,  # noqa: F811
) -> None:
    person = world.aw.people[5]
    subject_id = world.subject(person)
    code = enterprise(world.runtime, subject_id)
    listed(
        world.runtime,
        None,
        "black-judgment-defaulter",
        now=utcnow() - timedelta(days=1),
        credit_code=code,
    )
    with world.runtime.scope() as session:
        issued = report_service.issue_for_subject(session, actor=citizen(subject_id))
        [line] = issued.report.memberships
        assert line.via_organization_name == "武汉测试贸易有限公司"
        assert line.via_organization is not None
        assert code not in line.via_organization  # the credit code stays masked
        html = render_html(issued.report)
        assert f"武汉测试贸易有限公司（{line.via_organization}）" in html
        assert "法定代表人" in html
        again = report_service.reproduce(session, issued.report.number, actor=SYSTEM)
        assert again.matches
