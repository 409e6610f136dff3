"""The catalog: the shipped document, its schema, versions, diffs and activation."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from chengxin.catalog import service as catalog_service
from chengxin.catalog.errors import CatalogInvalid, CatalogListTypeUnknown, CatalogVersionExists
from chengxin.catalog.schema import CatalogDocument, Category, json_schema
from chengxin.cli import main
from chengxin.lists import types as list_types
from chengxin.runtime import Runtime
from chengxin.security.actor import system_actor
from tests.ingestion.fixtures import catalog_document

ACTOR = system_actor("test")
R21_DOMAINS = {
    "food-drug",
    "work-safety",
    "fire-safety",
    "traffic-safety",
    "environment",
    "biosafety",
    "product-quality",
    "taxation",
    "health-care",
    "labour",
    "construction",
    "financial",
    "intellectual-property",
    "judicial",
    "e-commerce",
    "volunteer",
    "statistics",
    "education",
}
R22_GROUPS = {
    "civil-servant",
    "enterprise-manager",
    "lawyer",
    "teacher",
    "physician",
    "pharmacist",
    "appraiser",
    "tax-agent",
    "fire-engineer",
    "accountant",
    "real-estate-agent",
    "certification-staff",
    "financial-practitioner",
    "tour-guide",
}


def shipped() -> CatalogDocument:
    return CatalogDocument.model_validate(catalog_service.shipped_content())


def test_the_shipped_catalog_covers_every_domain_and_key_group() -> None:
    document = shipped()
    assert len(document.kinds) >= 40
    assert {d.code for d in document.domains} >= R21_DOMAINS
    assert {k.domain for k in document.kinds} >= R21_DOMAINS
    assert {g for k in document.kinds for g in k.groups} >= R22_GROUPS
    assert {k.category for k in document.kinds} == set(Category)
    # R2.4: exam cheating, academic fraud, student loans, forged documents; and the court list
    # never holds minors (法释〔2017〕7号 Art. 4).
    student = {k.code for k in document.kinds if k.adult_only and k.domain == "education"}
    assert len(student) >= 4
    assert next(k for k in document.kinds if k.code == "court-judgment-defaulter").adult_only
    departments = {d.code for d in document.departments}
    assert all(set(k.providers.departments) <= departments for k in document.kinds)


def test_the_shipped_schema_file_is_the_models_schema() -> None:
    text = resources.files("chengxin.catalog").joinpath("data", "catalog.schema.json").read_text()
    assert json.loads(text) == json_schema()


def _with(document: dict[str, Any], code: str, **changes: Any) -> dict[str, Any]:
    kinds = [dict(k, **changes) if k["code"] == code else k for k in document["kinds"]]
    return {**document, "kinds": kinds}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: _with(d, "volunteer-hours", severity="serious"), "only they, have a severity"),
        (lambda d: _with(d, "tax-arrears", domain="nowhere"), "unknown domain nowhere"),
        (lambda d: _with(d, "tax-arrears", legal_basis=[]), "legal_basis"),
        (lambda d: {**d, "kinds": d["kinds"] + d["kinds"][:1]}, "kind tax-arrears appears twice"),
        (
            lambda d: _with(
                d,
                "tax-arrears",
                fields=[{"name": "name", "label_zh": "x", "label_en": "x", "type": "string"}],
            ),
            "standard record columns",
        ),
        (
            lambda d: _with(d, "tax-arrears", display={"min_months": 12, "max_months": 6}),
            "min_months <= default_months <= max_months",
        ),
    ],
)
def test_invalid_catalogs_are_refused_with_every_reason(change: Any, message: str) -> None:
    with pytest.raises(CatalogInvalid) as caught:
        catalog_service.parse(change(catalog_document()))
    assert message in caught.value.detail


def test_versions_are_kept_and_activation_retires_the_previous(runtime: Runtime) -> None:
    first = catalog_document()
    second = _with(catalog_document("2026.2"), "tax-arrears", name_zh="欠税（修订）")
    second["kinds"] = [*second["kinds"][:2], {**second["kinds"][2], "code": "volunteer-awards"}]
    with runtime.scope() as session:
        catalog_service.load(session, first, actor=ACTOR, activate=True)
        _, change = catalog_service.preview(session, second)
        assert (change.added, change.removed) == (["volunteer-awards"], ["volunteer-hours"])
        assert [(c.code, c.fields) for c in change.changed] == [("tax-arrears", ["name_zh"])]
        assert change.lines()[0] == "catalog 2026.1 → 2026.2"
        catalog_service.load(session, second, actor=ACTOR, activate=True)
        assert [(v.version, v.status) for v in catalog_service.list_versions(session)] == [
            ("2026.2", "active"),
            ("2026.1", "retired"),
        ]
        # Identical content again changes nothing; new content under a used number is refused.
        catalog_service.load(session, second, actor=ACTOR, activate=True)
        with pytest.raises(CatalogVersionExists):
            catalog_service.load(session, catalog_document("2026.2"), actor=ACTOR, activate=False)


def test_cli_load_shows_the_diff_and_activates_only_when_confirmed(
    runtime: Runtime, tmp_path: Path, cli_env: dict[str, str]
) -> None:
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(catalog_document("2030.1")), encoding="utf-8")
    runner = CliRunner()
    refused = runner.invoke(main, ["catalog", "load", str(path)], env=cli_env, input="n\n")
    assert refused.exit_code == 1
    assert "catalog (none) → 2030.1" in refused.output
    assert "+ tax-arrears" in refused.output
    with runtime.scope() as session:
        assert catalog_service.get_active(session) is None
    done = runner.invoke(main, ["catalog", "load", str(path), "--yes"], env=cli_env)
    assert done.exit_code == 0, done.output
    assert "catalog 2030.1 is active (3 kinds)" in done.output
    show = runner.invoke(main, ["catalog", "show"], env=cli_env)
    assert "tax-arrears" in show.output
    schema = runner.invoke(main, ["catalog", "schema"], env=cli_env)
    assert json.loads(schema.output) == json_schema()
    path.write_text('{"version": "x"}', encoding="utf-8")
    bad = runner.invoke(main, ["catalog", "load", str(path), "--yes"], env=cli_env)
    assert bad.exit_code == 1
    assert "catalog-invalid" in bad.output


def test_every_list_the_shipped_catalog_proposes_is_a_list_type_and_they_agree() -> None:
    document = shipped()
    proposing = {k.code: k.proposes_list for k in document.kinds if k.proposes_list}
    assert proposing["tax-serious-dishonesty"] == "black-tax-serious"
    assert proposing["court-judgment-defaulter"] == "black-judgment-defaulter"
    for kind, code in proposing.items():
        found = list_types.get(code)
        assert found is not None, f"{kind} proposes {code}"
        assert kind in found.auto_kinds  # the type's standard takes records of this kind
    kinds = {k.code for k in document.kinds}
    automatic = {(k, t.code) for k, types in list_types.proposed_by_kind().items() for t in types}
    # Each kind a list type takes automatically says so in the catalog, and nothing more.
    assert {(k, c) for k, c in automatic if k in kinds} == set(proposing.items())
    assert {k: [t.code for t in v] for k, v in list_types.proposed_by_kind(document).items()} == {
        k: [t.code for t in v] for k, v in list_types.proposed_by_kind().items()
    }


def test_a_catalog_proposing_an_unknown_list_is_refused_naming_kind_and_code() -> None:
    bad = _with(catalog_document(), "tax-arrears", proposes_list="tax-serious-dishonesty")
    with pytest.raises(CatalogListTypeUnknown) as caught:
        catalog_service.parse(bad)
    assert caught.value.code == "catalog-list-type-unknown"
    assert caught.value.status == 422
    assert caught.value.extra["unknown"] == [
        {"kind": "tax-arrears", "list_type": "tax-serious-dishonesty"}
    ]
    assert "tax-arrears" in caught.value.detail
    assert "tax-serious-dishonesty" in caught.value.detail
    good = _with(catalog_document(), "tax-arrears", proposes_list="black-tax-serious")
    assert catalog_service.parse(good).kinds[0].proposes_list == "black-tax-serious"


def test_a_catalog_kind_proposing_a_list_proposes_it_automatically() -> None:
    document = catalog_service.parse(
        _with(catalog_document(), "tax-arrears", proposes_list="black-tax-serious")
    )
    assert "tax-arrears" not in list_types.proposed_by_kind()
    assert [t.code for t in list_types.proposed_by_kind(document)["tax-arrears"]] == [
        "black-tax-serious"
    ]


def test_cli_load_refuses_a_catalog_proposing_an_unknown_list(
    runtime: Runtime, tmp_path: Path, cli_env: dict[str, str]
) -> None:
    path = tmp_path / "catalog.json"
    bad = _with(catalog_document("2030.1"), "tax-arrears", proposes_list="no-such-list")
    path.write_text(json.dumps(bad), encoding="utf-8")
    refused = CliRunner().invoke(main, ["catalog", "load", str(path), "--yes"], env=cli_env)
    assert refused.exit_code == 1
    assert "catalog-list-type-unknown" in refused.output
    assert "kind tax-arrears: proposes_list no-such-list is no list type" in refused.output
    with runtime.scope() as session:
        assert catalog_service.get_active(session) is None
