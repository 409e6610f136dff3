"""Validation of one incoming row against the catalog: every problem found, not just the first.

A row arrives as standard values (source id, kind, ID number, name, dates, …) and kind fields;
it leaves as a :class:`Candidate` (valid so far: the registry check and versioning happen per
chunk, in the service), a :class:`Revocation`, or a list of :class:`RowError`.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from chengxin.catalog.schema import CatalogDocument, Category, FieldSpec, FieldType, RecordKind
from chengxin.identity import idnumber, rules
from chengxin.identity.errors import NameInvalid
from chengxin.identity.idnumber import IdNumberError
from chengxin.identity.sealing import Blinder
from chengxin.ingestion.messages import RowError
from chengxin.keys.keyring import Keyring
from chengxin.records import window as record_window
from chengxin.records.models import RecordStatus, fields_aad

# Standard columns: canonical name → accepted header titles (a clerk's spreadsheet may use any).
STANDARD_COLUMNS: dict[str, tuple[str, ...]] = {
    "source_id": ("源记录编号", "记录编号", "数据标识", "source id"),
    "kind": ("信息事项代码", "事项代码", "目录项代码", "kind_code"),
    "id_number": ("身份证号", "身份证号码", "公民身份号码", "证件号码"),
    "name": ("姓名",),
    "document_no": ("决定文书号", "认定文书号", "文书号", "决定书文号"),
    "finding_date": ("认定日期", "决定日期", "文书日期"),
    "act_date": ("行为日期", "违法行为日期", "发生日期"),
    "notified_date": ("告知日期", "事先告知日期"),
    "display_months": ("公示期限", "公示期限（月）", "公示期限(月)", "公示月数"),
    "action": ("操作", "操作类型"),
    "revoke_reason": ("撤销原因",),
}
REQUIRED_COLUMNS = ("source_id", "kind", "id_number", "name", "document_no", "finding_date")
IGNORED_COLUMNS = ("errors", "错误原因", "错误原因 errors")  # added by rejected-row downloads
TEXT_ONLY_COLUMNS = ("id_number", "source_id", "document_no")

_SOURCE_ID = re.compile(r"^[A-Za-z0-9._:/-]{1,64}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_FORMULA_START = ("=", "+", "-", "@")
_ACTIONS = {
    "": "upsert",
    "upsert": "upsert",
    "新增": "upsert",
    "更正": "upsert",
    "revoke": "revoke",
    "撤销": "revoke",
}
_TRUE = {"true", "1", "是", "yes", "y"}
_FALSE = {"false", "0", "否", "no", "n"}
DOCUMENT_NO_MAX = 100
REASON_MAX = 500
MAX_DIGITS = 15  # integer digits of a number field, less one
ADULT_AGE = 18  # R2.4: student integrity files only for acts at 18 or older
_NEW_STATUS = RecordStatus.ACTIVE.value  # a new version is the current one (plain str)


class Candidate(NamedTuple):
    """A row that passed every check that needs no database read, with its storable form.

    Slim on purpose: it crosses the process boundary once per row when workers validate."""

    row_no: int
    source_id: str
    kind_code: str
    subject_id: str
    name: str  # normalised, compared with the registry
    digest: bytes  # keyed content digest: duplicates and versions
    record_id: uuid.UUID
    lag_days: int  # finding date to push (data quality)
    # The record to store, less its version: a COPY text line (PostgreSQL) or column values.
    stored: str | dict[str, Any]


class Revocation(NamedTuple):
    """A provider withdrawing its record (the finding was revoked)."""

    row_no: int
    source_id: str
    reason: str


@dataclass(frozen=True)
class Context:
    """What validation needs, fixed for a batch."""

    catalog: CatalogDocument
    kinds: Mapping[str, RecordKind]
    allowed: frozenset[str]  # kind codes this provider may push
    today: date
    ring: Keyring
    organization_kind: str
    department: str | None
    # Batch-level values stamped on every record; copy_format: build PostgreSQL COPY lines.
    provider_id: uuid.UUID | None = None
    batch_id: uuid.UUID | None = None
    received_at: datetime | None = None
    copy_format: bool = False
    stamp: str = ""  # provider id, batch id, receipt time as COPY text (built once)
    # The blind-index HMAC keyed once for the batch (subject ids, content digests).
    blinder: Blinder | None = None

    @classmethod
    def build(
        cls,
        catalog: CatalogDocument,
        *,
        organization_kind: str,
        department: str | None,
        today: date,
        ring: Keyring,
        provider_id: uuid.UUID | None = None,
        batch_id: uuid.UUID | None = None,
        received_at: datetime | None = None,
        copy_format: bool = False,
    ) -> Context:
        """The context for one provider: which kinds its kind and department allow."""
        allowed = frozenset(
            k.code
            for k in catalog.kinds
            if organization_kind in k.providers.organization_kinds
            and (not k.providers.departments or department in k.providers.departments)
        )
        kinds = {k.code: k for k in catalog.kinds}
        stamp = f"{provider_id}\t{batch_id}\t{received_at.isoformat()}" if received_at else ""
        return cls(
            catalog,
            kinds,
            allowed,
            today,
            ring,
            organization_kind,
            department,
            provider_id,
            batch_id,
            received_at,
            copy_format,
            stamp,
            Blinder(ring),
        )


def field_columns(catalog: CatalogDocument) -> dict[str, tuple[str, ...]]:
    """Kind-field columns for tabular files: field name → its Chinese labels (when unambiguous)."""
    labels: dict[str, set[str]] = {}
    owners: dict[str, set[str]] = {}
    for kind in catalog.kinds:
        for spec in kind.fields:
            labels.setdefault(spec.name, set()).add(spec.label_zh)
            owners.setdefault(spec.label_zh, set()).add(spec.name)
    standard = {t for titles in STANDARD_COLUMNS.values() for t in titles} | set(STANDARD_COLUMNS)
    return {
        name: tuple(
            sorted(t for t in titles if len(owners[t]) == 1 and t not in standard and t != name)
        )
        for name, titles in labels.items()
    }


def parse_date(text: str) -> date:
    """YYYY-MM-DD, YYYY/MM/DD, YYYYMMDD, or an ISO timestamp (Excel cells); ValueError else."""
    try:
        return date.fromisoformat(text)  # the common case, fastest
    except ValueError:
        pass
    text = text.strip()
    if len(text) == 8 and text.isdigit():  # noqa: PLR2004
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    if "T" in text or " " in text:
        return datetime.fromisoformat(text).date()
    return date.fromisoformat(text.replace("/", "-"))


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def _clean_text(value: str, field: str, limit: int, errors: list[RowError]) -> str | None:
    if _CONTROL.search(value):
        errors.append(RowError("field-control-characters", field))
        return None
    if len(value) > limit:
        errors.append(RowError("field-too-long", field, f"≤ {limit}"))
        return None
    return value


def _date(
    values: Mapping[str, Any], field: str, today: date, errors: list[RowError]
) -> date | None:
    text = _text(values.get(field)).strip()
    if not text:
        return None
    try:
        day = parse_date(text)
    except ValueError:
        errors.append(RowError("date-invalid", field))
        return None
    if day > today:
        errors.append(RowError("date-in-future", field))
        return None
    return day


def _field_value(spec: FieldSpec, raw: Any, errors: list[RowError]) -> Any:  # noqa: C901, PLR0911, PLR0912
    """A kind field's value in its type; None (with an error) when it does not validate."""
    name = spec.name
    kind = spec.type
    if kind in (FieldType.STRING, FieldType.TEXT, FieldType.ENUM):
        text = _clean_text(_text(raw).strip(), name, spec.max_length or 4000, errors)
        if text is None:
            return None
        if kind is FieldType.ENUM:
            if text not in (spec.values or ()):
                errors.append(
                    RowError("field-not-allowed-value", name, "/".join(spec.values or ()))
                )
                return None
            return text
        if text.startswith(_FORMULA_START):
            errors.append(RowError("field-formula", name))
            return None
        if spec.pattern and not re.fullmatch(spec.pattern, text):
            errors.append(RowError("field-invalid", name))
            return None
        return text
    if kind is FieldType.BOOLEAN:
        if isinstance(raw, bool):
            return raw
        word = _text(raw).strip().lower()
        if word in _TRUE or word in _FALSE:
            return word in _TRUE
        errors.append(RowError("field-invalid", name, "true/false"))
        return None
    if kind is FieldType.DATE:
        try:
            return parse_date(_text(raw)).isoformat()
        except ValueError:
            errors.append(RowError("date-invalid", name))
            return None
    # integer, decimal
    number = _number(raw)
    if number is None:
        errors.append(RowError("field-invalid", name, "number"))
        return None
    if kind is FieldType.INTEGER and number != number.to_integral_value():
        errors.append(RowError("field-invalid", name, "integer"))
        return None
    if (spec.minimum is not None and number < Decimal(str(spec.minimum))) or (
        spec.maximum is not None and number > Decimal(str(spec.maximum))
    ):
        errors.append(RowError("field-out-of-range", name))
        return None
    return int(number) if kind is FieldType.INTEGER else str(number)


