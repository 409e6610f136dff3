"""HTML rendering of a credit report: one Jinja2 template for the web page and the PDF.

Chinese is the source language of the template; English comes from a gettext catalog
(``locale/en/LC_MESSAGES/messages.po``) read with Babel when this module is imported. We read the
``.po`` rather than ship a compiled ``.mo``: there is no build step to forget, an editable install
and the sdist carry only sources, and parsing ~150 messages takes a few milliseconds once per
process.

Times are shown in China Standard Time (Asia/Shanghai, UTC+8; China has kept no daylight saving
time since 1991, so a fixed offset is exact for every report and needs no tz database).
"""

from __future__ import annotations

import base64
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import cache
from importlib import resources
from typing import Any, Literal

import segno
from babel.messages.pofile import read_po
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from chengxin.access.scenes import SCENES, Scene
from chengxin.errors import InvalidInput
from chengxin.reports import vocabulary
from chengxin.reports.content import (
    ListLine,
    PendingLine,
    RecordMark,
    Report,
    ReportAudience,
    ReportRecord,
    report_digest,
)
from chengxin.reports.verification import verify_page
from chengxin.settings import Settings
from chengxin.workdays.service import last_day

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")
BEIJING = timezone(timedelta(hours=8), "UTC+8")
HTML_LANG: dict[str, str] = {"zh": "zh-Hans", "en": "en"}


def _n(message: str) -> str:
    """Marks a message for translation where it is defined; translated when rendered."""
    return message


AUDIENCE_TITLES: dict[ReportAudience, str] = {
    ReportAudience.SUBJECT: _n("个人信用报告（本人版）"),
    ReportAudience.THIRD_PARTY: _n("个人信用报告（授权查询版）"),
    ReportAudience.GOVERNMENT: _n("个人信用报告（政务查询版）"),
}
AUDIENCES: dict[ReportAudience, str] = {
    ReportAudience.SUBJECT: _n("本人查询"),
    ReportAudience.THIRD_PARTY: _n("授权查询"),
    ReportAudience.GOVERNMENT: _n("政务查询"),
}
MARKS: dict[RecordMark, str] = {
    RecordMark.DISPLAYED: _n("公示中"),
    RecordMark.NOT_YET_DISPLAYED: _n("尚未公示"),
    RecordMark.EXPIRED: _n("已过公示期"),
    RecordMark.SUPERSEDED: _n("已被更正"),
    RecordMark.REVOKED: _n("已撤销"),
    RecordMark.IN_DISPUTE: _n("异议处理中"),
    RecordMark.REPAIRED: _n("已信用修复"),
}
MARK_NOTES: dict[RecordMark, str] = {
    RecordMark.DISPLAYED: _n("在公示期内，可向经授权的查询方展示。"),
    RecordMark.NOT_YET_DISPLAYED: _n("公示期尚未开始，不向他人展示。"),
    RecordMark.EXPIRED: _n("已超过公示期，不再向他人展示，仅本人可见。"),
    RecordMark.SUPERSEDED: _n("已被信息提供单位更正，以更正后的记录为准。"),
    RecordMark.REVOKED: _n("已被信息提供单位撤销，不再向他人展示。"),
    RecordMark.IN_DISPUTE: _n("本人已提出异议，正在核查处理。"),
    RecordMark.REPAIRED: _n("已完成信用修复，不再公示和使用。"),
}
SEVERITIES: dict[str, str] = {
    "serious": _n("严重失信"),
    "general": _n("一般失信"),
    "minor": _n("轻微失信"),
}
STATUSES: dict[str, str] = {
    "active": _n("有效"),
    "superseded": _n("已被更正"),
    "revoked": _n("已撤销"),
    "repaired": _n("已信用修复"),
    "expired": _n("已过期"),
    "exhausted": _n("已用完"),
    "used": _n("已使用"),
    "pending": _n("待处理"),
}
CASE_LABELS: dict[str, str] = {
    "case": _n("类型"),
    "reference": _n("编号"),
    "record_id": _n("记录"),
    "filed_at": _n("提出时间"),
    "status": _n("状态"),
    "outcome": _n("结果"),
    "due_at": _n("答复期限"),
    "decided_at": _n("办结时间"),
    "appeal_route": _n("救济途径"),
}
CASE_VALUES: dict[str, str] = {
    "objection": _n("异议"),
    "repair": _n("信用修复"),
    "filed": _n("已受理"),
    "forwarded": _n("已转信息提供单位核查"),
    "decided": _n("已办结"),
    "withdrawn": _n("已撤回"),
    "received": _n("认定单位处理中"),
    "needs_evidence": _n("需补充材料"),
    "approved": _n("准予修复"),
    "refused": _n("不予修复"),
    "corrected": _n("已更正"),
    "deleted": _n("已删除"),
    "upheld": _n("经核实无误，已取消异议标注"),
    "unverifiable": _n("无法核实，异议与核查情况一并记载"),
}
BOOLEANS: dict[bool, str] = {True: _n("是"), False: _n("否")}
LIST_KINDS: dict[str, str] = {"red": _n("红名单"), "black": _n("严重失信主体名单")}
LIST_PENDING: dict[str, str] = {
    "proposed": _n("拟列入（尚未告知）"),
    "notified": _n("已告知，异议期内"),
}
ROLES: dict[str, str] = {
    "legal_representative": _n("法定代表人"),
    "responsible_person": _n("主要负责人"),
}
LIST_OPEN_TERM = _n("无固定期限，至符合移出条件时移出")
REPAIR_PROCEDURE = _n(
    "信用修复由作出认定的单位决定（谁认定、谁修复），免费办理：可在本平台“信用修复”栏目"
    "或向认定单位提交申请和信用承诺书，详见本报告“说明”。"
)
PAGE_FOOTER = _n("第 {page} 页 共 {pages} 页")
SEAL_COLOUR = "#c8161d"
# The platform's name as the site's header writes it (base.html).
PLATFORM_NAME = (_n("诚信湖北"), _n("个人公共信用信息平台"))


