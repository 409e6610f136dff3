"""An assessment as a workbook and as a PDF, in Chinese or English.

The workbook has three sheets: the units with each indicator's figure (units × indicators),
the indicators (weight, target, definition, basis), and the items behind the figures' bad parts.
The PDF shows the number, the period, the digest and the signing key's id, the indicators and
the units' figures. Both show only what the view holds (the reader's scope): the items are those
of the view's units. Unit names: the catalog's department names and the division table's city
names, unless the caller passes ``unit_name`` (the pages pass their own words).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

from markupsafe import escape
from sqlalchemy.orm import object_session

from chengxin.assessment.service import AssessmentView, Item, items_of_units
from chengxin.catalog import service as catalog_service
from chengxin.identity import divisions

UnitName = Callable[[str, str, str], str]  # (kind, code, lang) → words

WORDS: dict[str, tuple[str, str]] = {
    "units": ("单位得分", "Units"),
    "indicators": ("考核指标", "Indicators"),
    "items": ("扣分明细", "Items"),
    "kind": ("类别", "Kind"),
    "department": ("部门", "Department"),
    "city": ("市州", "City"),
    "unit": ("单位", "Unit"),
    "rank": ("排名", "Rank"),
    "total": ("总分", "Total"),
    "code": ("代码", "Code"),
    "name": ("名称", "Name"),
    "weight": ("权重", "Weight"),
    "target": ("目标值", "Target"),
    "better": ("方向", "Better"),
    "higher": ("越高越好", "higher"),
    "lower": ("越低越好", "lower"),
    "definition": ("定义", "Definition"),
    "basis": ("依据", "Basis"),
    "indicator": ("指标", "Indicator"),
    "organization": ("单位名称", "Organization"),
    "object": ("事项", "Object"),
    "reference": ("编号", "Reference"),
    "due_on": ("期限", "Due"),
    "done_on": ("办结/报送日", "Done"),
    "reason": ("原因", "Reason"),
    "whole": ("总数", "counted"),
    "part": ("问题数", "bad"),
    "value": ("得分率", "value"),
    "title": ("公共信用信息工作考核", "Public credit information work assessment"),
    "number": ("编号", "Number"),
    "period": ("考核期", "Period"),
    "as_of": ("数据截至", "Facts as of"),
    "version": ("指标版本", "Indicator version"),
    "digest": ("摘要（SHA-256）", "Digest (SHA-256)"),
    "key": ("签名密钥", "Signing key"),
    "scope": ("范围", "Scope"),
    "province": ("全省", "Province-wide"),
    "finding": ("未达标", "below target"),
    "none": ("本期无考核事项", "nothing to count this period"),
}
REASONS: dict[str, tuple[str, str]] = {
    "late": ("超过期限", "late"),
    "open_overdue": ("逾期未办结", "overdue, still open"),
    "rejected": ("数据被退回", "rows rejected"),
    "not_notified": ("未告知当事人", "no notice date"),
    "missing": ("未反馈", "no feedback"),
    "alert": ("查询异常告警", "access alert"),
}
OBJECTS: dict[str, tuple[str, str]] = {
    "credit_record": ("信用记录", "credit record"),
    "ingest_batch": ("报送批次", "batch"),
    "ingest_rejection": ("被退回的数据行", "rejected row"),
    "objection": ("异议", "objection"),
    "repair_application": ("信用修复申请", "repair application"),
    "service_check": ("信用核查", "check"),
    "list_entry": ("名单条目", "list entry"),
    "tip": ("举报线索", "tip"),
    "access_alert": ("查询告警", "access alert"),
}


def _w(table: dict[str, tuple[str, str]], key: str, lang: str) -> str:
    found = table.get(key)
    if found is None:
        return key
    return found[1] if lang == "en" else found[0]


@cache
def _shipped_departments() -> dict[str, tuple[str, str]]:
    departments = catalog_service.shipped_content().get("departments", [])
    return {d["code"]: (d["name_zh"], d["name_en"]) for d in departments}


def default_unit_name(kind: str, code: str, lang: str) -> str:
    """A department by the catalog's name, a city by the division table's (codes unknown to
    them as themselves)."""
    if kind == "city":
        found = divisions.lookup(code)
        if found is None:
            return code
        return f"{found.name} ({code})" if lang == "en" else found.name
    names = dict(_shipped_departments())
    documents, _active = catalog_service.documents_read()
    for document in documents:
        names.update({d.code: (d.name_zh, d.name_en) for d in document.departments})
    return _w(names, code, lang)


def _percent(value: float) -> str:
    return f"{value * 100:.1f}%"


def _figure_text(whole: int, part: int, value: float) -> str:
    return "—" if whole == 0 and part == 0 else f"{_percent(value)} ({part}/{whole})"


def _items(view: AssessmentView, items: Sequence[Item] | None) -> Sequence[Item]:
    if items is not None:
        return items
    session = object_session(view.assessment)
    if session is None:
        return []
    return items_of_units(session, view.assessment, [(u.kind, u.code) for u in view.units])


def xlsx(
    view: AssessmentView,
    *,
    lang: str,
    items: Sequence[Item] | None = None,
    unit_name: UnitName | None = None,
) -> bytes:
    """The workbook: units × indicators, the indicators, the items."""
    from openpyxl import Workbook  # noqa: PLC0415

    name = unit_name or default_unit_name
    indicators = view.indicators
    book = Workbook()
    units = book.active
    units.title = _w(WORDS, "units", lang)
    units.append(
        [_w(WORDS, k, lang) for k in ("kind", "unit", "code", "rank", "total")]
        + [i.name_en if lang == "en" else i.name for i in indicators]
    )
    for unit in view.units:
        row: list[Any] = [
            _w(WORDS, unit.kind, lang),
            name(unit.kind, unit.code, lang),
            unit.code,
            unit.rank,
            unit.total,
        ]
        for indicator in indicators:
            f = unit.figures.get(indicator.code)
            row.append("" if f is None else _figure_text(f.whole, f.part, f.value))
        units.append(row)
    sheet = book.create_sheet(_w(WORDS, "indicators", lang))
    sheet.append(
        [
            _w(WORDS, k, lang)
            for k in ("code", "name", "weight", "target", "better", "definition", "basis")
        ]
    )
    for i in indicators:
        sheet.append(
            [
                i.code,
                i.name_en if lang == "en" else i.name,
                i.weight,
                "" if i.target is None else i.target,
                _w(WORDS, i.better, lang),
                i.definition,
                i.basis,
            ]
        )
    sheet = book.create_sheet(_w(WORDS, "items", lang))
    sheet.append(
        [
            _w(WORDS, k, lang)
            for k in (
                "indicator",
                "kind",
                "unit",
                "organization",
                "object",
                "reference",
                "due_on",
                "done_on",
                "reason",
            )
        ]
    )
    titles = {i.code: i.name_en if lang == "en" else i.name for i in indicators}
    for item in _items(view, items):
        sheet.append(
            [
                titles.get(item.indicator, item.indicator),
                _w(WORDS, item.unit_kind, lang),
                name(item.unit_kind, item.unit_code, lang),
                item.organization,
                _w(OBJECTS, item.object_type, lang),
                item.reference,
                "" if item.due_on is None else item.due_on.isoformat(),
                "" if item.done_on is None else item.done_on.isoformat(),
                _w(REASONS, item.reason, lang),
            ]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


STYLE = """
@page { size: A4 landscape; margin: 14mm 12mm;
        @bottom-right { content: counter(page) " / " counter(pages); font-size: 8pt; } }