def _number(raw: Any) -> Decimal | None:
    if isinstance(raw, bool):
        return None
    try:
        number = Decimal(_text(raw).strip().replace(",", ""))
    except InvalidOperation:
        return None
    # Finite and of a size an amount or count can have (1e999999 is a Decimal, not an amount).
    if not number.is_finite() or number.adjusted() > MAX_DIGITS:
        return None
    return number


def _kind_fields(
    kind: RecordKind, fields: Mapping[str, Any], errors: list[RowError]
) -> tuple[dict[str, Any], dict[str, Any]]:
    public: dict[str, Any] = {}
    personal: dict[str, Any] = {}
    known = set()
    for spec in kind.fields:
        known.add(spec.name)
        raw = fields.get(spec.name)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if spec.required:
                errors.append(RowError("missing-field", spec.name))
            continue
        value = _field_value(spec, raw, errors)
        if value is not None:
            (personal if spec.personal else public)[spec.name] = value
    errors.extend(
        RowError("field-unexpected", name)
        for name, raw in fields.items()
        if name not in known and raw not in (None, "")
    )
    return public, personal


def validate(  # noqa: C901, PLR0912, PLR0915
    ctx: Context, row_no: int, values: Mapping[str, Any], fields: Mapping[str, Any]
) -> Candidate | Revocation | list[RowError]:
    """Check one row; the catalog, the provider's rights, dates and the 18+ rule (R2.4)."""
    errors: list[RowError] = []
    source_id = _text(values.get("source_id")).strip()
    if not _SOURCE_ID.match(source_id):
        errors.append(RowError("source-id-invalid", "source_id"))
    action = _ACTIONS.get(_text(values.get("action")).strip().lower())
    if action is None:
        errors.append(RowError("action-invalid", "action"))
    elif action == "revoke":
        reason = _text(values.get("revoke_reason")).strip()
        if not reason:
            errors.append(RowError("revoke-reason-missing", "revoke_reason"))
        else:
            reason = _clean_text(reason, "revoke_reason", REASON_MAX, errors) or ""
        return errors or Revocation(row_no, source_id, reason)

    kind = None
    code = _text(values.get("kind")).strip()
    if not code:
        errors.append(RowError("missing-field", "kind"))
    elif code not in ctx.kinds:
        errors.append(RowError("kind-unknown", "kind"))
    elif code not in ctx.allowed:
        errors.append(RowError("kind-not-allowed", "kind"))
    else:
        kind = ctx.kinds[code]

    parsed = None
    number = _text(values.get("id_number")).strip()
    if not number:
        errors.append(RowError("missing-field", "id_number"))
    else:
        try:
            parsed = idnumber.parse(number, today=ctx.today)
        except IdNumberError as exc:
            errors.append(RowError(exc.code, "id_number"))
    name = ""
    raw_name = _text(values.get("name"))
    if not raw_name.strip():
        errors.append(RowError("missing-field", "name"))
    else:
        try:
            name = rules.normalize_name(raw_name)
        except NameInvalid:
            errors.append(RowError("name-invalid", "name"))
    document_no = _text(values.get("document_no")).strip()
    if not document_no:
        errors.append(RowError("missing-field", "document_no"))
    else:
        document_no = _clean_text(document_no, "document_no", DOCUMENT_NO_MAX, errors) or ""
        if document_no.startswith(_FORMULA_START):
            errors.append(RowError("field-formula", "document_no"))

    finding_on = _date(values, "finding_date", ctx.today, errors)
    if finding_on is None and not _text(values.get("finding_date")).strip():
        errors.append(RowError("missing-field", "finding_date"))
    act_on = _date(values, "act_date", ctx.today, errors)
    if act_on is None and not _text(values.get("act_date")).strip():
        errors.append(RowError("missing-field", "act_date"))
    notified_on = _date(values, "notified_date", ctx.today, errors)
    notice_needed = kind is not None and kind.category is Category.DISHONEST
    if notice_needed and not _text(values.get("notified_date")).strip():
        errors.append(RowError("notice-missing", "notified_date"))
    if act_on is not None:
        if finding_on is not None and finding_on < act_on:
            errors.append(RowError("dates-incoherent", "finding_date"))
        if notified_on is not None and notified_on < act_on:
            errors.append(RowError("dates-incoherent", "notified_date"))
        if parsed is not None and act_on < parsed.birth_on:
            errors.append(RowError("dates-incoherent", "act_date"))
        elif (
            parsed is not None
            and kind is not None
            and kind.adult_only
            and parsed.age_on(act_on) < ADULT_AGE
        ):
            errors.append(RowError("subject-under-18", "act_date"))

    months: int | None = None
    months_text = _text(values.get("display_months")).strip()
    if months_text:
        try:
            months = int(months_text)
        except ValueError:
            errors.append(RowError("display-months-invalid", "display_months"))
    public: dict[str, Any] = {}
    personal: dict[str, Any] = {}
    if kind is not None:
        public, personal = _kind_fields(kind, fields, errors)
    window = None
    if kind is not None and finding_on is not None:
        try:
            window = record_window.display_window(
                ctx.catalog.period_of(kind),
                kind.category,
                finding_on=finding_on,
                act_on=act_on,
                months=months,
            )
        except record_window.PeriodOutOfRange as exc:
            bounds = f"{exc.period.min_months}–{exc.period.max_months}"
            errors.append(RowError("display-months-invalid", "display_months", bounds))
    if errors:
        return errors
    # All set when no error was found.
    assert kind is not None  # noqa: S101
    assert parsed is not None  # noqa: S101
    assert finding_on is not None  # noqa: S101
    assert window is not None  # noqa: S101
    blinder = ctx.blinder or Blinder(ctx.ring)
    subject_id = blinder.subject_id_text(parsed.number)
    # Fields come out in the kind's order, so the JSON is canonical without sorting.
    public_json = json.dumps(public, ensure_ascii=False)
    personal_json = json.dumps(personal, ensure_ascii=False) if personal else None
    content = "\x1f".join(
        (
            kind.code,
            subject_id,
            document_no,
            finding_on.isoformat(),
            act_on.isoformat() if act_on else "",
            notified_on.isoformat() if notified_on else "",
            str(window.months),
            public_json,
            personal_json or "",
        )
    )
    record_id = uuid.uuid4()
    sealed = key_id = None
    if personal_json is not None:
        key_id = ctx.ring.active
        sealed = ctx.ring.encrypt(personal_json, fields_aad(record_id), key_id)
    digest = blinder.blind(b"record-content", content)
    columns = (
        str(record_id) if ctx.copy_format else record_id,
        subject_id,
        source_id,
        kind.code,
        kind.domain,
        kind.category.value,
        kind.severity.value if kind.severity else None,
        ctx.catalog.version,
        document_no,
        finding_on,
        act_on,
        notified_on,
        window.months,
        window.from_on,
        window.until_on,
        window.repair_from_on,
        _NEW_STATUS,
        public_json if ctx.copy_format else public,
        sealed,
        key_id,
        digest,
        row_no,
    )
    stored: str | dict[str, Any]
    if ctx.copy_format:
        stored = _copy_line(columns, ctx.stamp)
    else:
        stored = dict(zip(COPY_COLUMNS, columns, strict=False))
        stored["subject_id"] = uuid.UUID(subject_id)
        stored.update(
            provider_id=ctx.provider_id, batch_id=ctx.batch_id, received_at=ctx.received_at
        )
    return Candidate(
        row_no,
        source_id,
        kind.code,
        subject_id,
        name,
        digest,
        record_id,
        (ctx.today - finding_on).days,
        stored,
    )