@dataclass(frozen=True)
class Issuer:
    """Who issues the report and how its seal block reads (the settings ``report_issuer``,
    ``report_issuer_en`` and ``report_seal_text``)."""

    name_zh: str
    name_en: str
    seal_text: str

    @classmethod
    def from_settings(cls, settings: Settings) -> Issuer:
        return cls(settings.report_issuer, settings.report_issuer_en, settings.report_seal_text)

    @classmethod
    def default(cls) -> Issuer:
        """The settings' defaults (a report rendered without a deployment's settings)."""
        fields = Settings.model_fields
        return cls(
            str(fields["report_issuer"].default),
            str(fields["report_issuer_en"].default),
            str(fields["report_seal_text"].default),
        )

    def name(self, lang: str) -> str:
        return self.name_zh if lang == "zh" else self.name_en


def _star(cx: float, cy: float, outer: float) -> str:
    inner = outer * 0.382
    points = []
    for i in range(10):
        radius = outer if i % 2 == 0 else inner
        angle = math.radians(-90 + 36 * i)
        points.append(f"{cx + radius * math.cos(angle):.2f},{cy + radius * math.sin(angle):.2f}")
    return " ".join(points)


def seal_svg(issuer: str, text: str) -> Markup:
    """A round red seal in SVG: the issuer's name around the upper edge, a star, the seal's
    text below it (each character placed and turned on the circle: no text-on-path needed)."""
    size, centre, ring, letters = 132, 66, 62, 45
    chars = [c for c in issuer if not c.isspace()] or ["?"]
    span = min(250.0, 21.0 * len(chars))  # degrees of the arc the name takes
    font = 14 if len(chars) <= 12 else max(9, int(14 * 12 / len(chars)))  # noqa: PLR2004
    parts = [
        (
            f'<svg class="seal-mark" xmlns="http://www.w3.org/2000/svg" '
            f'viewBox="0 0 {size} {size}" width="{size}" height="{size}" role="img">'
        ),
        (
            f'<circle cx="{centre}" cy="{centre}" r="{ring}" fill="none" '
            f'stroke="{SEAL_COLOUR}" stroke-width="3.5"/>'
        ),
        f'<polygon points="{_star(centre, centre, 17)}" fill="{SEAL_COLOUR}"/>',
    ]
    for i, char in enumerate(chars):
        angle = -span / 2 + span * (i + 0.5) / len(chars)
        parts.append(
            f'<text x="{centre}" y="{centre - letters + font * 0.36:.2f}" font-size="{font}" '
            f'text-anchor="middle" fill="{SEAL_COLOUR}" font-family="Noto Sans CJK SC" '
            f'font-weight="bold" transform="rotate({angle:.2f} {centre} {centre})">'
            f"{escape(char)}</text>"
        )
    parts.append(
        f'<text x="{centre}" y="{centre + 37}" font-size="12" text-anchor="middle" '
        f'fill="{SEAL_COLOUR}" font-family="Noto Sans CJK SC" font-weight="bold">'
        f"{escape(text)}</text>"
    )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704  # every text in it was escaped above