body { font-family: "Noto Sans CJK SC", "Noto Serif CJK SC", sans-serif; font-size: 9pt; }
h1 { font-size: 15pt; margin: 0 0 4mm; }
h2 { font-size: 11pt; margin: 5mm 0 2mm; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 0.4pt solid #888; padding: 1mm 1.5mm; text-align: left; vertical-align: top; }
th { background: #eee; }
td.n { text-align: right; white-space: nowrap; }
td.finding { color: #a00; font-weight: bold; }
dl { display: grid; grid-template-columns: 30mm auto; margin: 0; }
dt { font-weight: bold; } dd { margin: 0 0 1mm; font-family: monospace; word-break: break-all; }
"""


def html(view: AssessmentView, *, lang: str, issuer: str, unit_name: UnitName | None = None) -> str:
    """The PDF's page as HTML (every value escaped)."""
    name = unit_name or default_unit_name
    a = view.assessment

    def w(key: str) -> str:
        return str(escape(_w(WORDS, key, lang)))

    scope = (
        _w(WORDS, "province", lang) if a.region_code is None else name("city", a.region_code, lang)
    )
    period = f"{a.period_label} ({a.since_on} – {a.until_on})"
    head = "".join(
        f"<dt>{w(k)}</dt><dd>{escape(v)}</dd>"
        for k, v in (
            ("number", a.number),
            ("period", period),
            ("scope", scope),
            ("as_of", a.as_of.isoformat()),
            ("version", a.indicator_version),
            ("digest", a.digest),
            ("key", a.key_id),
        )
    )
    indicators = "".join(
        f"<tr><td>{escape(i.name_en if lang == 'en' else i.name)}</td><td class=n>{i.weight:g}</td>"
        f"<td class=n>{'' if i.target is None else _percent(i.target)}</td>"
        f"<td>{escape(i.definition)}</td><td>{escape(i.basis)}</td></tr>"
        for i in view.indicators
    )
    heads = "".join(
        f"<th>{escape(i.name_en if lang == 'en' else i.name)}</th>" for i in view.indicators
    )
    rows = []
    for unit in view.units:
        cells = []
        for i in view.indicators:
            f = unit.figures.get(i.code)
            text = "" if f is None else _figure_text(f.whole, f.part, f.value)
            css = "n finding" if f is not None and f.finding else "n"
            cells.append(f"<td class='{css}'>{escape(text)}</td>")
        rows.append(
            f"<tr><td>{w(unit.kind)}</td><td>{escape(name(unit.kind, unit.code, lang))}</td>"
            f"<td class=n>{unit.rank}</td><td class=n>{unit.total:.2f}</td>{''.join(cells)}</tr>"
        )
    units = "".join(rows) or f"<tr><td colspan=4>{w('none')}</td></tr>"
    code = "en" if lang == "en" else "zh-CN"
    return (
        f"<!doctype html><html lang='{code}'><head><meta charset=utf-8>"
        f"<style>{STYLE}</style></head><body><h1>{escape(issuer)} · {w('title')}</h1>"
        f"<dl>{head}</dl><h2>{w('units')}</h2><table><thead><tr><th>{w('kind')}</th>"
        f"<th>{w('unit')}</th><th>{w('rank')}</th><th>{w('total')}</th>{heads}</tr></thead>"
        f"<tbody>{units}</tbody></table><h2>{w('indicators')}</h2><table><thead><tr>"
        f"<th>{w('name')}</th><th>{w('weight')}</th><th>{w('target')}</th>"
        f"<th>{w('definition')}</th><th>{w('basis')}</th></tr></thead><tbody>{indicators}"
        f"</tbody></table></body></html>"
    )


def pdf(
    view: AssessmentView, *, lang: str, settings: Any, unit_name: UnitName | None = None
) -> bytes:
    """The PDF (WeasyPrint, Noto CJK as the credit reports; ``fonts-missing`` without it)."""
    from weasyprint import HTML  # noqa: PLC0415  # loads Pango and HarfBuzz: first use only
    from weasyprint.urls import URLFetcher  # noqa: PLC0415

    from chengxin.reports.pdf import CJK_FAMILIES, FontsMissing  # noqa: PLC0415

    issuer = settings.report_issuer_en if lang == "en" else settings.report_issuer
    page = html(view, lang=lang, issuer=issuer, unit_name=unit_name)
    fetcher = URLFetcher(allowed_protocols=["data"], fail_on_errors=True)
    document = HTML(string=page, url_fetcher=fetcher).render()
    body: bytes | None = document.write_pdf()
    if body is None:  # pragma: no cover  # write_pdf without a target always returns bytes
        raise FontsMissing("WeasyPrint returned no PDF")
    used = {font.family for font in document.fonts.values()}  # known once written
    if not used.intersection(CJK_FAMILIES):
        raise FontsMissing("none of the fonts " + ", ".join(CJK_FAMILIES) + " is installed")
    return body
