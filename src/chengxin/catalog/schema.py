"""The catalog file's contract: pydantic models, from which ``catalog.schema.json`` is generated.

A catalog is data (R6.1): domains, key groups, display-period defaults and record kinds, each kind
with its legal basis (R4.1), sharing level, providers and field schema. The models check what a
JSON Schema cannot say (cross references, severity only on dishonest kinds, min ≤ max).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Code = Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]{1,47}$")]
FieldName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,31}$")]
Months = Annotated[int, Field(ge=0, le=1200)]


class Category(StrEnum):
    BASIC = "basic"  # 基础信息
    GOOD = "good"  # 守信信息
    DISHONEST = "dishonest"  # 失信信息


class Severity(StrEnum):
    MINOR = "minor"  # 轻微
    GENERAL = "general"  # 一般
    SERIOUS = "serious"  # 严重


class Sharing(StrEnum):
    PUBLIC = "public"  # 社会公开
    AUTHORIZED = "authorized"  # 授权查询 (third parties with the subject's grant)
    GOVERNMENT = "government"  # 政务共享 only
    SUBJECT = "subject"  # 仅本人


class FieldType(StrEnum):
    STRING = "string"
    TEXT = "text"
    INTEGER = "integer"
    DECIMAL = "decimal"
    DATE = "date"
    BOOLEAN = "boolean"
    ENUM = "enum"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Named(_Strict):
    code: Code
    name_zh: str = Field(min_length=1, max_length=100)
    name_en: str = Field(min_length=1, max_length=200)


class LegalBasis(_Strict):
    """A law, regulation or policy document and the article that allows the record (R4.1)."""

    law: str = Field(min_length=2, max_length=200, description="Title, e.g. 《行政处罚法》")
    article: str | None = Field(None, max_length=100, description="e.g. 第四十八条")
    mark: Literal["C", "P", "?"] = Field(
        "C", description="C confirmed in the text, P secondary source, ? not verified"
    )


class DisplayPeriod(_Strict):
    """Display window in months from the anchor date (RULES.md §1)."""

    min_months: Months
    max_months: Months
    default_months: Months | None = Field(
        None, description="Used when the provider does not ask for a period; default: max_months"
    )
    anchor: Literal["finding_date", "act_date"] = Field(
        "finding_date",
        description="finding_date (认定文书日期, RULES §1) or act_date (征信条例 Art. 16)",
    )

    @model_validator(mode="after")
    def _ordered(self) -> DisplayPeriod:
        default = self.max_months if self.default_months is None else self.default_months
        if not self.min_months <= default <= self.max_months:
            msg = "display period needs min_months <= default_months <= max_months"
            raise ValueError(msg)
        return self

    @property
    def default(self) -> int:
        """Months shown when the provider does not choose."""
        return self.max_months if self.default_months is None else self.default_months


class Providers(_Strict):
    """Who may push a kind: organization kinds, narrowed by department codes when given."""

    organization_kinds: list[
        Literal["operator", "government", "court", "association", "financial", "credit_agency"]
    ] = Field(min_length=1)
    departments: list[Code] = Field(
        default_factory=list, description="Department codes (organization.department); empty: any"
    )


class FieldSpec(_Strict):
    """One kind-specific field of a record."""

    name: FieldName
    label_zh: str = Field(min_length=1, max_length=60)
    label_en: str = Field(min_length=1, max_length=100)
    type: FieldType
    required: bool = False
    max_length: int | None = Field(None, ge=1, le=4000)
    minimum: float | None = None
    maximum: float | None = None
    pattern: str | None = None
    values: list[str] | None = Field(None, description="Allowed values of an enum field")
    personal: bool = Field(
        default=False, description="May hold personal data: stored encrypted (docs/privacy.md)"
    )

    @model_validator(mode="after")
    def _enum_has_values(self) -> FieldSpec:
        if (self.type is FieldType.ENUM) != bool(self.values):
            msg = f"field {self.name}: enum fields, and only they, list values"
            raise ValueError(msg)
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            msg = f"field {self.name}: minimum > maximum"
            raise ValueError(msg)
        return self


class RecordKind(Named):
    """A catalog item (信息事项): what a record of this kind is and the rules it follows."""

    domain: Code
    groups: list[Code] = Field(default_factory=list, description="Key groups (R2.2) it concerns")
    category: Category
    severity: Severity | None = None
    display: DisplayPeriod | None = Field(
        None, description="Overrides the catalog default for the category or severity"
    )
    legal_basis: list[LegalBasis] = Field(min_length=1)
    sharing: Sharing
    providers: Providers
    fields: list[FieldSpec] = Field(default_factory=list)
    repairable: bool = True
    adult_only: bool = Field(
        default=False,
        description="Only for subjects aged 18 or over at the act (R2.4; court list Art. 4)",
    )
    proposes_list: Code | None = Field(None, description="List type an accepted record proposes")
    financial: bool = Field(default=False, description="Financial credit data (征信条例 rules)")
    description: str | None = Field(None, max_length=1000)

    @model_validator(mode="after")
    def _severity_iff_dishonest(self) -> RecordKind:
        if (self.category is Category.DISHONEST) != (self.severity is not None):
            msg = f"kind {self.code}: dishonest kinds, and only they, have a severity"
            raise ValueError(msg)
        names = [f.name for f in self.fields]
        if len(set(names)) != len(names):
            msg = f"kind {self.code}: field names repeat"
            raise ValueError(msg)
        clash = RESERVED_FIELDS.intersection(names)
        if clash:
            msg = f"kind {self.code}: field names {sorted(clash)} are standard record columns"
            raise ValueError(msg)
        return self


class DisplayDefaults(_Strict):
    """Display periods by category and severity when a kind does not set its own."""

    basic: DisplayPeriod
    good: DisplayPeriod
    minor: DisplayPeriod
    general: DisplayPeriod
    serious: DisplayPeriod


class CatalogDocument(_Strict):
    """A whole catalog version as shipped or loaded."""

    schema_: str | None = Field(None, alias="$schema")
    version: str = Field(pattern=r"^[0-9]{4}\.[0-9]+$", description="e.g. 2026.1")
    title: str
    published_on: date
    domains: list[Named] = Field(min_length=1)
    key_groups: list[Named] = Field(min_length=1)
    departments: list[Named] = Field(
        default_factory=list, description="Department codes that providers may be tagged with"
    )
    display_defaults: DisplayDefaults
    kinds: list[RecordKind] = Field(min_length=1)

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _references(self) -> CatalogDocument:
        problems: list[str] = []
        for label, items in (
            ("domain", self.domains),
            ("key group", self.key_groups),
            ("department", self.departments),
            ("kind", self.kinds),
        ):
            codes = [i.code for i in items]
            problems += [
                f"{label} {c} appears twice"
                for c in sorted({c for c in codes if codes.count(c) > 1})
            ]
        domains = {d.code for d in self.domains}
        groups = {g.code for g in self.key_groups}
        departments = {d.code for d in self.departments}
        for kind in self.kinds:
            if kind.domain not in domains:
                problems.append(f"kind {kind.code}: unknown domain {kind.domain}")
            problems += [
                f"kind {kind.code}: unknown key group {g}" for g in kind.groups if g not in groups
            ]
            problems += [
                f"kind {kind.code}: unknown department {d}"
                for d in kind.providers.departments
                if d not in departments
            ]
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def period_of(self, kind: RecordKind) -> DisplayPeriod:
        """The display period that applies to a kind (its own, else the default)."""
        if kind.display is not None:
            return kind.display
        if kind.severity is not None:
            return getattr(self.display_defaults, kind.severity.value)  # type: ignore[no-any-return]
        return getattr(self.display_defaults, kind.category.value)  # type: ignore[no-any-return]


# Standard record columns; a kind's own fields may not reuse these names.
RESERVED_FIELDS = frozenset(
    {
        "source_id",
        "kind",
        "id_number",
        "name",
        "document_no",
        "finding_date",
        "act_date",
        "notified_date",
        "display_months",
        "action",
        "revoke_reason",
        "errors",
        "fields",
    }
)


def json_schema() -> dict[str, object]:
    """The JSON Schema of a catalog document (shipped as ``data/catalog.schema.json``)."""
    schema = CatalogDocument.model_json_schema(by_alias=True)
    schema["$id"] = "https://chengxin.example.gov.cn/schemas/catalog.schema.json"
    schema["title"] = "Chengxin public credit information catalog"
    return schema