@cache
def seal_data_uri(issuer: str, text: str) -> str:
    """The seal (:func:`seal_svg`) as an SVG data URI, made once per issuer and text."""
    svg = str(seal_svg(issuer, text))
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")


class UnknownLanguage(InvalidInput):
    code = "report-language-unknown"
    title = "Reports are rendered in Chinese (zh) or English (en)"


@cache
def _catalog(lang: str) -> dict[str, str]:
    """Translations of one language: msgid → msgstr (empty for the source language, Chinese)."""
    if lang == "zh":
        return {}
    source = resources.files("chengxin.reports").joinpath(
        "locale", lang, "LC_MESSAGES", "messages.po"
    )
    with source.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    return {
        str(m.id): str(m.string)
        for m in catalog
        if m.id and isinstance(m.id, str) and m.string and not m.fuzzy
    }


def translator(lang: str) -> Callable[..., str]:
    """gettext for ``lang`` (new-style: ``%(name)s`` placeholders are filled by keyword)."""
    table = _catalog(lang)

    def gettext(message: str, **variables: Any) -> str:
        text = table.get(message, message)
        return text % variables if variables else text

    return gettext


@cache
def _environment(lang: str) -> Environment:
    # One environment per language: installing gettext callables is global to an environment,
    # so sharing one between languages would race under concurrent requests.
    env = Environment(
        loader=PackageLoader("chengxin.reports", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    gettext = translator(lang)

    def ngettext(singular: str, plural: str, n: int, **variables: Any) -> str:
        return gettext(singular if n == 1 else plural, n=n, **variables)

    env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    return env


@cache
def stylesheet() -> str:
    """The report's stylesheet (``templates/report.css``), read once per process."""
    css = resources.files("chengxin.reports").joinpath("templates", "report.css")
    return css.read_text(encoding="utf-8")


def _css_string(text: str) -> str:
    """A CSS string literal; ``<`` is escaped too so no text can close the ``<style>`` element."""
    escaped = re.sub(r'[\\"<>\n\r]', lambda m: f"\\{ord(m.group()):x} ", text)
    return f'"{escaped}"'


def page_css(report: Report, lang: str) -> Markup:
    """The @page rules: A4, the report number on every page, "第 N 页 共 M 页" at the foot."""
    footer = translator(lang)(PAGE_FOOTER)
    parts: list[str] = []
    for piece in re.split(r"(\{page\}|\{pages\})", footer):
        if piece == "{page}":
            parts.append("counter(page)")
        elif piece == "{pages}":
            parts.append("counter(pages)")
        elif piece:
            parts.append(_css_string(piece))
    rules = (
        "@page { size: A4; margin: 18mm 16mm 20mm 16mm;"
        f" @top-right {{ content: {_css_string(report.number)}; }}"
        f" @bottom-center {{ content: {' '.join(parts)}; }} }}"
    )
    return Markup(rules)  # noqa: S704  # built from escaped CSS strings above


def local_time(moment: datetime) -> str:
    """A moment as China Standard Time, to the second (naive datetimes are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)  # noqa: UP017  # explicit for readers
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")


def last_day_shown(record: ReportRecord) -> date:
    """``display_until_on`` is exclusive (RULES.md §1); reports print the last day shown."""
    return record.display_until_on - timedelta(days=1)


def qr_data_uri(url: str) -> str:
    """A QR code of the URL as an SVG data URI (no external file, no script).

    Kept as SVG in the PDF too: a PNG (segno, one image) saves ~5 ms of a ~550 ms render, but
    poppler draws its module edges without the vector's anti-aliasing, and 0.3–0.6 % of page 1
    then differs from the reference image (the test allows 0.4 %)."""
    svg = segno.make(url, error="m", micro=False).svg_inline(scale=4, border=2, omitsize=True)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")


def _repair_text(record: ReportRecord, as_of: date, lang: str, gettext: Callable[..., str]) -> str:
    if RecordMark.REPAIRED in record.marks:
        return gettext("已完成信用修复。")
    if not record.repairable:
        return gettext("依照法律规定，本条记录不可申请信用修复。")
    if record.repair_from_on is None:
        lead = gettext("履行相关义务后即可申请信用修复。")
    elif record.repair_from_on > as_of:
        lead = gettext("自 %(day)s 起可申请信用修复。", day=record.repair_from_on.isoformat())
    else:
        lead = gettext(
            "现已可申请信用修复（自 %(day)s 起）。", day=record.repair_from_on.isoformat()
        )
    separator = "" if lang == "zh" else " "  # Chinese sentences run on without spaces
    return f"{lead}{separator}{gettext(REPAIR_PROCEDURE)}"


@cache
def shipped_field_labels() -> dict[str, dict[str, tuple[str, str]]]:
    from chengxin.catalog import service as catalog_service  # noqa: PLC0415  # loaded once

    kinds: Iterable[dict[str, Any]] = catalog_service.shipped_content().get("kinds", [])
    return {
        str(kind["code"]): {
            str(f["name"]): (str(f["label_zh"]), str(f["label_en"])) for f in kind.get("fields", [])
        }
        for kind in kinds
    }


@cache
def shipped_enum_fields() -> dict[str, frozenset[str]]:
    """kind code → the names of its enumerated fields (their values are codes: printed as words)."""
    from chengxin.catalog import service as catalog_service  # noqa: PLC0415  # loaded once

    kinds: Iterable[dict[str, Any]] = catalog_service.shipped_content().get("kinds", [])
    return {
        str(kind["code"]): frozenset(
            str(f["name"]) for f in kind.get("fields", []) if f.get("type") == "enum"
        )
        for kind in kinds
    }


def _field_text(kind: str, name: str, value: Any, gettext: Callable[..., str]) -> str:
    if name in shipped_enum_fields().get(kind, ()) and isinstance(value, str):
        return gettext(vocabulary.field_value(kind, name, value))
    return _value_text(value, gettext)


def _value_text(value: Any, gettext: Callable[..., str]) -> str:
    if isinstance(value, bool):
        return gettext(BOOLEANS[value])
    if value is None:
        return "—"
    if isinstance(value, list | tuple):
        return "、".join(_value_text(v, gettext) for v in value)
    return str(value)


def _case_value(value: Any, gettext: Callable[..., str], *, deadline: bool = False) -> str:
    if isinstance(value, datetime) and deadline:
        return last_day(value).isoformat()  # the last day, as the page and the message say
    if isinstance(value, datetime):
        return local_time(value)
    if isinstance(value, str) and value in CASE_VALUES:
        return gettext(CASE_VALUES[value])
    return _value_text(value, gettext)


def record_view(
    record: ReportRecord,
    *,
    lang: str,
    as_of: date,
    labels: Mapping[str, Mapping[str, tuple[str, str]]],
    gettext: Callable[..., str],
) -> dict[str, Any]:
    kind_labels = labels.get(record.kind_code, {})
    index = 0 if lang == "zh" else 1
    return {
        "record": record,
        "name": record.kind_name_zh if lang == "zh" else record.kind_name_en,
        "severity": gettext(SEVERITIES[record.severity]) if record.severity in SEVERITIES else None,
        "marks": [(m.value, gettext(MARKS[m])) for m in record.marks],
        "status": gettext(STATUSES.get(record.status, record.status)),
        "shown_from": record.display_from_on.isoformat(),
        "shown_until": (
            last_day_shown(record).isoformat()
            if record.display_until_on > record.display_from_on
            else None  # minor records a provider did not ask to display (RULES.md §1)
        ),
        "repair": _repair_text(record, as_of, lang, gettext)
        if record.category == "dishonest"
        else None,
        "fields": [
            (
                kind_labels[name][index] if name in kind_labels else name,
                _field_text(record.kind_code, name, v, gettext),
            )
            for name, v in record.fields.items()
        ],
    }


def last_day_to_object(due: datetime) -> str:
    """The objection window ends at a moment (the next midnight): print the last day, in China
    (``workdays.last_day``, which the notice's text message names too)."""
    return last_day(due).isoformat()


def list_view(line: ListLine, *, lang: str, gettext: Callable[..., str]) -> dict[str, Any]:
    """A membership as the report and the person's pages word it."""
    return {
        "line": line,
        "name": line.name_zh if lang == "zh" else line.name_en,
        "kind": gettext(LIST_KINDS[line.kind]) if line.kind in LIST_KINDS else "",
        "published": local_time(line.published_at),
        "term_ends": local_time(line.term_ends_at)
        if line.term_ends_at
        else gettext(LIST_OPEN_TERM),
        "role": gettext(ROLES[line.role]) if line.role in ROLES else None,
        "organization": (
            f"{line.via_organization_name}（{line.via_organization}）"
            if line.via_organization_name and lang == "zh"
            else f"{line.via_organization_name} ({line.via_organization})"
            if line.via_organization_name
            else line.via_organization
        ),
    }


def pending_view(line: PendingLine, *, lang: str, gettext: Callable[..., str]) -> dict[str, Any]:
    """An entry on its way to a list, with the last day to object."""
    return {
        "line": line,
        "name": line.name_zh if lang == "zh" else line.name_en,
        "kind": gettext(LIST_KINDS[line.kind]) if line.kind in LIST_KINDS else "",
        "status": gettext(LIST_PENDING[line.status]) if line.status in LIST_PENDING else "—",
        "last_day": last_day_to_object(line.objection_due_at) if line.objection_due_at else None,
    }


def _scene_text(scene: str | None, lang: str) -> str | None:
    if scene is None:
        return None
    try:
        info = SCENES[Scene(scene)]
    except ValueError:
        return scene
    return info.zh if lang == "zh" else info.en


def render_html(
    report: Report,
    *,
    lang: str = "zh",
    verification_code: str | None = None,
    verify_url: str | None = None,
    field_labels: Mapping[str, Mapping[str, tuple[str, str]]] | None = None,
    lang_links: Mapping[str, str] | None = None,
    issuer: Issuer | None = None,
    for_pdf: bool = False,
) -> str:
    """The report as one self-contained HTML page (Chinese by default, ``lang="en"`` English).

    The same page feeds the PDF (print CSS hides the language switch). ``verification_code``
    and ``verify_url`` print the verification block with a QR code of the URL (which carries the
    report number only). ``field_labels`` (kind code → field name → (zh, en)) names the record
    fields; by default the labels of the catalog shipped with the platform. ``lang_links``
    (``{"zh": url, "en": url}``) are the targets of the language switch; by default ``?lang=zh``
    and ``?lang=en`` on the page's own address. ``issuer``: the issuing body and seal text (by
    default the settings' defaults). ``for_pdf``: the page as ``reports.pdf`` lays it out — the
    stylesheet left out (the PDF renderer applies it parsed once per process).
    """
    if lang not in LANGS:
        raise UnknownLanguage(f"unknown report language {lang!r}: use zh or en")
    gettext = translator(lang)
    issuer = issuer or Issuer.default()
    labels = field_labels if field_labels is not None else shipped_field_labels()
    as_of = report.as_of.astimezone(BEIJING).date() if report.as_of.tzinfo else report.as_of.date()

    def views(records: list[ReportRecord]) -> list[dict[str, Any]]:
        return [
            record_view(r, lang=lang, as_of=as_of, labels=labels, gettext=gettext) for r in records
        ]

    every = [*report.dishonest, *report.good, *report.basic]
    marks_used = [
        (m.value, gettext(MARKS[m]), gettext(MARK_NOTES[m]))
        for m in RecordMark
        if any(m in r.marks for r in every)
    ]
    memberships = [list_view(m, lang=lang, gettext=gettext) for m in report.memberships]
    template = _environment(lang).get_template("report.html")
    return template.render(
        report=report,
        lang=lang,
        html_lang=HTML_LANG[lang],
        title=gettext(AUDIENCE_TITLES[report.audience]),
        audience=gettext(AUDIENCES[report.audience]),
        is_subject=report.audience is ReportAudience.SUBJECT,
        issued_at=local_time(report.issued_at),
        as_of=local_time(report.as_of),
        scene=_scene_text(report.scene, lang),
        severities=[(k, gettext(v)) for k, v in SEVERITIES.items()],
        marks_used=marks_used,
        lang_links={code: f"?lang={code}" for code in LANGS} | dict(lang_links or {}),
        memberships=memberships,
        lists_text=("、" if lang == "zh" else "; ").join(
            f"{m['name']}（{m['line'].reference}）"
            if lang == "zh"
            else f"{m['name']} ({m['line'].reference})"
            for m in memberships
        ),
        pending=[pending_view(p, lang=lang, gettext=gettext) for p in report.pending_entries or []],
        dishonest=views(report.dishonest),
        good=views(report.good),
        basic=views(report.basic),
        queries=[
            {
                "line": q,
                "at": local_time(q.at),
                "scene": _scene_text(q.scene, lang),
                "who": q.organization or gettext(vocabulary.PLATFORM),
                "what": gettext(vocabulary.action(q.action)),
            }
            for q in report.queries or []
        ],
        grants=[
            {
                "line": g,
                "valid_until": local_time(g.valid_until),
                "scene": _scene_text(g.scene, lang),
                "status": gettext(STATUSES.get(g.status, g.status)),
            }
            for g in report.grants or []
        ],
        objections=[
            [
                (gettext(CASE_LABELS[k]), _case_value(v, gettext, deadline=k == "due_at"))
                for k, v in item.model_dump().items()
                if v is not None
            ]
            for item in report.objections or []
        ],
        verification_code=verification_code,
        verify_url=verify_url,
        verify_page=verify_page(verify_url) if verify_url else None,
        verify_address=(
            Markup('<span class="address">{}</span>').format(verify_page(verify_url))
            if verify_url
            else None
        ),
        qr=qr_data_uri(verify_url) if verify_url else None,
        issuer=issuer.name(lang),
        seal=seal_data_uri(issuer.name_zh, issuer.seal_text),
        platform=" · ".join(gettext(part) for part in PLATFORM_NAME),
        digest=report_digest(report),
        css=None if for_pdf else Markup(stylesheet()),  # noqa: S704  # our own file
        page_css=page_css(report, lang),
    )