# COPY text format: NULL, bytea hex prefix (backslash escaped), and the characters to escape.
COPY_NULL = "\\N"
_BYTEA = "\\\\x"
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
# Column order of the COPY lines: credit_record's columns with ``version`` last, so the reading
# process only appends the version it decides.
COPY_COLUMNS = (
    "id",
    "subject_id",
    "source_id",
    "kind_code",
    "domain",
    "category",
    "severity",
    "catalog_version",
    "document_no",
    "finding_on",
    "act_on",
    "notified_on",
    "display_months",
    "display_from_on",
    "display_until_on",
    "repair_from_on",
    "status",
    "fields",
    "sealed_fields",
    "key_id",
    "content_digest",
    "row_no",
    "provider_id",
    "batch_id",
    "received_at",
    "version",
)


def _copy_line(values: tuple[Any, ...], stamp: str) -> str:
    """The record's values (:data:`COPY_COLUMNS` order, up to ``row_no``) as a COPY text line,
    with the batch's ``stamp`` and without the trailing version. Codes, dates, ids and hex need
    no escaping; the document number and the JSON are escaped."""
    (
        record_id,
        subject_id,
        source_id,
        kind_code,
        domain,
        category,
        severity,
        catalog_version,
        document_no,
        finding_on,
        act_on,
        notified_on,
        months,
        from_on,
        until_on,
        repair_on,
        status,
        public_json,
        sealed,
        key_id,
        digest,
        row_no,
    ) = values
    return "\t".join(
        (
            record_id,
            subject_id,
            source_id,
            kind_code,
            domain,
            category,
            severity or COPY_NULL,
            catalog_version,
            document_no.translate(_COPY_ESCAPES),
            finding_on.isoformat(),
            act_on.isoformat() if act_on else COPY_NULL,
            notified_on.isoformat() if notified_on else COPY_NULL,
            str(months),
            from_on.isoformat(),
            until_on.isoformat(),
            repair_on.isoformat() if repair_on else COPY_NULL,
            status,
            public_json.translate(_COPY_ESCAPES),
            _BYTEA + sealed.hex() if sealed else COPY_NULL,
            key_id or COPY_NULL,
            _BYTEA + digest.hex(),
            str(row_no),
            stamp,
        )
    )
